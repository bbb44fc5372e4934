# check_ping against the real kernel: loopback replies checked against
# iputils ping and monitoring-plugins' check_ping; hosts that never answer,
# routers that say "unreachable", and a forged-reply responder live in network
# namespaces this test creates and deletes, so no packet leaves the machine.
# Socket kinds: raw as root; datagram ("unprivileged ICMP") as nobody with
# net.ipv4.ping_group_range widened; neither -> UNKNOWN with the reason;
# a setcap'd copy as nobody -> raw. ping_group_range is set inside a private
# namespace (it is per network namespace), so the host's value is never touched.
use strict;
use warnings;
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time sleep);
use Mamori::Test;
use Mamori::Server qw(need_binary);
no warnings 'qw';

my $plugin = bin('check_ping');
my $ping = need_binary('/usr/bin/ping', 'iputils-ping');
my $ip = -x '/usr/sbin/ip' ? '/usr/sbin/ip' : need_binary('/bin/ip', 'iproute2');
my $setpriv = need_binary('/usr/bin/setpriv', 'util-linux');
my $sysctl = -x '/usr/sbin/sysctl' ? '/usr/sbin/sysctl' : need_binary('/sbin/sysctl', 'procps');
my $setcap = -x '/usr/sbin/setcap' ? '/usr/sbin/setcap' : need_binary('/sbin/setcap', 'libcap2-bin');
my $mp = need_binary('/usr/lib/nagios/plugins/check_ping', 'monitoring-plugins-basic');
my $root = $> == 0;
my ($nobody_uid, $nobody_gid) = (getpwnam('nobody'))[2, 3];
my $v6 = has_v6_loopback();
diag('no IPv6 loopback (::1 on lo) on this host: the IPv6 cases are skipped') unless $v6;

# The kernel has IPv6 when lo carries ::1 (new namespaces then get it too).
sub has_v6_loopback {
    open my $f, '<', '/proc/net/if_inet6' or return 0;
    return scalar grep { /^0{31}1 .* lo$/ } <$f>;
}

# iputils ping's verdict on the same target: (loss %, avg ms or undef).
sub iputils {
    my (@argv) = @_;
    my $r = run_prog([@argv], timeout => 30);
    my ($loss) = $r->{out} =~ /(\d+(?:\.\d+)?)% packet loss/;
    my ($avg) = $r->{out} =~ m{= [\d.]+/([\d.]+)/};
    return ($loss, $avg, $r->{out});
}

sub ping_run {
    my ($name, @args) = @_;
    my $r = plugin_run('check_ping', @args, { timeout => 30 });
    check_plugin_output($r, $name);
    return $r;
}

# The form every judged host keeps: perfdata labels and units as mp/check_icmp.
sub check_perf_form {
    my ($r, $pre, $name) = @_;
    my $p = $r->{p}{perf};
    is($p->{"${pre}rta"}{uom}, $p->{"${pre}rta"}{value} eq 'U' ? '' : 'ms', "$name: rta in ms");
    is($p->{"${pre}pl"}{uom}, '%', "$name: pl in %");
    ok(exists $p->{"${pre}rtmax"} && exists $p->{"${pre}rtmin"}, "$name: rtmax and rtmin");
    is($p->{"${pre}rta"}{min}, '0', "$name: rta min 0");
}

# ---- loopback, as whoever runs the suite ------------------------------------
{
    my $r = ping_run('127.0.0.1', '-H', '127.0.0.1', '-w', '100,20%', '-c', '500,60%');
    is($r->{exit}, 0, '127.0.0.1: OK');
    is($r->{p}{service}, 'PING', 'service prefix PING');
    like($r->{p}{summary}, qr/^Packet loss = 0%, RTA = \d+\.\d\d ms$/, 'summary in mp form');
    my $p = $r->{p}{perf};
    is_deeply($r->{p}{perf_order}, [qw(rta pl rtmax rtmin)], 'perfdata labels rta pl rtmax rtmin');
    check_perf_form($r, '', '127.0.0.1');
    is($p->{pl}{value}, 0, 'pl=0');
    ok($p->{rta}{value} > 0 && $p->{rta}{value} < 5, "rta $p->{rta}{value} ms is small");
    ok($p->{rtmin}{value} <= $p->{rta}{value} && $p->{rta}{value} <= $p->{rtmax}{value}, 'rtmin <= rta <= rtmax');
    is_deeply([ @{ $p->{rta} }{qw(warn crit)} ], [ 100, 500 ], 'rta thresholds from -w/-c');
    is_deeply([ @{ $p->{pl} }{qw(warn crit)} ], [ 20, 60 ], 'pl thresholds from -w/-c');
    ok($r->{secs} < 2, sprintf('5 packets 0.2 s apart took %.2f s', $r->{secs}));

    my ($loss) = iputils($ping, '-n', '-c', '5', '-i', '0.2', '127.0.0.1');
    is($loss, 0, 'iputils ping agrees: 0% loss on 127.0.0.1');

    # monitoring-plugins' status line and perfdata have the same shape
    my $m = run_prog([$mp, '-H', '127.0.0.1', '-w', '100,20%', '-c', '500,60%'], timeout => 30);
    my $mpp = parse_plugin_output($m->{out});
    is($mpp->{state}, $r->{p}{state}, 'same state as mp check_ping');
    (my $shape = $mpp->{summary}) =~ s/\d+(\.\d+)?/N/g;
    (my $ours = $r->{p}{summary}) =~ s/\d+(\.\d+)?/N/g;
    is($ours, $shape, "summary shape as mp ($mpp->{summary})");
    for my $l (qw(rta pl)) {
        is($r->{p}{perf}{$l}{uom}, $mpp->{perf}{$l}{uom}, "$l unit as mp");
    }
    is($mpp->{perf}{pl}{value}, $p->{pl}{value}, 'same loss as mp');
}

SKIP: {
    skip 'this host has no IPv6 loopback (::1 on lo): nothing to ping over IPv6', 9 unless $v6;
    my $r = ping_run('::1', '-H', '::1', '-w', '100,20%', '-c', '500,60%');
    is($r->{exit}, 0, '::1: OK');
    like($r->{p}{summary}, qr/^Packet loss = 0%, RTA = \d+\.\d\d ms$/, '::1 summary');
    check_perf_form($r, '', '::1');
    ok($r->{p}{perf}{rta}{value} < 5, '::1 rta small');
    my ($loss) = iputils($ping, '-n', '-c', '5', '-i', '0.2', '::1');
    is($loss, 0, 'iputils ping agrees: 0% loss on ::1');

    $r = ping_run('-4 ::1', '-4', '-H', '::1');
    like($r->{p}{summary}, qr/cannot resolve '::1' as IPv4/, '-4 with an IPv6 address: UNKNOWN with reason');
}

# Thresholds on a real loopback RTA (never 0.000001 ms or less).
{
    my $r = ping_run('rta warning', '-H', '127.0.0.1', '-w', '0.000001,20%', '-c', '500,60%');
    is($r->{exit}, 1, '-w 0.000001,20%: WARNING on rta');
    $r = ping_run('rta critical', '-H', '127.0.0.1', '-w', '0.000001,20%', '-c', '0.000002,60%');
    is($r->{exit}, 2, '-c 0.000002,60%: CRITICAL on rta');
    $r = ping_run('p 2 i 0.01 s 0', '-H', '127.0.0.1', '-p', '2', '-i', '0.01', '-s', '0', '-v');
    is($r->{exit}, 0, '-p 2 -i 0.01 -s 0: OK');
    like($r->{out}, qr/^127\.0\.0\.1 \(127\.0\.0\.1\): 2 sent, 2 received, 0 duplicates/m, '-v counts 2 packets');
    $r = ping_run('big payload', '-H', '127.0.0.1', '-p', '2', '-s', '65507');
    is($r->{exit}, 0, '-s 65507 (largest IPv4 payload) works on loopback');
    $r = ping_run('two hosts', '-H', '127.0.0.1', '-H', '127.0.0.2', '-w', '100,20%', '-c', '500,60%');
    is($r->{exit}, 0, 'two hosts: OK');
    like($r->{p}{summary}, qr/^127\.0\.0\.1: Packet loss = 0%, RTA = [\d.]+ ms; 127\.0\.0\.2: Packet loss = 0%/,
         'summary per host');
    check_perf_form($r, $_, "two hosts $_") for qw(127.0.0.1 127.0.0.2);
    ok($r->{secs} < 1.4, sprintf('two hosts are pinged in parallel (%.2f s; one after the other: 1.6 s)', $r->{secs}));
}

# Bad arguments: UNKNOWN, one line, no packet sent.
for my $args ([], [qw(-H 127.0.0.1 -w 100)], [qw(-H 127.0.0.1 -w 100,20)], [qw(-H 127.0.0.1 -w abc,10%)],
              [qw(-H 127.0.0.1 -c 500,101%)], [qw(-H 127.0.0.1 -w -5,10%)], [qw(-H 127.0.0.1 -w 100,20%%)],
              [qw(-H 127.0.0.1 -w 600,20% -c 500,60%)], [qw(-H 127.0.0.1 -w 100,70% -c 500,60%)],
              [qw(-H 127.0.0.1 -p 0)], [qw(-H 127.0.0.1 -p 100000)], [qw(-H 127.0.0.1 -p x)],
              [qw(-H 127.0.0.1 -i -1)], [qw(-H 127.0.0.1 -i 0)], [qw(-H 127.0.0.1 -i 61)],
              [qw(-H 127.0.0.1 -s -1)], [qw(-H 127.0.0.1 -s 65508)], [qw(-H 127.0.0.1 -p 100 -i 1)],
              [qw(-H 127.0.0.1 -p 20 -i 0.5 -t 5)], [ '-H', '' ], [qw(-H a..b)], [qw(-H 999.1.1.1)],
              [qw(-H 1:2:3)], [qw(-H -bad)], [ '-H', 'a b' ], [ '-H', 'x' x 300 ], [qw(-H 127.0.0.1,,::1)],
              [ '-H', join(',', ('127.0.0.1') x 257) ], [ '-H', '127.0.0.1', '-t', '0' ],
              [ '-H', join(',', ('127.0.0.1') x 7), '-p', '10000' ]) {
    my $shown = join(' ', map { length > 30 ? substr($_, 0, 12) . '...' : $_ } @$args);
    my $r = ping_run("bad args: $shown", @$args);
    is($r->{exit}, 3, "$shown: UNKNOWN");
    like($r->{out}, qr/^PING UNKNOWN - \S.{5,}\n\z/, "$shown: one line with a reason");
    ok($r->{secs} < 1, "$shown: answered at once");
}

# ---- namespaces: root only ---------------------------------------------------
SKIP: {
    skip 'network namespaces, setcap and setpriv need root', 1 unless $root;

    my (@netns, @servers);
    END { system($ip, 'netns', 'del', $_) for @netns }
    my $seq = 0;
    my $newns = sub {
        my $name = sprintf('mamori-ping-%d-%d', $$, $seq++);
        system($ip, 'netns', 'add', $name) == 0 or BAIL_OUT("ip netns add $name failed");
        push @netns, $name;
        system($ip, '-n', $name, 'link', 'set', 'lo', 'up') == 0 or die;
        return $name;
    };
    my $ns_sysctl = sub {
        my ($ns, @kv) = @_;
        system($ip, 'netns', 'exec', $ns, $sysctl, '-qw', @kv) == 0 or BAIL_OUT("sysctl @kv in $ns failed");
    };
    my @as_nobody = ($setpriv, "--reuid=$nobody_uid", "--regid=$nobody_gid", '--clear-groups');
    my $in_ns = sub {
        my ($ns, $name, $argv, @args) = @_;
        my $r = run_prog([$ip, 'netns', 'exec', $ns, @$argv, @args], timeout => 30);
        $r->{p} = parse_plugin_output($r->{out});
        check_plugin_output($r, $name);
        return $r;
    };

    # A namespace whose kernel never answers echo requests (v4 and v6).
    my $silent = $newns->();
    $ns_sysctl->($silent, 'net.ipv4.icmp_echo_ignore_all=1', 'net.ipv6.icmp.echo_ignore_all=1');
    {
        my $r = $in_ns->($silent, 'silent host', [$plugin], '-H', '127.0.0.1', '-t', '3');
        is($r->{exit}, 2, 'no reply at all: CRITICAL');
        is($r->{p}{summary}, 'Packet loss = 100%', 'summary: Packet loss = 100% (as mp)');
        is($r->{p}{perf}{pl}{value}, 100, 'pl=100%');
        is($r->{p}{perf}{rta}{value}, 'U', 'rta=U');
        check_perf_form($r, '', 'silent');
        ok($r->{secs} < 3, sprintf('ends within -t 3 (%.2f s)', $r->{secs}));
        # the critical RTA asks for a long wait; -t still bounds it, with our own answer
        $r = $in_ns->($silent, 'silent host long wait', [$plugin], '-H', '127.0.0.1', '-c', '9000,80%', '-t', '2');
        is($r->{exit}, 2, 'silent, long linger: CRITICAL');
        like($r->{p}{summary}, qr/^Packet loss = 100%/, 'the plugin answers itself before the -t alarm');
        ok($r->{secs} < 2.3, sprintf('ends within -t 2 (%.2f s, with ip netns exec)', $r->{secs}));
        my ($loss) = iputils($ip, 'netns', 'exec', $silent, $ping, '-n', '-c', '3', '-i', '0.2', '-W', '1', '127.0.0.1');
        is($loss, 100, 'iputils ping agrees: 100% loss');
        if ($v6) {
            $r = $in_ns->($silent, 'silent ::1 and 127.0.0.1', [$plugin], '-H', '::1,127.0.0.1', '-t', '3');
            is($r->{exit}, 2, 'silent ::1: CRITICAL');
            ($loss) = iputils($ip, 'netns', 'exec', $silent, $ping, '-n', '-c', '2', '-i', '0.2', '-W', '1', '::1');
            is($loss, 100, 'iputils ping agrees on ::1');
        }
        # no DNS server reachable in here: resolution fails at once, with the reason
        $r = $in_ns->($silent, 'unresolvable', [$plugin], '-H', 'mamori-no-such-host.invalid');
        is($r->{exit}, 3, 'unresolvable name: UNKNOWN');
        like($r->{p}{summary}, qr/^cannot resolve 'mamori-no-such-host\.invalid': \S/, 'reason from the resolver');
    }

    # Worst state wins: one host answers, one never does.
    if ($v6) {
        my $half = $newns->();
        $ns_sysctl->($half, 'net.ipv4.icmp_echo_ignore_all=1');
        my $r = $in_ns->($half, 'one silent of two', [$plugin], '-H', '127.0.0.1', '-H', '::1', '-t', '3');
        is($r->{exit}, 2, 'one silent host of two: CRITICAL');
        like($r->{p}{summary}, qr/^127\.0\.0\.1: Packet loss = 100%; ::1: Packet loss = 0%, RTA/, 'both reported');
        is($r->{p}{perf}{'::1pl'}{value}, 0, '::1 perfdata kept');
        $r = $in_ns->($half, 'unresolvable of two', [$plugin], '-H', 'mamori-no-such-host.invalid,::1');
        is($r->{exit}, 3, 'one unresolvable, one OK: UNKNOWN');
        like($r->{p}{summary}, qr/cannot resolve .*; ::1: Packet loss = 0%/, 'the other host is still pinged');
    }

    # A router that answers "unreachable": namespace A pings through B, whose
    # routes to 198.51.100.0/24 and 2001:db8:5::/64 are type unreachable.
    my $a = $newns->();
    my $b = $newns->();
    my $veth = "mpv$$";
    my @setup = ([ 'link', 'add', "${veth}a", 'netns', $a, 'type', 'veth', 'peer', 'name', "${veth}b", 'netns', $b ],
                 [ '-n', $a, 'link', 'set', "${veth}a", 'up' ], [ '-n', $b, 'link', 'set', "${veth}b", 'up' ],
                 [ '-n', $a, 'addr', 'add', '10.199.0.1/30', 'dev', "${veth}a" ],
                 [ '-n', $b, 'addr', 'add', '10.199.0.2/30', 'dev', "${veth}b" ],
                 [ '-n', $a, 'route', 'add', 'default', 'via', '10.199.0.2' ],
                 [ '-n', $b, 'route', 'add', 'unreachable', '198.51.100.0/24' ]);
    push @setup, [ '-n', $a, 'addr', 'add', 'fd99::1/64', 'dev', "${veth}a", 'nodad' ],
                 [ '-n', $b, 'addr', 'add', 'fd99::2/64', 'dev', "${veth}b", 'nodad' ],
                 [ '-n', $a, '-6', 'route', 'add', 'default', 'via', 'fd99::2' ],
                 [ '-n', $b, '-6', 'route', 'add', 'unreachable', '2001:db8:5::/64' ] if $v6;
    for my $cmd (@setup) {
        system($ip, @$cmd) == 0 or BAIL_OUT("ip @$cmd failed");
    }
    $ns_sysctl->($b, 'net.ipv4.ip_forward=1', 'net.ipv4.icmp_ratelimit=0',
                 $v6 ? ('net.ipv6.conf.all.forwarding=1', 'net.ipv6.icmp.ratelimit=0') : ());
    {
        my $r = $in_ns->($a, 'router answers', [$plugin], '-H', '10.199.0.2' . ($v6 ? ',fd99::2' : ''), '-v');
        is($r->{exit}, 0, 'the router itself answers over v4 and v6');
        like($r->{out}, qr/^IPv4: raw socket/m, 'root uses a raw socket (ping_group_range "1 0" in a new namespace)');
        # The router sends at most 5 errors in a burst to one source, then one
        # a second (net.ipv4.route.error_burst/error_cost, not per namespace):
        # 2 + 2 + 1 requests stay inside the burst.
        for my $case ([ 'raw', [], '198.51.100.7', '2001:db8:5::7' ],
                      [ 'datagram', \@as_nobody, '198.51.100.8', '2001:db8:5::8' ]) {
            my ($kind, $pre, $t4, $t6) = @$case;
            $ns_sysctl->($a, 'net.ipv4.ping_group_range=' . ($kind eq 'raw' ? '1 0' : '0 2147483647'));
            $r = $in_ns->($a, "unreachable ($kind)", [ @$pre, $plugin ], '-H', $v6 ? "$t4,$t6" : $t4, '-v', '-p', '2');
            is($r->{exit}, 2, "$kind: destination unreachable is CRITICAL");
            like($r->{p}{summary}, qr/^(\Q$t4\E: )?Packet loss = 100%, Destination Host Unreachable from 10\.199\.0\.2(;|$)/,
                 "$kind: IPv4 Destination Host Unreachable, from the router");
            like($r->{p}{summary}, qr/; \Q$t6\E: Packet loss = 100%, Destination Unreachable: No route from fd99::2$/,
                 "$kind: IPv6 Destination Unreachable, from the router") if $v6;
            like($r->{out}, qr/^\Q$t4\E .*2 sent, no reply, 2 ICMP errors/m, "$kind: ICMP errors counted");
            like($r->{out}, $kind eq 'raw' ? qr/^IPv4: raw socket/m : qr/^IPv4: ICMP datagram socket/m,
                 "$kind socket used");
            # waiting out the 1 s linger would take 1.2 s
            ok($r->{secs} < 1, sprintf('%s: errors end the wait early (%.2f s)', $kind, $r->{secs}));
        }
        my (undef, undef, $out) = iputils($ip, 'netns', 'exec', $a, $ping, '-n', '-c', '1', '-W', '1', '198.51.100.9');
        like($out, qr/Destination Host Unreachable/, 'iputils ping sees the same error');
    }

    # Unprivileged path: nobody, with and without ping_group_range, and with
    # the file capability `make install-root` will grant.
    {
        my $ns = $newns->();
        $ns_sysctl->($ns, 'net.ipv4.ping_group_range=0 2147483647');
        my $r = $in_ns->($ns, 'nobody, group allowed', [ @as_nobody, $plugin ], '-H', '127.0.0.1' . ($v6 ? ',::1' : ''), '-v');
        is($r->{exit}, 0, 'nobody with ping_group_range allowing: OK');
        like($r->{out}, qr/^IPv4: ICMP datagram socket/m, 'datagram socket for IPv4');
        like($r->{out}, qr/^IPv6: ICMP datagram socket/m, 'datagram socket for IPv6') if $v6;
        $ns_sysctl->($ns, "net.ipv4.ping_group_range=$nobody_gid $nobody_gid");
        $r = $in_ns->($ns, 'nobody, exactly its group', [ @as_nobody, $plugin ], '-H', '127.0.0.1');
        is($r->{exit}, 0, 'range holding exactly nobody\'s group: OK');

        $ns_sysctl->($ns, 'net.ipv4.ping_group_range=1 0');
        $r = $in_ns->($ns, 'nobody, not allowed', [ @as_nobody, $plugin ], '-H', '127.0.0.1');
        is($r->{exit}, 3, 'nobody without ping_group_range or CAP_NET_RAW: UNKNOWN');
        like($r->{p}{summary}, qr/group $nobody_gid is outside net\.ipv4\.ping_group_range \(1 0\) and the program lacks CAP_NET_RAW/,
             'the reason names the setting and the capability');
        is($r->{err}, '', 'nothing on stderr');

        my $dir = tempdir('mamori-ping-XXXXXX', TMPDIR => 1, CLEANUP => 1);
        chmod 0755, $dir;
        copy($plugin, "$dir/check_ping") or die "copy: $!";
        chmod 0755, "$dir/check_ping";
        system($setcap, 'cap_net_raw+ep', "$dir/check_ping") == 0 or BAIL_OUT('setcap failed');
        $r = $in_ns->($ns, 'nobody, setcap', [ @as_nobody, "$dir/check_ping" ], '-H', '127.0.0.1' . ($v6 ? ',::1' : ''), '-v');
        is($r->{exit}, 0, 'nobody with cap_net_raw+ep on the binary: OK');
        like($r->{out}, qr/^IPv4: raw socket/m, 'the file capability gives the raw socket');
    }

    # Forged replies: a responder in a silent namespace answers the echo
    # requests itself (late, twice, partly, or with replies that are not ours).
    my $responder = <<'PERL';
use strict; use warnings; use Socket; use Time::HiRes qw(sleep);
my ($mode, $arg) = @ARGV;
socket(my $s, AF_INET, SOCK_RAW, 1) or die "raw socket: $!";
socket(my $o, AF_INET, SOCK_RAW, 1) or die "raw socket: $!";
bind($o, pack_sockaddr_in(0, inet_aton('127.0.0.2'))) or die "bind: $!";   # replies from the wrong source
sub csum { my $d = shift; $d .= "\0" if length($d) % 2; my $x = 0; $x += $_ for unpack('n*', $d);
           $x = ($x & 0xffff) + ($x >> 16) while $x >> 16; return ~$x & 0xffff }
sub reply { my ($sock, $to, $id, $seq, $data) = @_;
            my $p = pack('CCnnn', 0, 0, 0, $id, $seq) . $data; substr($p, 2, 2) = pack('n', csum($p));
            send($sock, $p, 0, $to) }
my %n;
$| = 1; print "ready\n";
while (1) {
    my $to = recv($s, my $buf, 70000, 0);
    next unless defined $to && length $buf >= 28;
    my $hl = (ord($buf) & 15) * 4;
    my ($type, undef, undef, $id, $seq) = unpack('CCnnn', substr($buf, $hl, 8));
    next unless $type == 8;
    my $data = substr($buf, $hl + 8);
    my $k = ++$n{$id};
    if ($mode eq 'delay') { sleep($arg / 1000); reply($s, $to, $id, $seq, $data) }
    elsif ($mode eq 'dup') { reply($s, $to, $id, $seq, $data) for 1 .. 2 }
    elsif ($mode eq 'answer') { reply($s, $to, $id, $seq, $data) if $k <= $arg }
    elsif ($mode eq 'noise') {
        reply($s, $to, ($id + 1) & 0xffff, $seq, $data);            # another pinger's identifier
        reply($s, $to, $id, ($seq + 1000) & 0xffff, $data);         # a sequence never sent
        my $bad = $data; substr($bad, 0, 1) = chr(ord($bad) ^ 0xff); # another run's cookie
        reply($s, $to, $id, $seq, $bad);
        reply($o, $to, $id, $seq, $data);                            # from 127.0.0.2, not the target
    }
}
PERL
    my $with_responder = sub {
        my ($kind, $mode, $arg, $code) = @_;
        my $ns = $newns->();
        $ns_sysctl->($ns, 'net.ipv4.icmp_echo_ignore_all=1',
                     'net.ipv4.ping_group_range=' . ($kind eq 'raw' ? '1 0' : '0 2147483647'));
        my $srv = Mamori::Server->new(name => "icmp-$mode",
                                      argv => [ $ip, 'netns', 'exec', $ns, $^X, '-e', $responder, $mode, $arg ])->start;
        my $log = "$srv->{dir}/icmp-$mode.out";
        my $end = time + 10;
        sleep 0.05 until (-s $log || time > $end);
        open my $f, '<', $log or die;
        my $first = <$f> // '';
        $srv->fail_start('no ready line') unless $first eq "ready\n";
        $code->($ns);
        $srv->stop;
    };
    for my $kind ([ 'raw', [] ], [ 'datagram', \@as_nobody ]) {
        my ($k, $pre) = @$kind;
        $with_responder->($k, 'delay', 30, sub {
            my ($ns) = @_;
            my $r = $in_ns->($ns, "$k delay", [ @$pre, $plugin ], qw(-H 127.0.0.1 -w 10,20% -c 1000,60% -v));
            is($r->{exit}, 1, "$k: replies 30 ms late: WARNING on -w 10");
            like($r->{out}, $k eq 'raw' ? qr/^IPv4: raw socket/m : qr/^IPv4: ICMP datagram socket/m, "$k socket used");
            my $rta = $r->{p}{perf}{rta}{value};
            ok($rta >= 30 && $rta < 60, "$k: rta $rta ms measures the delay");
            my (undef, $avg) = iputils($ip, 'netns', 'exec', $ns, $ping, '-n', '-c', '5', '-i', '0.2', '127.0.0.1');
            ok(defined $avg && abs($rta - $avg) < 10, "$k: rta $rta ms agrees with iputils ping's avg " . ($avg // '?'));
            $r = $in_ns->($ns, "$k delay crit", [ @$pre, $plugin ], qw(-H 127.0.0.1 -w 10,20% -c 20,60%));
            is($r->{exit}, 2, "$k: -c 20: CRITICAL");
        });
        $with_responder->($k, 'dup', 0, sub {
            my ($ns) = @_;
            my $r = $in_ns->($ns, "$k dup", [ @$pre, $plugin ], qw(-H 127.0.0.1 -v));
            is($r->{exit}, 0, "$k: duplicated replies: OK");
            is($r->{p}{perf}{pl}{value}, 0, "$k: duplicates do not hide or fake loss");
            # the last duplicate may come after the plugin has all it needs and left
            like($r->{out}, qr/5 sent, 5 received, [45] duplicates/, "$k: duplicates counted, not used");
        });
        $with_responder->($k, 'answer', 3, sub {
            my ($ns) = @_;
            my $r = $in_ns->($ns, "$k partial", [ @$pre, $plugin ], qw(-H 127.0.0.1 -w 100,20% -c 500,60%));
            is($r->{exit}, 1, "$k: 2 of 5 lost: WARNING on -w ...,20%");
            is($r->{p}{perf}{pl}{value}, 40, "$k: pl=40%");
            like($r->{p}{summary}, qr/^Packet loss = 40%, RTA = /, "$k: summary");
            $r = $in_ns->($ns, "$k partial equal", [ @$pre, $plugin ], qw(-H 127.0.0.1 -w 100,40% -c 500,60%));
            is($r->{exit}, 0, "$k: 40% loss with -w ...,40%: OK (alert above the threshold)");
            my ($loss) = iputils($ip, 'netns', 'exec', $ns, $ping, '-n', '-c', '5', '-i', '0.2', '-W', '1', '127.0.0.1');
            is($loss, 40, "$k: iputils ping agrees: 40% loss");
        });
        $with_responder->($k, 'noise', 0, sub {
            my ($ns) = @_;
            my $r = $in_ns->($ns, "$k noise", [ @$pre, $plugin ], qw(-H 127.0.0.1 -v -t 4));
            is($r->{exit}, 2, "$k: replies that are not ours (id, sequence, cookie, source) are ignored");
            like($r->{out}, qr/5 sent, no reply/, "$k: none counted");
        });
    }
}

# The page documents every option of --help.
{
    my $help = run_prog([$plugin, '--help'])->{out};
    my $doc = do { local $/; open my $f, '<', ($ENV{MAMORI_SRC} // '.') . '/docs/check_ping.md' or die $!; <$f> };
    my ($section) = $doc =~ /^## Options\n(.*?)(?=^## |\z)/ms;
    for my $o ($help =~ /^\s+(?:-\w, )?(--[\w-]+)/mg) {
        like($section, qr/\Q$o\E\b/, "docs/check_ping.md Options lists $o");
    }
}

done_testing;
