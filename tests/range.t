# Threshold ranges at every boundary, as the Nagios plugin guidelines define
# them (endpoints inclusive), and every malformed form.
use strict;
use warnings;
use Test::More;
use Mamori::Test;

my $tool = bin('range_tool');

sub judge {
    my ($range, @values) = @_;
    my $r = run_prog([$tool, $range, @values]);
    return $r;
}

# range, expected perfdata form, [value => alert?] ...
my @cases = (
    [ '10',       '10',       [ -0.001 => 1, 0 => 0, 5 => 0, 10 => 0, 10.001 => 1, 11 => 1 ] ],
    [ '10:',      '10:',      [ 9.999 => 1, 10 => 0, 1e6 => 0, -5 => 1 ] ],
    [ '~:10',     '~:10',     [ -1e6 => 0, 10 => 0, 10.0001 => 1 ] ],
    [ '10:20',    '10:20',    [ 9.99 => 1, 10 => 0, 15 => 0, 20 => 0, 20.01 => 1 ] ],
    [ '@10:20',   '@10:20',   [ 9.99 => 0, 10 => 1, 15 => 1, 20 => 1, 20.01 => 0 ] ],
    [ '0',        '0',        [ 0 => 0, 0.0001 => 1, -0.0001 => 1 ] ],
    [ '-10:-5',   '-10:-5',   [ -10.5 => 1, -10 => 0, -7 => 0, -5 => 0, -4.9 => 1 ] ],
    [ '-5:',      '-5:',      [ -5.1 => 1, -5 => 0, 0 => 0 ] ],
    [ '~:-5',     '~:-5',     [ -5 => 0, -4.9 => 1 ] ],
    [ '1.5:2.25', '1.5:2.25', [ 1.49 => 1, 1.5 => 0, 2.25 => 0, 2.26 => 1 ] ],
    [ '@~:10',    '@~:10',    [ 10 => 1, 10.1 => 0, -100 => 1 ] ],
    [ '@10:',     '@10:',     [ 9.9 => 0, 10 => 1, 1e9 => 1 ] ],
    [ '@0:0',     '@0:0',     [ 0 => 1, 0.1 => 0 ] ],
    [ '@10',      '@0:10',    [ 0 => 1, 10 => 1, 10.5 => 0, -1 => 0 ] ],
    [ ':10',      '10',       [ -1 => 1, 0 => 0, 10 => 0, 11 => 1 ] ],
    [ '10:10',    '10:10',    [ 9.9 => 1, 10 => 0, 10.1 => 1 ] ],
    [ '+5',       '5',        [ 5 => 0, 6 => 1 ] ],
    [ '.5',       '0.5',      [ 0.5 => 0, 0.51 => 1 ] ],
    [ '5.',       '5',        [ 5 => 0, 5.01 => 1 ] ],
    [ '0:1000000000', '1000000000', [ 1e9 => 0, 1000000001 => 1 ] ],
);

for my $c (@cases) {
    my ($range, $form, $pairs) = @$c;
    my @v = @$pairs[ grep { $_ % 2 == 0 } 0 .. $#$pairs ];
    my @want = @$pairs[ grep { $_ % 2 == 1 } 0 .. $#$pairs ];
    my $r = judge($range, map { sprintf('%.10g', $_) =~ s/e\+?(\d+)$/'0' x $1/er } @v);
    is($r->{exit}, 0, "'$range' parses");
    my ($fmt, @got) = split /\n/, $r->{out};
    is($fmt, "format: $form", "'$range' prints in perfdata as '$form'");
    for my $i (0 .. $#v) {
        is($got[$i], $want[$i] ? 'alert' : 'ok', "'$range' with $v[$i]: " . ($want[$i] ? 'alert' : 'no alert'));
    }
}

# Malformed ranges: a reason, never a crash.
my @bad = ('', 'abc', '10:5', '@20:10', '~', '~:', '@', '@~:', '1e3', '0x10', 'inf', 'nan',
           '10:20:30', '10::', '::', '1,2', ' 10', '10 ', '--5', '5-', '~5', '10:~', '@@10',
           '1.2.3', '.', '-', '+', "\xff\xfe", '9' x 400, '1' . ('0' x 400) . ':');
for my $b (@bad) {
    my $r = judge($b);
    (my $shown = $b) =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    $shown = substr($shown, 0, 30);
    is($r->{exit}, 3, "'$shown' is refused");
    like($r->{out}, qr/^error: \S/, "'$shown' gets a reason");
}

# fuzz_range crash-1a482003 (regression): a threshold with many leading zeros
# after the point was printed as 0, so the perfdata said another range than
# the one judged. A printed range must read back as the same range.
# fuzz_range crash-8234094e (regression, found in CI): a 127-character
# ".000...48" was accepted but printed as 128 characters with its "0.",
# which the parser then refused
for my $t ('.0000004858033525654406940:', '0.1:0.30000000000000004', '~:1e-3x', '123456789.123456789',
           '.' . ('0' x 124) . '48') {
    my $r = judge($t, 0, 1e-9, 0.1, 1);
    next if $r->{exit} == 3;   # '1e-3x' is refused: exponents are not ranges
    my ($f) = $r->{out} =~ /^format: (.*)$/m;
    my $back = judge($f, 0, 1e-9, 0.1, 1);
    is(join(',', $back->{out} =~ /^(alert|ok)$/mg), join(',', $r->{out} =~ /^(alert|ok)$/mg),
       "'$t' printed as '$f' judges the same");
}

done_testing;
