# notify_call against a local Twilio Studio (Mamori::FakeTwilio, HTTPS with a
# test CA, basic auth checked) and a real SMTP server (aiosmtpd) for the
# nobody-confirmed mail: every keypad path, sequential and simultaneous,
# rounds, the skip interval across alerts, the runbook's ranges and limits,
# the mass-incident hold, and the exec provider with a small script.
use strict;
use warnings;
use utf8;
use Test::More;
use Encode qw(decode encode);
use File::Temp qw(tempdir);
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use MIME::QuotedPrint qw(decode_qp);
use Mamori::Test;
use Mamori::Server qw(write_file);
use Mamori::Server::Smtpd;
use Mamori::Certs;
use Mamori::FakeTwilio;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $build = $ENV{MAMORI_BUILD} // '.';
my $src = $ENV{MAMORI_SRC} // '.';
my $call = "$build/notifiers/notify_call";
-x $call or BAIL_OUT("$call is not built");

delete $ENV{$_} for grep { /^(NAGIOS|ICINGA)_/ } keys %ENV;
$ENV{TZ} = 'Asia/Tokyo';
$ENV{MAMORI_CONFIG} = '';

my $top = tempdir('mamori-call-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $ca = Mamori::Certs->new(dir => "$top/ca");
my ($cert, $key) = $ca->issue(cn => 'localhost');
my $smtp = Mamori::Server::Smtpd->new->start;

my ($ACC, $TOKEN, $FLOW) = ('AC' . ('1' x 32), 'tw-secret-token', 'FW' . ('a' x 32));
my $tw = Mamori::FakeTwilio->new(cert => $cert, key => $key, account => $ACC, token => $TOKEN, flow => $FLOW);

my $token_file = "$top/twilio.token";
write_file($token_file, "$TOKEN\n");
chmod 0600, $token_file;

# numbers and what each does when called
my %N = map { $_ => sprintf('+8150000000%02d', $_) } 1 .. 12;
$tw->script({
    $N{1} => { keys => '1', answer_after => 0.2, key_gap => 0.2 },
    $N{2} => { keys => '31', answer_after => 0.2, key_gap => 0.2 },
    $N{3} => { keys => '5*', answer_after => 0.2, key_gap => 0.2 },
    $N{4} => { nokey => 1, answer_after => 0.2, key_gap => 0.2 },
    $N{5} => { voicemail => 1, answer_after => 0.2 },
    $N{6} => { busy => 1, answer_after => 0.2 },
    $N{7} => { noanswer => 1, answer_after => 0.2 },
    $N{8} => { keys => '1', answer_after => 6 },        # answers long after the answer wait
    $N{9} => { ring => 1 },
    $N{10} => { keys => '1', answer_after => 0.8, key_gap => 0.2 },
});

my $n_state = 0;
sub config {
    my (%o) = @_;
    my $text = <<"EOF";
[mail]
from = monitor\@example.com
to = ops\@example.com

[smtp test]
url = smtp://127.0.0.1:${\ $smtp->port}
timeout = 5

[twilio]
account_sid = $ACC
auth_token_file = @{[ $o{token_file} // $token_file ]}
flow_sid = $FLOW
from = +815099999999
base_url = @{[ $tw->url ]}
cainfo = @{[ $ca->ca_file ]}
timeout = 5

[call]
poll_interval = 0.1
@{[ $o{call} // '' ]}
@{[ $o{extra} // '' ]}
EOF
    my $f = "$top/config-" . ++$n_state . '.ini';
    write_file($f, $text);
    chmod 0600, $f;
    return $f;
}

my @alert = ('--host', 'web01', '--address', '192.0.2.10', '--service', 'HTTP', '--state', 'CRITICAL',
             '--type', 'PROBLEM', '--output', 'HTTP CRITICAL - 503', '--no-flush');

# Run notify_call with a fresh state dir (unless given); returns the result
# and the state dir.
sub run_call {
    my (%o) = @_;
    my $state = $o{state} // tempdir('st-XXXXXX', DIR => $top);
    my $cfg = $o{config} // config(%o);
    my $r = run_prog([$call, '--config', $cfg, @{ $o{args} // \@alert }, @{ $o{more} // [] }],
                     timeout => 60, env => { MAMORI_STATE_DIR => $state, %{ $o{env} // {} } });
    return ($r, $state);
}

sub audit {
    my ($state) = @_;
    open my $f, '<', "$state/audit.log" or return [];
    return [map { decode_json($_) } <$f>];
}

sub mails {
    my @m;
    for my $m ($smtp->messages) {
        my ($head, $body) = split /\r\n\r\n/, $m->{data}, 2;
        (my $h = $head) =~ s/\r\n[ \t]/ /g;
        my ($subject) = $h =~ /^Subject: (.*?)\r?$/mi;
        my ($cte) = $h =~ /^Content-Transfer-Encoding: (\S+)/mi;
        my $raw = lc($cte // '') eq 'base64' ? decode_base64($body)
                : lc($cte // '') eq 'quoted-printable' ? decode_qp($body) : $body;
        $raw =~ s/\r\n/\n/g;
        push @m, { subject => decode('MIME-Header', $subject // ''), body => decode('UTF-8', $raw),
                   rcpt => $m->{rcpt} };
    }
    $smtp->clear;
    return @m;
}

sub tos { [map { $_->{to} } @{ $tw->executions }] }

sub start {
    $tw->clear;
    $smtp->clear;
}

# --- the shipped Studio flow: importable, and it says what the code reads ---
{
    my $flow = do { local $/; open my $f, '<', "$src/contrib/twilio/mamori-call-flow.json" or die; decode_json(<$f>) };
    my %st = map { $_->{name} => $_ } @{ $flow->{states} };
    is($flow->{initial_state}, 'Trigger', 'flow: starts at the Trigger');
    my @dangling = grep { !$st{$_} } map { $_->{next} // () } map { @{ $_->{transitions} } } values %st;
    is_deeply(\@dangling, [], 'flow: every transition leads to a state');
    my ($req) = grep { $_->{event} eq 'incomingRequest' } @{ $st{Trigger}{transitions} };
    is($req->{next}, 'call_user', 'flow: a REST API execution places the call');
    is($st{call_user}{type}, 'make-outgoing-call-v2', 'flow: Make Outgoing Call v2');
    is($st{call_user}{properties}{machine_detection}, 'Enable', 'flow: answering-machine detection on');
    is($st{call_user}{properties}{to}, '{{contact.channel.address}}', 'flow: To from the execution');
    for my $g (qw(gather gather_en)) {
        is($st{$g}{type}, 'gather-input-on-call', "flow: $g gathers");
        is($st{$g}{properties}{number_of_digits}, 1, "flow: $g takes one key");
        is($st{$g}{properties}{say}, '{{flow.data.message}}', "flow: $g says the message");
        isnt($st{$g}{properties}{finish_on_key}, '*', "flow: $g can gather *");
    }
    is($st{gather}{properties}{language}, 'ja-JP', 'flow: Japanese speech');
    my %result = map { $_->{name} => $_->{properties}{variables}[0]{value} } grep { $_->{type} eq 'set-variables' && $_->{name} =~ /^set_/ } values %st;
    is_deeply([sort values %result], [sort qw(confirmed refused nokey voicemail busy noanswer failed)],
              'flow: the results notify_call understands');
    my %next = map { ($_->{conditions}[0]{value} // 'noMatch') => $_->{next} } @{ $st{split_digits}{transitions} };
    is($result{ $next{1} }, 'confirmed', 'flow: 1 confirms');
    is($result{ $next{'*'} }, 'refused', 'flow: * is a failure');
    is($next{noMatch}, 'count_repeat', 'flow: other keys say the message again');
    my ($to) = grep { $_->{event} eq 'timeout' } @{ $st{gather}{transitions} };
    is($result{ $to->{next} }, 'nokey', 'flow: no key is a failure');
}

# --- presses 1 -------------------------------------------------------------
start();
my ($r, $st) = run_call(more => ['--callee', $N{1}]);
is($r->{exit}, 0, 'key 1: exit 0') or diag($r->{out}, $r->{err});
like($r->{out}, qr/^notify_call: confirmed by \Q@{[$N{1}]}\E/, 'key 1: confirmed');
my $x = $tw->executions;
is(scalar @$x, 1, 'one execution started');
is($x->[0]{to}, $N{1}, 'To is the callee');
is($x->[0]{from}, '+815099999999', 'From is the configured number');
is($x->[0]{params}{lang}, 'ja-JP', 'Japanese speech by default');
like($x->[0]{params}{message}, qr/監視システムからのお知らせです。サーバ web01 の HTTP 警報/, 'the call-ja message');
ok(!(grep { !$_->{auth} } @{ $tw->requests }), 'every request carried the right basic auth');
ok((grep { $_->{method} eq 'GET' && $_->{path} =~ m{/Context$} } @{ $tw->requests }), 'the context was polled');
is(scalar(mails()), 0, 'no mail when someone confirmed');
my ($a1) = grep { $_->{channel} eq 'call' } @{ audit($st) };
is($a1->{result}, 'sent', 'audit: the confirmed call');
is($a1->{target}, $N{1}, 'audit: the number');
like($a1->{via} // '', qr/^twilio:FN/, 'audit: the execution');

# --- 3 then 1 ----------------------------------------------------------------
start();
($r) = run_call(more => ['--callee', $N{2}]);
is($r->{exit}, 0, 'keys 3 then 1: confirmed') or diag($r->{out});

# --- each failure path: nobody confirms, a mail says so -------------------
for my $case ([3, 'refused', '通話中断 \(キーパッド \*\)'], [4, 'nokey', 'キーパッド操作なし'],
              [5, 'voicemail', '留守番電話'], [6, 'busy', '話し中'], [7, 'noanswer', '応答なし']) {
    my ($i, $word, $ja) = @$case;
    start();
    ($r, $st) = run_call(more => ['--callee', $N{$i}]);
    is($r->{exit}, 2, "$word: nobody confirmed, exit 2") or diag($r->{out}, $r->{err});
    like($r->{out}, qr/round 1 \Q@{[$N{$i}]}\E: $word/, "$word: the result");
    my @m = mails();
    is(scalar @m, 1, "$word: one mail arrived");
    is($m[0]{subject}, '【web01】 HTTP警報 自動架電に応答がありませんでした', "$word: the subject");
    like($m[0]{body}, qr/1巡目 \Q@{[$N{$i}]}\E: $ja/, "$word: the call result in the mail");
    like($m[0]{body}, qr/【サーバ名】\nweb01\n/, "$word: runbook 004's alert mail follows");
    is_deeply($m[0]{rcpt}, ['ops@example.com'], "$word: to [mail] to=");
}

# --- answers only after the answer wait: ended by us -------------------------
start();
($r) = run_call(more => ['--callee', $N{8}, '--answer-wait', '1']);
is($r->{exit}, 2, 'late answer: not confirmed');
like($r->{out}, qr/\Q@{[$N{8}]}\E: noanswer/, 'late answer: noanswer');
$x = $tw->executions;
ok($x->[0]{ended_by_client}, 'late answer: the execution was ended (Status=ended)');
mails();

# --- sequential: the second confirms, the third is never called --------------
start();
($r) = run_call(more => ['--callee', "$N{5},$N{2}", '--callee', $N{1}]);
is($r->{exit}, 0, 'sequential: confirmed') or diag($r->{out});
like($r->{out}, qr/confirmed by \Q@{[$N{2}]}\E/, 'sequential: by the second');
is_deeply(tos(), [$N{5}, $N{2}], 'sequential: first called first, third never called');
is(scalar(mails()), 0, 'sequential: no mail');

# --- simultaneous: the first confirmer ends the others -----------------------
start();
($r) = run_call(more => ['--callee', "$N{9},$N{10},$N{9}", '--mode', 'simultaneous']);
# the same number twice is two callees: both ring
is($r->{exit}, 0, 'simultaneous: confirmed') or diag($r->{out});
$x = $tw->executions;
is(scalar @$x, 3, 'simultaneous: all three called at once');
my ($conf) = grep { $_->{to} eq $N{10} } @$x;
my @others = grep { $_->{to} ne $N{10} } @$x;
ok(!$conf->{ended_by_client}, 'simultaneous: the confirmer ended by itself');
is(scalar(grep { $_->{ended_by_client} } @others), 2, 'simultaneous: the others got Status=ended');
my @ends = grep { $_->{method} eq 'POST' && ($_->{form}{Status} // '') eq 'ended' } @{ $tw->requests };
is(scalar @ends, 2, 'simultaneous: two POST Status=ended');
like($r->{out}, qr/\Q@{[$N{9}]}\E: cancelled/, 'simultaneous: the others are cancelled');

# --- rounds: retries=1 calls the list twice, then the mail -------------------
start();
($r) = run_call(more => ['--callee', "$N{4},$N{6}", '--retries', '1']);
is($r->{exit}, 2, 'retries: nobody confirmed');
is_deeply(tos(), [$N{4}, $N{6}, $N{4}, $N{6}], 'retries: two rounds in list order');
my @m = mails();
is(scalar @m, 1, 'retries: one mail');
like($m[0]{body}, qr/2巡目 \Q@{[$N{6}]}\E: 話し中/, 'retries: the second round is in the mail');

# --- skip interval: a second alert within it skips that callee ---------------
start();
my $shared = tempdir('st-XXXXXX', DIR => $top);
($r) = run_call(state => $shared, more => ['--callee', $N{1}]);
is($r->{exit}, 0, 'skip: first alert confirmed');
my @other_alert = map { $_ eq 'HTTP' ? 'SMTP' : $_ } @alert;
($r) = run_call(state => $shared, args => \@other_alert, more => ['--callee', "$N{1},$N{2}"]);
is($r->{exit}, 0, 'skip: another alert confirmed by the next callee') or diag($r->{out});
like($r->{out}, qr/\Q@{[$N{1}]}\E: skipped - last called/, 'skip: the first callee was skipped');
is_deeply(tos(), [$N{1}, $N{2}], 'skip: the first callee was called once only');
ok((grep { $_->{result} eq 'skipped' } @{ audit($shared) }), 'skip: audited');
($r) = run_call(state => $shared, args => \@other_alert, more => ['--callee', $N{1}]);
is($r->{exit}, 0, 'skip: everyone skipped: nothing to do');
like($r->{out}, qr/within the skip interval/, 'skip: said so');
is(scalar @{ tos() }, 2, 'skip: no new call');
is(scalar(mails()), 0, 'skip: no mail');

# --- the runbook's ranges and limits ------------------------------------------
for my $bad (['--retries', '11'], ['--retries', '-1'], ['--answer-wait', '0'], ['--answer-wait', '181'],
             ['--skip-interval', '2'], ['--skip-interval', '1441'], ['--mode', 'random'],
             ['--callee', join(',', map { $N{$_} } 1 .. 11)], ['--callee', 'nobody'], ['--lang', 'fr']) {
    ($r) = run_call(more => ['--callee', $N{1}, @$bad]);
    is($r->{exit}, 3, "@$bad: exit 3");
    like($r->{out}, qr/UNKNOWN - .*(range|at most 10|sequential|not a number|ja or en)/, "@$bad: the reason");
}
($r) = run_call(more => ['--callee', $N{1}], call => 'answer_wait = 200');
is($r->{exit}, 3, 'answer_wait=200 in the config: exit 3');
start();
($r) = run_call(more => ['--callee', join(',', map { $N{$_} } 1 .. 10), '--dry-run']);
is($r->{exit}, 0, 'ten numbers are fine');
is(scalar @{ tos() }, 0, '--dry-run calls nobody');

# --- a wrong token: the call cannot be placed, the mail goes ------------------
start();
my $bad_token = "$top/bad.token";
write_file($bad_token, "wrong\n");
chmod 0600, $bad_token;
($r) = run_call(more => ['--callee', $N{1}], token_file => $bad_token);
is($r->{exit}, 2, 'bad token: not confirmed');
like($r->{out}, qr/failed - HTTP 401 .*Authenticate/, 'bad token: 401 Authenticate');
is(scalar(mails()), 1, 'bad token: the mail went');
chmod 0644, $bad_token;
($r) = run_call(more => ['--callee', $N{1}], token_file => $bad_token);
is($r->{exit}, 3, 'a token file readable by others is refused');

# --- English by option ---------------------------------------------------------
start();
($r) = run_call(more => ['--callee', $N{5}, '--lang', 'en']);
is($r->{exit}, 2, 'en: voicemail');
is($tw->executions->[0]{params}{lang}, 'en-US', 'en: en-US speech');
like($tw->executions->[0]{params}{message}, qr/^This is the monitoring system\. Server web01/, 'en: the call-en message');
@m = mails();
is($m[0]{subject}, '[web01] HTTP alert: nobody answered the automatic calls', 'en: the mail subject');

# --- mass incident: calls held, one broadcast mail -----------------------------
start();
my $mass_state = tempdir('st-XXXXXX', DIR => $top);
my $mass_cfg = config(extra => "[mass]\nthreshold = 2\nminutes = 10\nto = emergency\@example.com\n");
my @codes;
for my $i (1 .. 4) {
    my @a = map { $_ eq 'HTTP' ? "SVC$i" : $_ } @alert;
    ($r) = run_call(state => $mass_state, config => $mass_cfg, args => \@a,
                    more => ['--callee', $N{1}, '--skip-interval', '3']);
    push @codes, $r->{exit};
    like($r->{out}, qr/calls held/, "mass: alert $i held") if $i >= 3;
}
is_deeply(\@codes, [0, 0, 0, 0], 'mass: every run exits 0');
# the first alert's call blocks the second by the skip interval: one execution
is(scalar @{ tos() }, 1, 'mass: no call once the mass incident started');
@m = mails();
is(scalar @m, 1, 'mass: one broadcast mail');
is_deeply($m[0]{rcpt}, ['emergency@example.com'], 'mass: to the emergency list');
is($m[0]{subject}, '【大規模障害】 警報多発のご連絡', 'mass: the subject');
ok((grep { $_->{result} eq 'held' } @{ audit($mass_state) }), 'mass: held calls audited');

# --- a silence window (静観) holds the calls; contact names ------------------
start();
my $quiet = tempdir('st-XXXXXX', DIR => $top);
write_file("$quiet/silence.json", encode_json({ version => 1, windows => [
    { id => 'w1', host => 'web01', alerts => [], start => time - 60, end => time + 3600, comment => 'maintenance',
      created => time - 60 } ] }));
($r, $st) = run_call(state => $quiet, more => ['--callee', $N{1}]);
is($r->{exit}, 0, 'silence: exit 0') or diag($r->{out}, $r->{err});
like($r->{out}, qr/silenced by window w1/, 'silence: said so');
is(scalar @{ tos() }, 0, 'silence: nobody called');
ok((grep { $_->{result} eq 'silenced' } @{ audit($st) }), 'silence: audited');
($r) = run_call(more => ['--callee', 'oncall'], extra => "[contact oncall]\nphone = +81 50-0000-0001\n");
is($r->{exit}, 0, 'contact name: confirmed') or diag($r->{out});
is_deeply(tos(), [$N{1}], 'contact name: its phone= number, normalised');

# --- --background: the engine gets its answer at once, the calls go on ---------
start();
($r, $st) = run_call(more => ['--callee', "$N{7},$N{10}", '--background']);
is($r->{exit}, 0, 'background: exit 0 at once') or diag($r->{out}, $r->{err});
like($r->{out}, qr/^notify_call: calling in the background \(pid \d+/, 'background: said so');
cmp_ok($r->{secs}, '<', 1.0, 'background: did not wait for the calls (the output pipe was let go)');
my $done;
for (1 .. 100) {
    last if ($done) = grep { $_->{channel} eq 'call' && $_->{result} eq 'sent' } @{ audit($st) };
    select undef, undef, undef, 0.1;
}
ok($done, 'background: the campaign went on and someone confirmed');
is($done->{target} // '', $N{10}, 'background: the second callee, after the first');

# --- the exec provider -----------------------------------------------------------
start();
my $log = "$top/exec.log";
my $prog = "$top/pbx-call";
write_file($prog, <<"EOF");
#!/usr/bin/perl
# a pretend PBX: records its argv, answers per number
use strict;
open my \$l, '>>', '$log' or die;
print \$l join("\\x1f", \@ARGV), "\\n";
close \$l;
\$| = 1;
my \$n = \$ARGV[0];
if (\$n =~ /01\$/) { print "answered\\n"; select undef, undef, undef, 0.2; print "31\\n" }
elsif (\$n =~ /02\$/) { print "answered\\n5*\\n" }
elsif (\$n =~ /03\$/) { print "voicemail\\n" }
elsif (\$n =~ /04\$/) { sleep 30 }
elsif (\$n =~ /05\$/) { print "answered\\n"; select undef, undef, undef, 0.3; print "\\n" }
exit 0;
EOF
chmod 0755, $prog;
my @hostile = ('--output', q{it's "bad" $(touch /tmp/mamori-pwned) `id` <&>});
($r, $st) = run_call(more => ['--provider', 'exec', '--exec', $prog, '--callee', join(',', map { $N{$_} } 2, 3, 4, 5, 1),
                              '--answer-wait', '1', @hostile]);
is($r->{exit}, 0, 'exec: confirmed in the end') or diag($r->{out}, $r->{err});
like($r->{out}, qr/\Q@{[$N{2}]}\E: refused - keys 5\*/, 'exec: 5 then * is a failure');
like($r->{out}, qr/\Q@{[$N{3}]}\E: voicemail/, 'exec: voicemail');
like($r->{out}, qr/\Q@{[$N{4}]}\E: noanswer/, 'exec: no answer within the wait: ended');
like($r->{out}, qr/\Q@{[$N{5}]}\E: failed - the program printed no result/, 'exec: no output is a failure');
like($r->{out}, qr/confirmed by \Q@{[$N{1}]}\E/, 'exec: 3 then 1 confirms');
open my $lf, '<:encoding(UTF-8)', $log or die;
my @calls = map { chomp; [split /\x1f/] } <$lf>;
close $lf;
is(scalar @calls, 5, 'exec: five calls, in order');
is($calls[0][0], $N{2}, 'exec: the number is argv[1]');
like($calls[0][1], qr/^監視システムからのお知らせです。.*it's "bad" \$\(touch \/tmp\/mamori-pwned\) `id` <&>/,
     'exec: the message reaches the program intact');
is($calls[0][2], 'ja-JP', 'exec: the language');
is($calls[0][3], '1', 'exec: the answer wait');
ok(!-e '/tmp/mamori-pwned', 'exec: never a shell');
is(scalar(mails()), 0, 'exec: no mail');

# simultaneous exec: the confirmer ends the sleeper
start();
($r) = run_call(more => ['--provider', 'exec', '--exec', $prog, '--callee', "$N{4},$N{1}", '--mode', 'simultaneous',
                         '--answer-wait', '30']);
is($r->{exit}, 0, 'exec simultaneous: confirmed');
like($r->{out}, qr/\Q@{[$N{4}]}\E: cancelled/, 'exec simultaneous: the other call ended');
cmp_ok($r->{secs}, '<', 10, 'exec simultaneous: did not wait for the sleeper');

# stopped here, not at global destruction (where a child's status could
# become the test's exit code)
$tw->stop;
$smtp->stop;
done_testing();
