# notify_chat against local HTTPS stand-ins of Slack's incoming webhooks,
# Chatwork API v2 and a Teams Workflows webhook (Mamori::FakeChat keeps
# their documented request/response contracts): runbook 004 5-4's format,
# the 1024-character log summary, hostile macro values, 429 with
# Retry-After (short: honoured; long: spooled, not hammered), 5xx, slow
# answers, permanent refusals, one provider failing alone, `mamori spool
# flush` delivering exactly once, TLS verification, proxy, and the time
# of one post.
use strict;
use warnings;
use utf8;
use Test::More;
use Encode qw(decode encode);
use File::Temp qw(tempdir);
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);
use Mamori::Test;
use Mamori::Server qw(free_port write_file);
use Mamori::Certs;
use Mamori::FakeChat;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $build = $ENV{MAMORI_BUILD} // '.';
my $notify = "$build/notifiers/notify_chat";
-x $notify or BAIL_OUT("$notify is not built");
my $mamori = bin('mamori');

my $state = tempdir('mamori-chat-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my %env = (TZ => 'Asia/Tokyo', MAMORI_STATE_DIR => $state, MAMORI_CONFIG => '');
$ENV{$_} = $env{$_} for keys %env;
delete $ENV{$_} for grep { /^(NAGIOS|ICINGA)_/ || /_proxy\z/i } keys %ENV;

my $ca = Mamori::Certs->new(dir => "$state/ca");
my ($cert, $key) = $ca->issue(cn => 'localhost');
my ($other, undef) = $ca->self_signed(cn => 'localhost');
my $fake = Mamori::FakeChat->new(cert => $cert, key => $key, token => 'cw-secret-token', room => 4242);
my $base = $fake->base;
my $plain = Mamori::FakeChat->new(tls => 0);   # a provider base URL may be plain HTTP (a local relay)
my $T_DETECT = 1763860620;   # 2025年11月23日 10時17分 JST

my $hook_secret = 'Zq9secretHookPart';
write_file("$state/slack.url", "$base/services/T0001/B0002/$hook_secret\n");
write_file("$state/cw.token", "cw-secret-token\n");
chmod 0600, "$state/slack.url", "$state/cw.token";
my $dead = free_port();
my $proxy = Mamori::FakeChat->proxy;   # CONNECT only, as libcurl uses for https://
write_file("$state/loose.url", "$base/services/T0001/B0002/$hook_secret\n");
chmod 0644, "$state/loose.url";
my $cfg = "$state/mamori.ini";
write_file($cfg, <<"EOF");
[chat]
ca_file = @{[ $ca->ca_file ]}
[slack]
webhook_url_file = $state/slack.url
timeout = 5
[chatwork]
token_file = $state/cw.token
room_id = 4242
base_url = $base/v2
[teams]
webhook_url = $base/workflows/f00d/triggers/manual/paths/invoke
[slack gone]
webhook_url = $base/services/nothing-here
[chatwork badtoken]
token = not-the-token
room_id = 4242
base_url = $base/v2
[slack viaproxy]
webhook_url = $base/services/T0001/B0002/$hook_secret
proxy = http://127.0.0.1:$dead
[slack plain]
webhook_url = @{[ $plain->base ]}/services/T0001/B0002/$hook_secret
[slack proxied]
webhook_url = $base/services/T0001/B0002/$hook_secret
proxy = @{[ $proxy->base ]}
[slack loose]
webhook_url_file = $state/loose.url
[slack untrusted]
webhook_url = $base/services/T0001/B0002/$hook_secret
ca_file = $other
EOF
chmod 0600, $cfg;

my @web01 = ('--config', $cfg, '--host', 'web01', '--service', 'HTTP', '--state', 'CRITICAL', '--type', 'PROBLEM',
             '--output', 'HTTP CRITICAL - 503', '--datetime', $T_DETECT, '--value', '95%');
my @main3 = ('--provider', 'slack:', '--provider', 'chatwork:', '--provider', 'teams:');
# the unlabelled sections only ("KIND:" = [KIND] itself)

sub run_notify {
    my @args = map { utf8::is_utf8($_) ? encode('UTF-8', $_) : $_ } @_;
    return run_prog([$notify, @args], timeout => 40);
}

sub flush {
    my $r = run_prog([$mamori, 'spool', 'flush', '--config', $cfg], timeout => 60);
    return $r;
}

sub spooled { my ($r) = @_; return [ $r->{out} =~ /spooled as (\S+) for/g ] }

sub drop_all {
    opendir my $d, "$state/spool" or return;
    for (grep { /^\d{8}T\d{6}Z-[0-9a-f]{16}\.json\z/ } readdir $d) {
        (my $id = $_) =~ s/\.json\z//;
        run_prog([$mamori, 'spool', 'drop', '--config', $cfg, $id]);
    }
}

# --- runbook 004 5-4 format to all three, contracts kept ---------------------
my $expect = '発生 web01 HTTP 95% 高 2025年11月23日 10時17分 ';
{
    $fake->clear;
    my $r = run_notify(@web01, @main3, '--no-flush', '--log', 'ERROR: disk full');
    is($r->{exit}, 0, 'three providers: exit 0') or diag($r->{out}, $r->{err});
    is(() = $r->{out} =~ /^notify_chat: sent to /mg, 3, 'one "sent" line per provider');
    unlike($r->{out}, qr/\Q$hook_secret\E/, 'the webhook URL (a secret) is never printed');
    my @req = $fake->requests;
    is(scalar @req, 3, 'three requests');
    my %by = map { $_->{provider} => $_ } @req;
    is($by{slack}{message}{text}, $expect . 'ERROR: disk full', 'Slack: runbook 004 5-4 line');
    is($by{slack}{message}{raw}{blocks}[0]{text}{type}, 'mrkdwn', 'Slack: section block with mrkdwn');
    like($by{slack}{headers}{'content-type'}, qr{^application/json}, 'Slack: JSON content type');
    is($by{chatwork}{message}{body}, "[info][title]発生 web01 HTTP[/title]${expect}ERROR: disk full[/info]",
       'Chatwork: [info][title] markup around the runbook line');
    is($by{chatwork}{headers}{'x-chatworktoken'}, 'cw-secret-token', 'Chatwork: token header from token_file');
    is($by{chatwork}{path}, '/v2/rooms/4242/messages', 'Chatwork: room path');
    my $card = $by{teams}{message};
    is($card->{body}[0]{text}, '発生 web01 HTTP', 'Teams: title block');
    is($card->{body}[1]{text}, $expect . 'ERROR: disk full', 'Teams: text block');
    is_deeply([map { "$_->{title}=$_->{value}" } @{ $card->{body}[2]{facts} }],
              ['発生イベント=発生', 'ノード名=web01', '警報名=HTTP', '検知データ=95%', '警報レベル=高',
               '検知時間=2025年11月23日 10時17分', 'ログのサマリ=ERROR: disk full'], 'Teams: FactSet of the runbook fields');
    ok(!grep({ $_->{answer} !~ /^20[02]\z/ } @req), 'every request answered 200/202');

    # recovery in English, ongoing
    $fake->clear;
    $r = run_notify(@web01, '--provider', 'slack:', '--no-flush', '--type', 'RECOVERY', '--state', 'OK', '--lang', 'en');
    is($r->{exit}, 0, 'English recovery sent');
    is(($fake->delivered('slack'))[0]{text}, 'RECOVERY web01 HTTP 95% low 2025-11-23 10:17 JST', 'chat-en line');
    $fake->clear;
    run_notify(@web01, '--provider', 'slack:', '--no-flush', '--number', '3');
    like(($fake->delivered('slack'))[0]{text}, qr/^継続中 web01/, 'a re-notification is 継続中');
}

# --- the log summary: at most 1024 characters, never half a character --------
{
    $fake->clear;
    my $long = join('', map { ('ログ', 'é', '😀', 'x')[$_ % 4] } 1 .. 1500);
    my $r = run_notify(@web01, '--provider', 'teams:', '--no-flush', '--log', $long);
    is($r->{exit}, 0, 'long log sent');
    my ($card) = $fake->delivered('teams');
    my ($fact) = grep { $_->{title} eq 'ログのサマリ' } @{ $card->{body}[2]{facts} };
    is(length $fact->{value}, 1024, '--log cut at 1024 characters');
    is($fact->{value}, substr($long, 0, 1024), '... the first 1024 characters, intact');

    # check_load/check_mem/check_disk put their top lists in the long output
    $fake->clear;
    my $top = join("\n", map { "$_: プロセス$_ 😀 cpu 12.5%" } 1 .. 200);
    $r = run_notify(@web01, '--provider', 'slack:', '--no-flush', '--long-output', $top);
    my ($m) = $fake->delivered('slack');
    is($m->{text}, $expect . substr($top, 0, 1024), 'no --log: the long output is the summary, cut at 1024');
}

# --- hostile macro values arrive intact (invalid UTF-8 as U+FFFD) -------------
{
    my $tpl = "$state/hostile.txt";
    write_file($tpl, "H=\${HOST}\nO=\${OUTPUT}\nV=\${VALUE}\n");
    my $nasty = qq{q"uo'te \\back\\slash\nnew line <b>&amp; <!channel> 😀 日本語 \$(id) `id`};
    $fake->clear;
    my $r = run_notify(@web01, @main3, '--no-flush', '--template', $tpl, '--host', 'web<01>&',
                       '--output', $nasty, '--value', encode('UTF-8', '9€') . "\xff\xfe" . '%');
    is($r->{exit}, 0, 'hostile values: sent') or diag($r->{out}, $r->{err});
    my $want = "H=web<01>&\nO=$nasty\nV=9€\x{FFFD}\x{FFFD}%";
    is(($fake->delivered('slack'))[0]{text}, $want, 'Slack: intact after &lt;&gt;&amp; decoding');
    is(($fake->delivered('chatwork'))[0]{body}, "[info][title]発生 web<01>& HTTP[/title]$want\[/info]",
       'Chatwork: intact through the form encoding');
    is(($fake->delivered('teams'))[0]{body}[1]{text}, $want, 'Teams: intact in the card');
}

# --- 429 with a short Retry-After: waited for, then sent -----------------------
{
    $fake->clear;
    $fake->script({ status => 429, retry_after => 2 });
    my $r = run_notify(@web01, '--provider', 'slack:', '--no-flush');
    is($r->{exit}, 0, 'Slack 429 Retry-After 2: sent in the end') or diag($r->{out});
    my @req = $fake->requests;
    is(scalar @req, 2, 'two requests');
    cmp_ok($req[1]{time} - $req[0]{time}, '>=', 1.95, 'the second came after Retry-After');
    is(scalar $fake->delivered, 1, 'delivered once');

    $fake->clear;
    $fake->script({ status => 429, reset_in => 2 });
    $r = run_notify(@web01, '--provider', 'chatwork:', '--no-flush');
    is($r->{exit}, 0, 'Chatwork 429 with X-RateLimit-Reset: sent in the end') or diag($r->{out});
    @req = $fake->requests;
    is(scalar @req, 2, 'two requests');
    cmp_ok($req[1]{time} - $req[0]{time}, '>=', 0.95, 'the second came after the reset time');

    # Retry-After may be an HTTP-date (RFC 9110 10.2.3)
    $fake->clear;
    $fake->script({ status => 429, retry_after => POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime(time + 2)) });
    $r = run_notify(@web01, '--provider', 'teams:', '--no-flush');
    is($r->{exit}, 0, 'Teams 429 with an HTTP-date Retry-After: sent in the end') or diag($r->{out});
    @req = $fake->requests;
    is(scalar @req, 2, 'two requests');
    cmp_ok($req[1]{time} - $req[0]{time}, '>=', 0.95, 'the second came after that date');
}

# --- 429 with a long Retry-After: spooled, not hammered, flushed later --------
{
    $fake->clear;
    $fake->script({ status => 429, retry_after => 4 });
    my $r = run_notify(@web01, '--provider', 'teams:', '--no-flush', '--timeout', '2');
    is($r->{exit}, 2, 'Teams 429 Retry-After 4 beyond --timeout 2: spooled (exit 2)') or diag($r->{out});
    like($r->{out}, qr/rate limited \(429\)/, 'the line says rate limited');
    my $id1 = spooled($r)->[0];
    $r = run_notify(@web01, '--provider', 'teams:', '--timeout', '2', '--value', 'second');
    is($r->{exit}, 2, 'a second notification inside the window is spooled too');
    is(scalar $fake->requests, 1, 'no request while the Retry-After window lasts (flush included)');
    my $f = flush();
    like($f->{out}, qr/^sent 0, failed 2/m, 'a flush inside the window sends nothing') or diag($f->{out}, $f->{err});
    is(scalar $fake->requests, 1, '... and asks nothing');
    my ($first) = $fake->requests;
    sleep 0.1 while time < $first->{time} + 4.4;   # Retry-After counts from the answer
    $f = flush();
    like($f->{out}, qr/^sent 2, failed 0/m, 'after the window: flush sends both') or diag($f->{out}, $f->{err});
    my @d = $fake->delivered('teams');
    is(scalar @d, 2, 'each delivered once');
    is_deeply([sort map { $_->{body}[2]{facts}[3]{value} } @d], ['95%', 'second'], 'the two messages');
    ok(-f "$state/spool/sent/$id1.json", 'moved to sent/');
    $f = flush();
    like($f->{out}, qr/^sent 0, failed 0/m, 'a second flush sends nothing');
    is(scalar $fake->delivered, 2, 'exactly once');
}

# --- 5xx: retried within the run, else spooled; one provider failing alone ---
{
    $fake->clear;
    $fake->script({ status => 503 });
    my $r = run_notify(@web01, '--provider', 'chatwork:', '--no-flush');
    is($r->{exit}, 0, 'one 503, then accepted: sent');
    is(scalar $fake->requests, 2, 'retried once');
    is(scalar $fake->delivered, 1, 'delivered once');

    $fake->clear;
    $fake->script(map { { status => 500, provider => 'slack' } } 1 .. 5);
    $r = run_notify(@web01, '--provider', 'slack:', '--no-flush', '--timeout', '3');
    is($r->{exit}, 2, 'Slack 500 throughout: spooled (exit 2)') or diag($r->{out});
    my $n = $fake->requests;
    ok($n >= 2 && $n <= 3, "retried, boundedly ($n requests)");

    # one provider failing spools only that one
    $fake->clear;
    $fake->script(map { { status => 502, provider => 'slack' } } 1 .. 5);
    $r = run_notify(@web01, @main3, '--no-flush', '--timeout', '4');
    $fake->script();
    is($r->{exit}, 2, 'all three, Slack failing: exit 2') or diag($r->{out});
    is(() = $r->{out} =~ /^notify_chat: sent to /mg, 2, 'the other two were sent');
    is(scalar @{ spooled($r) }, 1, 'only the failing one was spooled');
    is(scalar $fake->delivered('slack'), 0, 'nothing reached Slack yet');
    my $f = flush();
    like($f->{out}, qr/^sent 2, failed 0/m, 'flush sends the two Slack messages') or diag($f->{out}, $f->{err});
    is(scalar $fake->delivered('slack'), 2, 'Slack got them');
    $f = flush();
    like($f->{out}, qr/^sent 0, failed 0/m, 'second flush: nothing');
    is(scalar $fake->delivered('slack'), 2, 'exactly once');
}

# --- slow answers beyond the request timeout ---------------------------------
{
    $fake->clear;
    $fake->script({ hang => 8 });
    my $t0 = time;
    my $r = run_notify(@web01, '--provider', 'chatwork:', '--no-flush', '--request-timeout', '1', '--timeout', '3');
    my $took = time - $t0;
    is($r->{exit}, 2, 'no answer within the timeout: spooled') or diag($r->{out});
    like($r->{out}, qr/no answer within/, 'the line says so');
    cmp_ok($took, '<', 3.5, 'bounded by --timeout');
    my $f = flush();
    like($f->{out}, qr/^sent 1, failed 0/m, 'flush delivers it');
    is(scalar $fake->delivered('chatwork'), 1, 'once');
}

# --- permanent refusals, TLS, proxy: reported, spooled anyway ----------------
{
    $fake->clear;
    my $r = run_notify(@web01, '--provider', 'slack:gone', '--no-flush');
    is($r->{exit}, 3, 'Slack 404 no_service: exit 3') or diag($r->{out});
    like($r->{out}, qr/404 no_service/, 'the line names no_service');
    like($r->{out}, qr/spooled as/, 'spooled anyway, nothing is lost');
    is(scalar $fake->requests, 1, 'not retried');

    $fake->clear;
    $r = run_notify(@web01, '--provider', 'chatwork:badtoken', '--no-flush');
    is($r->{exit}, 3, 'Chatwork bad token: exit 3');
    like($r->{out}, qr/401: Invalid API token/, 'the line says why');

    $r = run_notify(@web01, '--provider', 'slack:untrusted', '--no-flush');
    is($r->{exit}, 2, 'a certificate from an untrusted issuer: not sent');
    like($r->{out}, qr/SSL|certificate/i, 'the line says TLS');
    $r = run_notify(@web01, '--provider', 'slack:viaproxy', '--no-flush', '--timeout', '3');
    is($r->{exit}, 2, 'a dead proxy: not sent (the proxy is used)');
    like($r->{out}, qr/proxy/i, 'the line names the proxy');
    is(scalar(grep { $_->{provider} eq 'slack' } $fake->requests), 0, 'neither reached the server');
    drop_all();

    $r = run_notify(@web01, '--provider', 'irc', '--no-flush');
    is($r->{exit}, 3, 'unknown provider kind: exit 3');
    $r = run_notify(@web01, '--provider', 'teams:nope', '--no-flush');
    is($r->{exit}, 3, 'unknown section: exit 3');
}

# --- proxy: from the config, and from libcurl's environment variables ------
{
    $fake->clear;
    my $r = run_notify(@web01, '--provider', 'slack:proxied', '--no-flush');
    is($r->{exit}, 0, 'through the configured proxy: sent') or diag($r->{out});
    is_deeply([$proxy->tunnels], ['127.0.0.1:' . $fake->port], 'the proxy tunnelled it (CONNECT)');
    is(scalar $fake->delivered('slack'), 1, 'delivered once');
    $proxy->clear;
    $fake->clear;
    $r = run_prog([$notify, @web01, '--provider', 'chatwork:', '--no-flush'], env => { https_proxy => $proxy->base });
    is($r->{exit}, 0, 'through https_proxy from the environment: sent') or diag($r->{out});
    is_deeply([$proxy->tunnels], ['127.0.0.1:' . $fake->port], 'the environment proxy tunnelled it');
}

# --- Icinga 2's script options, silence, secrets, Slack's block limit -------
{
    $fake->clear;
    my $r = run_notify('--config', $cfg, '--provider', 'slack:', '--no-flush', '-l', 'db01', '-e', 'MySQL', '-s',
                       'WARNING', '-t', 'PROBLEM', '-o', 'slow queries', '-d', $T_DETECT, '-v', 'true');
    is($r->{exit}, 0, "Icinga 2's -l -e -s -t -o -d -v options") or diag($r->{out}, $r->{err});
    is(($fake->delivered('slack'))[0]{text}, '発生 db01 MySQL  中 2025年11月23日 10時17分', '... rendered');

    my $add = run_prog([$mamori, 'silence', 'add', '--host', 'quiet01', '--end', '+1h', '--comment', 'maintenance']);
    is($add->{exit}, 0, 'a silence window for quiet01') or diag($add->{out}, $add->{err});
    $fake->clear;
    $r = run_notify('--config', $cfg, '--provider', 'slack:', '--no-flush', '--host', 'quiet01', '--service', 'HTTP',
                    '--state', 'CRITICAL', '--type', 'PROBLEM');
    is($r->{exit}, 0, 'silenced: exit 0');
    like($r->{out}, qr/silenced by window/, 'the line says silenced');
    is(scalar $fake->requests, 0, 'nothing posted inside the window');

    $r = run_notify(@web01, '--provider', 'slack:loose', '--no-flush');
    is($r->{exit}, 3, 'a webhook_url_file readable by others is refused');
    like($r->{out}, qr/loose\.url/, '... naming the file');
    is(scalar $fake->requests, 0, '... and nothing is posted');
    drop_all();

    my $tpl = "$state/long.txt";
    write_file($tpl, "\${OUTPUT}\n");
    my $out = join('', map { ('a', '<', '日')[$_ % 3] } 1 .. 4000);
    $fake->clear;
    $r = run_notify(@web01, '--provider', 'slack:', '--no-flush', '--template', $tpl, '--output', $out);
    is($r->{exit}, 0, 'a 4000-character Slack message: sent') or diag($r->{out});
    my ($m) = $fake->delivered('slack');
    is($m->{text}, $out, 'the top-level text is whole');
    cmp_ok(length $m->{raw}{blocks}[0]{text}{text}, '<=', 3000, "the section block keeps to Slack's 3000");
}

# --- dry run, audit log, no secret at rest ------------------------------------
{
    $fake->clear;
    my $r = run_notify(@web01, @main3, '--dry-run');
    is($r->{exit}, 0, '--dry-run');
    is(scalar $fake->requests, 0, '--dry-run sends nothing');
    like($r->{out}, qr/"provider": "chatwork"/, '--dry-run prints the payloads');
    open my $a, '<', "$state/audit.log" or die "audit.log: $!";
    my @lines = map { decode_json($_) } <$a>;
    ok((grep { $_->{channel} eq 'chat' && $_->{result} eq 'sent' && $_->{via} =~ m{^https://127\.0\.0\.1:\d+\z} }
        @lines), 'audit: chat sends with the origin as via');
    my $all = do { local $/; open my $f, '<', "$state/audit.log"; <$f> };
    for my $dir ("$state/spool", "$state/spool/sent") {
        opendir my $d, $dir or next;
        $all .= do { local $/; open my $f, '<', "$dir/$_"; <$f> } for grep { /\.json\z/ } readdir $d;
    }
    unlike($all, qr/\Q$hook_secret\E|cw-secret-token/, 'no webhook URL or token in the audit log or the spool');
}

# --- performance: one post to a loopback webhook ------------------------------
# Plain HTTP: over TLS the time is the Perl stand-in's handshake (a fork and
# IO::Socket::SSL per connection; the curl command line takes as long).
{
    my @t;
    for (1 .. 20) {
        my $t0 = time;
        my $r = run_notify(@web01, '--provider', 'slack:plain', '--no-flush');
        push @t, (time - $t0) * 1000;
        $r->{exit} == 0 or diag($r->{out});
    }
    is(scalar $plain->delivered('slack'), 20, 'twenty posts over plain HTTP');
    @t = sort { $a <=> $b } @t;
    my $median = ($t[9] + $t[10]) / 2;
    note(sprintf 'one Slack post to a loopback webhook: median %.1f ms (min %.1f, max %.1f) of 20', $median, $t[0], $t[-1]);
    cmp_ok($median, '<=', 500, 'median wall time of a post (50 ms target; generous bound for loaded machines)');
}

# --- fuzz_chat_judge: an answer's line breaks (before a NUL, too) never
# split the reason, for each provider ---------------------------------------
for my $c (['slack', "invalid_payload\nSecond: line\r\n"], ['teams', "bad\nSecond: line" . ("\0" x 130)],
           ['chatwork', qq({"errors":["Invalid\\nSecond: line"]})]) {
    my ($p, $body) = @$c;
    $fake->clear;
    $fake->script({ status => 400, body => $body, provider => $p });
    my $r = run_notify(@web01, '--provider', "$p:", '--no-flush');
    $fake->script();
    like($r->{out} . $r->{err}, qr/answered 400/, "fuzz_chat_judge: ${p}'s 400 is reported") or diag($r->{out}, $r->{err});
    unlike($r->{out} . $r->{err}, qr/^Second: line/m, "fuzz_chat_judge: ${p}'s reason stays on one line");
}
drop_all();

done_testing;
