# The failure table of the network checks: closed port, a server that
# accepts and never speaks, one that drips a byte a second, garbage, a 10 MB
# line, a close in mid-reply, garbage TLS. Each ends within -t by itself
# with the documented state and a one-line reason; never a crash or a hang.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::BadServer;
use Mamori::Server qw(free_port);
use File::Temp;

my $T = 3;
my %greeting = (check_ssh => "SSH-2.0-OpenSSH_9.2\r\n", check_ftp => "220 ftp ready\r\n",
                check_smtp => "220 mx ESMTP\r\n", check_pop => "+OK ready\r\n", check_imap => "* OK ready\r\n",
                check_tcp => "220 hello\r\n");
my @programs = sort keys %greeting;

sub run_case {
    my ($prog, $port, @extra) = @_;
    my @args = ('-H', '127.0.0.1', '-p', $port, '-t', $T, @extra);
    push @args, '-e', 'hello' if $prog eq 'check_tcp' && !grep { $_ eq '--ssl' } @extra;
    return plugin_run($prog, @args, { timeout => $T + 5 });
}

sub judge {
    my ($r, $name, $states, $reason) = @_;
    check_plugin_output($r, $name);
    ok((grep { $_ == $r->{exit} } @$states), "$name: state $r->{exit} is one of @$states")
        or diag($r->{out});
    like($r->{p}{summary} // '', $reason, "$name: reason");
    ok($r->{secs} < $T + 0.5, sprintf('%s: ended in %.2f s (-t %d)', $name, $r->{secs}, $T));
    is(scalar(() = $r->{out} =~ /\n/g) >= 1 && $r->{out} !~ /\A\n/, 1, "$name: a status line");
}

my $closed = free_port();
for my $prog (@programs) {
    judge(run_case($prog, $closed), "$prog closed port", [2], qr/Connection refused/);
}

my %servers = (
    silent          => Mamori::BadServer->new('silent'),
    garbage         => Mamori::BadServer->new('garbage'),
    huge_line       => Mamori::BadServer->new('huge_line'),
    close_mid_reply => Mamori::BadServer->new('close_mid_reply', greeting => "220 half a gree"),
    tls_garbage     => Mamori::BadServer->new('tls_garbage'),
);
for my $prog (@programs) {
    judge(run_case($prog, $servers{silent}->port), "$prog silent server", [2],
          qr/No answer from 127\.0\.0\.1 port \d+ within [\d.]+ s/);
    # the alarm is the last resort: the plugin answers before it by itself
    unlike(run_case($prog, $servers{silent}->port)->{out}, qr/plugin timed out/, "$prog: own deadline, not the alarm");
    my $drip = Mamori::BadServer->new('drip', greeting => $greeting{$prog});
    # check_tcp judges what did arrive: "220" without the expected text is a mismatch
    judge(run_case($prog, $drip->port), "$prog dripping server", $prog eq 'check_tcp' ? [1, 2] : [2],
          qr/(No answer .* within|Unexpected response)/);
    $drip->stop;
    judge(run_case($prog, $servers{garbage}->port), "$prog garbage", [1, 2], qr/\S/);
    judge(run_case($prog, $servers{huge_line}->port), "$prog 10 MB line", [1, 2],
          qr/(longer than|No answer|too long|unexpected|does not)/i);
    judge(run_case($prog, $servers{close_mid_reply}->port), "$prog close mid-reply", [1, 2],
          qr/(closed|unexpected|does not)/i);
    next if $prog eq 'check_ssh';
    judge(run_case($prog, $servers{tls_garbage}->port, '--ssl', '--insecure'), "$prog TLS garbage", [2],
          qr/TLS handshake/);
    judge(run_case($prog, $servers{silent}->port, '--ssl', '--insecure'), "$prog TLS silent", [2],
          qr/No answer .* within/);
}
judge(plugin_run('check_ssl_cert', '-H', '127.0.0.1', '-p', $servers{tls_garbage}->port, '-t', $T),
      'check_ssl_cert TLS garbage', [2], qr/TLS handshake/);
judge(plugin_run('check_ssl_cert', '-H', '127.0.0.1', '-p', $servers{silent}->port, '-t', $T),
      'check_ssl_cert silent', [2], qr/No answer/);

# wrong greetings are a mismatch (WARNING by default, -M to change), as in monitoring-plugins
my %wrong = (check_ssh => "HTTP/1.0 400 Bad\r\n", check_ftp => "421 go away\r\n", check_smtp => "554 no service\r\n",
             check_pop => "-ERR busy\r\n", check_imap => "* BYE busy\r\n");
for my $prog (sort keys %wrong) {
    my $b = Mamori::BadServer->new('banner', greeting => $wrong{$prog}, script => []);
    my $r = run_case($prog, $b->port);
    judge($r, "$prog wrong greeting", $prog eq 'check_ssh' ? [1, 2] : [1], qr/(unexpected greeting|does not contain|identification string)/);
    $r = run_case($prog, $b->port, '-M', 'critical') unless $prog eq 'check_ssh';
    is($r->{exit}, 2, "$prog wrong greeting with -M critical") unless $prog eq 'check_ssh';
}

# multi-line replies: FTP's 220- continuation with free lines between (RFC 959)
{
    my $b = Mamori::BadServer->new('banner', greeting => "220-Welcome\r\nfree text line\r\n220-more\r\n220 ready\r\n",
                                   script => [ QUIT => "221 bye\r\n" ]);
    my $r = plugin_run('check_ftp', '-H', '127.0.0.1', '-p', $b->port);
    is($r->{exit}, 0, 'FTP multi-line greeting');
    like($r->{p}{summary}, qr/\[220-Welcome\]/, 'first line shown');
}
# SMTP AUTH PLAIN and LOGIN against a scripted server that checks the encoding
{
    use MIME::Base64;
    my $plain = encode_base64("\0monitor\0s3cret pass", '');
    my $ehlo = "250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n";
    my $b = Mamori::BadServer->new('banner', greeting => "220 mx ESMTP\r\n", script => [
        qr/^EHLO / => $ehlo,
        "AUTH PLAIN $plain" => "235 2.7.0 ok\r\n",
        qr/^AUTH PLAIN/ => "535 5.7.8 bad\r\n",
        'AUTH LOGIN' => "334 VXNlcm5hbWU6\r\n",
        encode_base64('monitor', '') => "334 UGFzc3dvcmQ6\r\n",
        encode_base64('s3cret pass', '') => "235 ok\r\n",
        QUIT => "221 bye\r\n",
    ], else => "535 no\r\n");
    my $file = File::Temp->new; print $file "s3cret pass\n"; close $file; chmod 0600, $file->filename;
    for my $type (qw(PLAIN LOGIN)) {
        my $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $b->port, '-A', $type, '-U', 'monitor',
                           '--authpass-file', $file->filename);
        check_plugin_output($r, "AUTH $type");
        is($r->{exit}, 0, "AUTH $type accepted");
        like($r->{p}{summary}, qr/AUTH $type as monitor/, 'named');
    }
    my $r = plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $b->port, '-A', 'PLAIN', '-U', 'monitor',
                       { env => { MAMORI_PASSWORD => 'wrong' } });
    is($r->{exit}, 2, 'wrong AUTH password: CRITICAL');
    like($r->{p}{summary}, qr/AUTH PLAIN answered '535/, 'server reply quoted');
    ok(!grep({ /s3cret/ } `ps -eo args`), 'the password never appears in ps');
}
# IMAP: untagged lines before the tagged answer
{
    my $b = Mamori::BadServer->new('banner', greeting => "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", script => [
        qr/^m2 LOGIN "u\\\\s\\"er" "p"$/ => "* CAPABILITY IMAP4rev1\r\nm2 OK done\r\n",
        'm9 LOGOUT' => "* BYE\r\nm9 OK\r\n",
    ], else => "m2 NO [AUTHENTICATIONFAILED] bad\r\n");
    my $r = plugin_run('check_imap', '-H', '127.0.0.1', '-p', $b->port, '-U', 'u\s"er', { env => { MAMORI_PASSWORD => 'p' } });
    is($r->{exit}, 0, 'IMAP LOGIN with quoted user, untagged line before the tagged OK');
}
# -t SECONDS:STATE decides the state of a timeout, also when the plugin's
# own deadline ends it a moment before the alarm
for my $prog (qw(check_tcp check_smtp check_ssh)) {
    my $r = run_case($prog, $servers{silent}->port, '-t', '2:unknown');
    is($r->{exit}, 3, "$prog -t 2:unknown on a silent server: UNKNOWN");
    $r = run_case($prog, $servers{silent}->port, '-t', '2:warning');
    is($r->{exit}, 1, "$prog -t 2:warning: WARNING");
}
# check_tcp: a server that answers something else and then falls silent is a mismatch
{
    my $b = Mamori::BadServer->new('banner', greeting => "220 other\r\n", script => []);
    my $r = plugin_run('check_tcp', '-H', '127.0.0.1', '-p', $b->port, '-e', 'hello', '-t', 2);
    check_plugin_output($r, 'check_tcp answer without the expected text');
    is($r->{exit}, 1, 'mismatch (WARNING), not a timeout');
    like($r->{p}{summary}, qr/Unexpected response .*\[220 other\]/, 'the answer is shown');
    # -q gets CRLF appended unless -E
    $b = Mamori::BadServer->new('banner', greeting => "220 hello\r\n", script => [ BYE => "221 bye\r\n" ]);
    $r = plugin_run('check_tcp', '-H', '127.0.0.1', '-p', $b->port, '-e', 'hello', '-q', 'BYE');
    is($r->{exit}, 0, 'check_tcp -q');
    select(undef, undef, undef, 0.3);
    ok((grep { $_ eq 'BYE' } $b->received), 'the server got "BYE" as a line');
}
# FTP: a server that logs in at USER (230) gets no PASS
{
    my $b = Mamori::BadServer->new('banner', greeting => "220 ftp\r\n", script => [
        'USER anonymous' => "230 Login successful.\r\n", qr/^PASS/ => "503 Login with USER first.\r\n",
        QUIT => "221 bye\r\n" ]);
    my $r = plugin_run('check_ftp', '-H', '127.0.0.1', '-p', $b->port, '-U', 'anonymous', { env => { MAMORI_PASSWORD => 'x' } });
    is($r->{exit}, 0, 'FTP 230 after USER: logged in, no PASS sent');
}
$_->stop for values %servers;
done_testing;
