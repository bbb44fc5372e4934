# Each runbook family restarts a real daemon: postfix (smtp), sshd through
# a configured console command (ssh), vsftpd (ftp), dovecot (pop, imap),
# named (dns), and runbook 001's process family (ps, then restart) with
# mariadbd (recover_mysql). The remote host is a real sshd on loopback;
# each runbook file points the restart command at the test's start script,
# which runs the daemon's own foreground argv. Kill -> recover -> new pid, port
# listens, protocol answers -> level 1.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use IO::Socket::INET;
use Mamori::Test;
use Mamori::Server qw(wait_port);
use Mamori::Server::Postfix;
use Mamori::Server::Sshd;
use Mamori::Server::Vsftpd;
use Mamori::Server::Dovecot;
use Mamori::Server::Named;
use Mamori::Server::Mariadb;
use Mamori::Recorder qw(start_script kill_pid pid_from gone);
use Mamori::RecoverRig;

my $rig = Mamori::RecoverRig->new;
my $t = $rig->t;
my $rec = $rig->rec;
my %timing;

sub port_closed {
    my ($port) = @_;
    my $end = time + 10;
    while (time < $end) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1) or return 1;
        close $s;
        sleep 0.05;
    }
    return 0;
}

# greeting check from the test side, independent of recover's own
sub greets {
    my ($port, $re) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 5) or return 0;
    $s->timeout(5);
    my $l = <$s> // '';
    return $l =~ $re;
}

# kill the daemon (pid), run recover with runbook $rb for $svc, check the
# new pid from the start script, the port and the protocol.
sub family {
    my (%o) = @_;
    my $name = $o{name};
    $rec->clear;
    kill_pid($o{pid});
    ok(port_closed($o{port}), "$name: port $o{port} down after kill");
    # the daemon's other ports too: a dovecot master killed leaves its login
    # processes on their ports for a moment, and a restart that comes first
    # fails with "Address already in use" (seen under ASan with -j3)
    ok(port_closed($_), "$name: its port $_ down after kill too") for @{ $o{other_ports} // [] };
    my $t0 = time;
    my $r = $rig->recover($o{runbook}, '--state', 'CRITICAL', '--state-type', 'HARD', '-H', $o{host} // 'box1',
                          '-a', '127.0.0.1', '--service', uc($name), @{ $o{args} // [] });
    $timing{$name} = time - $t0;
    like($r->{out}, qr/: recovered/, "$name: recovered")
        or diag($r->{out}, $r->{err}, `tail -5 $o{log} 2>&1`, `ps -o pid,ppid,stat,comm -p $o{pid}`);
    my $new = pid_from($o{pidfile});
    ok($new && $new != $o{pid} && !gone($new), "$name: a new process ($o{pid} -> " . ($new // '?') . ')');
    ok(wait_port($o{port}, 5), "$name: port $o{port} listens");
    ok($o{answers}->(), "$name: protocol answers") if $o{answers};
    my @l1 = $rec->level(1);
    is(scalar @l1, 1, "$name: level 1 sent");
    return $new;
}

sub runbook_file {
    my (%o) = @_;
    return <<"EOF";
[runbook]
alert = $o{alert}
[verify]
ports = $o{port}
listen = yes
protocol = $o{protocol}
wait = 20
interval = 0.2
[action]
via = ssh
variant = $o{variant}
[detect]
$o{detect}
[variant $o{variant}]
restart = $o{restart}
EOF
}

my @cleanup;
END { local $?; kill_pid($_) for grep { $_ } map { pid_from($_) } @cleanup }

# ---- smtp: postfix ----
{
    my $pf = Mamori::Server::Postfix->new->start;
    my $d = $pf->dir;
    my $port = $pf->port('smtp');
    start_script(path => "$t/start_postfix", argv => ['/usr/lib/postfix/sbin/master', '-c', "$d/etc", '-s'],
                 env => { MAIL_CONFIG => "$d/etc" }, pidfile => "$d/started.pid", counter => "$d/starts",
                 log => "$d/restart.out");
    push @cleanup, "$d/started.pid";
    $rig->runbook('smtp', runbook_file(alert => 'port_SMTP', port => $port, protocol => 'smtp', variant => 'postfix',
                                       detect => "postfix = pgrep -x master\nsendmail = pgrep -x sendmail",
                                       restart => "$t/start_postfix"));
    my $pid = $pf->pid;
    $pf->{pid} = undef;
    family(name => 'smtp', runbook => 'smtp', pid => $pid, port => $port, pidfile => "$d/started.pid",
           answers => sub { greets($port, qr/^220 /) });
    my ($v) = $rig->audit_of('SMTP', 'variant');
    is($v->{outcome}, 'postfix', 'smtp: MTA detected as postfix (pgrep -x master)');
}

# ---- ssh: a second sshd, restarted by the console command ----
{
    my $s2 = Mamori::Server::Sshd->new->start;
    my $d = $s2->dir;
    start_script(path => "$t/console_sshd", argv => $s2->{argv}, pidfile => "$d/started.pid",
                 counter => "$d/starts", log => "$d/restart.out");
    push @cleanup, "$d/started.pid";
    $rig->config(hosts => "[host sshbox]\naddress = 127.0.0.1\nconsole = $t/console_sshd\n");
    my $pid = $s2->pid;
    $s2->{pid} = undef;
    # no console configured for this host: escalate at once
    kill_pid($pid);
    $rec->clear;
    my $r = $rig->recover('ssh', '--state', 'CRITICAL', '-H', 'nobox', '-a', '127.0.0.1', '--service', 'SSH-none',
                          '--port', $s2->port);
    like($r->{out}, qr/escalated/, 'ssh without a console path: escalated') or diag($r->{out}, $r->{err});
    is(scalar $rec->level(2), 1, 'ssh: level 2');
    like(($rec->level(2))[0][4], qr/no console path/, 'ssh: says there is no console path');
    # built-in ssh runbook, the console command configured for the host
    family(name => 'ssh', runbook => 'ssh', host => 'sshbox', pid => $pid, port => $s2->port,
           pidfile => "$d/started.pid", args => ['--port', $s2->port],
           answers => sub { greets($s2->port, qr/^SSH-2\.0-/) });
    my ($c) = $rig->audit_of('SSH', 'console');
    like($c->{command}, qr/console_sshd/, 'ssh: the console command ran (locally)');
    ok(!$rig->audit_of('SSH', 'restart'), 'ssh: no restart over SSH');
    $rig->config;
}

# ---- ftp: vsftpd ----
{
    my $ftp = Mamori::Server::Vsftpd->new->start;
    my $d = $ftp->dir;
    my $port = $ftp->port('ftp');
    start_script(path => "$t/start_vsftpd", argv => $ftp->{argv}, pidfile => "$d/started.pid",
                 counter => "$d/starts", log => "$d/restart.out");
    push @cleanup, "$d/started.pid";
    $rig->runbook('ftp', runbook_file(alert => 'port_FTP', port => $port, protocol => 'ftp', variant => 'vsftpd',
                                      detect => "vsftpd = test -x /usr/sbin/vsftpd\nxinetd = test -x /usr/sbin/xinetd",
                                      restart => "$t/start_vsftpd"));
    my $pid = $ftp->pid;
    $ftp->{pid} = undef;
    family(name => 'ftp', runbook => 'ftp', pid => $pid, port => $port, pidfile => "$d/started.pid",
           answers => sub { greets($port, qr/^220/) });
}

# ---- pop and imap: dovecot ----
{
    my $dv = Mamori::Server::Dovecot->new(protocols => ['pop3', 'imap'])->start;
    my $d = $dv->dir;
    start_script(path => "$t/start_dovecot", argv => $dv->{argv}, pidfile => "$d/started.pid",
                 counter => "$d/starts", log => "$d/restart.out");
    push @cleanup, "$d/started.pid";
    for my $p (['pop', 'pop3', $dv->port('pop3'), qr/^\+OK/], ['imap', 'imap', $dv->port('imap'), qr/^\* OK/]) {
        my ($rb, $proto, $port, $re) = @$p;
        $rig->runbook($rb, runbook_file(alert => "port_\U$rb", port => $port, protocol => $proto, variant => 'dovecot',
                                        detect => 'dovecot = test -x /usr/sbin/dovecot', restart => "$t/start_dovecot"));
    }
    my $pid = $dv->pid;
    $dv->{pid} = undef;
    $pid = family(name => 'pop', runbook => 'pop', pid => $pid, port => $dv->port('pop3'), other_ports => [ grep { $_ != $dv->port('pop3') } values %{ $dv->{ports} } ],
                  pidfile => "$d/started.pid", log => "$d/restart.out",
                  answers => sub { greets($dv->port('pop3'), qr/^\+OK/) });
    family(name => 'imap', runbook => 'imap', pid => $pid, port => $dv->port('imap'), other_ports => [ grep { $_ != $dv->port('imap') } values %{ $dv->{ports} } ],
           pidfile => "$d/started.pid",
           log => "$d/restart.out",
           answers => sub { greets($dv->port('imap'), qr/^\* OK/) });
}

# ---- dns: named ----
{
    my $nm = Mamori::Server::Named->new->start;
    my $d = $nm->dir;
    start_script(path => "$t/start_named", argv => $nm->{argv}, pidfile => "$d/started.pid",
                 counter => "$d/starts", log => "$d/restart.out");
    push @cleanup, "$d/started.pid";
    $rig->runbook('dns', runbook_file(alert => 'port_DNS', port => $nm->port, protocol => 'dns', variant => 'bind9',
                                      detect => "named = rpm -q bind\nbind9 = test -x /usr/sbin/named",
                                      restart => "$t/start_named"));
    my $pid = $nm->pid;
    $nm->{pid} = undef;
    family(name => 'dns', runbook => 'dns', pid => $pid, port => $nm->port, pidfile => "$d/started.pid",
           answers => sub { run_prog([bin('check_dns'), '-H', "www.$Mamori::Server::Named::ZONE", '-s', '127.0.0.1', '-p', $nm->port])->{exit} == 0 });
}

# ---- process family (runbook 001 MySQL): mariadbd, recover_mysql ----
# The built-in mysql runbook verifies with `pgrep -x mariadbd mysqld` over
# SSH; other tests may run a mariadbd on this machine at the same time, so
# the test's file is the built-in text (--show-runbook) with the process name
# made unique: the restarted daemon runs through a symlink whose name is its
# comm. The restart command is the start script; detection stays real
# (dpkg -s mariadb-server).
{
    my $section = time;
    my $db = Mamori::Server::Mariadb->new->start;
    my $d = $db->dir;
    my $port = $db->port;
    my $comm = "mamdb$$";                 # pgrep -x matches the 15-char comm
    symlink('/usr/sbin/mariadbd', "$t/$comm") or die "symlink: $!";
    my @argv = @{ $db->{argv} };
    $argv[0] = "$t/$comm";
    start_script(path => "$t/start_mariadb", argv => \@argv, pidfile => "$d/started.pid",
                 counter => "$d/starts", log => "$d/restart.out");
    start_script(path => "$t/start_mariadb_broken", argv => \@argv, pidfile => "$d/broken.pid",
                 counter => "$d/broken_starts", fail => 1);
    push @cleanup, "$d/started.pid";
    my $builtin = run_prog([$rig->bin, '--show-runbook', 'mysql'])->{out};
    my $mysql_rb = sub {
        my ($restart, $wait) = @_;
        my $text = $builtin;
        $text =~ s/^process = .*$/process = $comm/m or die 'no process line in the mysql runbook';
        $text =~ s/^wait = .*$/wait = $wait/m;
        $text =~ s/^interval = .*$/interval = 0.2/m;
        return $text . "\n[variant mariadb]\nrestart = $restart\n";
    };
    like($builtin, qr/^listen = no$/m, 'mysql: the built-in runbook verifies the process (listen = no)');
    $rig->runbook('mysql', $mysql_rb->("$t/start_mariadb", 30));
    my $argv0 = { argv0 => $rig->build . '/handlers/recover_mysql' };

    # kill -9 the daemon (our child: reap it so its pid is really free)
    my $pid = $db->pid;
    $db->{pid} = undef;
    $rec->clear;
    my $t0 = time;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    ok(port_closed($port), "mysql: port $port down after kill -9");
    my $r = $rig->recover('mysql', '--state', 'CRITICAL', '--state-type', 'HARD', '-H', 'box1', '-a', '127.0.0.1',
                          '--service', 'MYSQL', $argv0);
    $timing{mysql} = time - $t0;
    like($r->{out}, qr/box1\/MYSQL: recovered/, 'mysql: recover_mysql recovered')
        or diag($r->{out}, $r->{err}, `tail -5 $d/restart.out $d/mariadbd.log 2>&1`);
    my ($v1) = $rig->audit_of('MYSQL', 'verify');
    ok($v1 && $v1->{outcome} eq 'failing', 'mysql: the first verify finds it failing');
    like($v1 && $v1->{detail}, qr/no \Q$comm\E process/, 'mysql: because the process is gone (pgrep -x over SSH)');
    my ($var) = $rig->audit_of('MYSQL', 'variant');
    is($var && $var->{outcome}, 'mariadb', 'mysql: variant detected as mariadb (dpkg -s mariadb-server)');
    my ($rs) = $rig->audit_of('MYSQL', 'restart');
    like($rs && $rs->{command}, qr/start_mariadb/, 'mysql: restart ran the runbook command over SSH');
    ok(grep({ $_->{outcome} eq 'ok' } $rig->audit_of('MYSQL', 're-verify')), 'mysql: re-verified (process back)');
    is(Mamori::RecoverRig::count_lines("$d/starts"), 1, 'mysql: started once');
    my $new = pid_from("$d/started.pid");
    ok($new && $new != $pid && !gone($new), "mysql: a new mariadbd ($pid -> " . ($new // '?') . ')');
    ok(wait_port($port, 30), "mysql: port $port listens again");
    $timing{'mysql (port)'} = time - $t0;
    # the MySQL protocol's first packet: 3-byte length, seq 0, protocol 10, version
    my $hs = '';
    if (my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 5)) {
        $s->timeout(5);
        sysread($s, $hs, 256);
    }
    like($hs, qr/\A...\x00\x0a[\d.]+(?:-[\d.]+)?-MariaDB/s, 'mysql: answers the MySQL handshake (protocol 10, MariaDB)');
    my @l1 = $rec->level(1);
    is(scalar @l1, 1, 'mysql: level 1 sent');
    is($l1[0][1], 'recovered', 'mysql: level 1 outcome recovered');
    is(scalar $rec->level(2), 0, 'mysql: no level 2');
    my ($n1) = $rig->audit_of('MYSQL', 'notify-level1');
    is($n1 && $n1->{outcome}, 'ok', 'mysql: audit: the level 1 notifier ran');
    my ($o1) = $rig->audit_of('MYSQL', 'outcome');
    is($o1 && $o1->{outcome}, 'recovered', 'mysql: audit: outcome recovered');

    # a mariadb that cannot start: the start script exits 1 -> level 2
    # not our child: pgrep -x also sees it until PID 1 has reaped it
    kill 'KILL', $new;
    my $end = time + 15;
    my $alive = sub { run_prog(['pgrep', '-x', $comm])->{exit} == 0 };
    sleep 0.1 while $alive->() && time < $end;
    ok(!$alive->(), "mysql: no $comm process left after kill -9");
    $rig->runbook('mysql', $mysql_rb->("$t/start_mariadb_broken", 3));
    $rec->clear;
    $r = $rig->recover('mysql', '--state', 'CRITICAL', '--state-type', 'HARD', '-H', 'box1', '-a', '127.0.0.1',
                       '--service', 'MYSQL-broken', $argv0);
    like($r->{out}, qr/escalated/, 'mysql cannot start: escalated') or diag($r->{out}, $r->{err});
    is(Mamori::RecoverRig::count_lines("$d/broken_starts"), 1, 'mysql: the start was tried once');
    is(scalar $rec->level(2), 1, 'mysql: level 2 sent');
    is(scalar $rec->level(1), 0, 'mysql: no level 1');
    like(($rec->level(2))[0][5], qr/NOT recovered.*no \Q$comm\E process/, 'mysql: level 2 says why');
    ok(!grep({ $_->{outcome} eq 'ok' } $rig->audit_of('MYSQL-broken', 're-verify')), 'mysql: never re-verified');
    my ($o2) = $rig->audit_of('MYSQL-broken', 'outcome');
    is($o2 && $o2->{outcome}, 'escalated', 'mysql: audit: outcome escalated');
    ok($rig->audit_of('MYSQL-broken', 'notify-level2'), 'mysql: audit: the level 2 notifier ran');
    diag(sprintf 'mysql section: %.1f s', time - $section);
}

diag(join ', ', map { sprintf '%s %.2f s', $_, $timing{$_} } sort keys %timing);
diag('(kill -> recover run -> re-verified recovery, each)');
done_testing;
