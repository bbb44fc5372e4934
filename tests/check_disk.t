# check_disk against the system's own answers: statvfs through stat -f, df,
# and tmpfs mounts of known size that the test fills itself.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(ceil floor);
use Mamori::Test;

my $MiB = 1024 * 1024;

# Run the plugin; every answer must keep the plugin contract.
sub disk {
    my @args = @_;
    my $r = plugin_run('check_disk', @args);
    check_plugin_output($r, join(' ', 'check_disk', grep { !ref } @args));
    return $r;
}

# statvfs of a path: block size, blocks, bavail, bfree, files, ffree.
sub statfs {
    my ($path) = @_;
    my $out = `stat -f -c '%S %b %a %f %c %d' '$path'`;
    my @f = split ' ', $out;
    die "stat -f $path: $out" unless @f == 6;
    my %s;
    @s{qw(bs blocks bavail bfree files ffree)} = @f;
    $s{used} = ($s{blocks} - $s{bfree}) * $s{bs};
    $s{avail} = $s{bavail} * $s{bs};
    $s{total} = $s{blocks} * $s{bs};
    $s{iused} = $s{files} - $s{ffree};
    return \%s;
}

# 100 - ceil(used * 100 / (used + avail)): df's Use% complement.
sub free_pct {
    my ($used, $avail) = @_;
    return 100 if $used + $avail == 0;
    return 100 - ceil($used * 100 / ($used + $avail));
}

# "free space: M FREEunit (P% inode=I%);" items of the status line.
sub items {
    my ($r) = @_;
    my %i;
    while ($r->{p}{summary} =~ /(?:^free space:| ;?) ?(\S(?:.*?\S)?) (\d+)(\w+) \((\d+)% inode=(\d+%|-)\);/g) {
        $i{$1} = { free => $2, unit => $3, pct => $4, ipct => $5 };
    }
    return \%i;
}

sub state_of { return $_[0]{exit} }

# ---------------------------------------------------------------- / vs statvfs
{
    my $before = statfs('/');
    my $r = disk('-w', '1%', '-c', '0%', '-p', '/');
    my $after = statfs('/');
    my ($df_used, $df_size) = split ' ', (`df -B1 --output=used,size /`)[1];
    my $p = $r->{p}{perf}{'/'};
    ok($p, '/ has perfdata labelled "/"') or diag($r->{out});
    is($p->{uom}, 'B', 'perfdata unit is B');
    my $tol = 64 * $before->{bs};  # the root filesystem changes between reads
    my ($lo, $hi) = sort { $a <=> $b } ($before->{used}, $after->{used});
    ok($p->{value} >= $lo - $tol && $p->{value} <= $hi + $tol,
       "used bytes $p->{value} within statvfs $lo..$hi");
    ok(abs($p->{value} - $df_used) <= $tol + abs($hi - $lo), "used bytes match df ($df_used)");
    is($p->{max}, $before->{total}, 'max is f_blocks * f_frsize');
    is($p->{max}, $df_size, 'max equals df size');
    is($p->{min}, '0', 'min 0');
    my $i = items($r)->{'/'};
    ok($i, 'status line has "/ NMiB (P% inode=I%);"') or diag($r->{p}{summary});
    is($i->{unit}, 'MiB', 'default unit MiB');
    my $free_mib = floor($before->{avail} / $MiB);
    ok(abs($i->{free} - $free_mib) <= 1 + $tol / $MiB, "free $i->{free} MiB matches statvfs $free_mib");
    my $want = free_pct($before->{used}, $before->{avail});
    ok(abs($i->{pct} - $want) <= 1, "free $i->{pct}% as 100 - df Use% ($want)");
    my ($dfpct) = (`df --output=pcent /`)[1] =~ /(\d+)/;
    ok(abs($i->{pct} - (100 - $dfpct)) <= 1, "free % is 100 - df's Use% $dfpct");
    my $ip = $r->{p}{perf}{'/ (inodes)'};
    if ($before->{files} > 0) {
        ok($ip, 'inode perfdata "/ (inodes)"');
        ok(abs($ip->{value} - $before->{iused}) <= 256, "inodes used $ip->{value} ~ $before->{iused}");
        is($ip->{max}, $before->{files}, 'inode max is f_files');
        is($ip->{uom}, '', 'inode perfdata has no unit');
        is($i->{ipct}, free_pct($before->{iused}, $before->{ffree}) . '%', 'inode percent');
    }
    like($r->{out}, qr/^Filesystem +Type +Size +Used +Avail +Use% +IUse% +Mounted on$/m, 'df-like table header');
    like($r->{out}, qr/^\S+ +\S+ +\S+ +\S+ +\S+ +\d+% +(\d+%|-) +\/$/m, 'table row for /');
    like($r->{p}{line}, qr/^DISK OK - free space: \/ \d+MiB \(\d+% inode=(\d+%|-)\); \| \/=\d+B;\d+;\d*;0;\d+/,
         'status line in monitoring-plugins\' form');

    # Boundaries on the whole-number percent: equal alerts, one less does not.
    my $pct = $i->{pct};
    SKIP: {
        skip 'root filesystem too full or too empty for a boundary', 4 if $pct < 2 || $pct > 98;
        is(state_of(disk('-w', "$pct%", '-p', '/')), 1, "-w $pct% (= free) is WARNING");
        is(state_of(disk('-w', ($pct - 1) . '%', '-p', '/')), 0, '-w one below free is OK');
        is(state_of(disk('-w', ($pct + 1) . '%', '-p', '/')), 1, '-w one above free is WARNING');
        is(state_of(disk('-w', '1%', '-c', "$pct%", '-p', '/')), 2, "-c $pct% is CRITICAL");
    }
    # -f: reserved blocks count as free.
    my $rf = disk('-f', '-p', '/');
    my $s = statfs('/');
    my $fpct = free_pct($s->{used}, $s->{bfree} * $s->{bs});
    ok(abs(items($rf)->{'/'}{pct} - $fpct) <= 1, "-f percent uses f_bfree ($fpct)");
    # -u units
    my $rg = disk('-u', 'GB', '-p', '/');
    is(items($rg)->{'/'}{unit}, 'GiB', '-u GB prints GiB as mp');
    is(items($rg)->{'/'}{free}, floor($s->{avail} / 1024**3), '-u GB free is whole GiB');
    is(items(disk('-k', '-p', '/'))->{'/'}{unit}, 'kiB', '-k prints kiB as mp');
    is(items(disk('-u', 'bytes', '-p', '/'))->{'/'}{unit}, 'B', '-u bytes');
    # -p of a file inside the filesystem checks the filesystem holding it
    my $rp = disk('-p', '/etc/passwd');
    ok(exists $rp->{p}{perf}{'/'}, '-p /etc/passwd reports the mount point "/"') or diag($rp->{out});
    # -p of the device
    my $src = `findmnt -n -o SOURCE /`;
    chomp $src;
    SKIP: {
        skip "source of / ($src) is not a device path", 1 unless $src =~ m{^/dev/} && -e $src;
        ok(exists disk('-p', $src)->{p}{perf}{'/'}, "-p $src reports /");
    }
    # -M names by device
    my $rm = disk('-M', '-p', '/');
    ok(exists $rm->{p}{perf}{$src}, "-M labels by device $src") or diag($rm->{out});
    # -E wants an exact mount point
    my $re = disk('-E', '-p', '/etc');
    is($re->{exit}, 3, '-E -p /etc (not a mount point) is UNKNOWN');
    like($re->{p}{summary}, qr{/etc: not a mount point}, '... and says so');
    is(disk('-E', '-p', '/')->{exit}, 0, '-E -p / is fine');
}

# ------------------------------------------------------------ missing paths
{
    my $r = disk('-w', '10%', '-p', '/no/such/dir');
    is($r->{exit}, 3, 'missing -p path is UNKNOWN');
    like($r->{p}{summary}, qr{^/no/such/dir: no such path$}, '... "no such path"');
    $r = disk('-n', '-p', '/no/such/dir', '-p', '/');
    is($r->{exit}, 0, '-n skips a missing path');
    ok(exists $r->{p}{perf}{'/'} && !exists $r->{p}{perf}{'/no/such/dir'}, '... and checks the rest');
    $r = disk('-n', '-p', '/no/such/dir');
    is($r->{exit}, 0, '-n with nothing left is OK');
    like($r->{p}{summary}, qr/no filesystem selected/, '... and says so');
    # Block device nodes are matched by major:minor, whatever their name.
    SKIP: {
        my $d = tempdir('check_disk_dev.XXXXXX', TMPDIR => 1, CLEANUP => 1);
        my ($maj, $min) = `mountpoint -d /` =~ /^(\d+):(\d+)/;
        skip 'mknod or mountpoint not available', 4
            unless defined $maj && $maj > 0 && system('mknod', "$d/rootdev", 'b', $maj, $min) == 0
                   && system('mknod', "$d/unmounted", 'b', 7, 250) == 0;
        $r = disk('-p', "$d/rootdev");
        ok(exists $r->{p}{perf}{'/'}, "-p of a node for $maj:$min checks /") or diag($r->{out});
        $r = disk('-p', "$d/unmounted");
        is($r->{exit}, 3, 'a block device that is not mounted is UNKNOWN');
        like($r->{p}{summary}, qr/unmounted: block device is not mounted$/, '... and says so');
        is(disk('-n', '-p', "$d/unmounted")->{exit}, 0, '... skipped with -n');
    }
    $r = disk('-r', '^/no-such-mount$');
    is($r->{exit}, 3, '-r matching nothing is UNKNOWN');
    is(disk('-n', '-r', '^/no-such-mount$')->{exit}, 0, '... OK with -n');
    $r = disk('-X', 'ext4', '-X', 'tmpfs', '-X', 'xfs', '-X', 'btrfs', '-X', 'overlay', '-X', 'ext3',
              '-X', 'ext2', '-X', 'vfat', '-X', 'zfs', '-X', 'fuse', '-X', 'nfs', '-X', 'nfs4', '-X', '9p',
              '-X', 'virtiofs', '-X', 'f2fs');
    SKIP: {
        skip 'a filesystem of another type is mounted', 1 if $r->{exit} == 0;
        is($r->{exit}, 3, 'everything excluded: UNKNOWN no filesystem selected');
    }
}

# --------------------------------------------------- bad arguments (exit 3)
for my $c (
    [ [ '-w', 'abc' ], qr/--warning 'abc': not a free-space threshold/ ],
    [ [ '-w', '10%%' ], qr/--warning '10%%': not a free-space threshold/ ],
    [ [ '-w', '-5%' ], qr/cannot be negative/ ],
    [ [ '-w', '101%' ], qr/cannot be above 100%/ ],
    [ [ '-c', '5x' ], qr/--critical '5x': not a free-space threshold/ ],
    [ [ '-c', '10:20%' ], qr/--critical '10:20%'/ ],
    [ [ '-w', '' ], qr/--warning/ ],
    [ [ '-W', '120%' ], qr/--iwarning '120%': not a percent of free inodes/ ],
    [ [ '-K', 'lots' ], qr/--icritical 'lots'/ ],
    [ [ '-u', 'XB' ], qr/--units 'XB': not a unit/ ],
    [ [ '-r', '(' ], qr/--ereg-path '\(': bad regular expression/ ],
    [ [ '-I', '[' ], qr/--ignore-eregi-path '\[': bad regular expression/ ],
    [ [ '-t', '0' ], qr/--timeout/ ],
    [ [ '-p', '/no/such/path' ], qr{/no/such/path: no such path} ],
    [ [ '-g', 'group' ], qr/unknown option/ ],
    [ [ '--mountinfo', '/no/such/mountinfo' ], qr{cannot read /no/such/mountinfo} ],
    [ [ '80', '90', '/' ], qr/unexpected argument '80'/ ],
) {
    my ($args, $why) = @$c;
    my $r = disk(@$args);
    is($r->{exit}, 3, "@$args: exit 3");
    like($r->{out}, qr/^DISK UNKNOWN - .*$why.*\n\z/, "@$args: one line naming the problem")
        or diag($r->{out});
}

# ------------------------------------------------------------ bad tables
# A FIFO with no writer is refused at once (never waited on, lib/secret),
# /dev/zero is never read, and a file with no mount line in it is not a
# mount table (not "no filesystem selected": the selection is not at fault).
{
    my $d = tempdir('check_disk_fifo.XXXXXX', TMPDIR => 1, CLEANUP => 1);
    system('mkfifo', "$d/fifo") == 0 or die 'mkfifo';
    my $r = disk('-t', '5', '--mountinfo', "$d/fifo", { timeout => 10 });
    is($r->{exit}, 3, 'a FIFO as --mountinfo: UNKNOWN');
    like($r->{out}, qr{^DISK UNKNOWN - cannot read \Q$d\E/fifo: not a regular file: a FIFO\n\z}, '... one line naming it');
    ok($r->{secs} < 3, '... at once, not after -t');
    $r = disk('--mountinfo', '/dev/zero', { timeout => 30 });
    is($r->{exit}, 3, 'an endless mount table is refused');
    like($r->{p}{summary}, qr{cannot read /dev/zero: not a regular file: a character device}, '... with a reason');
    for my $t ([ empty => '' ], [ garbage => "\xff\xfe not a mount line\n\n" ]) {
        open my $f, '>', "$d/$t->[0]" or die;
        print $f $t->[1];
        close $f;
        $r = disk('--mountinfo', "$d/$t->[0]", '-p', '/');
        is($r->{exit}, 3, "--mountinfo $t->[0]: UNKNOWN");
        is($r->{p}{summary}, "$d/$t->[0]: no mount entries", '... saying so, not "no filesystem selected"');
    }
}

# ---------------------------------------------------- a fake mount table
# --mountinfo feeds the parser odd lines; the mount points are real
# directories (on the root filesystem), so statvfs answers for them.
my $tmp = tempdir('check_disk.XXXXXX', TMPDIR => 1, CLEANUP => 1);
{
    mkdir "$tmp/$_" for ('sp ace', "ta\tb", 'back\\slash', 'plain', 'bind', 'proc', 'nfs', 'twice', 'long',
                         'zero', 'sub');
    my $long_opts = join(' ', map { "shared:$_" } 1 .. 20000);  # a 250 kB line
    my $lines = join('', map { "$_\n" }
        "100 1 7:1 / $tmp/sp\\040ace rw,relatime - ext4 /dev/fake1 rw",
        "101 1 7:2 / $tmp/ta\\011b rw - ext4 /dev/fake\\0402 rw",
        "102 1 7:3 / $tmp/back\\134slash rw - xfs /dev/fake3 rw",
        "103 1 7:4 / $tmp/plain rw shared:1 master:2 - ext4 /dev/fake4 rw,data=ordered",
        "104 1 7:4 /sub $tmp/bind rw - ext4 /dev/fake4 rw",   # bind of 7:4: shown once
        "105 1 0:99 / $tmp/proc rw - proc proc rw",           # pseudo
        "106 1 0:98 / $tmp/nfs rw - nfs4 server:/export rw",  # remote
        "107 1 7:7 / $tmp/twice rw - ext4 /dev/first rw",
        "108 107 7:8 / $tmp/twice rw - xfs /dev/second rw",   # stacked on 107: the visible one
        "109 1 7:9 / $tmp/long rw $long_opts - ext4 /dev/long rw",
        "110 1 7:10 / /proc rw - ext4 /dev/zero-size rw",      # statvfs says f_blocks 0
        "111 1 7:11 / $tmp/sub rw",                            # no separator, no type
        "112 1",                                               # truncated
        "x y 7:12 / $tmp/plain rw - ext4 /dev/x rw",           # ids not numbers
        "113 1 7-13 / $tmp/plain rw - ext4 /dev/x rw",         # bad major:minor
        "",
        "114 1 7:14 / relative rw - ext4 /dev/rel rw",         # mount point not absolute
        "115 1 7:15 / $tmp/back\\9slash rw -",                  # separator, no type
    );
    open my $f, '>', "$tmp/mountinfo" or die;
    print $f $lines, "116 1 7:16 / $tmp/plain\\040x rw - ext4 /dev/nonl rw";  # no final newline, dir missing
    close $f;
    my @mi = ('--mountinfo', "$tmp/mountinfo");

    my $r = disk(@mi, '-vv');
    my $perf = $r->{p}{perf};
    like($r->{out}, qr/^mountinfo: 12 mounts, 6 malformed lines skipped$/m, 'parser: 12 mounts, 6 bad lines')
        or diag($r->{out});
    ok(exists $perf->{"$tmp/sp ace"}, '\\040 decodes to a space (quoted label)');
    ok(exists $perf->{"$tmp/ta b"} || exists $perf->{"$tmp/ta_b"}, '\\011 decodes to a tab (cleaned in the label)')
        or diag(join ' ', keys %$perf);
    ok(exists $perf->{"$tmp/back\\slash"}, '\\134 decodes to a backslash');
    ok(exists $perf->{"$tmp/plain"}, 'optional fields skipped');
    ok(!exists $perf->{"$tmp/bind"}, 'bind mount of the same device shown once');
    ok(!exists $perf->{"$tmp/proc"}, 'proc left out');
    ok(exists $perf->{"$tmp/nfs"}, 'nfs listed without -l');
    ok(exists $perf->{"$tmp/long"}, 'a 250 kB line is parsed');
    ok(!exists $perf->{'/proc'}, 'a filesystem of size 0 is left out');
    ok(!exists $perf->{"$tmp/plain x"}, 'a mount point that does not exist is left out (as df)');
    like($r->{out}, qr{^/dev/second +xfs .* \Q$tmp/twice\E$}m, 'a mount point mounted twice: the later one');
    unlike($r->{out}, qr{^/dev/first}m, "... the hidden one not in the table");
    like($r->{out}, qr{^mount 104: .* another mount of the same device}m, '-vv says why the bind is left out');
    like($r->{out}, qr{^mount 105: .*: pseudo filesystem$}m, '-vv: pseudo');
    like($r->{out}, qr{^mount 107: .*: hidden by a later mount$}m, '-vv: hidden');
    like($r->{out}, qr{^mount 110: .*: size 0$}m, '-vv: size 0');
    like($r->{out}, qr{^/dev/fake 2 }m, 'escaped source decoded in the table');

    # fuzz_mountinfo: a NUL in a line (the kernel writes none) cut a field
    # short: an empty type, and the source read as ... It is a bad line.
    open my $z, '>', "$tmp/mountinfo-nul" or die;
    print $z "103 1 7:4 / $tmp/plain rw - ext4 /dev/fake4 rw\n",
             "120 1 7:20 / $tmp/zero rw - \0ext4 /dev/nul rw\n",
             "121 1 7:21 / $tmp/z\0ero rw - ext4 /dev/nul rw\n";
    close $z;
    $r = disk('--mountinfo', "$tmp/mountinfo-nul", '-vv');
    like($r->{out}, qr/^mountinfo: 1 mounts, 2 malformed lines skipped$/m, 'fuzz_mountinfo: a line with a NUL is bad')
        or diag($r->{out});
    ok(!exists $r->{p}{perf}{"$tmp/zero"} && !exists $r->{p}{perf}{"$tmp/z"}, 'fuzz_mountinfo: ... and not checked');

    # The numbers are the root filesystem's, since the directories are on it.
    my $s = statfs($tmp);
    my $p = $perf->{"$tmp/plain"};
    is($p->{max}, $s->{total}, 'fake mount: max from statvfs of its directory');

    $r = disk(@mi, '-p', "$tmp/plain", '-p', "$tmp/bind");
    ok(exists $r->{p}{perf}{"$tmp/plain"} && exists $r->{p}{perf}{"$tmp/bind"}, 'binds named with -p both shown');
    is_deeply($r->{p}{perf_order}, [ "$tmp/plain", "$tmp/plain (inodes)", "$tmp/bind", "$tmp/bind (inodes)" ],
              '-p order kept');
    $r = disk(@mi, '-p', "$tmp/sp ace/");
    ok(exists $r->{p}{perf}{"$tmp/sp ace"}, '-p with a trailing slash finds the mount');
    $r = disk(@mi, '--all-pseudo');
    ok(exists $r->{p}{perf}{"$tmp/proc"} && exists $r->{p}{perf}{'/proc'}, '--all-pseudo takes proc and size 0');
    $r = disk(@mi, '-p', "$tmp/proc");
    ok(exists $r->{p}{perf}{"$tmp/proc"}, 'a pseudo filesystem named with -p is checked');
    $r = disk(@mi, '-l');
    ok(!exists $r->{p}{perf}{"$tmp/nfs"}, '-l skips nfs4');
    ok(exists $r->{p}{perf}{"$tmp/plain"}, '-l keeps ext4');
    $r = disk(@mi, '-L');
    ok(!exists $r->{p}{perf}{"$tmp/nfs"}, '-L: a network filesystem that answers is not listed');
    is($r->{exit}, 0, '-L: ... and is OK');
    $r = disk(@mi, '-X', 'ext4');
    is_deeply([ sort grep { !/inodes/ } keys %{ $r->{p}{perf} } ],
              [ sort "$tmp/back\\slash", "$tmp/nfs", "$tmp/twice" ], '-X ext4 leaves the others');
    $r = disk(@mi, '-N', 'xfs');
    is_deeply([ sort grep { !/inodes/ } keys %{ $r->{p}{perf} } ], [ sort "$tmp/back\\slash", "$tmp/twice" ],
              '-N xfs: only xfs');
    $r = disk(@mi, '-N', 'xfs', '-N', 'nfs4');
    is(scalar(grep { !/inodes/ } keys %{ $r->{p}{perf} }), 3, '-N repeatable');
    $r = disk(@mi, '-x', "$tmp/plain", '-x', '/dev/fake1');
    ok(!exists $r->{p}{perf}{"$tmp/plain"}, '-x by mount point');
    ok(!exists $r->{p}{perf}{"$tmp/sp ace"}, '-x by device');
    ok(exists $r->{p}{perf}{"$tmp/long"}, '-x leaves the others');
    $r = disk(@mi, '-r', 'sp ace|plain$');
    is_deeply([ sort grep { !/inodes/ } keys %{ $r->{p}{perf} } ], [ sort "$tmp/sp ace", "$tmp/plain" ], '-r ERE');
    $r = disk(@mi, '-R', 'SP ACE');
    is_deeply([ grep { !/inodes/ } keys %{ $r->{p}{perf} } ], [ "$tmp/sp ace" ], '-R ignores case');
    $r = disk(@mi, '-r', 'SP ACE', '-n');
    like($r->{p}{summary}, qr/no filesystem selected/, '-r is case-sensitive');
    $r = disk(@mi, '-r', '^/dev/fake');
    is(scalar(grep { !/inodes/ } keys %{ $r->{p}{perf} }), 4, '-r matches the device too');
    $r = disk(@mi, '-i', 'fake');
    ok(!exists $r->{p}{perf}{"$tmp/plain"} && exists $r->{p}{perf}{"$tmp/long"}, '-i ignores by device');
    $r = disk(@mi, '-A', '-I', 'LONG|TWICE');
    ok(!exists $r->{p}{perf}{"$tmp/long"} && !exists $r->{p}{perf}{"$tmp/twice"} && exists $r->{p}{perf}{"$tmp/nfs"},
       '-I ignores case');

    # -C: thresholds before it apply to all, the path after it overrides.
    $r = disk(@mi, '-w', '100%', '-C', '-w', '1%', '-p', "$tmp/plain");
    is($r->{exit}, 1, '-w 100% -C: every other filesystem WARNING');
    my $sp = $r->{p}{perf};
    isnt($sp->{"$tmp/plain"}{warn}, $sp->{"$tmp/long"}{warn}, '-C: -p has its own threshold');
    is($sp->{"$tmp/long"}{warn}, '0', '100% free threshold fires at 0 bytes used');
    like($r->{p}{summary}, qr/\Q$tmp\E\/plain \d+MiB/, 'plain listed');
    $r = disk(@mi, '-w', '100%', '-C', '-w', '1%', '-p', "$tmp/plain", '-e');
    unlike($r->{p}{summary}, qr/\Q$tmp\E\/plain /, '-e leaves out the OK one');
    like($r->{p}{summary}, qr/\Q$tmp\E\/long /, '-e lists the WARNING one');
    ok(exists $r->{p}{perf}{"$tmp/plain"}, '-e keeps perfdata of all');
    $r = disk(@mi, '-e', '-X', 'nfs4');
    like($r->{p}{summary}, qr/^no filesystem in alert \(\d+ checked\)$/, '-e with nothing in alert');
    # -p before any threshold takes the last ones; thresholds after -p without -C do not apply to it
    $r = disk(@mi, '-p', "$tmp/plain", '-w', '100%');
    is($r->{exit}, 1, '-p before the only thresholds takes them');
    $r = disk(@mi, '-w', '1%', '-p', "$tmp/plain", '-w', '100%');
    is($r->{exit}, 0, 'thresholds after -p are not its own (as mp)');
}

# ------------------------------------------------------- tmpfs of known size
my @mounted;
sub do_mount { my @a = @_; my $ok = system('mount', @a) == 0; push @mounted, $a[-1] if $ok; return $ok }
END { system('umount', '-l', $_) for reverse @mounted }

SKIP: {
    my $m = "$tmp/t m";   # a space: /proc/self/mountinfo writes \040
    mkdir $m;
    skip 'cannot mount tmpfs here (not root, or no privilege)', 1
        unless $> == 0 && do_mount('-t', 'tmpfs', '-o', 'size=4m,nr_inodes=64', 'mamori_test_tmpfs', $m);
    my $s = statfs($m);
    is($s->{total}, 4 * $MiB, 'tmpfs of 4 MiB');

    my $r = disk('-w', '20%', '-c', '5%', '-p', $m);
    my $p = $r->{p}{perf}{$m};
    ok($p, 'label is the decoded mount point, quoted') or diag($r->{out});
    like($r->{p}{line}, qr/ \| '\Q$m\E'=0B;/, 'quoted in perfdata');
    is($p->{max}, 4 * $MiB, 'perf max = 4 MiB');
    is($p->{value}, $s->{used}, 'perf used = statvfs used');
    is($p->{warn}, int(4 * $MiB * 0.8), 'warn: used bytes where 20% free is reached');
    is($p->{crit}, int(4 * $MiB * 0.95), 'crit: used bytes where 5% free is reached');
    is(items($r)->{$m}{free}, 4, 'free 4 MiB');
    is($r->{exit}, 0, 'empty tmpfs is OK');
    like($r->{out}, qr/^mamori_test_tmpfs +tmpfs +4\.0M +0 +4\.0M +0% +\d+% \Q$m\E$/m, 'df -h-like row');

    # Fill past 20% free, then past 5% free.
    system('dd', 'if=/dev/zero', "of=$m/fill1", 'bs=4096', 'count=840', 'status=none');
    $s = statfs($m);
    my $pct = free_pct($s->{used}, $s->{avail});
    ok($pct <= 20 && $pct > 5, "filled to $pct% free");
    $r = disk('-w', '20%', '-c', '5%', '-p', $m);
    is($r->{exit}, 1, 'below 20% free: WARNING');
    like($r->{p}{summary}, qr/^free space: \Q$m\E \d+MiB \($pct% inode=\d+%\);$/, 'status line percent');
    is($r->{p}{perf}{$m}{value}, $s->{used}, 'used bytes exact');
    is(state_of(disk('-w', "$pct%", '-p', $m)), 1, "-w $pct% (equal) WARNING");
    is(state_of(disk('-w', ($pct - 1) . '%', '-p', $m)), 0, '-w one below OK');
    is(state_of(disk('-c', "$pct%", '-p', $m)), 2, "-c $pct% CRITICAL");
    # absolute amounts at the byte
    my $a = $s->{avail};
    is(state_of(disk('-u', 'bytes', '-w', $a, '-p', $m)), 1, "-u bytes -w $a (equal) WARNING");
    is(state_of(disk('-u', 'bytes', '-w', $a - 1, '-p', $m)), 0, '-w one byte less OK');
    is(state_of(disk('-w', ($a / 1024) . 'K', '-p', $m)), 1, '-w with unit K at the boundary');
    is(state_of(disk('-w', ($a / 1024 - 4) . 'K', '-p', $m)), 0, '-w with unit K one block below');
    is(state_of(disk('-k', '-c', $a / 1024, '-p', $m)), 2, '-k -c in kB at the boundary');
    $r = disk('-u', 'bytes', '-w', $a, '-c', 1, '-p', $m);
    is($r->{p}{perf}{$m}{warn}, $s->{used}, 'amount threshold in perfdata: used + avail - amount');
    is($r->{p}{perf}{$m}{crit}, 4 * $MiB - 1, 'critical 1 byte: size - 1');
    $r = disk('-w', '1M', '-w', '90%', '-p', $m);
    is($r->{p}{perf}{$m}{warn}, int(4 * $MiB * 0.1), 'percent and amount: the lower used threshold');
    is($r->{exit}, 1, '... and the percent fires');

    system('dd', 'if=/dev/zero', "of=$m/fill2", 'bs=4096', 'count=150', 'status=none');
    $s = statfs($m);
    $pct = free_pct($s->{used}, $s->{avail});
    ok($pct <= 5, "filled to $pct% free");
    $r = disk('-w', '20%', '-c', '5%', '-p', $m);
    is($r->{exit}, 2, 'below 5% free: CRITICAL');
    is($r->{p}{perf}{$m}{value}, $s->{used}, 'used bytes exact');

    # Inodes: 64 of them.
    $s = statfs($m);
    is($s->{files}, 64, 'tmpfs with 64 inodes');
    for my $n (1 .. 40) { open my $f, '>', "$m/i$n" or die; close $f }
    $s = statfs($m);
    my $ipct = free_pct($s->{iused}, $s->{ffree});
    $r = disk('-p', $m);
    my $ip = $r->{p}{perf}{"$m (inodes)"};
    is($ip->{value}, $s->{iused}, 'inodes used = f_files - f_ffree');
    is($ip->{max}, 64, 'inode max = f_files');
    is(items($r)->{$m}{ipct}, "$ipct%", "inode=$ipct%");
    is(state_of(disk('-W', "$ipct%", '-p', $m)), 1, "-W $ipct% (equal) WARNING");
    is(state_of(disk('-W', ($ipct - 1) . '%', '-p', $m)), 0, '-W one below OK');
    is(state_of(disk('-W', '90', '-K', "$ipct%", '-p', $m)), 2, "-K $ipct% CRITICAL");
    $r = disk('-W', '50%', '-K', '25%', '-p', $m);
    is($r->{p}{perf}{"$m (inodes)"}{warn}, 32, 'inode warn in perfdata: used inodes at 50% free');
    is($r->{p}{perf}{"$m (inodes)"}{crit}, 48, 'inode crit: at 25% free');

    # A file inside; the mount found through mountinfo's escaped name.
    $r = disk('-p', "$m/fill1");
    ok(exists $r->{p}{perf}{$m}, '-p of a file inside the tmpfs reports its mount point');
    $r = disk('-r', 't m$');
    ok(exists $r->{p}{perf}{$m}, '-r finds the tmpfs by its decoded name');
    $r = disk('-N', 'tmpfs', '-w', '20%');
    ok(exists $r->{p}{perf}{$m}, '-N tmpfs lists it');
    ok(!exists $r->{p}{perf}{'/'}, '-N tmpfs leaves / out');
    is($r->{exit}, 1, '... WARNING from it');
    $r = disk('-X', 'tmpfs', '-w', '20%');
    ok(!exists $r->{p}{perf}{$m}, '-X tmpfs leaves it out');
    $r = disk('-x', $m, '-N', 'tmpfs');
    ok(!exists $r->{p}{perf}{$m}, '-x MOUNT leaves it out');
    $r = disk('-w', '20%', '-e', '-r', "^\Q$tmp\E|^/\$");
    like($r->{p}{summary}, qr/^free space: \Q$m\E /, '-e lists only the one in alert');
    unlike($r->{p}{summary}, qr{ / \d}, '... not /');

    # A bind mount of it: one entry unless named.
    my $b = "$tmp/bound";
    mkdir $b;
    SKIP: {
        skip 'bind mount not possible', 3 unless do_mount('--bind', $m, $b);
        $r = disk('-r', "^\Q$tmp\E");
        is(scalar(grep { !/inodes/ } keys %{ $r->{p}{perf} }), 1, 'bind mount: one entry');
        ok(exists $r->{p}{perf}{$m}, '... the shorter mount point (same root)') or diag($r->{out});
        $r = disk('-p', $m, '-p', $b);
        is(scalar(grep { !/inodes/ } keys %{ $r->{p}{perf} }), 2, 'both named with -p: both');
    }
    # Mounted over: the later, larger tmpfs is what is checked.
    SKIP: {
        skip 'second mount not possible', 2 unless do_mount('-t', 'tmpfs', '-o', 'size=8m', 'mamori_over', $m);
        $r = disk('-r', "^\Q$m\E\$");
        is($r->{p}{perf}{$m}{max}, 8 * $MiB, 'mounted over: the visible 8 MiB tmpfs');
        is(scalar(grep { !/inodes/ } keys %{ $r->{p}{perf} }), 1, '... once');
    }
}

# ------------------------------------------------ the df table against df
# Every checked filesystem's row matches `df -h` for the same mount point,
# column by column (df run before and after: / may change in between).
{
    my $row = qr/^(\S+) +(\S+) +(\S+) +(\S+) +(\S+) +(\d+%|-) +(\d+%|-) (.+)$/;
    my $r = disk();
    my @ours = grep { /$row/ && !/^Filesystem / } split /\n/, $r->{out};
    my @mounts = map { (/$row/)[7] } @ours;
    ok(@mounts >= 1, 'the table has rows: ' . join(', ', @mounts)) or diag($r->{out});
    my @df = map {
        my @cmd = ('df', '-h', '--output=source,fstype,size,used,avail,pcent,ipcent,target', @mounts);
        open my $p, '-|', @cmd or die "df: $!";
        my %by = map { my @f = /$row/; @f ? ($f[7] => join(' ', @f)) : () } <$p>;
        close $p;
        \%by;
    } 1 .. 2;
    for my $line (@ours) {
        my @f = $line =~ /$row/;
        my $want = $df[0]{ $f[7] } // '(no df row)';
        my $alt = $df[1]{ $f[7] } // '';
        my $got = join(' ', @f);
        ok($got eq $want || $got eq $alt, "df -h row for $f[7]: $got") or diag("df: $want / $alt");
    }
}

# -------------------------------------------------- --du: largest directories
sub write_bytes {
    my ($path, $n) = @_;
    open my $f, '>', $path or die "$path: $!";
    print $f "\0" x $n;
    close $f or die;
}

# du's own answer for one directory: bytes allocated (or --inodes).
sub du_of {
    my ($path, @opt) = @_;
    open my $p, '-|', 'du', '-sx', @opt, $path or die "du: $!";
    my $out = <$p>;
    close $p;
    return defined $out ? (split /\t/, $out)[0] : undef;
}

# The --du listing of mount M in the long output: { by, total, rows => [...], partial }.
sub du_listing {
    my ($out, $m) = @_;
    my @l = split /\n/, $out;
    my ($i) = grep { $l[$_] =~ /^du -x \Q$m\E: \S+ in \d+ files; largest directories by \w+:$/ } 0 .. $#l;
    return undef unless defined $i;
    my %d = (by => ($l[$i] =~ /by (\w+):$/)[0], rows => []);
    $i++;
    $i++ if $i <= $#l && $l[$i] =~ /^ *Size +Bytes +Inodes +Directory$/;
    while ($i <= $#l && $l[$i] =~ /^ *(\S+?)(\+?) +(\d+) +(\d+) \Q$m\E\/(.+)$/) {
        push @{ $d{rows} }, { human => $1, cut => $2 eq '+', bytes => $3, inodes => $4, name => $5 };
        $i++;
    }
    $d{partial} = $1 if $i <= $#l && $l[$i] =~ /^partial: stopped at the deadline after (\d+) files/;
    return \%d;
}

SKIP: {
    my $m = "$tmp/du m";
    mkdir $m;
    skip 'cannot mount tmpfs here (not root, or no privilege)', 1
        unless $> == 0 && do_mount('-t', 'tmpfs', '-o', 'size=16m', 'mamori_du', $m);
    mkdir "$m/$_" or die "$m/$_: $!" for qw(a b c c/d e a/inner);
    write_bytes("$m/a/one", $MiB);
    write_bytes("$m/b/two", 2 * $MiB);
    link("$m/b/two", "$m/b/two.link") or die 'link';   # counted once
    symlink('/usr', "$m/b/usr") or die 'symlink';      # not followed
    write_bytes("$m/c/d/half", 512 * 1024);
    write_bytes("$m/top", 3 * $MiB);                    # a file, not a directory: not listed
    for my $n (1 .. 30) { open my $f, '>', "$m/e/f$n" or die; close $f }  # many inodes, no bytes
    # Another filesystem inside a/: du -x leaves it out, so must we.
    my $inner = do_mount('-t', 'tmpfs', '-o', 'size=4m', 'mamori_du_inner', "$m/a/inner");
    write_bytes("$m/a/inner/big", $MiB) if $inner;

    my $plain = disk('-w', '90%', '-p', $m);
    is($plain->{exit}, 1, 'the du tmpfs is in WARNING at -w 90%') or diag($plain->{out});
    my $r = disk('-w', '90%', '-p', $m, '--du', '2');
    is($r->{exit}, 1, '--du keeps the state');
    is($r->{p}{line}, $plain->{p}{line}, '--du leaves the status line and perfdata as they are');
    my $d = du_listing($r->{out}, $m);
    ok($d, '--du 2 lists the mount in alert') or diag($r->{out});
    is_deeply([ map { $_->{name} } @{ $d->{rows} } ], [ 'b', 'a' ], '--du 2: b then a');
    is($d->{by}, 'size', '... by size');
    for my $row (@{ $d->{rows} }) {
        is($row->{bytes}, du_of("$m/$row->{name}", '--block-size=1'),
           "$row->{name}: $row->{bytes} bytes as du -sx --block-size=1");
        is($row->{inodes}, du_of("$m/$row->{name}", '--inodes'), "$row->{name}: $row->{inodes} inodes as du --inodes");
        is($row->{human}, du_of("$m/$row->{name}", '-h'), "$row->{name}: $row->{human} as du -h");
        ok(!$row->{cut}, "$row->{name}: walked to the end");
    }
    is($d->{rows}[0]{bytes}, 2 * $MiB, 'b: the hard link counted once, the symlink to /usr not followed');
    SKIP: {
        skip 'no mount inside the tmpfs', 2 unless $inner;
        is($d->{rows}[1]{bytes}, $MiB, 'a: the filesystem mounted inside it not counted');
        ok(du_of("$m/a/inner", '--block-size=1') >= $MiB, '... though it holds a MiB');
    }
    ok(!defined $d->{partial}, 'no "partial" line when the walk ends in time');
    my $total = du_of($m, '-h');
    like($r->{out}, qr/^du -x \Q$m\E: \Q$total\E in \d+ files; /m, "the total walked: $total as du -sxh");

    $d = du_listing(disk('-w', '90%', '-p', $m, '--du', '10')->{out}, $m);
    is_deeply([ map { $_->{name} } @{ $d->{rows} } ], [ qw(b a c e) ], '--du 10: every directory, no file');
    is($d->{rows}[2]{bytes}, du_of("$m/c", '--block-size=1'), 'c: with the nested c/d, as du');

    # Only the inode thresholds fire: the directories with most inodes first.
    $r = disk('-W', '100%', '-p', $m, '--du', '1');
    $d = du_listing($r->{out}, $m);
    is($d && $d->{by}, 'inodes', 'inode alert: listed by inodes') or diag($r->{out});
    is($d && $d->{rows}[0]{name}, 'e', '... e (31 inodes) first');
    is($d && $d->{rows}[0]{inodes}, du_of("$m/e", '--inodes'), '... as du --inodes');

    # Not in alert: no walk, no listing.
    $r = disk('-w', '10%', '-p', $m, '--du', '2');
    is($r->{exit}, 0, 'below the thresholds: OK');
    unlike($r->{out}, qr/^du -x/m, 'a mount not in alert gets no listing');
    $r = disk('-w', '90%', '-p', $m, '-C', '-w', '1%', '-p', '/', '--du', '2');
    ok(du_listing($r->{out}, $m), 'of two mounts, the one in alert is listed');
    unlike($r->{out}, qr{^du -x /:}m, '... the one that is OK is not');

    # A directory name is anyone's text: a line break in it forged a line
    # of the long output (and '|' may not start perfdata there)
    my $evil = "evil\nDISK CRITICAL - forged|x=1\x7f";
    mkdir "$m/e/$evil" or die;
    mkdir "$m/$evil" or die;
    $r = disk('-w', '90%', '-p', $m, '--du', '10');
    unlike($r->{out}, qr/^DISK CRITICAL - forged/m, 'a line break in a directory name forges no line') or diag($r->{out});
    like($r->{out}, qr/ \Q$m\E\/evil\?DISK CRITICAL - forged\x{c2}\x{a6}x=1\?$/m, '... it is shown as ?, as ls -q does')
        or diag($r->{out});
    is($r->{p}{perf}{x}, undef, '... and its | starts no perfdata');
    rmdir "$m/e/$evil";
    rmdir "$m/$evil";

    for my $bad ('0', '101', '-1', 'x', '', '2.5') {
        $r = disk('-w', '90%', '-p', $m, '--du', $bad);
        is($r->{exit}, 3, "--du '$bad' is refused");
        like($r->{out}, qr/^DISK UNKNOWN - --du '\Q$bad\E': not a whole number from 1 to 100.*\n\z/, '... in one line');
    }

    # The deadline: 40,000 directories, and a -t that leaves the walk a
    # quarter of the time the faster of two whole walks takes here (-t
    # keeps 0.1 s to answer; the second walk finds the dentries warm).
    my $many = "$tmp/many";
    mkdir $many;
    skip 'cannot mount a second tmpfs', 1 unless do_mount('-t', 'tmpfs', '-o', 'size=16m', 'mamori_many', $many);
    for my $i (1 .. 200) {
        mkdir "$many/d$i" or die;
        mkdir "$many/d$i/s$_" or die for 1 .. 200;
    }
    my $secs;
    for (1 .. 2) {
        $r = disk('-w', '100%', '-p', $many, '--du', '3', '-v', '-t', '30');
        my ($s) = $r->{out} =~ /^du -x \Q$many\E: 200 directories, ([\d.]+) s$/m;
        $secs = $s if defined $s && (!defined $secs || $s < $secs);
    }
    ok(defined $secs, "a whole walk of 40200 directories: ${\ ($secs // '?')} s") or diag($r->{out});
    $d = du_listing($r->{out}, $many);
    ok($d && !defined $d->{partial}, '... not partial with -t 30');
    my $t = sprintf('%.3f', 0.1 + ($secs // 0.2) / 4);
    $r = disk('-w', '100%', '-p', $many, '--du', '3', '-t', $t);
    is($r->{exit}, 1, "-t $t: the disk's own state (WARNING), not the timeout's") or diag($r->{out});
    unlike($r->{out}, qr/timed out/, '... the plugin answered by itself, before its -t alarm');
    # Wall time seen from here adds fork and exec on a busy host.
    ok($r->{secs} < $t + 0.1, "... within -t ($r->{secs} s)");
    $d = du_listing($r->{out}, $many);
    ok($d && defined $d->{partial} && $d->{partial} > 0 && $d->{partial} < 40200,
       "... says partial: stopped at the deadline after ${\ ($d && $d->{partial} // '?')} files") or diag($r->{out});
    ok($d && (grep { $_->{cut} } @{ $d->{rows} }), '... and marks the directories not walked to the end');
}

# --------------------------------------------------------------- help
{
    my $h = run_prog([ bin('check_disk'), '--help' ]);
    is($h->{exit}, 0, '--help exits 0');
    for my $o (qw(--warning --critical --iwarning --icritical --path --exclude_device --exclude-type
                  --include-type --units --local --all --ereg-path --eregi-path --ignore-ereg-path
                  --ignore-eregi-path --errors-only --exact-match --ignore-missing --freespace-ignore-reserved
                  --all-pseudo --clear --du --timeout)) {
        like($h->{out}, qr/\Q$o\E\b/, "--help has $o");
    }
}

done_testing;
