# The bad-input table of the programs that are not check_* plugins (issue
# 11; bad_args.t has the plugins'): the notifiers, the recover handler and
# the `mamori` subcommands. Every option that takes a value gets hostile
# bytes (non-UTF-8, 100 kB, a newline, a negative and a huge number), with
# --dry-run or a read-only subcommand so that nothing is sent or changed:
# each ends by itself with a status line or a one-line reason, never a
# crash, a hang or a sanitizer report.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Mamori::Test;

my $dir = tempdir('mamori-badinput-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chdir $dir or die "$dir: $!";   # an --output "a\nb" lands here, not in the tree
my $conf = "$dir/mamori.ini";
open my $fh, '>', $conf or die; print $fh "[mail]\nto = ops\@example.com\n"; close $fh;
chmod 0600, $conf;
my %env = (MAMORI_CONFIG => $conf, HOME => $dir, NAGIOS_HOSTNAME => 'web1', NAGIOS_SERVICESTATE => 'CRITICAL');

my $nonutf8 = "\xff\xfe\xc3\x28";
my $big = 'a' x 100_000;
my @values = ($nonutf8, $big, "a\nb", '-1', '99999999999999999999999');

# program (under the build tree), the arguments that keep it harmless, the
# exit codes it may answer with besides 0..3
my @programs = (
    [ 'notify_mail', [ '--dry-run', '--no-flush' ], [] ],
    [ 'notify_chat', [ '--dry-run', '--no-flush' ], [] ],
    [ 'notify_call', [ '--dry-run' ], [] ],
    [ 'recover', [ '--dry-run', '-H', 'web1', '-r', 'http' ], [] ],
    [ 'mamori spool', [ 'list' ], [] ],
    [ 'mamori silence', [ 'list' ], [] ],
    [ 'mamori silence', [ 'add', '--host', 'web1', '--end', '+1h', '--dry-run' ], [] ],
    [ 'mamori report', [ '--month', '2026-10', '--log', '/dev/null' ], [] ],
    [ 'mamori triage', [ '--list' ], [] ],
    [ 'mamori mail2alert', [ '--dry-run' ], [ 75, 78 ] ],
);

sub argv_of {
    my ($prog) = @_;
    my @w = split / /, $prog;
    return (bin($w[0]), @w[1 .. $#w]);
}

for my $p (@programs) {
    my ($prog, $safe, $extra) = @$p;
    my %ok_exit = map { $_ => 1 } (0 .. 3, @$extra);
    my $help = run_prog([ argv_of($prog), '--help' ], env => \%env)->{out};
    my @opts = grep { $_ ne '--timeout' } $help =~ /^\s+(?:-\w, )?(--[\w-]+)=/mg;
    ok(@opts >= 1, "$prog: options that take a value (" . scalar(@opts) . ')');
    for my $opt (@opts) {
        for my $val (@values) {
            my $r = run_prog([ argv_of($prog), @$safe, $opt, $val ], env => \%env, timeout => 40);
            my $vs = length $val > 20 ? 'a 100 kB string' : ($val =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ger);
            my $name = "$prog @$safe $opt $vs";
            ok(!$r->{signal} && !$r->{timed_out} && $ok_exit{ $r->{exit} }, "$name: ends by itself (exit $r->{exit})")
                or diag(substr($r->{out} . $r->{err}, 0, 400));
            my $text = $r->{out} . $r->{err};
            my ($first) = split /\n/, $text;
            # --output FILE: the report goes to the file, nothing to say
            ok((defined $first && length($first) < 8192) || ($opt eq '--output' && $r->{exit} == 0),
               "$name: says something in a line under 8 kB");
        }
    }
    # an unknown option and a missing value: exit 3 (or the program's own
    # usage code) with a reason, at once
    for my $bad ([ '--bogus-option' ], [ $opts[0] ]) {
        my $r = run_prog([ argv_of($prog), @$safe, @$bad ], env => \%env, timeout => 20);
        ok($r->{exit} == 3 || ($prog =~ /mail2alert/ && $ok_exit{ $r->{exit} }), "$prog @$bad: exit $r->{exit}");
        like($r->{out} . $r->{err}, qr/\S/, "$prog @$bad: a reason");
        ok($r->{secs} < 10, "$prog @$bad: at once");
    }
}
done_testing;
