use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::FakeProc;

# Ground truth: a process that burns one CPU shows up as busy time.
my $cpus = `getconf _NPROCESSORS_ONLN` + 0;
my $burner = fork // die;
if ($burner == 0) { my $x = 0; $x++ while 1; exit 0 }
select(undef, undef, undef, 0.3);
my $r = plugin_run('check_cpu', qw(-s 1 -w 99.9 -c 100));
kill 'KILL', $burner; waitpid $burner, 0;
check_plugin_output($r, 'check_cpu with a burner');
my $busy = $r->{p}{perf}{busy}{value};
my $expect = 100 / $cpus;
ok($busy >= $expect * 0.6, "one burner on $cpus CPUs: busy $busy% >= " . $expect * 0.6);
my $sum = 0;
$sum += $r->{p}{perf}{$_}{value} for qw(user system iowait steal idle);
ok(abs($sum - 100) < 0.1, "user+system+iowait+steal+idle = $sum%");
ok(abs($r->{p}{perf}{busy}{value} - (100 - $r->{p}{perf}{idle}{value} - $r->{p}{perf}{iowait}{value})) < 0.02,
   'busy = 100 - idle - iowait');
for my $l (qw(busy user system iowait steal idle)) {
    is($r->{p}{perf}{$l}{uom}, '%', "$l in %");
    is($r->{p}{perf}{$l}{max}, '100', "$l max 100");
}

# Thresholds: the burner makes busy >= one CPU's share.
$r = plugin_run('check_cpu', qw(-s 0.2 -w 100 -c @0:100));
check_plugin_output($r, 'check_cpu critical inside 0..100');
is($r->{exit}, 2, '@0:100 is always CRITICAL');
$r = plugin_run('check_cpu', qw(-s 0.2 --iowait-critical @0:100));
is($r->{exit}, 2, 'iowait threshold judged');
$r = plugin_run('check_cpu', qw(-s 0.2 --steal-warning @0:100));
is($r->{exit}, 1, 'steal threshold judged');

# A /proc/stat that does not move: no time passed is UNKNOWN, not 0% busy.
my $root = fake_proc(stat => "cpu  10 0 10 100 0 0 0 0 0 0\ncpu0 10 0 10 100 0 0 0 0 0 0\n");
$r = plugin_run('check_cpu', qw(-s 0.1), { env => { MAMORI_PROC_ROOT => $root } });
check_plugin_output($r, 'frozen stat');
is($r->{exit}, 3, 'frozen /proc/stat is UNKNOWN');
like($r->{p}{summary}, qr/no CPU time passed/, 'with the reason');
$root = fake_proc(stat => "intr 1 2 3\n");
$r = plugin_run('check_cpu', qw(-s 0.1), { env => { MAMORI_PROC_ROOT => $root } });
is($r->{exit}, 3, 'stat without a cpu line is UNKNOWN');

# The sample must fit in the timeout.
$r = plugin_run('check_cpu', qw(-s 5 -t 2));
is($r->{exit}, 3, 'sample longer than the timeout is refused');
ok($r->{secs} < 1, 'refused at once');

done_testing;
