# check_log against grep: log files the test writes, appends to, rotates
# (rename, dateext, copytruncate) and truncates. Every count must equal
# `grep -ci` run on the part appended since the previous run.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use Encode qw(decode FB_CROAK);
use POSIX qw(mkfifo);
use Mamori::Test;

my $dir = tempdir(CLEANUP => 1);
my $state = "$dir/state";
my %base_env = (MAMORI_STATE_DIR => $state);

# Runbook 002's keyword table (ログチェックの際のキーワード), row by row.
my @classes = (
    [ errors => 'warning', 'err', 'abort' ],                                       # エラー全般
    [ network => 'timeout', 'timed out' ],                                         # ネットワークの通信異常
    [ access => 'refused', 'reject', 'not permitted', 'denied' ],                  # アクセス制御
    [ auth => 'fail', 'incorrect', 'invalid' ],                                    # パラメータ, パスワード
    [ cgi => '/phf', '/php', '/test-cgi' ],                                        # CGIの不正利用
    [ portscan => 'null connection', 'eof received' ],                             # ポートスキャン
    [ dictionary => 'authentication failed', 'repeated login failures', 'login incorrect' ],  # 辞書アタック
    [ passwd => 'passwd' ],                                                        # パスワードファイル
);
my %words = map { $_->[0] => [ @$_[1 .. $#$_] ] } @classes;
my @names = map { $_->[0] } @classes;
my $all_re = join '|', map { @$_[1 .. $#$_] } @classes;

# The runbook itself, where it is at hand: each row's keyword cell.
my $src = $ENV{MAMORI_SRC} // '.';
my ($runbook) = glob("$src/../shared/runbooks/002_*.txt");
SKIP: {
    skip 'runbook 002 is not beside the repository', scalar @classes unless $runbook && -r $runbook;
    my $text = do { local $/; open my $f, '<:raw', $runbook or die; <$f> };
    for my $c (@classes) {
        my $cell = join ' ', @$c[1 .. $#$c];
        like($text, qr/^\Q$cell\E \|/m, "runbook 002 lists '$cell' ($c->[0])");
    }
}

sub slurp { my ($f) = @_; open my $fh, '<:raw', $f or die "$f: $!"; local $/; return scalar <$fh> }
sub spew { my ($f, $t) = @_; open my $fh, '>:raw', $f or die "$f: $!"; print $fh $t; close $fh }
sub append { my ($f, $t) = @_; open my $fh, '>>:raw', $f or die "$f: $!"; print $fh $t; close $fh }

# grep -c over some text, as the runbook does it (LC_ALL=C: bytes, ASCII case).
my $gn = 0;
sub grep_count {
    my ($text, @opts) = @_;
    my $tmp = "$dir/grep." . $gn++;
    spew($tmp, $text);
    my $r = run_prog([ 'grep', '-ac', @opts, $tmp ], env => { LC_ALL => 'C' });
    unlink $tmp;
    die "grep failed: $r->{err}" if $r->{exit} > 1;
    chomp $r->{out};
    return $r->{out};
}
sub grep_class { my ($text, $class) = @_; return grep_count($text, '-iE', '-e', join('|', @{ $words{$class} })) }
sub grep_all { my ($text) = @_; return grep_count($text, '-iE', '-e', $all_re) }

sub run_log {
    my ($args, %o) = @_;
    my $r = plugin_run('check_log', @$args, { env => { %base_env, %{ $o{env} // {} } }, timeout => $o{timeout} // 60 });
    check_plugin_output($r, "check_log @$args");
    return $r;
}

# Counts of one run equal grep's on what was appended.
sub same_as_grep {
    my ($r, $text, $what) = @_;
    my $p = $r->{p}{perf};
    is($p->{matches}{value}, grep_all($text), "$what: matches = grep -ciE over all words");
    my @bad = grep { ($p->{$_}{value} // -1) != grep_class($text, $_) } @names;
    ok(!@bad, "$what: each class = grep -ciE of its words") or diag("differ: @bad; $r->{p}{line}");
    my $lines = () = $text =~ /\n/g;
    is($p->{lines}{value}, $lines, "$what: lines read");
}

# Log lines: every keyword in several cases, near misses, plain lines.
my @sample = (
    'sshd[100]: Accepted publickey for deploy from 10.0.0.1 port 5000 ssh2',
    'kernel: EXT4-fs WARNING (device vda1): I/O Error 5',
    'postfix/smtp[7]: connect to mx[192.0.2.1]:25: Connection timed out',
    'nginx: upstream TIMEOUT while reading response header',
    'postfix/smtpd[9]: NOQUEUE: reject: RCPT from x: Relay access denied',
    'su: Operation Not Permitted',
    'sshd[11]: Failed password for invalid user admin',
    'login: Login incorrect',
    'httpd: GET /cgi-bin/phf?Qalias=x HTTP/1.0',
    'httpd: GET /test-cgi HTTP/1.0',
    'httpd: GET /PHPMyAdmin/ HTTP/1.1',
    'sshd[12]: Did not receive identification string: NULL CONNECTION',
    'sshd[13]: eof received from 203.0.113.5',
    'sshd[14]: authentication failed for root',
    'login: REPEATED LOGIN FAILURES on tty1',
    'httpd: GET /etc/PassWD HTTP/1.0',
    'app: request aborted by client',
    'CRON[15]: (root) CMD (run-parts /etc/cron.hourly)',
    'sshd[16]: connect: Connection Refused',
    'systemd[1]: Started Session 3 of User deploy.',
    'app: incorrect checksum, INVALID header',
    'app: mail to postmaster@example.jp (queued)',
    'app: timed  out? tim eout, rejec t, /ph p, pass wd, fai l, erx',   # near misses only
    'dovecot: imap-login: Disconnected: Inactivity (no auth attempts in 180 secs)',
);
my $seq = 0;
sub lines_text {
    my ($n, $seed) = @_;
    srand($seed);
    my $t = '';
    for (1 .. $n) {
        $seq++;
        $t .= sprintf "Mar %2d 10:%02d:%02d web01 %s\n", 1 + $seq % 28, $seq % 60, ($seq * 7) % 60, $sample[int rand @sample];
    }
    return $t;
}

my @all = ('--class', 'all');

# ---- first run at the end, then only what was appended ----
my $a = "$dir/a.log";
spew($a, lines_text(300, 1));
my $r = run_log([ '-F', $a, @all ]);
is($r->{exit}, 0, 'first run: OK');
like($r->{p}{summary}, qr/first run, reading from the end/, 'first run: says it starts at the end');
is($r->{p}{perf}{matches}{value}, 0, 'first run: the existing lines are not counted');
is($r->{p}{perf}{lines}{value}, 0, 'first run: no line read');
ok(scalar(grep { !/\.lock$/ } glob("$state/check_log.*")), 'state written under MAMORI_STATE_DIR');

my $chunk = lines_text(2000, 2);
append($a, $chunk);
$r = run_log([ '-F', $a, @all ]);
same_as_grep($r, $chunk, 'appended 2000 lines');
is($r->{exit}, 2, 'matches without thresholds: CRITICAL, as monitoring-plugins check_log');
is_deeply($r->{p}{perf_order}, [ 'matches', @names, 'lines' ], 'perfdata labels: matches, the classes in order, lines');
$r = run_log([ '-F', $a, @all ]);
is($r->{p}{perf}{lines}{value}, 0, 'nothing appended: no line read');
is($r->{exit}, 0, 'nothing appended: OK');

# --from-start on a first run: the whole file (another record: -O)
$r = run_log([ '-F', $a, @all, '--from-start', '-O', 'whole' ]);
same_as_grep($r, slurp($a), '--from-start');
like($r->{p}{summary}, qr/first run, reading from the start/, '--from-start is said');

# a second check on the same file with other patterns keeps its own position
my $b2 = "$dir/shared.log";
spew($b2, lines_text(50, 3));
run_log([ '-F', $b2, '--class', 'errors' ]);
run_log([ '-F', $b2, '--class', 'auth' ]);
$chunk = lines_text(400, 4);
append($b2, $chunk);
$r = run_log([ '-F', $b2, '--class', 'errors' ]);
is($r->{p}{perf}{errors}{value}, grep_class($chunk, 'errors'), 'two checks on one file: the first counts its class');
$r = run_log([ '-F', $b2, '--class', 'auth' ]);
is($r->{p}{perf}{auth}{value}, grep_class($chunk, 'auth'), 'two checks on one file: the second still sees the lines');

# ---- rotation by rename ----
my $b = "$dir/b.log";
spew($b, lines_text(20, 5));
run_log([ '-F', $b, @all ]);
my $c1 = lines_text(300, 6);
append($b, $c1);                       # written after the last run, before the rotation
rename $b, "$b.1" or die;
my $c2 = lines_text(200, 7);
spew($b, $c2);
$r = run_log([ '-F', $b, @all ]);
same_as_grep($r, $c1 . $c2, 'rename: the rest of b.log.1, then the new b.log');
like($r->{p}{summary}, qr/rotated; read the rest of \S*b\.log\.1/, 'rename: said');
my $c3 = lines_text(100, 8);
append($b, $c3);
$r = run_log([ '-F', $b, @all ]);
same_as_grep($r, $c3, 'after the rename: only the new lines');

# dateext name, found by inode among b.log-*
my $c4 = lines_text(150, 9);
append($b, $c4);
rename $b, "$b-20261122" or die;
my $c5 = lines_text(50, 10);
spew($b, $c5);
$r = run_log([ '-F', $b, @all ]);
same_as_grep($r, $c4 . $c5, 'dateext rename: found by inode');
like($r->{p}{summary}, qr/b\.log-20261122/, 'dateext rename: names the old file');

# the old file is gone (moved away, compressed): the new file from the start, and said
append($b, lines_text(30, 11));
mkdir "$dir/elsewhere";
rename $b, "$dir/elsewhere/b.old" or die;
my $c6 = lines_text(70, 12);
spew($b, $c6);
$r = run_log([ '-F', $b, @all ]);
same_as_grep($r, $c6, 'old file gone: the new file from the start');
like($r->{p}{summary}, qr/old file was not found/, 'old file gone: said');

# ---- copytruncate ----
my $c = "$dir/c.log";
spew($c, lines_text(40, 13));
run_log([ '-F', $c, @all ]);
my $t1 = lines_text(250, 14);
append($c, $t1);
copy($c, "$c.1") or die;
spew($c, '');                          # truncate in place: same inode
my $t2 = lines_text(30, 15);           # shorter than the old offset
append($c, $t2);
$r = run_log([ '-F', $c, @all ]);
same_as_grep($r, $t1 . $t2, 'copytruncate: the rest from the copy, then the file from 0');
like($r->{p}{summary}, qr/truncated; read the rest of its copy \S*c\.log\.1/, 'copytruncate: said');

# the file grew past the old offset again before the run: the head tells
my $t3 = lines_text(100, 16);
append($c, $t3);
rename "$c.1", "$c.2" or die;
copy($c, "$c.1") or die;
spew($c, '');
my $t4 = lines_text(600, 17);
append($c, $t4);
ok(-s $c > length($t2 . $t3), 'the refilled file is longer than the old offset');
$r = run_log([ '-F', $c, @all ]);
same_as_grep($r, $t3 . $t4, 'copytruncate, refilled past the offset: found by the head hash');

# truncated with no copy anywhere
unlink glob("$c.*");
append($c, lines_text(10, 18));
spew($c, '');
my $t5 = lines_text(20, 19);
append($c, $t5);
$r = run_log([ '-F', $c, @all ]);
same_as_grep($r, $t5, 'truncated, no copy: from the start');
like($r->{p}{summary}, qr/truncated; no copy found/, 'truncated, no copy: said');

# ---- unterminated lines ----
my $d = "$dir/d.log";
spew($d, "line one\nhalf written error");    # first run at the end, inside a line
run_log([ '-F', $d, '--class', 'errors' ]);
append($d, " still the same line error\nnext error\n");
$r = run_log([ '-F', $d, '--class', 'errors' ]);
is($r->{p}{perf}{errors}{value}, 1, 'first run inside a line: that line is not ours, the next is');
append($d, "partial error");
$r = run_log([ '-F', $d, '--class', 'errors' ]);
is($r->{p}{perf}{lines}{value}, 0, 'an unterminated line is not read yet');
append($d, " and its end\n");
$r = run_log([ '-F', $d, '--class', 'errors' ]);
is($r->{p}{perf}{errors}{value}, 1, 'the completed line counts once');
is($r->{p}{perf}{lines}{value}, 1, 'and is one line');

# ---- long lines: matched on their first 64 KiB, counted once, bounded memory ----
my $lim = 64 * 1024;
my $e = "$dir/e.log";
spew($e, "error " . ('x' x (10 << 20)) . "\n"          # 10 MB, keyword at the start: counts
       . ('y' x $lim) . " error\n"                     # keyword past the limit: not
       . ('y' x ($lim - 3)) . "err tail\n"             # keyword ends at the limit: counts
       . ('y' x ($lim - 2)) . "err\n"                  # keyword crosses the limit: not
       . "short error\n"
       . "ERR" . ('z' x (10 << 20)));                  # unterminated 10 MB line: counted when 64 KiB are there
my $time = -x '/usr/bin/time' ? '/usr/bin/time' : BAIL_OUT('/usr/bin/time is needed (Debian package time)');
sub rss_run {
    my (@args) = @_;
    my $res = run_prog([ $time, '-f', 'RSS %M', bin('check_log'), @args ], env => \%base_env, timeout => 60);
    my ($kb) = $res->{err} =~ /RSS (\d+)/;
    $res->{p} = parse_plugin_output($res->{out});
    return ($res, $kb);
}
my ($big, $big_kb) = rss_run('-F', $e, '--class', 'errors', '--from-start');
is($big->{p}{perf}{errors}{value}, 4, '10 MB lines: matched on their first 64 KiB');
is($big->{p}{perf}{lines}{value}, 6, '10 MB lines: each counted once');
ok($big->{secs} < 5, "10 MB lines: quick ($big->{secs} s)");
my $small = "$dir/small.log";
spew($small, "short error\n");
my (undef, $small_kb) = rss_run('-F', $small, '--class', 'errors', '--from-start');
ok($big_kb - $small_kb < 8 * 1024, "10 MB lines: memory does not grow with the line ($big_kb KiB vs $small_kb KiB)");
append($e, "zz error\nerror after\n");
$r = run_log([ '-F', $e, '--class', 'errors' ]);
is($r->{p}{perf}{errors}{value}, 1, 'the end of the long line is not counted again');
is($r->{p}{perf}{lines}{value}, 1, 'and not read as a new line');

# ---- output: invalid UTF-8, control characters, the 1024-character summary ----
sub summary_of { my ($res) = @_; return join "\n", @{ $res->{p}{long} } }
sub valid_utf8 { my ($s) = @_; return eval { decode('UTF-8', $s, FB_CROAK); 1 } }

my $u = "$dir/u.log";
spew($u, '');
run_log([ '-F', $u, '--class', 'errors' ]);
append($u, "error \xff\xfe bad \xc3\x28 end\x1b[31m tab\there \xed\xa0\x80 \xe3\x81\x82\n");
$r = run_log([ '-F', $u, '--class', 'errors' ]);
ok(valid_utf8($r->{out}), 'invalid UTF-8 in a line: the output is valid UTF-8');
is(summary_of($r), "error \\xff\\xfe bad \\xc3( end\\x1b[31m tab here \\xed\\xa0\\x80 \xe3\x81\x82",
   'invalid bytes and control characters are escaped as \xNN, valid characters kept');

my $aa = "\xe3\x81\x82";   # U+3042, three bytes
sub chars { my ($s) = @_; return length decode('UTF-8', $s, FB_CROAK) }
append($u, "error " . ($aa x 2000) . "\n");
$r = run_log([ '-F', $u, '--class', 'errors' ]);
my $s = summary_of($r);
ok(valid_utf8($s), 'a long multibyte line: valid UTF-8');
is(chars($s), 1024, 'a long multibyte line: cut to 1024 characters');
is($s, "error " . ($aa x 1017) . "\xe2\x80\xa6", 'cut at a character boundary, with an ellipsis');
ok(valid_utf8($r->{p}{line}), 'the status line too');

# three lines of 340 + 340 + 342 characters with two newlines: exactly 1024
my @three = map { "error " . ($aa x ($_ - 6)) } 340, 340, 342;
append($u, join('', map { "$_\n" } @three));
$r = run_log([ '-F', $u, '--class', 'errors' ]);
is(summary_of($r), join("\n", @three), 'lines that fill exactly 1024 characters are all shown');
is(chars(summary_of($r)), 1024, '1024 characters');
$three[0] .= 'x';
append($u, join('', map { "$_\n" } @three));
$r = run_log([ '-F', $u, '--class', 'errors' ]);
is(summary_of($r), join("\n", @three[1, 2]), 'one character more: the oldest line is left out');
# a four-byte character across the cut
append($u, "error " . ("\xf0\x9f\x90\xb1" x 1500) . "\n");
$r = run_log([ '-F', $u, '--class', 'errors' ]);
$s = summary_of($r);
ok(valid_utf8($s) && chars($s) == 1024, 'four-byte characters: 1024 characters, valid UTF-8');

# ---- the state: corrupt, cut short, another file's ----
my $h = "$dir/h.log";
spew($h, lines_text(10, 20));
run_log([ '-F', $h, @all, '-O', 'corrupt' ]);
my $sfile = "$state/check_log.corrupt";
ok(-f $sfile, 'state file named by -O');
my $good = slurp($sfile);
like($good, qr/^mamori check_log 1\n\d+ \d+ \d+ \d+ [0-9a-f]{16} [01] \S+\n\z/, 'state: a header and one record');
for my $bad ([ "garbage\n", 'garbage' ], [ substr($good, 0, length($good) - 9), 'cut short' ],
             [ "\0\0\0\0", 'binary' ], [ $good =~ s/ \d+ / x /r, 'a field not a number' ]) {
    spew($sfile, $bad->[0]);
    $r = run_log([ '-F', $h, @all, '-O', 'corrupt' ]);
    is($r->{exit}, 3, "state $bad->[1]: UNKNOWN once");
    like($r->{p}{summary}, qr/state \S+ was unusable .*started over/, "state $bad->[1]: the reason");
    my $more = lines_text(80, 21);
    append($h, $more);
    $r = run_log([ '-F', $h, @all, '-O', 'corrupt' ]);
    same_as_grep($r, $more, "state $bad->[1]: the next run is normal");
}
# a state that records another file
run_log([ '-F', $a, @all, '-O', 'shared-name' ]);
$r = run_log([ '-F', $h, @all, '-O', 'shared-name' ]);
is($r->{exit}, 3, 'state of another file: UNKNOWN once');
like($r->{p}{summary}, qr/records other files/, 'state of another file: the reason');
my $more = lines_text(60, 22);
append($h, $more);
$r = run_log([ '-F', $h, @all, '-O', 'shared-name' ]);
same_as_grep($r, $more, 'state of another file: then normal');

# ---- files that cannot be read ----
$r = run_log([ '-F', "$dir/missing.log", @all ]);
is($r->{exit}, 3, 'missing file: UNKNOWN');
like($r->{p}{summary}, qr/cannot open \S*missing\.log: No such file/, 'missing file: the reason');
$r = run_log([ '-F', $dir, @all ]);
like($r->{p}{summary}, qr/is not a regular file/, 'a directory: not a regular file');
mkfifo("$dir/fifo", 0600) or die;
$r = run_log([ '-F', "$dir/fifo", @all ], timeout => 10);
ok($r->{exit} == 3 && $r->{secs} < 3, 'a FIFO: UNKNOWN at once');
my $secret = "$dir/secret.log";
spew($secret, "error\n");
chmod 0600, $secret;
if ($> == 0) {
    my $ns = "$dir/nobody-state";
    mkdir $ns; chmod 0777, $ns; chmod 0711, $dir;
    my $res = run_prog([ 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', bin('check_log'),
                         '-F', $secret, @all ], env => { MAMORI_STATE_DIR => $ns });
    is($res->{exit}, 3, 'unreadable file: UNKNOWN');
    like($res->{out}, qr/^LOG UNKNOWN - .*cannot open \S*secret\.log: Permission denied/, 'unreadable file: the reason');
} else {
    chmod 0, $secret;
    $r = run_log([ '-F', $secret, @all ]);
    is($r->{exit}, 3, 'unreadable file: UNKNOWN');
    like($r->{p}{summary}, qr/cannot open \S*secret\.log: Permission denied/, 'unreadable file: the reason');
}
# one bad file among good ones: the others are still read
my ($m1, $m2) = ("$dir/m1.log", "$dir/m2.log");
spew($m1, ''); spew($m2, '');
run_log([ '-F', $m1, '-F', $m2, @all ]);
my ($x1, $x2) = (lines_text(100, 23), lines_text(100, 24));
append($m1, $x1); append($m2, $x2);
$r = run_log([ '-F', $m1, '-F', $m2, @all ]);
same_as_grep($r, $x1 . $x2, 'two files: counts add up');
like(summary_of($r), qr/^m[12]\.log: /m, 'two files: the summary names the file of each line');
append($m1, $x2);
unlink $m2;
$r = run_log([ '-F', $m1, '-F', $m2, @all ]);
is($r->{exit}, 2, 'two files, one gone: the other still judged (CRITICAL beats UNKNOWN)');
like($r->{p}{summary}, qr/cannot open \S*m2\.log/, 'two files, one gone: said');
is($r->{p}{perf}{matches}{value}, grep_all($x2), 'two files, one gone: the other counted');
$r = run_log([ '-F', $a, @all ], env => { MAMORI_STATE_DIR => '/proc/no/such/dir' });
is($r->{exit}, 3, 'state directory that cannot be made: UNKNOWN');

# ---- thresholds ----
my $th = "$dir/th.log";
spew($th, '');
for my $case ([ [ '-w', '2', '-c', '5' ], "error\nerror\n", 0 ], [ [ '-w', '2', '-c', '5' ], "error\n" x 3, 1 ],
              [ [ '-w', '2', '-c', '5' ], "error\n" x 6, 2 ], [ [ '-c', 'auth=0' ], "error\n", 0 ],
              [ [ '-c', 'auth=0' ], "failed\n", 2 ], [ [ '-w', 'errors=1', '-c', '10' ], "error\nwarning\n", 1 ],
              [ [ '-w', '10' ], "error\n" x 5, 0 ], [ [], "nothing\n", 0 ], [ [], "error\n", 2 ],
              [ [ '-c', 'matches=1:' ], "nothing\n", 2 ]) {
    my ($args, $text, $want) = @$case;
    run_log([ '-F', $th, @all, @$args ]);
    append($th, $text);
    $r = run_log([ '-F', $th, @all, @$args ]);
    is($r->{exit}, $want, "thresholds @$args on " . (() = $text =~ /\n/g) . " lines: exit $want");
}
$r = run_log([ '-F', $th, @all, '-w', 'auth=3', '-c', 'auth=4' ]);
is($r->{p}{perf}{auth}{warn}, '3', 'a label threshold is in its perfdata');

# ---- strings, regexes, case, excludes ----
my $k = "$dir/k.log";
spew($k, '');
my @kargs = ('-s', 'Login incorrect', '-s', 'ab', '-e', 'sshd\[\d+\]: Failed', '-s', "\xc3\x84RGER",
             '-e', 'x' x 40);
run_log([ '-F', $k, @kargs ]);
run_log([ '-F', $k, '-i', @kargs ]);
run_log([ '-F', $k, '--class', 'errors', '--exclude', 'CRON|systemd' ]);
my $kt = lines_text(500, 25) . "login INCORRECT\nAb ab AB\n\xc3\xa4rger und \xc3\x84RGER\n\xc3\xa4rger\n";
append($k, $kt);
$r = run_log([ '-F', $k, @kargs ]);
my $pp = $r->{p}{perf};
is($pp->{'Login incorrect'}{value}, grep_count($kt, '-F', '-e', 'Login incorrect'), '-s: as grep -cF');
is($pp->{ab}{value}, grep_count($kt, '-F', '-e', 'ab'), 'a two-byte -s: as grep -cF');
is($pp->{'sshd\[\d+\]: Failed'}{value}, grep_count($kt, '-P', '-e', 'sshd\[\d+\]: Failed'), '-e: as grep -cP');
is($pp->{"string3"}{value}, grep_count($kt, '-F', '-e', "\xc3\x84RGER"), 'a non-ASCII -s, labelled string3: as grep -cF');
ok(exists $pp->{regex2}, 'a long regex is labelled regexN');
$r = run_log([ '-F', $k, '-i', @kargs ]);
$pp = $r->{p}{perf};
is($pp->{'Login incorrect'}{value}, grep_count($kt, '-iF', '-e', 'Login incorrect'), '-i -s: as grep -ciF');
is($pp->{ab}{value}, grep_count($kt, '-iF', '-e', 'ab'), '-i two-byte -s: as grep -ciF');
my $utf = run_prog([ 'grep', '-ciF', '-e', "\xc3\x84RGER", do { spew("$dir/kt", $kt); "$dir/kt" } ],
                   env => { LC_ALL => 'C.UTF-8' });
chomp(my $utf_n = $utf->{out});
is($pp->{string3}{value}, $utf_n, '-i non-ASCII -s: Unicode case, as grep -ciF in C.UTF-8');
$r = run_log([ '-F', $k, '--class', 'errors', '--exclude', 'CRON|systemd' ]);
my $excl = run_prog([ 'sh', '-c', 'grep -aiE "$1" "$2" | grep -avcE "$3"', 'sh', join('|', @{ $words{errors} }), "$dir/kt",
                      'CRON|systemd' ], env => { LC_ALL => 'C' });
chomp(my $excl_n = $excl->{out});
is($r->{p}{perf}{errors}{value}, $excl_n, '--exclude: as grep | grep -vc');

# ---- the AVX2 and the portable search agree, with grep, over buffer boundaries ----
my $big_text = '';
srand(26);
my @vocab = (qw(erx er err ERR e r timeou timeout tim /ph /php /PHP /te /test-cgi pas passw PASSWD fai FAIL
                inval invalid null NULL eof EOF Warnin warning abor ABORT refuse refused rejec reject deni denied
                incorrec incorrect login LOGIN), 'timed out', 'not permitted', 'null connection', 'eof received',
             'authentication failed', 'repeated login failures', 'login incorrect', 'a', 'b', 'xyz', '0123');
while (length $big_text < 3 << 20) {
    $big_text .= join(' ', map { $vocab[int rand @vocab] } 1 .. 1 + int rand 12) . "\n";
}
my $v = "$dir/v.log";
spew($v, $big_text);
my %res;
for my $portable (0, 1) {
    $res{$portable} = run_log([ '-F', $v, @all, '--from-start', '-O', "v$portable" ],
                              env => { MAMORI_LOGSCAN_PORTABLE => $portable });
}
same_as_grep($res{0}, $big_text, '3 MB of near misses, default search');
same_as_grep($res{1}, $big_text, '3 MB of near misses, portable search');

# ---- out of time: what was read is kept, the next run goes on ----
my $slow = "$dir/slow.log";
my $xline = ('x' x 40) . "!\n";   # no match, but the regex backtracks to its limit
spew($slow, $xline x 3000);
my ($runs, $lines_read, $saw_incomplete, $late) = (0, 0, 0, 0);
my @slow = ('-F', $slow, '-e', '^(x+x+)+$', '-t', '2');
run_log([ @slow ]);   # first run: at the end
append($slow, $xline x 3000);
while ($runs++ < 40) {
    $r = run_log([ @slow ]);
    $late++ if $r->{secs} > 2 || $r->{p}{summary} =~ /timed out after/;
    $lines_read += $r->{p}{perf}{lines}{value};
    $saw_incomplete++ if $r->{p}{summary} =~ /out of time with \d+ bytes left, the next run goes on/;
    last if $r->{p}{perf}{lines}{value} == 0;
}
ok($saw_incomplete, "a slow regex: the scan stops before -t ($saw_incomplete runs)");
is($late, 0, 'a slow regex: every run answered by itself before -t');
is($lines_read, 3000, 'a slow regex: over the runs every line read once');
like($r->{p}{summary}, qr/a regex gave up on|0 matching lines/, 'a regex that gives up is said');

# ---- bad arguments ----
my $f = "$dir/bad.log";
spew($f, "x\n");
my @bad = (
    [], [ '-F', $f ], [ '--class', 'errors' ], [ '-F', $f, '--class', 'bogus' ], [ '-F', $f, '--class', '' ],
    [ '-F', $f, '--class', ',' ], [ '-F', $f, '--class', 'errors,errors' ], [ '-F', $f, '-e', '(' ],
    [ '-F', $f, '-e', '' ], [ '-F', $f, '-s', '' ], [ '-F', $f, '-s', "a\nb" ], [ '-F', $f, '-e', "a\nb" ],
    [ '-F', $f, '-e', "\xff\xfe" ], [ '-F', $f, '-F', $f, '--class', 'errors' ],
    [ '-F', $f, '--class', 'errors', '-w', 'nosuch=5' ], [ '-F', $f, '--class', 'errors', '-w', 'errors=x' ],
    [ '-F', $f, '--class', 'errors', '-c', '=5' ], [ '-F', $f, '--class', 'errors', '-O', '' ],
    [ '-F', $f, '-s', 'matches' ], [ '-F', $f, '--class', 'errors', '--exclude', '(' ],
    [ '-F', '', '--class', 'errors' ], [ (map { ('-F', "$dir/f$_") } 1 .. 33), '--class', 'errors' ],
    [ '-F', $f, '-s', 'abc', '-s', 'abc' ], [ '-F', $f, '--class', 'errors', '-w', '5:1' ],
    [ '-F', $f, '--class', 'errors', '-O', 'x' x 300 ],
);
for my $args (@bad) {
    my $res = plugin_run('check_log', @$args, { env => \%base_env, timeout => 10 });
    (my $shown = join ' ', map { length > 30 ? substr($_, 0, 10) . '...' : $_ } @$args) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
    is($res->{exit}, 3, "bad: $shown: exit 3");
    like($res->{out}, qr/^LOG UNKNOWN - \S.{5,}\n\z/, "bad: $shown: one line with a reason") or diag($res->{out});
}
done_testing;
