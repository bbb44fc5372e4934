# check_mailq -M exim against spools a real exim 4.96 writes. exim4 cannot
# be installed beside postfix (both are the mail-transport-agent), so the
# test runs Debian's exim4 binary extracted from exim4-daemon-light (with
# libidn12) in a private mount namespace: /usr/sbin is a directory holding
# only exim4, /etc/passwd knows Debian-exim. exim queues messages (-odq),
# delivers some recipients to a file and defers the rest, freezes one (-Mf):
# the -H files are exim's own. Ground truth is exim itself: -bpc and -bp.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use File::Copy qw(copy);
use File::Temp qw(tempdir);

BAIL_OUT('check_mailq exim tests need root (mount namespaces, setpriv)') if $> != 0;
my $root = $ENV{MAMORI_EXIM_ROOT} // '/opt/mamori-test/exim4';
BAIL_OUT("$root/usr/sbin/exim4 is missing: tools/install-deps test extracts exim4-daemon-light and libidn12 there"
       . " (exim4 conflicts with postfix, so it is not installed)") unless -x "$root/usr/sbin/exim4";

my $t = tempdir(CLEANUP => 1);
chmod 0755, $t;
my $uid = 64990;
$uid-- while getpwuid($uid) || getgrgid($uid);
sub write_file { my ($f, $s) = @_; open my $o, '>', $f or die "$f: $!"; print $o $s; close $o or die }
sub slurp { my ($f) = @_; open my $i, '<:raw', $f or die "$f: $!"; local $/; <$i> }
write_file("$t/passwd", slurp('/etc/passwd') . "Debian-exim:x:${uid}:${uid}::/nonexistent:/usr/sbin/nologin\n");
write_file("$t/group", slurp('/etc/group') . "Debian-exim:x:${uid}:\n");
mkdir "$t/sbin";
write_file("$t/sbin/exim4", "#!/bin/sh\nLD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu exec $root/usr/sbin/exim4 \"\$@\"\n");
chmod 0755, "$t/sbin/exim4";

# a configuration that only queues, delivers y.example to a file and defers the rest
sub config {
    my ($name, $extra) = @_;
    my $spool = "$t/$name";
    mkdir $spool;
    mkdir "$t/log-$name";
    chown $uid, $uid, $spool, "$t/log-$name";
    chmod 0750, $spool;
    write_file("$t/$name.conf", <<"EOF");
spool_directory = $spool
log_file_path = $t/log-$name/%slog
keep_environment =
exim_user = Debian-exim
exim_group = Debian-exim
primary_hostname = test.example
qualify_domain = test.example
$extra
begin routers
deliver_y:
  driver = accept
  domains = y.example
  transport = to_file
hold_rest:
  driver = redirect
  allow_defer
  data = :defer: held by the test
begin transports
to_file:
  driver = appendfile
  file = $t/log-$name/mbox
  user = Debian-exim
begin retry
*  *  F,7d,1d
EOF
    return ("$t/$name.conf", $spool);
}
my ($conf, $spool) = config('spool', '');

# argv inside the namespace; binds: more [from, onto] pairs
sub ns {
    my ($binds, @argv) = @_;
    my @b = ([ "$t/passwd", '/etc/passwd' ], [ "$t/group", '/etc/group' ], [ "$t/sbin", '/usr/sbin' ], @$binds);
    return [ 'unshare', '-m', 'sh', '-c', join(' && ', map { "mount --bind '$_->[0]' '$_->[1]'" } @b) . ' && exec "$@"', 'sh', @argv ];
}
sub nsrun { my $r = run_prog(@_); $r->{p} = parse_plugin_output($r->{out}); $r }
sub mq { my @a = @_; nsrun(ns([], bin('check_mailq'), '-M', 'exim', '-d', $conf, @a)) }
sub exim { my ($c, @a) = @_; my $r = run_prog(ns([], '/usr/sbin/exim4', '-C', $c, @a)); $r->{exit} == 0 or die "exim @a: $r->{out}$r->{err}"; $r->{out} }

sub enqueue {
    my ($c, $n, $from, @to) = @_;
    for my $i (1 .. $n) {
        my $pid = open my $in, '|-';
        die "fork: $!" unless defined $pid;
        if (!$pid) { my $a = ns([], '/usr/sbin/exim4', '-C', $c, '-odq', '-f', $from, @to); exec @$a; die "exec: $!" }
        print $in "Subject: test $i\n\nline 1\n" . ('x' x 300) . "\n";
        close $in or die "exim -odq: $?";
    }
}

# exim -bp: total, frozen, senders and the domains still to deliver (once a message)
sub truth {
    my ($c) = @_;
    my %t = (total => 0, frozen => 0, senders => {}, domains => {});
    my %seen;
    for (split /\n/, exim($c, '-bp')) {
        if (/^\s*\S+\s+\S+\s+(\S+) <(.*?)>( \*\*\* frozen \*\*\*)?$/) {
            $t{total}++;
            $t{frozen}++ if $3;
            $t{senders}{ $2 eq '' ? '<>' : $2 }++;
            %seen = ();
        } elsif (/^\s+(D\s+)?(\S+\@(\S+))$/ && !$1) {
            $t{domains}{ lc $3 }++ unless $seen{ lc $3 }++;
        }
    }
    my $bpc = exim($c, '-bpc');
    $bpc =~ /^(\d+)$/ && $1 == $t{total} or die "exim -bpc $bpc != -bp $t{total}";
    return \%t;
}
sub top_of {
    my ($out, $what) = @_;
    my ($block) = $out =~ /^top \Q$what\E:\n((?:\s+\d+\s+\S+\n?)*)/m or return {};
    return { map { /^\s+(\d+)\s+(\S+)$/ ? ($2 => $1) : () } split /\n/, $block };
}

# no input/ yet: exim creates it with the first message
my $r = mq();
check_plugin_output($r, 'empty');
is($r->{exit}, 0, 'empty spool: OK');
like($r->{p}{summary}, qr/^exim mailq is empty$/, 'says empty');
is($r->{p}{perf}{$_}{value}, 0, "$_=0") for qw(unsent total waiting frozen);
like($r->{out}, qr/^no \Q$spool\E\/input directory/m, 'says input/ does not exist yet');
like($r->{out}, qr/^method: counted in \Q$spool\E\/input \(as root\)$/m, 'the spool exim -bP names');

# 3 from alice, 2 from bob, 1 bounce; y.example is delivered, the rest deferred
enqueue($conf, 3, 'alice@x.example', 'u1@y.example', 'u2@W.example');
enqueue($conf, 2, 'bob@z.example', 'u3@w.example', 'u4@v.example');
enqueue($conf, 1, '<>', 'u5@y.example', 'u6@v.example');
exim($conf, '-qf');
my @ids = map { m{/([^/]+)-H$} } glob("$spool/input/*-H");
is(scalar @ids, 6, '6 messages in the spool after the queue run');
exim($conf, '-Mf', $ids[0]);
my $truth = truth($conf);
is($truth->{frozen}, 1, 'exim -bp: one frozen');
$r = mq(qw(--top 10));
check_plugin_output($r, 'six messages');
is($r->{p}{perf}{total}{value}, $truth->{total}, 'total = exim -bpc');
is($r->{p}{perf}{frozen}{value}, 1, 'frozen = 1 (the -frozen line)');
is($r->{p}{perf}{waiting}{value}, 5, 'waiting = 5');
like($r->{p}{summary}, qr/^exim mailq is 6: 5 waiting, 1 frozen; oldest \d+s$/, 'summary');
ok($r->{p}{perf}{oldest}{value} >= 0 && $r->{p}{perf}{oldest}{value} < 120, 'oldest: just now');
is_deeply(top_of($r->{out}, 'senders'), $truth->{senders}, 'top senders = exim -bp');
is_deeply(top_of($r->{out}, 'recipient domains'), $truth->{domains}, 'top domains = exim -bp (delivered y.example left out)')
    or diag($r->{out});
ok(!exists top_of($r->{out}, 'recipient domains')->{'y.example'}, 'no y.example: delivered, in the non-recipients tree');
like($r->{out}, qr/^top senders:\n\s+3\s+alice\@x\.example\n\s+2\s+bob\@z\.example$/m, 'top 2 senders in order')
    or diag($r->{out});
unlike($r->{out}, qr/unreadable/, 'every -H file parsed');

# thresholds: "N" alerts above N
for my $c ([ [qw(-w 6 -c 7)], 0 ], [ [qw(-w 5 -c 7)], 1 ], [ [qw(-w 4 -c 5)], 2 ], [ [qw(-w @0:0)], 0 ]) {
    my $r = mq(@{ $c->[0] });
    check_plugin_output($r, "@{ $c->[0] }");
    is($r->{exit}, $c->[1], "@{ $c->[0] }: exit $c->[1]");
}
like(mq(qw(-w 5 -c 7))->{p}{summary}, qr/^exim mailq is 6 \(threshold w = 5\)/, 'names its threshold');

# the age is the received time (line 4), not the file's: a copy of a message
# under a new id, received two hours ago; exim's own listing agrees
my $h = slurp("$spool/input/$ids[1]-H");
my $old = '1zzzzz-000001-00';
(my $oh = $h) =~ s/^\Q$ids[1]\E-H\n/$old-H\n/ or die;
$oh =~ s/^(<[^\n]*>\n)\d+ /$1 . (time - 7200) . ' '/me or die;
write_file("$spool/input/$old-H", $oh);
(my $od = slurp("$spool/input/$ids[1]-D")) =~ s/^\Q$ids[1]\E-D/$old-D/ or die;
write_file("$spool/input/$old-D", $od);
chown $uid, $uid, "$spool/input/$old-H", "$spool/input/$old-D";
like(exim($conf, '-bp'), qr/^\s*2h\s+\S+\s+\Q$old\E /m, 'exim -bp: the copy is 2h old');
$r = mq();
is($r->{p}{perf}{total}{value}, 7, 'the copy counted');
ok(abs($r->{p}{perf}{oldest}{value} - 7200) <= 5, 'oldest: 2h, from the received time line') or diag($r->{out});
like($r->{p}{summary}, qr/; oldest 2h 0m$/, 'summary: oldest 2h 0m');
unlink "$spool/input/$old-H", "$spool/input/$old-D";

# bad -H files: cut at every 4th byte, garbage, a FIFO: counted, named, no crash
my ($aid) = grep { slurp("$spool/input/$_-H") =~ /^<alice\@x\.example>$/m } @ids;
my $src = slurp("$spool/input/$aid-H");
my @cuts = grep { $_ % 4 == 0 } 0 .. length($src) - 1;
for my $len (@cuts) {
    my $id = sprintf('1zzzzz-%06d-00', $len);
    (my $c = $src) =~ s/^\Q$aid\E-H/$id-H/ or die;
    write_file("$spool/input/$id-H", substr($c, 0, $len));
}
write_file("$spool/input/1zzzzy-000001-00-H", join('', map { chr int rand 256 } 1 .. 2000));
system('mkfifo', "$spool/input/1zzzzy-000002-00-H") == 0 or die 'mkfifo';
# a cut where a header starts leaves a shorter, valid file (exim reads it too)
my %valid;
{
    my $p = index($src, "\n\n") + 2;
    $valid{$p} = 1;
    while ($p < length $src) {
        substr($src, $p) =~ /^(\d+). / or die "header at $p";
        $p += length($&) + $1;
        $valid{$p} = 1;
    }
}
my $bad = 2 + grep { !$valid{$_} } @cuts;
$r = mq(qw(--top 3));
check_plugin_output($r, 'bad files');
is($r->{exit}, 0, 'bad -H files: an answer, not a crash');
is($r->{p}{perf}{total}{value}, 6 + @cuts + 2, 'every bad file counted');
like($r->{out}, qr/^$bad queue files unreadable/m, 'every bad file unreadable (but cuts at a header boundary)');
like($r->{out}, qr/^(?:1zzzz[yz]-\d{6}-00-H: \S.*\n){5}\.\.\. and ${\ ($bad - 5)} more$/m, 'the first 5 named with a reason, the rest summed up')
    or diag($r->{out});
like($r->{out}, qr/^\s+${\ (3 + grep { $valid{$_} } @cuts)}\s+alice\@x\.example$/m, 'top senders: the good files (and the valid cuts)');
# one cut in each part of the file: the reason says which part
unlink glob("$spool/input/1zzzz*-H");
my $nl = sub { my ($re) = @_; $src =~ $re or die "no $re in $src"; $+[0] };
for my $c ([ $nl->(qr/^-ident /m), qr/truncated in the variables/ ],
           [ $nl->(qr/^\d+\n\S+\@/m) + 2, qr/truncated in the recipients/ ],
           [ length($src) - 5, qr/truncated in the headers/ ],
           [ $nl->(qr/^<[^\n]*>\n/m) + 3, qr/bad received time line|truncated in the envelope/ ]) {
    my $id = sprintf('1zzzzz-%06d-00', $c->[0]);
    (my $cut = $src) =~ s/^\Q$aid\E-H/$id-H/;
    write_file("$spool/input/$id-H", substr($cut, 0, $c->[0]));
    like(mq()->{out}, qr/^\Q$id\E-H: $c->[1]/m, "cut at $c->[0]: $c->[1]");
    unlink "$spool/input/$id-H";
}
unlink glob("$spool/input/1zzzz*-H");
$r = mq();
is($r->{p}{perf}{total}{value}, 6, 'clean again');

# fuzz_exim_spool (regression): a recipient's "LEN,N#flags" suffix with a
# LEN near LONG_MAX made the bounds check overflow (UBSan in CI's build)
{
    my $id = '1zzzzx-000001-00';
    (my $c = $src) =~ s/^\Q$aid\E-H/$id-H/ or die;
    $c =~ s/^(\d+\n\S+\@\S+)$/$1 9223372036854775807,0#1/m or die 'no recipient line';
    write_file("$spool/input/$id-H", $c);
    $r = mq(qw(--top 3));
    check_plugin_output($r, 'huge LEN in a recipient line');
    is($r->{p}{perf}{total}{value}, 7, 'counted');
    unlink "$spool/input/$id-H";
}

# split_spool_directory: input/X/ subdirectories, as exim writes them
my ($conf2, $spool2) = config('split', 'split_spool_directory = true');
enqueue($conf2, 4, 'carol@x.example', 'u7@w.example');
my @subs = grep { -d } glob("$spool2/input/?");
ok(@subs >= 1, 'exim wrote into input/X/ (' . scalar(@subs) . ' subdirectories)');
$r = nsrun(ns([], bin('check_mailq'), '-M', 'exim', '-d', $conf2, '--top', '1'));
check_plugin_output($r, 'split spool');
is($r->{p}{perf}{total}{value}, truth($conf2)->{total}, 'split spool: total = exim -bpc');
is($r->{p}{perf}{total}{value}, 4, 'split spool: 4');
like($r->{out}, qr/^\s+4\s+carol\@x\.example$/m, 'split spool: --top read the subdirectories');

# unprivileged: the spool is 0750 Debian-exim; exim -bpc is the fallback,
# which exim refuses a non-admin user: UNKNOWN with both reasons
my @nobody = ('setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups');
$r = nsrun(ns([], @nobody, bin('check_mailq'), '-M', 'exim', '-d', $conf));
check_plugin_output($r, 'as nobody');
is($r->{exit}, 3, 'nobody: UNKNOWN');
like($r->{out}, qr/^MAILQ UNKNOWN - cannot read the queue: exim -bpc \(\Q$spool\E\/input: Permission denied\); \/usr\/sbin\/exim4 -bpc failed \(exit 1\): exim: permission denied$/m,
     'tried exim -bpc, says why both failed') or diag($r->{out});

# CAP_DAC_READ_SEARCH: direct count, but only of a spool a root-controlled
# configuration names
my $capdir = tempdir(CLEANUP => 1);
chmod 0755, $capdir;
copy(bin('check_mailq'), "$capdir/check_mailq") or die;
chmod 0755, "$capdir/check_mailq";
run_prog(['setcap', 'cap_dac_read_search+ep', "$capdir/check_mailq"])->{exit} == 0 or BAIL_OUT('setcap failed');
$r = nsrun(ns([], @nobody, "$capdir/check_mailq", '-M', 'exim', '-d', $conf, '--top', '2'));
check_plugin_output($r, 'capability');
like($r->{out}, qr/^method: counted in \Q$spool\E\/input \(CAP_DAC_READ_SEARCH\)$/m, 'capability: direct count') or diag($r->{out});
is($r->{p}{perf}{total}{value}, 6, 'capability: 6');
is($r->{p}{perf}{frozen}{value}, 1, 'capability: 1 frozen');
my $mine = "$capdir/mine.conf";
copy($conf, $mine) or die;
chown scalar(getpwnam('nobody')), -1, $mine;
$r = nsrun(ns([], @nobody, "$capdir/check_mailq", '-M', 'exim', '-d', $mine));
is($r->{exit}, 3, "a configuration the caller owns: privilege dropped");
like($r->{out}, qr/Permission denied/, 'the spool was not read with privilege') or diag($r->{out});

# no exim binary and no -d: the default spools; here none
mkdir "$t/empty";
$r = nsrun(ns([ [ "$t/empty", '/usr/sbin' ] ], bin('check_mailq'), '-M', 'exim'));
is($r->{exit}, 3, 'no exim, no spool: UNKNOWN');
like($r->{out}, qr{^MAILQ UNKNOWN - no exim spool: no /usr/sbin/exim4 or /usr/sbin/exim; no /var/spool/exim4 or /var/spool/exim$}m, 'says what it looked for');

# detection (runbook 000): the mta alternative, then what is installed
# (/usr/sbin/exim4: here the namespace's /usr/sbin holds only exim4, so no
# postconf); with exim's default configuration absent, the Debian default
# spool /var/spool/exim4 (a copy of the test's, bound over /var/spool)
my $var = "$t/varspool";
mkdir $var;
system('cp', '-a', $spool, "$var/exim4") == 0 or die 'cp';
my $alt = "$t/alt";
mkdir $alt;
symlink '/usr/sbin/sendmail.exim', "$alt/mta" or die;
for my $c ([ [ [ $alt, '/etc/alternatives' ] ], 'the mta alternative' ], [ [], 'what is installed' ]) {
    my $r = nsrun(ns([ @{ $c->[0] }, [ $var, '/var/spool' ] ], bin('check_mailq'), '--top', '1'));
    check_plugin_output($r, "detection: $c->[1]");
    like($r->{out}, qr/^MTA: exim \(from \Q$c->[1]\E\)$/m, "exim from $c->[1]") or diag($r->{out});
    like($r->{out}, qr{^method: counted in /var/spool/exim4/input \(the default: /usr/sbin/exim4 -bP spool_directory failed}m,
         'exim -bP without a configuration: the Debian default spool');
    is($r->{p}{perf}{total}{value}, 6, 'and counted it');
}
# -M forces: postfix here, though exim is "installed"
$r = nsrun(ns([ [ $var, '/var/spool' ] ], bin('check_mailq'), '-M', 'postfix'));
like($r->{out}, qr/postconf/, '-M postfix: postfix, not the detected exim');
done_testing;
