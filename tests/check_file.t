# check_file on files this test makes and then changes: content, mode,
# owner, type, age, size; baselines recorded, compared, updated; digests
# compared with sha256sum/md5sum; unreadable paths as nobody; symlinks; a
# 100 MB file within -t and a read cut short by -t.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Fcntl qw(:flock);
use File::Temp qw(tempdir);
use POSIX qw(mkfifo);
use Time::HiRes qw(time);

my $root = $> == 0;
my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;  # nobody must reach the files of the unreadable-file cases
my $state = tempdir(CLEANUP => 1);
my %env = (MAMORI_STATE_DIR => $state);

sub run {
    my $o = ref $_[-1] eq 'HASH' ? pop : {};
    return plugin_run('check_file', @_, { %$o, env => { %env, %{ $o->{env} // {} } } });
}
sub put { my ($f, $text) = @_; open my $h, '>', $f or die "$f: $!"; print $h $text; close $h }
# Ground truth from coreutils.
sub digest { my ($tool, $f) = @_; my ($d) = split ' ', `$tool '$f'`; die "$tool failed" unless $d; $d }
# The contract, the exit code and a pattern on the status line, in one go.
sub expect {
    my ($r, $exit, $re, $name) = @_;
    check_plugin_output($r, $name);
    is($r->{exit}, $exit, "$name: exit $exit");
    like($r->{p}{line}, $re, "$name: line") or diag($r->{out});
}
sub state_files { grep { !/\.(lock|tmp)$/ } glob("$state/check_file.*") }

# ---- a plain file: what it reports is what stat says ----
my $f = "$dir/conf";
put($f, "setting = 1\n" x 10);
chmod 0640, $f;
my @st = stat $f;
my $r = run('-f', $f);
expect($r, 0, qr/^FILE OK - \Q$f\E: file, 120 B, mode 0640, root:root, modified \d+ s ago/, 'plain file');
is($r->{p}{perf}{size}{value}, $st[7], 'size perfdata = stat size');
ok(abs($r->{p}{perf}{age}{value} - (time - $st[9])) <= 2, 'age perfdata = now - mtime');
is($r->{p}{perf}{age}{uom}, 's', 'age in s');
is($r->{p}{perf}{size}{uom}, 'B', 'size in B');

# ---- checksums given as values, from the coreutils tools ----
for my $tool (qw(sha256sum md5sum sha1sum sha512sum)) {
    (my $algo = $tool) =~ s/sum$//;
    my $d = digest($tool, $f);
    expect(run('-f', $f, '--checksum', $d), 0, qr/: .*\Q$algo\E matches/, "$tool value matches");
    expect(run('-f', $f, '--checksum', uc $d), 0, qr/matches/, "$tool value in upper case");
    (my $wrong = $d) =~ tr/0-9a-f/1-9a-f0/;
    expect(run('-f', $f, '--checksum', $wrong), 2,
           qr/\Q$f\E: \Q$algo\E differs \(expected \Q${\ substr($wrong, 0, 12)}\E\.\.\., now \Q${\ substr($d, 0, 12)}\E\.\.\.\)/,
           "$tool value differs");
}
my $d256 = digest('sha256sum', $f);
expect(run('-f', $f, '--checksum', '0' x 64, '--change-state', 'warning'), 1, qr/differs/, '--change-state warning');
# each --checksum belongs to the -f before it
my $g = "$dir/other";
put($g, "other\n");
my $g256 = digest('sha256sum', $g);
expect(run('-f', $f, '--checksum', $d256, '-f', $g, '--checksum', $g256), 0, qr/2 files as required/, 'two files, two checksums');
$r = run('-f', $f, '--checksum', $g256, '-f', $g, '--checksum', $d256);
expect($r, 2, qr/\Q$f\E: sha256 differs.*; \Q$g\E: sha256 differs/, 'swapped checksums: both differ');
ok(exists $r->{p}{perf}{"size_$f"} && exists $r->{p}{perf}{"age_$g"}, 'perfdata per file: size_FILE, age_FILE');
is($r->{p}{perf}{"size_$g"}{value}, 6, "size_$g");
like($r->{out}, qr/^\Q$g\E: CRITICAL: .*sha256 \Q$g256\E$/m, 'long output: the full digest per file');

# ---- permission mode and owner ----
expect(run('-f', $f, '--mode', '0640'), 0, qr/mode 0640/, 'mode as required');
expect(run('-f', $f, '--mode', '640'), 0, qr/mode 0640/, 'mode without the leading 0');
expect(run('-f', $f, '--mode', '0644'), 2, qr/\Q$f\E: mode 0644 -> 0640/, 'mode differs, names both');
chmod 04755, $f;
expect(run('-f', $f, '--mode', '0755'), 2, qr/mode 0755 -> 4755/, 'setuid bit seen');
chmod 0640, $f;
SKIP: {
    skip 'chown needs root', 12 unless $root;
    my ($nuid, $ngid) = (getpwnam('nobody'))[2, 3];
    my $ngroup = getgrgid($ngid);
    expect(run('-f', $f, '--uid', 'root', '--gid', 'root'), 0, qr/root:root/, 'owner root:root by name');
    chown $nuid, $ngid, $f or die;
    expect(run('-f', $f, '--uid', 'root', '--gid', 'root'), 2,
           qr/owner root -> nobody, group root -> \Q$ngroup\E/, "owner change named: root -> nobody:$ngroup");
    expect(run('-f', $f, '--uid', '0'), 2, qr/owner root -> nobody/, 'owner by number');
    expect(run('-f', $f, '--uid', $nuid, '--gid', $ngroup), 0, qr/nobody:\Q$ngroup\E/, 'nobody by number and group by name');
    chown 0, 0, $f or die;
}

# ---- baseline: record, compare, keep alerting, update ----
my $b = "$dir/httpd";
put($b, "#!/bin/sh\necho one\n");
chmod 0755, $b;
my $first = digest('sha256sum', $b);
my $size1 = -s $b;
$r = run('-f', $b, '--baseline');
expect($r, 0, qr/baseline recorded \(sha256 \Q${\ substr($first, 0, 12)}\E\.\.\.\)/, 'first run records the baseline');
my @sf = state_files();
is(scalar @sf, 1, 'one state file in MAMORI_STATE_DIR');
is((stat $sf[0])[2] & 07777, 0600, 'state file is 0600');
expect(run('-f', $b, '--baseline'), 0, qr/sha256 as in the baseline/, 'second run: as in the baseline');
put($b, "#!/bin/sh\necho two, longer\n");
my $second = digest('sha256sum', $b);
my $size2 = -s $b;
for my $round (1, 2) {
    expect(run('-f', $b, '--baseline'), 2,
           qr/sha256 changed \(was \Q${\ substr($first, 0, 12)}\E\.\.\., now \Q${\ substr($second, 0, 12)}\E\.\.\.; size $size1 -> $size2 B\)/,
           "content change reported (run $round: a baseline is not accepted by itself)");
}
chmod 0777, $b;
expect(run('-f', $b, '--baseline'), 2, qr/mode 0755 -> 0777, sha256 changed/, 'mode and content changes both named');
expect(run('-f', $b, '--baseline', '--mode', '0777'), 2, qr/\Q$b\E: sha256 changed/, 'explicit --mode replaces the baseline mode');
$r = run('-f', $b, '--update-baseline');
expect($r, 0, qr/mode 0755 -> 0777, sha256 changed .*baseline updated \(sha256 \Q${\ substr($second, 0, 12)}\E/,
       '--update-baseline accepts and says what it accepted');
expect(run('-f', $b, '--baseline'), 0, qr/as in the baseline/, 'after the update: as in the baseline');
SKIP: {
    skip 'chown needs root', 3 unless $root;
    chown scalar(getpwnam('nobody')), -1, $b or die;
    expect(run('-f', $b, '--baseline'), 2, qr/owner root -> nobody/, 'baseline owner change');
    chown 0, 0, $b or die;
}
# the file goes away and comes back as a directory
unlink $b;
expect(run('-f', $b, '--baseline'), 2, qr/\Q$b\E: missing/, 'baseline file missing');
mkdir $b;
expect(run('-f', $b, '--baseline'), 2, qr/type file -> directory/, 'type change named');
rmdir $b;
put($b, "#!/bin/sh\necho two, longer\n");
chmod 0777, $b;
expect(run('-f', $b, '--baseline'), 0, qr/as in the baseline/, 'the same content again: the baseline was kept');

# corrupt state, and state from another file
my ($bstate) = state_files();
open my $sfh, '>', $bstate or die;
print $sfh "\x00\xffgarbage\n";
close $sfh;
expect(run('-f', $b, '--baseline'), 3, qr/baseline .* is corrupt \(--update-baseline records a new one\)/, 'corrupt baseline: UNKNOWN');
expect(run('-f', $b, '--update-baseline'), 0, qr/baseline recorded/, 'corrupt baseline replaced by --update-baseline');
# fuzz_filecheck: only the text a run writes is a baseline: a NUL in the
# path's hex (read as this path before), bytes after a NUL, a number that
# is none, a digest on a directory, a link target on a file
{
    my $good = do { local $/; open my $in, '<', $bstate or die; <$in> };
    my $hex = unpack 'H*', $b;
    my %bad = (
        'path with a NUL' => $good =~ s/^path \Q$hex\E$/path ${hex}002f78/mr,
        'bytes after a NUL' => "$good\0type d\n",
        'an mtime that is no number' => $good =~ s/^mtime .*$/mtime yesterday/mr,
        'a target on a file' => "${good}target 2f746d70\n",
    );
    for my $what (sort keys %bad) {
        die "fuzz_filecheck: $what: nothing replaced" if $bad{$what} eq $good;
        put($bstate, $bad{$what});
        expect(run('-f', $b, '--baseline'), 3, qr/baseline .* is corrupt/, "fuzz_filecheck: $what: corrupt, UNKNOWN");
    }
    put($bstate, $good);
    expect(run('-f', $b, '--baseline'), 0, qr/as in the baseline/, 'fuzz_filecheck: the baseline as written still reads');
}
put($g, "other\n");
expect(run('-f', $g, '--baseline'), 0, qr/baseline recorded/, 'second file recorded');
my ($gstate) = grep { /other$/ } state_files();
ok($gstate, 'state file named after the path') or diag(join ' ', state_files());
{ local $/; open my $in, '<', $bstate or die; my $t = <$in>; open my $out, '>', $gstate or die; print $out $t }
expect(run('-f', $g, '--baseline'), 3, qr/belongs to \Q$b\E/, 'a baseline of another file: UNKNOWN');

# the algorithm: md5 recorded, later runs use it unless told otherwise
my $m = "$dir/md5file";
put($m, "md5 content\n");
expect(run('-f', $m, '--baseline', '--algorithm', 'md5'), 0,
       qr/baseline recorded \(md5 \Q${\ substr(digest('md5sum', $m), 0, 12)}\E/, 'md5 baseline');
expect(run('-f', $m, '--baseline'), 0, qr/md5 as in the baseline/, 'later run uses the recorded md5');
expect(run('-f', $m, '--baseline', '--algorithm', 'sha256'), 3, qr/baseline holds md5, not sha256/, 'algorithm mismatch: UNKNOWN');
expect(run('-f', $m, '--update-baseline', '--algorithm', 'sha512'), 0, qr/baseline updated \(sha512/, 're-recorded with sha512');

# a path too long to be a state file name: keyed by its digest
my $deep = $dir;
$deep .= '/' . ('d' x 60) for 1 .. 4;
system('mkdir', '-p', $deep) == 0 or die;
put("$deep/f", "deep\n");
expect(run('-f', "$deep/f", '--baseline'), 0, qr/baseline recorded/, 'long path recorded');
expect(run('-f', "$deep/f", '--baseline'), 0, qr/as in the baseline/, 'long path compared');
ok((grep { /check_file\.sha256-[0-9a-f]{64}$/ } state_files()), 'long path keyed by its digest');

# a concurrent run holding the state lock: wait, but not past -t
my ($lockfile) = map { "$_.lock" } grep { /md5file$/ } state_files();
open my $lk, '>>', $lockfile or die "$lockfile: $!";
flock($lk, LOCK_EX) or die;
$r = run('-f', $m, '--baseline', '-t', '1');
expect($r, 3, qr/another run of this check holds its state/, 'held lock: UNKNOWN within -t');
ok($r->{secs} < 1.5, "held lock: answered in $r->{secs} s");
close $lk;

# ---- age of the last modification ----
my $a = "$dir/aged";
put($a, "x\n");
system('touch', '-d', '2 hours ago', $a) == 0 or die;
$r = run('-f', $a, '-w', '1h', '-c', '3h');
expect($r, 1, qr/\Q$a\E: modified 2 h ago \(-w 1h\)/, 'age 2 h above 1 h: WARNING');
ok(abs($r->{p}{perf}{age}{value} - 7200) <= 5, "age perfdata $r->{p}{perf}{age}{value} ~ 7200");
is($r->{p}{perf}{age}{warn}, '~:3600', 'age warning in perfdata, in seconds');
expect(run('-f', $a, '-w', '1h', '-c', '90m'), 2, qr/modified 2 h ago \(-c 90m\)/, 'above 90m: CRITICAL');
expect(run('-f', $a, '-w', '7300', '-c', '1d'), 0, qr/modified 2 h ago/, 'below both: OK');
expect(run('-f', $a, '-w', '@1h:3h'), 1, qr/-w \@1h:3h/, 'inside @1h:3h: WARNING');
system('touch', '-d', '+1 hour', $a) == 0 or die;
expect(run('-f', $a, '-w', '1h'), 0, qr/in the future/, 'future mtime: a bare age is only an upper limit');
expect(run('-f', $a, '-w', '0:1h'), 1, qr/in the future/, 'future mtime with 0:1h: WARNING');

# ---- size ----
my $s = "$dir/sized";
put($s, 'z' x 1000);
expect(run('-f', $s, '-W', '2000'), 1, qr/size 1000 B \(-W 2000\)/, 'smaller than 2000: WARNING (check_file_age)');
expect(run('-f', $s, '-W', '1K'), 1, qr/size 1000 B/, 'smaller than 1K');
expect(run('-f', $s, '-W', '900', '-C', '1'), 0, qr/1000 B/, 'at least 900: OK');
expect(run('-f', $s, '-C', '0:500'), 2, qr/size 1000 B \(-C 0:500\)/, 'range 0:500: CRITICAL');
$r = run('-f', $s, '-W', '~:0.5K', '-C', '~:1M');
expect($r, 1, qr/size 1000 B/, '~:0.5K with units');
is($r->{p}{perf}{size}{warn}, '~:512', 'size thresholds in bytes in perfdata');

# ---- existence ----
my $none = "$dir/none";
expect(run('-f', $none), 2, qr/\Q$none\E: missing$/, 'missing: CRITICAL');
expect(run('-f', $none, '--missing', 'warning'), 1, qr/missing/, '--missing warning');
expect(run('-f', $none, '-i'), 0, qr/missing/, '-i: missing is OK');
expect(run('-f', "$f/sub"), 2, qr/missing/, 'a file below a file: missing');
expect(run('--absent', '-f', $none), 0, qr/absent, as required/, '--absent, absent');
expect(run('--absent', '-f', $none, '-f', $f), 2, qr/^FILE CRITICAL - \Q$f\E: exists \(should be absent\): file$/,
       '--absent, present: only that file in the summary');
expect(run('-f', $f, '-f', $none), 2, qr/^FILE CRITICAL - \Q$none\E: missing/, 'one of two missing');

# ---- unreadable: chmod 000 and a directory without x, as nobody ----
SKIP: {
    skip 'running as nobody needs root', 12 unless $root;
    my $setpriv = '/usr/bin/setpriv';
    BAIL_OUT("$setpriv (util-linux) is needed") unless -x $setpriv;
    my @nobody = ($setpriv, '--reuid=nobody', '--regid=nogroup', '--clear-groups');
    my $nb = sub { my $r = run_prog([@nobody, bin('check_file'), @_], env => \%env); $r->{p} = parse_plugin_output($r->{out}); $r };
    my $u = "$dir/secret";
    put($u, "secret\n");
    chmod 0000, $u;
    expect($nb->('-f', $u, '--checksum', digest('sha256sum', $u)), 3, qr/\Q$u\E: cannot read: Permission denied/,
           'unreadable: UNKNOWN with the reason');
    expect($nb->('-f', $u, '--mode', '0000', '--uid', 'root'), 0, qr/mode 0000, root:root/,
           'unreadable: mode and owner still checked');
    my $nox = "$dir/nox";
    mkdir $nox;
    put("$nox/f", "x\n");
    chmod 0600, $nox;
    expect($nb->('-f', "$nox/f"), 3, qr/cannot stat: Permission denied/, 'directory without x: UNKNOWN, not "missing"');
    chmod 0755, $nox;
}

# ---- symlinks: not followed unless --follow ----
my $l = "$dir/link";
symlink 'conf', $l or die;
$r = run('-f', $l);
expect($r, 0, qr/\Q$l\E: symlink to conf \(not followed\), 4 B, root:root/, 'symlink: said so, not followed');
is($r->{p}{perf}{size}{value}, 4, 'size of the link itself');
expect(run('-f', $l, '--checksum', $d256), 2, qr/is a symlink to conf \(not followed; --follow checks the target\)/,
       'checksum of a link without --follow: the swap is reported');
expect(run('-f', $l, '--mode', '0640'), 2, qr/is a symlink/, 'mode of a link without --follow');
expect(run('-f', $l, '--follow', '--checksum', $d256, '--mode', '0640'), 0, qr/file \(via symlink to conf\).*sha256 matches/,
       '--follow checks the target');
my $dl = "$dir/dangling";
symlink 'nowhere', $dl or die;
expect(run('-f', $dl), 0, qr/symlink to nowhere/, 'dangling link itself exists');
expect(run('-f', $dl, '--follow'), 2, qr/missing \(dangling symlink to nowhere\)/, 'dangling link followed: missing');
expect(run('-f', $l, '--baseline'), 0, qr/baseline recorded \(symlink\)/, 'symlink baseline');
unlink $l;
symlink 'other', $l or die;
expect(run('-f', $l, '--baseline'), 2, qr/symlink target conf -> other/, 'symlink target change named');

# ---- directories and other non-files get no read ----
expect(run('-f', $dir, '--checksum', $d256), 2, qr/is a directory, not a file with a checksum/, 'directory with --checksum');
expect(run('-f', $dir, '--mode', '0755', '--baseline'), 0, qr/directory, .*mode 0755.*baseline recorded \(directory\)/,
       'directory: mode and baseline of type/mode/owner');
expect(run('-f', $dir, '--baseline'), 0, qr/type, mode and owner as in the baseline/, 'directory compared');
my $fifo = "$dir/fifo";
mkfifo($fifo, 0600) or die;
$r = run('-f', $fifo, '--baseline', { timeout => 5 });
expect($r, 0, qr/fifo, 0 B, mode 0600/, 'a FIFO is never opened');
ok($r->{secs} < 2, 'FIFO: no hang');

# ---- 100 MB within -t, and a read cut short by -t ----
my $big = "$dir/big";
system("head -c 100M /dev/urandom > '$big'") == 0 or die;
my $t0 = time;
my $bd = digest('sha256sum', $big);
my $coreutils = time - $t0;
$r = run('-f', $big, '--checksum', $bd, '-t', '10');
expect($r, 0, qr/100\.0 MiB.*sha256 matches/, '100 MB hashed within -t 10');
diag(sprintf 'sha256 of 100 MB: check_file %.2f s (whole run), sha256sum %.2f s', $r->{secs}, $coreutils);
expect(run('-f', $big, '--checksum', digest('md5sum', $big)), 0, qr/md5 matches/, '100 MB md5');
my $sparse = "$dir/sparse";
system('truncate', '-s', '40G', $sparse) == 0 or die;
for my $st ([ 'critical', 2 ], [ 'warning', 1 ]) {
    $r = run('-f', $sparse, '--baseline', '-t', "1:$st->[0]", { timeout => 10 });
    # our own line, or the alarm's when one read stalled past the deadline
    expect($r, $st->[1], qr/\Q$sparse\E: sha256 not finished within the 1 s timeout \(\S+ \S+ of 40\.0 GiB read\)|plugin timed out after 1 seconds/,
           "40 GB with -t 1:$st->[0]: the timeout state");
    ok($r->{secs} < 1.5, "ended by -t: $r->{secs} s");
}
ok(!(grep { /sparse$/ } state_files()), 'no baseline recorded from an unfinished read');

# ---- bad arguments: UNKNOWN, one line ----
my $hex64 = 'a' x 64;
for my $c ([ [], qr/give the file to check with -f FILE/ ],
           [ [ '--checksum', $hex64 ], qr/give it after the -f FILE/ ],
           [ [ '-f', $f, '--checksum', 'abc' ], qr/not 32, 40, 64 or 128 hex digits/ ],
           [ [ '-f', $f, '--checksum', 'g' x 64 ], qr/not a hex digest/ ],
           [ [ '-f', $f, '--checksum', $hex64, '--checksum', $hex64 ], qr/one checksum per -f FILE/ ],
           [ [ '-f', $f, '--checksum', $hex64, '--algorithm', 'md5' ], qr/not right for --algorithm md5/ ],
           [ [ '-f', $f, '--checksum', $hex64, '--baseline' ], qr/exclude each other/ ],
           [ [ '-f', $f, '--algorithm', 'sha3' ], qr/not sha256, sha512, sha1 or md5/ ],
           [ [ '-f', $f, '--mode', '0999' ], qr/not an octal mode/ ],
           [ [ '-f', $f, '--mode', '17777' ], qr/not an octal mode/ ],
           [ [ '-f', $f, '--mode', '' ], qr/not an octal mode/ ],
           [ [ '-f', $f, '--mode', '644', '--mode', '600' ], qr/give it once/ ],
           [ [ '-f', $f, '--uid', 'no_such_user_xyz' ], qr/no such user/ ],
           [ [ '-f', $f, '--gid', 'no_such_group_xyz' ], qr/no such group/ ],
           [ [ '-f', $f, '--uid', '4294967295' ], qr/id out of range/ ],
           [ [ '-f', $f, '-w', '1y' ], qr/not a range/ ],
           [ [ '-f', $f, '-w', '2h:1h' ], qr/start is above its end/ ],
           [ [ '-f', $f, '-c', '-1h' ], qr/not a range/ ],
           [ [ '-f', $f, '-W', '1Q' ], qr/not a range/ ],
           [ [ '-f', $f, '-C', '10%' ], qr/not a range/ ],
           [ [ '-f', $f, '--absent' , '--mode', '644' ], qr/--absent takes no other check/ ],
           [ [ '-f', $f, '--missing', 'maybe' ], qr/state must be/ ],
           [ [ '-f', $f, '--change-state', '4' ], qr/state must be/ ],
           [ [ '-f', '' ], qr/empty file name/ ],
           [ [ '-f', $f, $f ], qr/unexpected argument/ ]) {
    my $r = run(@{ $c->[0] });
    my $name = 'bad: ' . join(' ', map { length > 20 ? substr($_, 0, 8) . '...' : $_ } @{ $c->[0] });
    is($r->{exit}, 3, "$name: exit 3");
    like($r->{out}, qr/^FILE UNKNOWN - .*$c->[1].*\n\z/, "$name: one line naming it") or diag($r->{out});
}
done_testing;
