# The top-N process lists of check_load, check_cpu, check_mem and check_swap
# (issue 9) against ground truth: processes this test starts (a CPU burner
# and a memory holder under names of their own), ps's view of them, and
# recorded /proc trees for what this host cannot show (swap in use, a
# process that vanishes between two reads, hostile names).
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

my $dir = tempdir('mmtopXXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;    # the burner runs as nobody
my ($burn_name, $hog_name, $late_name) = map { substr("$_$$", 0, 15) } qw(mmburn mmhog mmlate);
for ($burn_name, $hog_name, $late_name) {
    copy($^X, "$dir/$_") or die "copy $^X: $!";
    chmod 0755, "$dir/$_";
}
my @nobody = (getpwnam('nobody'))[2, 3];
defined $nobody[0] or BAIL_OUT('no user nobody');

sub comm_of {
    my ($pid) = @_;
    open my $f, '<', "/proc/$pid/comm" or return '';
    my $c = <$f> // '';
    chomp $c;
    return $c;
}

# Start a copy of perl running CODE under its own name; returns once the
# child runs it. A pipe tells when CODE has done its set-up (it prints).
sub spawn {
    my ($name, $code, %o) = @_;
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $r;
        open STDOUT, '>&', $w or POSIX::_exit(127);
        if ($o{nobody}) {
            POSIX::setgid($nobody[1]);
            POSIX::setuid($nobody[0]) or POSIX::_exit(126);
        }
        exec { "$dir/$name" } $name, '-e', $code or POSIX::_exit(127);
    }
    close $w;
    push @kids, $pid;
    my $ready = <$r>;
    die "$name did not start" unless defined $ready && comm_of($pid) eq $name;
    return $pid;
}

sub stop_kid {
    my ($pid) = @_;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    @kids = grep { $_ != $pid } @kids;
}

# ps's view of one process: pid, user, %CPU, rss (kB), comm.
sub ps_of {
    my ($pid) = @_;
    my $line = `ps -o pid=,user:64=,pcpu=,rss=,comm= -p $pid`;
    my @f = split ' ', $line, 5;
    return undef unless @f == 5;
    chomp $f[4];
    return { pid => $f[0], user => $f[1], pcpu => $f[2], rss => $f[3], comm => $f[4] };
}

sub kib {
    my ($text) = @_;
    my %u = (B => 1 / 1024, KiB => 1, MiB => 1024, GiB => 1024**2, TiB => 1024**3);
    my ($v, $unit) = $text =~ /^([\d.]+) (B|KiB|MiB|GiB|TiB)$/ or return undef;
    return $v * $u{$unit};
}

# The lists in a plugin's long output: { 'CPU' => [rows], 'RSS' => ..., 'SWAP' => ... },
# a row { pid, user, value, comm } with value %CPU or a size in KiB.
sub lists {
    my ($r) = @_;
    my (%l, $cur);
    for my $line (@{ $r->{p}{long} }) {
        if ($line =~ /^Top (\d+) processes by (CPU|resident memory|swap use)/) {
            $cur = { CPU => 'CPU', 'resident memory' => 'RSS', 'swap use' => 'SWAP' }->{$2};
            $l{$cur} = [];
            next;
        }
        next unless $cur;
        next if $line =~ /^\s+PID USER/;
        if ($line =~ /^\s*(\d+) (\S+)\s+([\d.]+(?: \S+)?) (.*)$/) {
            my $v = $cur eq 'CPU' ? $3 : kib($3);
            push @{ $l{$cur} }, { pid => $1, user => $2, value => $v, comm => $4 };
        } elsif ($line !~ /^  none/) {
            $cur = undef;
        }
    }
    return \%l;
}

sub run {
    my ($prog, @args) = @_;
    my $r = plugin_run($prog, @args);
    check_plugin_output($r, "$prog @args");
    return $r;
}

# Every listed row agrees with ps about the user of the same pid (if it
# still exists); the sizes only for processes of ours, which hold still
# (another session's compiler can grow between the two reads).
sub rows_match_ps {
    my ($rows, $name, %ours) = @_;
    my $checked = 0;
    for my $row (@$rows) {
        my $ps = ps_of($row->{pid}) or next;
        next if $ps->{comm} ne $row->{comm};    # pid reused in between
        is($row->{user}, $ps->{user}, "$name: pid $row->{pid} user is ps's ($ps->{user})");
        if ($ours{rss} && $ours{rss} == $row->{pid}) {
            ok(abs($row->{value} - $ps->{rss}) <= 0.01 * $ps->{rss} + 64,
               "$name: pid $row->{pid} RSS $row->{value} KiB near ps's $ps->{rss}");
        }
        $checked++;
    }
    ok($checked, "$name: some rows checked against ps");
}

# ---- the real host: a CPU burner and a memory holder ----

my $burner = spawn($burn_name, '$| = 1; print "go\n"; 1 while 1', nobody => 1);
my $hog = spawn($hog_name, '$| = 1; my $x = "m" x (256 << 20); print "go\n"; sleep 600');
sleep 0.5;    # some CPU time to rank by

# check_load: lifetime %CPU, as ps computes it
{
    # -n 10: on a shared machine a compiler that just started also shows
    # near 100% over its short life
    # lifetime %CPU of a young busy process moves while we look: ps before
    # and after bound what check_load may have seen in between
    my $ps_before = ps_of($burner);
    my $r = run('check_load', qw(-w 1000 -c 2000 -n 10));
    my $ps_after = ps_of($burner);
    my $cpu = lists($r)->{CPU};
    ok($cpu && @$cpu && @$cpu <= 10, 'check_load lists at most 10 processes with -n 10') or diag($r->{out});
    my ($row) = grep { $_->{pid} == $burner } @$cpu;
    ok($row, "check_load: the burner ($burner) is in the top 10") or diag($r->{out});
    if ($row) {
        is($row->{comm}, $burn_name, 'check_load: burner command');
        is($row->{user}, 'nobody', 'check_load: burner user');
        my ($lo, $hi) = sort { $a <=> $b } $ps_before->{pcpu}, $ps_after->{pcpu};
        ok($row->{value} >= $lo - 2 && $row->{value} <= $hi + 2,
           "check_load: burner %CPU $row->{value} within ps's $lo..$hi (before, after) ±2");
        ok($row->{value} >= 10, 'check_load: the burner is busy');
    }
    my @v = map { $_->{value} } @$cpu;
    is_deeply(\@v, [ sort { $b <=> $a } @v ], 'check_load: sorted by %CPU');
    rows_match_ps($cpu, 'check_load');
}

# check_cpu: CPU time during the sample, as top; a process started during
# the sample counts with all its time
{
    # forked after check_cpu's first read of the table: not in it at all
    pipe(my $pr, my $pw) or die;
    my $launcher = fork // die;
    if (!$launcher) {
        close $pr;
        sleep 0.4;
        my $g = fork // POSIX::_exit(1);
        if (!$g) { exec { "$dir/$late_name" } $late_name, '-e', '1 while 1' or POSIX::_exit(127) }
        syswrite $pw, "$g\n";
        waitpid($g, 0);
        POSIX::_exit(0);
    }
    close $pw;
    push @kids, $launcher;
    my $r = run('check_cpu', qw(-s 1.5 -w 1000 -c 2000 -n 10));
    my $late_pid = <$pr> // 0;
    chomp $late_pid;
    push @kids, $late_pid if $late_pid;
    my $cpu = lists($r)->{CPU};
    like($r->{out}, qr/^Top 10 processes by CPU over the 1\.\d\ds sample/m, 'check_cpu: sample in the title');
    my ($row) = grep { $_->{pid} == $burner } @$cpu;
    ok($row, 'check_cpu: the burner is in the top 10') or diag($r->{out});
    # one thread: at most one CPU; at least a share of two CPUs among a busy machine's compilers
    ok($row && $row->{value} >= 10 && $row->{value} <= 101, 'check_cpu: burner %CPU of one CPU')
        or diag($r->{out});
    is($row && $row->{user}, 'nobody', 'check_cpu: burner user');
    my ($late) = grep { $_->{pid} == $late_pid } @$cpu;
    ok($late && $late->{value} >= 5 && $late->{value} <= 101,
       'check_cpu: a process started during the sample is listed with its time') or diag($r->{out});
    is($late && $late->{comm}, $late_name, 'check_cpu: its command');
    my ($hogrow) = grep { $_->{pid} == $hog } @$cpu;
    ok(!$hogrow, 'check_cpu: the sleeping memory holder used no CPU during the sample');
    rows_match_ps($cpu, 'check_cpu');
    stop_kid($late_pid) if $late_pid;
    stop_kid($launcher);
}

# check_mem: the holder has 256 MiB resident
{
    my $r = run('check_mem', qw(-w 100 -c 100 -n 10));
    my $l = lists($r);
    my $rss = $l->{RSS};
    ok($rss && @$rss == 10, 'check_mem -n 10 lists 10 processes by RSS') or diag($r->{out});
    my ($row) = grep { $_->{pid} == $hog } @$rss;
    ok($row, 'check_mem: the memory holder is in the top 10') or diag($r->{out});
    if ($row) {
        is($row->{comm}, $hog_name, 'check_mem: holder command');
        is($row->{user}, scalar getpwuid($>), 'check_mem: holder user');
        ok($row->{value} >= 256 * 1024, 'check_mem: holder RSS at least 256 MiB');
    }
    my @v = map { $_->{value} } @$rss;
    is_deeply(\@v, [ sort { $b <=> $a } @v ], 'check_mem: sorted by RSS');
    rows_match_ps($rss, 'check_mem', rss => $hog);
    ok(exists $l->{SWAP}, 'check_mem: the swap list too');
    like($r->{out}, qr/^\s+total\s+used\s+free\s+shared\s+buff\/cache\s+available$/m, 'check_mem: free view kept');
}

# -n 0, -n 3; the status line and perfdata are the same with and without lists
for my $case ([ 'check_load', [] ], [ 'check_mem', [] ], [ 'check_swap', [qw(-n ok)] ],
              [ 'check_cpu', [qw(-s 0.2)] ]) {
    my ($prog, $extra) = @$case;
    my $opt = $prog eq 'check_swap' ? '--procs-to-show' : '-n';
    my $none = run($prog, @$extra, $opt, '0');
    unlike($none->{out}, qr/^Top |^\s+PID USER/m, "$prog $opt 0: no list");
    my $three = run($prog, @$extra, $opt, '3');
    my $l = lists($three);
    ok(%$l, "$prog $opt 3: lists");
    for my $k (sort keys %$l) {
        ok(@{ $l->{$k} } <= 3, "$prog $opt 3: at most 3 rows by $k");
    }
    # without -n: check_cpu lists always; check_load/mem/swap only with an alert
    my @alert = $prog eq 'check_swap' ? () : ('-c', '@0:1e9' =~ s/1e9/1000000000/r);
    @alert = ('-n', 'critical') if $prog eq 'check_swap';  # no swap here: CRITICAL
    my $dflt = run($prog, @$extra, $prog eq 'check_cpu' ? () : @alert);
    my $ld = lists($dflt);
    ok(!grep({ @$_ > 5 } values %$ld), "$prog: at most 5 rows by default");
    like($dflt->{out}, qr/^Top 5 processes by /m, "$prog: the default is 5 (with an alert)")
        or diag($dflt->{out});
    if ($prog ne 'check_cpu') {
        my $ok = run($prog, @$extra);
        unlike($ok->{out}, qr/^Top |^\s+PID USER/m, "$prog: an OK run without -n reads and lists no processes")
            if $ok->{exit} == 0;
    }
    is_deeply($none->{p}{perf_order}, $dflt->{p}{perf_order}, "$prog: same perfdata labels with and without lists");
    (my $s1 = $none->{p}{summary}) =~ s/[\d.]+/N/g;
    (my $s2 = $dflt->{p}{summary}) =~ s/[\d.]+/N/g;
    is($s1, $s2, "$prog: same summary form with and without lists");
    my @before = map { s/[\d.]+/N/gr } grep { !/^Top |^\s+PID USER|^\s*\d+ \S+\s+[\d.]|^  none/ } @{ $dflt->{p}{long} };
    is_deeply(\@before, [ map { s/[\d.]+/N/gr } @{ $none->{p}{long} } ], "$prog: the other long output is unchanged");
}
{
    my $r = run('check_mem', '-n', '3');
    is(scalar @{ lists($r)->{RSS} }, 3, 'check_mem -n 3: exactly 3 RSS rows on a host with more processes');
}

# bad values of the option
for my $case ([ 'check_load', '-n' ], [ 'check_cpu', '-n' ], [ 'check_mem', '-n' ], [ 'check_swap', '--procs-to-show' ]) {
    my ($prog, $opt) = @$case;
    for my $bad ('x', '-1', '101', '', '5x') {
        my $r = plugin_run($prog, $opt, $bad);
        is($r->{exit}, 3, "$prog $opt '$bad': UNKNOWN");
        like($r->{out}, qr/^\S+ UNKNOWN - .*\n\z/, "$prog $opt '$bad': one line");
    }
}

# Processes that come and go during the scans: every run still answers
{
    my $churn = fork // die;
    if (!$churn) {
        # a process exits every few hundred microseconds
        while (1) { my $p = fork; if (defined $p && !$p) { POSIX::_exit(0) } waitpid($p, 0) if $p }
    }
    push @kids, $churn;
    for my $i (1 .. 10) {
        run('check_load', '-n', '50');
        run('check_mem', '-n', '50');
    }
    my $r = run('check_cpu', qw(-s 0.3 -n 50));
    ok(lists($r)->{CPU}, 'check_cpu with processes exiting during the sample');
    stop_kid($churn);
}

stop_kid($burner);
stop_kid($hog);

# ---- recorded /proc trees ----

my $hz = `getconf CLK_TCK` + 0 || 100;
my $page_kb = (`getconf PAGESIZE` + 0 || 4096) / 1024;

# /proc/PID/stat with the fields the scanner reads (proc(5) numbering)
sub stat_line {
    my (%o) = @_;
    my @f = ($o{pid}, "($o{comm})", $o{state} // 'S', 1, $o{pid}, $o{pid}, 0, -1,
             $o{flags} // 4194560, 0, 0, 0, 0, $o{utime} // 0, $o{stime} // 0, 0, 0, 20, 0, 1, 0,
             $o{start} // 100, ($o{rss} // 0) * 4096, $o{rss} // 0, (0) x 28);
    return join(' ', @f) . "\n";
}

sub status_text {
    my (%o) = @_;
    my $t = "Name:\t$o{comm}\nState:\tS (sleeping)\nPid:\t$o{pid}\n";
    $t .= "Uid:\t$o{uid}\t$o{uid}\t$o{uid}\t$o{uid}\n";
    $t .= "VmRSS:\t$o{vmrss} kB\n" if defined $o{vmrss};
    $t .= "VmSwap:\t$o{swap} kB\n" if defined $o{swap};
    return $t;
}

my $meminfo_swap = <<'M';
MemTotal:        1024000 kB
MemFree:          100000 kB
MemAvailable:     256000 kB
Buffers:           10000 kB
Cached:           150000 kB
SwapCached:            0 kB
Shmem:              5000 kB
SReclaimable:       4000 kB
SwapTotal:       2048000 kB
SwapFree:        1024000 kB
M
(my $meminfo_noswap = $meminfo_swap) =~ s/SwapFree:\s+\d+/SwapFree:        2048000/;

my %procs = (
    # pid => [ comm, uid, rss pages, VmRSS kB, VmSwap kB, utime, start ]
    100 => [ 'big',          0,     1000, 4100, 300,    50, 100 ],
    200 => [ 'bigger',       65534, 5000, 20480, 900,   10, 100 ],
    300 => [ "evil\nname|x", 4242424, 2000, 8000, 50,   2000, 5000 ],
    400 => [ 'swapless',     0,     3000, 12000, 0,     0, 100 ],
    500 => [ 'gone',         0,     9216, undef, undef, 9000, 9000 ],   # stat, but no status: exited
);
my %files = (meminfo => $meminfo_swap, loadavg => "0.50 0.40 0.30 1/100 600\n",
             uptime => "1000.00 1500.00\n", stat => "cpu 1 2 3 4 5 6 7 8 0 0\n");
for my $pid (keys %procs) {
    my ($comm, $uid, $rss, $vmrss, $swap, $utime, $start) = @{ $procs{$pid} };
    $files{"$pid/stat"} = stat_line(pid => $pid, comm => $comm, rss => $rss, utime => $utime, start => $start);
    $files{"$pid/status"} = status_text(pid => $pid, comm => $comm, uid => $uid, vmrss => $vmrss, swap => $swap)
        if defined $vmrss;
}
$files{'600/stat'} = "600 (broken\n";                            # garbage: skipped
$files{'700/status'} = status_text(pid => 700, comm => 'x', uid => 0, vmrss => 1, swap => 99999);  # no stat
$files{'800/stat'} = stat_line(pid => 800, comm => 'kworker/0:1', flags => 0x00200040, utime => 3000, start => 10);
my $root = fake_proc(%files);
my %env = (env => { MAMORI_PROC_ROOT => $root });
my $root_noswap = fake_proc(%files, meminfo => $meminfo_noswap);

# check_swap: VmSwap order, users by name or number, hostile names made harmless
{
    my $r = plugin_run('check_swap', qw(--procs-to-show 3), \%env);
    check_plugin_output($r, 'check_swap (recorded)');
    my $swap = lists($r)->{SWAP};
    is_deeply([ map { $_->{pid} } @$swap ], [ 200, 100, 300 ], 'check_swap: by VmSwap, 3 rows') or diag($r->{out});
    is_deeply([ map { $_->{user} } @$swap ], [ 'nobody', 'root', '4242424' ], 'check_swap: user names, or the uid');
    is_deeply([ map { $_->{value} } @$swap ], [ 900, 300, 50 ], 'check_swap: VmSwap in KiB');
    like($r->{out}, qr/^\s+300 4242424\s+50\.0 KiB evil\?name\xc2\xa6x$/m, 'check_swap: a newline or | in a name stays on its row');
    unlike($r->{out}, qr/^name/m, 'check_swap: no forged line');
    my $none = plugin_run('check_swap', '--procs-to-show', '5', { env => { MAMORI_PROC_ROOT => $root_noswap } });
    like($none->{out}, qr/^Top 5 processes by swap use \(VmSwap\):\n  none: no swap is in use$/m,
         'check_swap: no swap in use, no list');
}

# check_mem: ranked by stat's resident pages, shown with the exact VmRSS;
# a process that exited before its status was read keeps its row without a user
{
    my $r = plugin_run('check_mem', qw(-n 3), \%env);
    check_plugin_output($r, 'check_mem (recorded)');
    my $l = lists($r);
    is_deeply([ map { $_->{pid} } @{ $l->{RSS} } ], [ 200, 400, 300 ], 'check_mem: by RSS (with swap in use: all status read)')
        or diag($r->{out});
    is($l->{RSS}[0]{value}, 20480, 'check_mem: the exact VmRSS (20.0 MiB, not stat\'s 19.5)');
    is_deeply([ map { $_->{pid} } @{ $l->{SWAP} } ], [ 200, 100, 300 ], 'check_mem: by swap');
    my $n = plugin_run('check_mem', qw(-n 3), { env => { MAMORI_PROC_ROOT => $root_noswap } });
    my $ln = lists($n);
    is_deeply([ map { $_->{pid} } @{ $ln->{RSS} } ], [ 500, 200, 400 ], 'check_mem: no swap in use: stat only, the exited one included')
        or diag($n->{out});
    is($ln->{RSS}[0]{user}, '?', 'check_mem: exited before its user was read: ?');
    is($ln->{RSS}[0]{value}, 9216 * $page_kb, 'check_mem: it keeps stat\'s RSS');
    is($ln->{RSS}[1]{value}, 20480, 'check_mem: the others show VmRSS');
    like($n->{out}, qr/^  none: no swap is in use$/m, 'check_mem: swap list says why it is empty');
}

# check_load: ps's lifetime %CPU from ticks, start time and uptime
{
    my $r = plugin_run('check_load', qw(-n 10), \%env);
    check_plugin_output($r, 'check_load (recorded)');
    my $cpu = lists($r)->{CPU};
    my $now = 1000 * $hz;
    my %want = map {
        my ($utime, $start) = @{ $procs{$_} }[5, 6];
        ($_ => int($utime * 1000 / ($now - $start)) / 10);
    } grep { $procs{$_}[5] } keys %procs;
    $want{800} = int(3000 * 1000 / ($now - 10)) / 10;
    my @order = sort { $want{$b} <=> $want{$a} || $a <=> $b } keys %want;
    is_deeply([ map { $_->{pid} } @$cpu ], \@order, 'check_load: by lifetime CPU; no-CPU and unreadable ones left out')
        or diag($r->{out});
    is_deeply({ map { $_->{pid} => $_->{value} + 0 } @$cpu }, \%want, 'check_load: %CPU as ps truncates it');
    my ($kw) = grep { $_->{pid} == 800 } @$cpu;
    is($kw && $kw->{user}, '?', 'check_load: a row without a status file has no user');
    my $empty = plugin_run('check_load', '-n', '5', { env => { MAMORI_PROC_ROOT => fake_proc(loadavg => "0.1 0.1 0.1 1/1 1\n",
                                                                                    uptime => "5.0 5.0\n") } });
    is($empty->{exit}, 0, 'check_load: an empty table is fine');
    like($empty->{out}, qr/^  none used CPU time$/m, 'check_load: ... and says so');
    my $noup = plugin_run('check_load', '-n', '5', { env => { MAMORI_PROC_ROOT => fake_proc(loadavg => "0.1 0.1 0.1 1/1 1\n") } });
    is($noup->{exit}, 0, 'check_load: no uptime file: the check still answers');
    like($noup->{out}, qr/^Top processes: cannot read \S+\/uptime: /m, 'check_load: ... and says why the list is missing');
    # fuzz_loadavg: strtod took "1e300", "inf" and "nan" as an uptime, and
    # its ticks overflowed the integer conversion (undefined behaviour)
    for my $up ("1e300 1\n", "inf 1\n", "nan 1\n", "-5 1\n", "1000000000000 1\n") {
        my $r = plugin_run('check_load', '-n', '5', { env => { MAMORI_PROC_ROOT => fake_proc(%files, uptime => $up) } });
        check_plugin_output($r, "fuzz_loadavg: uptime '" . ($up =~ s/\n//r) . "'");
        is($r->{exit}, 0, "fuzz_loadavg: uptime '" . ($up =~ s/\n//r) . "': the check still answers");
        like($r->{out}, qr/^Top processes: cannot read \S+\/uptime: Invalid argument$/m,
             "fuzz_loadavg: uptime '" . ($up =~ s/\n//r) . "' is refused, and said so");
    }
}

done_testing;
