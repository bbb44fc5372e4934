# check_updates against local apt repositories the test builds (dpkg-deb,
# apt-ftparchive) and lists made by a real `apt-get update` into a temp dir;
# the ground truth is `apt-get -s upgrade` with the same state and
# `dpkg --compare-versions`. Nothing is installed into the system.
use strict;
use warnings;
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Cwd qw(getcwd);
use Test::More;
use Mamori::Test;
use Mamori::BadServer;
use Mamori::Server qw(need_binary);

need_binary('/usr/bin/dpkg-deb', 'dpkg');
need_binary('/usr/bin/apt-ftparchive', 'apt-utils');
need_binary('/usr/bin/apt-get', 'apt');
need_binary('/usr/bin/lz4', 'lz4');
need_binary('/usr/lib/apt/apt-helper', 'apt');

my $T = tempdir('mamori-updates-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $T;   # apt's download methods run as _apt
my $arch = `dpkg --print-architecture`;
chomp $arch;

sub put {
    my ($path, $text) = @_;
    open my $f, '>', $path or die "$path: $!";
    print $f $text;
    close $f or die "$path: $!";
}

sub slurp {
    my ($path) = @_;
    open my $f, '<', $path or die "$path: $!";
    local $/;
    return scalar <$f>;
}

sub sh {
    my $r = run_prog([@_], timeout => 120);
    $r->{exit} == 0 or BAIL_OUT("@_: exit $r->{exit}: $r->{err}");
    return $r->{out};
}

# ---- repositories

# Built once: a version in two archives is the same file, as when Debian
# copies a security update into a point release (apt treats the same
# version with different checksums as two versions).
sub deb {
    my ($dir, $name, $version, $a) = @_;
    (my $fv = $version) =~ s/^\d+://;
    my $file = "${name}_${fv}_$a.deb";
    if (!-f "$T/debs/$file") {
        my $root = "$T/build/$name-$version-$a";
        make_path("$root/DEBIAN", "$T/debs");
        put("$root/DEBIAN/control", "Package: $name\nVersion: $version\nArchitecture: $a\n"
            . "Maintainer: mamori tests <root\@localhost>\nDescription: check_updates test package\n");
        sh('dpkg-deb', '-Zgzip', '--root-owner-group', '-b', $root, "$T/debs/$file");
    }
    copy("$T/debs/$file", "$dir/$file") or die "copy $file: $!";
}

# A repository: dists/SUITE/main/binary-ARCH (or flat when $suite is
# undef) with a Release carrying the given fields.
sub repo {
    my ($name, $suite, $fields, @debs) = @_;
    my $base = "$T/repo/$name";
    make_path("$base/pool");
    deb("$base/pool", @$_) for @debs;
    my $cwd = getcwd();
    chdir $base or die;
    my $pdir = defined $suite ? "dists/$suite/main/binary-$arch" : '.';
    make_path($pdir);
    put("$pdir/Packages", sh('apt-ftparchive', 'packages', 'pool'));
    my $rdir = defined $suite ? "dists/$suite" : '.';
    my @o = map { ('-o', "APT::FTPArchive::Release::$_=$fields->{$_}") } sort keys %$fields;
    my $release = sh('apt-ftparchive', @o, 'release', $rdir);
    put("$rdir/Release", $release);
    chdir $cwd or die;
    return defined $suite ? "deb [trusted=yes] file:$base $suite main\n" : "deb [trusted=yes] file:$base ./\n";
}

my $sources = '';
$sources .= repo('main', 'bookworm', { Origin => 'Mamori', Label => 'Mamori', Suite => 'bookworm',
                                        Codename => 'bookworm', Architectures => $arch, Components => 'main' },
                 [ 'mamori-normal', '1.0-2', 'all' ], [ 'mamori-sec', '2.0', 'all' ],
                 [ 'mamori-both', '1:1.0', 'all' ], [ 'mamori-current', '3.0', 'all' ],
                 [ 'mamori-older', '4.0', 'all' ], [ 'mamori-held', '1.1', 'all' ],
                 [ 'mamori-tilde', '1.0', 'all' ], [ 'mamori-notinst', '1.0', 'all' ],
                 [ 'mamori-native', '1.1', $arch ]);
$sources .= repo('security', 'bookworm-security',
                 { Origin => 'Debian', Label => 'Debian-Security', Suite => 'bookworm-security',
                   Codename => 'bookworm-security', Architectures => $arch, Components => 'main' },
                 [ 'mamori-sec', '2.0+deb12u1', 'all' ], [ 'mamori-both', '1:1.0', 'all' ]);
# experimental-like: NotAutomatic, apt never takes it on its own
$sources .= repo('experimental', undef, { Origin => 'Mamori', Label => 'Mamori', Suite => 'experimental',
                                          NotAutomatic => 'yes' },
                 [ 'mamori-exp', '2.0', 'all' ], [ 'mamori-current', '9.0', 'all' ]);
put("$T/sources.list", $sources);

# ---- dpkg status files

sub status {
    my (@pkgs) = @_;
    my $path = "$T/status-" . scalar(@pkgs) . '-' . int(rand 1e9);
    put($path, join "\n", map {
        my ($name, $version, $a, $st) = @$_;
        "Package: $name\nStatus: " . ($st // 'install ok installed') . "\nPriority: optional\n"
        . "Maintainer: t <t\@t>\nArchitecture: " . ($a // 'all') . "\nVersion: $version\n"
        . "Description: test\n multi-line description\n .\n second paragraph\n"
    } @pkgs);
    return $path;
}
my @full = ([ 'dpkg', '1.21.22', $arch ], [ 'mamori-normal', '1.0-1' ], [ 'mamori-sec', '2.0' ],
            [ 'mamori-both', '1:0.9' ], [ 'mamori-current', '3.0' ], [ 'mamori-older', '5.0' ],
            [ 'mamori-exp', '1.0' ], [ 'mamori-held', '1.0', 'all', 'hold ok installed' ],
            [ 'mamori-tilde', '1.0~rc1' ], [ 'mamori-notinst', '0.1', 'all', 'deinstall ok config-files' ],
            [ 'mamori-native', '1.0', $arch ]);
my $st_full = status(@full);
my $st_none = status([ 'mamori-current', '3.0' ], [ 'mamori-exp', '1.0' ], [ 'mamori-older', '5.0' ]);
my $st_normal = status([ 'mamori-current', '3.0' ], [ 'mamori-normal', '1.0-1' ]);
my $st_sec = status([ 'mamori-current', '3.0' ], [ 'mamori-sec', '2.0' ]);

# ---- apt-get update into temp state dirs

mkdir "$T/$_" for qw(cache etc);
sub apt_opts {
    my ($lists, $status, @extra) = @_;
    return ('-o', "Dir::State=$T/state", '-o', "Dir::State::Lists=$lists", '-o', "Dir::State::status=$status",
            '-o', "Dir::Etc::SourceList=$T/sources.list", '-o', "Dir::Etc::SourceParts=$T/etc",
            '-o', "Dir::Etc::Preferences=$T/etc/none", '-o', "Dir::Etc::PreferencesParts=$T/etc",
            '-o', "Dir::Cache=$T/cache", '-o', 'Dir::Cache::pkgcache=', '-o', 'Dir::Cache::srcpkgcache=',
            '-o', 'Debug::NoLocking=true', @extra);
}
make_path("$T/state", "$T/lists-lz4/partial", "$T/lists-plain/partial");
sh('apt-get', apt_opts("$T/lists-lz4", $st_full, '-o', 'Acquire::GzipIndexes=true'), '-qq', 'update');
sh('apt-get', apt_opts("$T/lists-plain", $st_full, '-o', 'Acquire::GzipIndexes=false'), '-qq', 'update');
my @lz4 = glob("$T/lists-lz4/*_Packages.lz4");
is(scalar @lz4, 3, 'apt-get update with GzipIndexes keeps three lz4 lists') or diag(`ls -l $T/lists-lz4`);
my @plain = glob("$T/lists-plain/*_Packages");
is(scalar @plain, 3, 'and three plain lists without');
ok((grep { /_dists_bookworm-security_main_binary-${arch}_Packages/ } @plain), 'a dists-style security list');

# ---- ground truth: apt-get -s upgrade with the same state

sub apt_truth {
    my ($status) = @_;
    my $out = sh('apt-get', apt_opts("$T/lists-plain", $status), '-s', 'upgrade');
    my (%all, %sec, %kept);
    for (split /\n/, $out) {
        my ($name, $version) = /^Inst (\S+) \[[^\]]*\] \((\S+) / or next;
        $all{$name} = $version;
        # check_apt's default critical expression
        $sec{$name} = $version if /^[^\(]*\(.* (?:Debian-Security:|Ubuntu:[^\/]*\/[^-]*-security)/;
    }
    if ($out =~ /kept back:\n((?:  .*\n)+)/) { $kept{$_} = 1 for split ' ', $1 }
    return (\%all, \%sec, \%kept);
}

# The plugin's long output: name -> candidate per section.
sub sections {
    my ($r) = @_;
    my (%s, $cur);
    for (@{ $r->{p}{long} }) {
        if (/^Security updates/) { $cur = 'sec' }
        elsif (/^Other updates \(/) { $cur = 'other' }
        elsif (/^Held back/) { $cur = 'held' }
        elsif (/^  (\S+) (\S+) -> (\S+)/ && $cur) { $s{$cur}{$1} = $3 }
        else { $cur = undef }
    }
    $s{$_} //= {} for qw(sec other held);
    return \%s;
}

sub run_upd {
    my ($name, @args) = @_;
    my $r = plugin_run('check_updates', @args);
    check_plugin_output($r, $name);
    return $r;
}

my @plainl = ('--apt-lists', "$T/lists-plain");
my $r = run_upd('no updates', '--dpkg-status', $st_none, @plainl);
is($r->{exit}, 0, 'nothing newer (an older and a NotAutomatic version only): OK');
like($r->{p}{summary}, qr/^0 packages available for upgrade \(0 critical updates\)\./, 'check_apt wording');
is($r->{p}{perf}{available_upgrades}{value}, 0, 'available_upgrades=0');
is(scalar keys %{ (apt_truth($st_none))[0] }, 0, 'apt-get -s upgrade agrees: nothing');

$r = run_upd('one normal update', '--dpkg-status', $st_normal, @plainl);
is($r->{exit}, 1, 'one normal update: WARNING');
is($r->{p}{perf}{available_upgrades}{value}, 1, 'available_upgrades=1');
is($r->{p}{perf}{critical_updates}{value}, 0, 'critical_updates=0');
like($r->{out}, qr/^Other updates: 1 \(-v lists them\)$/m, 'others counted, listed with -v');
$r = run_upd('one normal update -v', '--dpkg-status', $st_normal, @plainl, '-v');
like($r->{out}, qr/^  mamori-normal 1\.0-1 -> 1\.0-2 \(Mamori:bookworm\)$/m, '-v names it with versions and origin');

$r = run_upd('one security update', '--dpkg-status', $st_sec, @plainl);
is($r->{exit}, 2, 'one security update: CRITICAL');
is($r->{p}{perf}{critical_updates}{value}, 1, 'critical_updates=1');
like($r->{out}, qr/^Security updates \(1\):\n  mamori-sec 2\.0 -> 2\.0\+deb12u1 \(Debian-Security:bookworm-security\)$/m,
     'security package named in the long output without -v');
$r = run_upd('security thresholds', '--dpkg-status', $st_sec, @plainl, '--security-warning', '0');
is($r->{exit}, 1, '--security-warning 0 replaces the default pair: WARNING');
$r = run_upd('security thresholds', '--dpkg-status', $st_sec, @plainl, '--security-critical', '1', '-w', '5');
is($r->{exit}, 0, '--security-critical 1 and -w 5: one of each is OK');
is($r->{p}{perf}{available_upgrades}{warn}, '5', 'perfdata carries -w');
is($r->{p}{perf}{critical_updates}{crit}, '1', 'perfdata carries --security-critical');
$r = run_upd('-c', '--dpkg-status', $st_full, @plainl, '-c', '3');
is($r->{exit}, 2, '-c 3 with 5 updates: CRITICAL');

# Every kind at once against apt itself.
my ($all, $sec, $kept) = apt_truth($st_full);
is(scalar keys %$all, 5, 'apt-get -s upgrade: five upgrades') or diag(explain $all);
for my $lists ('lists-plain', 'lists-lz4') {
    my $r = run_upd("full $lists", '--dpkg-status', $st_full, '--apt-lists', "$T/$lists", '-v');
    my $s = sections($r);
    is($r->{exit}, 2, "$lists: CRITICAL");
    is($r->{p}{perf}{available_upgrades}{value}, scalar keys %$all, "$lists: available_upgrades = apt-get -s upgrade");
    is($r->{p}{perf}{critical_updates}{value}, scalar keys %$sec, "$lists: critical_updates = check_apt's security match");
    is_deeply({ %{ $s->{sec} }, %{ $s->{other} } }, $all, "$lists: the same packages and candidate versions as apt");
    is_deeply($s->{sec}, $sec, "$lists: the same security packages (one in both archives)");
    is_deeply([ sort keys %{ $s->{held} } ], [ sort keys %$kept ], "$lists: held = apt's kept back");
    like($r->{out}, qr/^\d+ packages installed, 3 package lists read$/m, "$lists: three lists read");
}
my $lz4out = plugin_run('check_updates', '--dpkg-status', $st_full, '--apt-lists', "$T/lists-lz4", '-v')->{out};
my $plainout = plugin_run('check_updates', '--dpkg-status', $st_full, '--apt-lists', "$T/lists-plain", '-v')->{out};
is($lz4out, $plainout, 'lz4 and plain lists give the same answer');

# gzip and xz lists (apt-helper decompresses them), beside their Release files.
for my $z ([ 'gz', 'gzip' ], [ 'xz', 'xz' ]) {
    my $dir = "$T/lists-$z->[0]";
    mkdir $dir;
    for my $f (glob("$T/lists-plain/*")) {
        next unless -f $f;
        (my $b = $f) =~ s{.*/}{};
        if ($b =~ /_Packages$/) { copy($f, "$dir/$b"); sh($z->[1], "$dir/$b") } else { copy($f, "$dir/$b") }
    }
    my $out = plugin_run('check_updates', '--dpkg-status', $st_full, '--apt-lists', $dir, '-v')->{out};
    is($out, $plainout, "$z->[0] lists give the same answer");
}

# ---- the version ordering against dpkg --compare-versions

my @pairs = (
    [ '1.0', '1.0-0' ], [ '1.0', '1.0.0' ], [ '1.0~rc1', '1.0' ], [ '1.0~~', '1.0~' ], [ '1.0~', '1.0' ],
    [ '1.0~~a', '1.0~~' ], [ '1.0+1', '1.0' ], [ '1.0+1', '1.0.1' ], [ '1.0a', '1.0' ], [ '1.0a', '1.0+' ],
    [ '1.0.a', '1.0a' ], [ '1.0A', '1.0a' ], [ '1.0a~', '1.0a' ], [ '1:0.1', '2.0' ], [ '0:1.0', '1.0' ],
    [ '1.0-1', '1.0-1ubuntu1' ], [ '1.0-1~bpo12+1', '1.0-1' ], [ '2.30-1', '2.3-1' ], [ '1.002', '1.2' ],
    [ '1.2', '1.10' ], [ 'a', '1' ], [ '1.0-a', '1.0-1' ], [ '1.0-1.1', '1.0-1+b1' ],
    [ '2.0-1', '2.0-1+deb12u1' ], [ '3.0.11-1~deb12u2', '3.0.15-1~deb12u1' ], [ '1.0-1-1', '1.0-1' ],
    [ '1:2-3', '1:2-3~' ], [ '10', '9' ], [ '000010', '10' ], [ '1.2.3+git20200101', '1.2.3' ],
    [ '7.4.052-1ubuntu3', '7.4.052-1ubuntu3.1' ], [ '0.9.8', '0.9.8.1~' ], [ '1.0+dfsg', '1.0.dfsg' ],
    [ '1.0-0.1', '1.0-0' ], [ '2:1.0', '1:9.9' ], [ '1.0.', '1.0' ], [ '1..0', '1.0' ],
    [ '1.0-1+b1', '1.0-1.0' ], [ '9.99999999999999999999', '9.100000000000000000000' ],
    [ '1.0~beta1~svn1245', '1.0~beta1' ], [ '1.0~beta1', '1.0~beta1+1' ], [ 'a:b', '1.0' ],
);
sub dpkg_cmp { run_prog([ 'dpkg', '--compare-versions', @_ ])->{exit} }
my (%expect_fwd, %expect_rev, @invalid);
for my $i (0 .. $#pairs) {
    my ($a, $b) = @{ $pairs[$i] };
    # exit 0 true, 1 false, 2 bad syntax
    if (dpkg_cmp($a, 'eq', $a) > 1 || dpkg_cmp($b, 'eq', $b) > 1) { push @invalid, $pairs[$i]; next }
    $expect_fwd{"cmp$i"} = dpkg_cmp($b, 'gt', $a) == 0;
    $expect_rev{"cmp$i"} = dpkg_cmp($a, 'gt', $b) == 0;
}
ok(scalar @invalid == 1 && $invalid[0][0] eq 'a:b', 'dpkg rejects exactly the invalid pair');
sub cmp_run {
    my ($rev) = @_;
    my (@inst, $list);
    for my $i (0 .. $#pairs) {
        next unless exists $expect_fwd{"cmp$i"};
        my ($a, $b) = @{ $pairs[$i] };
        ($a, $b) = ($b, $a) if $rev;
        push @inst, [ "cmp$i", $a ];
        $list .= "Package: cmp$i\nVersion: $b\nArchitecture: all\nDescription: x\n\n";
    }
    # invalid versions in a list are skipped, however high they would sort
    push @inst, [ 'cmpbad', '1.0' ];
    $list .= "Package: cmpbad\nVersion: $_\nArchitecture: all\n\n" for 'a:9', '9:', '1.0-', '9 9', '-1:9';
    my $dir = "$T/cmp-$rev";
    mkdir $dir;
    put("$dir/example.org_debian_._Packages", $list);
    my $r = run_upd("version table $rev", '--dpkg-status', status(@inst), '--apt-lists', $dir, '-v');
    my $s = sections($r);
    return ({ %{ $s->{sec} }, %{ $s->{other} } }, $r);
}
my ($fwd, $fr) = cmp_run(0);
my ($rev) = cmp_run(1);
for my $i (0 .. $#pairs) {
    my $k = "cmp$i";
    next unless exists $expect_fwd{$k};
    my ($a, $b) = @{ $pairs[$i] };
    my $want = $expect_fwd{$k} ? '>' : $expect_rev{$k} ? '<' : '=';
    my $got = $fwd->{$k} && !$rev->{$k} ? '>' : $rev->{$k} && !$fwd->{$k} ? '<' : !$fwd->{$k} && !$rev->{$k} ? '=' : '?';
    is($got, $want, "$b $want $a as dpkg --compare-versions");
}
ok(!exists $fwd->{cmpbad}, 'entries with invalid versions are not candidates');
like($fr->{out}, qr/invalid version skipped/, '-v says entries were skipped');

# ---- broken inputs

my %bad_status = (
    missing => "$T/no/such/status",
    empty => status(),
    garbage => do { put("$T/st-garbage", "this is not a dpkg status file\n"); "$T/st-garbage" },
    binary => do { put("$T/st-binary", "Package: x\0\xff\nStatus: install ok installed\n"); "$T/st-binary" },
    'no package' => do { put("$T/st-nopkg", "Status: install ok installed\nVersion: 1\n"); "$T/st-nopkg" },
    'no version' => do { put("$T/st-nover", "Package: x\nStatus: install ok installed\n"); "$T/st-nover" },
    'bad version' => status([ 'x', '1:' ]),
    'bad state' => status([ 'x', '1.0', 'all', 'install ok sideways' ]),
    'continuation first' => do { put("$T/st-cont", " Package: x\n"); "$T/st-cont" },
    directory => $T,
);
for my $k (sort keys %bad_status) {
    my $r = run_upd("status $k", '--dpkg-status', $bad_status{$k}, @plainl);
    is($r->{exit}, 3, "status file $k: UNKNOWN");
    like($r->{out}, qr/^UPDATES UNKNOWN - \S.*\n\z/, "status file $k: one line with a reason");
}

# fuzz_apt_updates (regression): an empty Package field in the status file
# was an installed package named "", and a list entry with an empty Package
# field offered it an update, listed without a name. dpkg refuses such a
# name (ground truth: dpkg-query on the same file), so do we.
{
    my $dir = "$T/lists-fuzz";
    mkdir $dir;
    put("$dir/example.org_debian_._Packages", "Package: \nVersion: 2.0\nArchitecture: all\n\nPackage: bad name\nVersion: 2.0\nArchitecture: all\n");
    mkdir "$T/adm-fuzz";
    mkdir "$T/adm-fuzz/$_" for qw(info updates);
    for my $name ('', 'bad name', '-dash', "x\x01y") {
        my $st = status([ 'dpkg', '1.21.22', $arch ], [ $name, '1.0' ]);
        put("$T/adm-fuzz/status", slurp($st));
        my $q = run_prog([ 'dpkg-query', "--admindir=$T/adm-fuzz", '-W' ]);
        isnt($q->{exit}, 0, "fuzz_apt_updates: dpkg-query refuses the Package name '$name' too");
        my $r = run_upd("fuzz_apt_updates '$name'", '--dpkg-status', $st, '--apt-lists', $dir, '-v');
        is($r->{exit}, 3, "fuzz_apt_updates: the Package name '$name': UNKNOWN");
        like($r->{out}, qr/^UPDATES UNKNOWN - \S+ line \d+: an invalid Package name\n\z/, "fuzz_apt_updates: '$name' named as the reason")
            or diag($r->{out});
    }
    # what dpkg accepts (capitals: it folds them) still reads
    my $r = run_upd('fuzz_apt_updates valid', '--dpkg-status', status([ 'dpkg', '1.21.22', $arch ], [ 'Ab0.c+d_e-f', '1.0' ]), '--apt-lists', $dir);
    is($r->{exit}, 0, 'fuzz_apt_updates: a name of letters, digits and -+._ is read');
}

mkdir "$T/lists-empty";
$r = run_upd('empty lists', '--dpkg-status', $st_full, '--apt-lists', "$T/lists-empty");
is($r->{exit}, 0, 'no lists: OK');
like($r->{p}{summary}, qr/No package lists: run apt-get update\./, 'with a note to run apt-get update');
$r = run_upd('missing lists dir', '--dpkg-status', $st_full, '--apt-lists', "$T/no-such-dir");
is($r->{exit}, 3, 'lists dir missing: UNKNOWN');

# A corrupt list: UNKNOWN (apt refuses such a list too), and the rest still counted.
for my $case ([ 'garbage', sub { put($_[0], "\x00\x01garbage\n") } ],
              [ 'truncated lz4', sub { my $d = slurp($_[0]); put($_[0], substr($d, 0, length($d) - 9)) } ],
              [ 'not lz4', sub { put($_[0], "Package: x\n") } ]) {
    my $dir = "$T/lists-bad-" . ($case->[0] =~ s/ /-/gr);
    mkdir $dir;
    copy($_, $dir) for glob("$T/lists-lz4/*_*");
    my ($victim) = grep { /_bookworm_main_/ } glob("$dir/*_Packages.lz4");
    $case->[1]->($victim);
    my $r = run_upd("list $case->[0]", '--dpkg-status', $st_full, '--apt-lists', $dir);
    is($r->{exit}, 2, "$case->[0] list: the security update still CRITICAL");
    like($r->{p}{summary}, qr/1 package lists could not be read/, "$case->[0] list: said in the summary");
    like($r->{out}, qr/^cannot read list \S+_Packages\.lz4: \S/m, "$case->[0] list: named in the long output");
    $r = run_upd("list $case->[0] alone", '--dpkg-status', $st_none, '--apt-lists', $dir);
    is($r->{exit}, 3, "$case->[0] list and nothing else wrong: UNKNOWN");
}

# ---- LZ4 frames the lz4 tool makes: linked 64 KiB blocks, checksums, big blocks.
{
    my (@inst, $list);
    for my $i (1 .. 3000) {
        push @inst, [ "big$i", '1.0' ] if $i % 100 == 0;
        $list .= "Package: big$i\nVersion: " . ($i % 200 == 0 ? '1.1' : '1.0') . "\nArchitecture: all\n"
              . "Description: filler package $i\n " . ('lorem ipsum dolor ' x 8) . "\n\n";
    }
    my $st = status(@inst);
    my $dir = "$T/lists-big";
    mkdir $dir;
    put("$dir/big_Packages", $list);
    my $want = plugin_run('check_updates', '--dpkg-status', $st, '--apt-lists', $dir, '-v')->{out};
    like($want, qr/^UPDATES WARNING - 15 packages available/, 'big plain list: 15 of 30 installed have updates');
    unlink "$dir/big_Packages";
    for my $flags ([ '-B4', '-BD' ], [ '-B4', '-BD', '-BX' ], [ '-B7' ], [ '-B5', '--no-frame-crc' ], [ '-1' ], [ '-9', '-BD' ]) {
        put("$T/big.txt", $list);
        sh('lz4', '-q', '-f', @$flags, "$T/big.txt", "$dir/big_Packages.lz4");
        my $out = plugin_run('check_updates', '--dpkg-status', $st, '--apt-lists', $dir, '-v')->{out};
        is($out, $want, "lz4 @$flags: the same answer as plain");
    }
}

# ---- the real system, if it is an apt system: the same as apt-get -s upgrade
SKIP: {
    skip 'no /var/lib/dpkg/status: not an apt system', 2 unless -f '/var/lib/dpkg/status';
    my $out = `apt-get -s -o Debug::NoLocking=true upgrade 2>/dev/null`;
    my %apt = map { /^Inst (\S+) \[[^\]]*\] \((\S+) / ? ($1 => $2) : () } split /\n/, $out;
    my $r = run_upd('this system', '-v');
    my $s = sections($r);
    is_deeply({ %{ $s->{sec} }, %{ $s->{other} } }, \%apt, 'this system: the packages and versions of apt-get -s upgrade');
}

# ---- a system without dpkg, in a private mount namespace (the host's
# /var/lib is untouched): plain, then with an RPM database
SKIP: {
    skip 'unshare -m is not permitted here', 4 if system('unshare -m true 2>/dev/null') != 0;
    my $bin = bin('check_updates');
    for my $c ([ 'mount -t tmpfs none /var/lib/dpkg', qr/^UPDATES UNKNOWN - no \/var\/lib\/dpkg\/status: not a dpkg\/apt system$/ ],
               [ 'mount -t tmpfs none /var/lib && mkdir /var/lib/rpm',
                 qr/^UPDATES UNKNOWN - dnf\/yum \(RPM\) systems are not supported on this system yet/ ]) {
        my $r = run_prog([ 'unshare', '-m', '--propagation', 'private', 'sh', '-c', "$c->[0] && exec $bin" ]);
        is($r->{exit}, 3, "no dpkg ($c->[0]): UNKNOWN");
        like($r->{out}, $c->[1], 'with what the system is');
    }
}

# ---- --refresh: apt-get update bounded by -t, as root only

# pid -> command line of the running apt-get and apt method processes
sub apt_procs {
    my %p;
    for my $d (glob('/proc/[0-9]*')) {
        open my $f, '<', "$d/cmdline" or next;
        my $c = do { local $/; <$f> } // '';
        $c =~ tr/\0/ /;
        $p{ $d =~ s{.*/}{}r } = $c if $c =~ m{^(?:\S*/)?apt-get |^/usr/lib/apt/methods/};
    }
    return %p;
}
{
    my $conf = "$T/apt.conf";
    my $aptconf = join '', map { "$_;\n" } (
        qq{Dir::State "$T/state"}, qq{Dir::Etc::SourceList "$T/sources.list"}, qq{Dir::Etc::SourceParts "$T/etc"},
        qq{Dir::Etc::Preferences "$T/etc/none"}, qq{Dir::Etc::PreferencesParts "$T/etc"},
        qq{Dir::Cache "$T/cache"}, qq{Dir::Cache::pkgcache ""}, qq{Dir::Cache::srcpkgcache ""});
    put($conf, $aptconf);
    my $dir = "$T/lists-refresh";
    mkdir $dir;
    my $env = { env => { APT_CONFIG => $conf } };
    my $r = plugin_run('check_updates', '--dpkg-status', $st_full, '--apt-lists', $dir, $env);
    like($r->{p}{summary}, qr/No package lists/, 'before --refresh: no lists');
    $r = plugin_run('check_updates', '--dpkg-status', $st_full, '--apt-lists', $dir, '--refresh', '-v', $env);
    check_plugin_output($r, '--refresh');
    is($r->{exit}, 2, '--refresh fetched the local repositories: CRITICAL');
    is($r->{p}{perf}{available_upgrades}{value}, 5, '--refresh: five upgrades');
    is(scalar(() = glob("$dir/*_Packages*")), 3, '--refresh wrote the lists into --apt-lists');

    # not root: refused before anything runs
    my $nr = run_prog([ '/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
                        bin('check_updates'), '--dpkg-status', $st_full, '--apt-lists', $dir, '--refresh' ]);
    $nr->{p} = parse_plugin_output($nr->{out});
    check_plugin_output($nr, '--refresh as nobody');
    is($nr->{exit}, 3, '--refresh as a user: UNKNOWN');
    like($nr->{out}, qr/needs root/, 'and says why');

    # a source that accepts and never answers: apt-get is stopped at -t
    my $silent = Mamori::BadServer->new('silent', limit => 30);
    put("$T/sources-hang.list", "deb [trusted=yes] http://127.0.0.1:" . $silent->port . "/debian bookworm main\n");
    (my $hang = $aptconf) =~ s{\Q$T/sources.list\E}{$T/sources-hang.list};
    put("$T/apt-hang.conf", $hang);
    my %apt_before = apt_procs();
    $r = plugin_run('check_updates', '--dpkg-status', $st_full, '--apt-lists', $dir, '--refresh', '-t', '4',
                    { env => { APT_CONFIG => "$T/apt-hang.conf" }, timeout => 20 });
    check_plugin_output($r, '--refresh against a silent server');
    ok($r->{secs} < 4.5, sprintf('answered within -t 4 (%.1f s)', $r->{secs}));
    like($r->{p}{summary}, qr/Refresh failed: apt-get update did not finish within/, 'says the refresh was stopped');
    is($r->{p}{perf}{available_upgrades}{value}, 5, 'and still counts from the lists it has');
    is($r->{exit}, 2, 'the security update still wins over the UNKNOWN refresh');
    $silent->stop;
    my %after = apt_procs();
    delete @after{ keys %apt_before };
    is(join(' ', values %after), '', 'no apt-get or download method left behind');

    # a failing update (a source that does not exist): UNKNOWN with apt's reason
    put("$T/sources-bad.list", "deb [trusted=yes] file:$T/no-such-repo bookworm main\n");
    (my $badc = $aptconf) =~ s{\Q$T/sources.list\E}{$T/sources-bad.list};
    put("$T/apt-bad.conf", $badc);
    $r = plugin_run('check_updates', '--dpkg-status', $st_none, '--apt-lists', "$T/lists-empty", '--refresh',
                    { env => { APT_CONFIG => "$T/apt-bad.conf" } });
    check_plugin_output($r, '--refresh with a missing repository');
    is($r->{exit}, 3, 'a failed apt-get update: UNKNOWN');
    like($r->{p}{summary}, qr/Refresh failed: apt-get update failed \(exit \d+\)/, 'with apt-get\'s exit code');
}

# ---- bad arguments
for my $args ([ '-w', 'x' ], [ '-c', '5:1' ], [ '--security-warning', 'abc' ], [ '--security-critical', '1e3' ],
              [ '--dpkg-status', '' ], [ '--apt-lists', '' ], [ '--apt-lists', 'x' x 5000 ], [ '--refresh', 'now' ],
              [ '--refresh=yes' ], [ '--dpkg-status' ]) {
    my $r = plugin_run('check_updates', @$args);
    check_plugin_output($r, "bad @$args");
    is($r->{exit}, 3, "@$args: UNKNOWN");
    like($r->{out}, qr/^UPDATES UNKNOWN - \S.{5,}\n\z/, "@$args: one line");
}

done_testing;
