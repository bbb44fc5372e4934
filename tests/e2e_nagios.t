# End to end through a real Nagios 4 (issue 8): the generated
# mamori-commands.cfg, a real nginx checked by mamori_check_http, its
# event handler mamori_recover_http restarting it over a real sshd on
# loopback, the engine's notifications through mamori_notify_mail (to a
# real SMTP server) and mamori_notify_chat (to a local Slack webhook).
# Kill nginx -> SOFT, SOFT, HARD -> event handler -> restart -> OK ->
# recovery mails (runbook 000 from recover's level 1, the engine's
# RECOVERY) and chat posts. Nagios runs with intervals in seconds.
use strict;
use warnings;
use utf8;
use Test::More;
use Encode qw(decode);
use MIME::Base64 qw(decode_base64);
use MIME::QuotedPrint qw(decode_qp);
use POSIX qw(strftime);
use Time::HiRes qw(time sleep);
use Mamori::Server qw(write_file wait_port);
use Mamori::Server::Nginx;
use Mamori::Server::Smtpd;
use Mamori::FakeChat;
use Mamori::Recorder qw(start_script kill_pid pid_from gone);
use Mamori::RecoverRig;
use Mamori::Engines;

binmode(Test::More->builder->$_, ':utf8') for qw(output failure_output todo_output);
$ENV{TZ} = 'Asia/Tokyo';
delete $ENV{$_} for grep { /^(NAGIOS|ICINGA)_/ || /_proxy\z/i } keys %ENV;

my $rig = Mamori::RecoverRig->new;
my $t = $rig->t;
my $lib = Mamori::Engines::progdir($t);
my $smtp = Mamori::Server::Smtpd->new->start;
my $chat = Mamori::FakeChat->new(tls => 0);

# ---- the service: a real nginx, restarted by the test's start script ----
my $ng = Mamori::Server::Nginx->new;
$ng->file('index.html', "hello\n");
$ng->start;
my $port = $ng->port;
my $nd = $ng->dir;
start_script(path => "$t/start_nginx", pidfile => "$nd/started.pid", counter => "$nd/starts",
             log => "$nd/restart.out",
             argv => ['/usr/sbin/nginx', '-c', "$nd/nginx.conf", '-p', "$nd/", '-e', "$nd/error.log"]);
# the built-in http runbook, its restart pointed at the start script
$rig->runbook('http', <<"EOF");
[runbook]
description = test nginx
alert = port_HTTP
[verify]
ports = $port
listen = yes
protocol = http
wait = 15
interval = 0.2
[action]
via = ssh
variant = nginx
[detect]
nginx = test -x /usr/sbin/nginx
[variant nginx]
restart = $t/start_nginx
EOF
# recover.ini: the rig's (test sshd, recorder) plus runbook 000's level 1
# mail through the real notify_mail, as the built-in default sends it
$rig->config(hosts => <<"EOF");
level1 = $lib/notify_mail --type RECOVERY --kind recovery --template mail-000-ja --host \${HOST} --address \${ADDRESS} --service \${SERVICE} --state OK --alert \${ALERT} --datetime \${DETECTED_EPOCH} --action \${ACTION} --output \${SUMMARY} -r ops
EOF
my $recover_ini = "$t/recover.ini";

# mamori.ini of the notifiers: the SMTP server, the Slack webhook
my $hook = $chat->base . '/services/T0001/B0002/e2eSecretHook';
write_file("$t/mamori.ini", <<"EOF");
[mail]
from = nagios\@example.com
to = oncall\@example.com
[smtp local]
url = smtp://127.0.0.1:${\ $smtp->port}
timeout = 10
[contact ops]
email = ops\@example.com
[slack]
webhook_url = $hook
timeout = 10
EOF
chmod 0600, "$t/mamori.ini";

# ---- Nagios: the generated commands (plugindir -> the build's programs) ----
my $objects = Mamori::Engines::nagios_commands($lib) . <<"EOF";
define timeperiod {
	timeperiod_name	always
	alias		always
	sunday		00:00-24:00
	monday		00:00-24:00
	tuesday		00:00-24:00
	wednesday	00:00-24:00
	thursday	00:00-24:00
	friday		00:00-24:00
	saturday	00:00-24:00
}
define contact {
	contact_name			oncall
	email				oncall\@example.com
	host_notification_period	always
	service_notification_period	always
	host_notification_options	n
	service_notification_options	w,c,u,r
	host_notification_commands	mamori_notify_mail
	service_notification_commands	mamori_notify_mail,mamori_notify_chat
}
define host {
	host_name		web01
	address			127.0.0.1
	check_command		mamori_check_tcp!-H \$HOSTADDRESS\$ -p ${\ $rig->sshd->port}
	check_interval		60
	max_check_attempts	1
	check_period		always
	notification_period	always
	contacts		oncall
}
define service {
	host_name		web01
	service_description	port_HTTP
	check_command		mamori_check_http!-H \$HOSTADDRESS\$ -p $port -u / -e HTTP/
	check_interval		2
	retry_interval		1
	max_check_attempts	3
	check_period		always
	notification_period	always
	notification_interval	0
	notification_options	w,c,u,r
	event_handler		mamori_recover_http!-C $recover_ini --runbook-dir $t/runbooks
	event_handler_enabled	1
	contacts		oncall
}
EOF
my $nagios = Mamori::Engines::Nagios->new(objects => $objects,
    env => { MAMORI_CONFIG => "$t/mamori.ini", MAMORI_STATE_DIR => $rig->state_dir, TZ => 'Asia/Tokyo' });
my ($vexit, $vout) = $nagios->verify;
is($vexit, 0, 'nagios4 -v accepts the generated commands and the test objects') or diag($vout);
like($vout, qr/Total Errors:\s+0/, 'Total Errors: 0');

$nagios->start;
ok($nagios->wait_log(qr/SERVICE ALERT: web01;port_HTTP;OK|INITIAL SERVICE STATE|SERVICE EVENT HANDLER: web01;port_HTTP;OK/, 5)
   || wait_first_ok(), 'the first check ran');
sub wait_first_ok {
    # with no state change Nagios logs nothing: wait for the status file
    my $end = time + 15;
    while (time < $end) {
        my $s = Mamori::Engines::slurp($nagios->dir . '/status.dat');
        return 1 if $s =~ /service_description=port_HTTP\n(?:[^}]*\n)*?\s*has_been_checked=1/;
        sleep 0.2;
    }
    return 0;
}

# ---- kill nginx ----
my $old = $ng->pid;
my $t_kill = time;
kill_pid($old);
$ng->{pid} = undef;
ok(!wait_port($port, 0.5), 'nginx is down');

my @soft = $nagios->wait_log(qr/SERVICE ALERT: web01;port_HTTP;CRITICAL;HARD;3;([^\n]*)/, 30);
ok(@soft, 'Nagios: SERVICE ALERT CRITICAL HARD 3') or diag($nagios->log);
my $log = $nagios->log;
like($log, qr/SERVICE ALERT: web01;port_HTTP;CRITICAL;SOFT;1;.*\n(?:.*\n)*.*SERVICE ALERT: web01;port_HTTP;CRITICAL;SOFT;2;(?:.*\n)*.*SERVICE ALERT: web01;port_HTTP;CRITICAL;HARD;3;/,
     'SOFT 1, SOFT 2, then HARD 3');
like($log, qr/SERVICE EVENT HANDLER: web01;port_HTTP;CRITICAL;HARD;3;mamori_recover_http/, 'the event handler ran at HARD 3');
my ($ok_at) = $nagios->wait_log(qr/\[(\d+)\] SERVICE ALERT: web01;port_HTTP;OK;HARD;3;/, 40);
ok($ok_at, 'Nagios: back to OK HARD') or diag($nagios->log);
my $new = pid_from("$nd/started.pid");
ok($new && $new != $old && !gone($new), "recover started a new nginx ($old -> " . ($new // '?') . ')');
ok(wait_port($port, 5), 'the port answers again');
is(Mamori::RecoverRig::count_lines("$nd/starts"), 1, 'exactly one restart');
if ($ok_at) {
    my $secs = $ok_at - $t_kill;
    cmp_ok($secs, '<', 40, 'kill -> OK in Nagios log under 40 s');
    diag(sprintf 'Nagios: nginx killed -> OK HARD in nagios.log: %.1f s', $secs);
}
# the OK's event handler closes the incident detached: wait for it
my @outcome;
my $until = time + 20;
until ((@outcome = map { $_->{outcome} } $rig->audit_of('port_HTTP', 'outcome')) && grep({ $_ eq 'closed' } @outcome)
       || time > $until) { sleep 0.2 }
is($outcome[0], 'recovered', 'recover audit: the incident recovered');
ok((grep { $_ eq 'closed' } @outcome), 'and was closed by the OK');
my @l1 = wait_for(sub { $rig->rec->level(1) }, 1, 20);
is(scalar @l1, 1, 'recover sent level 1 once');
is_deeply([@{ $l1[0] // [] }[1 .. 3]], ['recovered', 'web01', 'port_HTTP'], 'level 1: recovered web01 port_HTTP');

# ---- the mails: runbook 000 (recover's level 1) and the engine's RECOVERY ----
sub wait_for {
    my ($f, $n, $limit) = @_;
    my $end = time + $limit;
    my @r;
    while (time < $end) { @r = $f->(); last if @r >= $n; sleep 0.2 }
    return @r;
}
sub parse_mail {
    my ($m) = @_;
    my ($head, $body) = split /\r\n\r\n/, $m->{data}, 2;
    (my $unfolded = $head) =~ s/\r\n[ \t]/ /g;
    my %h;
    for (split /\r\n/, $unfolded) {
        my ($k, $v) = /^([\w-]+):\s*(.*)\z/ or next;
        $h{lc $k} //= $v;
    }
    my $cte = lc($h{'content-transfer-encoding'} // '7bit');
    my ($cs) = ($h{'content-type'} // '') =~ /charset="?([\w-]+)/i;
    my $raw = $cte eq 'base64' ? decode_base64($body) : $cte eq 'quoted-printable' ? decode_qp($body) : $body;
    $raw =~ s/\r\n/\n/g;
    return { subject => decode('MIME-Header', $h{subject} // ''), body => decode($cs // 'UTF-8', $raw),
             rcpt => $m->{rcpt} };
}
my @mails = map { parse_mail($_) } wait_for(sub { $smtp->messages }, 3, 30);
note('mail: ' . $_->{subject}) for @mails;
my @m000 = grep { $_->{subject} =~ /^【復旧】/ } @mails;
is(scalar @m000, 1, 'one runbook 000 recovery mail (recover level 1)') or diag(explain([map { $_->{subject} } @mails]));
if (my $m = $m000[0]) {
    is($m->{subject}, '【復旧】 web01 port_HTTP', 'runbook 000 subject, character for character');
    is_deeply($m->{rcpt}, ['ops@example.com'], 'to [contact ops]');
    # the dates: the minute of the kill (detected) and of the recovery
    my @min = map { strftime('%Y年%m月%d日 %H時%M分', localtime $_) } $t_kill - 60 .. time;
    my %ok_date = map { $_ => 1 } @min;
    my ($det, $rec) = $m->{body} =~ /^- 発報時間 : (.*)\n- 復旧時間 : (.*)$/m;
    ok($det && $ok_date{$det}, "発報時間 is the detection minute (" . ($det // '?') . ')');
    ok($rec && $ok_date{$rec}, "復旧時間 is the recovery minute (" . ($rec // '?') . ')');
    is($m->{body}, <<"EOF", 'runbook 000 body, character for character');
クララオンライン
障害受付センターでございます。

下記のとおり弊社の監視システムによる発報がございましたので、
報告致します。

-
- 対象 ホスト名 : web01
- 対象 IP アドレス : 127.0.0.1
- 発報時間 : @{[ $det // '?' ]}
- 復旧時間 : @{[ $rec // '?' ]}
- 発報内容 : port_HTTP
- 対応内容 : nginx restart ('$t/start_nginx': exit 0)
-
EOF
}
my @prob = grep { $_->{subject} eq '【web01】 port_HTTP警報発生のご連絡' } @mails;
my @rec = grep { $_->{subject} eq '【web01】 port_HTTP警報復旧のご連絡' } @mails;
is(scalar @prob, 1, "the engine's PROBLEM notification mail (notify_mail, runbook 004 template)")
    or diag(explain([map { $_->{subject} } @mails]));
is(scalar @rec, 1, "the engine's RECOVERY notification mail");
if (@prob && @rec) {
    is_deeply($rec[0]{rcpt}, ['oncall@example.com'], 'to [mail] to=');
    like($prob[0]{body}, qr/^【サーバ名】\nweb01\n/m, 'PROBLEM: 【サーバ名】 web01');
    like($prob[0]{body}, qr/^port_HTTPを検知しました。\nHTTP CRITICAL - Failed to connect to 127\.0\.0\.1 port $port\b/m,
         'PROBLEM: 【警報内容】 with the check output');
    like($prob[0]{body}, qr/^【警報レベル】\n高$/m, 'PROBLEM: level 高');
    like($rec[0]{body}, qr/^port_HTTPを検知しました。\nHTTP OK: /m, 'RECOVERY: the OK output');
    like($rec[0]{body}, qr/^【警報レベル】\n低$/m, 'RECOVERY: level 低');
}
my ($chat_line) = $nagios->wait_log(qr/(SERVICE NOTIFICATION: oncall;web01;port_HTTP;OK;mamori_notify_chat;[^\n]*)/, 10);
ok($chat_line, 'Nagios logged the chat RECOVERY notification');

# ---- the chat posts ----
my @posts = map { $_->{text} } wait_for(sub { $chat->delivered('slack') }, 2, 20);
is(scalar(grep { /^発生 web01 port_HTTP / } @posts), 1, 'Slack: one PROBLEM post (発生)') or diag(explain(\@posts));
is(scalar(grep { /^復旧 web01 port_HTTP / } @posts), 1, 'Slack: one RECOVERY post (復旧)');

my $nlog = $nagios->log;
unlike($nlog, qr/SERVICE ALERT: web01;port_HTTP;CRITICAL;HARD;3;.*\n(?:.*\n)*.*SERVICE EVENT HANDLER: web01;port_HTTP;CRITICAL;HARD;3;mamori_recover_http.*\n(?:.*\n)*.*SERVICE EVENT HANDLER: web01;port_HTTP;CRITICAL;HARD;3;/,
       'one event handler run at HARD');
unlike($nlog, qr/timed out|Warning: Return code of \d+ for (?:check|event handler|notification)/i,
       'no command timed out or returned an odd code') or diag($nlog);

diag($nagios->log, explain([$rig->audit])) unless Test::More->builder->is_passing;
$nagios->stop;
kill_pid($new) if $new;
done_testing();
