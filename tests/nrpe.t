# contrib/nrpe/mamori.cfg: every command[] line runs the program it names
# from the build tree (the installed plugindir substituted) and keeps the
# plugin contract (exit 0..3, a status line naming that state, well-formed
# perfdata); the runbook's local checks are all there; no line takes
# arguments from the network ($ARGn$) or needs a shell.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Mamori::Test;

my $src = $ENV{MAMORI_SRC} // '.';
my $build = $ENV{MAMORI_BUILD} // die 'MAMORI_BUILD is not set';
my $cfg = "$src/contrib/nrpe/mamori.cfg";
open my $f, '<', $cfg or BAIL_OUT("$cfg: $!");
my $state = tempdir('mamori-nrpe-XXXXXX', TMPDIR => 1, CLEANUP => 1);

my %seen;
my $n = 0;
while (my $l = <$f>) {
    next if $l =~ /^\s*(#|$)/;
    chomp $l;
    my ($name, $line) = $l =~ /^command\[(mamori_\w+)\]=(\S.*)$/ or do { fail("not a command[] line: $l"); next };
    $n++;
    unlike($line, qr/\$ARG\d+\$|\$/, "$name: no macro or argument from the network");
    unlike($line, qr/[;&|<>`'"\\*?(){}]/, "$name: nothing a shell would interpret");
    my ($prog, @args) = split ' ', $line;
    like($prog, qr{^/usr/lib/nagios/plugins/check_\w+\z}, "$name: a check_* program by its installed path");
    (my $base = $prog) =~ s{.*/}{};
    my $bin = "$build/plugins/$base";
    ok(-x $bin, "$name: $base is built") or next;
    $seen{ $base =~ s/^check_//r }++;
    my $r = run_prog([$bin, @args], env => { MAMORI_STATE_DIR => $state }, timeout => 30);
    $r->{p} = parse_plugin_output($r->{out});
    check_plugin_output($r, "$name ($base @args)");
}
cmp_ok($n, '>=', 10, "$n commands");
for my $want (qw(load cpu mem swap disk procs mailq log logins netif)) {
    ok($seen{$want}, "the runbook's local check $want is there");
}
done_testing();
