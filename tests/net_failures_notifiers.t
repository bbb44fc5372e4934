# The network failure table of the programs that are not checks:
# notify_mail (SMTP), notify_chat (Slack, Chatwork, Teams), notify_call
# (Twilio), recover and lib/remote (SSH), mamori mail2alert and mamori
# silence (the Icinga 2 API). Each bad server (closed port, silent, a
# byte a second, binary garbage, 10 MB without a newline, a close in
# mid-reply, garbage TLS) ends within the program's own bound with a
# one-line reason; a message is spooled (notifiers) or the mail kept
# (mail2alert), never lost; no crash, no sanitizer report (run_prog).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time);
use Mamori::Test;
use Mamori::BadServer;
use Mamori::Server qw(free_port write_file);

my $SLACK = $ENV{MAMORI_VALGRIND} ? 5 : 0.5;
delete $ENV{$_} for grep { /^(NAGIOS|ICINGA)_/ || /_proxy\z/i } keys %ENV;
$ENV{MAMORI_CONFIG} = '';
my $top = tempdir('mamori-netfail-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $closed = free_port();
my %count;

sub bounded {
    my ($prog, $r, $name, $bound) = @_;
    note(sprintf "%s %s: exit %s in %.2f s: %s", $prog, $name, $r->{exit}, $r->{secs}, $r->{out} . $r->{err});
    ok($r->{secs} < $bound + $SLACK, sprintf('%s %s: ended in %.2f s (bound %s s)', $prog, $name, $r->{secs}, $bound));
    ok(!$r->{timed_out} && $r->{signal} == 0, "$prog $name: ended by itself");
}
sub spooled {
    my ($state) = @_;
    return map { decode_json(do { local $/; open my $f, '<', $_ or die; <$f> }) } glob("$state/spool/*.json");
}
# Run argv with FILE on standard input (run_prog gives /dev/null), as an MTA's pipe does.
sub feed {
    my ($in, $env, @argv) = @_;
    my $out = "$in.out";
    my $t0 = time;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        %ENV = (%ENV, %$env);
        open STDIN, '<', $in or POSIX::_exit(9);
        open STDOUT, '>', "$out.1" or POSIX::_exit(9);
        open STDERR, '>', "$out.2" or POSIX::_exit(9);
        exec_argv(@argv);
    }
    my $timed_out = 0;
    until (waitpid($pid, POSIX::WNOHANG()) == $pid) {
        if (time - $t0 > 20) { kill 'KILL', $pid; waitpid($pid, 0); $timed_out = 1; last }
        Time::HiRes::sleep(0.02);
    }
    my $st = $?;
    my $slurp = sub { open my $f, '<', $_[0] or return ''; local $/; my $t = <$f>; $t // '' };
    my $r = { exit => ($st & 127) ? -1 : $st >> 8, signal => $st & 127, timed_out => $timed_out,
              out => $slurp->("$out.1"), err => $slurp->("$out.2"), secs => time - $t0 };
    fail("no sanitizer or valgrind report from $argv[0]") and diag($r->{err})
        if $r->{err} =~ $REPORT_RX;
    return $r;
}

my @alert = ('--host', 'web01', '--service', 'HTTP', '--state', 'CRITICAL', '--type', 'PROBLEM',
             '--output', 'HTTP CRITICAL - 503', '--no-flush');

# HTTP answers for the HTTP clients: whole, dripped, cut, huge
my $JSON_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
my $BODY = '{"ok":true,"sid":"FN00000000000000000000000000000000","status":"active","pad":"' . ('x' x 200) . '"}';
sub http_servers {
    my (%o) = @_;
    my @tls = $o{tls} ? (tls => 1) : ();
    return (
        closed => undef,
        silent => Mamori::BadServer->new('silent', @tls),
        drip => Mamori::BadServer->new('drip', @tls, greeting => "${JSON_HEAD}Content-Length: " . length($BODY) . "\r\n\r\n$BODY"),
        garbage => Mamori::BadServer->new('garbage', @tls),
        '10 MB header' => Mamori::BadServer->new('huge_line', @tls, prefix => "HTTP/1.1 200 OK\r\nX-Junk: "),
        '10 MB body' => Mamori::BadServer->new('huge_line', @tls, prefix => "${JSON_HEAD}Content-Length: 10485760\r\n\r\n"),
        'close mid-body' => Mamori::BadServer->new('close_mid_reply', @tls,
                                                   greeting => "${JSON_HEAD}Content-Length: " . length($BODY) . "\r\n\r\n$BODY"),
        'garbage TLS' => Mamori::BadServer->new('tls_garbage'),
    );
}
sub url_of {
    my ($k, $s, $tls) = @_;
    return ($tls || $k eq 'garbage TLS' ? 'https' : 'http') . '://127.0.0.1:' . ($s ? $s->port : $closed);
}

# ---- notify_mail: each bad SMTP server; the mail is spooled ----------------
{
    my $notify = bin('notify_mail');
    my %smtp = (
        closed => undef,
        silent => Mamori::BadServer->new('silent'),
        drip => Mamori::BadServer->new('drip', greeting => "220 mx ESMTP\r\n"),
        garbage => Mamori::BadServer->new('garbage'),
        '10 MB greeting' => Mamori::BadServer->new('huge_line', prefix => '220 '),
        'close mid-greeting' => Mamori::BadServer->new('close_mid_reply', greeting => "220 mx.example ESMTP ready\r\n"),
        'garbage TLS' => Mamori::BadServer->new('tls_garbage'),
        'silent after DATA' => Mamori::BadServer->new('banner', greeting => "220 mx ESMTP\r\n", script => [
            qr/^EHLO/ => "250 mx\r\n", qr/^MAIL FROM/ => "250 ok\r\n", qr/^RCPT TO/ => "250 ok\r\n",
            DATA => "354 go ahead\r\n", qr/^/ => '' ]),
        'close after DATA' => Mamori::BadServer->new('banner', greeting => "220 mx ESMTP\r\n", script => [
            qr/^EHLO/ => "250 mx\r\n", qr/^MAIL FROM/ => "250 ok\r\n", qr/^RCPT TO/ => "250 ok\r\n",
            DATA => { reply => "354 go ahead\r\n", close => 1 } ]),
    );
    for my $k (sort keys %smtp) {
        my $s = $smtp{$k};
        my $url = ($k eq 'garbage TLS' ? 'smtps' : 'smtp') . '://127.0.0.1:' . ($s ? $s->port : $closed);
        my $state = tempdir(DIR => $top);
        my $r = run_prog([$notify, '--smtp', $url, '--smtp-timeout', 1, '-r', 'ops@example.com', @alert],
                         timeout => 20, env => { MAMORI_STATE_DIR => $state });
        $count{notify_mail}++;
        is($r->{exit}, 2, "notify_mail $k: exit 2 (spooled)") or diag($r->{out}, $r->{err});
        like($r->{out}, qr/\Anotify_mail: not sent to ops\@example\.com, spooled as \S+ for `mamori spool flush`: \Q$url\E: [^\n]+\n\z/,
             "notify_mail $k: one line with the reason") or diag($r->{out});
        my @sp = spooled($state);
        is(scalar @sp, 1, "notify_mail $k: the mail is in the spool");
        my ($id) = $r->{out} =~ /spooled as (\S+)/;
        like($sp[0]{payload}{data} // '', qr/^Message-ID: <\Q${\ ($id \/\/ '?')}\E\@/m,
             "notify_mail $k: the spooled mail is the rendered one, with the id the line names");
        # the wait for the reply to "." ignored --smtp-timeout (120 s, past --timeout: the mail was lost)
        like($r->{out}, qr/: server response timeout$/, "notify_mail $k: the reason") if $k eq 'silent after DATA';
        bounded('notify_mail', $r, $k, 1);
    }
}

# ---- notify_chat: Slack for every kind, Chatwork and Teams too ------------
{
    my $notify = bin('notify_chat');
    my $secret = 'Zq9secretHookPart';
    # curl's code for a 300 kB header was "Out of memory"; a 10 MB body was read to the timeout
    my %chat_reason = ('10 MB header' => qr/: the response headers are larger than curl accepts/,
                       '10 MB body' => qr/: the answer is larger than 1048576 bytes$/m,
                       silent => qr/: no answer within 1\.0s$/m);
    my %srv = http_servers();
    for my $k (sort keys %srv) {
        my $s = $srv{$k};
        my $u = url_of($k, $s);
        my $state = tempdir(DIR => $top);
        my $cfg = "$state/mamori.ini";
        write_file($cfg, "[slack]\nwebhook_url = $u/services/T0001/B0002/$secret\ntimeout = 1\n"
                         . "[chatwork]\ntoken = cw-token\nroom_id = 4242\nbase_url = $u/v2\ntimeout = 1\n"
                         . "[teams]\nwebhook_url = $u/workflows/f00d/triggers/manual/paths/invoke\ntimeout = 1\n");
        chmod 0600, $cfg;
        my @prov = $k =~ /^(silent|close mid-body|10 MB header)$/ ? () : ('--provider', 'slack:');
        my $r = run_prog([$notify, '--config', $cfg, @alert, @prov, '--timeout', 3], timeout => 20,
                         env => { MAMORI_STATE_DIR => $state });
        $count{notify_chat}++;
        my $n = @prov ? 1 : 3;
        is($r->{exit}, 2, "notify_chat $k: exit 2 (spooled)") or diag($r->{out}, $r->{err});
        my @lines = split /\n/, $r->{out};
        is(scalar(grep { /^notify_chat: not sent to (slack|chatwork|teams), spooled as \S+ for `mamori spool flush`: \S/ } @lines),
           $n, "notify_chat $k: $n one-line reasons") or diag($r->{out});
        unlike($r->{out}, qr/Out of memory/, "notify_chat $k: curl's own words, not its code's");
        unlike($r->{out} . $r->{err}, qr/\Q$secret\E/, "notify_chat $k: the webhook's secret path is never printed");
        is(scalar(my @sp = spooled($state)), $n, "notify_chat $k: $n posts in the spool");
        like($r->{out}, $chat_reason{$k}, "notify_chat $k: the reason") if $chat_reason{$k};
        bounded('notify_chat', $r, $k, 3);
    }
}

# ---- notify_call: Twilio's base URL to bad servers; the mail is spooled ----
{
    my $call = bin('notify_call');
    my %srv = http_servers();
    for my $k (sort keys %srv) {
        my $s = $srv{$k};
        my $state = tempdir(DIR => $top);
        write_file("$state/token", "tok\n");
        chmod 0600, "$state/token";
        my $cfg = "$state/mamori.ini";
        write_file($cfg, "[mail]\nfrom = m\@example.com\nto = ops\@example.com\n[smtp x]\nurl = smtp://127.0.0.1:$closed\ntimeout = 1\n"
                         . "[twilio]\naccount_sid = AC" . ('0' x 32) . "\nauth_token_file = $state/token\nflow_sid = FW" . ('0' x 32)
                         . "\nfrom = +815099999999\nbase_url = " . url_of($k, $s) . "\ntimeout = 1\n"
                         . "[call]\npoll_interval = 0.1\ncallees = +815000000001\nanswer_wait = 2\n");
        chmod 0600, $cfg;
        my $r = run_prog([$call, '--config', $cfg, @alert, '--timeout', 6], timeout => 20, env => { MAMORI_STATE_DIR => $state });
        $count{notify_call}++;
        is($r->{exit}, 2, "notify_call $k: exit 2 (nobody confirmed, the mail spooled)") or diag($r->{out}, $r->{err});
        like($r->{out}, qr/^notify_call: nobody confirmed \(/, "notify_call $k: says nobody confirmed") or diag($r->{out});
        like($r->{out}, qr/^  round 1 \+815000000001: failed - http\S+: [^\n]*\S$/m, "notify_call $k: the call's one-line reason")
            or diag($r->{out});
        unlike($r->{out}, qr/Out of memory/, "notify_call $k: curl's own words");
        like($r->{out}, qr/Executions: the response headers are larger than curl accepts/, "notify_call $k: the reason")
            if $k eq '10 MB header';
        is(scalar(my @sp = spooled($state)), 1, "notify_call $k: the nobody-confirmed mail is in the spool");
        # each request is bounded by [twilio] timeout (1 s); the run by --timeout
        bounded('notify_call', $r, $k, 6);
        cmp_ok($r->{secs}, '<', 3 + $SLACK, "notify_call $k: the request timeout held ($r->{secs} s)");
    }
}

# ---- lib/remote through remote_tool: bad SSH servers -----------------------
{
    my $tool = bin('remote_tool');
    write_file("$top/key", "not a key\n");
    chmod 0600, "$top/key";
    write_file("$top/known_hosts", '');
    my %ssh = (
        silent => [Mamori::BadServer->new('silent'), qr/^timeout$/],
        drip => [Mamori::BadServer->new('drip', greeting => "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), qr/^timeout$/],
        garbage => [Mamori::BadServer->new('garbage'), qr/^protocol$/],
        '10 MB banner' => [Mamori::BadServer->new('huge_line', prefix => 'SSH-2.0-'), qr/^(timeout|protocol)$/],
        'close mid-banner' => [Mamori::BadServer->new('close_mid_reply', greeting => "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
                               qr/^(protocol|connect)$/],
        'garbage after the banner' => [Mamori::BadServer->new('banner', greeting => "SSH-2.0-OpenSSH_9.2\r\n\0\0\0\x0c\xff\xfe junk junk"),
                                       qr/^(protocol|timeout)$/],
    );
    for my $k (sort keys %ssh) {
        my ($s, $want) = @{ $ssh{$k} };
        my $r = run_prog([$tool, '--host', '127.0.0.1', '--port', $s->port, '--user', 'u', '--key', "$top/key",
                          '--known-hosts', "$top/known_hosts", '--timeout', 2, '--', 'true'], timeout => 20);
        $count{remote}++;
        my %kv = map { /^(\S+) ?(.*)$/ ? ($1 => $2) : () } split /\n/, $r->{out};
        like($kv{error} // '', $want, "remote $k: error kind " . ($kv{error} // 'none')) or diag($r->{out});
        like($kv{reason} // '', qr/^\S[^\n]*$/, "remote $k: a one-line reason ($kv{reason})");
        is($r->{exit}, 1, "remote $k: nothing ran");
        bounded('remote', $r, $k, 2);
    }
}

# ---- recover: the host's SSH port misbehaves: refused and escalated --------
{
    require Mamori::RecoverRig;
    my $rig = Mamori::RecoverRig->new;
    my $port = free_port();
    $rig->runbook('http', <<"EOF");
[runbook]
description = test service behind a bad SSH port
alert = port_HTTP
[verify]
ports = $port
listen = yes
protocol = http
wait = 2
interval = 0.2
[action]
via = ssh
variant = nginx
[detect]
nginx = true
[variant nginx]
restart = true
EOF
    my $drip = Mamori::BadServer->new('drip', greeting => "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    my $silent = Mamori::BadServer->new('silent');
    my $garbage = Mamori::BadServer->new('garbage');
    for my $c (['silent', $silent], ['dripping banner', $drip], ['garbage', $garbage]) {
        my ($k, $s) = @$c;
        my $cfg = $rig->config(file => "bad-$k.ini", hosts => "[host web1]\nssh_port = " . $s->port . "\n");
        my $text = do { local $/; open my $f, '<', $cfg or die; <$f> };
        $text =~ s/^timeout = 10$/timeout = 2/m;   # [ssh]: connect + handshake + login
        write_file($cfg, $text);
        $rig->rec->clear;
        my $r = $rig->recover('http', '--state', 'CRITICAL', '--state-type', 'HARD', '--attempt', 3, '-H', 'web1',
                              '-a', '127.0.0.1', '--service', "HTTP-$k", { config => $cfg, timeout => 60 });
        $count{recover}++;
        like($r->{out}, qr/(refused|escalated|unverifiable)/, "recover $k: refused or escalated") or diag($r->{out}, $r->{err});
        is(scalar $rig->rec->level(2), 1, "recover $k: escalated once (level 2)");
        is(scalar $rig->rec->level(1), 0, "recover $k: no recovery claimed");
        my ($ssh) = $rig->audit_of("HTTP-$k", 'ssh');
        like($ssh && $ssh->{outcome} // '', qr/^(timeout|protocol)$/, "recover $k: the audit names the SSH failure")
            or diag(explain([$rig->audit_of("HTTP-$k")]));
        # every SSH attempt is bounded by [ssh] timeout; the run ends long before the deadline
        bounded('recover', $r, $k, 10);
    }
}

# ---- mail2alert and silence: the Icinga 2 API misbehaves ---------------------
{
    my $mamori = bin('mamori');
    my %srv = (http_servers(tls => 1), closed => undef);
    my $dir = tempdir(DIR => $top);
    write_file("$dir/api.pw", "pw\n");
    write_file("$dir/ups.token", "ups-T0ken-9\n");
    chmod 0600, "$dir/api.pw", "$dir/ups.token";
    my $mail = "From: nas01 <admin\@nas.example.jp>\r\nSubject: UPS event\r\nMessage-ID: <m1\@nas.example.jp>\r\n"
             . "Content-Type: text/plain; charset=us-ascii\r\n\r\nUPS alarm: battery low\r\n\r\nauth ups-T0ken-9\r\n";
    write_file("$dir/mail.eml", $mail);
    for my $k (sort keys %srv) {
        my $s = $srv{$k};
        my $u = 'https://localhost:' . ($s ? $s->port : $closed);
        # a CA file that loads (the TLS servers' certificate) also where TLS fails
        my $ca = $s && $s->cert ? $s->cert : $srv{silent}->cert;
        my $ini = "$dir/$k.ini";
        write_file($ini, "[engine]\ntype = icinga2\nurl = $u\nca = $ca\nuser = mamori\npassword_file = $dir/api.pw\ntimeout = 1\n\n"
                         . "[rule ups]\nbody = ^UPS\\s+alarm:\\s*(?<what>.+)\$\nsenders = \@nas.example.jp\nauth = none\n"
                         . "token_file = $dir/ups.token\nhost = nas01\nstate = 2\noutput = UPS \${what}\n");
        my $state = tempdir(DIR => $top);
        my $t0 = time;
        my $r = feed("$dir/mail.eml", { MAMORI_STATE_DIR => $state }, $mamori, 'mail2alert', '--config', $ini);
        $count{mail2alert}++;
        is($r->{exit}, 75, "mail2alert $k: exit 75 (the MTA retries)") or diag($r->{out}, $r->{err});
        like($r->{err}, qr/\A[^\n]*\S\n\z/, "mail2alert $k: a one-line reason") or diag($r->{err});
        my @kept = glob("$state/mail2alert/failed/new/*");
        is(scalar @kept, 1, "mail2alert $k: the mail is kept under failed/");
        my $kept = @kept ? do { local $/; open my $f, '<', $kept[0] or die; <$f> } : '';
        like($kept, qr/UPS alarm: battery low/, "mail2alert $k: whole");
        like($r->{err}, qr/: the response headers are larger than curl accepts/, "mail2alert $k: the reason")
            if $k eq '10 MB header';
        bounded('mail2alert', $r, $k, 1 + 0.5);

        # mamori silence goes through the same client (lib/engine_submit): a few kinds
        next if $k eq 'drip' || $k eq '10 MB body' || $k eq 'garbage';
        local $ENV{MAMORI_STATE_DIR} = $state;
        $r = run_prog([$mamori, 'silence', 'add', '--config', $ini, '--host', 'nas01', '--end', '+1h',
                       '--comment', 'maintenance'], timeout => 20);
        $count{silence}++;
        is($r->{exit}, 1, "silence add $k: exit 1 (the engine did not take the downtime)") or diag($r->{out}, $r->{err});
        like($r->{err}, qr/\A[^\n]*\S\n\z/, "silence add $k: a one-line reason") or diag($r->{err});
        my $l = run_prog([$mamori, 'silence', 'list', '--json']);
        is(scalar @{ (eval { decode_json($l->{out}) }) // [] }, 1, "silence add $k: the window is stored all the same");
        bounded('silence', $r, $k, 1 + 0.5);
    }
}

diag(join ', ', map { "$_ $count{$_}" } sort keys %count);
done_testing;
