# recover --dry-run for every built-in runbook: the plan names every step
# and the exact remote argv (quoted as lib/remote sends it), the variants
# and their restart commands (sudo -n for a non-root user), the console
# and reboot paths, the notifier commands; and it neither connects nor
# writes state. --show-runbook / --list-runbooks / a runbook file that adds
# or overrides one (no C code).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(time);
use Mamori::Test;
use Mamori::Server qw(write_file);

my $build = $ENV{MAMORI_BUILD} // die 'MAMORI_BUILD is not set';
my $bin = "$build/handlers/recover";
-x $bin or BAIL_OUT("$bin is not built");
my $t = tempdir('mamori-recover-dry-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $rbdir = "$t/runbooks";
mkdir $rbdir;
write_file("$t/recover.ini", <<"EOF");
[ssh]
user = mamori
port = 2222
[policy]
allow_reboot = no
[notify]
level1 = /usr/bin/notify-test 1 \${HOST} \${ALERT}
level2 = /usr/bin/notify-test 2 \${HOST} \${ALERT}
[host web1]
console = /usr/bin/ipmitool -I lanplus -H \${CONSOLE_HOST} -U admin -f /etc/mamori/ipmi.pw sol activate
console_host = web1-ipmi.example
reboot = /usr/bin/ipmitool -I lanplus -H \${CONSOLE_HOST} -U admin -f /etc/mamori/ipmi.pw chassis power cycle
allow_reboot = yes
EOF

my %env = (MAMORI_STATE_DIR => "$t/state");
sub dry {
    my ($name, @more) = @_;
    my $argv0 = "$build/handlers/recover_$name";
    return run_prog([$argv0, '--dry-run', '-H', 'web1', '-a', '192.0.2.10', '-C', "$t/recover.ini",
                     '--runbook-dir', $rbdir, @more], env => \%env);
}
sub q_argv { join ' ', map { "'$_'" } @_ }
sub restarts_for {
    my ($unit) = @_;
    return (q_argv('sudo', '-n', 'systemctl', 'restart', $unit), q_argv('sudo', '-n', "/etc/init.d/$unit", 'restart'),
            q_argv('sudo', '-n', 'service', $unit, 'restart'));
}
my $ssh = 'ssh mamori@192.0.2.10:2222';
my $listen = sub { my @p = @_; (qr/listen on port \Q@p\E \(LISTEN/, "fetch: $ssh 'cat' '/proc/net/tcp'",
                                "fetch: $ssh 'cat' '/proc/net/tcp6'") };

my %want = (
    ssh => [qr/protocol ssh on 192\.0\.2\.10 port 22 from this host/, qr/action: via console/,
            "console: local '/usr/bin/ipmitool' '-I' 'lanplus' '-H' 'web1-ipmi.example' '-U' 'admin' '-f' '/etc/mamori/ipmi.pw' 'sol' 'activate'",
            "reboot if still failing: local '/usr/bin/ipmitool' '-I' 'lanplus' '-H' 'web1-ipmi.example' '-U' 'admin' '-f' '/etc/mamori/ipmi.pw' 'chassis' 'power' 'cycle'"],
    ftp => [qr/protocol ftp on 192\.0\.2\.10 port 21 /, $listen->(21), "vsftpd if exit 0: $ssh 'rpm' '-q' 'vsftpd'",
            qq{xinetd if exit 0 and output has "install ok installed": $ssh 'dpkg' '-s' 'xinetd'},
            restarts_for('vsftpd'), restarts_for('xinetd')],
    http => [qr/protocol http on 192\.0\.2\.10 port 80 /, $listen->(80, 443), "httpd if exit 0: $ssh 'rpm' '-q' 'httpd'",
             qq{apache2 if exit 0 and output has "install ok installed": $ssh 'dpkg' '-s' 'apache2'},
             "nginx if exit 0: $ssh 'rpm' '-q' 'nginx'", restarts_for('httpd'), restarts_for('apache2'), restarts_for('nginx')],
    dns => [qr/protocol dns on 192\.0\.2\.10 port 53 /, $listen->(53), "named if exit 0: $ssh 'rpm' '-q' 'bind'",
            qq{bind9 if exit 0 and output has "install ok installed": $ssh 'dpkg' '-s' 'bind9'},
            restarts_for('named'), restarts_for('bind9')],
    smtp => [qr/protocol smtp on 192\.0\.2\.10 port 25 /, $listen->(25),
             qq{postfix if exit 0 and output has "postfix": $ssh 'alternatives' '--display' 'mta'},
             qq{sendmail if exit 0 and output has "sendmail.sendmail": $ssh 'alternatives' '--display' 'mta'},
             qq{exim4 if exit 0 and output has "exim": $ssh 'update-alternatives' '--query' 'mta'},
             "postfix if exit 0: $ssh 'pgrep' '-x' 'master'", "qmail if exit 0: $ssh 'pgrep' '-x' 'qmail-send'",
             restarts_for('postfix'), restarts_for('sendmail'), restarts_for('exim'), restarts_for('exim4'), restarts_for('qmail')],
    pop => [qr/protocol pop3 on 192\.0\.2\.10 port 110 /, $listen->(110), restarts_for('dovecot')],
    imap => [qr/protocol imap on 192\.0\.2\.10 port 143 /, $listen->(143), restarts_for('dovecot')],
    plesk => [qr/protocol http over TLS on 192\.0\.2\.10 port 8443 /, $listen->(8443),
              "sw-cp-server if exit 0: $ssh 'test' '-e' '/lib/systemd/system/sw-cp-server.service'",
              "psa if exit 0: $ssh 'test' '-x' '/etc/init.d/psa'", restarts_for('sw-cp-server'), restarts_for('psa')],
    mysql => ["process: $ssh 'pgrep' '-x' 'mariadbd'", "process: $ssh 'pgrep' '-x' 'mysqld'",
              qq{mariadb if exit 0 and output has "install ok installed": $ssh 'dpkg' '-s' 'mariadb-server'},
              restarts_for('mariadb'), restarts_for('mysqld'), restarts_for('mysql')],
    rsyslog => ["process: $ssh 'pgrep' '-x' 'rsyslogd'", restarts_for('rsyslog')],
    fail2ban => ["process: $ssh 'pgrep' '-x' 'fail2ban-server'", restarts_for('fail2ban')],
    spamd => ["process: $ssh 'pgrep' '-x' 'spamd'", restarts_for('spamassassin'), restarts_for('spamd')],
    xinetd => ["process: $ssh 'pgrep' '-x' 'xinetd'", restarts_for('xinetd')],
    ping => [qr/protocol ping on 192\.0\.2\.10/, qr/action: via none/,
             "reboot if still failing: local '/usr/bin/ipmitool' '-I' 'lanplus' '-H' 'web1-ipmi.example' '-U' 'admin' '-f' '/etc/mamori/ipmi.pw' 'chassis' 'power' 'cycle'"],
);

my $list = run_prog([$bin, '--list-runbooks', '-C', "$t/recover.ini", '--runbook-dir', $rbdir], env => \%env);
my @names = $list->{out} =~ /^(\S+)\tbuilt-in$/mg;
is_deeply([sort @names], [sort keys %want], '--list-runbooks: every built-in runbook, each tested below');

for my $name (sort keys %want) {
    my $t0 = time;
    my $r = dry($name);
    is($r->{exit}, 0, "$name: --dry-run exits 0") or diag($r->{out}, $r->{err});
    cmp_ok(time - $t0, '<', 5, "$name: no connection attempted (TEST-NET address, answered at once)");
    like($r->{out}, qr/^runbook $name \(built-in\): \S/m, "$name: names the runbook");
    for my $w (@{ $want{$name} }) {
        if (ref $w) { like($r->{out}, $w, "$name: $w") }
        else { ok(index($r->{out}, $w) >= 0, "$name: $w") or diag($r->{out}) }
    }
    like($r->{out}, qr/^outcome recovered, level 1:\n  notify: local '\/usr\/bin\/notify-test' '1' 'web1' '\S+'$/m,
         "$name: level 1 notifier with substituted values");
    like($r->{out}, qr/^outcome not recovered, level 2:\n  notify: local '\/usr\/bin\/notify-test' '2' 'web1'/m,
         "$name: level 2 notifier");
    like($r->{out}, qr/give up after 5 restarts within 5 cycles/, "$name: the restart limit");
}
ok(!-e "$t/state/recover.audit.jsonl", 'dry runs wrote no audit and no state');

# no console for this host: the plan says it escalates; reboot not allowed
my $r = run_prog([$bin, '-r', 'ssh', '--dry-run', '-H', 'other', '-C', "$t/recover.ini"], env => \%env);
like($r->{out}, qr/console: not configured for host other: escalate/, 'ssh without a console: escalate');
like($r->{out}, qr/reboot: not allowed or not configured/, 'reboot not allowed by default');
# root needs no sudo
write_file("$t/root.ini", "[ssh]\nuser = root\n");
$r = run_prog([$bin, '-r', 'http', '--dry-run', '-H', 'web1', '-C', "$t/root.ini"], env => \%env);
like($r->{out}, qr/restart \(systemd\): ssh root\@web1:22 'systemctl' 'restart' 'httpd'/, 'as root: no sudo');

# --show-runbook prints INI that loads back; a file overrides the built-in one
$r = run_prog([$bin, '--show-runbook', 'smtp', '-C', "$t/recover.ini", '--runbook-dir', $rbdir], env => \%env);
like($r->{out}, qr/^# runbook smtp \(built-in\)\n/, '--show-runbook: header');
like($r->{out}, qr/^\[detect\]\npostfix = alternatives --display mta ~ postfix$/m, '--show-runbook: the detect section');
(my $edited = $r->{out}) =~ s/^wait = 60$/wait = 7/m;
write_file("$rbdir/smtp.ini", $edited);
$r = dry('smtp');
like($r->{out}, qr/^runbook smtp \(\Q$rbdir\E\/smtp\.ini\)/m, 'a file overrides the built-in runbook');
like($r->{out}, qr/re-verify: every 2 s for up to 7 s/, 'with its values');

# a new runbook is a file, no C code
write_file("$rbdir/memcached.ini", <<'EOF');
[runbook]
description = memcached on 11211
alert = port_MEMCACHED
[verify]
ports = 11211
protocol = none
[action]
variant = memcached
[restart]
systemd = systemctl restart ${UNIT}
[init]
systemd = test -d /run/systemd/system
[variant other]
restart = /usr/local/bin/kick "two words" '${HOST} x' a${PORT}b
EOF
$r = run_prog([$bin, '-r', 'memcached', '--dry-run', '-H', 'web1', '-C', "$t/recover.ini", '--runbook-dir', $rbdir], env => \%env);
is($r->{exit}, 0, 'a runbook added by file runs') or diag($r->{out}, $r->{err});
ok(index($r->{out}, "restart (systemd): $ssh " . q_argv('sudo', '-n', 'systemctl', 'restart', 'memcached')) >= 0
   || index($r->{out}, "restart (systemd): ssh mamori\@web1:2222 " . q_argv('sudo', '-n', 'systemctl', 'restart', 'memcached')) >= 0,
   'with its own restart command') or diag($r->{out});
ok(index($r->{out}, q{restart (systemd): ssh mamori@web1:2222 'sudo' '-n' '/usr/local/bin/kick' 'two words' 'web1 x' 'a11211b'}) >= 0,
   'quotes group words; a value stays inside its word') or diag($r->{out});

# the shipped example runbook loads
my $src = $ENV{MAMORI_SRC} // '.';
$r = run_prog([$bin, '-r', 'example', '--dry-run', '-H', 'web1', '-C', "$t/recover.ini",
               '--runbook-dir', "$src/contrib/runbooks"], env => \%env);
is($r->{exit}, 0, 'contrib/runbooks/example.ini loads') or diag($r->{out}, $r->{err});
like($r->{out}, qr/process: ssh \S+ 'pgrep' '-x' 'memcached'/, 'and plans its steps');

# broken runbook files are refused with a reason
for my $bad (["[verify]\nports = 99999\n", qr/ports = 99999: not understood/],
             ["[nonsense]\nx = 1\n", qr/unknown section \[nonsense\]/],
             ["[verify]\nports = 80\n[action]\nvia = ssh\n", qr/needs a \[restart\] command/],
             ["[verify]\nports = 80\n[restart]\nsystemd = systemctl restart \${NOPE}\n[action]\nvariant = x\n", qr/NOPE/]) {
    write_file("$rbdir/broken.ini", $bad->[0]);
    $r = run_prog([$bin, '-r', 'broken', '--dry-run', '-H', 'web1', '-C', "$t/recover.ini", '--runbook-dir', $rbdir], env => \%env);
    like($r->{out} . $r->{err}, $bad->[1], "broken runbook refused: $bad->[1]");
}
# files whose text becomes commands must not be writable by others
write_file("$rbdir/loose.ini", "[verify]\nports = 80\n[restart]\nsystemd = /bin/true\n");
chmod 0666, "$rbdir/loose.ini";
$r = run_prog([$bin, '-r', 'loose', '--dry-run', '-H', 'web1', '-C', "$t/recover.ini", '--runbook-dir', $rbdir], env => \%env);
like($r->{out}, qr/refusing .*loose\.ini: writable by group or others/, 'a world-writable runbook file is refused');
write_file("$t/loose.ini", "[ssh]\nuser = root\n");
chmod 0620, "$t/loose.ini";
$r = run_prog([$bin, '-r', 'http', '--dry-run', '-H', 'web1', '-C', "$t/loose.ini"], env => \%env);
like($r->{out}, qr/refusing .*loose\.ini: writable by group/, 'so is a group-writable recover.ini');
$r = run_prog([$bin, '-r', '../etc/passwd', '--dry-run', '-H', 'web1', '-C', "$t/recover.ini"], env => \%env);
is($r->{exit}, 3, 'a runbook name cannot be a path');
$r = run_prog([$bin, '--dry-run', '-H', 'web1', '-C', "$t/recover.ini"], env => \%env);
like($r->{out}, qr/which runbook/, 'plain recover needs --runbook');
# fuzz_runbook (regression): a [restart] line repeated with an empty value
# left a NULL command, and checking its ${NAME}s crashed recover
write_file("$rbdir/again.ini", "[verify]\nports = 80\n[action]\nvariant = x\n[restart]\n"
           . "systemd = systemctl restart \${UNIT}\nsystemd =\n");
for my $args (['--show-runbook', 'again'], ['-r', 'again', '--dry-run', '-H', 'web1']) {
    $r = run_prog([$bin, @$args, '-C', "$t/recover.ini", '--runbook-dir', $rbdir], env => \%env);
    ok(!$r->{signal} && $r->{exit} >= 0 && $r->{exit} <= 3, "fuzz_runbook: @$args with an empty repeated [restart] line ends normally")
        or diag("exit $r->{exit} signal $r->{signal}: $r->{out}$r->{err}");
}
done_testing;
