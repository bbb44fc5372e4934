# End to end through a real Icinga 2 (issue 8): the generated
# mamori-constants.conf (MamoriPluginDir rewritten to a dir of symlinks to
# the build's programs) and mamori-commands.conf unchanged; a real nginx
# checked by the CheckCommand mamori_http, the EventCommand
# mamori_recover_http restarting it over a real sshd on loopback, the
# NotificationCommands mamori_notify_mail (a real SMTP server) and
# mamori_notify_chat (a local Slack webhook), all with their generated
# defaults. Kill nginx -> SOFT 1, SOFT 2, HARD -> restart -> OK -> mails
# and chat posts.
#
# Perfdata: a GraphiteWriter aimed at a local TCP sink and one service per
# check_* plugin against something that answers (real servers started
# here): Icinga 2's own perfdata parser must accept every plugin's output
# (no "Ignoring invalid perfdata") and the sink must receive each one's
# metrics.
use strict;
use warnings;
use utf8;
use Test::More;
use Encode qw(decode);
use IO::Socket::INET;
use MIME::Base64 qw(decode_base64);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Time::Local qw(timelocal);
use Mamori::Server qw(write_file wait_port);
use Mamori::Server::Nginx;
use Mamori::Server::Smtpd;
use Mamori::Server::Dovecot;
use Mamori::Server::Vsftpd;
use Mamori::Server::Named;
use Mamori::Server::Snmpd;
use Mamori::Server::Mariadb;
use Mamori::Server::Postfix;
use Mamori::Certs;
use Mamori::FakeAws;
use Mamori::FakeChat;
use Mamori::Recorder qw(start_script kill_pid pid_from gone);
use Mamori::RecoverRig;
use Mamori::Engines;

binmode(Test::More->builder->$_, ':utf8') for qw(output failure_output todo_output);
$ENV{TZ} = 'Asia/Tokyo';
delete $ENV{$_} for grep { /^(NAGIOS|ICINGA)_/ || /^AWS_/ || /_proxy\z/i } keys %ENV;

my $rig = Mamori::RecoverRig->new;
my $t = $rig->t;
my $lib = Mamori::Engines::progdir($t);
my $smtp = Mamori::Server::Smtpd->new->start;
my $chat = Mamori::FakeChat->new(tls => 0);
my $ca = Mamori::Certs->new(dir => "$t/ca");
my ($cert, $key) = $ca->issue(cn => 'localhost');

# ---- the service: a real nginx (plain + TLS for check_ssl_cert) ----
my $ng = Mamori::Server::Nginx->new(tls => { valid => [$cert, $key] });
$ng->file('index.html', "hello\n");
$ng->start;
my $port = $ng->port;
my $nd = $ng->dir;
start_script(path => "$t/start_nginx", pidfile => "$nd/started.pid", counter => "$nd/starts",
             log => "$nd/restart.out",
             argv => ['/usr/sbin/nginx', '-c', "$nd/nginx.conf", '-p', "$nd/", '-e', "$nd/error.log"]);
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
$rig->config(hosts => <<"EOF");
level1 = $lib/notify_mail --type RECOVERY --kind recovery --template mail-000-ja --host \${HOST} --address \${ADDRESS} --service \${SERVICE} --state OK --alert \${ALERT} --datetime \${DETECTED_EPOCH} --action \${ACTION} --output \${SUMMARY} -r ops
EOF

my $hook = $chat->base . '/services/T0001/B0002/e2eSecretHook';
write_file("$t/mamori.ini", <<"EOF");
[mail]
from = icinga\@example.com
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

# ---- servers for the perfdata services ----
my $dove = Mamori::Server::Dovecot->new->start;
my $ftp = Mamori::Server::Vsftpd->new(local_user => 0)->start;
my $named = Mamori::Server::Named->new->start;
my $snmpd = Mamori::Server::Snmpd->new->start;
my $my = Mamori::Server::Mariadb->new->start;
my $postfix = Mamori::Server::Postfix->new->start;
my $aws = Mamori::FakeAws->new(cert => $cert, key => $key, region => 'eu-west-1',
                               credentials => { AKIDE2E => { secret => 'e2eSECRET' } },
                               script => { 'i-e2e' => [12.5] });
write_file("$t/sql.pw", $my->password . "\n");
chmod 0600, "$t/sql.pw";
write_file("$t/app.log", "boot\nERROR disk on fire\nok\n");

# the graphite sink: one line per metric into a file
my $sink_file = "$t/graphite.txt";
my $sink = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16, ReuseAddr => 1) or die $!;
my $sink_port = $sink->sockport;
my $sink_pid = fork // die;
if (!$sink_pid) {
    open my $out, '>>', $sink_file or POSIX::_exit(1);
    $out->autoflush(1);
    while (my $c = $sink->accept) {
        next if fork;   # one child per connection, so none waits on another
        print $out $_ while <$c>;
        POSIX::_exit(0);
    }
    POSIX::_exit(0);
}
close $sink;

# Every check_* plugin once, as CheckCommand mamori_NAME with vars named
# after its long options (--no-swap -> vars.mamori_swap_no_swap).
my %perf = (
    load => { warning => '2,1.8,1.5', critical => '4,3.5,3' },
    cpu => { sample => 1, warning => 90, critical => 98 },
    mem => { warning => 90, critical => 95 },
    swap => { warning => '50%', critical => '20%', no_swap => 'ok' },
    disk => { warning => '10%', critical => '5%', path => '/' },
    procs => { command => 'nginx', critical => '1:' },
    logins => { warning => 10, critical => 30 },
    netif => { sample => 1, interface => 'lo' },
    log => { filename => "$t/app.log", string => 'ERROR', from_start => \1 },
    file => { file => "$t/app.log", warning => 3600, critical => 7200 },
    listen => { ports => $rig->sshd->port },
    updates => {},
    mailq => { config_dir => $postfix->config_dir, warning => 200, critical => 400 },
    http => { port => $port, url => '/', expect => 'HTTP/' },
    tcp => { port => $rig->sshd->port },
    ssh => { port => $rig->sshd->port },
    smtp => { port => $smtp->port },
    ssl_cert => { hostname => 'localhost', port => $ng->tls_port('valid'), ca_file => $ca->ca_file,
                  warning => 30, critical => 14 },
    ping => { packets => 3, interval => 0.2, warning => '200,20%', critical => '500,60%' },
    dns => { hostname => 'www.mamori.test', server => '127.0.0.1', port => $named->port },
    ftp => { port => $ftp->port('ftp') },
    pop => { port => $dove->port('pop3') },
    imap => { port => $dove->port('imap') },
    sql => { driver => 'mysql', hostname => '127.0.0.1', port => $my->port, username => $my->user,
             database => $my->database, password_file => "$t/sql.pw" },
    snmp => { port => $snmpd->port, community => $snmpd->community, protocol => '2c', oid => '1.3.6.1.2.1.1.3.0' },
    cloudwatch => { endpoint => $aws->url, ca_file => $ca->ca_file, region => 'eu-west-1', namespace => 'AWS/EC2',
                    metric => 'CPUUtilization', dimension => 'InstanceId=i-e2e', unit => 'Percent',
                    warning => 80, critical => 90 },
);
my @plugins = sort map { /^check_(\w+)\z/ ? $1 : () } map { s{.*/}{}r } glob("$lib/check_*");
is_deeply([sort keys %perf], \@plugins, 'a perfdata service for every built check_* plugin');

sub ival { my $v = shift; return ref $v ? 'true' : $v =~ /^\d+\z/ ? $v : qq{"$v"} }
my $perf_services = '';
for my $p (sort keys %perf) {
    my $vars = join '', map { "\tvars.mamori_${p}_$_ = " . ival($perf{$p}{$_}) . "\n" } sort keys %{ $perf{$p} };
    $perf_services .= <<"EOF";
object Service "perf_$p" {
	host_name = "web01"
	check_command = "mamori_$p"
	check_interval = 10s
	retry_interval = 10s
	enable_notifications = false
$vars}
EOF
}

my $sshport = $rig->sshd->port;
my $conf = Mamori::Engines::icinga2_constants($lib) . Mamori::Engines::icinga2_commands() . <<"EOF" . $perf_services;
object GraphiteWriter "graphite" {
	host = "127.0.0.1"
	port = $sink_port
}
object Host "web01" {
	address = "127.0.0.1"
	check_command = "mamori_tcp"
	vars.mamori_tcp_port = $sshport
	check_interval = 60s
}
object Service "port_HTTP" {
	host_name = "web01"
	check_command = "mamori_http"
	vars.mamori_http_port = $port
	vars.mamori_http_url = "/"
	vars.mamori_http_expect = "HTTP/"
	check_interval = 2s
	retry_interval = 1s
	max_check_attempts = 3
	event_command = "mamori_recover_http"
	vars.mamori_recover_http_config = "$t/recover.ini"
	vars.mamori_recover_http_runbook_dir = "$t/runbooks"
}
object User "oncall" {
	email = "oncall\@example.com"
}
object Notification "mail" {
	host_name = "web01"
	service_name = "port_HTTP"
	command = "mamori_notify_mail"
	users = [ "oncall" ]
	types = [ Problem, Recovery ]
	interval = 0
}
object Notification "chat" {
	host_name = "web01"
	service_name = "port_HTTP"
	command = "mamori_notify_chat"
	users = [ "oncall" ]
	types = [ Problem, Recovery ]
	interval = 0
}
EOF
my $ic = Mamori::Engines::Icinga2->new(conf => $conf,
    env => { MAMORI_CONFIG => "$t/mamori.ini", MAMORI_STATE_DIR => $rig->state_dir, TZ => 'Asia/Tokyo',
             AWS_ACCESS_KEY_ID => 'AKIDE2E', AWS_SECRET_ACCESS_KEY => 'e2eSECRET', AWS_EC2_METADATA_DISABLED => 'true' });
my ($vexit, $vout) = $ic->verify;
is($vexit, 0, 'icinga2 daemon -C accepts the generated constants and commands and the test objects') or diag($vout);
$ic->start;

# the first check runs the event command too (OK HARD 1): nothing to do
sub events { map { $_->{detail} } $rig->audit_of('port_HTTP', 'event') }
my $end = time + 20;
sleep 0.2 until events() || time > $end;
like((events())[0] // '', qr/^OK HARD attempt 1\/3/, 'the first check ran the EventCommand (OK HARD 1)');

# ---- kill nginx ----
my $old = $ng->pid;
my $t_kill = time;
kill_pid($old);
$ng->{pid} = undef;
ok(!wait_port($port, 0.5), 'nginx is down');

my ($hard) = $ic->wait_log(qr/(Checkable 'web01!port_HTTP' has \d+ notification[^\n]*|web01!port_HTTP[^\n]*HARD[^\n]*CRITICAL[^\n]*)/, 40);
diag($ic->log) unless $hard;
my $new;
$end = time + 40;
until (($new = pid_from("$nd/started.pid")) && wait_port($port, 0.2) || time > $end) { sleep 0.2 }
ok($new && $new != $old && !gone($new), "recover started a new nginx ($old -> " . ($new // '?') . ')');
my @outcome;
$end = time + 40;
until ((@outcome = map { $_->{outcome} } $rig->audit_of('port_HTTP', 'outcome')) && grep({ $_ eq 'closed' } @outcome)
       || time > $end) { sleep 0.2 }
# the first check (OK HARD 1) runs the event command too: outcome "ok"
is_deeply([grep { $_ ne 'ok' } @outcome], ['recovered', 'closed'], 'recover audit: recovered, then closed by the OK check')
    or diag(explain([$rig->audit]));
my @okt = $ic->wait_log(qr/^\[(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) [+-]\d{4}\] \S+: State Change: Checkable 'web01!port_HTTP' hard state change from CRITICAL to OK/m, 20);
ok(@okt, 'Icinga 2 log: hard state change from CRITICAL to OK');
my $t_ok = @okt ? timelocal($okt[5], $okt[4], $okt[3], $okt[2], $okt[1] - 1, $okt[0]) : time;
like($ic->log, qr/Checkable 'web01!port_HTTP' soft state change from OK to CRITICAL detected\.(?:.*\n)*.*Checkable 'web01!port_HTTP' hard state change from CRITICAL to CRITICAL detected\./,
     'Icinga 2: soft, then hard state change to CRITICAL');
# recover audits the events it acts on (SOFT ones below the acting attempt are skipped)
like(join("\n", events()), qr/^CRITICAL HARD attempt 1\/3.*\n(?:.*\n)*^OK HARD/m,
     'the EventCommand acted on CRITICAL HARD (attempt 1 again), then saw OK');
cmp_ok($t_ok - $t_kill, '<', 40, 'kill -> OK under 40 s');
diag(sprintf 'Icinga 2: nginx killed -> OK in icinga2.log: %.1f s', $t_ok - $t_kill);
is(Mamori::RecoverRig::count_lines("$nd/starts"), 1, 'exactly one restart');

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
    my $raw = $cte eq 'base64' ? decode_base64($body) : $body;
    $raw =~ s/\r\n/\n/g;
    return { subject => decode('MIME-Header', $h{subject} // ''), body => decode($cs // 'UTF-8', $raw),
             rcpt => $m->{rcpt} };
}
my @mails = map { parse_mail($_) } wait_for(sub { $smtp->messages }, 3, 30);
note('mail: ' . $_->{subject}) for @mails;
my ($m000) = grep { $_->{subject} =~ /^【復旧】/ } @mails;
is($m000->{subject} // '', '【復旧】 web01 port_HTTP', 'runbook 000 recovery mail (recover level 1): subject');
like($m000->{body} // '', qr/^- 対象 ホスト名 : web01\n- 対象 IP アドレス : 127\.0\.0\.1\n- 発報時間 : \d{4}年\d\d月\d\d日 \d\d時\d\d分\n- 復旧時間 : \d{4}年\d\d月\d\d日 \d\d時\d\d分\n- 発報内容 : port_HTTP\n- 対応内容 : nginx restart \('\Q$t\E\/start_nginx': exit 0\)\n-\n\z/m,
     'runbook 000 body fields');
my @prob = grep { $_->{subject} eq '【web01】 port_HTTP警報発生のご連絡' } @mails;
my @rec = grep { $_->{subject} eq '【web01】 port_HTTP警報復旧のご連絡' } @mails;
is(scalar @prob, 1, "Icinga 2's Problem notification mail") or diag(explain([map { $_->{subject} } @mails]));
is(scalar @rec, 1, "Icinga 2's Recovery notification mail");
is_deeply($rec[0]{rcpt}, ['oncall@example.com'], 'to the User email ($user.email$)') if @rec;
like($prob[0]{body}, qr/^port_HTTPを検知しました。\nHTTP CRITICAL - Failed to connect to 127\.0\.0\.1 port $port\b/m,
     'Problem: the check output') if @prob;
like($rec[0]{body}, qr/^【警報レベル】\n低$/m, 'Recovery: level 低') if @rec;
my @posts = map { $_->{text} } wait_for(sub { $chat->delivered('slack') }, 2, 20);
is(scalar(grep { /^発生 web01 port_HTTP / } @posts), 1, 'Slack: one Problem post (発生)') or diag(explain(\@posts));
is(scalar(grep { /^復旧 web01 port_HTTP / } @posts), 1, 'Slack: one Recovery post (復旧)');

# ---- perfdata: every plugin's output through Icinga 2's parser ----
my %seen;
$end = time + 30;
while (time < $end) {
    %seen = ();
    open my $f, '<', $sink_file;
    while (my $l = $f ? <$f> : undef) { $seen{$1}++ if $l =~ /\.services\.perf_(\w+?)\.mamori_\w+\.perfdata\./ }
    last if keys %seen == keys %perf;
    sleep 0.5;
}
my $log = $ic->log;
for my $p (sort keys %perf) {
    ok($seen{$p}, "graphite sink got perfdata of check_$p") or diag(grep { /perf_$p\b/ } split /\n/, $log);
    unlike($log, qr/Ignoring invalid perfdata for checkable 'web01!perf_$p'[^\n]*/, "no invalid perfdata from check_$p");
}
unlike($log, qr/Ignoring invalid perfdata[^\n]*/, 'no "Ignoring invalid perfdata" at all');
unlike($log, qr{warning/Plugin\w*Task[^\n]*}, 'no check, event or notification command failed (exit code above 3, signal, timeout)');

$ic->stop;
kill 'TERM', $sink_pid;
waitpid($sink_pid, 0);
kill_pid($new) if $new;
done_testing();
