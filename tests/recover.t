# recover against real things: a real sshd on loopback is the "remote"
# host, a real nginx the service. Kill it, the handler restarts it through
# the test's start script (a runbook file points the restart command at
# it), re-verifies (LISTEN over SSH, HTTP from here) and reports level 1.
# Then: a daemon that cannot start, the restart limit, 20 handlers at once,
# kill -9 in the middle, an unknown host key, macro text that must never
# run, the detached mode.
use strict;
use warnings;
use Test::More;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use JSON::PP;
use Mamori::Test;
use Mamori::Server qw(wait_port write_file);
use Mamori::Server::Nginx;
use Mamori::Recorder qw(start_script kill_pid pid_from gone);
use Mamori::RecoverRig;

my $rig = Mamori::RecoverRig->new;
my $t = $rig->t;
my $rec = $rig->rec;

my $ng = Mamori::Server::Nginx->new;
$ng->file('index.html', "hello\n");
$ng->start;
my $port = $ng->port;
my $nd = $ng->dir;
my $pidfile = "$nd/started.pid";
my $starts = "$nd/starts";
my $argv = ['/usr/sbin/nginx', '-c', "$nd/nginx.conf", '-p', "$nd/", '-e', "$nd/error.log"];
start_script(path => "$t/start_nginx", argv => $argv, pidfile => $pidfile, counter => $starts, log => "$nd/restart.out");
start_script(path => "$t/start_nginx_slow", argv => $argv, pidfile => $pidfile, counter => $starts,
             log => "$nd/restart.out", delay => 3);
start_script(path => "$t/start_broken", argv => $argv, pidfile => $pidfile, counter => "$t/broken_starts", fail => 1);

sub http_runbook {
    my ($restart, $wait) = @_;
    return <<"EOF";
# test runbook: the built-in http one, pointed at the test's nginx
[runbook]
description = test nginx
alert = port_HTTP
[verify]
ports = $port
listen = yes
protocol = http
wait = ${\ ($wait // 15)}
interval = 0.2
[action]
via = ssh
variant = nginx
[detect]
httpd = rpm -q httpd
nginx = test -x /usr/sbin/nginx
[variant nginx]
restart = $restart
EOF
}
$rig->runbook('http', http_runbook("$t/start_nginx"));
$rig->runbook('http-slow', http_runbook("$t/start_nginx_slow"));
$rig->runbook('http-broken', http_runbook("$t/start_broken", 2));

my $cur = $ng->pid;     # the nginx master running now
sub kill_nginx {
    kill_pid($cur);
    $ng->{pid} = undef if $ng->pid && $ng->pid == $cur;
    my $end = time + 10;
    sleep 0.05 while IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") && time < $end;
}
sub http_answers {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 3) or return 0;
    print $s "GET / HTTP/1.0\r\n\r\n";
    local $/;
    return (<$s> // '') =~ m{^HTTP/1\.\d 200.*hello}s;
}
sub restarts { Mamori::RecoverRig::count_lines($starts) }
sub crit { my ($svc, @more) = @_; return ('--state', 'CRITICAL', '--state-type', 'HARD', '--attempt', 3,
                                         '-H', 'web1', '-a', '127.0.0.1', '--service', $svc, @more) }

# ---- kill -> restart -> re-verified -> level 1 ----
ok(http_answers(), 'nginx answers before the test');
kill_nginx();
my $check = run_prog([bin('check_tcp'), '-H', '127.0.0.1', '-p', $port]);
my $t_failed = time;
is($check->{exit}, 2, 'the check sees the port down');
my $r = $rig->recover('http', crit('HTTP'));
my $t_recovered = time;
like($r->{out}, qr/recovered/, 'recover reports recovered') or diag($r->{out}, $r->{err});
is($r->{exit}, 0, 'exit 0');
my $new = pid_from($pidfile);
ok($new && $new != $cur && !gone($new), "a new nginx runs (pid $cur -> " . ($new // '?') . ')');
$cur = $new;
ok(http_answers(), 'the page answers again');
is(restarts(), 1, 'one restart');
my @l1 = $rec->level(1);
is(scalar @l1, 1, 'level 1 (recovery mail) sent once');
is_deeply([@{ $l1[0] }[1 .. 3]], ['recovered', 'web1', 'HTTP'], 'level 1 carries outcome, host, service');
like($l1[0][4], qr/nginx restart .*start_nginx/, 'action names the restart command');
my @steps = map { $_->{step} } $rig->audit_of('HTTP');
for my $s (qw(verify ssh detect variant restart re-verify outcome notify-level1)) {
    ok((grep { $_ eq $s } @steps), "audit has step $s");
}
my ($restart) = $rig->audit_of('HTTP', 'restart');
is($restart->{exit}, 0, 'audit: restart exit status');
like($restart->{command}, qr/^'\Q$t\E\/start_nginx'$/, 'audit: the exact command');
ok(defined $restart->{duration} && $restart->{time} =~ /^\d{4}-\d\d-\d\dT/, 'audit: time and duration');
my ($variant) = $rig->audit_of('HTTP', 'variant');
is($variant->{outcome}, 'nginx', 'variant detected over SSH (test -x /usr/sbin/nginx)');
my $secs = $t_recovered - $t_failed;
cmp_ok($secs, '<', 15, 'failed check to re-verified recovery in under 15 s');
diag(sprintf 'failed check -> re-verified recovery: %.2f s', $secs);

# ---- policy ----
kill_nginx();
$rec->clear;
$r = $rig->recover('http', '--state', 'CRITICAL', '--state-type', 'SOFT', '--attempt', 1, '-H', 'web1',
                   '--service', 'HTTP-policy');
like($r->{out}, qr/nothing to do/, 'SOFT attempt 1: nothing');
$r = $rig->recover('http', '--state', 'WARNING', '--state-type', 'HARD', '-H', 'web1', '--service', 'HTTP-policy');
like($r->{out}, qr/nothing to do/, 'WARNING: nothing');
is(restarts(), 1, 'no restart for either');
# the positional form of Nagios' restart-httpd sample, through the alias
$r = $rig->recover('http', 'CRITICAL', 'SOFT', '3', 'web1', '127.0.0.1', 'HTTP-policy',
                   { argv0 => $rig->build . '/handlers/recover_http' });
like($r->{out}, qr/recovered/, 'recover_http CRITICAL SOFT 3 HOST ADDRESS SERVICE acts') or diag($r->{out}, $r->{err});
$cur = pid_from($pidfile);
is(restarts(), 2, 'restarted');
$r = $rig->recover('http', '--state', 'CRITICAL', '--state-type', 'HARD', '-H', 'web1', '--service', 'HTTP-policy');
like($r->{out}, qr/already-acted/, 'HARD after acting at SOFT 3: not again');
$r = $rig->recover('http', '--state', 'OK', '--state-type', 'HARD', '-H', 'web1', '--service', 'HTTP-policy');
like($r->{out}, qr/closed/, 'OK closes the incident');
# environment fallback, service fine: report only
$r = $rig->recover('http', { env => { NAGIOS_SERVICESTATE => 'CRITICAL', NAGIOS_SERVICESTATETYPE => 'HARD',
                                      NAGIOS_HOSTNAME => 'web1', NAGIOS_HOSTADDRESS => '127.0.0.1',
                                      NAGIOS_SERVICEDESC => 'HTTP-env' } });
like($r->{out}, qr{web1/HTTP-env: answering}, 'NAGIOS_* environment; fine service: only report') or diag($r->{out}, $r->{err});
is(restarts(), 2, 'no restart when the service answers');

# ---- a daemon that cannot start -> level 2 ----
kill_nginx();
$rec->clear;
$r = $rig->recover('http-broken', crit('HTTP-broken'));
like($r->{out}, qr/escalated/, 'cannot start: escalated') or diag($r->{out}, $r->{err});
is(Mamori::RecoverRig::count_lines("$t/broken_starts"), 1, 'the start was tried once');
is(scalar $rec->level(2), 1, 'level 2 (phone + mail) sent');
is(scalar $rec->level(1), 0, 'no level 1');
like(($rec->level(2))[0][5], qr/NOT recovered.*port \d+ is not in LISTEN|NOT recovered.*http port/, 'level 2 says why');

# ---- N restarts within M cycles, then give up and escalate once ----
$rec->clear;
for my $i (1 .. 3) {
    $r = $rig->recover('http', crit('HTTP-retry'));
    like($r->{out}, qr/recovered/, "restart $i of 3");
    $cur = pid_from($pidfile);
    $rig->recover('http', '--state', 'OK', '-H', 'web1', '--service', 'HTTP-retry');
    kill_nginx();
}
my $before = restarts();
$r = $rig->recover('http', crit('HTTP-retry'));
like($r->{out}, qr/gave-up/, '4th within 3 cycles: gives up') or diag($r->{out});
$r = $rig->recover('http', crit('HTTP-retry'));
like($r->{out}, qr/given-up/, 'then does nothing');
is(restarts(), $before, 'no restart after giving up');
is(scalar $rec->level(2), 1, 'escalated exactly once');
is(scalar $rec->level(1), 3, 'three recoveries before');
my $st = $rig->status('web1', 'HTTP-retry');
ok($st && $st->{gave_up} && @{ $st->{restarts} } == 3, 'state: gave_up with 3 restarts');
$r = run_prog([$rig->bin, '-C', "$t/recover.ini", '--reset', 'web1', 'HTTP-retry'],
              env => { MAMORI_STATE_DIR => $rig->state_dir });
like($r->{out}, qr/cleared/, 'recover --reset');
$r = $rig->recover('http', crit('HTTP-retry'));
like($r->{out}, qr/recovered/, 'acts again after --reset');
$cur = pid_from($pidfile);

# ---- 20 handlers at once for one incident -> exactly one restart ----
kill_nginx();
$before = restarts();
my @kids;
for (1 .. 20) {
    my $pid = fork // die;
    if (!$pid) {
        $ENV{MAMORI_STATE_DIR} = $rig->state_dir;
        open STDOUT, '>>', "$t/conc.out";
        open STDERR, '>&', \*STDOUT;
        { exec $rig->argv('http', crit('HTTP-conc')); }
        POSIX::_exit(127);
    }
    push @kids, $pid;
}
waitpid($_, 0) for @kids;
is(restarts() - $before, 1, '20 concurrent handlers: exactly one restart');
unlike(do { local $/; open my $f, '<', "$t/conc.out"; <$f> // '' }, qr/Sanitizer|runtime error:/, 'no sanitizer report from them');
my @outs = map { $_->{outcome} } $rig->audit_of('HTTP-conc', 'outcome');
is(scalar(grep { $_ eq 'recovered' } @outs), 1, 'one recovered outcome');
is(scalar(grep { $_ eq 'restart' } map { $_->{step} } $rig->audit_of('HTTP-conc')), 1, 'one restart in the audit');
$cur = pid_from($pidfile);
ok(http_answers(), 'nginx answers');

# ---- kill -9 in the middle -> the next run reads a consistent state ----
kill_nginx();
my $h = fork // die;
if (!$h) {
    $ENV{MAMORI_STATE_DIR} = $rig->state_dir;
    open STDOUT, '>', '/dev/null';
    { exec $rig->argv('http-slow', crit('HTTP-crash')); }
    POSIX::_exit(127);
}
my $end = time + 20;
my $mid;
while (time < $end) {
    $mid = $rig->status('web1', 'HTTP-crash');
    last if $mid && $mid->{running_pid};
    sleep 0.1;
}
ok($mid && $mid->{running_pid} == $h, 'handler is in the middle of the restart');
kill 'KILL', $h;
waitpid($h, 0);
$mid = $rig->status('web1', 'HTTP-crash');
ok($mid, 'state parses after kill -9');
is($mid->{last_outcome}, 'acting', 'state says a restart was under way');
is(scalar @{ $mid->{restarts} }, 1, 'and counts it');
# the remote start script outlives the handler: let it finish, then kill again
$end = time + 10;
sleep 0.1 until (pid_from($pidfile) // 0) != $cur && wait_port($port, 0.2) || time > $end;
$cur = pid_from($pidfile);
kill_nginx();
$r = $rig->recover('http', crit('HTTP-crash'));
like($r->{out}, qr/recovered/, 'next run recovers') or diag($r->{out}, $r->{err});
$cur = pid_from($pidfile);
my $after = $rig->status('web1', 'HTTP-crash');
is(scalar @{ $after->{restarts} }, 2, 'restart count carried over');
is($after->{running_pid}, 0, 'no run in progress');
ok((grep { $_->{outcome} eq 'interrupted' } $rig->audit_of('HTTP-crash', 'state')), 'the interrupted run is logged');

# ---- unknown host key -> refused, escalated, nothing run ----
kill_nginx();
$rec->clear;
$before = restarts();
my $bad = $rig->config(file => 'badkeys.ini', known_hosts => "$t/empty_known_hosts");
$r = $rig->recover('http', crit('HTTP-key'), { config => $bad });
like($r->{out}, qr/refused/, 'unknown host key: refused') or diag($r->{out}, $r->{err});
is(restarts(), $before, 'nothing restarted');
is(scalar $rec->level(2), 1, 'escalated (level 2)');
my ($ssh) = $rig->audit_of('HTTP-key', 'ssh');
is($ssh->{outcome}, 'hostkey-unknown', 'audit names the host key');

# ---- macro text never runs ----
my $marker = "$t/marker";
for my $case (['-H', "web1\$(touch $marker)"], ['-H', "web1;touch $marker"], ['-H', "web1\ntouch $marker"],
              ['--service', "HTTP;touch $marker"], ['--service', "HTTP`touch $marker`"],
              ['-a', "127.0.0.1\$(touch $marker)"], ['--service', "HTTP\ntouch $marker"]) {
    my %a = ('-H' => 'web1', '-a' => '127.0.0.1', '--service' => 'HTTP-inj', @$case);
    $r = $rig->recover('http', '--state', 'CRITICAL', '--state-type', 'HARD', %a);
    (my $shown = $case->[1]) =~ s/\n/\\n/g;
    is($r->{exit}, 3, "refused: $case->[0] $shown");
    like($r->{out}, qr/refusing/, '  with a reason');
}
$r = $rig->recover('http', { env => { NAGIOS_SERVICESTATE => 'CRITICAL', NAGIOS_HOSTNAME => "\$(touch $marker)" } });
is($r->{exit}, 3, 'refused from the environment too');
ok(!-e $marker, 'the marker file never appeared');
is(restarts(), $before, 'nothing was restarted for any of them');

# ---- ping (runbook 001): a host that answers is left alone; one that does
# not is escalated, never rebooted without a configured, allowed command ----
$rec->clear;
$r = $rig->recover('ping', '--state', 'DOWN', '--state-type', 'HARD', '-H', 'web1', '-a', '127.0.0.1', '--service', 'PING');
like($r->{out}, qr/answering/, 'ping: 127.0.0.1 answers, nothing to do') or diag($r->{out}, $r->{err});
$r = $rig->recover('ping', '--state', 'DOWN', '--state-type', 'HARD', '-H', 'gone1', '-a', '::2', '--service', 'PING');
like($r->{out}, qr/escalated|unverifiable/, 'ping: no answer, no reboot allowed: escalated') or diag($r->{out}, $r->{err});
is(scalar $rec->level(2), 1, 'ping: level 2');
ok(!$rig->audit_of('PING', 'reboot'), 'ping: no reboot');

# ---- maintenance silence (静観): log only ----
kill_nginx();
$rec->clear;
$before = restarts();
$r = run_prog([bin('mamori'), 'silence', 'add', '--host', 'web1', '--alert', 'HTTP-silence', '--end', '2099-01-01 00:00',
               '--comment', 'maintenance'], env => { MAMORI_STATE_DIR => $rig->state_dir });
is($r->{exit}, 0, 'mamori silence add') or diag($r->{out}, $r->{err});
$r = $rig->recover('http', crit('HTTP-silence'));
like($r->{out}, qr/silenced/, 'silenced: the handler only logs') or diag($r->{out}, $r->{err});
is(restarts(), $before, 'no restart during the window');
is(scalar $rec->calls, 0, 'no notification');
ok((grep { $_->{outcome} eq 'silenced' } $rig->audit_of('HTTP-silence', 'silence')), 'logged in the audit');

# ---- detached: answers at once, works on, no inherited descriptors ----
$rec->clear;
$r = $rig->recover('http', crit('HTTP-detach'), { detach => 1, timeout => 20 });
like($r->{out}, qr/handed to pid (\d+)/, 'detached: answers at once') or diag($r->{out}, $r->{err});
cmp_ok($r->{secs}, '<', 5, 'and returns without waiting for the work (our pipes were closed)');
$end = time + 30;
my @done;
until (@done || time > $end) {
    @done = grep { $_->{outcome} =~ /recovered|escalated/ } $rig->audit_of('HTTP-detach', 'outcome');
    sleep 0.2;
}
is($done[0]{outcome}, 'recovered', 'the detached run recovered nginx');
$cur = pid_from($pidfile);
is(scalar $rec->level(1), 1, 'and sent level 1');

kill_pid($cur);
done_testing;
