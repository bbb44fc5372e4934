# Helpers for mamori's Perl tests: find the programs of the build tree, run
# them with a hard deadline, parse the plugin output, catch sanitizer reports.
package Mamori::Test;
use strict;
use warnings;
use Exporter 'import';
use Encode ();
use File::Basename qw(dirname);
use File::Spec;
use File::Temp ();
use IO::Select;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Test::More;

our @EXPORT = qw(bin run_prog parse_plugin_output plugin_run check_plugin_output clean_utf8 exec_argv $REPORT_RX);

# No test writes into the system's state directory: stateful plugins get a
# private one unless the test names its own.
$ENV{MAMORI_STATE_DIR} //= File::Temp::tempdir('mamori-state-XXXXXX', TMPDIR => 1, CLEANUP => 1);

my $src = $ENV{MAMORI_SRC} // File::Spec->rel2abs(dirname(__FILE__) . '/../../..');
my $build = $ENV{MAMORI_BUILD} // $src;

# Path of a program in the build tree: plugins/, cli/ or tests/tools/.
sub bin {
    my ($name) = @_;
    for my $dir (qw(plugins notifiers handlers cli tests/tools bench)) {
        my $p = "$build/$dir/$name";
        return $p if -x $p;
    }
    BAIL_OUT("program $name is not built under $build (run make first)");
}

# What a sanitizer or memcheck prints when it finds something.
our $REPORT_RX = qr/(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|^==\d+== (?:Invalid|Conditional|Syscall param|Mismatched|Source and destination)|definitely lost in)/m;

# exec argv in a forked child (never returns). MAMORI_VALGRIND=1: every
# program of the build under memcheck; an error or a definite leak exits
# 86 and is reported on stderr.
sub exec_argv {
    my @argv = @_;
    if ($ENV{MAMORI_VALGRIND} && index($argv[0], $build) == 0) {
        unshift @argv, 'valgrind', '-q', '--error-exitcode=86', '--leak-check=full',
            "--suppressions=$src/tests/valgrind.supp",
            '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite', '--trace-children=no';
    }
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    POSIX::_exit(127);
}

# Run argv (no shell) with a deadline. Returns { exit, signal, out, err, secs, timed_out }.
# Any AddressSanitizer/UBSan report on stderr fails the calling test.
sub run_prog {
    my ($argv, %o) = @_;
    my $limit = $o{timeout} // 30;
    pipe(my $or, my $ow) or die "pipe: $!";
    pipe(my $er, my $ew) or die "pipe: $!";
    my $t0 = time;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        close $or; close $er;
        open STDOUT, '>&', $ow or POSIX::_exit(127);
        open STDERR, '>&', $ew or POSIX::_exit(127);
        open STDIN, '<', '/dev/null';
        %ENV = (%ENV, %{ $o{env} // {} });
        exec_argv(@$argv);
    }
    close $ow; close $ew;
    my %buf = (out => '', err => '');
    my $sel = IO::Select->new($or, $er);
    my $timed_out = 0;
    while ($sel->count) {
        my $left = $t0 + $limit - time;
        if ($left <= 0) { $timed_out = 1; kill 'KILL', $pid; last }
        for my $fh ($sel->can_read($left)) {
            my $n = sysread($fh, my $chunk, 65536);
            if (!$n) { $sel->remove($fh); next }
            $buf{ $fh == $or ? 'out' : 'err' } .= $chunk;
        }
    }
    waitpid($pid, 0);
    my $status = $?;
    my $r = {
        exit => ($status & 127) ? -1 : $status >> 8,
        signal => $status & 127,
        out => $buf{out}, err => $buf{err},
        secs => time - $t0, timed_out => $timed_out,
    };
    if ($r->{err} =~ $REPORT_RX) {
        fail("no sanitizer or valgrind report from @$argv[0]");
        diag($r->{err});
    }
    return $r;
}

# "SERVICE STATE - summary | perf\nlong..." into its parts. Perfdata values
# are checked against the guidelines' grammar: a malformed one fails the test.
sub parse_plugin_output {
    my ($text) = @_;
    my ($first, @long) = split /\n/, $text;
    $first //= '';
    my ($status, $perf) = split /\|/, $first, 2;
    my %p = (line => $first, long => \@long, perf => {}, perf_order => []);
    if ($status =~ /^(\S+) (OK|WARNING|CRITICAL|UNKNOWN)(?: - |: )(.*)$/s) {
        @p{qw(service state summary)} = ($1, $2, $3);
        $p{summary} =~ s/\s+$//;
    }
    if (defined $perf) {
        $perf =~ s/^\s+|\s+$//g;
        while (length $perf) {
            my $label;
            if ($perf =~ s/^'((?:[^']|'')*)'=//) { ($label = $1) =~ s/''/'/g }
            elsif ($perf =~ s/^([^'= ][^= ]*)=//) { $label = $1 }
            else { $p{perf_error} = "bad label at: $perf"; last }
            $perf =~ s/^(\S*)\s*// or last;
            my @f = split /;/, $1, -1;
            my ($v, $uom) = ($f[0] // '') =~ /^(-?[0-9.]+|U)(s|ms|us|%|B|KB|MB|GB|TB|c)?$/
                or do { $p{perf_error} = "bad value '$f[0]' for $label"; last };
            $p{perf}{$label} = { value => $v, uom => $uom // '', warn => $f[1] // '',
                                 crit => $f[2] // '', min => $f[3] // '', max => $f[4] // '' };
            push @{ $p{perf_order} }, $label;
        }
    }
    return \%p;
}

# Run a program and parse its output in one go.
sub plugin_run {
    my ($name, @args) = @_;
    my %o = ref $args[-1] eq 'HASH' ? %{ pop @args } : ();
    my $r = run_prog([bin($name), @args], %o);
    $r->{p} = parse_plugin_output($r->{out});
    return $r;
}

# The contract every answer must keep: exit 0..3, a status line naming the
# state that matches the exit code, well-formed perfdata.
# Strict UTF-8 (no overlong form, surrogate or code point past U+10FFFF)
# without C1 controls: what lib/plugin.c promises of every output.
sub clean_utf8 {
    my ($bytes) = @_;
    my $copy = $bytes;
    return 0 unless eval { Encode::decode('UTF-8', $copy, Encode::FB_CROAK); 1 };
    return $bytes !~ /\xc2[\x80-\x9f]/;
}

sub check_plugin_output {
    my ($r, $name) = @_;
    my @states = qw(OK WARNING CRITICAL UNKNOWN);
    my $ok = $r->{exit} >= 0 && $r->{exit} <= 3 && !$r->{timed_out}
        && defined $r->{p}{state} && $r->{p}{state} eq $states[$r->{exit}]
        && !defined $r->{p}{perf_error} && clean_utf8($r->{out});
    ok($ok, "$name: contract (exit $r->{exit}, line: $r->{p}{line})")
        or diag("stdout: $r->{out}\nstderr: $r->{err}\nperf: " . ($r->{p}{perf_error} // '')
                . (clean_utf8($r->{out}) ? '' : "\nthe output is not clean UTF-8"));
    return $ok;
}

1;
