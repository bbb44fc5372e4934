# check_procs against ground truth: processes this test starts (copies of
# sleep under unique names), ps's view of them, and recorded /proc trees.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::FakeProc;
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my @kids;    # every process this test starts; killed and reaped at the end
END {
    local $?;
    kill 'KILL', @kids if @kids;
    waitpid($_, 0) for @kids;
}

my $dir = tempdir('mmprocsXXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;    # the sleepers run as nobody too
my $name = substr("mmp$$", 0, 15);

sub binary {
    my ($file) = @_;
    copy('/bin/sleep', "$dir/$file") or die "copy: $!";
    chmod 0755, "$dir/$file";
    return "$dir/$file";
}

sub comm_of {
    my ($pid) = @_;
    open my $f, '<', "/proc/$pid/comm" or return '';
    my $c = <$f> // '';
    chomp $c;
    return $c;
}

sub state_of {
    my ($pid) = @_;
    open my $f, '<', "/proc/$pid/stat" or return '';
    my $s = <$f> // '';
    return $s =~ /\) (\S) / ? $1 : '';
}

# Start argv; optionally as another user. Returns once the child runs the
# new program (its comm is the program's name), so no count sees a fork.
sub spawn {
    my ($argv, %o) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', '/dev/null';
        %ENV = (%ENV, %{ $o{env} // {} });
        if (defined $o{uid}) {
            POSIX::setgid($o{gid});
            POSIX::setuid($o{uid}) or POSIX::_exit(126);
        }
        exec { $argv->[0] } @$argv or POSIX::_exit(127);
    }
    push @kids, $pid;
    my $want = substr((split m{/}, $argv->[0])[-1], 0, 15);
    my $t0 = time;
    sleep 0.01 until comm_of($pid) eq $want || time - $t0 > 10;
    die "child $pid did not start $argv->[0]" unless comm_of($pid) eq $want;
    return $pid;
}

sub stop_kid {
    my ($pid) = @_;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    @kids = grep { $_ != $pid } @kids;
}

sub run {
    my @args = @_;
    my $r = plugin_run('check_procs', @args);
    check_plugin_output($r, "check_procs @args");
    return $r;
}

sub ps_lines {
    my $r = run_prog([ 'ps', @_ ]);
    return grep { /\S/ } split /\n/, $r->{out};
}

# ---------------------------------------------------------------------------
# N sleepers with a unique name and unique args.
my $N = 3;
my $bin = binary($name);
my $token = "0.$$";
my @sleepers = map { spawn([ $bin, '3600', $token ]) } 1 .. $N;

{
    my $r = run('-C', $name);
    is($r->{exit}, 0, '-C: OK without thresholds');
    is($r->{p}{perf}{procs}{value}, $N, "-C $name: procs=$N");
    is($r->{p}{line}, "PROCS OK: $N processes with command name '$name' | procs=$N;;;0;",
       'status line and perfdata exactly as monitoring-plugins');
    is(scalar(ps_lines('-C', $name, '--no-headers')), $N, "ps -C $name agrees: $N");
}

{
    my $r = run('-C', $name, '-c', '1:');
    is($r->{exit}, 0, '-c 1: with processes: OK');
    like($r->{out}, qr/ \| procs=$N;;1:;0;$/m, 'thresholds in perfdata as given, trailing ;');
    my $none = "nx$$";
    $r = run('-C', $none, '-c', '1:');
    is($r->{exit}, 2, '-c 1: with 0 processes: CRITICAL');
    is($r->{p}{line}, "PROCS CRITICAL: 0 processes with command name '$none' | procs=0;;1:;0;",
       'CRITICAL line for a missing daemon');
    $r = run('-C', $name, '-w', '1:1');
    like($r->{p}{summary}, qr/^$N processes /, 'plural');
    $r = run('-C', $name, '-P', '0', '-p', $sleepers[0], '-w', '0');
    is($r->{p}{summary}, "0 processes with command name '$name', PCPU >= 0.00, PPID = $sleepers[0]",
       'filters described in the order given');
}

# Range boundaries around the exact count.
my $n1 = $N + 1;
my $m1 = $N - 1;
for my $case ([ [ '-w', "$N:$N" ], 0 ], [ [ '-w', "$n1:$n1" ], 1 ], [ [ '-w', $N ], 0 ],
              [ [ '-w', $m1 ], 1 ], [ [ '-w', "$N:" ], 0 ], [ [ '-w', "$n1:" ], 1 ],
              [ [ '-w', "~:$N" ], 0 ], [ [ '-w', "~:$m1" ], 1 ], [ [ '-c', "\@$N:$N" ], 2 ],
              [ [ '-c', "\@$n1:9" ], 0 ], [ [ '-w', "$N:$N", '-c', "$N:$N" ], 0 ],
              [ [ '-w', "$n1:$n1", '-c', "$N:$N" ], 1 ], [ [ '-w', "$n1:", '-c', "$n1:" ], 2 ]) {
    my ($args, $want) = @$case;
    my $r = run('-C', $name, @$args);
    is($r->{exit}, $want, "$N processes, @$args: exit $want");
}

# Legacy operands: WARN CRIT STATUSFLAGS after the options.
{
    my $r = run('-C', $name, "$N:$N", "$n1:$n1");
    is($r->{exit}, 2, 'operands WARN CRIT: CRITICAL outside CRIT');
    like($r->{out}, qr/procs=$N;$N:$N;$n1:$n1;0;/, 'operands become the thresholds');
    $r = run('-C', $name, '9', '9', 'S');
    is($r->{p}{summary}, "$N processes with command name '$name', STATE = S", 'third operand is -s');
}

# -a and --ereg-argument-array on the sleepers' unique args.
{
    my $r = run('-a', "$bin 3600 $token");
    is($r->{p}{perf}{procs}{value}, $N, '-a substring of args');
    is($r->{p}{summary}, "$N processes with args '$bin 3600 $token'", '-a described');
    my $ps = grep { index($_, "$bin 3600 $token") >= 0 } ps_lines('-eo', 'args=');
    is($ps, $N, 'ps agrees on the args');
    $r = run('-a', "$bin 3600 0.1$$");
    is($r->{p}{perf}{procs}{value}, 0, '-a with other args: 0');

    (my $re_token = $token) =~ s/\./[.]/;
    $r = run('--ereg-argument-array', "/$name 3600 $re_token\$");
    is($r->{p}{perf}{procs}{value}, $N, '--ereg-argument-array anchored at the end');
    $r = run('--ereg-argument-array', "^$name ");
    is($r->{p}{perf}{procs}{value}, 0, 'regex anchored at the start does not match a full path');
    $r = run('--ereg-argument-array', "^/.*/$name 3600 ($re_token|never)");
    is($r->{p}{perf}{procs}{value}, $N, 'alternation');
    like($r->{p}{summary}, qr/regex args '\^\/\.\*\/$name 3600 \(0\[\.\]$$,never\)'$/,
         "'|' shown as ',' as monitoring-plugins does");
    $r = run('-a', $bin, '--ereg-argument-array', 'nomatch$', '-C', $name);
    is($r->{p}{perf}{procs}{value}, 0, 'all filters must match');
    $r = run('-X', $name, '-a', $bin);
    is($r->{p}{perf}{procs}{value}, 0, '-X leaves the named processes out');
}

# -s, -p, -r, -z, -P, -T.
{
    my $r = run('-C', $name, '-s', 'S');
    is($r->{p}{perf}{procs}{value}, $N, '-s S: sleeping');
    $r = run('-C', $name, '-s', 'RD');
    is($r->{p}{perf}{procs}{value}, 0, '-s RD: none running or in disk wait');
    $r = run('-C', $name, '--status', 'DS');
    is($r->{p}{perf}{procs}{value}, $N, '--status DS: any of the flags');

    kill 'STOP', $sleepers[0];
    my $t0 = time;
    sleep 0.01 until state_of($sleepers[0]) eq 'T' || time - $t0 > 5;
    $r = run('-C', $name, '-s', 'T', '-v');
    is($r->{p}{perf}{procs}{value}, 1, '-s T: the stopped one');
    like($r->{out}, qr/^pid=$sleepers[0] .*stat=T\S* /m, '-v shows it stopped');
    my @ps_t = grep { /^T/ } ps_lines('-o', 'stat=', '-p', join(',', @sleepers));
    is(scalar @ps_t, 1, 'ps agrees: one T');
    kill 'CONT', $sleepers[0];

    $r = run('-C', $name, '-p', $$);
    is($r->{p}{perf}{procs}{value}, $N, '-p: children of this test');
    is($r->{p}{summary}, "$N processes with command name '$name', PPID = $$", '-p described');
    $r = run('-C', $name, '-p', $sleepers[0]);
    is($r->{p}{perf}{procs}{value}, 0, '-p of another parent: 0');

    my @rss = map { (split ' ')[0] } map { [ ps_lines('-o', 'rss=', '-p', $_) ]->[0] } @sleepers;
    my @vsz = map { (split ' ')[0] } map { [ ps_lines('-o', 'vsz=', '-p', $_) ]->[0] } @sleepers;
    my ($rmin, $rmax) = (sort { $a <=> $b } @rss)[ 0, -1 ];
    my ($vmin, $vmax) = (sort { $a <=> $b } @vsz)[ 0, -1 ];
    $r = run('-C', $name, '-r', $rmin);
    is($r->{p}{perf}{procs}{value}, $N, "-r $rmin (ps's smallest RSS): all");
    is($r->{p}{summary}, "$N processes with command name '$name', RSS >= $rmin", '-r described');
    $r = run('-C', $name, '-r', $rmax + 1);
    is($r->{p}{perf}{procs}{value}, 0, '-r above the largest: none');
    $r = run('-C', $name, '-z', $vmin);
    is($r->{p}{perf}{procs}{value}, $N, "-z $vmin (ps's smallest VSZ): all");
    $r = run('-C', $name, '-z', $vmax + 1);
    is($r->{p}{perf}{procs}{value}, 0, '-z above the largest: none');
    $r = run('-C', $name, '-P', '0');
    is($r->{p}{perf}{procs}{value}, $N, '-P 0: all');
    $r = run('-C', $name, '-P', '90.5');
    is($r->{p}{perf}{procs}{value}, 0, '-P 90.5: idle sleepers do not');
    $r = run('-C', $name, '-T');
    is($r->{p}{perf}{procs}{value}, $N, '-T accepted');
    $r = run('-C', $name, '--traditional-filter');
    is($r->{p}{perf}{procs}{value}, $N, '--traditional-filter accepted');

    # -m RSS / VSZ / ELAPSED / CPU: each process judged.
    $r = run('-m', 'RSS', '-C', $name, '-w', $rmin - 1);
    is($r->{exit}, 1, '-m RSS above warning: WARNING');
    is($r->{p}{line}, "RSS WARNING: $N warn out of $N processes with command name '$name'"
                      . " | procs=$N;;;0; procs_warn=$N;;;0; procs_crit=0;;;0;", '-m RSS line as mp');
    $r = run('-m', 'RSS', '-C', $name, '-w', $rmin - 1, '-c', $rmin - 1);
    is($r->{p}{summary}, "$N crit, 0 warn out of $N processes with command name '$name'", '-m RSS CRITICAL');
    is($r->{p}{perf}{procs_crit}{value}, $N, 'procs_crit');
    $r = run('-m', 'RSS', '-C', $name, '-w', $rmax, '-c', $rmax + 100000);
    is($r->{exit}, 0, '-m RSS at the warning edge (inclusive): OK');
    is($r->{p}{summary}, "$N processes with command name '$name'", '-m RSS OK summary');
    is($r->{p}{perf}{procs_warn}{value}, 0, 'procs_warn=0');
    $r = run('-m', 'RSS', '-C', $name, '-w', $rmin - 1, '-v');
    like($r->{p}{line}, qr/ \[\Q$name, $name, $name\E\] \|/, '-v names the alerting processes');
    $r = run('-m', 'VSZ', '-C', $name, '-c', "$vmin:$vmax");
    is($r->{exit}, 0, '-m VSZ between smallest and largest: OK');
    $r = run('-m', 'vsz', '-C', $name, '-c', $vmin - 1);
    is($r->{p}{service}, 'VSZ', '-m in lower case, service in upper case');
    is($r->{exit}, 2, '-m VSZ above critical: CRITICAL');
    sleep 1.1;
    $r = run('-m', 'ELAPSED', '-C', $name, '-w', '0:0', '-c', 100000);
    is($r->{p}{summary}, "$N warn out of $N processes with command name '$name'", '-m ELAPSED: older than 0 s');
    $r = run('-m', 'CPU', '-C', $name, '-w', 50, '-c', 90);
    is($r->{p}{summary}, "$N processes with command name '$name'", '-m CPU: idle sleepers OK');
}

# -v: the long output lists the matching pids, at most 50 lines.
{
    my $r = run('-C', $name, '-v');
    my @long = @{ $r->{p}{long} };
    is(scalar @long, $N, "-v: one line per process");
    for my $pid (@sleepers) {
        ok((grep { /^pid=$pid user=\S+ stat=S\S* cpu=[\d.]+% rss=\d+kB args=\Q$bin 3600 $token\E$/ } @long),
           "-v lists pid $pid with its args");
    }
    $r = run('-v');
    ok(@{ $r->{p}{long} } <= 50, '-v without filters: at most 50 lines');
    like($r->{p}{long}[-1], qr/^\.\.\. and \d+ more$/, 'and says how many were left out')
        if $r->{p}{perf}{procs}{value} > 50;
}

# -u with the sleepers' user, against ps -u (which selects by effective UID).
{
    my @pw = getpwnam('nobody');
    if ($> == 0 && @pw) {
        my ($uid, $gid) = @pw[ 2, 3 ];
        my @theirs = map { spawn([ $bin, '3600', $token ], uid => $uid, gid => $gid) } 1 .. 2;
        my $r = run('-u', 'nobody', '-C', $name);
        is($r->{p}{perf}{procs}{value}, 2, '-u nobody -C: the two started as nobody');
        is($r->{p}{summary}, "2 processes with UID = $uid (nobody), command name '$name'", '-u described');
        $r = run('-u', $uid, '-C', $name);
        is($r->{p}{perf}{procs}{value}, 2, '-u by number');
        $r = run('-u', 'root', '-C', $name);
        is($r->{p}{perf}{procs}{value}, $N, '-u root -C: the others');
        my ($ours, $ps);
        for (1 .. 5) {    # other nobody processes may come and go meanwhile
            $ours = run('-u', 'nobody')->{p}{perf}{procs}{value};
            $ps = scalar ps_lines('-u', 'nobody', '--no-headers');
            last if $ours == $ps;
        }
        is($ours, $ps, "-u nobody agrees with ps -u nobody ($ps)");
        stop_kid($_) for @theirs;
    } else {
        my $r = run('-u', $>, '-C', $name);
        is($r->{p}{perf}{procs}{value}, $N, '-u own UID -C');
        my ($ours, $ps);
        for (1 .. 5) {
            $ours = run('-u', $>)->{p}{perf}{procs}{value};
            # ps lists itself and this test, check_procs leaves out its parent (this test)
            $ps = scalar(ps_lines('-u', $>, '--no-headers')) - 2;
            last if $ours == $ps;
        }
        is($ours, $ps, "-u $> agrees with ps -u (less ps and this test)");
    }
}

# A zombie: a child that exits and is not reaped.
{
    my $z = fork // die;
    POSIX::_exit(0) if !$z;
    push @kids, $z;
    my $t0 = time;
    sleep 0.01 until state_of($z) eq 'Z' || time - $t0 > 5;
    my $r = run('-s', 'Z', '-p', $$, '-v');
    is($r->{p}{perf}{procs}{value}, 1, '-s Z -p: the unreaped child');
    like($r->{out}, qr/^pid=$z .*stat=Z.* args=\[.+\] <defunct>$/m, 'zombie args as ps shows them');
    my @ps_z = grep { /^Z/ } ps_lines('--ppid', $$, '-o', 'stat=');
    is(scalar @ps_z, 1, 'ps agrees: one zombie child');
    stop_kid($z);
    $r = run('-s', 'Z', '-p', $$);
    is($r->{p}{perf}{procs}{value}, 0, 'reaped: no zombie');
}

# A name with spaces and parentheses: stat's comm ends at the last ')'.
{
    my $odd = 'a) b (c';
    my $pid = spawn([ binary($odd), '3600' ]);
    is(scalar(ps_lines('-o', 'comm=', '-p', $pid)), 1, 'ps sees it');
    is((ps_lines('-o', 'comm=', '-p', $pid))[0], $odd, "ps's comm is '$odd'");
    my $r = run('-C', $odd, '-p', $$, '-s', 'S', '-v');
    is($r->{p}{perf}{procs}{value}, 1, "-C '$odd' with -p and -s: fields after the name parsed");
    like($r->{out}, qr/^pid=$pid /m, '-v lists it');
    my ($vsz) = split ' ', (ps_lines('-o', 'vsz=', '-p', $pid))[0];
    $r = run('-C', $odd, '-m', 'VSZ', '-w', $vsz - 1, '-c', $vsz);
    is($r->{p}{summary}, "1 warn out of 1 process with command name '$odd'", 'its VSZ as ps sees it');
    stop_kid($pid);
}

# A name longer than the kernel's 15 bytes matches like ps -C.
{
    my $long = "mml$$-server-name";
    my $pid = spawn([ binary($long), '3600' ]);
    my $r = run('-C', $long);
    is($r->{p}{perf}{procs}{value}, 1, '-C with the full long name');
    is(scalar(ps_lines('-C', $long, '--no-headers')), 1, 'ps -C agrees');
    $r = run('-C', substr($long, 0, 15));
    is($r->{p}{perf}{procs}{value}, 1, '-C with the 15 bytes the kernel keeps');
    stop_kid($pid);
}

# Self and parent: the plugin's own args and its shell's never count.
{
    my $r = run('-a', "selftoken$$");
    is($r->{p}{perf}{procs}{value}, 0, 'the plugin does not count itself');
    my $sh = run_prog([ '/bin/sh', '-c', bin('check_procs') . " -a shtoken$$; exit \$?" ]);
    $sh->{p} = parse_plugin_output($sh->{out});
    check_plugin_output($sh, 'check_procs under sh -c');
    is($sh->{p}{perf}{procs}{value}, 0, 'nor the shell that runs it');
}

# Another running check_procs (here one blocked opening a FIFO as its
# uptime file) is left out by default, as monitoring-plugins does; -T only
# leaves out this run's own PID.
{
    my $root = tempdir(CLEANUP => 1);
    POSIX::mkfifo("$root/uptime", 0600) or die "mkfifo: $!";
    my $other = spawn([ bin('check_procs'), '-m', 'CPU', '-a', "blocked$$", '-t', '30' ],
                      env => { MAMORI_PROC_ROOT => $root });
    my $r = run('-a', "blocked$$");
    is($r->{p}{perf}{procs}{value}, 0, 'another running check_procs is not counted');
    $r = run('-T', '-a', "blocked$$");
    is($r->{p}{perf}{procs}{value}, 1, '-T counts it');
    like(run('-T', '-a', "blocked$$", '-v')->{out}, qr/^pid=$other /m, 'it is the blocked one');
    stop_kid($other);
}

# Kernel threads.
SKIP: {
    my ($kthreadd) = grep { comm_of($_) eq 'kthreadd' } 2;
    skip 'no kthreadd in this PID namespace', 2 unless $kthreadd;
    is(run('-C', 'kthreadd')->{p}{perf}{procs}{value}, 1, 'kthreadd counted');
    is(run('-C', 'kthreadd', '-k')->{p}{perf}{procs}{value}, 0, '-k leaves kernel threads out');
}

# The whole table against ps -e: ps also lists itself and this test.
{
    my ($ours, $ps);
    for (1 .. 5) {
        $ours = run()->{p}{perf}{procs}{value};
        $ps = scalar(ps_lines('-e', '--no-headers')) - 2;
        last if $ours == $ps;
    }
    is($ours, $ps, "all processes: as ps -e less ps and this test ($ps)");
}

# Processes that exit mid-scan are skipped silently.
{
    my $churn = fork // die;
    if (!$churn) {
        my $end = time + 3;
        while (time < $end) {
            my $p = fork;
            if (defined $p && !$p) { POSIX::_exit(0) }
            waitpid($p, 0) if $p;
        }
        POSIX::_exit(0);
    }
    push @kids, $churn;
    my $bad = 0;
    for (1 .. 20) {
        my $r = run('-a', 'x', '-u', 'root', '-v');
        $bad++ if $r->{exit} != 0 || $r->{err} ne '';
    }
    is($bad, 0, 'churn of short-lived processes: always a clean answer');
    stop_kid($churn);
}

# A recorded /proc: names and values the live system cannot be made to show.
{
    my $stat = sub {
        my ($pid, $comm, $state, $ppid, %o) = @_;
        my @f = ($pid, "($comm)", $state, $ppid, $pid, $pid, 0, -1, $o{flags} // 4194560,
                 (0) x 4, $o{utime} // 0, 0, 0, 0, 20, $o{nice} // 0, 1, 0, $o{start} // 100,
                 $o{vsize} // 10240000, $o{rss} // 100, (0) x 27);
        return join(' ', @f) . "\n";
    };
    my $status = sub {
        my ($uid, $rss) = @_;
        return "Name:\tx\nState:\tS (sleeping)\nUid:\t0\t$uid\t$uid\t$uid\nVmRSS:\t $rss kB\nVmSwap:\t 0 kB\n";
    };
    my $root = fake_proc(
        'uptime' => "1000.00 1800.00\n",
        '4000001/stat' => $stat->(4000001, ') ) (x', 'D', 4242, utime => 45000, start => 10000),
        '4000001/cmdline' => "/opt/x\0--flag\0",
        '4000001/status' => $status->(0, 12345),
        '4000002/stat' => $stat->(4000002, 'spamd child', 'S', 4000003),
        '4000002/cmdline' => "spamd child",
        '4000002/status' => $status->(65534, 2000),
        '4000003/stat' => $stat->(4000003, '/usr/sbin/spamd', 'S', 1, nice => 5),
        '4000003/cmdline' => "/usr/sbin/spamd --create-prefs -d",
        '4000003/status' => $status->(0, 3000) . "VmLck:\t 8 kB\n",
        '4000004/stat' => $stat->(4000004, 'kworker/0:1', 'I', 2, flags => 0x208040, vsize => 0, rss => 0),
        '4000004/cmdline' => '',
        '4000004/status' => $status->(0, 0),
        '4000005/stat' => "4000005 (truncated) S 1 2",    # malformed: skipped
        '4000006/cmdline' => "gone\0",                      # no stat: exited, skipped
        'notapid/stat' => $stat->(7, 'x', 'R', 1),
    );
    my %env = (env => { MAMORI_PROC_ROOT => $root });
    my $fr = sub {
        my $r = plugin_run('check_procs', @_, \%env);
        check_plugin_output($r, "check_procs @_ (recorded /proc)");
        return $r;
    };
    is($fr->()->{p}{perf}{procs}{value}, 4, 'recorded: four well-formed processes');
    is($fr->('-C', ') ) (x')->{p}{perf}{procs}{value}, 1, "comm ') ) (x' up to the last ')'");
    is($fr->('-s', 'D', '-p', 4242)->{p}{perf}{procs}{value}, 1, 'state and ppid after that name');
    is($fr->('-C', 'spamd')->{p}{perf}{procs}{value}, 2, "-C spamd: '/usr/sbin/spamd' and 'spamd child'");
    is($fr->('-C', 'spamd', '-s', 'N')->{p}{perf}{procs}{value}, 1, '-s N: the niced one');
    is($fr->('-s', 'L')->{p}{perf}{procs}{value}, 1, '-s L: locked pages, from status');
    like($fr->('-s', 'L', '-v')->{out}, qr/^pid=4000003 .*stat=SNLs /m, 'STAT flags in ps order');
    is($fr->('-u', 'nobody')->{p}{perf}{procs}{value}, 1, '-u: effective UID from status')
        if getpwnam('nobody');
    is($fr->('-r', 12345)->{p}{perf}{procs}{value}, 1, '-r: VmRSS from status, inclusive');
    is($fr->('-k')->{p}{perf}{procs}{value}, 3, '-k: PF_KTHREAD leaves the kworker out');
    my $r = $fr->('-a', '[kworker/0:1]');
    is($r->{p}{perf}{procs}{value}, 1, 'a kernel thread has args [name]');
    $r = $fr->('-a', '/opt/x --flag', '-m', 'CPU', '-w', 49.9, '-c', 50, '-v');
    # 450 s of CPU over 900 s of life: 50.0 %CPU
    is($r->{p}{summary}, "1 warn out of 1 process with args '/opt/x --flag' [) ) (x]", '%CPU as ps computes it');
    like($r->{out}, qr/^WARNING pid=4000001 user=root stat=Ds cpu=50\.0% rss=12345kB args=\/opt\/x --flag$/m,
         '-v line of the recorded process');
    $r = $fr->('-m', 'ELAPSED', '-C', ') ) (x', '-w', 899, '-c', 900);
    is($r->{exit}, 1, 'elapsed 900 s: above 899, not above 900');
}

# fuzz_pid_stat: a process chooses its name and its arguments; a line
# break in either never starts a line of the answer. A stat line with a
# state that is not a letter, a negative parent or a time past 2^63 is
# not the kernel's: skipped, never wrapped into a plausible number.
{
    my $good = "4000010 (a\nb) S 1 4000010 4000010 0 -1 4194560 0 0 0 0 100 0 0 0 20 0 1 0 100 10240000 100"
             . (" 0" x 27) . "\n";
    (my $nostate = $good) =~ s/^4000010 \(a\nb\) S/4000011 (x) \n/;
    (my $negppid = $good) =~ s/^4000010 \(a\nb\) S 1 /4000012 (x) S -5 /;
    (my $hugetime = $good) =~ s/^4000010 \(a\nb\) S (.*?) 100 0 0 0 20/4000013 (x) S $1 99999999999999999999 0 0 0 20/;
    my $root = fake_proc(
        'uptime' => "1000.00 1800.00\n",
        '4000010/stat' => $good,
        '4000010/cmdline' => "evil\nCRITICAL pid=1 forged\0--x\0",
        '4000010/status' => "Name:\ta\\nb\nUid:\t0\t0\t0\t0\nVmRSS:\t 400 kB\n",
        '4000011/stat' => $nostate,
        '4000012/stat' => $negppid,
        '4000013/stat' => $hugetime,
        '4000014/stat' => "4000014 (x) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1024 9223372036854775807" . (" 0" x 27) . "\n",
        '4000014/status' => "Name:\tx\nUid:\t0\t0\t0\t0\nVmRSS:\t 99999999999999999999999 kB\n",
        '4000014/cmdline' => '',
    );
    my $r = plugin_run('check_procs', '-v', { env => { MAMORI_PROC_ROOT => $root } });
    check_plugin_output($r, 'fuzz_pid_stat: hostile recorded /proc');
    is($r->{p}{perf}{procs}{value}, 2, 'fuzz_pid_stat: only the two well-formed stat lines count');
    unlike($r->{out}, qr/^CRITICAL pid=1 forged/m, 'fuzz_pid_stat: a newline in args starts no line');
    like($r->{out}, qr/^pid=4000010 .* args=evil\?CRITICAL pid=1 forged --x$/m,
         'fuzz_pid_stat: the newline shown as ?, as ps does');
    like($r->{out}, qr/^pid=4000014 .* rss=\d+kB args=\[x\]$/m,
         'fuzz_pid_stat: a VmRSS past 2^64 is no number: stat\'s saturated RSS is kept');
    my @lines = split /\n/, $r->{out};
    is(scalar @lines, 3, 'fuzz_pid_stat: the status line and one line per process');
}

# Bad arguments: UNKNOWN, one line.
for my $args ([ '-w', '5:2' ], [ '-c', 'x' ], [ '-w', '1:2:3' ], [ '-u', 'no_such_user_zz' ],
              [ '-u', '3999999' ], [ '--ereg-argument-array', '(' ], [ '--ereg-argument-array', 'a{2,1}' ],
              [ '-m', 'FOO' ], [ '-s', 'Q' ], [ '-s', '' ], [ '-p', 'x' ], [ '-p', '-1' ],
              [ '-r', '10k' ], [ '-r', '-5' ], [ '-z', 'x' ], [ '-P', 'x' ], [ '-P', '1.5.5' ],
              [ '-t', '0' ], [ '-C', '' ], [ '--nosuch' ], [ '-C' ], [ '1', '2', 'S', 'extra' ]) {
    my $r = run(@$args);
    is($r->{exit}, 3, "bad argument @$args: exit 3");
    like($r->{out}, qr/\APROCS UNKNOWN - \S[^\n]*\n\z/, "bad argument @$args: one line with a reason");
}

# --help and the docs page agree.
{
    my $help = run_prog([ bin('check_procs'), '--help' ])->{out};
    my $src = $ENV{MAMORI_SRC} // '.';
    open my $f, '<', "$src/docs/check_procs.md" or die "docs/check_procs.md: $!";
    my $doc = do { local $/; <$f> };
    my ($options) = $doc =~ /^## Options\n(.*?)(?=^## |\z)/ms;
    for my $o ($help =~ /^\s+(?:-\w, )?(--[\w-]+)/mg) {
        like($options // '', qr/\Q$o\E\b/, "docs Options list $o");
    }
}

stop_kid($_) for @sleepers;
is(run('-C', $name)->{p}{perf}{procs}{value}, 0, 'all sleepers gone');
done_testing;
