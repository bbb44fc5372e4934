# -t SECONDS[:STATE]: a blocked plugin answers by the deadline with one line.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(mkfifo);
use Mamori::Test;

# A FIFO with no writer blocks open() forever: the alarm must end it.
my $root = tempdir(CLEANUP => 1);
mkfifo("$root/loadavg", 0600) or die "mkfifo: $!";
mkfifo("$root/meminfo", 0600) or die "mkfifo: $!";
my %env = (env => { MAMORI_PROC_ROOT => $root }, timeout => 10);

my $r = plugin_run('check_load', '-t', '1', \%env);
check_plugin_output($r, 'blocked check_load');
is($r->{exit}, 3, 'default timeout state of a local check is UNKNOWN');
is($r->{out}, "LOAD UNKNOWN - plugin timed out after 1 seconds\n", 'one line naming the timeout');
ok($r->{secs} >= 0.9 && $r->{secs} < 2, sprintf('ended after %.2f s', $r->{secs}));

$r = plugin_run('check_load', '-t', '0.5:critical', \%env);
is($r->{exit}, 2, '-t 0.5:critical exits CRITICAL');
like($r->{out}, qr/^LOAD CRITICAL - plugin timed out after 0.5 seconds$/, 'decimal seconds');
ok($r->{secs} < 1.5, sprintf('ended after %.2f s', $r->{secs}));

for my $s ([ok => 0], [warning => 1], [unknown => 3], ['2' => 2]) {
    $r = plugin_run('check_mem', '-t', "0.3:$s->[0]", \%env);
    is($r->{exit}, $s->[1], "-t 0.3:$s->[0]");
}
for my $bad (qw(0 -1 abc 1:bogus 1: :ok 86401 1e3), '') {
    $r = plugin_run('check_load', '-t', $bad);
    is($r->{exit}, 3, "-t '$bad' refused");
    like($r->{p}{summary} // '', qr/timeout/, 'reason names the timeout');
}
done_testing;
