# mamori report: runbook 004's monthly report from a Nagios-format log and
# mamori's audit logs. A hand-made month checks the arithmetic exactly; a
# log written by a real Nagios 4 (and Icinga 2's CompatLogger) checks that
# the real format is read; bad input is counted, never fatal.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(strftime :sys_wait_h);
use Time::HiRes qw(time sleep);
use Time::Local qw(timegm);
use Mamori::Test;
use Mamori::Server qw(need_binary write_file);

# the customers' time zone, with no DST: days and months are JST
$ENV{TZ} = 'Asia/Tokyo';
POSIX::tzset();
delete $ENV{MAMORI_CONFIG};

my $mamori = bin('mamori');
my $dir = tempdir('mamori-report-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub jst { my ($y, $mo, $d, $h, $mi, $s) = @_; timegm($s // 0, $mi // 0, $h // 0, $d, $mo - 1, $y) - 9 * 3600 }
sub report { run_prog([$mamori, 'report', @_], timeout => 60) }
sub slurp { my ($f) = @_; open my $h, '<', $f or die "$f: $!"; local $/; my $t = <$h>; close $h; $t }

# simple CSV (RFC 4180): quoted fields with doubled quotes, CRLF lines
sub parse_csv {
    my ($text) = @_;
    my @rows;
    for my $line (split /\r\n/, $text) {
        my @f;
        while ($line =~ /\G(?:"((?:[^"]|"")*)"|([^,]*))(,|\z)/g) {
            my ($q, $plain, $sep) = ($1, $2, $3);
            push @f, defined $q ? $q =~ s/""/"/gr : $plain;
            last if $sep eq '';
        }
        push @rows, \@f;
    }
    my $head = shift @rows;
    return map { my %h; @h{@$head} = @$_; \%h } @rows;
}

# tags balance (void elements and <x/> aside), and nothing is fetched from elsewhere
sub check_html {
    my ($html, $what) = @_;
    my @stack;
    my $ok = 1;
    my %void = map { $_ => 1 } qw(br meta hr img input link);
    (my $body = $html) =~ s/<!DOCTYPE[^>]*>//i;
    while ($body =~ /<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g) {
        my ($close, $tag, $rest) = ($1, lc $2, $3);
        next if $void{$tag} || $rest =~ m{/\s*\z};
        if (!$close) { push @stack, $tag; next }
        my $open = pop @stack;
        if (!defined $open || $open ne $tag) { $ok = 0; diag("$what: </$tag> closes <" . ($open // 'nothing') . ">"); last }
    }
    ok($ok && !@stack, "$what: tags balance") or diag("unclosed: @stack");
    unlike($html, qr{https?:|<script|\bsrc=|url\(|<link|\@import}i, "$what: no script, no external reference");
    like($html, qr{<svg\b.*</svg>}s, "$what: the inline SVG chart is there");
    like($html, qr{<style>}, "$what: inline CSS");
}

# ---------------------------------------------------------------- the month
my $from = jst(2026, 10, 1);
my $to = jst(2026, 11, 1);
my $len = $to - $from;
is($len, 31 * 86400, 'October is 31 days');

sub line { my ($t, $text) = @_; "[$t] $text\n" }
my $archive = join '',
    line(jst(2026, 9, 30), 'LOG VERSION: 2.0'),
    line(jst(2026, 9, 30), 'CURRENT HOST STATE: web1;UP;HARD;1;'),
    line(jst(2026, 9, 30), 'CURRENT SERVICE STATE: web1;HTTP;OK;HARD;1;fine'),
    line(jst(2026, 9, 30), 'CURRENT HOST STATE: db1;UP;HARD;1;PING OK'),
    # a problem that began before the period: its first 30 minutes count, its alert does not
    line(jst(2026, 9, 30, 23), 'SERVICE ALERT: web1;HTTP;CRITICAL;HARD;3;down'),
    line(jst(2026, 10, 1, 0, 30), 'SERVICE ALERT: web1;HTTP;OK;HARD;3;up'),
    line(jst(2026, 10, 3, 10), 'SERVICE ALERT: web1;HTTP;CRITICAL;SOFT;1;down'),
    line(jst(2026, 10, 3, 10), 'SERVICE EVENT HANDLER: web1;HTTP;CRITICAL;SOFT;1;recover_http'),
    line(jst(2026, 10, 3, 10, 1), 'SERVICE ALERT: web1;HTTP;CRITICAL;SOFT;2;down'),
    line(jst(2026, 10, 3, 10, 1), 'SERVICE EVENT HANDLER: web1;HTTP;CRITICAL;SOFT;2;recover_http'),
    line(jst(2026, 10, 3, 10, 2), 'SERVICE NOTIFICATION: ops;web1;HTTP;CRITICAL;notify-service-by-email;down'),
    line(jst(2026, 10, 3, 10, 2), 'SERVICE NOTIFICATION: ops;web1;HTTP;CRITICAL;mamori-notify-chat;down'),
    line(jst(2026, 10, 3, 10, 2), 'SERVICE ALERT: web1;HTTP;CRITICAL;HARD;3;down'),
    line(jst(2026, 10, 3, 10, 2), 'SERVICE EVENT HANDLER: web1;HTTP;CRITICAL;HARD;3;recover_http'),
    line(jst(2026, 10, 3, 10, 32), 'SERVICE NOTIFICATION: ops;web1;HTTP;OK;notify-service-by-email;up'),
    line(jst(2026, 10, 3, 10, 32), 'SERVICE NOTIFICATION: ops;web1;HTTP;OK;mamori-notify-chat;up'),
    line(jst(2026, 10, 3, 10, 32), 'SERVICE ALERT: web1;HTTP;OK;HARD;3;up'),
    line(jst(2026, 10, 5, 12), 'HOST ALERT: db1;DOWN;HARD;1;PING CRITICAL - 100% loss'),
    line(jst(2026, 10, 5, 12), 'HOST NOTIFICATION: ops;db1;DOWN;mamori-notify-call;PING CRITICAL'),
    line(jst(2026, 10, 5, 12, 10), 'HOST ALERT: db1;UP;HARD;1;PING OK');
my $current = join '',
    line(jst(2026, 10, 10, 2), 'SERVICE DOWNTIME ALERT: web1;HTTP;STARTED; Service has entered a period of scheduled downtime'),
    # a problem inside the downtime is not an outage
    line(jst(2026, 10, 10, 2, 30), 'SERVICE ALERT: web1;HTTP;WARNING;HARD;1;slow'),
    line(jst(2026, 10, 10, 3), 'SERVICE ALERT: web1;HTTP;OK;HARD;1;ok'),
    line(jst(2026, 10, 10, 4), 'SERVICE DOWNTIME ALERT: web1;HTTP;STOPPED; Service has exited from a period of scheduled downtime'),
    line(jst(2026, 10, 12), 'EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;0;fine'),
    # known only from the 16th on
    line(jst(2026, 10, 16), 'SERVICE ALERT: web1;SSH;CRITICAL;HARD;1;Connection refused'),
    line(jst(2026, 10, 16, 6), 'SERVICE ALERT: web1;SSH;OK;HARD;1;SSH OK'),
    # across midnight
    line(jst(2026, 10, 20, 23), 'SERVICE ALERT: web1;HTTP;CRITICAL;HARD;3;down'),
    line(jst(2026, 10, 21, 1), 'SERVICE ALERT: web1;HTTP;OK;HARD;3;up'),
    # SOFT only: not an outage
    line(jst(2026, 10, 25), 'SERVICE ALERT: web1;HTTP;CRITICAL;SOFT;1;blip'),
    line(jst(2026, 10, 25, 0, 1), 'SERVICE ALERT: web1;HTTP;OK;SOFT;2;ok'),
    # after the period
    line(jst(2026, 11, 1), 'SERVICE ALERT: web1;HTTP;CRITICAL;HARD;3;after'),
    line(jst(2026, 11, 2), 'HOST ALERT: late;DOWN;HARD;1;x');
write_file("$dir/nagios-10-01-2026-00.log", $archive);
write_file("$dir/nagios.log", $current);

sub rec { my (%h) = @_; '{' . join(',', map { my $v = $h{$_}; "\"$_\":" . ($v =~ /^-?[\d.]+\z/ ? $v : "\"$v\"") } sort keys %h) . "}\n" }
my $recover = join '',
    rec(time => '2026-10-03T10:02:10+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'verify', exit => 1, duration => 1.5, outcome => 'failing', pid => 100),
    rec(time => '2026-10-03T10:02:20+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'restart', exit => 0, duration => 5, outcome => 'ok', pid => 100),
    rec(time => '2026-10-05T12:01:00+0900', host => 'db1', service => '', runbook => 'ping', step => 'verify', exit => 0, duration => 1, outcome => 'ok', pid => 999),
    rec(time => '2026-10-03T10:02:25+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'verify-again', exit => 0, duration => 0.2, outcome => 'ok', pid => 100),
    rec(time => '2026-10-03T10:02:30+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'outcome', duration => 0, outcome => 'recovered', pid => 100),
    rec(time => '2026-10-05T12:01:01+0900', host => 'db1', service => '', runbook => 'ping', step => 'outcome', duration => 0, outcome => 'answering', pid => 999),
    "this is not json\n",
    rec(time => 'yesterday', host => 'web1', service => 'HTTP', step => 'outcome', outcome => 'recovered', pid => 5),
    rec(time => '2026-10-20T23:00:05+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'verify', exit => 1, duration => 5, outcome => 'failing', pid => 200),
    rec(time => '2026-10-20T23:01:00+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'outcome', duration => 0, outcome => 'escalated', pid => 200),
    # a run that ended without an outcome line; its pid comes round again below
    rec(time => '2026-10-15T00:00:00+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'lock', duration => 0, outcome => 'busy', pid => 300),
    rec(time => '2026-10-21T00:10:30+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'verify', exit => 1, duration => 0.5, outcome => 'failing', pid => 300),
    rec(time => '2026-10-21T00:11:00+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'outcome', duration => 0, outcome => 'recovered', pid => 300),
    rec(time => '2026-11-02T00:00:00+0900', host => 'web1', service => 'HTTP', runbook => 'http', step => 'outcome', duration => 0, outcome => 'recovered', pid => 400);
my $notify = join '',
    (map { rec(time => "2026-10-0${_}T01:02:01.100Z", channel => 'mail', target => 'ops@example.com', id => "m$_", result => 'sent', error => 'none', program => 'notify_mail', pid => 7) } 3, 4, 5),
    rec(time => '2026-10-06T01:00:00.000Z', channel => 'mail', target => 'ops@example.com', id => 'm6', result => 'failed', program => 'notify_mail', pid => 7),
    rec(time => '2026-10-06T01:00:00.010Z', channel => 'mail', target => 'ops@example.com', id => 'm6', result => 'spooled', program => 'notify_mail', pid => 7),
    rec(time => '2026-10-06T02:00:00.000Z', channel => 'mail', target => 'ops@example.com', id => 'm6', result => 'resent', program => 'mamori spool', pid => 8),
    (map { rec(time => "2026-10-1${_}T00:00:00Z", channel => 'chat', target => 'slack ops', id => "c$_", result => 'sent', program => 'notify_chat', pid => 9) } 1, 2),
    rec(time => '2026-10-05T03:00:00Z', channel => 'call', target => '+81300000000', id => 'k1', result => 'sent', program => 'notify_call', pid => 10),
    rec(time => '2026-10-05T03:00:01Z', channel => 'call', target => '+81300000001', id => 'k2', result => 'silenced', program => 'notify_call', pid => 10),
    rec(time => '2026-11-05T00:00:00Z', channel => 'mail', target => 'ops@example.com', id => 'late', result => 'sent', program => 'notify_mail', pid => 7);
write_file("$dir/recover.audit.jsonl", $recover);
write_file("$dir/audit.log", $notify);

my @month = ('--month', '2026-10', '--log', "$dir/nagios.log", '--log', "$dir/nagios-10-01-2026-00.log",
             '--audit', "$dir/recover.audit.jsonl", '--audit', "$dir/audit.log");

my $r = report(@month, '--format', 'csv');
is($r->{exit}, 0, 'csv: exit 0') or diag($r->{err});
like($r->{err}, qr/skipped 0 unreadable log line\(s\) and 2 audit line\(s\)/, 'the two bad audit lines are reported');
my %row = map { ($_->{host} . '/' . $_->{service}) => $_ } parse_csv($r->{out});
is_deeply([sort keys %row], ['db1/', 'web1/', 'web1/HTTP', 'web1/SSH'], 'one row per host and service, none from outside the period');
my $http = $row{'web1/HTTP'};
my %want_http = (
    type => 'service', alerts => 3, soft_alerts => 3, ok_up_s => $len - 10800 - 7200, warning_down_s => 0,
    critical_unreachable_s => 1800 + 1800 + 7200, unknown_s => 0, downtime_s => 7200, nodata_s => 0,
    downtimes => 1, handler_runs => 3, recoveries => 2, ttr_avg_s => '26.0', ttr_max_s => '30.5',
    escalations => 1, notify_mail => 2, notify_call => 0, notify_chat => 2, notify_other => 0,
    availability_pct => sprintf('%.3f', ($len - 10800 - 7200) / ($len - 7200) * 100),
);
for my $k (sort keys %want_http) {
    is($http->{$k}, $want_http{$k}, "web1/HTTP $k");
}
is($http->{availability_pct}, '99.596', 'web1/HTTP availability 99.596%');
my $ssh = $row{'web1/SSH'};
is($ssh->{availability_pct}, sprintf('%.3f', 98.4375), 'web1/SSH: availability over its known 16 days only');
is($ssh->{ok_up_s}, 16 * 86400 - 21600, 'web1/SSH OK time');
is($ssh->{critical_unreachable_s}, 21600, 'web1/SSH CRITICAL time');
is($ssh->{nodata_s}, 15 * 86400, 'web1/SSH: the first 15 days have no data');
my $db1 = $row{'db1/'};
is($db1->{type}, 'host', 'db1 is a host row');
is($db1->{warning_down_s}, 600, 'db1 DOWN 10 minutes');
is($db1->{availability_pct}, sprintf('%.3f', ($len - 600) / $len * 100), 'db1 availability');
is($db1->{notify_call}, 1, 'db1: one call notification');
is($db1->{alerts}, 1, 'db1: one alert');
is($db1->{recoveries} . $db1->{escalations}, '00', 'db1: "answering" is neither a recovery nor an escalation');
is($row{'web1/'}{availability_pct}, '100.000', 'web1 host UP all month');

# the same in text, Japanese by default
$r = report(@month);
is($r->{exit}, 0, 'text: exit 0');
my $t = $r->{out};
like($t, qr/月次監視レポート/, 'Japanese title');
like($t, qr/期間: 2026-10-01 00:00 - 2026-11-01 00:00 JST/, 'the period in local time');
like($t, qr/^チャネル\s+送信\s+失敗\s+スプール\s+消失\s+静観\s+破棄\s+再送\s+再送失敗$/m, 'delivery headings in Japanese');
like($t, qr/^web1\s+HTTP\s+99\.596%\s+3\s+2\s+1\s+4$/m, 'summary row: availability, alerts, recoveries, escalations, notifications');
like($t, qr/^db1\s+\(ホスト\)\s+99\.978%\s+1\s+0\s+0\s+1$/m, 'host row');
like($t, qr/自動復旧: 2 \(復旧所要時間: 平均 00:00:26、最大 00:00:31\)、エスカレーション: 1/, 'recoveries with their time to recover');
like($t, qr/CRITICAL 03:00:00、UNKNOWN 00:00:00、メンテナンス \(ダウンタイム\) 02:00:00/, 'time in each state and downtime');
like($t, qr/OK 30日 19:00:00/, 'OK time in days');
like($t, qr/通知: メール 2、電話 0、チャット 2、その他 0/, 'notifications by channel');
my ($mail) = $t =~ /^mail((?:\s+\d+){8})$/m;
is(join(',', split ' ', $mail // ''), '3,1,1,0,0,0,1,0', 'deliveries of mail: sent, failed, spooled, lost, silenced, dropped, resent, resend-failed');
like($t, qr/^call\s+1\s+0\s+0\s+0\s+1\s+0\s+0\s+0$/m, 'deliveries of call');

$r = report(@month, '--lang', 'en');
like($r->{out}, qr/Monthly monitoring report/, 'English title');
like($r->{out}, qr/Auto recoveries: 2 \(time to recover: average 00:00:26, max 00:00:31\), Escalations: 1/, 'English details');

# HTML: self-contained, the chart's days
$r = report(@month, '--format', 'html');
is($r->{exit}, 0, 'html: exit 0');
check_html($r->{out}, 'month html');
like($r->{out}, qr/<title>2026-10-03: 1<\/title>/, 'the chart has the alert of the 3rd');
like($r->{out}, qr/<title>2026-10-05: 1<\/title>/, 'and the host alert of the 5th');
like($r->{out}, qr/<title>2026-10-31: 0<\/title>/, 'and a bar for the last day');
is(() = $r->{out} =~ /<rect fill="#e8a33d"/g, 31, 'one bar per day');
like($r->{out}, qr/<polyline fill="none" stroke="#2a6fbb" stroke-width="2" points="[\d., ]+"/, 'the availability line');
like($r->{out}, qr/<html lang="ja">/, 'Japanese page');

# filters
$r = report(@month, '--format', 'csv', '--host', 'db*');
is_deeply([map { $_->{host} } parse_csv($r->{out})], ['db1'], '--host db*');
$r = report(@month, '--format', 'csv', '--service', 'S?H');
is_deeply([map { "$_->{host}/$_->{service}" } parse_csv($r->{out})], ['web1/SSH'], '--service S?H leaves the hosts out');

# --output, atomically, the same bytes as stdout
$r = report(@month, '--format', 'csv', '--output', "$dir/out.csv");
is($r->{exit}, 0, '--output: exit 0');
is(slurp("$dir/out.csv"), report(@month, '--format', 'csv')->{out}, '--output writes what stdout shows');
ok(!glob("$dir/out.csv.tmp*"), 'no temporary file left');

# --from/--to: one day (the 3rd) only
$r = report('--from', '2026-10-03', '--to', '2026-10-04', '--format', 'csv', '--log', "$dir/nagios-10-01-2026-00.log",
            '--log', "$dir/nagios.log", '--audit', '/dev/null');
my ($d3) = grep { $_->{service} eq 'HTTP' } parse_csv($r->{out});
is($d3->{critical_unreachable_s}, 1800, '--from/--to: the 3rd has 30 minutes CRITICAL');
is($d3->{availability_pct}, sprintf('%.3f', (86400 - 1800) / 86400 * 100), '--from/--to: availability of the day');

# the default audit logs: the state dir's, and the config's audit_log
write_file("$dir/empty.ini", "[mamori]\n");
$r = run_prog([$mamori, 'report', '--month', '2026-10', '--log', "$dir/nagios.log", '--log',
               "$dir/nagios-10-01-2026-00.log", '--format', 'csv'],
              env => { MAMORI_STATE_DIR => $dir, MAMORI_CONFIG => "$dir/empty.ini" });
($http) = grep { $_->{service} eq 'HTTP' } parse_csv($r->{out});
is($http->{recoveries}, 2, 'the audit logs of the state dir are read by default');
mkdir "$dir/elsewhere";
write_file("$dir/audit.ini", "[mamori]\naudit_log = $dir/audit.log\n");
$r = run_prog([$mamori, 'report', '--month', '2026-10', '--log', "$dir/nagios.log", '--config', "$dir/audit.ini"],
              env => { MAMORI_STATE_DIR => "$dir/elsewhere" });
like($r->{out}, qr/^mail\s+3\s+1\s+1\s/m, '--config: the notifiers\' audit_log it names is read');
unlike($r->{out}, qr/自動復旧: [1-9]/, '--config: no recover audit in that state dir');

# ---------------------------------------------------------------- bad input
{
    open my $f, '>', "$dir/bad.log" or die;
    print $f line(jst(2026, 10, 1), 'CURRENT SERVICE STATE: web1;HTTP;OK;HARD;1;fine');
    print $f "garbage without a timestamp\n";
    print $f "[12345 SERVICE ALERT: web1;HTTP;CRITICAL;HARD;1;x\n";
    print $f "[1790000000] SERVICE ALERT: web1;HT\n";                      # truncated
    print $f "[1790000000] SERVICE ALERT: web1;HTTP;BROKEN;HARD;1;x\n";     # no such state
    print $f "[1790000000] HOST ALERT: \xff\xfe;DOWN;HARD;1;x\n";           # not UTF-8
    print $f "[1790000000] SERVICE ALERT: web\xc3;HTTP;CRITICAL;HARD;1;x\n";
    print $f "[999999999999999999999999] SERVICE ALERT: web1;HTTP;CRITICAL;HARD;1;x\n";
    print $f "[1790000000] SERVICE NOTIFICATION: ops;web1;HTTP;CRITICAL\n";  # no command
    print $f "[1790000000] SERVICE ALERT: web1;HTTP;CRITICAL;HARD;1;x\0y\n";  # a NUL
    print $f '[1790000000] SERVICE ALERT: web1;HTTP;CRITICAL;HARD;1;' . ('x' x (10 * 1024 * 1024)) . "\n";
    print $f line(jst(2026, 10, 31, 12), 'SERVICE ALERT: web1;HTTP;CRITICAL;HARD;1;still read');
    print $f "\n";
    print $f '[1790000000] SERVICE ALERT: web1;HTTP;CRI';                  # truncated, no newline
    close $f;
}
my $t0 = time;
$r = report('--month', '2026-10', '--log', "$dir/bad.log", '--audit', "$dir/bad.log", '--format', 'csv');
my $secs = time - $t0;
is($r->{exit}, 0, 'bad input: exit 0, no crash');
ok($secs < 10, sprintf('bad input with a 10 MB line read in %.1f s', $secs));
like($r->{err}, qr/skipped 11 unreadable log line\(s\) and 13 audit line\(s\)/, 'every bad line is counted as skipped')
    or diag($r->{err});
($http) = parse_csv($r->{out});
is($http->{critical_unreachable_s}, 12 * 3600, 'the good lines around the bad ones are still read');
$r = report('--month', '2026-10', '--log', "$dir/bad.log", '--audit', '/dev/null', '--format', 'html');
check_html($r->{out}, 'bad input html');
like($r->{out}, qr/読み飛ばし \(解読不能\) 11/, 'the page says how many lines were skipped');

# more open handler runs than the reader keeps: the oldest lose their start
{
    my $runs = join '', (map { rec(time => '2026-10-07T00:00:00+0900', host => 'web1', service => 'HTTP', step => 'verify',
                                   duration => 0, outcome => 'failing', pid => $_) } 1 .. 300),
        rec(time => '2026-10-07T00:01:00+0900', host => 'web1', service => 'HTTP', step => 'outcome', duration => 0,
            outcome => 'recovered', pid => 1),
        rec(time => '2026-10-07T00:01:40+0900', host => 'web1', service => 'HTTP', step => 'outcome', duration => 0,
            outcome => 'recovered', pid => 300);
    write_file("$dir/runs.jsonl", $runs);
    $r = report('--month', '2026-10', '--log', "$dir/nagios.log", '--audit', "$dir/runs.jsonl", '--format', 'csv');
    my ($h) = grep { $_->{service} eq 'HTTP' } parse_csv($r->{out});
    is($h->{recoveries}, 2, 'many open runs: both recoveries counted');
    is($h->{ttr_avg_s}, '100.0', 'many open runs: the time to recover only of the run whose start is known');
}

# fuzz_report_read: a day the month does not have is no time (it was read
# as the 3rd of March), and a step "lasting" a billion seconds made a time
# to recover of 30 years; such a duration is damage, the run's own records
# bound it (at most 2 x 3600 s)
{
    my $bad = join '',
        rec(time => '2026-10-07T00:00:00+0900', host => 'web1', service => 'HTTP', step => 'verify', duration => 1e9,
            outcome => 'failing', pid => 41),
        rec(time => '2026-10-07T00:00:30+0900', host => 'web1', service => 'HTTP', step => 'outcome', duration => 0,
            outcome => 'recovered', pid => 41),
        rec(time => '2026-09-31T00:00:00Z', channel => 'mail', target => 'ops@example.com', id => 'x', result => 'sent',
            program => 'notify_mail', pid => 7),
        rec(time => '2026-10-31T00:00:00Z', channel => 'mail', target => 'ops@example.com', id => 'y', result => 'sent',
            program => 'notify_mail', pid => 7);
    write_file("$dir/fuzz.jsonl", $bad);
    $r = report('--month', '2026-10', '--log', "$dir/nagios.log", '--audit', "$dir/fuzz.jsonl", '--format', 'csv');
    my ($h) = grep { $_->{service} eq 'HTTP' } parse_csv($r->{out});
    is($h->{recoveries}, 1, 'fuzz_report_read: the recovery counted');
    is($h->{ttr_max_s}, '30.0', 'fuzz_report_read: a billion-second step does not make the time to recover');
    like($r->{err}, qr/and 1 audit line\(s\)/, 'fuzz_report_read: 2026-09-31 is skipped as no time');
    $r = report('--month', '2026-10', '--log', "$dir/nagios.log", '--audit', "$dir/fuzz.jsonl");
    like($r->{out}, qr/^mail\s+1\s/m, 'fuzz_report_read: one mail sent, the one with a real date');
}

# random bytes, with enough '[', ';' and newlines to reach the parsers
{
    srand(8);
    my @alphabet = ('[', ']', ';', "\n", ' ', '1', '7', '9', 'SERVICE ALERT: ', 'HOST ALERT: ', 'OK', 'HARD', '{', '"', ':',
                    '"time"', '2026-10-03T10:02:30+0900', map { chr } 0 .. 255);
    my $junk = join '', map { $alphabet[rand @alphabet] } 1 .. 300_000;
    write_file("$dir/random.log", $junk);
    $r = report('--month', '2026-10', '--log', "$dir/random.log", '--audit', "$dir/random.log", '--format', 'html');
    is($r->{exit}, 0, 'random bytes: exit 0');
    like($r->{err}, qr/skipped [1-9]\d* unreadable log line/, 'random bytes: skipped lines counted');
    check_html($r->{out}, 'random bytes html');
}

# hostile names are escaped in HTML and quoted in CSV
write_file("$dir/names.log", line(jst(2026, 10, 2), 'CURRENT SERVICE STATE: <b>"x",y;svc </script>& ;OK;HARD;1;x'));
$r = report('--month', '2026-10', '--log', "$dir/names.log", '--audit', '/dev/null', '--format', 'html');
check_html($r->{out}, 'hostile names html');
like($r->{out}, qr/&lt;b&gt;&quot;x&quot;,y/, 'the host name is escaped');
$r = report('--month', '2026-10', '--log', "$dir/names.log", '--audit', '/dev/null', '--format', 'csv');
($row{x}) = parse_csv($r->{out});
is($row{x}{host}, '<b>"x",y', 'CSV quotes a name with quotes and a comma');
is($row{x}{service}, 'svc </script>& ', 'and keeps a trailing space');

# ---------------------------------------------------------------- empty month
write_file("$dir/empty.log", '');
for my $fmt (qw(text csv html)) {
    $r = report('--month', '2020-02', '--log', "$dir/nagios.log", '--audit', "$dir/audit.log", '--format', $fmt);
    is($r->{exit}, 0, "empty month ($fmt): exit 0");
}
$r = report('--month', '2020-02', '--log', "$dir/empty.log", '--audit', '/dev/null');
like($r->{out}, qr/この期間の監視ログに対象のホスト・サービスはありません/, 'empty month: says there is nothing');
$r = report('--month', '2020-02', '--log', "$dir/empty.log", '--audit', '/dev/null', '--format', 'csv');
is(scalar(() = $r->{out} =~ /\r\n/g), 1, 'empty month CSV: the header only');
$r = report('--month', '2020-02', '--log', "$dir/empty.log", '--audit', '/dev/null', '--format', 'html');
check_html($r->{out}, 'empty month html');
is(() = $r->{out} =~ /<rect fill="#e8a33d"/g, 29, 'empty February 2020: 29 bars');

# the default period: last month, local time
{
    my @now = localtime;
    my ($y, $m) = ($now[5] + 1900, $now[4]);   # last month, 1-based
    ($y, $m) = ($y - 1, 12) if $m == 0;
    $r = report('--log', "$dir/empty.log", '--audit', '/dev/null', '--lang', 'en');
    like($r->{out}, qr/^Period: \Q${\ sprintf('%04d-%02d-01 00:00', $y, $m)}\E - /m, 'default period: last month');
}

# ---------------------------------------------------------------- wrong options
for my $bad (['--month', '2026-13'], ['--month', '2026-10', '--from', '2026-10-01'], ['--to', '2026-10-01'],
             ['--from', '2026-10-01', '--to', '2026-09-01'], ['--from', '2026-10-01 25:00'],
             ['--format', 'xml'], ['--lang', 'fr'], ['--log', "$dir/missing.log"],
             ['--audit', "$dir/missing.jsonl", '--log', "$dir/empty.log"],
             ['--from', '2020-01-01', '--to', '2026-01-01', '--log', "$dir/empty.log"]) {
    $r = report(@$bad);
    is($r->{exit}, 3, "@$bad: exit 3");
    like($r->{out} . $r->{err}, qr/\S/, "@$bad: says why");
}

# ---------------------------------------------------------------- real engines
# A passive service flipped through the engine's command pipe: OK, three
# CRITICAL results (SOFT, SOFT, HARD), a downtime while CRITICAL, OK again.
# The expected numbers are taken from the timestamps the engine wrote.

sub wait_for { my ($file, $re, $limit) = @_; my $end = time + $limit;
    while (time < $end) { my $t = -f $file ? slurp($file) : ''; return $t if $t =~ $re; sleep 0.2 } return undef }

sub send_cmd { my ($pipe, $cmd) = @_;
    open my $p, '>', $pipe or die "$pipe: $!"; syswrite $p, sprintf("[%d] %s\n", time, $cmd); close $p }

sub stop_engine { my ($pid) = @_; kill 'TERM', $pid; my $end = time + 20;
    while (time < $end) { return if waitpid($pid, WNOHANG) == $pid; sleep 0.1 } kill 'KILL', $pid; waitpid($pid, 0) }

# the scenario's numbers from the log itself
sub expect_from_log {
    my ($log) = @_;
    my ($first) = $log =~ /^\[(\d+)\] (?:INITIAL SERVICE STATE|SERVICE ALERT): web1;HTTP;OK;HARD;/m;
    my ($crit) = $log =~ /^\[(\d+)\] SERVICE ALERT: web1;HTTP;CRITICAL;HARD;/m;
    my ($dstart) = $log =~ /^\[(\d+)\] SERVICE DOWNTIME ALERT: web1;HTTP;STARTED;/m;
    my ($dstop) = $log =~ /^\[(\d+)\] SERVICE DOWNTIME ALERT: web1;HTTP;(?:STOPPED|CANCELLED);/m;
    my ($ok) = $log =~ /^\[(\d+)\] SERVICE ALERT: web1;HTTP;OK;HARD;\d+;up again/m;
    my ($last) = $log =~ /^\[(\d+)\][^\n]*\n\z/m;
    return undef unless defined $first && $crit && $dstart && $dstop && $ok && $last;
    my %e = (first => $first, to => $last + 1, downtime_s => $dstop - $dstart,
             critical_unreachable_s => ($ok - $crit) - ($dstop - $dstart));
    $e{ok_up_s} = ($e{to} - $first) - $e{critical_unreachable_s} - $e{downtime_s};
    return \%e;
}

sub engine_report {
    my ($what, $log, $e, %want) = @_;
    my $fmt = sub { strftime('%Y-%m-%d %H:%M:%S', localtime $_[0]) };
    # a period that has not ended stops at now: let it end first
    sleep 0.1 while time < $e->{to} + 0.2;
    my $r = report('--from', $fmt->($e->{first} - 120), '--to', $fmt->($e->{to}), '--log', $log,
                   '--audit', '/dev/null', '--format', 'csv');
    is($r->{exit}, 0, "$what: exit 0") or diag($r->{err});
    unlike($r->{err}, qr/skipped [1-9]/, "$what: every line of the real log is understood");
    my ($row) = grep { $_->{service} eq 'HTTP' } parse_csv($r->{out});
    ok($row, "$what: the passive service has a row") or return;
    ok($e->{critical_unreachable_s} > 0 && $e->{downtime_s} > 0, "$what: the scenario has an outage and a downtime");
    for my $k (qw(critical_unreachable_s downtime_s ok_up_s)) {
        is($row->{$k}, $e->{$k}, "$what: $k from the log's own timestamps") or diag(slurp($log));
    }
    is($row->{availability_pct}, sprintf('%.3f', $e->{ok_up_s} / ($e->{ok_up_s} + $e->{critical_unreachable_s}) * 100),
       "$what: availability");
    is($row->{$_}, $want{$_}, "$what: $_") for sort keys %want;
    $r = report('--from', $fmt->($e->{first} - 120), '--to', $fmt->($e->{to}), '--log', $log, '--audit', '/dev/null',
                '--format', 'html');
    check_html($r->{out}, "$what html");
}

# Nagios 4
{
    my $nagios = need_binary('/usr/sbin/nagios4', 'nagios4-core');
    my $n = tempdir('mamori-report-nagios-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$n/$_" for qw(rw tmp spool spool/checkresults);
    my %cfg = (log_file => "$n/nagios.log", cfg_file => "$n/objects.cfg", object_cache_file => "$n/objects.cache",
        precached_object_file => "$n/objects.precache", resource_file => "$n/resource.cfg", status_file => "$n/status.dat",
        nagios_user => 'root', nagios_group => 'root', check_external_commands => 1, command_file => "$n/rw/nagios.cmd",
        lock_file => "$n/nagios.lock", temp_file => "$n/tmp/nagios.tmp", temp_path => "$n/tmp",
        check_result_path => "$n/spool/checkresults", query_socket => "$n/rw/nagios.qh",
        state_retention_file => "$n/retention.dat", retain_state_information => 0, interval_length => 1,
        log_initial_states => 1, log_service_retries => 1, log_event_handlers => 1, log_notifications => 1,
        enable_notifications => 1, enable_event_handlers => 1, accept_passive_service_checks => 1,
        check_result_reaper_frequency => 1, service_inter_check_delay_method => 'n', host_inter_check_delay_method => 'n');
    write_file("$n/nagios.cfg", join '', map { "$_=$cfg{$_}\n" } sort keys %cfg);
    write_file("$n/resource.cfg", '');
    my $obj = <<'CFG';
define command {
  command_name ok
  command_line /bin/true
}
define command {
  command_name notify-service-by-email
  command_line /bin/true
}
define command {
  command_name mamori-notify-chat
  command_line /bin/true
}
define command {
  command_name recover_http
  command_line /bin/true
}
define timeperiod {
  timeperiod_name always
  alias always
CFG
    $obj .= "  $_ 00:00-24:00\n" for qw(sunday monday tuesday wednesday thursday friday saturday);
    $obj .= <<'CFG';
}
define contact {
  contact_name ops
  host_notifications_enabled 1
  service_notifications_enabled 1
  host_notification_period always
  service_notification_period always
  host_notification_options d,u,r
  service_notification_options w,u,c,r
  host_notification_commands notify-service-by-email
  service_notification_commands notify-service-by-email,mamori-notify-chat
}
define host {
  host_name web1
  address 127.0.0.1
  check_command ok
  max_check_attempts 1
  check_interval 300
  retry_interval 1
  check_period always
  notification_interval 0
  notification_period always
  contacts ops
}
define service {
  host_name web1
  service_description HTTP
  check_command ok
  active_checks_enabled 0
  passive_checks_enabled 1
  max_check_attempts 3
  check_interval 300
  retry_interval 1
  check_period always
  notification_interval 0
  notification_period always
  contacts ops
  event_handler recover_http
  event_handler_enabled 1
}
CFG
    write_file("$n/objects.cfg", $obj);
    my $v = run_prog([$nagios, '-v', "$n/nagios.cfg"]);
    like($v->{out}, qr/Total Errors:\s+0/, 'nagios4 -v accepts the test config');
    my $pid = fork // die;
    if (!$pid) { open STDOUT, '>', '/dev/null'; open STDERR, '>', '/dev/null'; { no warnings "exec"; exec $nagios, "$n/nagios.cfg" } POSIX::_exit(127) }
    my $log = "$n/nagios.log";
    ok(wait_for($log, qr/INITIAL SERVICE STATE: web1;HTTP/, 20), 'Nagios 4 started') or diag(-f $log ? slurp($log) : 'no log');
    my $cmd = "$n/rw/nagios.cmd";
    ok(wait_for($log, qr/command file worker/, 10) && -p $cmd, 'the command pipe is there');
    send_cmd($cmd, 'PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;0;fine');
    for my $i (1 .. 3) {
        sleep 1.1;
        send_cmd($cmd, 'PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;2;down');
        wait_for($log, qr/SERVICE ALERT: web1;HTTP;CRITICAL;\w+;$i;/, 10);
    }
    ok(wait_for($log, qr/SERVICE ALERT: web1;HTTP;CRITICAL;HARD;3;/, 10), 'Nagios: CRITICAL HARD');
    sleep 1.1;
    my $now = int time;
    send_cmd($cmd, "SCHEDULE_SVC_DOWNTIME;web1;HTTP;$now;" . ($now + 3) . ';1;0;3;test;maintenance');
    ok(wait_for($log, qr/SERVICE DOWNTIME ALERT: web1;HTTP;STOPPED/, 15), 'Nagios: the downtime started and stopped');
    sleep 1.1;
    send_cmd($cmd, 'PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;0;up again');
    ok(wait_for($log, qr/SERVICE ALERT: web1;HTTP;OK;HARD;3;up again/, 10), 'Nagios: OK HARD again');
    sleep 0.5;
    stop_engine($pid);
    my $text = slurp($log);
    my $e = expect_from_log($text);
    ok($e, 'Nagios: the log has the whole scenario') or diag($text);
    engine_report('Nagios 4', $log, $e, alerts => 1, soft_alerts => 2, handler_runs => 4, downtimes => 1,
                  notify_mail => 2, notify_chat => 2) if $e;
}

# Icinga 2 with its CompatLogger: the same format
{
    my $icinga = need_binary('/usr/sbin/icinga2', 'icinga2-bin');
    my $d = tempdir('mamori-report-icinga-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$d/$_" for qw(lib log log/compat cache spool run zones.d);
    write_file("$d/icinga2.conf", <<"CONF");
include <itl>
object CheckerComponent "checker" { }
object FileLogger "main" { path = "$d/log/icinga2.log" }
object CompatLogger "compatlog" { log_dir = "$d/log/compat" }
object ExternalCommandListener "command" { command_path = "$d/run/icinga2.cmd" }
object EventCommand "recover_http" { command = [ "/bin/true" ] }
object Host "web1" { check_command = "dummy"; enable_active_checks = false }
object Service "HTTP" {
  host_name = "web1"
  check_command = "dummy"
  enable_active_checks = false
  max_check_attempts = 3
  event_command = "recover_http"
}
CONF
    my @defs = map { "-D$_" } ("ConfigDir=$d", "DataDir=$d/lib", "LogDir=$d/log", "CacheDir=$d/cache",
        "SpoolDir=$d/spool", "InitRunDir=$d/run", "ZonesDir=$d/zones.d", 'RunAsUser=root', 'RunAsGroup=root');
    my $pid = fork // die;
    if (!$pid) { open STDOUT, '>', '/dev/null'; open STDERR, '>', '/dev/null';
                 { no warnings "exec"; exec $icinga, "daemon", "-c", "$d/icinga2.conf", @defs } POSIX::_exit(127) }
    my $log = "$d/log/compat/icinga.log";
    my $cmd = "$d/run/icinga2.cmd";
    my $end = time + 30;
    sleep 0.2 until -p $cmd || time > $end;
    ok(-p $cmd && wait_for($log, qr/CURRENT SERVICE STATE: web1;HTTP/, 20), 'Icinga 2 started with its compat log');
    send_cmd($cmd, 'PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;0;fine');
    wait_for($log, qr/SERVICE ALERT: web1;HTTP;OK;HARD/, 10);
    for my $i (1 .. 3) {
        sleep 1.1;
        send_cmd($cmd, 'PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;2;down');
    }
    ok(wait_for($log, qr/SERVICE ALERT: web1;HTTP;CRITICAL;HARD;/, 10), 'Icinga 2: CRITICAL HARD');
    sleep 1.1;
    my $now = int time;
    send_cmd($cmd, "SCHEDULE_SVC_DOWNTIME;web1;HTTP;$now;" . ($now + 300) . ';1;0;300;test;maintenance');
    wait_for($log, qr/SERVICE DOWNTIME ALERT: web1;HTTP;STARTED/, 10);
    sleep 2.1;
    send_cmd($cmd, 'DEL_SVC_DOWNTIME;1');
    ok(wait_for($log, qr/SERVICE DOWNTIME ALERT: web1;HTTP;CANCELLED/, 10), 'Icinga 2: the downtime started and was cancelled');
    sleep 1.1;
    send_cmd($cmd, 'PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;0;up again');
    ok(wait_for($log, qr/SERVICE ALERT: web1;HTTP;OK;HARD;\d+;up again/, 10), 'Icinga 2: OK HARD again');
    sleep 0.5;
    stop_engine($pid);
    my $text = slurp($log);
    my $e = expect_from_log($text);
    ok($e, 'Icinga 2: the log has the whole scenario') or diag($text);
    engine_report('Icinga 2', $log, $e, alerts => 1, soft_alerts => 2, downtimes => 1) if $e;
}

# fuzz_report_out: names from monitored hosts can hold controls (an audit
# line's JSON escapes, a CR inside an engine log line) and bidi overrides;
# text and HTML show them as U+FFFD, so a row stays a row and a terminal's
# cursor stays put; CSV keeps the name verbatim (quoted). A delivery count
# wider than its heading still lines up.
{
    my $fffd = "\xef\xbf\xbd";
    write_file("$dir/ctl.log", line(jst(2026, 10, 2), "CURRENT SERVICE STATE: mid\rcr;tab\there;OK;HARD;1;x"));
    my $audit = qq({"host":"esc\\u001b[31mred","service":"line\\nbreak","step":"outcome","outcome":"recovered","pid":1,)
        . qq("duration":1,"exit":0,"time":"2026-10-03T10:02:10+0900"}\n)
        . qq({"host":"bidi","service":"\\u202egnp.exe","step":"outcome","outcome":"recovered","pid":2,)
        . qq("duration":1,"exit":0,"time":"2026-10-03T10:02:10+0900"}\n)
        . join('', map { qq({"channel":"mail","result":"sent","time":"2026-10-03T01:02:01Z"}\n) } 1 .. 10_000);
    write_file("$dir/ctl.jsonl", $audit);
    my @args = ('--month', '2026-10', '--log', "$dir/ctl.log", '--audit', "$dir/ctl.jsonl", '--lang', 'en');
    $r = report(@args);
    is($r->{exit}, 0, 'fuzz_report_out: text exit 0');
    unlike($r->{out}, qr/[\x00-\x09\x0b-\x1f\x7f]/, 'fuzz_report_out: text has no control character but LF');
    like($r->{out}, qr/^esc${fffd}\[31mred \/ line${fffd}break$/m, 'fuzz_report_out: ESC and LF in a name shown as U+FFFD');
    like($r->{out}, qr/^mid${fffd}cr \/ tab${fffd}here$/m, 'fuzz_report_out: CR and TAB too');
    unlike($r->{out}, qr/\xe2\x80\xae/, 'fuzz_report_out: no bidi override');
    my ($del) = $r->{out} =~ /^== Notification deliveries[^\n]*\n(.*?)\n\n/ms;
    my @w = map { length } split /\n/, $del // '';
    ok(@w == 2 && $w[0] == $w[1], 'fuzz_report_out: a 5-digit count lines up with its heading') or diag($del);
    like($del // '', qr/^mail +10000 /m, 'fuzz_report_out: 10000 mails sent');
    $r = report(@args, '--format', 'html');
    check_html($r->{out}, 'fuzz_report_out html');
    unlike($r->{out}, qr/[\x00-\x09\x0b-\x1f\x7f]|\xe2\x80\xae/, 'fuzz_report_out: HTML has no control, no bidi override');
    like($r->{out}, qr/<td>esc${fffd}\[31mred<\/td><td>line${fffd}break<\/td>/, 'fuzz_report_out: HTML shows U+FFFD');
    $r = report(@args, '--format', 'csv');
    my %h = map { ($_->{host} => $_) } parse_csv_records($r->{out});
    is($h{"esc\e[31mred"}{service}, "line\nbreak", 'fuzz_report_out: CSV keeps the name verbatim (quoted LF)');
    is($h{"mid\rcr"}{service}, "tab\there", 'fuzz_report_out: CSV keeps a CR inside quotes');
}

# combining marks and zero-width characters take no column: か + U+3099 (a
# name typed on a Mac), e + U+0301, a zero-width space; the summary's rows
# line up as a terminal draws them (widths from Perl's Unicode tables)
{
    my $t = jst(2026, 10, 2);
    write_file("$dir/zw.log", join '', map { line($t, "CURRENT SERVICE STATE: $_;OK;HARD;1;x") }
        "cafe\xcc\x81;HTTP", "\xe3\x81\x8b\xe3\x82\x99\xe3\x82\x93;HTTP", "zw\xe2\x80\x8bsp;\xe3\x82\xb5\xe3\x83\xbc\xe3\x83\x93\xe3\x82\xb9",
        "plain;HTTP");
    $r = report('--month', '2026-10', '--log', "$dir/zw.log", '--audit', '/dev/null', '--lang', 'en');
    my ($sum) = $r->{out} =~ /^== Summary ==\n(.*?)\n\n/ms;
    my @w = map {
        my $l = $_;
        utf8::decode($l);
        my $n = 0;
        $n += /[\p{Mn}\p{Me}\p{Cf}]/ ? 0 : /[\p{EA=W}\p{EA=F}]/ ? 2 : 1 for split //, $l;
        $n
    } split /\n/, $sum // '';
    is(scalar @w, 5, 'combining marks: the heading and four rows') or diag($r->{out});
    is_deeply([grep { $_ != $w[0] } @w], [], 'combining marks and a zero-width space take no column: the rows line up')
        or diag($sum);
}

# CSV records whose quoted fields may hold CR and LF
sub parse_csv_records {
    my ($text) = @_;
    my (@rows, @f);
    while ($text =~ /\G(?:"((?:[^"]|"")*)"|([^,"\r\n]*))(,|\r\n)/gc) {
        push @f, defined $1 ? $1 =~ s/""/"/gr : $2;
        if ($3 eq "\r\n") { push @rows, [@f]; @f = () }
    }
    my $head = shift @rows;
    return map { my %h; @h{@$head} = @$_; \%h } @rows;
}

done_testing;
