# mamori mail2alert (issue 8, hardened as issue 10 says) and the downtimes
# `mamori silence` pushes, against a REAL Nagios 4 and a REAL Icinga 2
# started here in temp dirs: alert mails of other tools (Zabbix, a UPS in
# ISO-2022-JP, CloudWatch via SNS) become exactly one passive result;
# unmatched, forged, token-less and injection mails change nothing in the
# engines and are kept; a 10 MB body and broken MIME are handled within
# bounds. Each engine starts once.
use strict;
use warnings;
use utf8;
use Test::More;
use Mamori::Test;
use Mamori::Certs;
use Mamori::Server qw(free_ports wait_port need_binary write_file);
use Encode qw(encode);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use MIME::QuotedPrint qw(encode_qp);
use POSIX ();
use Time::HiRes qw(time sleep);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $nagios = need_binary('/usr/sbin/nagios4', 'nagios4-core');
my $icinga = need_binary('/usr/sbin/icinga2', 'icinga2-bin');
my $mamori = bin('mamori');
my $dir = tempdir('mamori-m2a-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $state = "$dir/state";
$ENV{MAMORI_STATE_DIR} = $state;
$ENV{TZ} = 'Asia/Tokyo';
POSIX::tzset();
my (@pids);
END {
    local $?;   # the engines' exit status is not the test's
    kill 'TERM', @pids;
    for my $pid (@pids) {
        wait_for(sub { waitpid($pid, POSIX::WNOHANG()) != 0 }, 15) or kill 'KILL', $pid;
    }
}

sub slurp { my ($f) = @_; open my $h, '<:raw', $f or return ''; local $/; my $s = <$h>; return $s // '' }
sub put { my ($f, $bytes, $mode) = @_; open my $h, '>:raw', $f or die "$f: $!"; print $h $bytes; close $h; chmod $mode, $f if $mode }
sub wait_for { my ($code, $secs) = @_; my $end = time + ($secs // 20); while (time < $end) { return 1 if $code->(); sleep 0.1 } return 0 }

# ---- a real Nagios 4 -----------------------------------------------------
my $ng = "$dir/nagios";
mkdir $_ or die "$_: $!" for $ng, "$ng/rw", "$ng/tmp", "$ng/spool", "$ng/spool/checkresults";
sub obj { my ($type, %a) = @_; return "define $type {\n" . join('', map { "  $_ $a{$_}\n" } sort keys %a) . "}\n" }
my %passive = (max_check_attempts => 1, check_interval => 3600, retry_interval => 60, active_checks_enabled => 0,
               passive_checks_enabled => 1, check_period => 'always', notification_period => 'always',
               contacts => 'nobody', check_command => 'dummy');
write_file("$ng/objects.cfg", join('',
    obj('command', command_name => 'dummy', command_line => '/bin/true'),
    obj('timeperiod', timeperiod_name => 'always', alias => 'always', map { $_ => '00:00-24:00' }
        qw(sunday monday tuesday wednesday thursday friday saturday)),
    obj('contact', contact_name => 'nobody', host_notifications_enabled => 0, service_notifications_enabled => 0,
        host_notification_period => 'always', service_notification_period => 'always',
        host_notification_options => 'n', service_notification_options => 'n',
        host_notification_commands => 'dummy', service_notification_commands => 'dummy'),
    (map { obj('host', host_name => $_, address => '127.0.0.1', %passive) } qw(web01 nas01)),
    (map { obj('service', host_name => 'web01', service_description => $_, %passive) } qw(Zabbix CPUUtilization)),
));
write_file("$ng/resource.cfg", '');
write_file("$ng/nagios.cfg", join('', map { "$_\n" }
    "log_file=$ng/nagios.log", "cfg_file=$ng/objects.cfg", "object_cache_file=$ng/objects.cache",
    "precached_object_file=$ng/objects.precache", "resource_file=$ng/resource.cfg", "status_file=$ng/status.dat",
    'nagios_user=root', 'nagios_group=root', 'check_external_commands=1', 'command_check_interval=1s',
    "command_file=$ng/rw/nagios.cmd", "lock_file=$ng/nagios.lock", "temp_file=$ng/nagios.tmp",
    "temp_path=$ng/tmp", "check_result_path=$ng/spool/checkresults", "query_socket=$ng/rw/nagios.qh",
    "state_retention_file=$ng/retention.dat", 'retain_state_information=0', 'interval_length=1',
    'accept_passive_service_checks=1', 'accept_passive_host_checks=1', 'log_passive_checks=1',
    'log_external_commands=1', 'check_result_reaper_frequency=1', 'enable_notifications=0', 'execute_service_checks=0', 'execute_host_checks=0'));
my $v = run_prog([$nagios, '-v', "$ng/nagios.cfg"]);
like($v->{out}, qr/Total Errors:\s+0/, 'nagios4 -v accepts the test config') or diag($v->{out});
{
    my $pid = fork // die;
    if (!$pid) {
        open STDOUT, '>', "$ng/stdout" or POSIX::_exit(9);
        open STDERR, '>&', \*STDOUT;
        exec $nagios, "$ng/nagios.cfg" or POSIX::_exit(127);
    }
    push @pids, $pid;
}
my $fifo = "$ng/rw/nagios.cmd";
ok(wait_for(sub { -p $fifo && slurp("$ng/nagios.log") =~ /Successfully launched command file worker/ }, 30),
   'Nagios 4 runs and has its command FIFO') or diag(slurp("$ng/nagios.log") . slurp("$ng/stdout"));

# ---- a real Icinga 2 with its API -----------------------------------------
my $ic = "$dir/icinga2";
mkdir $_ or die "$_: $!" for $ic, map { "$ic/$_" } qw(cache run log lib lib/certs spool zones.d);
my $ca = Mamori::Certs->new(dir => "$dir/ca");
my ($crt, $key) = $ca->issue(cn => 'localhost');
put("$ic/lib/certs/localhost.crt", slurp($crt));
put("$ic/lib/certs/localhost.key", slurp($key), 0600);
put("$ic/lib/certs/ca.crt", slurp($ca->ca_file));
my ($api_port) = free_ports(1);
my $api_pw = 'pw-' . int(rand(1e9));
write_file("$ic/icinga2.conf", <<"CONF");
const NodeName = "localhost"
const ZoneName = "localhost"
include <itl>
object FileLogger "file" { path = "$ic/log/icinga2.log"; severity = "information" }
object Endpoint "localhost" {}
object Zone "localhost" { endpoints = [ "localhost" ] }
object ApiListener "api" { bind_host = "127.0.0.1"; bind_port = $api_port }
object ApiUser "mamori" {
  password = "$api_pw"
  permissions = [ "actions/process-check-result", "actions/schedule-downtime", "objects/query/*" ]
}
object Host "web01" { check_command = "dummy"; enable_active_checks = false; address = "127.0.0.1" }
object Host "nas01" { check_command = "dummy"; enable_active_checks = false; address = "127.0.0.1" }
object Service "Zabbix" { host_name = "web01"; check_command = "dummy"; enable_active_checks = false }
CONF
my @icdefs = ("-DConfigDir=$ic", "-DDataDir=$ic/lib", "-DLogDir=$ic/log", "-DCacheDir=$ic/cache",
              "-DSpoolDir=$ic/spool", "-DInitRunDir=$ic/run", "-DZonesDir=$ic/zones.d", '-DRunAsUser=root',
              '-DRunAsGroup=root');
{
    my $pid = fork // die;
    if (!$pid) {
        open STDOUT, '>', "$ic/stdout" or POSIX::_exit(9);
        open STDERR, '>&', \*STDOUT;
        exec $icinga, 'daemon', '-c', "$ic/icinga2.conf", @icdefs or POSIX::_exit(127);
    }
    push @pids, $pid;
}
ok(wait_port($api_port, 30), 'Icinga 2 answers on its API port') or diag(slurp("$ic/stdout"));
my $http = HTTP::Tiny->new(verify_SSL => 1, SSL_options => { SSL_ca_file => $ca->ca_file }, timeout => 10);
my $auth_hdr = { Authorization => 'Basic ' . encode_base64("mamori:$api_pw", ''), Accept => 'application/json' };
sub icinga_get {
    my ($path) = @_;
    my $r = $http->get("https://localhost:$api_port$path", { headers => $auth_hdr });
    return $r->{success} ? JSON::PP->new->decode($r->{content}) : { error => "$r->{status} $r->{content}" };
}
ok(wait_for(sub { !icinga_get('/v1/objects/hosts/web01')->{error} }, 30), 'Icinga 2 has loaded its objects');
sub icinga_calls { my ($action) = @_; my @l = slurp("$ic/log/icinga2.log") =~ m{Request: POST /v1/actions/\Q$action\E .*user: mamori}g; scalar @l }
sub icinga_result {
    my $j = icinga_get('/v1/objects/services/' . join('!', @_) . '?attrs=last_check_result');
    return $j->{results}[0]{attrs}{last_check_result} // {};
}

# ---- configs ---------------------------------------------------------------
my $tokf = "$dir/ups.token";
put($tokf, "ups-T0ken-9\n", 0600);
my $pwf = "$dir/icinga.pw";
put($pwf, "$api_pw\n", 0600);
my $rules = <<"INI";
[mail-auth]
authserv_id = mx.mamori.test

[rule zabbix]
from = ^zabbix\@example\\.co\\.jp\$
subject = ^(?<status>Problem|Resolved|障害|復旧): (?<trigger>.+?) on (?<host>\\S+)\$
senders = zabbix\@example.co.jp
host = \${host}
service = Zabbix
state_text = \${status}
state_ok = Resolved|復旧
state_critical = Problem|障害
output = \${trigger} (\${subject})

[rule ups]
body = ^UPS\\s+(?<event>障害|復旧)\\s*[:：]\\s*(?<what>.+)\$
senders = \@nas.example.jp
auth = none
token_file = $tokf
host = nas01
state_text = \${event}
state_ok = 復旧
state_critical = 障害
output = UPS \${event}: \${what}

[rule cloudwatch]
from = ^no-reply\@sns\\.amazonaws\\.com\$
subject = ^(?<state>ALARM|OK|INSUFFICIENT_DATA): "(?<alarm>[^"]+)"
senders = no-reply\@sns.amazonaws.com
auth = dkim
host = web01
service = CPUUtilization
state_text = \${state}
state_ok = ^OK\$
state_critical = ^ALARM\$
state_unknown = ^INSUFFICIENT_DATA\$
output = \${alarm} is \${state}

[silence-senders sample]
senders = yamada\@example.co.jp
hosts = web01, nas01
INI
my $ng_ini = "$dir/nagios.ini";
write_file($ng_ini, encode('UTF-8', "[engine]\ntype = nagios\ncommand_file = $fifo\ntimeout = 5\n\n$rules"));
my $ic_ini = "$dir/icinga.ini";
write_file($ic_ini, encode('UTF-8', "[engine]\ntype = icinga2\nurl = https://localhost:$api_port\nca = " . $ca->ca_file
                                    . "\nuser = mamori\npassword_file = $pwf\ntimeout = 10\n\n$rules"));

# ---- mails ------------------------------------------------------------------
my $ar_zbx = "Authentication-Results: mx.mamori.test;\r\n dkim=pass (2048-bit key) header.d=example.co.jp header.i=\@example.co.jp;\r\n spf=pass smtp.mailfrom=zabbix\@example.co.jp\r\n";
my $n_mail = 0;
sub mail {
    my (%o) = @_;
    my $h = ($o{ar} // '') . "Received: from zbx.example.co.jp by mx.mamori.test; Mon, 23 Nov 2026 09:00:00 +0900\r\n"
          . 'From: ' . ($o{from} // 'Zabbix <zabbix@example.co.jp>') . "\r\n"
          . 'Subject: ' . ($o{subject} // 'Problem: Disk full on web01') . "\r\n"
          . 'Message-ID: <m' . ++$n_mail . "\@example.co.jp>\r\nMIME-Version: 1.0\r\n";
    return $h . ($o{mime} // "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                 . encode_qp(encode('UTF-8', $o{body} // "Trigger: Disk full\nSeverity: High\n")));
}
sub utf8_subject { '=?UTF-8?B?' . encode_base64(encode('UTF-8', $_[0]), '') . '?=' }

# Feed a mail on standard input, as postfix's pipe does.
sub feed {
    my ($mail, @args) = @_;
    my $in = "$dir/in" . ++$n_mail . '.eml';
    put($in, $mail);
    my $t0 = time;
    my $pid = fork // die;
    if (!$pid) {
        open STDIN, '<', $in or POSIX::_exit(9);
        open STDOUT, '>', "$in.out" or POSIX::_exit(9);
        open STDERR, '>', "$in.err" or POSIX::_exit(9);
        exec_argv($mamori, 'mail2alert', @args);
    }
    my $ok = wait_for(sub { waitpid($pid, POSIX::WNOHANG()) == $pid }, 60);
    kill 'KILL', $pid unless $ok;
    my $r = { exit => $ok ? $? >> 8 : -1, out => slurp("$in.out"), err => slurp("$in.err"), secs => time - $t0 };
    fail("no sanitizer or valgrind report from mamori mail2alert") and diag($r->{err}) if $r->{err} =~ $REPORT_RX;
    return $r;
}

# What Nagios logged since the last mark: every EXTERNAL COMMAND line. A
# sentinel written to the FIFO after the mail under test proves Nagios
# has read everything before it (a FIFO keeps order).
my $n_sentinel = 0;
my $log_pos = 0;
sub nagios_since_mark {
    my $tag = 'sentinel-' . ++$n_sentinel;
    open my $f, '>', $fifo or die "$fifo: $!";
    syswrite $f, sprintf("[%d] PROCESS_SERVICE_CHECK_RESULT;web01;CPUUtilization;0;%s\n", time, $tag);
    close $f;
    wait_for(sub { slurp("$ng/nagios.log") =~ /EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;web01;CPUUtilization;0;\Q$tag\E/ }, 20)
        or diag("Nagios did not log $tag");
    my $log = Encode::decode('UTF-8', slurp("$ng/nagios.log"));
    my $new = substr($log, $log_pos);
    $log_pos = length $log;
    my @cmds = grep { !/\Q$tag\E/ } $new =~ /^\[\d+\] EXTERNAL COMMAND: (.*)$/mg;
    return { cmds => \@cmds, text => $new };
}
sub kept { my ($kind) = @_; my @k; if (opendir(my $d, "$state/mail2alert/$kind/new")) { @k = sort grep { !/^\./ } readdir $d } return @k }
sub audit { map { JSON::PP->new->decode($_) } split /\n/, slurp("$state/audit.log") }
nagios_since_mark();

# ---- Nagios: matched mails, exactly one command each ------------------------
my $r = feed(mail(ar => $ar_zbx), '--config', $ng_ini);
is($r->{exit}, 0, 'a Zabbix problem mail is handled') or diag($r->{err});
my $seen = nagios_since_mark();
is_deeply($seen->{cmds}, ['PROCESS_SERVICE_CHECK_RESULT;web01;Zabbix;2;Disk full (Problem: Disk full on web01)'],
          'Nagios got exactly one PROCESS_SERVICE_CHECK_RESULT, CRITICAL');
ok(wait_for(sub { slurp("$ng/nagios.log") =~ /SERVICE ALERT: web01;Zabbix;CRITICAL;HARD;1;Disk full/ }, 20),
   'and took it as the service state (SERVICE ALERT ... CRITICAL)');
my ($au) = grep { $_->{result} eq 'submitted' } audit();
ok($au && $au->{target} eq 'web01/Zabbix' && $au->{via} =~ /rule zabbix, dkim header\.d=example\.co\.jp at mx\.mamori\.test/,
   'the audit log names the target, rule and what vouched for the sender') or diag(explain($au));

$r = feed(mail(ar => $ar_zbx, subject => utf8_subject('復旧: ディスク容量 on web01')), '--config', $ng_ini);
is($r->{exit}, 0, 'a Japanese recovery subject (RFC 2047) is handled');
is_deeply(nagios_since_mark()->{cmds}, ['PROCESS_SERVICE_CHECK_RESULT;web01;Zabbix;0;ディスク容量 (復旧: ディスク容量 on web01)'],
          '復旧 maps to OK');

# the UPS of a NAS: no DKIM, a shared token, ISO-2022-JP body, a host result
my $ups_body = "NAS01 からの通知\n\nUPS 障害：バッテリー残量低下 (残り 12%)\n\n認証コード ups-T0ken-9\n";
my $ups = sub { my ($body) = @_; mail(from => 'nas01 <admin@nas.example.jp>', subject => 'UPS event',
    mime => "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" . encode('iso-2022-jp', $body)) };
$r = feed($ups->($ups_body), '--config', $ng_ini);
is($r->{exit}, 0, 'an ISO-2022-JP UPS mail with its token is handled') or diag($r->{err});
is_deeply(nagios_since_mark()->{cmds}, ['PROCESS_HOST_CHECK_RESULT;nas01;1;UPS 障害: バッテリー残量低下 (残り 12%)'],
          'Nagios got one PROCESS_HOST_CHECK_RESULT (DOWN)');

# CloudWatch alarm through SNS, base64 UTF-8 body
my $sns_ar = "Authentication-Results: mx.mamori.test; dkim=pass header.d=sns.amazonaws.com; spf=pass smtp.mailfrom=0100018c\@sns.amazonaws.com\r\n";
$r = feed(mail(ar => $sns_ar, from => '"AWS Notifications" <no-reply@sns.amazonaws.com>',
               subject => 'ALARM: "web01-HighCPU" in Asia Pacific (Tokyo)',
               mime => "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                     . encode_base64("You are receiving this email because your Amazon CloudWatch Alarm \"web01-HighCPU\" ...\n"
                                     . "- State Change: OK -> ALARM\n")), '--config', $ng_ini);
is($r->{exit}, 0, 'a CloudWatch alarm mail via SNS is handled') or diag($r->{err});
is_deeply(nagios_since_mark()->{cmds}, ['PROCESS_SERVICE_CHECK_RESULT;web01;CPUUtilization;2;web01-HighCPU is ALARM'],
          'CloudWatch ALARM → CRITICAL');

# ---- refused and unmatched: nothing reaches Nagios, the mail is kept ---------
my %before = map { $_ => scalar(kept($_)) } qw(unmatched rejected failed);
my @refused = (
    ['an unmatched mail', mail(ar => $ar_zbx, subject => 'Weekly report'), 'unmatched', qr/no rule matched/],
    ['a forged From: without Authentication-Results', mail(), 'rejected', qr/no Authentication-Results from a trusted authserv-id/],
    ['Authentication-Results from an untrusted authserv-id',
     mail(ar => "Authentication-Results: mx.evil.example; dkim=pass header.d=example.co.jp\r\n"), 'rejected',
     qr/1 other header ignored/],
    ['dkim=fail at our MTA, a forged pass below it',
     mail(ar => "Authentication-Results: mx.mamori.test; dkim=fail (bad signature) header.d=example.co.jp; spf=softfail smtp.mailfrom=example.co.jp\r\n$ar_zbx"),
     'rejected', qr/no pass for example\.co\.jp at mx\.mamori\.test \(dkim=fail for example\.co\.jp, spf=softfail/],
    ['the UPS mail without its token', $ups->("UPS 障害：バッテリー残量低下\n"), 'rejected', qr/token is missing/],
    ['spf=pass only, where the rule wants dkim',
     mail(ar => "Authentication-Results: mx.mamori.test; spf=pass smtp.mailfrom=x\@sns.amazonaws.com\r\n",
          from => 'no-reply@sns.amazonaws.com', subject => 'ALARM: "x" in Tokyo'), 'rejected', qr/no pass for sns\.amazonaws\.com/],
    ['an injected command line in the subject',
     mail(ar => $ar_zbx, subject => utf8_subject("Problem: x on web01;Zabbix;0;fine\n[1700000000] SCHEDULE_HOST_DOWNTIME;web01;1700000000;1900000000;1;0;1;a;b")),
     'rejected', qr/host name holds ';'/],
    ['a ; in the host name', mail(ar => $ar_zbx, subject => 'Problem: x on web01;SCHEDULE_HOST_DOWNTIME'), 'rejected',
     qr/host name holds ';'/],
);
for my $t (@refused) {
    my ($name, $m, $kind, $re) = @$t;
    my $r = feed($m, '--config', $ng_ini);
    is($r->{exit}, 0, "$name: exit 0 (handled: kept)");
    like($r->{err}, $re, "$name: the reason") or diag($r->{err});
}
$seen = nagios_since_mark();
is_deeply($seen->{cmds}, [], 'none of them reached Nagios') or diag(explain($seen->{cmds}));
is(scalar(kept('unmatched')) - $before{unmatched}, 1, 'the unmatched mail is kept');
is(scalar(kept('rejected')) - $before{rejected}, @refused - 1, 'each refused mail is kept');
my ($first_rej) = kept('rejected');
like(slurp("$state/mail2alert/rejected/new/$first_rej"), qr/\AX-Mamori-Kept: rejected\nX-Mamori-Reason: rule \w+: .+\n[\s\S]*Message-ID: /,
     'a kept mail: the reason on top, then the original');
is(scalar(grep { $_->{result} =~ /^(?:rejected|unmatched)$/ } audit()), 2 * (@refused - 1) + 1,
   'the audit log has each refusal (per rule and per kept mail) and the unmatched one');

# a subject whose decoded text holds a line break and a command: it is
# text in the one result, never a second command
$r = feed(mail(ar => $ar_zbx, subject => utf8_subject("Problem: disk on web01\r\n[1700000000] SCHEDULE_HOST_DOWNTIME;web01;1700000000;1900000000;1;0;1;a;b\n")),
          '--config', $ng_ini);
is($r->{exit}, 0, 'a subject with CR LF and a command inside is handled');
$seen = nagios_since_mark();
is(scalar @{ $seen->{cmds} }, 1, 'Nagios logged exactly one command for it');
like($seen->{cmds}[0] // '', qr/^PROCESS_SERVICE_CHECK_RESULT;web01;Zabbix;2;disk \(Problem: disk on web01 \[1700000000\] SCHEDULE_HOST_DOWNTIME;web01;[^\n]*\)$/,
     'the line break became a space inside the output');
unlike($seen->{text}, qr/EXTERNAL COMMAND: SCHEDULE_HOST_DOWNTIME/, 'no downtime was scheduled');

# ---- Authentication-Results as MTAs write it (RFC 8601), judged dry ---------
my @ar_cases = (
    [1, 'a version, upper case, quoted value, blanks around =',
     "Authentication-Results: mx.mamori.test 1; DKIM = PASS header.d = \"example.co.jp\"\r\n"],
    [1, 'nested comments, a reason, header.i only',
     "Authentication-Results: mx.mamori.test (a (nested) comment);\r\n\tdkim=pass reason=\"good (really)\" header.i=zabbix\@example.co.jp\r\n"],
    [1, 'several methods, only dmarc passes',
     "Authentication-Results: mx.mamori.test; spf=fail smtp.mailfrom=example.co.jp; dkim=none; dmarc=pass header.from=EXAMPLE.co.jp\r\n"],
    [1, 'an untrusted header above ours is ignored',
     "Authentication-Results: mx.evil.example; dkim=fail\r\nAuthentication-Results: mx.mamori.test; dkim=pass header.d=example.co.jp\r\n"],
    [0, 'our authserv-id inside a comment of another',
     "Authentication-Results: mx.evil.example (mx.mamori.test); dkim=pass header.d=example.co.jp\r\n"],
    [0, 'a pass for a parent domain', "Authentication-Results: mx.mamori.test; dkim=pass header.d=co.jp\r\n"],
    [0, 'a pass for a look-alike domain', "Authentication-Results: mx.mamori.test; dkim=pass header.d=example.co.jp.evil.example\r\n"],
    [0, 'dkim=pass without header.d', "Authentication-Results: mx.mamori.test; dkim=pass\r\n"],
    [0, 'dkim=neutral', "Authentication-Results: mx.mamori.test; dkim=neutral header.d=example.co.jp\r\n"],
    [0, 'none', "Authentication-Results: mx.mamori.test; none\r\n"],
    [0, 'the pass only in a comment', "Authentication-Results: mx.mamori.test; dkim=fail (dkim=pass header.d=example.co.jp) header.d=example.co.jp\r\n"],
);
for my $t (@ar_cases) {
    my ($want, $name, $ar) = @$t;
    my $r = feed(mail(ar => $ar), '--config', $ng_ini, '--dry-run');
    like($r->{out}, $want ? qr/^would submit /m : qr/^would keep as rejected/m, ($want ? 'accepted' : 'refused') . ": $name")
        or diag($r->{out} . $r->{err});
}
$r = feed(mail(ar => $ar_zbx, from => 'Zabbix <zabbix@example.co.jp>' . "\r\nFrom: other\@example.net"), '--config', $ng_ini, '--dry-run');
like($r->{out}, qr/more than one From: header/, 'two From: headers are refused');

# ---- hostile sizes and shapes ---------------------------------------------------
my $big = mail(ar => $ar_zbx, mime => "Content-Type: text/plain; charset=utf-8\r\n\r\n" . ("x" x 99 . "\n") x 100_000
               . "end\n");
ok(length($big) > 10_000_000, 'a 10 MB mail');
$r = feed($big, '--config', $ng_ini);
is($r->{exit}, 0, 'the 10 MB mail is handled') or diag($r->{err});
ok($r->{secs} < 20, sprintf('in bounded time (%.1f s)', $r->{secs}));
is(scalar @{ nagios_since_mark()->{cmds} }, 1, 'one result for it (the subject matched)');
$r = do {
    put("$dir/big.eml", $big);
    my $pid = fork // die;
    if (!$pid) {
        open STDIN, '<', "$dir/big.eml"; open STDOUT, '>', '/dev/null'; open STDERR, '>', '/dev/null';
        { no warnings 'exec'; exec '/usr/bin/time', '-f', '%M', '-o', "$dir/rss", $mamori, 'mail2alert', '--config', $ng_ini, '--dry-run'; }
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    $? >> 8;
};
my ($kb) = slurp("$dir/rss") =~ /(\d+)\s*\z/;
ok(defined $kb && $kb < 300_000, sprintf('and bounded memory (%.0f MB peak)', ($kb // 0) / 1024));

{
    # larger than what is held in memory (32 MiB): kept whole, never cut
    my $huge = mail(ar => $ar_zbx, mime => "Content-Type: text/plain\r\n\r\n" . ("y" x 1023 . "\n") x (33 * 1024));
    my $nr = kept('rejected');
    my $r = feed($huge, '--config', $ng_ini);
    is($r->{exit}, 0, 'a 33 MiB mail is handled');
    like($r->{err}, qr/larger than 32 MiB/, 'refused as too large');
    my @k = kept('rejected');
    is(scalar @k, $nr + 1, 'and kept');
    my $copy = slurp("$state/mail2alert/rejected/new/$k[-1]");
    ok(length($copy) > length($huge) && substr($copy, -length($huge)) eq $huge, 'byte for byte, all of it');
    is_deeply(nagios_since_mark()->{cmds}, [], 'nothing reached Nagios');
}

my @broken = (
    ['a multipart without its closing boundary',
     "Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhalf a mail"],
    ['a multipart without a boundary parameter', "Content-Type: multipart/alternative\r\n\r\n--x\r\n"],
    ['base64 garbage in an unknown charset',
     "Content-Type: text/plain; charset=x-klingon\r\nContent-Transfer-Encoding: base64\r\n\r\n\x00\xff!!**==\r\n"],
    ['50 nested multiparts', join('', map { "Content-Type: multipart/mixed; boundary=b$_\r\n\r\n--b$_\r\n" } 1 .. 50)],
    ['invalid UTF-8 in the subject and body', "Content-Type: text/plain; charset=utf-8\r\n\r\n\xc3\x28\xff\xfe"],
);
for my $t (@broken) {
    my ($name, $mime) = @$t;
    my $subject = $name =~ /subject/ ? "Problem: bad \xff\xfe bytes on web01" : undef;
    $r = feed(mail(ar => $ar_zbx, mime => $mime, defined $subject ? (subject => $subject) : ()), '--config', $ng_ini);
    is($r->{exit}, 0, "broken MIME: $name: handled") or diag($r->{err});
}
$seen = nagios_since_mark();
is(scalar @{ $seen->{cmds} }, scalar @broken, 'each broken mail still gave its one result (the subject matched)');
ok(!grep({ !/^PROCESS_SERVICE_CHECK_RESULT;web01;Zabbix;2;/ } @{ $seen->{cmds} }), 'and nothing else');
like(join("\n", @{ $seen->{cmds} }), qr/bad \x{FFFD}\x{FFFD} bytes/, 'invalid UTF-8 became U+FFFD');

# ---- dry run, a dead engine, a broken config -----------------------------------------
$r = feed(mail(ar => $ar_zbx), '--config', $ng_ini, '--dry-run');
like($r->{out}, qr/^would submit \(rule zabbix, sender zabbix\@example\.co\.jp by dkim .*\): \[\d+\] PROCESS_SERVICE_CHECK_RESULT;web01;Zabbix;2;/m,
     '--dry-run prints the command');
is_deeply(nagios_since_mark()->{cmds}, [], 'and sends nothing');
my $dead = "$dir/dead.cmd";
POSIX::mkfifo($dead, 0600) or die;
my $dead_ini = "$dir/dead.ini";
write_file($dead_ini, encode('UTF-8', "[engine]\ntype = nagios\ncommand_file = $dead\ntimeout = 2\n\n$rules"));
my $nf = kept('failed');
$r = feed(mail(ar => $ar_zbx), '--config', $dead_ini);
is($r->{exit}, 75, 'a command FIFO nobody reads: exit 75, the MTA retries');
like($r->{err}, qr/nobody reads it/, 'and says why');
is(scalar(kept('failed')), $nf + 1, 'the mail is kept');
write_file("$dir/bad.ini", "[rule x]\nsubject = (unclosed\nsenders = a\@b\nhost = h\nstate = 2\n");
$r = feed(mail(ar => $ar_zbx), '--config', "$dir/bad.ini");
is($r->{exit}, 78, 'a broken rule: exit 78');
like($r->{err}, qr/\[rule x\] subject: .*missing closing parenthesis/, 'naming the rule and the key');
is(scalar(kept('failed')), $nf + 2, 'and the mail is kept');
write_file("$dir/norules.ini", "[engine]\ntype = nagios\ncommand_file = $fifo\n");
$r = feed(mail(ar => $ar_zbx), '--config', "$dir/norules.ini");
is($r->{exit}, 78, 'a config without rules: exit 78');
like($r->{err}, qr/no \[rule NAME\] section/, 'and says so');

# ---- Icinga 2: the same through the API -------------------------------------
my $calls = icinga_calls('process-check-result');
$r = feed(mail(ar => $ar_zbx, subject => 'Problem: Disk full on web01'), '--config', $ic_ini);
is($r->{exit}, 0, 'Icinga 2: a Zabbix problem mail is submitted') or diag($r->{err});
my $lcr = {};
# (a passive result's state is in `state`; `exit_status` is an active check's)
wait_for(sub { $lcr = icinga_result('web01', 'Zabbix'); ($lcr->{state} // -1) == 2 }, 10);
is($lcr->{state}, 2, 'Icinga 2 has the CRITICAL result');
is($lcr->{output}, 'Disk full (Problem: Disk full on web01)', 'with the output');
is($lcr->{check_source}, 'mamori mail2alert', 'and mamori as the check source');
ok(wait_for(sub { icinga_calls('process-check-result') == $calls + 1 }, 5), 'one API call');
$r = feed($ups->($ups_body), '--config', $ic_ini);
is($r->{exit}, 0, 'Icinga 2: the UPS host result') or diag($r->{err});
my $hst;
wait_for(sub { $hst = icinga_get('/v1/objects/hosts/nas01?attrs=state')->{results}[0]{attrs}{state} // -1;
               $hst == 1 }, 10);
is($hst, 1, 'nas01 is DOWN in Icinga 2');
$calls = icinga_calls('process-check-result');
for my $t (@refused) {
    feed($t->[1], '--config', $ic_ini);
}
$r = feed(mail(ar => $ar_zbx, subject => 'Problem: on purpose on web01!Zabbix'), '--config', $ic_ini);
like($r->{err}, qr/'!'/, "Icinga 2: a '!' in a name is refused");
# one good mail after them: once its call is logged, every earlier one would be
$r = feed(mail(ar => $ar_zbx, subject => 'Problem: Disk still full on web01'), '--config', $ic_ini);
ok(wait_for(sub { icinga_calls('process-check-result') >= $calls + 1 }, 10), 'Icinga 2 logged the good mail after them');
is(icinga_calls('process-check-result'), $calls + 1, 'Icinga 2: no API call for the refused, unmatched and injection mails');
wait_for(sub { (icinga_result('web01', 'Zabbix')->{output} // '') =~ /still/ }, 10);
is(icinga_result('web01', 'Zabbix')->{output}, 'Disk still full (Problem: Disk still full on web01)', 'and the last result is the good mail\'s');
my $ic_bad = "$dir/icinga-badca.ini";
write_file($ic_bad, encode('UTF-8', "[engine]\ntype = icinga2\nurl = https://localhost:$api_port\nca = $dir/ca/none.pem\n"
                                    . "user = mamori\npassword_file = $pwf\n\n$rules"));
$r = feed(mail(ar => $ar_zbx), '--config', $ic_bad);
is($r->{exit}, 75, 'Icinga 2 with a CA file that is not there: not submitted (TLS is verified)');

# ---- mamori silence → downtimes in both engines ------------------------------
$r = run_prog([$mamori, 'silence', 'add', '--config', $ng_ini, '--host', 'web01', '--alert', 'Zabbix',
               '--start', '+1h', '--end', '+3h', '--comment', 'パッチ適用']);
is($r->{exit}, 0, 'silence add with a Nagios engine') or diag($r->{err});
$r = run_prog([$mamori, 'silence', 'add', '--config', $ng_ini, '--host', 'nas01', '--end', '+2h', '--comment', "a;b\nc"]);
is($r->{exit}, 0, 'silence add for a whole host') or diag($r->{err});
$r = run_prog([$mamori, 'silence', 'add', '--config', $ng_ini, '--host', 'nas01', '--start', '+1d', '--end', '+1h',
               '--comment', 'あ' x 2000]);
is($r->{exit}, 0, 'silence add with a 6000-byte comment: it is cut, both lines still fit one write') or diag($r->{err});
$seen = nagios_since_mark();
is(scalar @{ $seen->{cmds} }, 5, 'Nagios logged five commands');
like($seen->{cmds}[4] // '', qr/^SCHEDULE_HOST_SVC_DOWNTIME;nas01;\d+;\d+;1;0;3600;mamori silence;(あ)+$/, 'the long comment, cut on a character');
like($seen->{cmds}[0] // '', qr/^SCHEDULE_SVC_DOWNTIME;web01;Zabbix;(\d+);(\d+);1;0;10800;mamori silence;パッチ適用$/,
     'SCHEDULE_SVC_DOWNTIME for the named alert');
like($seen->{cmds}[1] // '', qr/^SCHEDULE_HOST_DOWNTIME;nas01;\d+;\d+;1;0;7200;mamori silence;a;b c$/,
     'SCHEDULE_HOST_DOWNTIME for the host (the comment on one line)');
like($seen->{cmds}[2] // '', qr/^SCHEDULE_HOST_SVC_DOWNTIME;nas01;/, 'and its services');

$r = run_prog([$mamori, 'silence', 'add', '--config', $ic_ini, '--host', 'web01', '--alert', 'Zabbix', '--end', '+2h',
               '--comment', '作業']);
is($r->{exit}, 0, 'silence add with an Icinga 2 engine') or diag($r->{err});
my $req = encode('UTF-8', "【会社名・案件名】 サンプル\n【対象サーバ名】 nas01\n【期間】 "
    . POSIX::strftime('%Y/%m/%d %H:%M', localtime(time + 600)) . ' ～ ' . POSIX::strftime('%Y/%m/%d %H:%M', localtime(time + 4200))
    . "\n【作業概要】 UPS交換\n【対象警報】 すべての警報\n");
put("$dir/req.eml", "Authentication-Results: mx.mamori.test; dmarc=pass header.from=example.co.jp\r\n"
    . "From: yamada\@example.co.jp\r\nSubject: =?UTF-8?B?" . encode_base64(encode('UTF-8', '監視静観依頼'), '') . "?=\r\n"
    . "Content-Type: text/plain; charset=utf-8\r\n\r\n$req");
$r = run_prog([$mamori, 'silence', 'from-mail', '--config', $ic_ini, "$dir/req.eml"]);
is($r->{exit}, 0, 'silence from-mail (an authenticated sender) with an Icinga 2 engine') or diag($r->{err});
my $dts = icinga_get('/v1/objects/downtimes');
my @dt = map { $_->{attrs} } @{ $dts->{results} // [] };
ok((grep { $_->{host_name} eq 'web01' && $_->{service_name} eq 'Zabbix' && $_->{comment} eq '作業' } @dt),
   'Icinga 2 has the service downtime') or diag(explain($dts));
ok((grep { $_->{host_name} eq 'nas01' && $_->{service_name} eq '' && $_->{author} eq 'yamada@example.co.jp'
           && $_->{comment} =~ /サンプル/ } @dt), 'and the host downtime from the mail, by its sender');
my $ndt = @dt;
put("$dir/forged.eml", slurp("$dir/req.eml") =~ s/^Authentication-Results:.*\r\n//r);
$r = run_prog([$mamori, 'silence', 'from-mail', '--config', $ic_ini, "$dir/forged.eml"]);
is($r->{exit}, 1, 'a forged 静観依頼 is refused');
is(scalar @{ icinga_get('/v1/objects/downtimes')->{results} // [] }, $ndt, 'and no downtime reaches Icinga 2');
$r = run_prog([$mamori, 'silence', 'add', '--config', $dead_ini, '--host', 'web01', '--end', '+1h']);
is($r->{exit}, 1, 'silence add with a dead Nagios: exit 1');
like($r->{err}, qr/stored, but the engine .* has no downtime/, 'the window is stored, the engine push reported');

# ---- the shipped example config loads and routes its examples ----------------
{
    my $src = $ENV{MAMORI_SRC} // '.';
    my $ex = slurp("$src/contrib/mail2alert.ini.example");
    ok($ex =~ s{/etc/mamori/ups\.token}{$tokf}, 'contrib/mail2alert.ini.example has the UPS token file');
    write_file("$dir/example.ini", $ex);
    my $sns = "Authentication-Results: mx.example.jp; dkim=pass header.d=sns.amazonaws.com\r\n"
            . "From: AWS Notifications <no-reply\@sns.amazonaws.com>\r\nSubject: ALARM: \"web01-HighCPU\" in Asia Pacific (Tokyo)\r\n"
            . "\r\n- State Change: OK -> ALARM\r\nTopicArn: arn:aws:sns:ap-northeast-1:123456789012:monitoring\r\n";
    my $r = feed($sns, '--config', "$dir/example.ini", '--dry-run');
    like($r->{out}, qr/^would submit \(rule cloudwatch.*PROCESS_SERVICE_CHECK_RESULT;web01;CloudWatch HighCPU;2;/m,
         'the example CloudWatch rule') or diag($r->{err});
    $r = feed($sns =~ s/123456789012/999999999999/r, '--config', "$dir/example.ini", '--dry-run');
    like($r->{out}, qr/^would keep as unmatched/m, 'another AWS account\'s alarm does not match it');
    $r = feed(mail(ar => "Authentication-Results: mx.example.jp; dkim=pass header.d=example.co.jp\r\n",
                   subject => utf8_subject('障害: ディスク on db01')), '--config', "$dir/example.ini", '--dry-run');
    like(Encode::decode('UTF-8', $r->{out}), qr/PROCESS_SERVICE_CHECK_RESULT;db01;Zabbix;2;ディスク/, 'the example Zabbix rule');
    $r = feed($ups->("UPS 復旧：商用電源復帰\nups-T0ken-9\n") =~ s/nas01 <admin\@nas/UPS <ups\@nas/r, '--config', "$dir/example.ini", '--dry-run');
    like(Encode::decode('UTF-8', $r->{out}), qr/PROCESS_HOST_CHECK_RESULT;nas01;0;UPS 復旧: 商用電源復帰/, 'the example UPS rule (ISO-2022-JP)');
}

done_testing;
