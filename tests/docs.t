# Each program has a docs page, and the page's options agree with --help.
use strict;
use warnings;
use Test::More;
use Mamori::Test;

my $src = $ENV{MAMORI_SRC} // '.';
my @programs = (qw(check_load check_cpu check_mem check_swap check_disk check_procs check_listen
                   check_tcp check_ssh check_ftp check_smtp check_pop check_imap check_ssl_cert
                   check_http check_dns check_ping), 'mamori triage');
push @programs, 'check_logins';
push @programs, 'check_updates';
push @programs, 'check_file';
push @programs, 'check_netif';
push @programs, 'check_log';
push @programs, 'check_mailq';
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
