use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::FakeProc;

sub meminfo {
    open my $f, '<', '/proc/meminfo' or die;
    my %m = map { /^(\w+):\s+(\d+)/ ? ($1 => $2 * 1024) : () } <$f>;
    return \%m;
}

# Ground truth: used = MemTotal - MemAvailable, as `free` counts it.
my $m = meminfo();
my $r = plugin_run('check_mem', qw(-w 99 -c 100));
my $m2 = meminfo();
check_plugin_output($r, 'check_mem');
is($r->{p}{perf}{used}{max}, $m->{MemTotal}, 'max is MemTotal');
my ($lo, $hi) = sort { $a <=> $b } ($m->{MemAvailable}, $m2->{MemAvailable});
my $slack = 64 * 1024 * 1024;
ok($r->{p}{perf}{available}{value} >= $lo - $slack && $r->{p}{perf}{available}{value} <= $hi + $slack,
   "available $r->{p}{perf}{available}{value} matches MemAvailable $lo..$hi");
my $free_b = `free -b | awk '/^Mem:/ {print \$2, \$7}'`;
my ($ftotal, $favail) = split ' ', $free_b;
is($ftotal, $r->{p}{perf}{used}{max}, 'total agrees with free -b');
ok(abs($favail - $r->{p}{perf}{available}{value}) < $slack, 'available agrees with free -b');
like($r->{out}, qr/^\s+total\s+used\s+free\s+shared\s+buff\/cache\s+available$/m, 'long output is the free view');
like($r->{out}, qr/^Mem:\s/m, 'Mem: row');
like($r->{out}, qr/^Swap:\s/m, 'Swap: row');

# Boundaries on a recorded meminfo: 1000 MiB total, 250 MiB available -> 75% used.
my $rec = fake_proc(meminfo => <<'M');
MemTotal:        1024000 kB
MemFree:          100000 kB
MemAvailable:     256000 kB
Buffers:           10000 kB
Cached:           150000 kB
SwapCached:            0 kB
Shmem:              5000 kB
SReclaimable:       4000 kB
SwapTotal:             0 kB
SwapFree:              0 kB
M
my %env = (env => { MAMORI_PROC_ROOT => $rec });
for my $c ([ [qw(-w 75 -c 90)], 0, '75% used equals the warning: OK' ],
           [ [qw(-w 74.9 -c 90)], 1, '75% used above 74.9: WARNING' ],
           [ [qw(-w 50 -c 74.99)], 2, 'above critical' ],
           [ [qw(--available-warning 250M)], 0, 'available equal to the floor: OK' ],
           [ [qw(--available-warning 251M)], 1, 'available below the floor: WARNING' ],
           [ [qw(--available-critical 26%)], 2, 'available 25% below 26%: CRITICAL' ],
           [ [qw(--available-critical 25%)], 0, 'available 25% equal: OK' ]) {
    my $r = plugin_run('check_mem', @{ $c->[0] }, \%env);
    check_plugin_output($r, "check_mem @{ $c->[0] }");
    is($r->{exit}, $c->[1], $c->[2]);
}
$r = plugin_run('check_mem', \%env);
is($r->{p}{perf}{used_pct}{value}, '75.00', 'used_pct 75.00');
is($r->{p}{perf}{used}{value}, 786432000, 'used bytes = total - available');

# An old kernel without MemAvailable: estimated, and said so.
(my $old = do { local $/; open my $f, '<', "$rec/meminfo"; <$f> }) =~ s/^MemAvailable.*\n//m;
my $oldroot = fake_proc(meminfo => $old);
$r = plugin_run('check_mem', { env => { MAMORI_PROC_ROOT => $oldroot } });
check_plugin_output($r, 'no MemAvailable');
like($r->{p}{summary}, qr/estimated/, 'estimate is named');
# free + buffers + cached + sreclaimable - shmem = 100000+10000+150000+4000-5000 kB
is($r->{p}{perf}{available}{value}, 259000 * 1024, 'estimate from the kernel formula');

for my $text ("", "garbage\n", "MemFree: 1 kB\n", "MemTotal: 0 kB\nMemFree: 0 kB\n") {
    my $r = plugin_run('check_mem', { env => { MAMORI_PROC_ROOT => fake_proc(meminfo => $text) } });
    is($r->{exit}, 3, 'malformed meminfo is UNKNOWN');
}

# fuzz_meminfo: what a recorded or broken meminfo says is bounded, never
# wrapped: MemAvailable above MemTotal is all of it available (not a
# negative use), a value past 2^50 kB or a number on the next line is no
# value, and "-1" is not 2^64-1.
$r = plugin_run('check_mem', qw(-w 80 -c 90 --procs-to-show 0),
                { env => { MAMORI_PROC_ROOT => fake_proc(meminfo => "MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 5000 kB\n") } });
check_plugin_output($r, 'fuzz_meminfo: MemAvailable > MemTotal');
is($r->{exit}, 0, 'fuzz_meminfo: MemAvailable > MemTotal is OK');
is($r->{p}{perf}{used_pct}{value}, '0.00', 'fuzz_meminfo: used is 0%, not negative');
is($r->{p}{perf}{available}{value}, 1000 * 1024, 'fuzz_meminfo: available is at most the total');
like($r->{out}, qr/^Mem:\s+1000\.0 KiB\s+0 B\s/m, 'fuzz_meminfo: the free view shows 0 used, not 16 EiB');
for my $c ([ "MemTotal: 1000 kB\nMemFree: 18014398509481984 kB\n", 'MemFree of 2^54 kB (wrapped to 0 before)' ],
           [ "MemTotal:\n1000 kB\nMemFree: 10 kB\n", 'MemTotal with its number on the next line' ],
           [ "MemTotal: 1000 kB\nMemFree: -1 kB\n", 'MemFree -1' ]) {
    my $r = plugin_run('check_mem', { env => { MAMORI_PROC_ROOT => fake_proc(meminfo => $c->[0]) } });
    is($r->{exit}, 3, "fuzz_meminfo: $c->[1] is UNKNOWN");
    like($r->{out}, qr/\AMEM UNKNOWN - cannot read \S*meminfo: [^\n]*\n\z/, "fuzz_meminfo: $c->[1]: one line with a reason");
}
done_testing;
