# Each program has a docs page, and the page's options agree with --help.
use strict;
use warnings;
use Test::More;
use Mamori::Test;

my $src = $ENV{MAMORI_SRC} // '.';
# every page under docs/ but the overviews documents one program (a
# `mamori-X.md` page documents `mamori X`), so a new program's page is
# checked as soon as it exists
opendir(my $dh, "$src/docs") or die "$src/docs: $!";
my @programs = sort map { (my $p = $_) =~ s/\.md\z//; $p =~ s/^mamori-/mamori /; $p }
    grep { /\.md\z/ && !/^(?:architecture|performance|install|reliability)\.md\z/ } readdir $dh;
closedir $dh;
ok(@programs >= 24, scalar(@programs) . " program pages found");
for my $prog (@programs) {
    (my $page = $prog) =~ s/ /-/;
    my $path = "$src/docs/$page.md";
    ok(-f $path, "$path exists") or next;
    my $doc = do { local $/; open my $f, '<', $path or die; <$f> };
    my @cmd = split / /, $prog;
    my $help = run_prog([bin($cmd[0]), @cmd[1 .. $#cmd], '--help'])->{out};
    my @help_opts = $help =~ /^\s+(?:-\w, )?(--[\w-]+)/mg;
    ok(@help_opts >= 3, "$prog --help lists options");
    for my $o (@help_opts) {
        like($doc, qr/\Q$o\E\b/, "$page.md documents $o");
    }
    # and the page documents no option the program does not have
    my ($section) = $doc =~ /^## Options\n(.*?)(?=^## |\z)/ms;
    ok(defined $section, "$page.md has an Options section") or next;
    my %have = map { $_ => 1 } @help_opts;
    for my $o ($section =~ /(?<![\w-])(--[a-z][\w-]+)/g) {
        ok($have{$o}, "$page.md option $o exists in --help");
    }
}
done_testing;
