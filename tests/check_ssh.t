# check_ssh against a real OpenSSH server started by the test.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::Server::Sshd;

my $s = Mamori::Server::Sshd->new(banner_extra => 'mamori-test')->start;
my $port = $s->port;

# ground truth: the banner as sshd sends it
my $banner = do {
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 5) or die;
    my $l = <$c>; $l =~ s/\r?\n$//; $l;
};
my ($proto, $software) = $banner =~ /^SSH-([^-]+)-(.*)$/ or die "banner $banner";

my $r = plugin_run('check_ssh', '-H', '127.0.0.1', '-p', $port);
check_plugin_output($r, 'check_ssh');
is($r->{exit}, 0, 'OK against sshd');
is($r->{p}{summary}, "$software (protocol $proto)", 'mp form: software (protocol N)');
like($r->{p}{perf}{time}{value}, qr/^\d+\.\d{6}$/, 'time perfdata in seconds');
is($r->{p}{perf}{time}{uom}, 's', 'unit s');
is($r->{p}{perf}{time}{max}, '10', 'max is the timeout');

$r = plugin_run('check_ssh', '-H', 'localhost', '-p', $port);
is($r->{exit}, 0, 'by name');

$r = plugin_run('check_ssh', '-H', '127.0.0.1', '-p', $port, '-r', $software);
is($r->{exit}, 0, 'remote version matches');
$r = plugin_run('check_ssh', '-H', '127.0.0.1', '-p', $port, '-r', 'OpenSSH_1.0');
check_plugin_output($r, 'version mismatch');
is($r->{exit}, 2, 'other remote version: CRITICAL, as monitoring-plugins 2.3');
like($r->{p}{summary}, qr/version mismatch, expected 'OpenSSH_1\.0'/, 'says what was expected');
$r = plugin_run('check_ssh', '-H', '127.0.0.1', '-p', $port, '-P', '1.99');
is($r->{exit}, 2, 'other protocol version: CRITICAL');
# the host last without -H, as the Icinga 2 ITL's ssh CheckCommand passes it
$r = plugin_run('check_ssh', '-p', $port, '127.0.0.1');
is($r->{exit}, 0, 'host as the last argument');
$r = plugin_run('check_ssh', '-p', $port, '-H', '127.0.0.1', 'other');
is($r->{exit}, 3, 'a host both ways is refused');
$r = plugin_run('check_ssh', '-H', '127.0.0.1', '-p', $port, '-w', '~:0.000001', '-c', '10');
is($r->{exit}, 1, 'response time above the warning');

SKIP: {
    skip 'no IPv6 loopback here', 2 unless $s->{ipv6};
    $r = plugin_run('check_ssh', '-H', '::1', '-p', $port);
    is($r->{exit}, 0, 'IPv6');
    $r = plugin_run('check_ssh', '-6', '-H', '::1', '-p', $port);
    is($r->{exit}, 0, '-6');
    $r = plugin_run('check_ssh', '-4', '-H', '::1', '-p', $port);
    is($r->{exit}, 3, '-4 with an IPv6 address does not resolve: UNKNOWN');
}

# the server logs no "did not receive identification string" for us
sleep 0.2;
$s->stop;
my $log = do { local $/; open my $f, '<', $s->dir . '/sshd.out' or die; <$f> };
unlike($log, qr/did not receive identification string/, 'sshd log stays clean');

$r = plugin_run('check_ssh', '-H', '127.0.0.1', '-p', $port);
check_plugin_output($r, 'stopped sshd');
is($r->{exit}, 2, 'stopped server: CRITICAL');
like($r->{p}{summary}, qr/^Connection refused by 127\.0\.0\.1 port $port$/, 'refused');
$r = plugin_run('check_ssh', '-H', '127.0.0.1', '-p', $port, '--refuse', 'warning');
is($r->{exit}, 1, '--refuse warning (long form; -r is --remote-version here)');

# compared with monitoring-plugins' check_ssh on the same server
done_testing;
