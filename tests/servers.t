# The servers the protocol checks are tested against: each real daemon comes
# up, speaks its protocol to a plain Perl client, logs a user in, and is gone
# (pid and port) after stop; each misbehaving server misbehaves as promised.
# A broken server module fails here, not in some plugin's test.
use strict;
use warnings;
use Test::More;
use IO::Select;
use IO::Socket::INET;
use IO::Socket::IP;
use IO::Socket::SSL;
use MIME::Base64 qw(encode_base64);
use File::Path ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Mamori::Test;
use Mamori::Server;
use Mamori::Server::Sshd;
use Mamori::Server::Vsftpd;
use Mamori::Server::Postfix;
use Mamori::Server::Dovecot;
use Mamori::BadServer;

$SIG{PIPE} = 'IGNORE';

sub tcp {
    my ($port, $host) = @_;
    return IO::Socket::IP->new(PeerHost => $host // '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 5);
}

sub tls {
    my ($port, $ca) = @_;
    return IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, Timeout => 5,
                                SSL_hostname => 'localhost', SSL_verifycn_name => 'localhost',
                                SSL_ca_file => $ca, SSL_verify_mode => SSL_VERIFY_PEER);
}

sub upgrade {
    my ($sock, $ca) = @_;
    return IO::Socket::SSL->start_SSL($sock, SSL_hostname => 'localhost', SSL_verifycn_name => 'localhost',
                                      SSL_ca_file => $ca, SSL_verify_mode => SSL_VERIFY_PEER, Timeout => 5);
}

# One line, or every line of a reply up to the one that matches $last.
sub line { my ($s) = @_; my $l = <$s>; return $l // '' }
sub reply {
    my ($s, $last) = @_;
    my $all = '';
    while (defined(my $l = <$s>)) { $all .= $l; last if $l =~ $last }
    return $all;
}
sub cmd { my ($s, $c, $last) = @_; print $s "$c\r\n"; return $last ? reply($s, $last) : line($s) }

# A pid is gone when it no longer exists or is a zombie nobody reaps.
sub pid_gone {
    my ($pid) = @_;
    open my $f, '<', "/proc/$pid/stat" or return 1;
    return (<$f> // '') =~ /^\d+ \(.*\) Z/s ? 1 : 0;
}

sub port_closed {
    my ($port) = @_;
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 2);
    return $c ? 0 : 1;
}

sub gone_ok {
    my ($name, $pids, $ports) = @_;
    ok(pid_gone($_), "$name: pid $_ gone after stop") for @$pids;
    ok(port_closed($_), "$name: port $_ closed after stop") for @$ports;
}

# Start a server and say how long it took.
sub started {
    my ($class, @o) = @_;
    my $t0 = time;
    my $s = $class->new(@o)->start;
    note(sprintf '%s up in %.2fs', $class, time - $t0);
    return $s;
}

sub stopped {
    my ($s) = @_;
    my $t0 = time;
    $s->stop;
    note(sprintf '%s down in %.2fs', ref $s, time - $t0);
}

subtest sshd => sub {
    my $s = started('Mamori::Server::Sshd', banner_extra => 'mamori-banner');
    my $c = tcp($s->port) or BAIL_OUT("sshd port: $!");
    like(line($c), qr/^SSH-2\.0-OpenSSH_\S+ .*mamori-banner\r\n$/, 'SSH-2.0 greeting carries the VersionAddendum');
    close $c;
    if ($s->ipv6) {
        my $c6 = tcp($s->port, '::1');
        like($c6 ? line($c6) : '', qr/^SSH-2\.0-/, 'listens on ::1 too');
    }
    my $r = run_prog([$s->ssh_argv('echo', 'logged-in')], timeout => 20);
    is($r->{exit}, 0, 'ssh login with the client key and the known_hosts file') or diag($r->{err});
    is($r->{out}, "logged-in\n", 'the remote command ran');
    like($s->known_hosts_line, qr/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 AAAA\S+$/, 'known_hosts line');
    # the fingerprint the server really presents, seen by ssh-keyscan
    my $scan = run_prog(['/bin/sh', '-c', "ssh-keyscan -t ed25519 -p ${\ $s->port} 127.0.0.1 2>/dev/null | ssh-keygen -l -E sha256 -f -"]);
    like($scan->{out}, qr/\Q${\ $s->host_key_fingerprint}\E/, 'host_key_fingerprint is what the server presents');
    my $bad = run_prog(['/usr/bin/ssh', '-p', $s->port, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
                        '-o', 'UserKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-F', '/dev/null',
                        '-i', $s->host_key, 'root@127.0.0.1', 'true'], timeout => 20);
    isnt($bad->{exit}, 0, 'another key is refused');
    my $pid = $s->pid;
    stopped($s);
    gone_ok('sshd', [$pid], [$s->port]);
};

subtest vsftpd => sub {
    my $s = started('Mamori::Server::Vsftpd');
    my $c = tcp($s->port('ftp')) or BAIL_OUT("vsftpd port: $!");
    like(line($c), qr/^220 /, 'FTP 220 greeting');
    like(cmd($c, 'USER anonymous'), qr/^331 /, 'anonymous USER');
    like(cmd($c, 'PASS x@example.com'), qr/^230 /, 'anonymous login');
    my ($h1, $h2, $h3, $h4, $p1, $p2) = cmd($c, 'PASV') =~ /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/;
    ok(defined $p1, 'passive mode');
    my $data = tcp($p1 * 256 + $p2, "$h1.$h2.$h3.$h4");
    like(cmd($c, 'RETR hello.txt'), qr/^150 /, 'RETR starts');
    is(join('', <$data>), "hello from mamori's vsftpd\n", 'the anonymous file arrives over the data connection');
    like(line($c), qr/^226 /, 'transfer complete');
    close $c;

    $c = tcp($s->port('ftp'));
    line($c);
    cmd($c, 'USER ' . $s->user);
    like(cmd($c, 'PASS wrong-password'), qr/^530 /, 'wrong password: 530');
    close $c;

    $c = tcp($s->port('ftp'));
    line($c);
    like(cmd($c, 'AUTH TLS'), qr/^234 /, 'AUTH TLS accepted');
    ok(upgrade($c, $s->cert), 'explicit TLS handshake, certificate verified') or diag($SSL_ERROR);
    like(cmd($c, 'USER ' . $s->user), qr/^331 /, 'local USER over TLS');
    like(cmd($c, 'PASS ' . $s->password), qr/^230 /, 'local user logs in over TLS');
    close $c;

    my $x = tls($s->port('ftps'), $s->cert);
    ok($x, 'implicit FTPS handshake') or diag($SSL_ERROR);
    like($x ? line($x) : '', qr/^220 /, 'FTPS 220 greeting inside TLS');
    close $x if $x;

    my @pids = $s->pids;
    is(scalar @pids, 2, 'two listeners (ftp, ftps)');
    my $user = $s->user;
    stopped($s);
    gone_ok('vsftpd', \@pids, [$s->port('ftp'), $s->port('ftps')]);
    ok(!getpwnam($user), "test account $user removed");
};

subtest postfix => sub {
    my $s = started('Mamori::Server::Postfix', auth => 1);
    my $c = tcp($s->port('smtp')) or BAIL_OUT("postfix port: $!");
    like(line($c), qr/^220 mamori\.localdomain ESMTP/, 'SMTP 220 greeting');
    my $ehlo = cmd($c, 'EHLO client.example', qr/^250 /);
    like($ehlo, qr/^250-mamori\.localdomain/m, 'EHLO answered');
    unlike($ehlo, qr/STARTTLS/, 'no STARTTLS on the plain smtp port');
    like($ehlo, qr/^250-AUTH PLAIN LOGIN/m, 'AUTH offered');
    like(cmd($c, 'AUTH PLAIN ' . encode_base64("\0" . $s->user . "\0" . $s->password, '')), qr/^235 /, 'AUTH PLAIN with the test user');
    like(cmd($c, 'QUIT'), qr/^221 /, 'QUIT');
    close $c;

    $c = tcp($s->port('smtp'));
    line($c);
    cmd($c, 'EHLO client.example', qr/^250 /);
    like(cmd($c, 'AUTH LOGIN'), qr/^334 VXNlcm5hbWU6/, 'AUTH LOGIN asks for the user');
    like(cmd($c, encode_base64($s->user, '')), qr/^334 /, 'then the password');
    like(cmd($c, encode_base64('wrong', '')), qr/^535 /, 'a wrong password: 535');
    close $c;

    $c = tcp($s->port('submission'));
    like(line($c), qr/^220 /, 'submission greeting');
    like(cmd($c, 'EHLO client.example', qr/^250 /), qr/^250-STARTTLS/m, 'submission offers STARTTLS');
    like(cmd($c, 'MAIL FROM:<a@example.com>'), qr/^530 /, 'and requires it');
    like(cmd($c, 'STARTTLS'), qr/^220 /, 'STARTTLS');
    ok(upgrade($c, $s->cert), 'TLS handshake, certificate verified') or diag($SSL_ERROR);
    like(cmd($c, 'EHLO client.example', qr/^250 /), qr/^250-AUTH/m, 'EHLO again inside TLS');
    close $c;

    my $x = tls($s->port('smtps'), $s->cert);
    ok($x, 'smtps: TLS from the first byte') or diag($SSL_ERROR);
    like($x ? line($x) : '', qr/^220 /, 'smtps greeting inside TLS');
    close $x if $x;

    my $t0 = time;
    my @ids = $s->enqueue(3);
    note(sprintf 'enqueue 3 in %.2fs', time - $t0);
    is(scalar @ids, 3, 'three messages deferred');
    is($s->queue_count, 3, 'queue_count');
    my $q = run_prog(['/usr/sbin/postqueue', '-c', $s->config_dir, '-p']);
    like($q->{out}, qr/in 3 Requests\.$/m, 'postqueue -p sees them');
    like($q->{out}, qr/^\Q$_\E\s/m, "queue id $_ listed") for @ids;
    $s->clear_queue;
    is($s->queue_count, 0, 'clear_queue empties it');
    ok(-d $s->queue_dir . '/deferred', 'queue_dir');

    my @pids = ($s->pid, $s->{dovecot}->pid);
    stopped($s);
    gone_ok('postfix', \@pids, [map { $s->port($_) } qw(smtp submission smtps)]);
};

subtest dovecot => sub {
    my $s = started('Mamori::Server::Dovecot', messages => 2);
    my $c = tcp($s->port('imap')) or BAIL_OUT("dovecot port: $!");
    like(line($c), qr/^\* OK .*STARTTLS/, 'IMAP * OK greeting with STARTTLS');
    like(cmd($c, 'a LOGIN ' . $s->user . ' wrong'), qr/^a NO /, 'a wrong password: NO');
    like(cmd($c, 'b LOGIN ' . $s->user . ' ' . $s->password, qr/^b /), qr/^b OK /m, 'IMAP login with the test user');
    like(cmd($c, 'c SELECT INBOX', qr/^c /), qr/^\* 2 EXISTS/m, 'INBOX holds the two messages');
    like(cmd($c, 'd LOGOUT', qr/^d /), qr/^\* BYE/m, 'LOGOUT');
    close $c;

    $c = tcp($s->port('imap'));
    line($c);
    like(cmd($c, 'a STARTTLS'), qr/^a OK /, 'IMAP STARTTLS');
    ok(upgrade($c, $s->cert), 'TLS handshake, certificate verified') or diag($SSL_ERROR);
    like(cmd($c, 'b CAPABILITY', qr/^b /), qr/AUTH=PLAIN/, 'CAPABILITY inside TLS');
    close $c;

    my $x = tls($s->port('imaps'), $s->cert);
    ok($x, 'imaps handshake') or diag($SSL_ERROR);
    like($x ? line($x) : '', qr/^\* OK /, 'imaps greeting inside TLS');

    $c = tcp($s->port('pop3'));
    like(line($c), qr/^\+OK /, 'POP3 +OK greeting');
    like(cmd($c, 'CAPA', qr/^\.\r?$/), qr/^STLS\r?$/m, 'CAPA lists STLS');
    cmd($c, 'USER ' . $s->user);
    like(cmd($c, 'PASS ' . $s->password), qr/^\+OK /, 'POP3 login');
    like(cmd($c, 'STAT'), qr/^\+OK 2 \d+/, 'STAT: two messages');
    close $c;

    $x = tls($s->port('pop3s'), $s->cert);
    ok($x, 'pop3s handshake') or diag($SSL_ERROR);
    like($x ? line($x) : '', qr/^\+OK /, 'pop3s greeting inside TLS');

    my $pid = $s->pid;
    stopped($s);
    gone_ok('dovecot', [$pid], [map { $s->port($_) } qw(imap imaps pop3 pop3s)]);
};

subtest 'bad servers' => sub {
    my $b = Mamori::BadServer->new('silent');
    my $c = tcp($b->port);
    ok(!IO::Select->new($c)->can_read(1), 'silent: nothing in a second');
    ok(!IO::Select->new($c)->can_read(0.1) && $b->connections == 1, 'silent: connection still open, counted');

    my $d = Mamori::BadServer->new('drip', greeting => "220 drip\r\n");
    $c = tcp($d->port);
    my $got = '';
    my $end = time + 2.5;
    while (time < $end) {
        next unless IO::Select->new($c)->can_read($end - time);
        sysread($c, my $buf, 100) or last;
        $got .= $buf;
    }
    ok(length $got >= 2 && length $got <= 4 && "220 drip\r\n" =~ /^\Q$got\E/, "drip: 2-4 bytes in 2.5s ('$got')");

    my $g = Mamori::BadServer->new('garbage', bytes => 1000);
    $c = tcp($g->port);
    $got = '';
    while (length $got < 1000 && IO::Select->new($c)->can_read(2)) { sysread($c, $got, 2000, length $got) or last }
    is(length $got, 1000, 'garbage: 1000 bytes');
    like($got, qr/\0/, 'garbage: binary');

    my $h = Mamori::BadServer->new('huge_line', prefix => '220 ');
    $c = tcp($h->port);
    my ($n, $nl) = (0, 0);
    while (IO::Select->new($c)->can_read(2)) {
        my $r = sysread($c, my $buf, 1 << 20) or last;
        $n += $r;
        $nl += ($buf =~ tr/\n//);
        last if $n >= 10 * 1024 * 1024 + 4;
    }
    is($n, 10 * 1024 * 1024 + 4, 'huge_line: 10 MB after the prefix');
    is($nl, 0, 'huge_line: no newline');

    my $m = Mamori::BadServer->new('close_mid_reply', greeting => "220 mamori.example ESMTP\r\n");
    $c = tcp($m->port);
    $got = join '', <$c>;
    is($got, '220 mamori.ex', 'close_mid_reply: half a greeting, then EOF');

    my $t = Mamori::BadServer->new('tls_garbage');
    my $t0 = time;
    my $x = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $t->port, Timeout => 5, SSL_verify_mode => SSL_VERIFY_NONE);
    ok(!$x && time - $t0 < 3, 'tls_garbage: the handshake fails at once') or diag($SSL_ERROR);
    like(($t->received)[0] // '', qr/^first byte 0x16/, 'tls_garbage got a TLS record');

    # an SMTP peer played exactly: multi-line greeting and EHLO, AUTH PLAIN and LOGIN, STARTTLS
    my $plain = encode_base64("\0user\0pass", '');
    my $smtp = Mamori::BadServer->new('banner', greeting => "220-first line\r\n220 mock ESMTP\r\n", script => [
        qr/^EHLO /i => "250-mock\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n",
        "AUTH PLAIN $plain" => "235 2.7.0 ok\r\n",
        'AUTH LOGIN' => "334 VXNlcm5hbWU6\r\n",
        encode_base64('user', '') => "334 UGFzc3dvcmQ6\r\n",
        encode_base64('pass', '') => "235 2.7.0 ok\r\n",
        STARTTLS => { reply => "220 go ahead\r\n", starttls => 1 },
        QUIT => { reply => "221 bye\r\n", close => 1 },
    ], else => "500 what\r\n");
    $c = tcp($smtp->port);
    is(reply($c, qr/^220 /), "220-first line\r\n220 mock ESMTP\r\n", 'banner: multi-line greeting');
    is(cmd($c, 'EHLO me', qr/^250 /), "250-mock\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n", 'banner: multi-line EHLO');
    is(cmd($c, "AUTH PLAIN $plain"), "235 2.7.0 ok\r\n", 'banner: AUTH PLAIN');
    is(cmd($c, 'AUTH LOGIN'), "334 VXNlcm5hbWU6\r\n", 'banner: AUTH LOGIN');
    is(cmd($c, encode_base64('user', '')), "334 UGFzc3dvcmQ6\r\n", 'banner: user');
    is(cmd($c, encode_base64('pass', '')), "235 2.7.0 ok\r\n", 'banner: password');
    is(cmd($c, 'HELP'), "500 what\r\n", 'banner: unmatched line gets else');
    is(cmd($c, 'STARTTLS'), "220 go ahead\r\n", 'banner: STARTTLS');
    ok(upgrade($c, $smtp->cert), 'banner: TLS after STARTTLS') or diag($SSL_ERROR);
    like(cmd($c, 'EHLO me', qr/^250 /), qr/^250 STARTTLS/m, 'banner: script goes on inside TLS');
    is(cmd($c, 'QUIT'), "221 bye\r\n", 'banner: QUIT');
    is(line($c), '', 'banner: closed after QUIT');
    is_deeply([$smtp->received], ['EHLO me', "AUTH PLAIN $plain", 'AUTH LOGIN', encode_base64('user', ''),
                                  encode_base64('pass', ''), 'HELP', 'STARTTLS', 'EHLO me', 'QUIT'],
              'banner: received() is what the client sent');

    my $imaps = Mamori::BadServer->new('banner', tls => 1, greeting => "* OK mock\r\n",
                                       script => [qr/^(\S+) LOGOUT/ => sub { "* BYE\r\n$_[1] OK done\r\n" }]);
    $x = tls($imaps->port, $imaps->cert);
    ok($x, 'banner tls => 1: implicit TLS') or diag($SSL_ERROR);
    is($x ? line($x) : '', "* OK mock\r\n", 'banner tls => 1: greeting inside TLS');
    is($x ? cmd($x, 'a1 LOGOUT', qr/^a1 /) : '', "* BYE\r\na1 OK done\r\n", 'banner: code reply');

    # a server outlives neither stop() nor the process that started it
    my @all = ($b, $d, $g, $h, $m, $t, $smtp, $imaps);
    my @ports = map { $_->port } @all;
    my @pids = map { $_->pid } @all;
    $_->stop for @all;
    ok(!grep({ !pid_gone($_) } @pids), 'all bad servers gone after stop');
    ok(!grep({ !port_closed($_) } @ports), 'all their ports closed');

    pipe(my $rd, my $wr) or die;
    my $kid = fork // die;
    if ($kid == 0) {
        my $o = Mamori::BadServer->new('silent');
        print $wr join(' ', $o->port, $o->pid, $o->{dir}), "\n";
        close $wr;
        POSIX::_exit(0);   # no stop, no DESTROY: the server must notice alone
    }
    close $wr;
    my ($oport, $opid, $odir) = split ' ', scalar <$rd>;
    waitpid($kid, 0);
    my $until = time + 3;
    sleep 0.1 until port_closed($oport) || time > $until;
    ok(port_closed($oport), 'orphaned bad server closes its port when its test is gone');
    File::Path::remove_tree($odir);   # its creator left without cleaning up
};

done_testing;
