# mamori triage: runs the check set in parallel under one deadline, prints
# a table with the runbook's next step for each item that is not OK.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Mamori::Test;

my $mamori = bin('mamori');

my $r = run_prog([$mamori, 'triage', '--no-color'], timeout => 60);
ok($r->{exit} >= 0 && $r->{exit} <= 3, "triage exit $r->{exit}");
like($r->{out}, qr/^mamori triage of localhost at /, 'header');
like($r->{out}, qr/^ITEM\s+STATE\s+SUMMARY$/m, 'table head');
for my $item (qw(load cpu memory swap disk)) {
    like($r->{out}, qr/^\Q$item\E\s+(OK|WARNING|CRITICAL|UNKNOWN)\s+\S/m, "item $item ran");
}
like($r->{out}, qr/^worst: (OK|WARNING|CRITICAL|UNKNOWN)\s+\(\d+ critical, \d+ warning, \d+ unknown, \d+ ok, \d+ skipped\)$/m, 'footer');
my %names = (0 => 'OK', 1 => 'WARNING', 2 => 'CRITICAL', 3 => 'UNKNOWN');
like($r->{out}, qr/^worst: $names{$r->{exit}}\b/m, 'exit code is the worst state');

# JSON: every item with its state, agreeing with the plugins run alone.
$r = run_prog([$mamori, 'triage', '--json'], timeout => 60);
my $j = eval { decode_json($r->{out}) };
ok($j, 'valid JSON') or diag($r->{out});
is($j->{host}, 'localhost', 'host');
my %by = map { $_->{item} => $_ } @{ $j->{items} };
for my $item (qw(load cpu memory swap disk)) {
    ok(exists $by{$item}, "$item in JSON");
    like($by{$item}{state}, qr/^(OK|WARNING|CRITICAL|UNKNOWN)$/, "$item state");
    like($by{$item}{output}, qr/^[A-Z]+ (OK|WARNING|CRITICAL|UNKNOWN)/, "$item keeps the plugin's status line");
}
like($by{memory}{perfdata}, qr/used_pct=/, 'perfdata kept');
my $worst = 0;
my %rank = (OK => 0, UNKNOWN => 1, WARNING => 2, CRITICAL => 3);
for (@{ $j->{items} }) { next if $_->{state} eq 'SKIPPED'; $worst = $rank{$_->{state}} if $rank{$_->{state}} > $worst }
is($rank{$j->{worst}}, $worst, 'worst is the worst item');

# Items for daemons not installed are skipped, --all runs them; a port the
# runbook names that does not listen is CRITICAL with the runbook's next step.
$r = run_prog([$mamori, 'triage', '--all', '--only', 'port 8443', '--no-color'], timeout => 30);
my $listening = `ss -Hltn 2>/dev/null` =~ /:8443\s/;
SKIP: {
    skip 'something listens on 8443 here', 3 if $listening;
    is($r->{exit}, 2, 'port 8443 not listening: CRITICAL');
    like($r->{out}, qr/^port 8443\s+CRITICAL\s+1 of 1 ports not listening: 8443\/tcp$/m, 'row');
    like($r->{out}, qr/next \(runbook 000 5\.7\): restart Plesk/, 'next step from runbook 000 5.7');
}
$r = run_prog([$mamori, 'triage', '--all', '--only', 'port 8443', '--lang', 'ja', '--no-color'], timeout => 30);
like($r->{out}, qr/plesk 再起動 \(# \/etc\/init\.d\/psa start\)/, 'Japanese next step, runbook wording') unless $listening;

# --only with a prefix, --skip, --list
$r = run_prog([$mamori, 'triage', '--list']);
is($r->{exit}, 0, '--list exits 0');
like($r->{out}, qr/^port 22\s+runbook 000 5\.1\s+\S+\/check_listen -p 22 -o/m, '--list shows the command');
my @items = $r->{out} =~ /^(\S+(?: \S+)?)\s+runbook/mg;
ok(@items >= 20, scalar(@items) . ' items');
$r = run_prog([$mamori, 'triage', '--json', '--only', 'load,memory']);
is_deeply([ map { $_->{item} } @{ decode_json($r->{out})->{items} } ], [qw(load memory)], '--only');
$r = run_prog([$mamori, 'triage', '--json', '--only', 'port', '--skip', 'port 22,port 21']);
my @ports = map { $_->{item} } @{ decode_json($r->{out})->{items} };
ok(@ports == 6 && !grep({ $_ eq 'port 22' || $_ eq 'port 21' } @ports), '--only port --skip two ports');

# Parallel under one deadline: slow plugins are cut off at the deadline,
# reported UNKNOWN, and the table still comes.
my $dir = tempdir(CLEANUP => 1);
for my $p (qw(check_load check_cpu check_mem check_swap check_disk check_procs check_listen)) {
    open my $f, '>', "$dir/$p" or die;
    print $f "#!/bin/sh\nsleep 30\n";
    close $f;
    chmod 0755, "$dir/$p";
}
$r = run_prog([$mamori, 'triage', '--deadline', '2', '--only', 'load,cpu,memory,swap,disk', '--no-color'],
              env => { MAMORI_PLUGINDIR => $dir }, timeout => 20);
ok($r->{secs} < 4, sprintf('five 30 s plugins end at the 2 s deadline (%.1f s)', $r->{secs}));
is($r->{exit}, 3, 'cut off items are UNKNOWN');
like($r->{out}, qr/^load\s+UNKNOWN\s+no answer before the triage deadline$/m, 'reason shown');
is(scalar(() = $r->{out} =~ /no answer before the triage deadline/g), 5, 'all five cut off');
is(`pgrep -f '^/bin/sh $dir/'`, '', 'no plugin process left behind');

# Plugins that run in parallel: five 1 s plugins take about 1 s, not 5.
for my $p (qw(check_load check_cpu check_mem check_swap check_disk)) {
    open my $f, '>', "$dir/$p" or die;
    print $f "#!/bin/sh\nsleep 1\necho 'X WARNING - slow but fine | t=1s'\nexit 1\n";
    close $f;
}
$r = run_prog([$mamori, 'triage', '--only', 'load,cpu,memory,swap,disk', '--no-color'],
              env => { MAMORI_PLUGINDIR => $dir }, timeout => 20);
ok($r->{secs} < 2.5, sprintf('five 1 s plugins in %.1f s', $r->{secs}));
is($r->{exit}, 1, 'WARNING is the worst');
is(scalar(() = $r->{out} =~ /WARNING\s+slow but fine/g), 5, 'summaries without the SERVICE STATE prefix');

# A plugin that is missing or prints garbage is UNKNOWN, not OK.
unlink "$dir/check_load";
open my $g, '>', "$dir/check_mem" or die; print $g "#!/bin/sh\nprintf '\\377\\376garbage'\nexit 7\n"; close $g;
$r = run_prog([$mamori, 'triage', '--only', 'load,memory', '--json'], env => { MAMORI_PLUGINDIR => $dir });
$j = decode_json($r->{out});
is($j->{items}[0]{state}, 'UNKNOWN', 'missing plugin: UNKNOWN');
like($j->{items}[0]{output}, qr/could not run the plugin/, 'missing plugin: reason');
is($j->{items}[1]{state}, 'UNKNOWN', 'exit 7 is UNKNOWN');

# A remote host: local items are skipped and said so; nothing measured is not OK.
$r = run_prog([$mamori, 'triage', 'host.example.invalid', '--no-color', '--only', 'load']);
like($r->{out}, qr/^load\s+-\s+local check: run `mamori triage` on that host/m, 'local items skipped for a remote host');
is($r->{exit}, 3, 'nothing measured: UNKNOWN');

# Network items run against a remote host; this one does not resolve.
$r = run_prog([$mamori, 'triage', 'host.example.invalid', '--json', '--only', 'ssh,smtp,load']);
$j = decode_json($r->{out});
my %st = map { $_->{item} => $_ } @{ $j->{items} };
is($st{load}{state}, 'SKIPPED', 'remote: local item skipped');
is($st{ssh}{state}, 'UNKNOWN', 'remote: ssh ran (name does not resolve: UNKNOWN)');
like($st{ssh}{output}, qr/^SSH UNKNOWN - cannot resolve host\.example\.invalid/, 'with the plugin\'s reason');
like($st{smtp}{next_step}, qr/alternatives --display mta/, 'next step of runbook 000 5.5');
# ping of this host answers
$r = run_prog([$mamori, 'triage', '--json', '--only', 'ping']);
is(decode_json($r->{out})->{items}[0]{state}, 'OK', 'ping localhost: OK');

# a failed item names the handler that would act and its --dry-run plan
# (issue 6): port 8443 (Plesk) listens nowhere here
{
    my $r = run_prog([$mamori, 'triage', '--json', '--all', '--only', 'port 8443']);
    my $it = decode_json($r->{out})->{items}[0];
    is($it->{state}, 'CRITICAL', 'port 8443: not listening');
    is($it->{handler}, 'recover_plesk', 'its handler: recover_plesk');
    like($it->{handler_plan} // '', qr/^runbook plesk .*\n.*^re-verify: /ms, 'and its plan');
    like($it->{handler_plan} // '', qr/'(?:psa|sw-cp-server)'/, 'the plan names the Plesk restart');
    $r = run_prog([$mamori, 'triage', '--no-color', '--all', '--only', 'port 8443']);
    like($r->{out}, qr/^\s+handler: recover_plesk would .*\n\s+runbook plesk/m, 'the table shows it too');
    $r = run_prog([$mamori, 'triage', '--no-color', '-v', '--all', '--only', 'port 8443']);
    like($r->{out}, qr/^\s+outcome not recovered, level 2:/m, '-v: the whole plan');
    # an OK item has no handler line
    $r = run_prog([$mamori, 'triage', '--json', '--only', 'ping']);
    ok(!exists decode_json($r->{out})->{items}[0]{handler}, 'OK item: no handler');
}

# Bad arguments
for my $args ([qw(--deadline 0)], [qw(--jobs 0)], [qw(--lang fr)], [qw(--only nothing-like-this)],
              ['a', 'b'], ['bad;host'], ['--bogus']) {
    $r = run_prog([$mamori, 'triage', @$args]);
    is($r->{exit}, 3, "triage @$args: exit 3");
    like($r->{out}, qr/^TRIAGE UNKNOWN - \S/, "triage @$args: reason");
}
$r = run_prog([$mamori]);
is($r->{exit}, 3, 'mamori without a command: exit 3');
$r = run_prog([$mamori, 'frobnicate']);
is($r->{exit}, 3, 'unknown command: exit 3');
like($r->{err}, qr/unknown command 'frobnicate'/, 'named');
done_testing;
