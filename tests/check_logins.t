# check_logins on real login records: utmp/wtmp/btmp files written by the
# test with glibc's utmpx API (updwtmpx) from a small C helper, counted
# against who(1), last(1) and lastb(1) reading the same files.
use strict;
use warnings;
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use POSIX qw(_exit);
use Test::More;
use Mamori::Test;

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;   # the unprivileged case below must reach its files
my $state = "$dir/state";
my %env = (env => { MAMORI_STATE_DIR => $state, TZ => 'UTC' });

# The writer: one record per stdin line "TYPE USER LINE HOST ADDR PID SEC"
# ("-" for an empty field), appended with updwtmpx(3).
my $writer = "$dir/utmpw";
open my $c, '>', "$writer.c" or die;
print $c <<'C';
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utmp.h>
#include <utmpx.h>

static const struct { const char *name; int type; } types[] = {
	{ "EMPTY", EMPTY }, { "RUN_LVL", RUN_LVL }, { "BOOT_TIME", BOOT_TIME }, { "NEW_TIME", NEW_TIME },
	{ "OLD_TIME", OLD_TIME }, { "INIT_PROCESS", INIT_PROCESS }, { "LOGIN_PROCESS", LOGIN_PROCESS },
	{ "USER_PROCESS", USER_PROCESS }, { "DEAD_PROCESS", DEAD_PROCESS },
};

static void field(char *dst, size_t size, const char *src)
{
	if (strcmp(src, "-") != 0)
		memcpy(dst, src, strlen(src) < size ? strlen(src) : size);
}

int main(int argc, char **argv)
{
	char t[64], user[64], line[64], host[300], addr[80];
	long pid;
	long long sec;
	if (argc == 2 && strcmp(argv[1], "--size") == 0) {
		printf("%zu %zu\n", sizeof(struct utmp), sizeof(struct utmpx));
		return 0;
	}
	if (argc != 2)
		return 2;
	while (scanf("%63s %63s %63s %299s %79s %ld %lld", t, user, line, host, addr, &pid, &sec) == 7) {
		struct utmpx u;
		memset(&u, 0, sizeof u);
		u.ut_type = (short)atoi(t);
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcmp(t, types[i].name) == 0)
				u.ut_type = (short)types[i].type;
		u.ut_pid = (pid_t)pid;
		field(u.ut_user, sizeof u.ut_user, user);
		field(u.ut_line, sizeof u.ut_line, line);
		field(u.ut_host, sizeof u.ut_host, host);
		size_t len = strnlen(u.ut_line, sizeof u.ut_line), n = len < 4 ? len : 4;
		memcpy(u.ut_id, u.ut_line + len - n, n);
		u.ut_tv.tv_sec = (int32_t)sec;
		if (strcmp(addr, "-") != 0 && inet_pton(AF_INET, addr, &u.ut_addr_v6[0]) != 1 &&
		    inet_pton(AF_INET6, addr, u.ut_addr_v6) != 1) {
			fprintf(stderr, "bad address %s\n", addr);
			return 3;
		}
		updwtmpx(argv[1], &u);
	}
	return ferror(stdin) || !feof(stdin) ? 4 : 0;
}
C
close $c;
system('cc', '-Wall', '-o', $writer, "$writer.c") == 0 or BAIL_OUT('cannot compile the utmpx writer with cc');
my ($size, $xsize) = split ' ', `$writer --size`;
$size == 384 && $xsize == 384
    or BAIL_OUT("struct utmp is $size bytes (utmpx $xsize), not glibc x86_64's 384: the record layout these tests assume");
for my $t (qw(last lastb who)) {
    -x "/usr/bin/$t" or BAIL_OUT("/usr/bin/$t (util-linux, coreutils) is needed for the ground truth");
}

my $t0 = 1_700_000_000;
my $seq = 0;
# Append records; each is [type, user, line, host, addr, pid] and gets the next second.
sub add {
    my ($file, @recs) = @_;
    open my $touch, '>>', $file or die "$file: $!";   # updwtmpx does not create the file
    close $touch;
    open my $w, '|-', $writer, $file or die;
    for my $r (@recs) {
        my @f = map { defined && length ? $_ : '-' } @$r[0 .. 4];
        print $w join(' ', @f, $r->[5] // 0, $t0 + 60 * $seq++), "\n";
    }
    close $w or die "utmpw failed for $file: $?";
}
sub login { my ($u, $tty, $addr, $host, $pid) = @_; [ 'USER_PROCESS', $u, $tty, $host // $addr, $addr, $pid // 4242 ] }
sub logout { [ 'DEAD_PROCESS', undef, $_[0], undef, undef, 4242 ] }
sub failed { my ($u, $addr) = @_; [ 'LOGIN_PROCESS', $u, 'ssh:notty', $addr, $addr, 4243 ] }

# Ground truth: sessions last(1) lists (not its "reboot" lines), records lastb lists.
sub last_count {
    my ($file, @user) = @_;
    my $out = `last -w -f '$file' @user 2>&1`;
    $? == 0 or die "last -f $file: $out";
    return scalar grep { !/^(reboot |\s*$)/ && !/ begins / } split /\n/, $out;
}
sub lastb_count {
    my ($file) = @_;
    my $out = `lastb -w -f '$file' 2>&1`;
    $? == 0 or die "lastb -f $file: $out";
    return scalar grep { !/^\s*$/ && !/ begins / } split /\n/, $out;
}
# run(args..., [{ env overrides }])
sub run {
    my @args = @_;
    my %e = (%{ $env{env} }, ref $args[-1] eq 'HASH' ? %{ pop(@args)->{env} } : ());
    my $r = plugin_run('check_logins', @args, { env => \%e });
    check_plugin_output($r, "check_logins @args");
    return $r;
}
sub perf { $_[0]{p}{perf}{ $_[1] }{value} }

# A pid that existed and is gone now.
my $dead = fork // die;
_exit(0) if !$dead;
waitpid($dead, 0);
ok(!kill(0, $dead), "pid $dead is gone");

# --- users now: USER_PROCESS entries of live processes, as check_users counts
my $utmp = "$dir/utmp";
add($utmp, [ 'BOOT_TIME', 'reboot', '~', '6.1.0', undef, 0 ],
    [ 'LOGIN_PROCESS', 'LOGIN', 'tty1', undef, undef, $$ ],
    [ 'USER_PROCESS', 'alice', 'pts/0', '192.0.2.1', '192.0.2.1', $$ ],
    [ 'USER_PROCESS', 'bob', 'pts/1', '2001:db8::7', '2001:db8::7', $$ ],
    [ 'USER_PROCESS', 'ghost', 'pts/2', undef, undef, $dead ],
    [ 'DEAD_PROCESS', undef, 'pts/3', undef, undef, $$ ]);
my @who = grep { /\S/ } split /\n/, `who '$utmp'`;
is(scalar @who, 3, 'who(1) lists the 3 USER_PROCESS entries');
my $r = run('--utmp', $utmp);
is($r->{exit}, 0, 'users: OK without thresholds');
is($r->{p}{summary}, '2 users currently logged in', "check_users' summary (who's 3 minus the dead pid)");
is_deeply($r->{p}{perf_order}, ['users'], 'only the users perfdata, as check_users');
is($r->{p}{perf}{users}{min}, 0, 'users min 0');
like($r->{out}, qr/^  alice pts\/0 192\.0\.2\.1 2023-11-14 22:\d\d:\d\d$/m, 'alice listed with her address');
like($r->{out}, qr/^  bob pts\/1 2001:db8::7 /m, 'bob listed with his IPv6 address');
unlike($r->{out}, qr/ghost/, 'the session of a dead process is not listed');
is(run('--utmp', $utmp, '-w', 2, '-c', 3)->{exit}, 0, '2 users, -w 2: OK (inclusive)');
$r = run('--utmp', $utmp, '-w', 1, '-c', 3);
is($r->{exit}, 1, '2 users, -w 1: WARNING');
is($r->{p}{perf}{users}{warn}, 1, 'warn in perfdata');
is(run('--utmp', $utmp, '-w', 0, '-c', 1)->{exit}, 2, '2 users, -c 1: CRITICAL');
ok(!-e $state, 'users only: no state written');
is(perf(run('--utmp', $utmp, '-u', 'alice', '--wtmp', $utmp), 'users'), 1, '-u alice: 1 session now');

# --- logins since the last run (wtmp)
my $wtmp = "$dir/wtmp";
add($wtmp, [ 'BOOT_TIME', 'reboot', '~', '6.1.0', undef, 0 ], login('alice', 'pts/0', '192.0.2.1'), logout('pts/0'));
$r = run('--wtmp', $wtmp);
is(perf($r, 'logins'), 0, 'first run: nothing counted');
like($r->{p}{summary}, qr/first run: counting from now/, 'first run said');
ok(-f "$state/check_logins.all", 'state written');
my $before = last_count($wtmp);
add($wtmp, login('bob', 'pts/1', '2001:db8::7'), login('carol', 'tty1'), logout('tty1'),
    [ 'BOOT_TIME', 'reboot', '~', '6.1.0', undef, 0 ], login('alice', 'pts/0', '198.51.100.20', 'gw.example.net'));
my $new = last_count($wtmp) - $before;
is($new, 3, 'last(1) shows 3 more sessions');
$r = run('--wtmp', $wtmp, '--logins-warning', 2, '--logins-critical', 5);
is(perf($r, 'logins'), $new, "new logins = last(1)'s difference ($new)");
is($r->{exit}, 1, '3 new logins above --logins-warning 2: WARNING');
like($r->{p}{summary}, qr/^0 users currently logged in, 3 new logins$/, 'summary');
like($r->{out}, qr/^Logins since the last run:\n  bob pts\/1 2001:db8::7 .*\n  carol tty1 local .*\n  alice pts\/0 gw\.example\.net \[198\.51\.100\.20\] /m,
     'long output: user, tty, source, time in order');
is(perf(run('--wtmp', $wtmp), 'logins'), 0, 'nothing new: 0');

# the whole file from the start, on a fresh state
$r = run('--wtmp', $wtmp, '--from-start', { env => { MAMORI_STATE_DIR => "$dir/state2", TZ => 'UTC' } });
is(perf($r, 'logins'), last_count($wtmp), '--from-start: every session last(1) lists');

# --- foreign sources, IPv4 and IPv6, with --allow
my $ftmp = "$dir/wtmp.foreign";
add($ftmp, login('a1', 'pts/0', '192.0.2.10'), login('a2', 'pts/1', '198.51.100.7'),
    login('a3', 'pts/2', '2001:db8:0:1::5'), login('a4', 'pts/3', '2001:db9::1'), login('a5', 'tty1'),
    login('a6', 'pts/4', '203.0.113.5', 'host.example.org'), login('a7', ':0', undef, ':0'),
    # an IPv6 address whose low 96 bits are zero: ut_addr_v6 alone reads as 32.1.13.184
    login('a8', 'pts/5', '2001:db8::'), login('a9', 'pts/6', '::ffff:198.51.100.9'));
my @allow = ('--allow', '192.0.2.0/24', '--allow', '2001:db8::/32');
$r = run('--wtmp', $ftmp, '--from-start', @allow, '--foreign-critical', 0, { env => { MAMORI_STATE_DIR => "$dir/s3", TZ => 'UTC' } });
is(perf($r, 'logins'), 9, '9 logins');
is(perf($r, 'foreign'), 4, 'foreign: 198.51.100.7, 2001:db9::1, 203.0.113.5, mapped 198.51.100.9');
is($r->{exit}, 2, '--foreign-critical 0: CRITICAL');
like($r->{p}{summary}, qr/, 9 new logins \(4 foreign, latest a9 from ::ffff:198\.51\.100\.9 \[198\.51\.100\.9\]\)$/,
     'the summary names the latest foreign login');
my ($flist) = $r->{out} =~ /^Foreign logins since the last run:\n((?:  .*\n?)*)/m;
is(join(',', map { (split)[0] } split /\n/, $flist // ''), 'a2,a4,a6,a9', 'the foreign ones listed');
like($flist // '', qr/a9 pts\/6 ::ffff:198\.51\.100\.9 \[198\.51\.100\.9\] /, 'a v4-mapped address judged as IPv4');
$r = run('--wtmp', $ftmp, '--from-start', '--allow', '0.0.0.0/0', '--allow', '::/0', { env => { MAMORI_STATE_DIR => "$dir/s4" } });
is(perf($r, 'foreign'), 0, 'everything allowed: 0 foreign');
$r = run('--wtmp', $ftmp, '--from-start', '--allow', '198.51.100.7', { env => { MAMORI_STATE_DIR => "$dir/s5" } });
is(perf($r, 'foreign'), 6, 'one allowed address: the other 6 remote logins are foreign (local a5, a7 never)');

# --- failed logins (btmp)
my $btmp = "$dir/btmp";
add($btmp, failed('root', '203.0.113.50'));
is(perf(run('--btmp', $btmp), 'failed'), 0, 'btmp first run: 0');
my $bbefore = lastb_count($btmp);
add($btmp, failed('root', '203.0.113.50'), failed('admin', '2001:db8::bad'), failed('oracle', '203.0.113.51'),
    failed('root', '203.0.113.52'));
$r = run('--btmp', $btmp, '--failed-warning', 3, '--failed-critical', 10);
is(perf($r, 'failed'), lastb_count($btmp) - $bbefore, 'failed = the records lastb(1) adds (4)');
is(perf($r, 'failed'), 4, '4 failed');
is($r->{exit}, 1, '--failed-warning 3: WARNING');
like($r->{out}, qr/^Failed logins since the last run:\n  root ssh:notty 203\.0\.113\.50 .*\n  admin ssh:notty 2001:db8::bad /m, 'failed listed');
ok(!exists $r->{p}{perf}{logins}, 'only --btmp: no wtmp reading');

# -a: both files, one state; -n caps each list
$r = run('-a', '--wtmp', $wtmp, '--btmp', $btmp, '-n', 2);
is_deeply($r->{p}{perf_order}, [qw(users logins failed)], '-a: users logins failed');
add($btmp, map { failed("u$_", "203.0.113.$_") } 1 .. 5);
$r = run('-a', '--wtmp', $wtmp, '--btmp', $btmp, '-n', 2);
is(perf($r, 'failed'), 5, '5 more failed');
like($r->{out}, qr/^Failed logins since the last run \(last 2 of 5\):\n  u4 .*\n  u5 [^\n]*\n\z/m, '-n 2: the last 2 of 5');

# --- -u: one user's new logins and history, as last USER
my $utw = "$dir/wtmp.user";
add($utw, [ 'BOOT_TIME', 'reboot', '~', '6.1.0', undef, 0 ],
    login('alice', 'pts/0', '192.0.2.1'), login('bob', 'pts/1', '192.0.2.2'), logout('pts/0'),
    login('alice', 'pts/2', '192.0.2.3'), [ 'BOOT_TIME', 'reboot', '~', '6.1.0', undef, 0 ],
    login('alice', 'pts/0', '192.0.2.4', undef, $$), logout('pts/1'), login('alice', 'pts/1', '192.0.2.5'), logout('pts/1'),
    login('alice', 'pts/7', '192.0.2.7', undef, $dead));
$r = run('--wtmp', $utw, '-u', 'alice', '--from-start', '-n', 50);
is(perf($r, 'logins'), last_count($utw, 'alice'), "alice's logins = last alice (5)");
my ($hist) = $r->{out} =~ /^Login history:\n((?:  .*\n?)*)/m;
my @h = split /\n/, $hist // '';
is(scalar @h, last_count($utw, 'alice'), 'history: as many sessions as last alice');
like($h[0], qr/^  alice pts\/0 192\.0\.2\.1 \S+ \S+ - \d{4}-\d\d-\d\d \S+$/, 'first session ended by its logout');
like($h[1], qr/ - crash \S+ \S+$/, 'a session open at a reboot: crash');
like($h[2], qr/ - still logged in$/, 'no logout since, process alive: still logged in');
like($h[3], qr/^  alice pts\/1 .* - \d{4}-/, 'logged out');
like($h[4], qr/^  alice pts\/7 .* - gone - no logout$/, 'no logout, process gone: as last says');
# the same sessions, starts and ends, as last --time-format iso pairs them
my @last = reverse grep { /^alice / } split /\n/, `TZ=UTC last -w --time-format iso -f '$utw' alice`;
is(scalar @last, 5, 'last lists 5 sessions of alice');
for my $i (0 .. $#last) {
    my ($start, $end) = $last[$i] =~ /^alice\s+\S+\s+\S+\s+(\S+)\+00:00\s+(- \S+|gone - no logout|still logged in)/
        or do { fail("last line $last[$i]"); next };
    $start =~ s/T/ /;
    $end =~ s/^- (\S+)T(\S+)\+00:00$/- $1 $2/;
    my ($ours_start, $ours_end) = ($h[$i] // '') =~ /^  alice \S+ \S+ (\S+ \S+) (- .*)$/;
    is($ours_start, $start, "session $i starts as last says");
    next if $i == 2;   # alive here, but older than this boot: last calls it gone
    $ours_end =~ s/^- crash .*/- crash/ if defined $ours_end;
    $ours_end = 'gone - no logout' if ($ours_end // '') eq '- gone - no logout';
    is($ours_end, $end, "session $i ends as last says ($end)");
}
unlike($r->{out}, qr/\bbob\b/, 'no other user');
is(run('--wtmp', $utw, '-u', 'bob', '--from-start', { env => { MAMORI_STATE_DIR => "$dir/s6" } })->{p}{perf}{logins}{value},
   last_count($utw, 'bob'), 'bob: as last bob');
add($utw, login('alice', 'pts/9', '192.0.2.9'), login('bob', 'pts/8', '192.0.2.8'));
is(perf(run('--wtmp', $utw, '-u', 'alice'), 'logins'), 1, "-u alice's own state: 1 new");
is(perf(run('--wtmp', $utw), 'logins'), 0, 'the all-users state of this file starts now (first run)');

# --- rotation: rename and a new file; the old file's unread tail counts
my $rot = "$dir/wtmp.rot";
add($rot, login('r1', 'pts/0', '192.0.2.1'));
run('--wtmp', $rot);
add($rot, login('r2', 'pts/0', '192.0.2.1'), login('r3', 'pts/0', '192.0.2.1'));   # after the run, before rotation
rename $rot, "$rot.1" or die;
add($rot, login('r4', 'pts/0', '192.0.2.1'));
$r = run('--wtmp', $rot, '-v');
is(perf($r, 'logins'), 3, 'rename rotation: 2 from the old tail + 1 in the new file');
like($r->{out}, qr/rotated, tail of the rotated \.1 file read/, '-v says so');
like($r->{out}, qr/^  r2 .*\n  r3 .*\n  r4 /m, 'in order');
is(perf(run('--wtmp', $rot), 'logins'), 0, 'then nothing new');
# rotated when the state was taken on an empty file
my $rot0 = "$dir/wtmp.rot0";
add($rot0);
run('--wtmp', $rot0);
add($rot0, login('e1', 'pts/0', '192.0.2.1'));
rename $rot0, "$rot0.1" or die;
add($rot0, login('e2', 'pts/0', '192.0.2.1'));
is(perf(run('--wtmp', $rot0), 'logins'), 2, 'rotation after a run on an empty file: the old file counts from its start');
# copytruncate: same inode, smaller
add($rot, login('r5', 'pts/0', '192.0.2.1'), login('r6', 'pts/0', '192.0.2.1'));
run('--wtmp', $rot);
truncate($rot, 0) or die;
add($rot, login('r7', 'pts/0', '192.0.2.1'));
$r = run('--wtmp', $rot, '-v');
is(perf($r, 'logins'), 1, 'truncated in place: the 1 new record');
like($r->{out}, qr/, rotated/, '-v says rotated');
# replaced by another file of the same inode and a larger size: the first record differs
add($rot, login('r8', 'pts/0', '192.0.2.1'));
run('--wtmp', $rot);
open my $fh, '+<', $rot or die;
truncate($fh, 0);
close $fh;
add($rot, map { login("n$_", 'pts/1', '192.0.2.2') } 1 .. 4);
is(perf(run('--wtmp', $rot), 'logins'), 4, 'rewritten in place, larger: all 4 records are new');

# --- garbage: invalid ut_type records skipped, a truncated record ignored
my $gar = "$dir/wtmp.garbage";
add($gar, login('g1', 'pts/0', '192.0.2.1'), [ 4242, 'junk1', 'pts/1', 'x', '192.0.2.66', 1 ],
    login('g2', 'pts/0', '192.0.2.1'), [ -1, 'junk2', 'pts/1', 'x', '192.0.2.66', 1 ],
    login('x' x 32, 'p' x 32, '2001:db8::1', 'h' x 256));   # full-width fields, no NUL
open $fh, '>>', $gar or die;
print $fh "\x07" x 100;
close $fh;
is(-s $gar, 5 * 384 + 100, 'the garbage file: 5 records and 100 bytes');
$r = run('--wtmp', $gar, '--from-start', '-v', '-n', 50);
is(perf($r, 'logins'), 3, 'the 3 valid logins counted');
like($r->{out}, qr/2 records with an invalid ut_type skipped/, '-v: bad records');
like($r->{out}, qr/a truncated last record \(100 bytes\) ignored/, '-v: truncated record');
like($r->{out}, qr/^  x{32} p{32} h{256} \[2001:db8::1\] /m, 'fixed-size fields without NUL end at their size');
unlike($r->{out}, qr/junk/, 'no junk listed');
add($gar, login('g3', 'pts/0', '192.0.2.1'));   # glibc cuts the partial record first
is(perf(run('--wtmp', $gar), 'logins'), 1, 'after the partial record: the next one counts');
# a whole file of noise
open $fh, '>', "$dir/noise" or die;
print $fh pack('s', 1000 + $_) . ("\xff" x 382) for 1 .. 10;
close $fh;
# (bad_files.t: a wrong file is not "0 logins")
$r = run('--wtmp', "$dir/noise", '--from-start', '-v');
is($r->{exit}, 3, 'noise: UNKNOWN');
like($r->{out}, qr/\Q$dir\E\/noise: not a utmp file \(all 10 records have an invalid type\)/, 'noise: the file and why');

# --- a corrupt state file starts over (and says first run)
open $fh, '>', "$state/check_logins.all" or die;
print $fh "garbage\n\0\xff" . "x" x 1000;
close $fh;
$r = run('--wtmp', $wtmp);
is(perf($r, 'logins'), 0, 'corrupt state: nothing counted');
like($r->{p}{summary}, qr/first run/, 'corrupt state: a first run');
add($wtmp, login('after', 'pts/0', '192.0.2.1'));
is(perf(run('--wtmp', $wtmp), 'logins'), 1, 'and counts again from there');

# --- unreadable files: UNKNOWN with the reason
for my $case ([ "$dir/missing", qr/cannot read \Q$dir\E\/missing: No such file or directory/ ],
              [ $dir, qr/cannot read \S+: Is a directory/ ], [ "/dev/null", qr/cannot read \/dev\/null: not a regular file/ ]) {
    for my $opt (qw(--utmp --wtmp --btmp)) {
        $r = run($opt, $case->[0]);
        is($r->{exit}, 3, "$opt $case->[0]: UNKNOWN");
        like($r->{out}, qr/^LOGINS UNKNOWN - $case->[1]\n\z/, "$opt $case->[0]: one line with the reason");
    }
}
SKIP: {
    skip 'needs root to drop to nobody', 4 if $> != 0;
    my $secret = "$dir/btmp.secret";
    copy($btmp, $secret) or die;
    chmod 0600, $secret;
    mkdir "$dir/nstate"; chown 65534, 65534, "$dir/nstate";
    my $u = run_prog([ 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', bin('check_logins'),
                       '--btmp', $secret ], env => { MAMORI_STATE_DIR => "$dir/nstate" });
    is($u->{exit}, 3, 'btmp not readable by the user: UNKNOWN');
    like($u->{out}, qr/^LOGINS UNKNOWN - cannot read \Q$secret\E: Permission denied\n\z/, 'with the reason');
    mkdir "$dir/rootstate", 0755;
    $u = run_prog([ 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', bin('check_logins'),
                    '--wtmp', $wtmp ], env => { MAMORI_STATE_DIR => "$dir/rootstate" });
    is($u->{exit}, 3, 'state dir not writable: UNKNOWN');
    like($u->{out}, qr/^LOGINS UNKNOWN - cannot open \S+\.lock: Permission denied\n\z/, 'with the reason');
}

# --- bad arguments
for my $bad ([ '-w', 'x' ], [ '--logins-warning', '5:1' ], [ '--failed-critical', '' ], [ '--allow', '300.1.1.1' ],
             [ '--allow', '10.0.0.0/33' ], [ '--allow', '::/129' ], [ '--allow', '192.0.2.0/' ], [ '--allow', 'host.example' ],
             [ '--allow', '10.0.0.0/8x' ], [ '--foreign-critical', '0' ], [ '--foreign-warning', '1', '--logins' ],
             [ '-n', '-1' ], [ '-n', 'x' ], [ '--lines', '1001' ], [ '-u', '' ], [ '-u', 'u' x 33 ],
             [ '--utmp', '' ], [ '--wtmp', '' ], [ '--btmp', '' ], [ '--all', 'x' ], [ '--from-start=yes' ]) {
    my $r = plugin_run('check_logins', @$bad, \%env);
    is($r->{exit}, 3, "@$bad: exit 3");
    like($r->{out}, qr/^LOGINS UNKNOWN - \S.{5,}\n\z/, "@$bad: one line with a reason") or diag($r->{out});
}
done_testing;
