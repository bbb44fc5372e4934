# Perfdata items as the guidelines and Icinga 2 / PNP4Nagios parse them.
use strict;
use warnings;
use Test::More;
use Mamori::Test;

my $tool = bin('perf_tool');

sub perf {
    my $r = run_prog([$tool, @_]);
    is($r->{exit}, 0, "perf_tool @_ ran") or diag($r->{out});
    my ($line) = split /\n/, $r->{out};
    my (undef, $p) = split / \| /, $line, 2;
    return $p // '';
}

is(perf('load1', '0.16', '-', 3, '10', '20', '0', '-'), 'load1=0.160;10;20;0', 'mp-style load item');
is(perf('time', '0.0123', 's', -1, '-', '-', '-', '-'), 'time=0.0123s', 'no thresholds: trailing fields dropped');
is(perf('/', '17017339904', 'B', 0, '-', '-', '0', '270552530944'), '/=17017339904B;;;0;270552530944', 'empty warn/crit kept when min/max follow');
is(perf('a b', '1', '-', -1, '-', '-', '-', '-'), "'a b'=1", 'label with a space is quoted');
is(perf("it's", '1', '-', -1, '-', '-', '-', '-'), "'it''s'=1", 'quote in a label is doubled');
is(perf('k=v', '1', '-', -1, '-', '-', '-', '-'), "'k=v'=1", 'label with = is quoted');
is(perf('x', '1234567890123', 'B', -1, '-', '-', '-', '-'), 'x=1234567890123B', 'large integers never in exponent form');
is(perf('x', '0.0000001', '-', -1, '-', '-', '-', '-'), 'x=0', 'tiny values rounded, no exponent');
is(perf('x', '-0.0000001', '-', -1, '-', '-', '-', '-'), 'x=0', 'no negative zero');
is(perf('x', '2.5', '%', -1, '10:', '@5:8', '0', '100'), 'x=2.5%;10:;@5:8;0;100', 'ranges printed in range syntax');
is(perf('x', '1', 'c', -1, '~:10', '-', '-', '-'), 'x=1c;~:10', 'counter UOM');
for my $uom (qw(s ms us % B KB MB GB TB c)) {
    like(perf('x', '1', $uom, -1, '-', '-', '-', '-'), qr/^x=1\Q$uom\E$/, "UOM $uom");
}

# The summary never carries '|' or a newline into the status line.
my $r = run_prog([$tool, 'x', '1', '-', -1, '-', '-', '-', '-']);
my @lines = split /\n/, $r->{out};
is(scalar @lines, 1, 'newline in summary does not start long output');
is(($lines[0] =~ tr/|//), 1, 'only the perfdata separator is a |');
my $p = parse_plugin_output($r->{out});
ok(!defined $p->{perf_error}, 'output parses');

done_testing;
