# check_mailq against a real private postfix whose queue the test fills:
# deferred and held messages from several senders, a truncated and a
# garbage queue file, and the unprivileged fallback through postqueue -j.
# Ground truth: postqueue -p (what mailq prints) and the queue files.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::Server::Postfix;
use File::Copy qw(copy);
use File::Temp qw(tempdir);

BAIL_OUT('check_mailq tests need root (a private postfix, setpriv)') if $> != 0;
my $s = Mamori::Server::Postfix->new->start;
my $etc = $s->config_dir;
my $qdir = $s->queue_dir;

sub mq { my $o = ref $_[-1] eq 'HASH' ? pop : {}; plugin_run('check_mailq', '-d', $etc, @_, $o) }

# mailq's own count: "-- N Kbytes in M Requests." or "Mail queue is empty"
sub truth {
    my $out = run_prog(['/usr/sbin/postqueue', '-c', $etc, '-p'])->{out};
    return 0 if $out =~ /Mail queue is empty/;
    $out =~ /in (\d+) Requests?\./ or die "postqueue -p: $out";
    return $1;
}

# empty queue
my $r = mq();
check_plugin_output($r, 'empty');
is($r->{exit}, 0, 'empty queue: OK');
like($r->{p}{summary}, qr/^postfix mailq is empty$/, 'says empty');
is($r->{p}{perf}{unsent}{value}, 0, 'unsent=0');
is($r->{p}{perf}{unsent}{warn}, '200', 'default warning 200 (runbook 001)');
is($r->{p}{perf}{unsent}{crit}, '400', 'default critical 400');
like($r->{out}, qr/^method: counted in \Q$qdir\E \(as root\)$/m, 'direct count as root');

# 3 from alice, 2 from bob, 1 from the null sender; domains y (4) and w (2)
$s->enqueue(3, from => 'alice@x.example', to => 'u1@y.example');
$s->enqueue(2, from => 'bob@z.example', to => 'u2@W.example');
$s->enqueue(1, from => '', to => 'u3@y.example');
my @def = $s->queue_ids('deferred');
is(scalar @def, 6, '6 deferred messages');
$r = mq();
check_plugin_output($r, 'deferred');
is($r->{p}{perf}{total}{value}, truth(), 'total = mailq count');
is($r->{p}{perf}{deferred}{value}, 6, 'deferred=6');
is($r->{p}{perf}{hold}{value}, 0, 'hold=0');
ok($r->{p}{perf}{oldest}{value} >= 0 && $r->{p}{perf}{oldest}{value} < 120, 'oldest age from the arrival time, not the retry mtime')
    or diag($r->{out});
like($r->{p}{summary}, qr/^postfix mailq is 6: 0 active, 6 deferred, 0 hold/, 'summary');

# held messages
run_prog(['/usr/sbin/postsuper', '-c', $etc, '-h', $_])->{exit} == 0 or die 'postsuper -h' for @def[0, 1];
is($s->queue_count('hold'), 2, '2 held (ground truth: files)');
$r = mq();
is($r->{p}{perf}{hold}{value}, 2, 'hold=2');
is($r->{p}{perf}{deferred}{value}, 4, 'deferred=4');
is($r->{p}{perf}{total}{value}, truth(), 'total still = mailq count');

# thresholds at their boundaries (6 messages): "N" alerts above N
for my $c ([ [qw(-w 6 -c 7)], 0 ], [ [qw(-w 5 -c 7)], 1 ], [ [qw(-w 5 -c 6)], 1 ], [ [qw(-w 4 -c 5)], 2 ],
           [ [qw(-w 10: -c 3:)], 1 ], [ [qw(-w @6:6)], 1 ]) {
    my $r = mq(@{ $c->[0] });
    check_plugin_output($r, "@{ $c->[0] }");
    is($r->{exit}, $c->[1], "@{ $c->[0] }: exit $c->[1]");
}
$r = mq(qw(-w 5 -c 7));
like($r->{p}{summary}, qr/^postfix mailq is 6 \(threshold w = 5\)/, 'warning names its threshold');
$r = mq(qw(-w 4 -c 5));
like($r->{p}{summary}, qr/^postfix mailq is 6 \(threshold c = 5\)/, 'critical names its threshold');

# --top from the queue files' records
$r = mq(qw(--top 2));
my $long = join("\n", @{ $r->{p}{long} });
like($long, qr/^top senders:\n\s+3\s+alice\@x\.example\n\s+2\s+bob\@z\.example$/m, 'top senders') or diag($long);
like($long, qr/^top recipient domains:\n\s+4\s+y\.example\n\s+2\s+w\.example$/m, 'top domains, lower-cased') or diag($long);
$r = mq(qw(--top 10));
like($r->{out}, qr/^\s+1\s+<>$/m, 'the null sender shows as <>');
unlike($r->{out}, qr/unreadable/, 'every file parsed');

# a truncated copy and a garbage file in hold/ (qmgr leaves hold alone)
# one of alice's messages (to y.example) still in deferred/
my ($src) = grep {
    open my $f, '<:raw', $_ or die; local $/; <$f> =~ /S\x0falice\@x\.example/
} glob("$qdir/deferred/*/*");
die 'no queue file of alice' unless $src;
copy($src, "$qdir/hold/ABCDEF0001") or die "copy: $!";
truncate("$qdir/hold/ABCDEF0001", (-s $src) - 40) or die;
open my $g, '>', "$qdir/hold/ABCDEF0002" or die;
print $g pack('C*', map { int rand 256 } 1 .. 3000);
close $g;
chmod 0700, "$qdir/hold/ABCDEF0001", "$qdir/hold/ABCDEF0002";
$r = mq(qw(--top 3));
check_plugin_output($r, 'bad files');
is($r->{exit}, 0, 'bad queue files: still an answer, not a crash');
is($r->{p}{perf}{hold}{value}, 4, 'bad files are counted');
like($r->{out}, qr/^2 queue files unreadable/m, 'and reported as unreadable');
like($r->{out}, qr/^ABCDEF0001: truncated/m, 'the truncated file, with its reason');
like($r->{out}, qr/^ABCDEF0002: /m, 'the garbage file, with its reason');
like($r->{out}, qr/^\s+3\s+alice\@x\.example$/m, 'top senders unaffected');
$r = mq();
is($r->{p}{perf}{total}{value}, 8, 'without --top the files are counted too');
unlink "$qdir/hold/ABCDEF0001", "$qdir/hold/ABCDEF0002";

# a file our parser refuses (its sender record turned into a full-name
# record) but postcat reads: its recipients count through postcat
{
    open my $in, '<:raw', $src or die;
    my $data = do { local $/; <$in> };
    $data =~ s/S\x0falice\@x\.example/F\x0falice\@x.example/ or die 'no sender record';
    open my $out, '>:raw', "$qdir/hold/ABCDEF0003" or die;
    print $out $data;
    close $out;
    chmod 0700, "$qdir/hold/ABCDEF0003";
    $r = mq(qw(--top 3));
    like($r->{out}, qr/^1 envelopes read by postcat/m, 'postcat read the file our parser refused');
    unlike($r->{out}, qr/unreadable/, 'so it is not unreadable');
    like($r->{out}, qr/^\s+5\s+y\.example$/m, 'its recipient domain counted (4 + 1)');
    like($r->{out}, qr/^\s+3\s+alice\@x\.example$/m, 'and no sender invented for it');
    unlink "$qdir/hold/ABCDEF0003";
}

# a cut at every 3rd byte: each one counted as unreadable, none crashes
my $size = -s $src;
my @cuts = grep { $_ % 3 == 0 } 0 .. $size - 1;
for my $len (@cuts) {
    my $f = sprintf("$qdir/hold/BAD%06X", $len);
    copy($src, $f) or die;
    truncate($f, $len) or die;
    chmod 0700, $f;
}
$r = mq(qw(--top 3));
check_plugin_output($r, 'truncated at every offset');
is($r->{p}{perf}{hold}{value}, 2 + @cuts, 'every cut file counted');
like($r->{out}, qr/^${\ scalar @cuts} queue files unreadable/m, 'every cut file unreadable');
like($r->{out}, qr/^\s+3\s+alice\@x\.example$/m, 'the good files still parsed');
unlink glob("$qdir/hold/BAD*");

# fuzz_postfix_queue (regression): a size record whose content offset points
# back before the M record made the envelope reader loop for ever
{
    my $c = '0 2';
    open my $out, '>:raw', "$qdir/hold/ABCDEF0004" or die;
    print $out "A\x00C" . chr(length $c) . $c . "M\x00";
    close $out;
    chmod 0700, "$qdir/hold/ABCDEF0004";
    $r = mq(qw(--top 3 -t 20));
    ok($r->{secs} < 10, sprintf('fuzz_postfix_queue: a backward content offset ends at once (%.1f s)', $r->{secs}));
    like($r->{out}, qr/^ABCDEF0004: bad size record/m, 'fuzz_postfix_queue: the file is unreadable, with its reason')
        or diag($r->{out});
    unlink "$qdir/hold/ABCDEF0004";
}
# fuzz_postfix_queue (regression, found in CI): a content offset of
# LLONG_MAX overflowed offset + size before the bounds test (UBSan)
{
    my $c = '1 9223372036854775807';
    open my $out, '>:raw', "$qdir/hold/ABCDEF0005" or die;
    print $out "A\x00C" . chr(length $c) . $c . "M\x00";
    close $out;
    chmod 0700, "$qdir/hold/ABCDEF0005";
    $r = mq(qw(--top 3 -t 20));
    like($r->{out}, qr/^ABCDEF0005: bad size record/m, 'fuzz_postfix_queue: an offset of LLONG_MAX is a bad size record')
        or diag($r->{out});
    unlink "$qdir/hold/ABCDEF0005";
}

# fuzz_postfix_queue (speed): pointer records that loop ended only after
# 10000 rounds; a jump back to where one jumped before is now a loop at
# once, while a real file's forward-and-back pointers still read
{
    open my $out, '>:raw', "$qdir/hold/ABCDEF0006" or die;
    print $out "A\x00p\x012";                  # a pointer to itself
    close $out;
    # T, S, a pointer to the R at 34, which points back to the E at 32
    open $out, '>:raw', "$qdir/hold/ABCDEF0007" or die;
    print $out "T\x0a1700000000" . "S\x0ejump\@x.example" . "p\x0234" . "E\x00" . "R\x0dbob\@y.example" . "p\x0232";
    close $out;
    chmod 0700, "$qdir/hold/ABCDEF0006", "$qdir/hold/ABCDEF0007";
    $r = mq(qw(--top 50 -t 20));
    like($r->{out}, qr/^ABCDEF0006: pointer records loop/m, 'fuzz_postfix_queue: a pointer loop is named')
        or diag($r->{out});
    unlike($r->{out}, qr/^ABCDEF0007:/m, 'fuzz_postfix_queue: a pointer there and back is no loop');
    like($r->{out}, qr/^\s+1\s+jump\@x\.example$/m, 'fuzz_postfix_queue: its sender is counted') or diag($r->{out});
    unlink "$qdir/hold/ABCDEF0006", "$qdir/hold/ABCDEF0007";
}

# unprivileged: the queue dirs are 0700 postfix, so postqueue -j answers.
# postqueue accepts only the default config dir from a non-root user: in a
# private mount namespace the test's main.cf stands in for the system's.
my $nobody_sh = 'mount --bind "$1" /etc/postfix/main.cf && shift && exec setpriv --reuid nobody --regid nogroup --clear-groups "$@"';
my $u = run_prog(['unshare', '-m', 'sh', '-c', $nobody_sh, 'sh', "$etc/main.cf", bin('check_mailq'), '--top', '2']);
$u->{p} = parse_plugin_output($u->{out});
check_plugin_output($u, 'as nobody');
like($u->{out}, qr/^method: postqueue -j \(\Q$qdir\E\/\w+: Permission denied\)$/m, 'falls back to postqueue -j')
    or diag($u->{out});
$r = mq(qw(--top 2));
is($u->{p}{perf}{total}{value}, truth(), 'fallback total = mailq count');
is($u->{p}{perf}{$_}{value}, $r->{p}{perf}{$_}{value}, "fallback $_ = direct count") for qw(total deferred hold active incoming);
my ($ut) = $u->{out} =~ /^(top senders:.*)\z/ms;
my ($rt) = $r->{out} =~ /^(top senders:.*)\z/ms;
is($ut, $rt, 'fallback --top = direct --top');
ok(abs($u->{p}{perf}{oldest}{value} - $r->{p}{perf}{oldest}{value}) <= 2, 'same oldest age');

# fuzz_postqueue (regression): an empty JSON string ("sender": "", a key
# "", an address "") reached the parser as a NULL pointer (SIGSEGV), and a
# sender's "\n" forged a line of the --top list. A stand-in postqueue,
# mounted over the real one in the namespace, answers with such lines.
{
    my $fd = tempdir(CLEANUP => 1);
    chmod 0755, $fd;
    open my $o, '>', "$fd/postqueue" or die;
    print $o "#!/bin/sh\ncat <<'EOF'\n",
        '{"queue_name": "deferred", "queue_id": "A1", "arrival_time": 1795404095, "": 1, "sender": "", "recipients": [{"address": "", "delay_reason": "x"}]}', "\n",
        '{"queue_name": "hold", "queue_id": "A2", "arrival_time": 1795404095, "sender": "evil\nCRITICAL - forged@x.example", "recipients": [{"address": "u@y.example"}]}', "\n",
        "EOF\n";
    close $o;
    chmod 0755, "$fd/postqueue";
    my $sh = 'mount --bind "$1" /etc/postfix/main.cf && mount --bind "$2" /usr/sbin/postqueue && shift 2 && exec setpriv --reuid nobody --regid nogroup --clear-groups "$@"';
    my $f = run_prog(['unshare', '-m', 'sh', '-c', $sh, 'sh', "$etc/main.cf", "$fd/postqueue", bin('check_mailq'), '--top', '3']);
    $f->{p} = parse_plugin_output($f->{out});
    check_plugin_output($f, 'fuzz_postqueue');
    is($f->{exit}, 0, 'fuzz_postqueue: empty strings in postqueue -j: an answer, no crash') or diag($f->{out});
    like($f->{out}, qr/^method: postqueue -j /m, 'fuzz_postqueue: counted through the stand-in postqueue');
    is($f->{p}{perf}{total}{value}, 2, 'fuzz_postqueue: both lines counted');
    like($f->{out}, qr/^\s+1\s+<>$/m, 'fuzz_postqueue: the empty sender is <>');
    like($f->{out}, qr/^\s+1\s+\(no domain\)$/m, 'fuzz_postqueue: the empty address has no domain');
    unlike($f->{out}, qr/^CRITICAL - forged/m, 'fuzz_postqueue: a "\n" in a sender forges no line');
    like($f->{out}, qr/^\s+1\s+evil\?CRITICAL - forged\@x\.example$/m, 'fuzz_postqueue: the sender on one line, ? for the break');
}

# unprivileged with -d: no right to read, and postqueue refuses a foreign
# config dir to non-root: UNKNOWN with both reasons
$u = run_prog(['setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', bin('check_mailq'), '-d', $etc]);
$u->{p} = parse_plugin_output($u->{out});
check_plugin_output($u, 'nobody with -d');
is($u->{exit}, 3, 'nobody with a foreign config dir: UNKNOWN');
like($u->{out}, qr/^MAILQ UNKNOWN - cannot read the queue: postqueue -j \(.*Permission denied\); postqueue -j failed \(exit \d+\): postqueue: fatal: .*alternate_config_directories/, 'says why, in postqueue\'s words');

# CAP_DAC_READ_SEARCH (what `make install-root` grants): a non-root user
# counts directly, but only a queue that root's configuration names
my $capdir = tempdir(CLEANUP => 1);
chmod 0755, $capdir;
copy(bin('check_mailq'), "$capdir/check_mailq") or die;
chmod 0755, "$capdir/check_mailq";
run_prog(['setcap', 'cap_dac_read_search+ep', "$capdir/check_mailq"])->{exit} == 0 or BAIL_OUT('setcap failed');
my @nobody = ('setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups');
$u = run_prog([@nobody, "$capdir/check_mailq", '-d', $etc, '--top', '2']);
$u->{p} = parse_plugin_output($u->{out});
check_plugin_output($u, 'capability');
like($u->{out}, qr/^method: counted in \Q$qdir\E \(CAP_DAC_READ_SEARCH\)$/m, 'capability: direct count');
is($u->{p}{perf}{total}{value}, truth(), 'capability: total = mailq count');
my ($ct) = $u->{out} =~ /^(top senders:.*)\z/ms;
is($ct, $rt, 'capability: same --top');
# a config dir the caller controls, naming the real queue: privilege dropped
my $fake = "$capdir/etc";
mkdir $fake;
copy("$etc/$_", "$fake/$_") or die for qw(main.cf master.cf);
chown scalar(getpwnam('nobody')), -1, $fake, "$fake/main.cf";
$u = run_prog([@nobody, "$capdir/check_mailq", '-d', $fake]);
$u->{p} = parse_plugin_output($u->{out});
is($u->{exit}, 3, 'a config dir owned by the caller: privilege dropped, no direct count');
like($u->{out}, qr/Permission denied/, 'the queue was not read with privilege') or diag($u->{out});

# MAIL_CONFIG in the environment does not choose the queue
$r = plugin_run('check_mailq', { env => { MAIL_CONFIG => $etc } });
like($r->{out}, qr{^method: counted in /var/spool/postfix}m, 'MAIL_CONFIG is ignored');

# a config dir that is not postfix's
$r = plugin_run('check_mailq', '-d', '/nonexistent');
is($r->{exit}, 3, 'no such config dir: UNKNOWN');
like($r->{out}, qr/^MAILQ UNKNOWN - postconf -h queue_directory failed/, 'names postconf');

$s->stop;

# maildrop: with the master stopped nothing picks submissions up, so they
# stay as postdrop wrote them (no size record: the content is read through)
for my $i (1, 2) {
    my $pid = open my $sm, '|-';
    die "fork: $!" unless defined $pid;
    if (!$pid) { open STDERR, '>', '/dev/null'; exec '/usr/sbin/sendmail', '-C', $etc, '-f', 'carol@x.example', "m$i\@m.example"; die }
    print $sm "Subject: drop $i\n\nline 1\n" . ("x" x 5000) . "\nline 3\n";
    close $sm;
}
is($s->queue_count('maildrop'), 2, '2 files in maildrop (ground truth)');
$r = mq(qw(--top 5));
check_plugin_output($r, 'maildrop');
is($r->{p}{perf}{maildrop}{value}, 2, 'maildrop=2');
like($r->{out}, qr/^\s+2\s+carol\@x\.example$/m, 'maildrop senders read') or diag($r->{out});
like($r->{out}, qr/^\s+2\s+m\.example$/m, 'maildrop recipients read');
unlike($r->{out}, qr/unreadable/, 'maildrop files parse');

# sendmail (not installable beside postfix): queue directories in the
# documented qf format (doc/op "Queue file formats"), named by a sendmail.cf
# and submit.cf the test writes; ground truth is what the test wrote.
my $sm = tempdir(CLEANUP => 1);
mkdir "$sm/$_" for qw(etc mqueue clientmqueue mq mq/q1 mq/q2 mq/q2/qf);
sub write_cf { my ($f, $dir) = @_; open my $o, '>', $f or die; print $o "# test\nO QueueDirectory=/wrong\nO QueueDirectory=$dir\nO Timeout.queuereturn=5d\n"; close $o }
write_cf("$sm/etc/sendmail.cf", "$sm/mqueue");
write_cf("$sm/etc/submit.cf", "$sm/clientmqueue");
my $now = time;
sub qf {
    my ($path, $t, $from, @to) = @_;
    open my $o, '>', $path or die "$path: $!";
    print $o "V8\nT$t\nK0\nN1\nP30000\nI8/1/1234\nMDeferred: Connection refused\nFb\n\$_root\@localhost\nS<$from>\n";
    print $o "RPFD:$_\n" for @to;
    print $o "H?P?Return-Path: <g>\nHSubject: test\n.\n";
    close $o;
}
qf("$sm/mqueue/qfAA0001", $now - 3600, 'alice@x.example', 'u1@y.example', 'u2@Y.example');
qf("$sm/mqueue/qfAA0002", $now - 60, 'alice@x.example', 'u3@w.example');
qf("$sm/mqueue/qfAA0003", $now - 10, '', 'u4@y.example');
open my $df, '>', "$sm/mqueue/dfAA0001" or die; print $df "body\n"; close $df;
qf("$sm/clientmqueue/qfAB0001", $now - 120, 'bob@z.example', 'u5@w.example');
$r = plugin_run('check_mailq', '-M', 'sendmail', '-d', "$sm/etc", '--top', '2');
check_plugin_output($r, 'sendmail');
like($r->{p}{summary}, qr/^sendmail mailq is 4: 3 mqueue, 1 clientmqueue; oldest 1h 0m$/, 'sendmail summary') or diag($r->{out});
is($r->{p}{perf}{$_->[0]}{value}, $_->[1], "sendmail $_->[0]=$_->[1]") for [total => 4], [mqueue => 3], [clientmqueue => 1];
ok(abs($r->{p}{perf}{oldest}{value} - 3600) <= 2, 'oldest from the T line');
like($r->{out}, qr/^top senders:\n\s+2\s+alice\@x\.example\n\s+1\s+<>$/m, 'sendmail top senders') or diag($r->{out});
like($r->{out}, qr/^top recipient domains:\n\s+2\s+w\.example\n\s+2\s+y\.example$/m, 'sendmail top domains: one count per message');
like($r->{out}, qr/^method: counted in \Q$sm\E\/mqueue, \Q$sm\E\/clientmqueue \(as root\)$/m, 'sendmail method');
$r = plugin_run('check_mailq', '-M', 'sendmail', '-d', "$sm/etc", '-w', '3', '-c', '4');
is($r->{exit}, 1, 'sendmail: 4 above -w 3, not above -c 4: WARNING');

# a truncated qf file: counted, named
qf("$sm/mqueue/qfAA0004", $now, 'carol@x.example', 'u6@v.example');
truncate("$sm/mqueue/qfAA0004", 60) or die;
$r = plugin_run('check_mailq', '-M', 'sendmail', '-d', "$sm/etc");
is($r->{p}{perf}{total}{value}, 5, 'truncated qf counted');
like($r->{out}, qr/^qfAA0004: truncated/m, 'and named');
# fuzz_sendmail_qf: a NUL byte hid the lines after it (here the S line);
# the file is now unreadable for that reason
qf("$sm/mqueue/qfAA0005", $now, "carol\0\@x.example", 'u6@v.example');
$r = plugin_run('check_mailq', '-M', 'sendmail', '-d', "$sm/etc", '--top', '3');
is($r->{p}{perf}{total}{value}, 6, 'fuzz_sendmail_qf: a qf file with a NUL counted');
like($r->{out}, qr/^qfAA0005: a NUL byte$/m, 'fuzz_sendmail_qf: and named, with the reason') or diag($r->{out});
unlike($r->{out}, qr/carol/, 'fuzz_sendmail_qf: no sender taken from it');
unlink "$sm/mqueue/qfAA0005";

# several queues: QueueDirectory=.../q*, one with a qf/ subdirectory
write_cf("$sm/etc/sendmail.cf", "$sm/mq/q*");
unlink "$sm/etc/submit.cf";
qf("$sm/mq/q1/qfBB0001", $now, 'dave@x.example', 'u@y.example');
qf("$sm/mq/q2/qf/qfBB0002", $now, 'dave@x.example', 'u@y.example');
$r = plugin_run('check_mailq', '-M', 'sendmail', '-d', "$sm/etc", '--top', '1');
is($r->{p}{perf}{mqueue}{value}, 2, 'q* queues and qf/ subdirectories');
is($r->{p}{perf}{clientmqueue}{value}, 0, 'no submit.cf: no client queue');
like($r->{out}, qr/^\s+2\s+dave\@x\.example$/m, 'read from both');

# closed to the caller: no fallback for sendmail, UNKNOWN that says why
chmod 0755, $sm, "$sm/etc", "$sm/mq";
chmod 0700, "$sm/mq/q1";
$u = run_prog([@nobody, bin('check_mailq'), '-M', 'sendmail', '-d', "$sm/etc"]);
like($u->{out}, qr/^MAILQ UNKNOWN - \Q$sm\E\/mq\/q1: Permission denied \(needs root or CAP_DAC_READ_SEARCH\)\n\z/, 'sendmail unreadable: UNKNOWN, why')
    or diag($u->{out});

# detection (runbook 000): the mta alternative, here in a private mount namespace
my $alt = tempdir(CLEANUP => 1);
for my $c ([ '/usr/sbin/sendmail.sendmail', 'sendmail' ], [ '/usr/sbin/sendmail.postfix', 'postfix' ]) {
    unlink "$alt/mta";
    symlink $c->[0], "$alt/mta" or die;
    my $d = run_prog(['unshare', '-m', 'sh', '-c', 'mount --bind "$1" /etc/alternatives && shift && exec "$@"', 'sh',
                      $alt, bin('check_mailq'), ($c->[1] eq 'sendmail' ? ('-d', "$sm/etc") : ())]);
    like($d->{out}, qr/^MTA: $c->[1] \(from the mta alternative\)$/m, "mta -> $c->[0]: $c->[1]") or diag($d->{out});
}
$r = plugin_run('check_mailq');
like($r->{out}, qr/^MTA: postfix \(from (?:what is installed|the mta alternative)\)$/m, 'here: postfix');
done_testing;
