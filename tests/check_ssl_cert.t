# check_ssl_cert (and check_tcp --ssl -D) against TLS servers holding the
# certificates a test CA makes: valid, expiring in 5 days, expired, for
# another host, self-signed; and through STARTTLS of a real dovecot/postfix.
use strict;
use warnings;
use Test::More;
use POSIX qw(floor);
use Mamori::Test;
use Mamori::Certs;
use Mamori::Server qw(free_port need_binary);
use Mamori::Server::Dovecot;
use Mamori::Server::Postfix;

my $ca = Mamori::Certs->new;
my $openssl = need_binary('/usr/bin/openssl', 'openssl');

sub tls_server {
    my ($cert, $key) = @_;
    my $port = free_port();
    return Mamori::Server->new(name => 's_server', port => $port,
        argv => [$openssl, 's_server', '-accept', "127.0.0.1:$port", '-cert', $cert, '-key', $key,
                 '-www', '-quiet', '-naccept', '1000'])->start;
}

my %certs = (
    valid   => [ $ca->issue(cn => 'localhost', days => 365) ],
    soon    => [ $ca->issue(cn => 'localhost', days => 5) ],
    expired => [ $ca->expired(cn => 'localhost') ],
    other   => [ $ca->issue(cn => 'www.example.org', days => 365, san => ['DNS:www.example.org']) ],
    self    => [ $ca->self_signed(cn => 'localhost') ],
);
my %srv = map { $_ => tls_server(@{ $certs{$_} }) } keys %certs;
my @trust = ('--ca-file', $ca->ca_file);

# valid: OK, days equal the certificate's notAfter (ground truth from openssl)
my $r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{valid}->port, @trust);
check_plugin_output($r, 'valid');
is($r->{exit}, 0, 'valid certificate: OK');
my $days = ($ca->not_after($certs{valid}[0]) - time) / 86400;
ok(abs($r->{p}{perf}{days}{value} - $days) <= 1, "days $r->{p}{perf}{days}{value} = notAfter ($days)");
is($r->{p}{perf}{days}{warn}, '30:', 'warn 30 days as a floor');
is($r->{p}{perf}{days}{crit}, '14:', 'crit 14 days');
like($r->{p}{summary}, qr/^certificate 'CN=localhost' expires in 36[45] days \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\), chain and host name verified$/, 'summary');
like($r->{out}, qr/^issuer: CN=Mamori Test CA$/m, 'issuer in long output');

# 5 days: CRITICAL with the defaults (14), WARNING with -w 10 -c 3, OK with -w 4 -c 2
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{soon}->port, @trust);
is($r->{exit}, 2, '5 days left: CRITICAL by default');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{soon}->port, @trust, '-w', 10, '-c', 3);
is($r->{exit}, 1, '5 days left: WARNING with -w 10 -c 3');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{soon}->port, @trust, '-w', 4, '-c', 2);
is($r->{exit}, 0, '5 days left: OK with -w 4 -c 2');

$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{expired}->port, @trust, '-w', 0, '-c', 0);
check_plugin_output($r, 'expired');
is($r->{exit}, 2, 'expired: CRITICAL whatever the thresholds');
like($r->{p}{summary}, qr/expired \d+ days ago/, 'says expired');
ok($r->{p}{perf}{days}{value} < 0, 'negative days');

$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{other}->port, @trust);
is($r->{exit}, 2, 'certificate for another host: CRITICAL');
like($r->{p}{summary}, qr/not trusted: [Hh]ostname mismatch/, 'host name mismatch named');
$r = plugin_run('check_ssl_cert', '-H', '127.0.0.1', '-p', $srv{other}->port, @trust, '--sni', 'www.example.org');
is($r->{exit}, 0, '--sni names the host to verify');

$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{self}->port, @trust);
is($r->{exit}, 2, 'self-signed: CRITICAL');
like($r->{p}{summary}, qr/not trusted: self-signed certificate/, 'self-signed named');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{self}->port, '--insecure');
is($r->{exit}, 0, '--insecure reports without alerting');
like($r->{p}{summary}, qr/not trusted/, 'but still says so');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{valid}->port);
is($r->{exit}, 2, 'the test CA is not in the system store: CRITICAL');
like($r->{p}{summary}, qr/unable to get local issuer certificate/, 'reason');

$r = plugin_run('check_ssl_cert', '-H', '127.0.0.1', '-p', $srv{valid}->port, @trust);
is($r->{exit}, 0, 'by IP address: the certificate carries IP:127.0.0.1');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{valid}->port, @trust, '--issuer', 'Mamori Test CA');
is($r->{exit}, 0, '--issuer matches');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{valid}->port, @trust, '--issuer', "Let's Encrypt");
is($r->{exit}, 2, '--issuer mismatch: CRITICAL');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $srv{valid}->port, @trust, '--subject', 'CN=localhost');
is($r->{exit}, 0, '--subject matches');

# -D alone turns TLS on, as in monitoring-plugins
$r = plugin_run('check_tcp', '-H', 'localhost', '-p', $srv{soon}->port, @trust, '-D', '10,3');
is($r->{exit}, 1, 'check_tcp -D without --ssl speaks TLS');
like($r->{p}{summary}, qr/expires in [45] days/, 'whole days, rounded down');
# check_tcp --ssl -D on the same servers
$r = plugin_run('check_tcp', '-H', 'localhost', '-p', $srv{soon}->port, '--ssl', @trust, '-D', '10,3');
check_plugin_output($r, 'check_tcp -D');
is($r->{exit}, 1, 'check_tcp -D 10,3 on a 5-day certificate: WARNING');
$r = plugin_run('check_tcp', '-H', 'localhost', '-p', $srv{valid}->port, '--ssl', @trust, '-D', '10,3',
                '-s', "GET / HTTP/1.0\r\n\r\n", '-e', 'HTTP/1.0 200');
is($r->{exit}, 0, 'check_tcp --ssl send/expect through TLS');
like($r->{p}{summary}, qr/\[HTTP\/1\.0 200 ok\]/, 'reply shown');

# STARTTLS protocols on real servers
my $d = Mamori::Server::Dovecot->new->start;
for my $p ([pop3 => 'pop3'], [imap => 'imap']) {
    $r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $d->port($p->[1]), '-P', $p->[0], '--ca-file', $d->cert, '-w', 1, '-c', 0);
    check_plugin_output($r, "STARTTLS $p->[0]");
    is($r->{exit}, 0, "STARTTLS $p->[0] on dovecot");
}
$d->stop;
my $pf = Mamori::Server::Postfix->new->start;
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $pf->port('submission'), '-P', 'smtp', '--ca-file', $pf->cert, '-w', 1, '-c', 0);
is($r->{exit}, 0, 'STARTTLS smtp on postfix');
$r = plugin_run('check_ssl_cert', '-H', 'localhost', '-p', $pf->port('smtps'), '--ca-file', $pf->cert, '-w', 1, '-c', 0);
is($r->{exit}, 0, 'implicit TLS smtps on postfix');
$pf->stop;

# a plain server on the TLS port
my $plain = Mamori::Server->new(name => 'plain', port => free_port());
$r = plugin_run('check_ssl_cert', '-H', '127.0.0.1', '-p', $plain->port, '-t', 2);
is($r->{exit}, 2, 'nothing listening: CRITICAL');

# bad arguments
for my $args ([qw(-H localhost -P gopher)], [qw(-H localhost -w abc)], [qw(-H localhost -c -1)], [qw(-p 443)]) {
    $r = plugin_run('check_ssl_cert', @$args);
    is($r->{exit}, 3, "check_ssl_cert @$args: UNKNOWN");
}
$_->stop for values %srv;
done_testing;
