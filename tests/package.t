# The Debian package: `make dist` of this build tree, dpkg-buildpackage on
# the unpacked tarball, `dpkg -i` into the real system, the installed
# programs run from /usr/lib/nagios/plugins, then `dpkg --purge` gives
# monitoring-plugins its diverted programs back. Needs root (CI is); the
# package is purged at the end whatever happens (END).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Digest::SHA;
use Mamori::Test;
use Mamori::Server qw(need_binary);

my $build = $ENV{MAMORI_BUILD} // '.';
my $PLUGINDIR = '/usr/lib/nagios/plugins';
need_binary('/usr/bin/dpkg-buildpackage', 'dpkg-dev');
need_binary('/usr/bin/dh', 'debhelper');
need_binary('/usr/sbin/getcap', 'libcap2-bin');
BAIL_OUT('tests/package.t installs a .deb: run the suite as root') if $> != 0;

my ($version) = slurp("$build/config.h") =~ /^#define PACKAGE_VERSION "([^"]+)"/m
    or BAIL_OUT("no PACKAGE_VERSION in $build/config.h");

# the build's own make must not hand its job server or flags to the one
# dpkg-buildpackage starts
delete @ENV{qw(MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES DESTDIR)};

sub slurp { my ($f) = @_; open my $h, '<', $f or return ''; local $/; <$h> }
sub sha { my ($f) = @_; -f $f ? Digest::SHA->new(256)->addfile($f)->hexdigest : '' }
sub installed { `dpkg-query -W -f='\${Status}' mamori 2>/dev/null` =~ /install ok installed/ }
sub run_log {
    my ($name, $argv, %o) = @_;
    my $r = run_prog($argv, timeout => $o{timeout} // 60);
    ok($r->{exit} == 0 && !$r->{timed_out}, "$name (${\ sprintf '%.0f', $r->{secs}} s)")
        or diag("@$argv: exit $r->{exit}\n" . substr("$r->{out}$r->{err}", -4000));
    return $r;
}
sub purge {
    my $r = run_prog(['dpkg', '--purge', 'mamori'], timeout => 120);
    diag($r->{out} . $r->{err}) if $r->{exit};
    return $r->{exit} == 0;
}

# a package left by an interrupted run is not this run's
purge() if installed();
# the program monitoring-plugins-basic puts at check_load: diverted while
# mamori is installed, restored by the purge
need_binary("$PLUGINDIR/check_load", 'monitoring-plugins-basic');
like(`dpkg -S $PLUGINDIR/check_load`, qr/^monitoring-plugins-basic:/, 'check_load is monitoring-plugins\' before');
my $orig_load = sha("$PLUGINDIR/check_load");

END { local $?; purge() if installed() }   # keeps the exit status

# --- the tarball and the build ---
my $tmp = tempdir('mamori-package-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $tarball = "mamori-$version.tar.gz";
run_log('make dist', ['make', '-s', '-C', $build, 'dist'], timeout => 120);
rename("$build/$tarball", "$tmp/$tarball") or BAIL_OUT("make dist made no $build/$tarball: $!");
run_log('the tarball unpacks', ['tar', '-xzf', "$tmp/$tarball", '-C', $tmp]);
my $src = "$tmp/mamori-$version";
ok(-x "$src/debian/rules", 'debian/ is in the tarball');
is(`cd $src && dpkg-parsechangelog -S Version` =~ s/\s+\z//r, $version,
   'debian/changelog has the version of configure.ac');

my $r = run_prog(['sh', '-c', "cd $src && exec dpkg-buildpackage -us -uc -b -j2 >../build.log 2>&1"],
                 timeout => 900);
ok($r->{exit} == 0, sprintf('dpkg-buildpackage -us -uc -b (%.0f s)', $r->{secs}))
    or BAIL_OUT("dpkg-buildpackage failed:\n" . substr(slurp("$tmp/build.log"), -6000));
my ($deb) = glob("$tmp/mamori_${version}_*.deb");
ok($deb && -f $deb, 'the .deb is built') or BAIL_OUT('no .deb');
unlike(slurp("$tmp/build.log"), qr/^dh_missing: warning/m, 'dh_missing: every installed file is in the package');

my $fields = `dpkg-deb -f $deb Depends Recommends Suggests`;
like($fields, qr/^Depends:.*\blibssl3\b/m, 'Depends: libssl3 (lib/tls.c loads it)');
like($fields, qr/^Depends:.*\blibcurl4\b/m, 'Depends: from shlibs');
like($fields, qr/^Suggests:.*\blibpq5\b.*\blibmariadb3|^Suggests:.*\blibmariadb3\b.*\blibpq5\b/m,
     'Suggests: the client libraries check_sql loads');

# --- install ---
run_log('dpkg -i', ['dpkg', '-i', $deb], timeout => 120);
ok(installed(), 'mamori is installed');

my %files = map { chomp; ($_ => 1) } `dpkg -L mamori`;
# every program of the build tree's plugindir set: plugins, notifiers, handlers
my @programs;
for my $dir (qw(plugins notifiers handlers)) {
    opendir(my $dh, "$build/$dir") or next;
    push @programs, grep { /^(?:check|notify|recover)(?:_\w+)?\z/ && -x "$build/$dir/$_" } readdir $dh;
    closedir $dh;
}
ok(@programs >= 25, scalar(@programs) . ' programs in the build tree');
my @missing = grep { !$files{"$PLUGINDIR/$_"} } sort @programs;
is("@missing", '', "dpkg -L: every program in $PLUGINDIR");
for my $f ('/usr/bin/mamori', '/usr/share/doc/mamori/copyright', '/var/lib/mamori',
           '/usr/share/mamori/mamori.ini.example', '/usr/share/mamori/templates/mail-000-ja.txt') {
    ok($files{$f}, "dpkg -L: $f");
}
ok((grep { m{^/usr/share/doc/mamori/docs/install\.md(?:\.gz)?\z} } keys %files), 'dpkg -L: docs/install.md');
ok(!(grep { m{^/usr/(?:local|lib/mamori)\b|^/usr/libexec\b} } keys %files), 'nothing in libexec or /usr/local');

# the plugin the engine runs, by its installed path
my $load = run_prog(["$PLUGINDIR/check_load", '-w', '1000,1000,1000', '-c', '2000,2000,2000']);
$load->{p} = parse_plugin_output($load->{out});
check_plugin_output($load, "installed check_load");
is($load->{p}{state}, 'OK', 'installed check_load: OK under huge thresholds');
like(run_prog(["$PLUGINDIR/check_load", '--version'])->{out}, qr/^check_load \Q$version\E \(mamori\)/,
     'check_load in the plugin dir is mamori\'s');
my $tcp = run_prog(["$PLUGINDIR/check_tcp", '--version']);
is($tcp->{exit}, 0, 'installed check_tcp runs (its libraries resolve)');
my $cli = run_prog(['/usr/bin/mamori', '--version']);
is($cli->{out}, "mamori $version\n", 'mamori --version');

# postinst: the capabilities of make install-root, the state directory
like(`getcap $PLUGINDIR/check_ping`, qr/cap_net_raw[=+]ep/, 'check_ping has cap_net_raw');
like(`getcap $PLUGINDIR/check_mailq`, qr/cap_dac_read_search[=+]ep/, 'check_mailq has cap_dac_read_search');
my @st = stat('/var/lib/mamori');
is(sprintf('%04o', $st[2] & 07777), '0700', '/var/lib/mamori is 0700');
my $owner = getpwnam('nagios') // getpwnam('naemon') // 0;
is($st[4], $owner, '/var/lib/mamori belongs to the monitoring user');

# the diversion of monitoring-plugins' program of the same name
like(`dpkg-divert --list $PLUGINDIR/check_load`, qr/by mamori$/m, 'check_load diverted by mamori');
is(sha("$PLUGINDIR/check_load.monitoring-plugins"), $orig_load,
   'monitoring-plugins\' check_load kept as check_load.monitoring-plugins');
isnt(sha("$PLUGINDIR/check_load"), $orig_load, 'check_load is not monitoring-plugins\' any more');

# --- remove ---
ok(purge(), 'dpkg --purge mamori');
ok(!installed(), 'mamori is gone');
ok(!-e '/var/lib/mamori', 'purge removed /var/lib/mamori');
ok(!-e '/usr/bin/mamori', '/usr/bin/mamori removed');
is(`dpkg-divert --list '$PLUGINDIR/*'` =~ /by mamori$/m ? 'left' : 'none', 'none', 'no diversion left');
is(sha("$PLUGINDIR/check_load"), $orig_load, 'monitoring-plugins\' check_load is back');

done_testing;
