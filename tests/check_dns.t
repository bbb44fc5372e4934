# check_dns against a real BIND named (tests/lib/Mamori/Server/Named.pm),
# with dig as the independent ground truth, and against small fake servers
# that answer wrong: not at all, with the wrong id, garbage, another
# question, no AA flag, a truncated reply whose TCP side misbehaves.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::Server qw(free_port need_binary);
use Mamori::Server::Named;
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);

my $dig = need_binary('/usr/bin/dig', 'bind9-dnsutils');
my $named = Mamori::Server::Named->new->start;
my $port = $named->port;
my $Z = $Mamori::Server::Named::ZONE;
my @S = ('-s', '127.0.0.1', '-p', $port);

# Run check_dns; every run must keep the plugin contract.
sub dns {
    my @args = @_;
    my $r = plugin_run('check_dns', @args, { timeout => 30 });
    check_plugin_output($r, "check_dns @args");
    return $r;
}

# What dig says the server holds: sorted +short lines.
sub dig_short {
    my ($name, $type, @opt) = @_;
    my $r = run_prog([$dig, '+short', '+norec', '+time=2', '+tries=1', '-p', $port, '@127.0.0.1', $name, $type, @opt]);
    is($r->{exit}, 0, "dig $name $type ran") or diag($r->{err});
    return sort grep { length } split /\n/, $r->{out};
}

# mp's OK form: "DNS OK: 0.001 seconds response time. NAME returns LIST"
sub returns {
    my ($r) = @_;
    my ($list) = $r->{p}{summary} =~ /^\d+\.\d{3} seconds response time\. \S+ returns (.*)$/;
    return $list;
}

sub time_perf_ok {
    my ($r, $what) = @_;
    my $t = $r->{p}{perf}{time};
    ok($t && $t->{uom} eq 's' && $t->{min} eq '0', "$what: time perfdata in seconds with min 0")
        or diag($r->{out});
    ok($t && $t->{value} <= $r->{secs} + 0.001, "$what: time $t->{value} s within the run's $r->{secs} s") if $t;
}

# --- the answers of a real server --------------------------------------

{
    my $r = dns('-H', "www.$Z", @S);
    is($r->{exit}, 0, 'A and AAAA by default: OK');
    like($r->{p}{line}, qr/^DNS OK: \d+\.\d{3} seconds response time\. www\.$Z returns /, 'mp status line form');
    my @want = sort(dig_short("www.$Z", 'A'), dig_short("www.$Z", 'AAAA'));
    is(returns($r), join(',', @want), 'returns what dig sees for A and AAAA, sorted and joined as mp');
    time_perf_ok($r, 'www');
}
{
    my $r = dns('-H', "www.$Z", '-q', 'A', @S);
    is(returns($r), join(',', dig_short("www.$Z", 'A')), '-q A: only the A records');
    $r = dns('-H', "v6only.$Z", @S);
    is($r->{exit}, 0, 'a name with only AAAA is found by the default query');
    is(returns($r), join(',', dig_short("v6only.$Z", 'AAAA')), 'v6only returns its AAAA');
    $r = dns('-H', "v6only.$Z", '-q', 'A', @S);
    is($r->{exit}, 2, '-q A on a name without A: CRITICAL');
    like($r->{p}{summary}, qr/'v6only\.$Z' has no A record/, 'reason names the missing type');
    $r = dns('-H', "v6only.$Z", '-q', 'A', '--rcode', 'NOERROR', @S);
    is($r->{exit}, 0, '--rcode NOERROR accepts the empty answer');
    is(returns($r), 'no records', '... and says so');
}

# -a: all must be there (addresses, CIDR, comma lists)
my @a_cases = (
    [ ['-a', '192.0.2.10'], 0, 'one expected address present' ],
    [ ['-a', '192.0.2.10,192.0.2.11'], 0, 'comma list, all present' ],
    [ ['-a', '192.0.2.10', '-a', '2001:db8:0:0::10'], 0, 'repeated -a, IPv6 in another spelling' ],
    [ ['-a', '192.0.2.0/24'], 0, 'CIDR block covers an address' ],
    [ ['-a', '192.0.2.99'], 2, 'expected address missing' ],
    [ ['-a', '192.0.2.10', '-a', '192.0.2.99'], 2, 'one of two missing: CRITICAL' ],
    [ ['-a', '198.51.100.0/24'], 2, 'CIDR block covering nothing' ],
    [ ['-q', 'A', '-a', '192.0.2.10,192.0.2.11', '-L'], 0, '-L: exactly the expected set' ],
    [ ['-q', 'A', '-a', '192.0.2.10', '-L'], 2, '-L: an address nobody expected' ],
    [ ['-a', "www.$Z."], 2, 'a name is not one of the addresses' ],
);
for my $c (@a_cases) {
    my ($args, $want, $name) = @$c;
    my $r = dns('-H', "www.$Z", @S, @$args);
    is($r->{exit}, $want, $name);
    if ($want == 2) {
        like($r->{p}{summary}, qr/^expected '.*' but got '.*'$/, "$name: mp's reason");
        time_perf_ok($r, $name);
    }
}
{
    my $r = dns('-H', "www.$Z", @S, '-a', '192.0.2.10', '-a', '192.0.2.99');
    like($r->{p}{summary}, qr/^expected '192\.0\.2\.10; 192\.0\.2\.99' but got '192\.0\.2\.10,192\.0\.2\.11,2001:db8::10'$/,
         'mismatch lists what was expected and what came');
}

# other types, each against dig
for my $c ([$Z, 'MX'], [$Z, 'NS'], [$Z, 'SOA'], [$Z, 'TXT'], [$Z, 'CAA'], ["_sip._tcp.$Z", 'SRV'], ["alias.$Z", 'CNAME']) {
    my ($name, $type) = @$c;
    my $r = dns('-H', $name, '-q', $type, @S);
    is($r->{exit}, 0, "$type $name: OK");
    my @want = dig_short($name, $type);
    is(returns($r), join(',', sort @want), "$type $name returns what dig sees");
}
my @rdata_cases = (
    [ [$Z, 'MX', "mail.$Z"], 0, 'MX: the target without the final dot' ],
    [ [$Z, 'MX', "10 mail.$Z."], 0, 'MX: the whole data' ],
    [ [$Z, 'MX', "MAIL.$Z."], 0, 'MX: names in any case' ],
    [ [$Z, 'MX', "nomail.$Z"], 2, 'MX: a target that is not there' ],
    [ [$Z, 'TXT', 'v=spf1 ip4:192.0.2.0/24 -all'], 0, 'TXT: the text itself (slash and all)' ],
    [ [$Z, 'TXT', 'hello "quoted" world'], 0, 'TXT: quotes inside the text' ],
    [ [$Z, 'TXT', 'v=spf1'], 2, 'TXT: part of a string does not match' ],
    [ ["alias.$Z", 'CNAME', "www.$Z."], 0, 'CNAME target' ],
    [ ["_sip._tcp.$Z", 'SRV', "sip.$Z"], 0, 'SRV target' ],
    [ ["bigtxt.$Z", 'TXT', join('', map { chr(96 + $_) x 250 } 1 .. 10)], 0, 'a 2.5 kB TXT record, strings joined' ],
);
for my $c (@rdata_cases) {
    my ($q, $want, $name) = @$c;
    my $r = dns('-H', $q->[0], '-q', $q->[1], '-a', $q->[2], @S);
    is($r->{exit}, $want, $name);
}
{
    my $r = dns('-H', "alias.$Z", @S, '-a', "www.$Z.");
    is($r->{exit}, 0, 'default query through a CNAME: -a may name the CNAME target');
    is(returns($r), join(',', sort(dig_short("www.$Z", 'A'), dig_short("www.$Z", 'AAAA'))), 'and returns the addresses');
    $r = dns('-H', "outside.$Z", @S, '-q', 'A');
    is(returns($r), 'target.example.', 'a CNAME leaving the zone: the target');
    $r = dns('-H', '192.0.2.25', @S);
    is($r->{exit}, 0, 'an address asks for its PTR');
    is(returns($r), join(',', dig_short('25.2.0.192.in-addr.arpa', 'PTR')), 'PTR as dig -x sees it');
    $r = dns('-H', '192.0.2.25', @S, '-a', "mail.$Z.");
    is($r->{exit}, 0, 'PTR with -a HOST. (mp form)');
}

# authority, NXDOMAIN, rcodes
{
    my $r = dns('-H', "www.$Z", '-A', @S);
    is($r->{exit}, 0, '-A: named is authoritative for its zone');
    $r = dns('-H', "nope.$Z", @S);
    is($r->{exit}, 2, 'NXDOMAIN is CRITICAL by default');
    is($r->{p}{summary}, "Domain 'nope.$Z' was not found by the server", "mp's NXDOMAIN reason");
    time_perf_ok($r, 'NXDOMAIN');
    for my $e ('-E', '-n', '--expect-nxdomain') {
        $r = dns('-H', "nope.$Z", $e, @S);
        is($r->{exit}, 0, "$e: NXDOMAIN is OK");
        is(returns($r), 'NXDOMAIN', "$e: returns NXDOMAIN as mp");
    }
    $r = dns('-H', "www.$Z", '-E', @S);
    is($r->{exit}, 2, '-E on an existing name: CRITICAL');
    like($r->{p}{summary}, qr/^Domain 'www\.$Z' was found by the server: '192\.0\.2\.10,/, "mp's reason");
    $r = dns('-H', 'foreign.example', @S);
    is($r->{exit}, 2, 'REFUSED (not our zone, recursion off): CRITICAL');
    like($r->{p}{summary}, qr/^server 127\.0\.0\.1 returned REFUSED for foreign\.example, expected NOERROR$/, 'reason');
    $r = dns('-H', 'foreign.example', '--rcode', 'refused', @S);
    is($r->{exit}, 0, '--rcode REFUSED: a server that refuses recursion is OK');
    is(returns($r), 'REFUSED', '... returns REFUSED');
    $r = dns('-H', "nope.$Z", '--rcode', 'NXDOMAIN', '-A', @S);
    is($r->{exit}, 0, '--rcode NXDOMAIN with -A: an authoritative NXDOMAIN');
}

# truncation: UDP then TCP, and --tcp
{
    my $r = dns('-H', "big.$Z", '-q', 'A', '-v', @S);
    is($r->{exit}, 0, 'a 1.6 kB answer: OK');
    is(returns($r), join(',', sort(Mamori::Server::Named::big_addresses())), 'all 100 addresses, from TCP');
    is(scalar(() = returns($r) =~ /,/g) + 1, $Mamori::Server::Named::BIG_COUNT, "$Mamori::Server::Named::BIG_COUNT records");
    like(join("\n", @{ $r->{p}{long} }), qr/UDP reply truncated, asked again over TCP, reply from 127\.0\.0\.1 port $port over TCP/,
         '-v says the UDP reply was truncated and TCP answered');
    $r = dns('-H', "bigtxt.$Z", '-q', 'TXT', '-v', @S);
    is($r->{exit}, 0, 'a 2.5 kB TXT: OK over TCP');
    like(join("\n", @{ $r->{p}{long} }), qr/asked again over TCP/, 'bigtxt went to TCP');
    $r = dns('-H', "www.$Z", '--tcp', '-v', @S);
    is($r->{exit}, 0, '--tcp: OK');
    my $long = join("\n", @{ $r->{p}{long} });
    like($long, qr/^A: NOERROR, qr aa rd, 2 answer\(s\).*over TCP$/m, '--tcp: A over TCP');
    like($long, qr/^AAAA: NOERROR.*over TCP$/m, '--tcp: AAAA over TCP');
    unlike($long, qr/UDP/, '--tcp: no UDP at all');
    $r = dns('-H', "www.$Z", '--norecurse', '-v', @S);
    like(join("\n", @{ $r->{p}{long} }), qr/^A: NOERROR, qr aa,/m, '--norecurse: RD clear');
    $r = dns('-H', "www.$Z", '-vv', @S);
    like(join("\n", @{ $r->{p}{long} }), qr/^  www\.$Z\.\s+300\s+IN\s+A\s+192\.0\.2\.10$/m, '-vv prints the records');
}

# response time thresholds (two queries over loopback: far less than 5 s, more than 10 us)
my @t_cases = (
    [ ['-w', '5', '-c', '10'], 0, 'OK', 'well within both' ],
    [ ['-w', '0.00001', '-c', '10'], 1, 'WARNING', 'above the warning' ],
    [ ['-w', '0.00001', '-c', '0.00001'], 2, 'CRITICAL', 'above the critical' ],
    [ ['-w', '@0:5'], 1, 'WARNING', 'inside an @ range' ],
    [ ['-c', '10:'], 2, 'CRITICAL', 'below a lower bound' ],
);
for my $c (@t_cases) {
    my ($args, $want, $word, $name) = @$c;
    my $r = dns('-H', "www.$Z", @S, @$args);
    is($r->{exit}, $want, "time: $name");
    like($r->{p}{line}, qr/^DNS $word: \d+\.\d{3} seconds response time\. www\.$Z returns /, "time: $name: mp form");
    my %i = @$args;
    is($r->{p}{perf}{time}{warn}, $i{'-w'} // '', "time: $name: warn in perfdata");
    is($r->{p}{perf}{time}{crit}, $i{'-c'} // '', "time: $name: crit in perfdata");
}

# servers: IPv6, a name, the default from resolv.conf
{
    for my $s ('::1', '[::1]', 'localhost') {
        my $r = dns('-H', "www.$Z", '-s', $s, '-p', $port, '-q', 'A');
        is($r->{exit}, 0, "server $s");
        # TCP goes through lib/net, not ldns: the same address, v4 or v6
        $r = dns('-H', "www.$Z", '-s', $s, '-p', $port, '-q', 'A', '--tcp', '-v');
        is($r->{exit}, 0, "server $s --tcp");
        like(join("\n", @{ $r->{p}{long} }), qr/reply from ::1 port $port over TCP$/m, "server $s --tcp: asked ::1 over TCP")
            if $s =~ /::1/;
    }
    my $dir = tempdir('mamori-dns-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    open my $f, '>', "$dir/resolv.conf" or die;
    print $f "# test\nsearch example.invalid\nnameserver 127.0.0.1\nnameserver 192.0.2.1\noptions ndots:2\n";
    close $f;
    my $r = plugin_run('check_dns', '-H', "www.$Z", '-p', $port, '-v', { env => { MAMORI_RESOLV_CONF => "$dir/resolv.conf" } });
    check_plugin_output($r, 'default server');
    is($r->{exit}, 0, 'no -s: the first nameserver of resolv.conf');
    like(join("\n", @{ $r->{p}{long} }), qr/from 127\.0\.0\.1 port $port/, 'and only that one');
    open $f, '>', "$dir/empty.conf" or die;
    print $f "# nothing\n";
    close $f;
    for my $c ([ "$dir/empty.conf", qr/no -s and no nameserver in / ], [ "$dir/missing.conf", qr/no -s and cannot read / ]) {
        $r = plugin_run('check_dns', '-H', "www.$Z", { env => { MAMORI_RESOLV_CONF => $c->[0] } });
        check_plugin_output($r, "resolv.conf $c->[0]");
        is($r->{exit}, 3, "$c->[0]: UNKNOWN");
        like($r->{p}{summary}, $c->[1], "$c->[0]: reason");
    }
}

# --- fake servers that answer wrong -----------------------------------

# DNS wire helpers: the query's id, flags and question; a reply to it.
sub q_parts {
    my ($q) = @_;
    my ($id, $flags) = unpack('n n', $q);
    return ($id, $flags, substr($q, 12));   # our queries carry the question only
}
sub reply {
    my ($q, %o) = @_;
    my ($id, $qflags, $question) = q_parts($q);
    my $flags = 0x8000 | ($qflags & 0x0100) | ($o{aa} // 1 ? 0x0400 : 0) | ($o{tc} ? 0x0200 : 0) | ($o{rcode} // 0);
    my @an = @{ $o{a} // [] };
    my $body = pack('n n n n n n', $o{id} // $id, $o{flags} // $flags, 1, scalar @an, 0, 0) . ($o{question} // $question);
    $body .= "\xc0\x0c" . pack('n n N n', 1, 1, 60, 4) . pack('C4', split /\./) for @an;
    return $body;
}

# A fake server on one port, UDP and TCP. udp: sub(query) -> reply or undef;
# tcp: sub(socket, query). Runs in a child until the test stops it.
sub fake_dns {
    my (%o) = @_;
    my ($u, $t);
    for (1 .. 50) {
        $u = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'udp') or die "udp: $!";
        last unless $o{tcp};
        $t = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $u->sockport, Proto => 'tcp',
                                   Listen => 5, ReuseAddr => 1) and last;
        close $u;
    }
    my $parent = $$;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        $SIG{PIPE} = 'IGNORE';
        my $sel = IO::Select->new($u, $t // ());
        # ends with the test even when the test is killed before stop_fake
        while (getppid() == $parent) {
            for my $fh ($sel->can_read(0.5)) {
                if ($fh == $u) {
                    my $peer = $u->recv(my $q, 4096) // next;
                    my $r = $o{udp} ? $o{udp}->($q) : undef;
                    $u->send($r, 0, $peer) if defined $r;
                } else {
                    my $c = $t->accept or next;
                    my $q = '';
                    while (length $q < 2 || length $q < 2 + unpack('n', $q)) {
                        sysread($c, $q, 4096, length $q) or last;
                    }
                    $o{tcp}->($c, substr($q, 2)) if length $q > 2;
                    close $c;
                }
            }
        }
    }
    my $port = $u->sockport;
    close $u;
    close $t if $t;
    return { pid => $pid, port => $port };
}
sub stop_fake { my ($f) = @_; kill 'KILL', $f->{pid}; waitpid($f->{pid}, 0) }

my $truncated = sub { reply($_[0], tc => 1) };
my @fakes = (
    # name, server, check_dns args, exit, summary pattern, max seconds
    [ 'no answer at all', { udp => sub { undef } }, ['-t', '2'], 2,
      qr/^no reply from 127\.0\.0\.1 port \d+ over UDP within 1\.\d seconds \(3 tries\)$/, 2.0 ],
    [ 'closed UDP port', 'closed', ['-t', '1'], 2, qr/^no reply from 127\.0\.0\.1 port \d+ over UDP/, 1.0 ],
    [ 'reply with the wrong id', { udp => sub { reply($_[0], id => (unpack('n', $_[0]) ^ 0x5a5a), a => ['192.0.2.10']) } },
      ['-a', '192.0.2.10'], 2, qr/^reply from 127\.0\.0\.1 port \d+ over UDP has the wrong id \d+ instead of \d+: rejected$/, 5 ],
    [ 'truncated garbage', { udp => sub { substr($_[0], 0, 2) . pack('n5', 0x8180, 1, 5, 0, 0) . "\x03ab" } },
      [], 2, qr/^malformed reply from 127\.0\.0\.1 port \d+ over UDP: /, 5 ],
    [ 'five bytes', { udp => sub { "\x00\x01\x02\x03\x04" } }, [], 2, qr/^malformed reply from .* over UDP: /, 5 ],
    [ 'reply to another question', { udp => sub {
          reply($_[0], question => "\x05other\x04test\x00" . pack('n n', 1, 1), a => ['192.0.2.10']) } },
      ['-a', '192.0.2.10'], 2, qr/^reply from .* answers another question \(other\.test\. IN A\): rejected$/, 5 ],
    [ 'the query echoed back', { udp => sub { $_[0] } }, [], 2, qr/is not a DNS reply \(QR bit clear\)$/, 5 ],
    [ 'not authoritative, -A', { udp => sub { reply($_[0], aa => 0, a => ['192.0.2.10']) } },
      ['-A', '-a', '192.0.2.10'], 2, qr/^server 127\.0\.0\.1 is not authoritative for x\.$Z$/, 5 ],
    [ 'not authoritative, no -A', { udp => sub { reply($_[0], aa => 0, a => ['192.0.2.10']) } },
      ['-a', '192.0.2.10'], 0, qr/returns 192\.0\.2\.10$/, 5 ],
    [ 'SERVFAIL', { udp => sub { reply($_[0], rcode => 2) } }, [], 2,
      qr/^server 127\.0\.0\.1 returned SERVFAIL for x\.$Z, expected NOERROR$/, 5 ],
    [ 'truncated, TCP refused', { udp => $truncated }, ['-t', '3'], 2,
      qr/^cannot connect to 127\.0\.0\.1 port \d+ over TCP after a truncated UDP reply: Connection refused$/, 3 ],
    [ 'truncated, TCP silent', { udp => $truncated, tcp => sub { sleep 5 } }, ['-t', '2'], 2,
      qr/^no reply from .* over TCP after a truncated UDP reply within 1\.\d seconds$/, 2 ],
    [ 'truncated, TCP hangs up', { udp => $truncated, tcp => sub { } }, ['-t', '3'], 2,
      qr/closed the TCP connection after a truncated UDP reply without a whole reply$/, 3 ],
    [ 'truncated, TCP claims 64 kB and sends 10 MB of junk', { udp => $truncated, tcp => sub {
          my ($c) = @_;
          syswrite($c, pack('n', 0xffff));
          my $junk = "\xff" x 65536;
          for (1 .. 160) { syswrite($c, $junk) or last }
      } }, ['-t', '5'], 2, qr/^malformed reply from .* over TCP: /, 5 ],
    [ 'truncated, TCP drips a byte a second', { udp => $truncated, tcp => sub {
          my ($c) = @_;
          syswrite($c, pack('n', 200)) or return;
          for (1 .. 10) { sleep 1; syswrite($c, 'x') or last }
      } }, ['-t', '3'], 2, qr/^no reply from 127\.0\.0\.1 port \d+ over TCP after a truncated UDP reply within 2\.\d seconds$/,
      2.6 ],   # our own reason under one deadline, not the alarm: ends before -t (+0.1 s to start)
    [ 'truncated even over TCP', { udp => $truncated, tcp => sub {
          my ($c, $q) = @_;
          my $r = reply($q, tc => 1);
          syswrite($c, pack('n', length $r) . $r);
      } }, [], 2, qr/^reply from .* is truncated even over TCP$/, 5 ],
    [ '--tcp to a server that only speaks UDP', { udp => sub { reply($_[0], a => ['192.0.2.10']) } },
      ['--tcp', '-t', '2'], 2, qr/^cannot connect to .* over TCP: Connection refused$/, 2 ],
    [ '--tcp, the reply in pieces', { tcp => sub {
          my ($c, $q) = @_;
          my $m = reply($q, a => ['192.0.2.10']);
          my $r = pack('n', length $m) . $m;
          # the length split, then the message in two: one read is not enough
          for my $piece (substr($r, 0, 1), substr($r, 1, 10), substr($r, 11)) {
              syswrite($c, $piece) or return;
              select(undef, undef, undef, 0.2);
          }
      } }, ['--tcp', '-a', '192.0.2.10'], 0, qr/returns 192\.0\.2\.10$/, 5 ],
    [ '--tcp, wrong id', { tcp => sub {
          my ($c, $q) = @_;
          my $r = reply($q, id => (unpack('n', $q) ^ 1), a => ['192.0.2.10']);
          syswrite($c, pack('n', length $r) . $r);
      } }, ['--tcp'], 2, qr/^reply from .* over TCP has the wrong id/, 5 ],
);
for my $c (@fakes) {
    my ($name, $spec, $args, $want, $pat, $max) = @$c;
    my ($fake, $fport);
    if (ref $spec) { $fake = fake_dns(%$spec); $fport = $fake->{port} }
    else { $fport = free_port('udp') }
    my $r = dns('-H', "x.$Z", '-q', 'A', '-s', '127.0.0.1', '-p', $fport, @$args);
    is($r->{exit}, $want, "$name: exit $want");
    like($r->{p}{summary}, $pat, "$name: reason") or diag($r->{out});
    ok($r->{secs} <= $max + 0.5, "$name: ends in $r->{secs} s (limit $max)");
    stop_fake($fake) if $fake;
}

# --- bad arguments: UNKNOWN with a one-line reason --------------------

my @bad = (
    [ [], qr/no name to look up/ ],
    [ ['-H', ''], qr/no name to look up/ ],
    [ ['-H', 'a..b'], qr/not a valid domain name/ ],
    [ ['-H', ('x' x 64) . '.test'], qr/not a valid domain name/ ],
    [ ['-H', 'x', '-q', 'BOGUS'], qr/--querytype 'BOGUS': unknown record type/ ],
    [ ['-H', 'x', '-q', 'AXFR'], qr/not a type one can query/ ],
    [ ['-H', 'x', '-s', '300.1.1.1'], qr/neither an IP address nor a host name/ ],
    [ ['-H', 'x', '-s', 'bad host!'], qr/neither an IP address nor a host name/ ],
    [ ['-H', 'x', '-s', ''], qr/neither an IP address nor a host name/ ],
    [ ['-H', 'x', '-p', '0'], qr/--port '0': not a whole number from 1 to 65535/ ],
    [ ['-H', 'x', '-p', '65536'], qr/--port/ ],
    [ ['-H', 'x', '-p', 'dns'], qr/--port/ ],
    [ ['-H', 'x', '-w', 'fast'], qr/--warning 'fast'/ ],
    [ ['-H', 'x', '-c', '5:1'], qr/--critical '5:1'/ ],
    [ ['-H', 'x', '-t', '0'], qr/--timeout '0'/ ],
    [ ['-H', 'x', '-E', '-a', '192.0.2.1'], qr/-E \(expect NXDOMAIN\) and -a cannot be used together/ ],
    [ ['-H', 'x', '-E', '--rcode', 'SERVFAIL'], qr/two different response codes/ ],
    [ ['-H', 'x', '-L'], qr/-L needs the expected records/ ],
    [ ['-H', 'x', '--rcode', 'FINE'], qr/--rcode 'FINE': not a response code/ ],
    [ ['-H', 'x', '-a', ''], qr/empty value/ ],
    [ ['-H', 'x', '-a', ','], qr/empty value/ ],
    [ ['-H', 'x', '-a', '192.0.2.0/33'], qr/'192\.0\.2\.0\/33': not an address or CIDR block/ ],
    [ ['-H', 'x', '--bogus'], qr/unknown option '--bogus'/ ],
    [ ['-H', 'x', 'extra'], qr/unexpected argument 'extra'/ ],
);
for my $c (@bad) {
    my ($args, $pat) = @$c;
    my $r = dns(@S, @$args);
    is($r->{exit}, 3, "bad arguments @$args: UNKNOWN");
    like($r->{p}{line}, qr/^DNS UNKNOWN - /, "bad arguments @$args: DNS UNKNOWN line");
    like($r->{p}{summary}, $pat, "bad arguments @$args: reason");
    is(scalar @{ $r->{p}{long} }, 0, "bad arguments @$args: one line");
}

$named->stop;
done_testing;
