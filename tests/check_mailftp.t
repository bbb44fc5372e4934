# check_smtp, check_pop, check_imap, check_ftp against real postfix, dovecot
# and vsftpd started by the test: plain, STARTTLS, implicit TLS, logins,
# certificates verified by default.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Mamori::Test;
use Mamori::Server::Dovecot;
use Mamori::Server::Postfix;
use Mamori::Server::Vsftpd;

my $tmp = tempdir(CLEANUP => 1);
sub secret_file {
    my ($text, $mode) = @_;
    my $f = "$tmp/secret" . int(rand 1e9);
    open my $h, '>', $f or die; print $h "$text\n"; close $h;
    chmod $mode // 0600, $f;
    return $f;
}

# --- dovecot: POP3 and IMAP
{
    my $d = Mamori::Server::Dovecot->new->start;
    my $ca = $d->cert;
    my $pw = secret_file($d->password);
    for my $case (
        [ 'check_pop', 'pop3', [], qr/^\+OK/ ],
        [ 'check_pop', 'pop3', ['--starttls', '--ca-file', $ca], qr/STARTTLS TLSv1\.[23]/ ],
        [ 'check_pop', 'pop3s', ['-S', '--ca-file', $ca], qr/ TLS TLSv1\.[23]/ ],
        [ 'check_imap', 'imap', [], qr/^\* OK/ ],
        [ 'check_imap', 'imap', ['--starttls', '--ca-file', $ca], qr/STARTTLS TLSv1\.[23]/ ],
        [ 'check_imap', 'imaps', ['--ssl', '--ca-file', $ca], qr/ TLS TLSv1\.[23]/ ],
    ) {
        my ($prog, $port, $args, $re) = @$case;
        my $r = plugin_run($prog, '-H', 'localhost', '-p', $d->port($port), @$args);
        check_plugin_output($r, "$prog $port @$args");
        is($r->{exit}, 0, "$prog $port @$args: OK");
        like($r->{p}{summary}, qr/^\d+\.\d{3} second response time on (127\.0\.0\.1|::1) port \d+ \[(\+OK|\* OK)/, "$prog: mp check_tcp form");
        my ($greeting) = $r->{p}{summary} =~ /\[(.*?)\]/;
        like($greeting, $re, "$prog $port: greeting or TLS named") if $re =~ /OK/;
        like($r->{p}{summary}, $re, "$prog $port @$args: TLS named") unless $re =~ /OK/;
        # login with the password from a 0600 file
        $r = plugin_run($prog, '-H', 'localhost', '-p', $d->port($port), @$args, '-U', $d->user, '--password-file', $pw);
        is($r->{exit}, 0, "$prog $port login OK");
        like($r->{p}{summary}, qr/logged in as \Q@{[$d->user]}\E/, 'login named');
    }
    # certificates: verified by default (self-signed is refused), --insecure accepts
    my $r = plugin_run('check_imap', '-H', 'localhost', '-p', $d->port('imaps'), '--ssl');
    check_plugin_output($r, 'imaps untrusted');
    is($r->{exit}, 2, 'imaps with an untrusted certificate: CRITICAL');
    like($r->{p}{summary}, qr/certificate not trusted: self-signed certificate/, 'reason from OpenSSL');
    $r = plugin_run('check_imap', '-H', 'localhost', '-p', $d->port('imaps'), '--ssl', '--insecure');
    is($r->{exit}, 0, '--insecure accepts it');
    # the test certificate was made valid for 2 days a moment ago: 1 whole day left
    $r = plugin_run('check_pop', '-H', 'localhost', '-p', $d->port('pop3s'), '-S', '--ca-file', $ca, '-D', '400,1');
    is($r->{exit}, 1, '-D 400,1: a certificate with 1 whole day left is WARNING');
    # 2 when the check runs in the second the certificate was made, else 1
    like($r->{p}{summary}, qr/certificate 'CN=localhost' expires in [12] days/, 'whole days, rounded down');
    like($r->{p}{perf}{days}{value}, qr/^[12]$/, 'days perfdata');
    $r = plugin_run('check_pop', '-H', 'localhost', '-p', $d->port('pop3s'), '-S', '--ca-file', $ca, '-D', '30,5');
    is($r->{exit}, 2, '-D 30,5: CRITICAL');
    $r = plugin_run('check_pop', '-H', 'localhost', '-p', $d->port('pop3s'), '-S', '--ca-file', $ca, '-D', '1');
    is($r->{exit}, 0, '-D 1: OK');
    # wrong password: CRITICAL with the server's words
    my $bad = secret_file('wrong-password');
    $r = plugin_run('check_imap', '-H', '127.0.0.1', '-p', $d->port('imap'), '-U', $d->user, '--password-file', $bad);
    check_plugin_output($r, 'imap bad login');
    is($r->{exit}, 2, 'refused login: CRITICAL');
    like($r->{p}{summary}, qr/login on 127\.0\.0\.1 port \d+: LOGIN refused: 'm2 NO/, 'IMAP answer quoted');
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3'), '-U', $d->user, '--password-file', $bad);
    like($r->{p}{summary}, qr/PASS refused: '-ERR/, 'POP3 answer quoted');
    # the password file must be private
    my $open = secret_file($d->password, 0644);
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3'), '-U', $d->user, '--password-file', $open);
    is($r->{exit}, 3, 'a 0644 password file is refused');
    like($r->{p}{summary}, qr/mode 0644: it must be 0600/, 'with the reason');
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3'), '-U', $d->user,
                    { env => { MAMORI_PASSWORD => $d->password } });
    is($r->{exit}, 0, 'password from MAMORI_PASSWORD');
    # STARTTLS against implicit TLS port and the other way round
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3s'), '-t', '3');
    is($r->{exit}, 2, 'plain POP3 on the pop3s port: CRITICAL');
    ok($r->{secs} < 4, 'within the timeout');
    $r = plugin_run('check_imap', '-H', '127.0.0.1', '-p', $d->port('imap'), '--ssl', '--insecure');
    is($r->{exit}, 2, 'TLS on the plain IMAP port: CRITICAL');
    like($r->{p}{summary}, qr/TLS handshake/, 'handshake named');
    # expect a string in the greeting
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3'), '-e', 'Dovecot');
    is($r->{exit}, 0, '-e found');
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3'), '-e', 'Exchange');
    is($r->{exit}, 1, '-e not found: WARNING (mismatch)');
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3'), '-e', 'Exchange', '-M', 'crit');
    is($r->{exit}, 2, '-M crit');
    # mp's check_pop and ours agree on OK
    my $mp = run_prog(['/usr/lib/nagios/plugins/check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3')]);
    $r = plugin_run('check_pop', '-H', '127.0.0.1', '-p', $d->port('pop3'));
    is($r->{exit}, $mp->{exit}, 'same state as monitoring-plugins check_pop');
    my ($mpg) = $mp->{out} =~ /\[(.*?)\]/;
    my ($ourg) = $r->{out} =~ /\[(.*?)\]/;
    is($ourg, $mpg, 'same greeting in brackets');
    $d->stop;
    $r = plugin_run('check_imap', '-H', '127.0.0.1', '-p', $d->port('imap'));
    is($r->{exit}, 2, 'stopped dovecot: CRITICAL');
    $r = plugin_run('check_imap', '-H', '127.0.0.1', '-p', $d->port('imap'), '-r', 'warn');
    is($r->{exit}, 1, '-r warn');
}

# --- postfix: SMTP on 25-like, STARTTLS submission, SMTPS
{
    my $p = Mamori::Server::Postfix->new->start;
    my $ca = $p->cert;
    my $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $p->port('smtp'));
    check_plugin_output($r, 'check_smtp');
    is($r->{exit}, 0, 'SMTP OK');
    like($r->{p}{summary}, qr/^\d+\.\d{3} sec\. response time, 220 /, 'mp form then the greeting');
    $r = plugin_run('check_smtp', '-H', 'localhost', '-p', $p->port('submission'), '-S', '--ca-file', $ca);
    is($r->{exit}, 0, 'STARTTLS on submission');
    like($r->{p}{summary}, qr/STARTTLS TLSv1\.[23]/, 'STARTTLS named');
    $r = plugin_run('check_smtp', '-H', 'localhost', '-p', $p->port('smtps'), '--ssl', '--ca-file', $ca);
    is($r->{exit}, 0, 'SMTPS');
    $r = plugin_run('check_smtp', '-H', 'localhost', '-p', $p->port('submission'), '-S', '--ca-file', $ca, '--capability', 'PIPELINING');
    is($r->{exit}, 0, 'capability advertised');
    $r = plugin_run('check_smtp', '-H', 'localhost', '-p', $p->port('submission'), '-S', '--ca-file', $ca, '--capability', 'XYZZY');
    is($r->{exit}, 2, 'capability missing: CRITICAL');
    like($r->{p}{summary}, qr/EHLO does not advertise XYZZY/, 'named');
    $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $p->port('smtp'), '-f', 'monitor@example.com');
    is($r->{exit}, 0, 'MAIL FROM accepted');
    $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $p->port('smtp'), '-C', 'VRFY root', '-R', '^(252|250|550|502)');
    is($r->{exit}, 0, '-C/-R');
    $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $p->port('smtp'), '-C', 'NOOP', '-R', '^599');
    is($r->{exit}, 2, '-R mismatch: CRITICAL');
    $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $p->port('smtp'), '-S', '-t', '5', '--insecure');
    is($r->{exit}, 2, 'STARTTLS where the server does not offer it: CRITICAL') if !$p->{starttls_on_smtp};
    $r = plugin_run('check_smtp', '-H', 'localhost', '-p', $p->port('smtps'), '--ssl');
    is($r->{exit}, 2, 'SMTPS untrusted by default');
    my $mp = run_prog(['/usr/lib/nagios/plugins/check_smtp', '-H', '127.0.0.1', '-p', $p->port('smtp')]);
    $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $p->port('smtp'));
    is($r->{exit}, $mp->{exit}, 'same state as monitoring-plugins check_smtp');
    $p->stop;
}

# --- vsftpd: FTP, AUTH TLS, implicit FTPS, login
{
    my $v = Mamori::Server::Vsftpd->new->start;
    my $ca = $v->cert;
    my $pw = secret_file($v->password);
    my $r = plugin_run('check_ftp', '-H', '127.0.0.1', '-p', $v->port('ftp'));
    check_plugin_output($r, 'check_ftp');
    is($r->{exit}, 0, 'FTP OK');
    like($r->{p}{summary}, qr/\[220[ -]/, 'greeting shown');
    $r = plugin_run('check_ftp', '-H', 'localhost', '-p', $v->port('ftp'), '--starttls', '--ca-file', $ca);
    is($r->{exit}, 0, 'AUTH TLS');
    $r = plugin_run('check_ftp', '-H', 'localhost', '-p', $v->port('ftps'), '-S', '--ca-file', $ca);
    is($r->{exit}, 0, 'implicit FTPS');
    $r = plugin_run('check_ftp', '-H', 'localhost', '-p', $v->port('ftp'), '--starttls', '--ca-file', $ca,
                    '-U', $v->user, '--password-file', $pw);
    is($r->{exit}, 0, 'login over AUTH TLS');
    $r = plugin_run('check_ftp', '-H', 'localhost', '-p', $v->port('ftp'), '--starttls', '--ca-file', $ca,
                    '-U', $v->user, '--password-file', secret_file('bad'));
    is($r->{exit}, 2, 'bad FTP login: CRITICAL');
    like($r->{p}{summary}, qr/PASS refused: '530/, 'server reply quoted');
    $v->stop;
}
done_testing;
