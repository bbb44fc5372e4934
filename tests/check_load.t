use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::FakeProc;
no warnings 'qw';

# Ground truth: perfdata equals /proc/loadavg read just before and after.
sub loadavg { open my $f, '<', '/proc/loadavg' or die; my @l = split ' ', <$f>; return @l[0..2] }
for (1 .. 3) {
    my @before = loadavg();
    my $r = plugin_run('check_load', '-w', '100,100,100', '-c', '200,200,200');
    my @after = loadavg();
    check_plugin_output($r, 'check_load');
    is($r->{p}{service}, 'LOAD', 'service prefix LOAD');
    my $i = 0;
    for my $l (qw(load1 load5 load15)) {
        my $v = $r->{p}{perf}{$l}{value};
        my ($lo, $hi) = sort { $a <=> $b } ($before[$i], $after[$i]);
        ok($v >= $lo - 0.0051 && $v <= $hi + 0.0051, "$l=$v within /proc/loadavg $lo..$hi");
        is($r->{p}{perf}{$l}{warn}, '100', "$l warn threshold printed as a plain number");
        $i++;
    }
    like($r->{p}{summary}, qr/^total load average: [\d.]+, [\d.]+, [\d.]+$/, 'mp summary form');
}

# Boundaries on a recorded loadavg: thresholds are inclusive.
my $root = fake_proc(loadavg => "1.00 2.00 3.00 2/345 6789\n");
my %env = (env => { MAMORI_PROC_ROOT => $root });
my @cases = (
    [ [qw(-w 1,2,3 -c 5,5,5)],         0, 'load equal to the warning is OK' ],
    [ [qw(-w 0.99,2,3 -c 5,5,5)],      1, 'load1 above warning' ],
    [ [qw(-w 1,2,2.99 -c 5,5,5)],      1, 'load15 above warning' ],
    [ [qw(-w 1,1,1 -c 1,2,3)],         1, 'load equal to critical is not CRITICAL' ],
    [ [qw(-w 1,1,1 -c 1,1.99,3)],      2, 'load5 above critical' ],
    [ [qw(-w 0.5 -c 2.5)],             2, 'one value applies to all three' ],
    [ [qw(-w 5:)],                     1, 'range below: load under 5 warns' ],
    [ [qw(-c @0.5:1.5)],               2, 'inside range alerts' ],
    [ [],                              0, 'no thresholds: OK, measure only' ],
    [ [qw(-r -w 0.5,1,1.5 -c 9)],      0, 'per-CPU equal boundary' ],
);
for my $c (@cases) {
    my ($args, $want, $name) = @$c;
    my $cpus = `getconf _NPROCESSORS_ONLN` + 0;
    if (grep { $_ eq '-r' } @$args) {
        # scale thresholds to this machine's CPU count so the boundary holds
        $args = [ '-r', '-w', join(',', map { $_ / $cpus } 1, 2, 3), '-c', 9 ];
    }
    my $r = plugin_run('check_load', @$args, \%env);
    check_plugin_output($r, "check_load @$args");
    is($r->{exit}, $want, $name);
}
my $r = plugin_run('check_load', qw(-r -w 1 -c 2), \%env);
ok(exists $r->{p}{perf}{scaled_load1}, '-r adds scaled_load1');
is($r->{p}{perf}{load1}{warn}, '', '-r: thresholds move to the scaled items');
like($r->{p}{summary}, qr/^scaled load average: .* - total load average: 1.00, 2.00, 3.00$/, '-r summary as mp');

# A malformed or missing loadavg is UNKNOWN with a reason.
for my $text ("garbage\n", "", "1.0 2.0\n", "-1 2 3 1/2 3\n", "1e5 1 1 1/1 1\n") {
    my $bad = fake_proc(loadavg => $text);
    my $r = plugin_run('check_load', { env => { MAMORI_PROC_ROOT => $bad } });
    is($r->{exit}, 3, "malformed loadavg '" . ($text =~ s/\n//r) . "' is UNKNOWN");
    like($r->{p}{summary} // '', qr/cannot read .*loadavg/, 'reason names the file');
}
# fuzz_loadavg: "running/total" that is not two counts is unknown, never
# a negative number or one strtol saturated in the -v line.
for my $c ([ "1.0 2.0 3.0 -1/-5 7\n", 'negative counts' ],
           [ "1.0 2.0 3.0 99999999999999999999/3 7\n", 'a count past LONG_MAX' ],
           [ "1.0 2.0 3.0\n", 'no counts at all (an old or recorded file)' ]) {
    my $r = plugin_run('check_load', '-v', { env => { MAMORI_PROC_ROOT => fake_proc(loadavg => $c->[0]) } });
    check_plugin_output($r, "fuzz_loadavg: $c->[1]");
    is($r->{exit}, 0, "fuzz_loadavg: $c->[1]: the loads are still judged");
    like($r->{out}, qr/^\d+ CPUs online$/m, "fuzz_loadavg: $c->[1]: no runnable count shown");
    unlike($r->{out}, qr/-\d+ of|9223372036854775807/, "fuzz_loadavg: $c->[1]: no negative or saturated count");
}
$r = plugin_run('check_load', '-v', \%env);
like($r->{out}, qr/^\d+ CPUs online, 2 of 345 scheduling entities runnable$/m, 'fuzz_loadavg: real counts shown');

$r = plugin_run('check_load', { env => { MAMORI_PROC_ROOT => '/nonexistent' } });
is($r->{exit}, 3, 'missing /proc is UNKNOWN');

done_testing;
