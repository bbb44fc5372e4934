# check_mailq -M qmail against a queue directory in qmail's format (qmail
# is not in Debian 12). The test writes the files as qmail-queue and
# qmail-send do: the message is made in pid/ and linked to mess/N/INODE
# (N = INODE % 23, conf-split); the envelope "u" uid NUL "p" pid NUL "F"
# sender NUL "T" recipient NUL ... goes to intd/INODE, linked to todo/INODE;
# qmail-send's preprocessing turns it into info/N/INODE ("F" sender NUL,
# its mtime the message's birth) and local/N/INODE, remote/N/INODE ("T"
# recipient NUL; "D" once delivered). Ground truth: qmail-qstat's own
# counting (find mess/* and todo, minus the directories) and what the test wrote.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use File::Copy qw(copy);
use File::Find;
use File::Temp qw(tempdir);

BAIL_OUT('check_mailq qmail tests need root (mount namespaces, setpriv)') if $> != 0;
my $t = tempdir(CLEANUP => 1);
chmod 0755, $t;
my $home = "$t/var/qmail";
my $q = "$home/queue";
sub mkpath { my $p = ''; for (split m{/}, $_[0]) { $p .= "$_/"; mkdir $p } }
mkpath("$home/bin");
open my $bin, '>', "$home/bin/qmail-send" or die;
close $bin;
chmod 0755, "$home/bin/qmail-send";
mkpath("$q/$_") for qw(pid intd todo bounce lock);
for my $d (qw(mess info local remote)) { mkpath("$q/$d/$_") for 0 .. 22 }

sub write_file { my ($f, $s) = @_; open my $o, '>:raw', $f or die "$f: $!"; print $o $s; close $o or die }

# one message; returns its inode. todo => 1: qmail-send has not taken it yet
sub queue {
    my ($from, $to, %o) = @_;
    my $pid = "$q/pid/$$";
    write_file($pid, "Received: (qmail $$ invoked by uid 0); 1 Jan 2026 00:00:00 -0000\nSubject: x\n\nbody\n");
    my $ino = (stat $pid)[1];
    my $n = $ino % 23;
    link $pid, "$q/mess/$n/$ino" or die "link: $!";
    unlink $pid;
    if ($o{todo}) {
        write_file("$q/intd/$ino", "u0\0p$$\0F$from\0" . join('', map { "T$_\0" } @$to));
        link "$q/intd/$ino", "$q/todo/$ino" or die;
        return $ino;
    }
    write_file("$q/info/$n/$ino", "F$from\0");
    my %ch;
    for (@$to) {
        my ($done, $a) = /^(!?)(.*)$/;
        push @{ $ch{ $a =~ /\@local\.example$/ ? 'local' : 'remote' } }, ($done ? 'D' : 'T') . "$a\0";
    }
    write_file("$q/$_/$n/$ino", join '', @{ $ch{$_} }) for keys %ch;
    utime $o{birth}, $o{birth}, "$q/info/$n/$ino" if $o{birth};
    return $ino;
}

# qmail-qstat: `find mess/* -print | wc -w` minus the directories, the same for todo
sub qstat {
    my ($dir) = @_;
    my ($files, $dirs) = (0, 0);
    find(sub { -d $_ ? $dirs++ : $files++ }, $dir);
    return $files;
}

sub ns {
    my ($binds, @argv) = @_;
    return [ 'unshare', '-m', 'sh', '-c', join(' && ', map { "mount --bind '$_->[0]' '$_->[1]'" } @$binds) . ' && exec "$@"', 'sh', @argv ];
}
sub nsrun { my $r = run_prog(@_); $r->{p} = parse_plugin_output($r->{out}); $r }
sub mq { plugin_run('check_mailq', '-M', 'qmail', '-d', $home, @_) }
sub top_of {
    my ($out, $what) = @_;
    my ($block) = $out =~ /^top \Q$what\E:\n((?:\s+\d+\s+\S+\n?)*)/m or return {};
    return { map { /^\s+(\d+)\s+(\S+)$/ ? ($2 => $1) : () } split /\n/, $block };
}

my $r = mq();
check_plugin_output($r, 'empty');
is($r->{exit}, 0, 'empty queue: OK');
like($r->{p}{summary}, qr/^qmail mailq is empty$/, 'says empty');
is($r->{p}{perf}{$_}{value}, 0, "$_=0") for qw(unsent total todo local remote);
like($r->{out}, qr/^method: counted in \Q$q\E \(as root\)$/m, 'method');

# 38 messages over the 23 buckets; two not yet preprocessed
my $now = time;
queue('alice@x.example', [ 'u1@y.example', 'u2@W.example', 'joe@local.example' ], birth => $now - 3 * 3600) for 1 .. 3;
queue('bob@z.example', [ '!u3@w.example', 'u4@v.example' ]) for 1 .. 2;
queue('', [ 'postmaster@local.example' ]);
queue('carol@x.example', [ 'u5@y.example' ], todo => 1) for 1 .. 2;
queue('spammer@x.example', [ "r$_\@z.example" ]) for 1 .. 30;
my %buckets;
find(sub { $buckets{$File::Find::dir}++ if -f $_ }, "$q/mess");
ok(keys %buckets > 5, 'messages spread over ' . scalar(keys %buckets) . ' mess/ subdirectories');
is(qstat("$q/mess"), 38, 'qmail-qstat: 38 messages in queue');
is(qstat("$q/todo"), 2, 'qmail-qstat: 2 not yet preprocessed');
$r = mq(qw(--top 10));
check_plugin_output($r, '38 messages');
is($r->{p}{perf}{total}{value}, qstat("$q/mess"), 'total = qmail-qstat\'s messages in queue');
is($r->{p}{perf}{todo}{value}, qstat("$q/todo"), 'todo = qmail-qstat\'s not yet preprocessed');
is($r->{p}{perf}{local}{value}, 4, 'local = 4 messages with local recipients');
is($r->{p}{perf}{remote}{value}, 35, 'remote = 35');
like($r->{p}{summary}, qr/^qmail mailq is 38: 2 todo, 4 local, 35 remote; oldest 3h 0m$/, 'summary') or diag($r->{out});
ok(abs($r->{p}{perf}{oldest}{value} - 3 * 3600) <= 5, 'oldest: the info file\'s mtime');
is_deeply(top_of($r->{out}, 'senders'),
          { 'spammer@x.example' => 30, 'alice@x.example' => 3, 'bob@z.example' => 2, 'carol@x.example' => 2, '<>' => 1 },
          'top senders (info/ and todo/)') or diag($r->{out});
is_deeply(top_of($r->{out}, 'recipient domains'),
          { 'z.example' => 30, 'y.example' => 5, 'local.example' => 4, 'w.example' => 3, 'v.example' => 2 },
          'top domains: T entries only, lower-cased, once a message') or diag($r->{out});
like($r->{out}, qr/^top senders:\n\s+30\s+spammer\@x\.example\n\s+3\s+alice\@x\.example\n/m, 'in order');
unlike($r->{out}, qr/unreadable/, 'every envelope read');

# thresholds
for my $c ([ [qw(-w 38 -c 40)], 0 ], [ [qw(-w 37 -c 40)], 1 ], [ [qw(-w 30 -c 37)], 2 ]) {
    my $r = mq(@{ $c->[0] });
    check_plugin_output($r, "@{ $c->[0] }");
    is($r->{exit}, $c->[1], "@{ $c->[0] }: exit $c->[1]");
}
like(mq(qw(-w 30 -c 37))->{p}{summary}, qr/^qmail mailq is 38 \(threshold c = 37\)/, 'names its threshold');

# the age is qmail-send's: info/'s mtime, not mess/'s
my $ino = queue('dave@x.example', [ 'u6@y.example' ], birth => $now - 60);
my $mess = "$q/mess/" . ($ino % 23) . "/$ino";
utime $now - 5 * 3600, $now - 5 * 3600, $mess;
$r = mq();
ok(abs($r->{p}{perf}{oldest}{value} - 3 * 3600) <= 5, 'a mess file 5h old with a fresh info file: still 3h');
unlink "$q/info/" . ($ino % 23) . "/$ino";
$r = mq();
ok(abs($r->{p}{perf}{oldest}{value} - 5 * 3600) <= 5, 'without info/ (not preprocessed): the mess file\'s mtime');
unlink $mess, glob("$q/*/" . ($ino % 23) . "/$ino");

# bad envelopes: counted, named, no crash
my @bad;
my $cut = queue('erin@x.example', [ 'u7@y.example' ]);
truncate("$q/info/" . ($cut % 23) . "/$cut", 5) or die;
push @bad, [ $cut, qr/info: truncated/ ];
my $gar = queue('erin@x.example', [ 'u7@y.example' ]);
write_file("$q/remote/" . ($gar % 23) . "/$gar", join('', map { chr(1 + int rand 255) } 1 .. 500));
push @bad, [ $gar, qr/remote: / ];
my $emp = queue('erin@x.example', [ 'u7@y.example' ]);
write_file("$q/info/" . ($emp % 23) . "/$emp", '');
push @bad, [ $emp, qr/info: empty/ ];
my $td = queue('erin@x.example', [ 'u7@y.example' ], todo => 1);
write_file("$q/todo/$td", "u0\0p1\0Ferin\@x.example\0Xu7\@y.example\0");
push @bad, [ $td, qr/todo: bad entry type/ ];
my $fifo = queue('erin@x.example', [ 'u7@y.example' ]);
unlink "$q/local/" . ($fifo % 23) . "/$fifo";
system('mkfifo', "$q/local/" . ($fifo % 23) . "/$fifo") == 0 or die;
push @bad, [ $fifo, qr/local: / ];
$r = mq(qw(--top 3));
check_plugin_output($r, 'bad files');
is($r->{exit}, 0, 'bad envelopes: an answer, not a crash');
is($r->{p}{perf}{total}{value}, 38 + @bad, 'bad ones counted');
like($r->{out}, qr/^${\ scalar @bad} queue files unreadable/m, 'and unreadable');
like($r->{out}, qr/^$_->[0]: $_->[1]/m, "message $_->[0] named: $_->[1]") for @bad;
like($r->{out}, qr/^\s+30\s+spammer\@x\.example$/m, 'top senders unaffected');
unlike($r->{out}, qr/erin/, 'no sender counted from a bad message');
for my $b (@bad) { unlink glob("$q/*/" . ($b->[0] % 23) . "/$b->[0]"), "$q/todo/$b->[0]", "$q/intd/$b->[0]" }
is(mq()->{p}{perf}{total}{value}, 38, 'clean again');

# fuzz_qmail_envelope: an envelope's address is any bytes but NUL. A line
# break in a sender forged a line of the --top list; a long one was kept
# whole. Now control characters show as '?', a key is at most 256 bytes.
{
    my @odd = (queue("evil\nCRITICAL - forged\@x.example", [ "u\@y.example\rz" ]),
               queue(('L' x 5000) . '@x.example', [ 'u@' . ('D' x 400) ]));
    $r = mq(qw(--top 10));
    check_plugin_output($r, 'fuzz_qmail_envelope');
    is($r->{p}{perf}{total}{value}, 40, 'fuzz_qmail_envelope: both counted');
    unlike($r->{out}, qr/^CRITICAL - forged/m, 'fuzz_qmail_envelope: a line break in a sender forges no line') or diag($r->{out});
    like($r->{out}, qr/^\s+1\s+evil\?CRITICAL - forged\@x\.example$/m, 'fuzz_qmail_envelope: the sender on one line, ? for the break');
    like($r->{out}, qr/^\s+1\s+y\.example\?z$/m, 'fuzz_qmail_envelope: the same for a recipient domain');
    like($r->{out}, qr/^\s+1\s+L{256}$/m, 'fuzz_qmail_envelope: a 5000-byte sender shown as its first 256');
    like($r->{out}, qr/^\s+1\s+d{256}$/m, 'fuzz_qmail_envelope: a long domain likewise, lower-cased');
    unlike($r->{out}, qr/unreadable/, 'fuzz_qmail_envelope: both envelopes read');
    for my $i (@odd) { unlink glob("$q/*/" . ($i % 23) . "/$i") }
    is(mq()->{p}{perf}{total}{value}, 38, 'clean again');
}

# a message qmail-queue is still writing (mess/ only): counted, not a problem
my $inj = queue('frank@x.example', [ 'u8@y.example' ], todo => 1);
unlink "$q/todo/$inj", "$q/intd/$inj";
$r = mq(qw(--top 1));
is($r->{p}{perf}{total}{value}, 39, 'a message being queued is counted');
unlike($r->{out}, qr/unreadable/, 'and not called unreadable');
unlink "$q/mess/" . ($inj % 23) . "/$inj";

# unprivileged: the queue is closed (0700 as qmail's own subdirectories are)
chmod 0755, "$t/var", $home;
chmod 0700, $q;
my @nobody = ('setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups');
$r = run_prog([@nobody, bin('check_mailq'), '-M', 'qmail', '-d', $home]);
$r->{p} = parse_plugin_output($r->{out});
check_plugin_output($r, 'as nobody');
is($r->{exit}, 3, 'nobody: UNKNOWN');
like($r->{out}, qr/^MAILQ UNKNOWN - \Q$q\E: Permission denied \(needs root or CAP_DAC_READ_SEARCH; qmail-qstat needs them too\)$/m,
     'says why') or diag($r->{out});

# CAP_DAC_READ_SEARCH: /var/qmail/queue (compiled into qmail) is read with
# it; a home from -d is not. /var is the test's in a private namespace.
my $capdir = tempdir(CLEANUP => 1);
chmod 0755, $capdir;
copy(bin('check_mailq'), "$capdir/check_mailq") or die;
chmod 0755, "$capdir/check_mailq";
run_prog(['setcap', 'cap_dac_read_search+ep', "$capdir/check_mailq"])->{exit} == 0 or BAIL_OUT('setcap failed');
$r = run_prog([@nobody, "$capdir/check_mailq", '-M', 'qmail', '-d', $home]);
is($r->{exit}, 3, 'capability with -d: privilege dropped, UNKNOWN');
like($r->{out}, qr/Permission denied/, 'the queue from argv was not read with privilege');
$r = nsrun(ns([ [ "$t/var", '/var' ] ], @nobody, "$capdir/check_mailq", '-M', 'qmail', '--top', '1'));
check_plugin_output($r, 'capability');
like($r->{out}, qr{^method: counted in /var/qmail/queue \(CAP_DAC_READ_SEARCH\)$}m, 'capability: /var/qmail/queue counted') or diag($r->{out});
is($r->{p}{perf}{total}{value}, 38, 'capability: 38');
like($r->{out}, qr/^\s+30\s+spammer\@x\.example$/m, 'capability: --top read');

# detection (runbook 000): the mta alternative (qmail's sendmail), then what
# is installed (/var/qmail/bin/qmail-send; postfix's postconf hidden)
mkdir "$t/empty";
mkdir "$t/alt";
symlink '/var/qmail/bin/sendmail', "$t/alt/mta" or die;
for my $c ([ [ [ "$t/alt", '/etc/alternatives' ] ], 'the mta alternative' ], [ [ [ "$t/empty", '/usr/sbin' ] ], 'what is installed' ]) {
    my $r = nsrun(ns([ @{ $c->[0] }, [ "$t/var", '/var' ] ], bin('check_mailq')));
    check_plugin_output($r, "detection: $c->[1]");
    like($r->{out}, qr/^MTA: qmail \(from \Q$c->[1]\E\)$/m, "qmail from $c->[1]") or diag($r->{out});
    is($r->{p}{perf}{total}{value}, 38, 'and counted /var/qmail/queue');
}
$r = nsrun(ns([ [ "$t/var", '/var' ] ], bin('check_mailq')));
like($r->{out}, qr{^MAILQ UNKNOWN - /var/spool/postfix: No such file or directory$}m, 'postconf present: postfix comes first (its queue hidden here)');
$r = plugin_run('check_mailq', '-M', 'qmail');
is($r->{exit}, 3, 'no qmail here: UNKNOWN');
like($r->{out}, qr{^MAILQ UNKNOWN - /var/qmail/queue/?: No such file or directory}m, 'names the queue');
$r = plugin_run('check_mailq', '-M', 'courier');
is($r->{exit}, 3, '-M courier: bad argument');
like($r->{out}, qr/postfix, sendmail, exim, qmail/, 'lists the MTAs');
done_testing;
