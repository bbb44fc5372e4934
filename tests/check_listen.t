use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use IO::Socket::IP;
use File::Temp qw(tempdir);
use Mamori::Test;

# A listener the test opens, and a port it keeps closed.
my $srv = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', ReuseAddr => 1)
    or die "listen: $!";
my $port = $srv->sockport;
my $closed = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp');
my $closed_port = $closed->sockport;
close $closed;   # now nothing listens there
my $udp = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'udp') or die;
my $uport = $udp->sockport;

my $r = plugin_run('check_listen', '-p', $port);
check_plugin_output($r, 'open port');
is($r->{exit}, 0, "port $port listening: OK");
like($r->{out}, qr{^$port/tcp: LISTEN on 127\.0\.0\.1}m, 'names the address');
is($r->{p}{perf}{"tcp_$port"}{value}, 1, 'one listening socket in perfdata');

$r = plugin_run('check_listen', '-p', "$port,$closed_port");
check_plugin_output($r, 'closed port');
is($r->{exit}, 2, 'a closed port is CRITICAL');
like($r->{p}{summary}, qr{^1 of 2 ports not listening: $closed_port/tcp; listening: $port/tcp$}, 'summary names both');
is($r->{p}{perf}{missing}{value}, 1, 'missing=1');
is($r->{p}{perf}{"tcp_$closed_port"}{value}, 0, 'closed port perf 0');

$r = plugin_run('check_listen', '-p', $closed_port, '-s', 'warning');
is($r->{exit}, 1, '--missing-state warning');

# udp: a bound, unconnected socket listens (netstat -lu); tcp on that port does not.
$r = plugin_run('check_listen', '-p', "$uport/udp");
is($r->{exit}, 0, 'udp port bound: OK');
$r = plugin_run('check_listen', '-p', "$uport/any");
is($r->{exit}, 0, 'any protocol finds udp');
like($r->{out}, qr{127\.0\.0\.1/udp}, 'any names the protocol per socket');

# the owner, as netstat -p shows it
$r = plugin_run('check_listen', '-p', $port, '-o');
like($r->{out}, qr{\((perl|check_listen\.t) pid $$\)}, 'owner is this test process');

# IPv6 when the host has it
SKIP: {
    my $s6 = IO::Socket::IP->new(Listen => 5, LocalHost => '::1', LocalPort => 0, Proto => 'tcp');
    skip 'no IPv6 loopback on this host', 2 unless $s6;
    my $p6 = $s6->sockport;
    $r = plugin_run('check_listen', '-p', $p6);
    is($r->{exit}, 0, 'IPv6 listener found');
    like($r->{out}, qr{LISTEN on ::1}, 'IPv6 address printed');
}

# Compare with ss where it is installed: every tcp LISTEN port ss shows, we show.
if (-x '/usr/bin/ss' || -x '/bin/ss') {
    my @ports = do { my %s; grep { !$s{$_}++ } map { /:(\d+)\s*$/ ? $1 : () } map { (split ' ')[3] // '' } `ss -Hltn` };
    if (@ports) {
        $r = plugin_run('check_listen', '-p', join(',', @ports));
        is($r->{exit}, 0, "every port ss -ltn lists is LISTEN for us too (@ports)");
    }
}

# The parser, on text as a remote host would send it.
my $tool = bin('listen_tool');
my $dir = tempdir(CLEANUP => 1);
sub parse_text {
    my ($text, $kind, @more) = @_;
    open my $f, '>', "$dir/t" or die; print $f $text; close $f;
    return run_prog([$tool, "$dir/t", $kind, @more])->{out};
}
my $hdr = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
is(parse_text($hdr . "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n", 'tcp'),
   "0.0.0.0 22 0A 12345 0 listen\nbad 0\n", 'tcp 0.0.0.0:22 LISTEN');
is(parse_text($hdr . "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 999 1\n", 'tcp'),
   "127.0.0.1 8080 01 999 1000 -\nbad 0\n", 'established connection is not listening');
is(parse_text($hdr . "   1: 7F000001:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1\n", 'tcp', 'be'),
   "127.0.0.1 80 0A 5 0 listen\nbad 0\n", 'big-endian host text');
is(parse_text($hdr . "   0: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   0 0 77 1\n", 'tcp6'),
   ":: 53 0A 77 0 listen\nbad 0\n", 'tcp6 [::]:53');
is(parse_text($hdr . "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   0 0 78 1\n", 'tcp6'),
   "::1 22 0A 78 0 listen\nbad 0\n", 'tcp6 [::1]:22');
is(parse_text($hdr . "   0: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101 0 80 2\n", 'udp'),
   "0.0.0.0 53 07 80 101 listen\nbad 0\n", 'udp 0.0.0.0:53 bound');
# garbage, truncated lines, binary and a huge line: counted, never fatal
my $junk = $hdr . "garbage\n   0: 0000:0016\n\xff\xfe\x00\x01\n" . ('9' x 100000) . "\n"
    . "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
    . "   0: 0000000G:0016 00000000:0000 0A\n   0: 00000000:00160 00000000:0000 0A 0 0 0 0 0 1\n";
is(parse_text($junk, 'tcp'), "0.0.0.0 22 0A 1 0 listen\nbad 6\n", 'bad lines counted, the good one kept');
is(parse_text('', 'tcp'), "bad 0\n", 'empty text');

done_testing;
