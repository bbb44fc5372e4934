use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::FakeProc;

sub root_with_swap {
    my ($total_kb, $free_kb, $swaps) = @_;
    return fake_proc(meminfo => "MemTotal: 1024000 kB\nMemFree: 512000 kB\nMemAvailable: 600000 kB\n"
                              . "SwapTotal: $total_kb kB\nSwapFree: $free_kb kB\n",
                     swaps => "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" . ($swaps // ''));
}

# 1000 MiB of swap, 200 MiB free = 20%
my $root = root_with_swap(1024000, 204800,
    "/dev/vda2                               partition\t512000\t\t512000\t\t-2\n" .
    "/swapfile                               file\t\t512000\t\t307200\t\t-3\n");
my %env = (env => { MAMORI_PROC_ROOT => $root });
for my $c ([ [qw(-w 20% -c 10%)], 0, '20% free equals the warning floor: OK' ],
           [ [qw(-w 21% -c 10%)], 1, 'below 21%: WARNING' ],
           [ [qw(-w 30% -c 20.5%)], 2, 'below 20.5%: CRITICAL' ],
           [ [qw(-w 200M -c 100M)], 0, '200 MiB free equals 200M floor: OK' ],
           [ [qw(-w 201M -c 100M)], 1, 'below 201M' ],
           [ [qw(-w 1G -c 209715201)], 2, 'bytes without a unit, 1 above free' ],
           [ [qw(-w 10% -c 5% -a)], 2, '-a: the full device (0% free) is CRITICAL' ]) {
    my $r = plugin_run('check_swap', @{ $c->[0] }, \%env);
    check_plugin_output($r, "check_swap @{ $c->[0] }");
    is($r->{exit}, $c->[1], $c->[2]);
}
my $r = plugin_run('check_swap', qw(-w 20% -c 10%), \%env);
is($r->{p}{summary}, '20% free (200MB out of 1000MB)', 'mp summary form');
my $p = $r->{p}{perf}{swap};
is($p->{value}, 204800 * 1024, 'swap perfdata is free bytes');
is($p->{uom}, 'B', 'in B');
is($p->{max}, 1024000 * 1024, 'max is the total');
is($p->{warn}, (1024000 * 1024 * 0.2) . ':', 'warn is the free-bytes floor');
$r = plugin_run('check_swap', qw(-w 10% -c 5% -a), \%env);
like($r->{out}, qr{^/dev/vda2: CRITICAL, 0% free}m, '-a lists each device');
like($r->{out}, qr{^/swapfile: OK, 40% free}m, '-a: second device');

# No swap at all: critical by default like mp, or the state of -n.
my $none = root_with_swap(0, 0);
$r = plugin_run('check_swap', qw(-w 20% -c 10%), { env => { MAMORI_PROC_ROOT => $none } });
check_plugin_output($r, 'no swap');
is($r->{exit}, 2, 'no swap: CRITICAL by default');
like($r->{p}{summary}, qr/Swap is either disabled, not present, or of zero size/, 'mp wording');
for my $s ([ok => 0], [warning => 1], [unknown => 3], [CRITICAL => 2]) {
    $r = plugin_run('check_swap', '-n', $s->[0], { env => { MAMORI_PROC_ROOT => $none } });
    is($r->{exit}, $s->[1], "no swap with -n $s->[0]");
}

# fuzz_swaps: a size that is not digits ("-1" was read as 2^64-1 by
# sscanf) or a used above the size is no swap area; a control character
# in a name stays off the line.
{
    my $root = root_with_swap(1024000, 512000,
        "/x file -1 -1 -4\n/y file 10 20 -5\n/z\tfile\t+5\t1\t-6\n/ok\x01name file 1024000 512000 -7\n");
    my $r = plugin_run('check_swap', qw(-w 10% -c 5% -a), { env => { MAMORI_PROC_ROOT => $root } });
    check_plugin_output($r, 'fuzz_swaps: hostile /proc/swaps');
    is($r->{exit}, 0, 'fuzz_swaps: malformed areas are not judged');
    unlike($r->{out}, qr{^/[xyz]:}m, 'fuzz_swaps: "-1", used > size and "+5" lines left out');
    like($r->{out}, qr{^/ok\?name: OK, 50% free}m, 'fuzz_swaps: the good area, its control character as ?');
}
# fuzz_meminfo: SwapFree above SwapTotal is no swap used, not 16 EiB.
{
    my $root = root_with_swap(1024, 4096);
    my $r = plugin_run('check_swap', qw(-w 10% -c 5% --procs-to-show 0), { env => { MAMORI_PROC_ROOT => $root } });
    check_plugin_output($r, 'fuzz_meminfo: SwapFree > SwapTotal');
    like($r->{out}, qr{^Swap:\s+1\.0\s*Mi?B?\s+0(\.0)?\s*B?\s}m, 'fuzz_meminfo: Swap row used is 0')
        or diag $r->{out};
}

# This machine: agrees with /proc/meminfo.
$r = plugin_run('check_swap', qw(-w 1% -c 1% -n ok));
check_plugin_output($r, 'check_swap here');
my ($st) = `awk '/^SwapTotal:/ {print \$2 * 1024}' /proc/meminfo`;
is($r->{p}{perf}{swap}{max}, $st + 0, 'total matches /proc/meminfo');
done_testing;
