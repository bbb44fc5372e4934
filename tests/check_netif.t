# check_netif: rates since the last run from /proc/net/dev. Ground truth is
# traffic this test sends over lo and the kernel's own counters around it;
# recorded /proc/net/dev files and a fake sysfs pin down wrap, reset,
# utilisation and the thresholds; state files written here in the
# documented format give the interval exactly.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(clock_gettime CLOCK_BOOTTIME CLOCK_MONOTONIC);
use Mamori::Test;
use Mamori::FakeProc;

my $state = tempdir(CLEANUP => 1);

sub netif {
    my @args = @_;
    my %o = ref $args[-1] eq 'HASH' ? %{ pop @args } : ();
    my $r = plugin_run('check_netif', @args, { timeout => 20, env => { MAMORI_STATE_DIR => $state, %{ $o{env} // {} } } });
    return $r;
}

# The counters of /proc/net/dev: name => [rx bytes, packets, errs, drop, tx bytes, packets, errs, drop].
sub read_netdev {
    open my $f, '<', '/proc/net/dev' or die "/proc/net/dev: $!";
    my %d;
    while (<$f>) {
        next unless /^\s*([^:\s]+):\s*(.*)$/;
        my @v = split ' ', $2;
        $d{$1} = [ @v[0 .. 3], @v[8 .. 11] ];
    }
    return \%d;
}

# A /proc/net/dev text from name => [8 counters] (the other 8 fields are 0).
sub netdev_text {
    my (@pairs) = @_;
    my $t = "Inter-|   Receive                                                |  Transmit\n"
          . " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
    while (my ($name, $c) = splice @pairs, 0, 2) {
        $t .= sprintf("%6s: %s 0 0 0 0 %s 0 0 0 0\n", $name, join(' ', @$c[0 .. 3]), join(' ', @$c[4 .. 7]));
    }
    return $t;
}

# The long-output line of one interface: rx/tx deltas, seconds, wraps.
sub detail {
    my ($r, $if) = @_;
    my ($line) = grep { /^\Q$if\E: / } @{ $r->{p}{long} };
    return {} unless defined $line;
    my %d = (line => $line);
    @d{qw(rx tx secs)} = $line =~ /\(\+(\d+) B\) tx .*? \(\+(\d+) B\) over ([\d.]+) s/;
    @d{qw(rxerr txerr)} = $line =~ /errors \+(\d+)\/\+(\d+)/;
    @d{qw(rxdrop txdrop)} = $line =~ /drops \+(\d+)\/\+(\d+)/;
    return \%d;
}

sub state_path { "$state/check_netif.$_[0]" }

# A baseline as check_netif writes it (docs/check_netif.md), `ago` seconds old.
sub write_state {
    my ($if, %s) = @_;
    my $time = $s{time} // clock_gettime(CLOCK_BOOTTIME) - ($s{ago} // 0);
    open my $f, '>', state_path($if) or die;
    printf $f "mamori check_netif 1\nname %s\nboot %s\ntime %.9f\nifindex %d\ncounters %s\n",
        $s{name} // $if, $s{boot} // '-', $time, $s{ifindex} // -1, join(' ', @{ $s{counters} });
    close $f;
}

sub read_state {
    open my $f, '<', state_path($_[0]) or return '';
    local $/;
    return <$f>;
}

# ---- ground truth: 50 MB over TCP on 127.0.0.1 between two runs ----------

{
    unlink state_path('lo');
    my $o0 = read_netdev()->{lo};
    my $t_o0 = clock_gettime(CLOCK_MONOTONIC);
    my $r = netif('-i', 'lo');
    my $t_i0 = clock_gettime(CLOCK_MONOTONIC);
    my $i0 = read_netdev()->{lo};
    check_plugin_output($r, 'lo first run');
    is($r->{exit}, 0, 'first run is OK');
    like($r->{p}{summary}, qr/^lo first sample, rates from the next run$/, 'first run says rates come next');
    is($r->{p}{perf}{lo_in_Bps}{value}, 'U', 'no rate yet: U');
    like(read_state('lo'), qr/^mamori check_netif 1\nname lo\n/, 'state file written');

    my $size = 50 * 1000 * 1000;
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1, Proto => 'tcp', ReuseAddr => 1)
        or die "listen: $!";
    my $pid = fork // die;
    if ($pid == 0) {
        my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->sockport, Proto => 'tcp') or POSIX::_exit(1);
        my $chunk = 'x' x 65536;
        my $left = $size;
        while ($left > 0) {
            my $n = syswrite($c, $chunk, $left < 65536 ? $left : 65536);
            POSIX::_exit(2) unless $n;
            $left -= $n;
        }
        close $c;
        POSIX::_exit(0);
    }
    my $conn = $srv->accept or die "accept: $!";
    my $got = 0;
    while (1) {
        my $n = sysread($conn, my $buf, 1 << 20);
        die "read: $!" unless defined $n;
        last if $n == 0;
        $got += $n;
    }
    waitpid $pid, 0;
    is($got, $size, "sent $size bytes over 127.0.0.1");

    my $i1 = read_netdev()->{lo};
    my $t_i1 = clock_gettime(CLOCK_MONOTONIC);
    $r = netif('-i', 'lo');
    my $t_o1 = clock_gettime(CLOCK_MONOTONIC);
    my $o1 = read_netdev()->{lo};
    check_plugin_output($r, 'lo second run');
    my $d = detail($r, 'lo');
    ok(defined $d->{rx}, 'long output has the deltas') or diag($r->{out});
    ok($d->{rx} >= $size && $d->{tx} >= $size, "rx +$d->{rx} and tx +$d->{tx} B cover the $size B sent");
    # the plugin read /proc/net/dev inside [outer0, outer1] and around [inner0, inner1]
    for my $k ([0, 'rx'], [4, 'tx']) {
        my ($i, $n) = @$k;
        my ($lo, $hi) = ($i1->[$i] - $i0->[$i], $o1->[$i] - $o0->[$i]);
        ok($d->{$n} >= $lo && $d->{$n} <= $hi, "$n delta $d->{$n} within the kernel's $lo..$hi");
    }
    ok($d->{secs} >= $t_i1 - $t_i0 - 0.001 && $d->{secs} <= $t_o1 - $t_o0 + 0.001,
       sprintf('interval %.6f s within %.6f..%.6f', $d->{secs}, $t_i1 - $t_i0, $t_o1 - $t_o0));
    my $rate = $r->{p}{perf}{lo_in_Bps}{value};
    # the interval is printed to the microsecond: that much rounding
    my $tol = 0.01 + $rate * 0.6e-6 / $d->{secs};
    ok(abs($rate - $d->{rx} / $d->{secs}) <= $tol, "lo_in_Bps $rate = delta / interval");
    ok(abs($r->{p}{perf}{lo_out_Bps}{value} - $d->{tx} / $d->{secs}) <= $tol, 'lo_out_Bps = delta / interval');
    is($r->{p}{perf}{lo_in_Bps}{uom}, '', 'bytes per second carry no unit (none fits)');
    is($r->{p}{perf}{lo_in_Bps}{min}, '0', 'min 0');
    is($r->{p}{perf}{lo_in_error}{uom}, 'c', 'error totals are counters');
    my $e = $r->{p}{perf}{lo_in_error}{value};
    ok($e >= $i1->[2] && $e <= $o1->[2], "lo_in_error $e is the kernel's total");
    ok(!exists $r->{p}{perf}{lo_in_prct}, 'lo has no speed: no %');
    like($r->{p}{summary}, qr/^lo rx \S+ [kMG]?B\/s tx \S+ [kMG]?B\/s$/, 'summary has the rates');

    # --sample: a first run measures over the sample instead of waiting
    unlink state_path('lo');
    my $t0 = clock_gettime(CLOCK_MONOTONIC);
    $r = netif('-i', 'lo', '-s', '0.5');
    my $t1 = clock_gettime(CLOCK_MONOTONIC);
    check_plugin_output($r, 'lo with --sample');
    $d = detail($r, 'lo');
    ok(defined $d->{secs} && $d->{secs} >= 0.5 && $d->{secs} <= $t1 - $t0, "sampled over $d->{secs} s")
        or diag($r->{out});
    $r = netif('-i', 'lo', '-s', '5', '-t', '2');
    is($r->{exit}, 3, 'a sample longer than -t is refused');
    ok($r->{secs} < 1, 'at once');
}

# ---- recorded counters and a fake sysfs ----------------------------------

my $boot = 'aaaaaaaa-1111-2222-3333-444444444444';
my $sys = fake_proc(
    'class/net/eth0/speed' => "1000\n", 'class/net/eth0/flags' => "0x1003\n", 'class/net/eth0/ifindex' => "2\n",
    'class/net/eth0/operstate' => "up\n",
    'class/net/eth1/speed' => "-1\n", 'class/net/eth1/flags' => "0x1003\n", 'class/net/eth1/ifindex' => "3\n",
    'class/net/eth1/operstate' => "up\n",
    'class/net/eth2/flags' => "0x1002\n", 'class/net/eth2/ifindex' => "4\n", 'class/net/eth2/operstate' => "down\n",
    'class/net/lo/flags' => "0x9\n", 'class/net/lo/ifindex' => "1\n", 'class/net/lo/operstate' => "unknown\n");
my @zero = (0) x 8;

sub fake {
    my ($text, %more) = @_;
    return { MAMORI_PROC_ROOT => fake_proc('net/dev' => $text, 'sys/kernel/random/boot_id' => "$boot\n", %more),
             MAMORI_SYS_ROOT => $sys };
}

# Default selection: interfaces that are up, not loopback, not down.
{
    my $env = fake(netdev_text(lo => [@zero], eth0 => [@zero], eth1 => [@zero], eth2 => [@zero]));
    unlink map { state_path($_) } qw(eth0 eth1 eth2 lo);
    my $r = netif({ env => $env });
    check_plugin_output($r, 'default selection');
    is_deeply([ grep { /_in_Bps$/ } @{ $r->{p}{perf_order} } ], [qw(eth0_in_Bps eth1_in_Bps)],
              'eth0 and eth1 (up), not lo (loopback) nor eth2 (down)');
    like($r->{p}{summary}, qr/^eth0 first sample, rates from the next run, eth1 first sample/, 'both first samples');
    like(read_state('eth0'), qr/^mamori check_netif 1\nname eth0\nboot \Q$boot\E\ntime [\d.]+\nifindex 2\ncounters 0 0 0 0 0 0 0 0\n\z/,
         'state file in the documented format');
    $r = netif('-x', 'eth1', { env => $env });
    is_deeply([ grep { /_in_Bps$/ } @{ $r->{p}{perf_order} } ], ['eth0_in_Bps'], '-x eth1 leaves eth0');
    $r = netif('-x', 'eth*', { env => $env });
    is($r->{exit}, 3, '-x eth* leaves nothing: UNKNOWN');
    like($r->{p}{summary}, qr/no interface to check/, 'with the reason');
    $r = netif('-i', 'eth2', { env => $env });
    check_plugin_output($r, 'explicit down interface');
    like($r->{p}{summary}, qr/^eth2 .*\(down\)$/, 'an interface given with -i is checked even when down, and says so');
    $r = netif('-i', 'lo', '-i', 'lo', { env => $env });
    is(scalar(grep { /_in_Bps$/ } @{ $r->{p}{perf_order} }), 1, '-i twice is one interface');
}

# The interval comes from the state; X seconds back, the rates are known to
# within the run's own duration: rate <= delta / X always.
my $uptime = clock_gettime(CLOCK_BOOTTIME);
my $X = $uptime - 10 > 3600 ? 3600 : int($uptime - 10);
BAIL_OUT("uptime $uptime s is too short for the interval tests") if $X < 100;
my $m = 10 / $X;   # tolerates a run 10 s slower than instant

sub rates_run {
    my ($if, $prev, $cur, @args) = @_;
    my %o = ref $args[-1] eq 'HASH' ? %{ pop @args } : ();
    write_state($if, ago => $o{ago} // $X, counters => $prev, ifindex => $o{ifindex} // -1, boot => $o{boot} // $boot);
    return netif('-i', $if, @args, { env => fake(netdev_text($if => $cur)) });
}

{
    # 10 MB/s rx (8% of 1 Gb/s), 5 MB/s tx, 5 errors/s, 3 drops/s over X seconds
    my @prev = (1000, 10, 0, 0, 2000, 20, 0, 0);
    my @cur = (1000 + 10e6 * $X, 10 + 1000 * $X, 4 * $X, 2 * $X, 2000 + 5e6 * $X, 20 + 500 * $X, 1 * $X, 1 * $X);
    my $r = rates_run('eth0', \@prev, \@cur);
    check_plugin_output($r, 'eth0 rates');
    my $d = detail($r, 'eth0');
    is($d->{rx}, 10e6 * $X, 'rx delta exact');
    is($d->{tx}, 5e6 * $X, 'tx delta exact');
    is_deeply([ @$d{qw(rxerr txerr rxdrop txdrop)} ], [ 4 * $X, $X, 2 * $X, $X ], 'error and drop deltas exact');
    ok($d->{secs} >= $X && $d->{secs} < $X + 10, "interval $d->{secs} s from the state's time");
    my $p = $r->{p}{perf};
    ok($p->{eth0_in_Bps}{value} <= 10e6 && $p->{eth0_in_Bps}{value} > 10e6 * (1 - $m), "eth0_in_Bps $p->{eth0_in_Bps}{value}");
    is($p->{eth0_in_Bps}{max}, 125000000, 'max is the link speed in bytes/s');
    ok(abs($p->{eth0_in_prct}{value} - $p->{eth0_in_Bps}{value} * 8 / 1e9 * 100) < 0.01, "eth0_in_prct $p->{eth0_in_prct}{value}% of 1000 Mb/s");
    ok(abs($p->{eth0_out_prct}{value} - $p->{eth0_out_Bps}{value} * 8 / 1e9 * 100) < 0.01, 'eth0_out_prct');
    is($p->{eth0_in_prct}{uom}, '%', '% unit');
    is($p->{eth0_in_prct}{max}, 100, 'max 100');
    ok(abs($p->{eth0_error_ps}{value} - 5) < 0.01 + 5 * $m, 'eth0_error_ps: rx + tx errors per second');
    ok(abs($p->{eth0_discard_ps}{value} - 3) < 0.01 + 3 * $m, 'eth0_discard_ps');
    is($p->{eth0_in_error}{value}, 4 * $X, 'eth0_in_error total');
    is($p->{eth0_out_discard}{value}, $X, 'eth0_out_discard total');
    like($r->{p}{summary}, qr/^eth0 rx (?:10\.00|9\.99) MB\/s tx (?:5\.00|4\.99) MB\/s \(8\.0%\/4\.0%\) (?:5\.00|4\.99) errors\/s (?:3\.00|2\.99) drops\/s$/, 'summary')
        or diag($r->{p}{summary});
    like(read_state('eth0'), qr/\ncounters @{[ join ' ', @cur ]}\n/, 'the reading is the next baseline');

    # Thresholds: at the exact upper bound OK (the rate cannot exceed it), below it alerting.
    my $lo = sprintf('%.6f', 10 * (1 - 2 * $m));
    my @cases = (
        [ [ '--rx-warning', '10M' ], 0, 'rx 10M: not above' ],
        [ [ '--rx-warning', "${lo}M" ], 1, "rx ${lo}M: above" ],
        [ [ '--rx-critical', '10000000' ], 0, 'rx in plain bytes' ],
        [ [ '--rx-critical', "${lo}M" ], 2, 'rx critical' ],
        [ [ '--rx-warning', '10Mi' ], 0, '10Mi = 10485760' ],
        [ [ '--rx-warning', '9.5Mi' ], 1, '9.5Mi = 9961472' ],
        [ [ '--rx-warning', '80M', '--bits' ], 0, '80 Mbit/s = 10 MB/s' ],
        [ [ '--bits', '--rx-critical', sprintf('%.6fM', 80 * (1 - 2 * $m)) ], 2, 'bits before the threshold too' ],
        [ [ '--rx-warning', '10M:' ], 1, '10M: alerts below 10 MB/s (the rate is at most that)' ],
        [ [ '--rx-warning', "${lo}M:" ], 0, "${lo}M: does not" ],
        [ [ '--rx-critical', "\@${lo}M:20M" ], 2, 'inside range' ],
        [ [ '--tx-warning', '5M' ], 0, 'tx 5M' ],
        [ [ '--tx-warning', sprintf('%.6fM', 5 * (1 - 2 * $m)) ], 1, 'tx below' ],
        [ [ '--tx-critical', sprintf('%.3fk', 5000 * (1 - 2 * $m)) ], 2, 'tx in k' ],
        [ [ '-w', '8' ], 0, 'util 8%: not above' ],
        [ [ '-w', sprintf('%.6f', 8 * (1 - 2 * $m)) ], 1, 'util just below 8%' ],
        [ [ '-c', sprintf('%.6f', 8 * (1 - 2 * $m)) ], 2, 'util critical' ],
        [ [ '-w', '5', '-c', sprintf('%.6f', 8 * (1 - 2 * $m)) ], 2, 'higher of rx (8%) and tx (4%)' ],
        [ [ '-w', sprintf('%.6f', 4 * (1 - 2 * $m)), '-c', '8' ], 1, 'tx (4%) is judged by the same range' ],
        [ [ '--errors-warning', '5' ], 0, 'errors 5/s' ],
        [ [ '--errors-warning', sprintf('%.6f', 5 * (1 - 2 * $m)) ], 1, 'errors above' ],
        [ [ '--drops-critical', '3' ], 0, 'drops 3/s' ],
        [ [ '--drops-critical', sprintf('%.6f', 3 * (1 - 2 * $m)) ], 2, 'drops above' ],
    );
    for my $c (@cases) {
        my ($args, $exit, $name) = @$c;
        $r = rates_run('eth0', \@prev, \@cur, @$args);
        check_plugin_output($r, "eth0 @$args");
        is($r->{exit}, $exit, "threshold: $name") or diag($r->{out});
    }
    $r = rates_run('eth0', \@prev, \@cur, '--rx-warning', '1M', '--rx-critical', '2M');
    is($r->{p}{perf}{eth0_in_Bps}{warn}, '1000000', 'rate thresholds in perfdata in bytes/s');
    $r = rates_run('eth0', \@prev, \@cur, '--bits', '--tx-warning', '8M');
    is($r->{p}{perf}{eth0_out_Bps}{warn}, '1000000', '--bits thresholds shown in bytes/s too');
    like($r->{p}{summary}, qr/rx 80\.00 Mbit\/s tx 40\.00 Mbit\/s/, '--bits text in bit/s');

    # Exactly at the boundary: counters that did not move give exactly 0/s.
    for my $c ([ [ '--rx-warning', '0' ], 0 ], [ [ '--rx-critical', '@0' ], 2 ], [ [ '-w', '0' ], 0 ],
               [ [ '-c', '@0:0' ], 2 ], [ [ '--errors-warning', '0' ], 0 ], [ [ '--errors-warning', '@0' ], 1 ],
               [ [ '--drops-warning', '0:0' ], 0 ], [ [ '--tx-warning', '0:' ], 0 ], [ [ '--tx-warning', '~:0' ], 0 ]) {
        $r = rates_run('eth0', \@prev, \@prev, @{ $c->[0] });
        check_plugin_output($r, "idle eth0 @{ $c->[0] }");
        is($r->{exit}, $c->[1], "0/s against @{ $c->[0] }: exit $c->[1]");
        is($r->{p}{perf}{eth0_in_Bps}{value}, '0.00', 'rate exactly 0');
    }

    # Utilisation: known speed gives %, -1 or no file gives none; --speed overrides.
    $r = rates_run('eth1', \@prev, \@cur);
    check_plugin_output($r, 'eth1 speed -1');
    ok(!exists $r->{p}{perf}{eth1_in_prct}, 'speed -1: no %');
    is($r->{p}{perf}{eth1_in_Bps}{max}, '', 'and no max');
    $r = rates_run('eth1', \@prev, \@cur, '-w', '1');
    is($r->{exit}, 0, '-w without a speed judges nothing');
    like($r->{p}{summary}, qr/no link speed for 1 interface: % not judged/, 'and says so');
    $r = rates_run('eth1', \@prev, \@cur, '--speed', '100', '-w', sprintf('%.6f', 80 * (1 - 2 * $m)));
    is($r->{exit}, 1, '--speed 100: 10 MB/s is 80%');
    ok(abs($r->{p}{perf}{eth1_in_prct}{value} - 80) < 0.01 + 80 * $m, "eth1_in_prct $r->{p}{perf}{eth1_in_prct}{value}");
    $r = rates_run('eth3', \@prev, \@cur);
    check_plugin_output($r, 'eth3 without sysfs entries');
    ok(!exists $r->{p}{perf}{eth3_in_prct}, 'no speed file: no %');
}

# ---- wrap, reset and other breaks in the series -------------------------

{
    my $w = 2**32;
    my @base = (100, 100, 0, 0, 100, 100, 0, 0);
    my $r = rates_run('eth1', [ $w - 1000, 100, 0, 0, 100, 100, 0, 0 ], [ 500, 101, 0, 0, 100, 100, 0, 0 ]);
    check_plugin_output($r, 'rx_bytes wraps');
    is($r->{exit}, 0, 'wrap is OK');
    my $d = detail($r, 'eth1');
    is($d->{rx}, 1500, 'wrapped delta: 2^32 - prev + cur');
    like($d->{line}, qr/rx_bytes wrapped at 2\^32/, 'the wrap is named');
    ok($r->{p}{perf}{eth1_in_Bps}{value} > 0, 'rate positive');

    # the largest move a wrap can explain is 2^31
    $r = rates_run('eth1', [ 2**31 + 10, 100, 0, 0, 100, 100, 0, 0 ], [ 10, 101, 0, 0, 100, 100, 0, 0 ]);
    is(detail($r, 'eth1')->{rx}, 2**31, 'a move of exactly 2^31 is a wrap');
    $r = rates_run('eth1', [ 2**31 + 9, 100, 0, 0, 100, 100, 0, 0 ], [ 10, 101, 0, 0, 100, 100, 0, 0 ]);
    like($r->{p}{summary}, qr/^eth1 counters reset \(rx_bytes went back\), baseline restarted$/, '2^31 + 1 is a reset');
    is($r->{p}{perf}{eth1_in_Bps}{value}, 'U', 'no rate after a reset');
    is($r->{exit}, 0, 'a reset is OK');
    like(read_state('eth1'), qr/\ncounters 10 101 0 0 100 100 0 0\n/, 'baseline restarted at the new counters');

    # tx packets wrap too, and several at once
    $r = rates_run('eth1', [ 100, $w - 1, 0, 0, $w - 5, $w - 2, 0, 0 ], [ 150, 3, 0, 0, 20, 7, 0, 0 ]);
    $d = detail($r, 'eth1');
    is_deeply([ $d->{rx}, $d->{tx} ], [ 50, 25 ], 'rx and tx deltas across wraps');
    like($d->{line}, qr/rx_packets wrapped.*tx_bytes wrapped.*tx_packets wrapped/, 'each wrap named');

    # a 64-bit counter that goes back is a reset, whatever the size
    $r = rates_run('eth1', [ 2**40, 100, 0, 0, 100, 100, 0, 0 ], [ 5, 100, 0, 0, 100, 100, 0, 0 ]);
    like($r->{p}{summary}, qr/counters reset \(rx_bytes went back\)/, '64-bit counter going back: reset');
    $r = rates_run('eth1', [ 100, 100, 0, 0, 100, 100, 0, 0 ], [ 200, 200, 0, 0, 5000, 3, 0, 0 ]);
    like($r->{p}{summary}, qr/counters reset \(tx_packets went back\)/, 'any counter going back resets');

    # what the link cannot carry is not a wrap: 1 Mb/s for 1 s moves at most ~250 kB
    $r = rates_run('eth1', [ $w - 1_000_000, 100, 0, 0, 100, 100, 0, 0 ], [ 0, 101, 0, 0, 100, 100, 0, 0 ],
                   '--speed', '1', { ago => 1 });
    like($r->{p}{summary}, qr/counters reset \(rx_bytes went back\)/, 'a "wrap" beyond the link speed is a reset');
    $r = rates_run('eth1', [ $w - 100_000, 100, 0, 0, 100, 100, 0, 0 ], [ 0, 101, 0, 0, 100, 100, 0, 0 ],
                   '--speed', '1', { ago => 1 });
    is(detail($r, 'eth1')->{rx}, 100_000, 'one within it is a wrap');

    # the next run after a reset has rates again, never negative
    write_state('eth1', ago => $X, counters => [ 10, 101, 0, 0, 100, 100, 0, 0 ], boot => $boot);
    $r = netif('-i', 'eth1', { env => fake(netdev_text(eth1 => [ 1010, 111, 0, 0, 100, 100, 0, 0 ])) });
    is(detail($r, 'eth1')->{rx}, 1000, 'rates resume from the new baseline');

    # re-created interface, reboot, clock going back
    $r = rates_run('eth0', [@base], [ 200, 200, 0, 0, 200, 200, 0, 0 ], { ifindex => 7 });
    like($r->{p}{summary}, qr/^eth0 interface was re-created \(new ifindex\), baseline restarted$/, 'ifindex changed');
    $r = rates_run('eth0', [@base], [ 200, 200, 0, 0, 200, 200, 0, 0 ], { ifindex => 2 });
    is(detail($r, 'eth0')->{rx}, 100, 'same ifindex: rates');
    $r = rates_run('eth0', [@base], [ 200, 200, 0, 0, 200, 200, 0, 0 ], { boot => 'bbbbbbbb-1111-2222-3333-444444444444' });
    like($r->{p}{summary}, qr/^eth0 host rebooted since the last run, baseline restarted$/, 'another boot id');
    $r = rates_run('eth0', [@base], [ 200, 200, 0, 0, 200, 200, 0, 0 ], { ago => -100 });
    like($r->{p}{summary}, qr/^eth0 no time passed since the last sample, baseline restarted$/, 'state from the future');
    like(read_state('eth0'), qr/\ncounters 200 200 0 0 200 200 0 0\n/, 'baseline restarted');
}

# ---- corrupt state files ------------------------------------------------

{
    my $good = "mamori check_netif 1\nname eth1\nboot -\ntime 1.5\nifindex -1\ncounters 1 2 3 4 5 6 7 8\n";
    my @bad = (
        [ "garbage\n", 'garbage' ],
        [ "\x00\xff\x01binary", 'binary' ],
        [ substr($good, 0, 60), 'truncated' ],
        [ $good =~ s/counters 1 2 3 4 5 6 7 8/counters 1 2 3 4 5 6 7/r, 'seven counters' ],
        [ $good =~ s/counters 1 2 3 4 5 6 7 8/counters 1 2 3 4 5 6 7 8 9/r, 'nine counters' ],
        [ $good =~ s/counters 1/counters -1/r, 'negative counter' ],
        [ $good =~ s/counters 1/counters 18446744073709551616/r, 'counter past 2^64' ],
        [ $good =~ s/time 1.5/time -3/r, 'negative time' ],
        [ $good =~ s/time 1.5/time 1e3/r, 'time with an exponent' ],
        [ $good =~ s/name eth1/name eth0/r, "another interface's state" ],
        [ $good =~ s/mamori check_netif 1/mamori check_netif 2/r, 'another format version' ],
        [ "$good\nextra\n", 'trailing junk' ],
        [ 'x' x 100_000, 'a 100 kB line' ],
        # fuzz_netdev: a time this long read, but printed back with nine
        # decimals it was too long to read again
        [ $good =~ s/time 1.5/'time ' . ('9' x 120)/er, 'fuzz_netdev: a 120-digit time' ],
        [ $good =~ s/time 1.5/time 1000000000000/r, 'fuzz_netdev: a time of 10^12 s' ],
    );
    for my $b (@bad) {
        my ($text, $name) = @$b;
        open my $f, '>', state_path('eth1') or die;
        print $f $text;
        close $f;
        my $r = netif('-i', 'eth1', { env => fake(netdev_text(eth1 => [ 10, 10, 0, 0, 10, 10, 0, 0 ])) });
        check_plugin_output($r, "state: $name");
        is($r->{exit}, 0, "$name state: OK");
        like($r->{p}{summary}, qr/^eth1 state file was corrupt, baseline restarted$/, "$name state: restarted with a note");
        like(read_state('eth1'), qr/^mamori check_netif 1\nname eth1\n.*\ncounters 10 10 0 0 10 10 0 0\n\z/s,
             "$name state: replaced by a good one");
    }
    my $r = netif('-i', 'eth1', { env => { %{ fake(netdev_text(eth1 => [@zero])) }, MAMORI_STATE_DIR => '/etc/passwd/x' } });
    check_plugin_output($r, 'unusable state dir');
    is($r->{exit}, 3, 'a state dir that cannot be made is UNKNOWN');
    like($r->{p}{summary}, qr/cannot create the state directory/, 'with the reason');
}

# ---- missing interfaces and garbage in /proc/net/dev ---------------------

{
    my $env = fake(netdev_text(eth0 => [@zero]));
    my $r = netif('-i', 'eth9', { env => $env });
    check_plugin_output($r, 'missing interface');
    is($r->{exit}, 2, 'an interface given with -i that does not exist is CRITICAL');
    like($r->{p}{summary}, qr/^eth9 not found$/, 'named');
    $r = netif('-i', 'eth9', '--missing', 'warning', { env => $env });
    is($r->{exit}, 1, '--missing warning');
    $r = netif('-i', 'eth0', '-i', 'eth9', '--missing', 'ok', { env => $env });
    is($r->{exit}, 0, '--missing ok');
    like($r->{p}{summary}, qr/eth9 not found/, 'still said');
    ok(exists $r->{p}{perf}{eth0_in_Bps} && !exists $r->{p}{perf}{eth9_in_Bps}, 'perfdata only for the interface that exists');

    my $text = netdev_text(eth0 => [ 1, 2, 3, 4, 5, 6, 7, 8 ], eth1 => [@zero])
        . "garbage line without colon\n"
        . "  eth3: 1 2 3\n"
        . "  eth4: 1 2 x 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        . "  waytoolonginterfacename: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        . "  eth5: 18446744073709551616 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        . "  eth6: \xff\xfe 1 2\n"
        . "  eth0: 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n"
        . "eth7:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        . "\n";
    $env = fake($text);
    unlink map { state_path($_) } qw(eth0 eth7);
    $r = netif('-i', 'eth0', '-i', 'eth7', '-i', 'eth3', '-i', 'eth5', { env => $env });
    check_plugin_output($r, 'garbage lines');
    like($r->{p}{summary}, qr/^eth0 first sample.*, eth7 first sample.*, eth3 not found, eth5 not found$/,
         'good lines parsed (also without a blank after the colon), bad ones are not interfaces');
    like($r->{out}, qr/^\S+\/net\/dev: 7 malformed lines ignored$/m, 'malformed lines counted (the duplicate eth0 too)');
    is($r->{p}{perf}{eth0_in_error}{value}, 3, 'the first eth0 line wins');
    is($r->{p}{perf}{eth7_out_discard}{value}, 12, 'eth7 fields in the right places');

    for my $c ([ '', 'empty' ], [ "Inter-|\n face |\n", 'headers only' ], [ "junk\n\x00\x01\n", 'junk only' ]) {
        $r = netif({ env => fake($c->[0]) });
        check_plugin_output($r, "/proc/net/dev $c->[1]");
        is($r->{exit}, 3, "$c->[1] /proc/net/dev: UNKNOWN");
        like($r->{p}{summary}, qr/no interface in .*net\/dev/, 'with the reason');
    }
    $r = netif({ env => { MAMORI_PROC_ROOT => fake_proc(stat => "x\n"), MAMORI_SYS_ROOT => $sys } });
    is($r->{exit}, 3, 'no /proc/net/dev: UNKNOWN');
    like($r->{p}{summary}, qr/cannot read .*net\/dev: No such file/, 'with the reason');
}

# ---- many interfaces: the status line lists what matters ----------------

{
    my @names = map { "veth$_" } 1 .. 6;
    my $prev = [ 0, 0, 0, 0, 0, 0, 0, 0 ];
    my $cur = [ 1000 * $X, 0, 0, 0, 0, 0, 0, 0 ];
    write_state($_, ago => $X, counters => $prev, boot => $boot) for @names;
    my $r = netif((map { ('-i', $_) } @names), { env => fake(netdev_text(map { ($_ => $cur) } @names)) });
    check_plugin_output($r, 'six interfaces');
    is($r->{p}{summary}, '6 interfaces OK', 'six quiet interfaces: one phrase');
    is(scalar(grep { /^veth\d: rx / } @{ $r->{p}{long} }), 6, 'each in the long output');
    write_state($_, ago => $X, counters => $prev, boot => $boot) for @names;
    my %c = map { ($_ => $cur) } @names;
    $c{veth4} = [ 100_000 * $X, 0, 0, 0, 0, 0, 0, 0 ];
    $r = netif((map { ('-i', $_) } @names), '--rx-warning', '10k', { env => fake(netdev_text(%c)) });
    is($r->{exit}, 1, 'one busy interface warns');
    like($r->{p}{summary}, qr/^veth4 rx (?:100\.00|99\.99) kB\/s tx 0 B\/s, 5 more interfaces OK$/, 'the busy one leads');
}

# ---- bad arguments ------------------------------------------------------

for my $args ([ '-i', '' ], [ '-i', 'a/b' ], [ '-i', 'a b' ], [ '-i', 'eth0:1' ], [ '-i', 'x' x 16 ], [ '-i', '..' ],
              [ '-x', '' ], [ '-w', 'x' ], [ '-c', '5:1' ], [ '--rx-warning', '10Q' ], [ '--rx-warning', '' ],
              [ '--rx-critical', '5M:1M' ], [ '--tx-warning', '1e3' ], [ '--tx-critical', '1:2:3' ],
              [ '--rx-warning', '2000P' ], [ '--rx-warning', '99999999999999999999' ], [ '--tx-warning', 'M' ],
              [ '--errors-warning', 'x' ], [ '--drops-critical', '2:1' ], [ '--speed', '0' ], [ '--speed', '-5' ],
              [ '--speed', 'fast' ], [ '-s', '0' ], [ '-s', '61' ], [ '-s', 'x' ], [ '--missing', 'maybe' ],
              [ '--bits', 'x' ], [ 'eth0' ]) {
    my $r = netif(@$args);
    my $shown = join(' ', map { length > 20 ? substr($_, 0, 8) . '...' : "'$_'" } @$args);
    is($r->{exit}, 3, "$shown: exit 3");
    like($r->{out}, qr/^NETIF UNKNOWN - \S.{5,}\n\z/, "$shown: one line with a reason") or diag($r->{out});
}

done_testing;
