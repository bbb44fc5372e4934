# check_snmp against a real net-snmp snmpd on 127.0.0.1 (Mamori::Server::Snmpd):
# v1, v2c, v3 authPriv, thresholds per OID, strings and regexes, rates,
# the resource modes compared with this host's /proc, Windows service
# states through the agent's pass script, no answer, and bad input.
use strict;
use warnings;
use File::Temp qw(tempdir);
use POSIX qw(uname);
use Test::More;
use Time::HiRes qw(time sleep);
use Mamori::Test;
use Mamori::Server qw(free_port write_file);
use Mamori::Server::Snmpd;

# check_snmp exists only when configure found net-snmp (libsnmp-dev): a
# build without it has nothing to test here. With it, snmpd must be there.
{
    my $build = $ENV{MAMORI_BUILD} // '.';
    my $conf = '';
    if (open my $f, '<', "$build/config.h") { local $/; $conf = <$f> // '' }
    plan skip_all => 'built without net-snmp (configure: libsnmp-dev not found)'
        if $conf =~ /HAVE_NETSNMP/ ? $conf !~ /^#define HAVE_NETSNMP 1/m : !-x "$build/plugins/check_snmp";
}

my $snmpd = Mamori::Server::Snmpd->new->start;
my @agent = ('-H', '127.0.0.1', '-p', $snmpd->port);
my @v2c = (@agent, '-C', $snmpd->community);
my $hostname = (uname())[1];
my $tmp = tempdir('mamori-snmp-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub snmp { plugin_run('check_snmp', @_) }

# /proc/stat's CPU times: (busy, total) in ticks, as the mode counts them.
sub proc_cpu {
    open my $f, '<', '/proc/stat' or die "/proc/stat: $!";
    my ($u, $n, $s, $i, $w, $irq, $sirq, $st) = (<$f> =~ /^cpu\s+(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/);
    my $total = $u + $n + $s + $i + $w + $irq + $sirq + $st;
    return ($total - $i - $w, $total);
}

# The agent's raw CPU counters (UCD ssCpuRaw*): (busy, total) in ticks.
my @raw_oids = map { "1.3.6.1.4.1.2021.11.$_.0" } 50, 51, 52, 53, 54, 55, 56, 61, 64;
sub agent_cpu {
    my $r = snmp(@v2c, '-O', '-o', join(',', @raw_oids));
    my @v = map { $r->{p}{perf}{$_}{value} // 0 } @raw_oids;
    my $total = 0;
    $total += $_ for @v;
    return ($total - $v[3] - $v[4], $total);
}

# --mode cpu with the agent's raw counters read just before and just after:
# the agent refreshes them every 5 s, so one of the two is what the mode saw.
sub cpu_run {
    my (@args) = @_;
    my @before = agent_cpu();
    my $r = snmp(@v2c, '--mode', 'cpu', @args);
    my @after = agent_cpu();
    return ($r, \@before, \@after);
}

# The CPU mode, first run: the agent has no hrProcessorLoad in its first
# minute, so the mode falls back to UCD's raw counters against the last
# run; snmpd reads them every 5 s and answers zeros before its first
# reading. The runs that follow happen at the end of the file.
my @cpu_base;
{
    my ($r, $before, $after) = cpu_run();
    check_plugin_output($r, 'cpu first run');
    is($r->{exit}, 0, 'cpu first run: OK');
    like($r->{p}{summary}, qr/first sample|not read its CPU counters yet/, 'cpu first run: no usage yet, says why');
    @cpu_base = ($before, $after) if $r->{p}{summary} =~ /first sample/;
}

# ---- v1 and v2c GET ----
{
    my $r = snmp(@v2c, '-P', '1', '-o', 'sysName.0');
    check_plugin_output($r, 'v1 sysName');
    is($r->{exit}, 0, 'v1: OK');
    is($r->{p}{summary}, qq{sysName.0 "$hostname"}, 'v1: the built-in name resolves and the value is the host name');

    $r = snmp(@v2c, '-P', '2c', '-o', '1.3.6.1.2.1.1.1.0');
    check_plugin_output($r, 'v2c sysDescr');
    my $kernel = (uname())[2];
    like($r->{p}{summary}, qr/^sysDescr\.0 "Linux \Q$hostname\E \Q$kernel\E/, 'v2c: a numeric OID is labelled by its name');

    # Counter64 needs v2c; v1 has no such type
    $r = snmp(@v2c, '-o', 'ifHCInOctets.1,ifInOctets.1');
    check_plugin_output($r, 'v2c counters');
    is($r->{p}{perf}{'ifHCInOctets.1'}{uom}, 'c', 'Counter64 perfdata in c');
    is($r->{p}{perf}{'ifInOctets.1'}{uom}, 'c', 'Counter32 perfdata in c');
}

# ---- thresholds per OID ----
{
    my $r = snmp(@v2c, '-o', 'hrSystemProcesses.0,sysUpTime.0', '-w', '1:,1:', '-c', '1:,');
    check_plugin_output($r, 'thresholds OK');
    is($r->{exit}, 0, 'thresholds met: OK');
    my $p = $r->{p}{perf};
    is_deeply([@{ $r->{p}{perf_order} }], ['hrSystemProcesses.0', 'sysUpTime.0'], 'perfdata labelled by OID name, in -o order');
    is($p->{'hrSystemProcesses.0'}{warn}, '1:', 'first OID: its warning range');
    is($p->{'hrSystemProcesses.0'}{crit}, '1:', 'first OID: its critical range');
    is($p->{'sysUpTime.0'}{crit}, '', 'second OID: an empty field means no threshold');
    my $procs = () = glob '/proc/[0-9]*';
    ok(abs($p->{'hrSystemProcesses.0'}{value} - $procs) <= 0.3 * $procs + 10,
       "hrSystemProcesses ($p->{'hrSystemProcesses.0'}{value}) near /proc's count ($procs)");

    $r = snmp(@v2c, '-o', 'hrSystemProcesses.0,sysUpTime.0', '-w', '~:1');
    check_plugin_output($r, 'warning');
    is($r->{exit}, 1, 'processes above the warning range: WARNING');
    like($r->{p}{summary}, qr/hrSystemProcesses\.0 \d+ WARNING, sysUpTime\.0 \d+$/, 'only the first OID is judged');

    $r = snmp(@v2c, '-o', 'sysUpTime.0,hrSystemProcesses.0', '-w', ',~:1', '-c', ',~:2');
    check_plugin_output($r, 'critical');
    is($r->{exit}, 2, 'processes above the critical range: CRITICAL');

    $r = snmp(@v2c, '-o', '.1.3.6.1.4.1.2021.4.5.0', '-l', 'memtotal', '-u', 'KB', '-M', '1024', '-u', 'B');
    check_plugin_output($r, 'label, units, multiplier');
    open my $mi, '<', '/proc/meminfo' or die;
    my ($kb) = join('', <$mi>) =~ /^MemTotal:\s+(\d+)/m;
    is($r->{p}{perf}{memtotal}{value}, $kb * 1024, '-l labels perfdata, -M scales (memTotalReal * 1024 = MemTotal bytes)');
    is($r->{p}{perf}{memtotal}{uom}, 'B', '-u B is also the perfdata unit');
}

# ---- strings and regexes ----
{
    my $r = snmp(@v2c, '-o', 'sysName.0', '-s', $hostname);
    check_plugin_output($r, '-s match');
    is($r->{exit}, 0, '-s: exact match is OK');
    $r = snmp(@v2c, '-o', 'sysName.0', '-s', "$hostname-not");
    check_plugin_output($r, '-s mismatch');
    is($r->{exit}, 2, '-s: another string is CRITICAL');
    $r = snmp(@v2c, '-o', 'sysDescr.0', '-r', '^Linux \S+ \d');
    is($r->{exit}, 0, '-r: a matching regex is OK');
    $r = snmp(@v2c, '-o', 'sysDescr.0', '-r', '^linux');
    is($r->{exit}, 2, '-r: case matters');
    $r = snmp(@v2c, '-o', 'sysDescr.0', '-R', '^linux');
    is($r->{exit}, 0, '-R: case-insensitive');
    $r = snmp(@v2c, '-o', 'sysDescr.0', '-R', '^linux', '--invert-search');
    check_plugin_output($r, 'invert');
    is($r->{exit}, 2, '--invert-search: a match is CRITICAL');
}

# ---- community from a file and the environment, never only argv ----
{
    my $f = "$tmp/community";
    write_file($f, $snmpd->community . "\n");
    chmod 0600, $f;
    my $r = snmp(@agent, '--community-file', $f, '-o', 'sysName.0');
    is($r->{exit}, 0, '--community-file (0600) works') or diag($r->{out});
    chmod 0644, $f;
    $r = snmp(@agent, '--community-file', $f, '-o', 'sysName.0');
    check_plugin_output($r, 'loose community file');
    is($r->{exit}, 3, 'a community file readable by others: UNKNOWN');
    $r = snmp(@agent, '-o', 'sysName.0', { env => { MAMORI_SNMP_COMMUNITY => $snmpd->community } });
    is($r->{exit}, 0, 'MAMORI_SNMP_COMMUNITY works') or diag($r->{out});
    # a wrong community gets no answer at all from the agent
    $r = snmp(@agent, '-C', 'wrong-community', '-o', 'sysName.0', '-t', '2', '-e', '1');
    check_plugin_output($r, 'wrong community');
    is($r->{exit}, 2, 'wrong community: CRITICAL (no response)');
    like($r->{p}{summary}, qr/no response from 127\.0\.0\.1/, 'wrong community: says no response');
}

# ---- SNMPv3 authPriv ----
{
    my @v3 = (@agent, '-P', '3', '-U', $snmpd->v3_user, '-L', 'authPriv', '-a', 'SHA', '-x', 'AES');
    my $r = snmp(@v3, '-A', $snmpd->v3_auth, '-X', $snmpd->v3_priv, '-o', 'sysName.0');
    check_plugin_output($r, 'v3 authPriv');
    is($r->{exit}, 0, 'v3 authPriv SHA/AES: OK');
    is($r->{p}{summary}, qq{sysName.0 "$hostname"}, 'v3: the value');

    my $af = "$tmp/auth";
    write_file($af, $snmpd->v3_auth . "\n");
    chmod 0600, $af;
    $r = snmp(@v3, '--authpass-file', $af, '-o', 'sysName.0', { env => { MAMORI_SNMP_PRIVPASS => $snmpd->v3_priv } });
    is($r->{exit}, 0, 'v3: passphrases from a file and the environment') or diag($r->{out});

    $r = snmp(@v3, '-A', 'wrong-passphrase', '-X', $snmpd->v3_priv, '-o', 'sysName.0', '-t', '4');
    check_plugin_output($r, 'v3 wrong passphrase');
    is($r->{exit}, 3, 'v3 wrong passphrase: UNKNOWN');
    like($r->{p}{summary}, qr/[Aa]uthentication failure/, 'v3 wrong passphrase: says so');
    ok($r->{secs} < 3, sprintf('v3 wrong passphrase: answered at once (%.1fs), not at the timeout', $r->{secs}));

    # agents drop what they cannot decrypt: no answer, CRITICAL within -t
    $r = snmp(@v3, '-A', $snmpd->v3_auth, '-X', 'wrong-privacy-pass', '-o', 'sysName.0', '-t', '2');
    check_plugin_output($r, 'v3 wrong privacy passphrase');
    is($r->{exit}, 2, 'v3 wrong privacy passphrase: CRITICAL');
    like($r->{p}{summary}, qr/no response .*privacy passphrase/, 'v3 wrong privacy passphrase: no response, with the hint');
    ok($r->{secs} < 3, sprintf('v3 wrong privacy passphrase: within -t 2 (%.1fs)', $r->{secs}));

    # the other protocols: each derives its keys differently
    for my $u (['md5', 'MD5', 'DES'], ['512', 'SHA-512', 'AES-256'], ['256', 'SHA-256', undef]) {
        my ($suffix, $auth, $priv) = @$u;
        my @args = (@agent, '-P', '3', '-U', $snmpd->v3_user . $suffix, '-a', $auth, '-A', $snmpd->v3_auth,
                    $priv ? ('-x', $priv, '-X', $snmpd->v3_priv) : (), '-o', 'sysName.0', '-t', '4');
        $r = snmp(@args);
        check_plugin_output($r, "v3 $auth");
        is($r->{exit}, 0, "v3 $auth" . ($priv ? "/$priv authPriv" : ' authNoPriv') . ': OK') or diag($r->{out});
    }

    $r = snmp(@v3, '-A', 'short', '-X', $snmpd->v3_priv, '-o', 'sysName.0');
    is($r->{exit}, 3, 'v3 passphrase under 8 characters: UNKNOWN');
    $r = snmp(@agent, '-P', '3', '-U', $snmpd->v3_user, '-L', 'authPriv', '-A', $snmpd->v3_auth, '-o', 'sysName.0');
    is($r->{exit}, 3, 'v3 authPriv without a privacy passphrase: UNKNOWN');
}

# ---- --rate ----
{
    my $state = tempdir('mamori-snmp-state-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my %env = (env => { MAMORI_STATE_DIR => $state });
    my @rate = (@v2c, '-o', 'snmpInPkts.0', '--rate');
    my $r = snmp(@rate, \%env);
    check_plugin_output($r, 'rate first run');
    is($r->{exit}, 0, 'rate first run: OK');
    like($r->{p}{summary}, qr/first sample/, 'rate first run: first sample');
    sleep 1.2;
    $r = snmp(@rate, '-w', '~:100000', \%env);
    check_plugin_output($r, 'rate second run');
    my $v = $r->{p}{perf}{'snmpInPkts.0'}{value};
    # every run of the test sends packets to this agent: a small positive rate
    ok(defined $v && $v > 0 && $v < 1000, 'rate second run: packets per second ' . ($v // 'none'));

    # a Counter32 that wrapped at 2^32 since the last run, and one that went back (agent restart)
    my ($file) = grep { !/\.(lock|tmp)$/ } glob "$state/check_snmp.*";
    open my $fh, '<', $file or die "$file: $!";
    my ($type, $cur) = <$fh> =~ /^mamori-snmp-rate 1 (\d+) (\d+) /;
    close $fh;
    write_file($file, sprintf("mamori-snmp-rate 1 %d %d %.6f\n", $type, $cur + 3_000_000_000, time - 10));
    $r = snmp(@rate, '-v', \%env);
    check_plugin_output($r, 'rate wrap');
    like(join("\n", @{ $r->{p}{long} }), qr/wrapped/, 'a wrapped Counter32 is followed');
    ok($r->{p}{perf}{'snmpInPkts.0'}{value} > 1e8, 'the wrapped rate counts up to 2^32 and on');
    write_file($file, sprintf("mamori-snmp-rate 1 %d %d %.6f\n", $type, $cur + 1000, time - 10));
    $r = snmp(@rate, \%env);
    like($r->{p}{summary}, qr/went back/, 'a counter that went back restarts the baseline');
    write_file($file, "garbage\n");
    $r = snmp(@rate, \%env);
    is($r->{exit}, 0, 'a corrupt state restarts the baseline');
    like($r->{p}{summary}, qr/corrupt/, 'and says so');
}

# ---- resource modes against this host ----
{
    my $r = snmp(@v2c, '--mode', 'load', '-w', '50,40,30', '-c', '100');
    check_plugin_output($r, 'load');
    open my $la, '<', '/proc/loadavg' or die;
    my @l = split ' ', <$la>;
    my $p = $r->{p}{perf};
    ok(abs($p->{load5}{value} - $l[1]) < 1.5, "load5 $p->{load5}{value} near /proc/loadavg's $l[1]");
    is($p->{load1}{warn}, '50', 'load: W1 of -w');
    is($p->{load15}{crit}, '100', 'load: one critical value for all three, as check_load');
    $r = snmp(@v2c, '--mode', 'load', '-w', '0,0,0');
    is($r->{exit}, $l[0] > 0 ? 1 : 0, 'load above -w 0: WARNING');

    $r = snmp(@v2c, '--mode', 'memory', '-w', '99', '-c', '99.5');
    check_plugin_output($r, 'memory');
    open my $mi, '<', '/proc/meminfo' or die;
    my %m = map { /^(\w+):\s+(\d+)/ ? ($1 => $2) : () } <$mi>;
    my $pct = 100 * ($m{MemTotal} - $m{MemAvailable}) / $m{MemTotal};
    ok(abs($r->{p}{perf}{used_pct}{value} - $pct) < 5, "memory used $r->{p}{perf}{used_pct}{value}% near /proc's $pct%");
    $r = snmp(@v2c, '--mode', 'memory', '-w', '0', '-c', '0:0');
    is($r->{exit}, 2, 'memory used above -c 0: CRITICAL');

    $r = snmp(@v2c, '--mode', 'storage', '--storage', '/', '-w', '1%', '-c', '0%');
    check_plugin_output($r, 'storage /');
    my @df = split ' ', (`df -P -B1 /`)[1];
    my $root = $r->{p}{perf}{'/'};
    ok($root && abs($root->{value} - $df[2]) < 0.02 * $df[1], "storage /: used $root->{value} B near df's $df[2] B");
    is($root->{max}, $df[1], 'storage /: size as df says') if $root;
    like($r->{p}{summary}, qr{^free space: / \d+MiB \(\d+%\);$}, 'storage: check_disk\'s status line');
    my $free_pct = 100 * ($df[1] - $df[2]) / $df[1];
    # a margin: other test files write and delete while this one runs
    my $limit = int($free_pct) + 2;
    $r = snmp(@v2c, '--mode', 'storage', '--storage', '/', '-w', "$limit%");
    is($r->{exit}, 1, "storage: free $free_pct% at or below -w $limit%: WARNING");
    $r = snmp(@v2c, '--mode', 'storage', '--storage', '/', '-c', '1');
    is($r->{exit}, 2, 'storage: used % above -c 1 (a range): CRITICAL');
    $r = snmp(@v2c, '--mode', 'storage', '--storage', '/no/such/mount');
    is($r->{exit}, 3, 'storage: nothing matches --storage: UNKNOWN');

    $r = snmp(@v2c, '--mode', 'processes', '--process', 'snmpd', '-c', '1:');
    check_plugin_output($r, 'processes snmpd');
    is($r->{exit}, 0, 'processes: snmpd runs');
    # the agent caches hrSWRunTable for a few seconds: snmpd of a test that
    # just ended may still be in it
    my $n = grep { my $f; open($f, '<', $_) && (<$f> // '') eq "snmpd\n" } glob '/proc/[0-9]*/comm';
    my ($counted) = $r->{p}{summary} =~ /^(\d+) process(?:es)? with name 'snmpd'/;
    ok(defined $counted && $counted >= 1 && abs($counted - $n) <= 2, "processes: counted by name ($r->{p}{summary}; $n in /proc)");
    is($r->{p}{perf}{procs}{value}, $counted, 'processes: perfdata procs');
    $r = snmp(@v2c, '--mode', 'processes', '--process', 'mamori-no-such-process', '-c', '1:');
    is($r->{exit}, 2, 'processes: none of a name with -c 1: is CRITICAL');
    like(join("\n", @{ $r->{p}{long} }), qr/prTable snmpd: \d+ running/, 'processes: the agent\'s prTable in the long output');
}

# ---- UCD prTable entries that fail: a second agent that watches a missing process ----
{
    my $bad = Mamori::Server::Snmpd->new(procs => ['snmpd', 'mamori-no-such-daemon'])->start;
    my $r = snmp('-H', '127.0.0.1', '-p', $bad->port, '-C', $bad->community, '--mode', 'processes');
    check_plugin_output($r, 'prTable failure');
    is($r->{exit}, 2, 'a failing prTable entry is CRITICAL');
    like($r->{p}{summary}, qr/mamori-no-such-daemon/, 'and named');
    $bad->stop;
}

# ---- an agent's strings and sizes that would break the output (found by
# fuzz_snmp_resource): snmpd's "override" adds hrStorageTable rows, one with
# a line break in its description, one with a size wrapped negative; and a
# service state beyond an int ----
{
    my $b = '.1.3.6.1.2.1.25.2.3.1';
    my $hex = '0x' . join '', map { sprintf '%02X', ord } split //, "/data\nSNMP OK - injected";
    my $conf = '';
    for my $row ([9998, '/big', -1294967296, 5], [9999, $hex, 1000, 10]) {
        my ($i, $descr, $size, $used) = @$row;
        $conf .= "override $b.1.$i integer $i\noverride $b.2.$i object_id .1.3.6.1.2.1.25.2.1.4\n"
               . "override $b.3.$i octet_str $descr\noverride $b.4.$i integer 4096\n"
               . "override $b.5.$i integer $size\noverride $b.6.$i integer $used\n";
    }
    my $bad = Mamori::Server::Snmpd->new(config => $conf, services => [['Spooler', '9223372036854775807']])->start;
    my @bad = ('-H', '127.0.0.1', '-p', $bad->port, '-C', $bad->community);
    my $r = snmp(@bad, '--mode', 'storage', '--storage', '/data*', '--storage', '/big');
    check_plugin_output($r, 'fuzz_snmp_resource: hostile storage table');
    ok(!grep({ /^SNMP OK/ } @{ $r->{p}{long} }),
       'fuzz_snmp_resource: a line break in hrStorageDescr makes no long-output line') or diag($r->{out});
    ok(grep({ m{^/data SNMP OK - injected: } } @{ $r->{p}{long} }),
       'fuzz_snmp_resource: the description on one line, a blank for the break') or diag($r->{out});
    is($r->{exit}, 3, 'fuzz_snmp_resource: a size wrapped negative is UNKNOWN, not judged');
    like($r->{p}{summary}, qr{/big sizes that do not add up}, 'fuzz_snmp_resource: and says which storage');
    ok(!exists $r->{p}{perf}{'/big'}, 'fuzz_snmp_resource: no perfdata from sizes that do not add up');
    is($r->{p}{perf}{'/data SNMP OK - injected'}{value}, 40960, 'fuzz_snmp_resource: the sane row is still measured')
        or diag($r->{out});
    # the same string read with -o -v: one long-output line too
    $r = snmp(@bad, '-o', "$b.3.9999", '-v');
    check_plugin_output($r, 'a line break in a string read with -o');
    ok(!grep({ /^SNMP OK - injected/ } @{ $r->{p}{long} }), 'check_snmp -o -v: a line break in a string makes no line')
        or diag($r->{out});
    ok(grep({ m{= STRING: /data SNMP OK - injected$} } @{ $r->{p}{long} }), '... a blank for the break') or diag($r->{out});
    $r = snmp(@bad, '--mode', 'winservice', '--service', 'Spooler');
    check_plugin_output($r, 'fuzz_snmp_resource: huge service state');
    is($r->{exit}, 2, 'fuzz_snmp_resource: a service state beyond an int is CRITICAL');
    like($r->{p}{summary}, qr/^Spooler in an unknown state/, 'fuzz_snmp_resource: and unknown');
    $bad->stop;
}

# ---- Windows services through the agent's pass script ----
{
    my $r = snmp(@v2c, '--mode', 'winservice', '--service', 'Spooler,netlogon');
    check_plugin_output($r, 'winservice OK');
    is($r->{exit}, 0, 'winservice: active services, any case: OK');
    like($r->{p}{summary}, qr/^2 services active: Spooler, Netlogon/, 'winservice: names as the agent lists them');
    is($r->{p}{perf}{services_active}{value}, 2, 'winservice: perfdata');

    $r = snmp(@v2c, '--mode', 'winservice', '--service', 'Spooler', '--service', 'W32Time');
    check_plugin_output($r, 'winservice paused');
    is($r->{exit}, 2, 'winservice: a paused service is CRITICAL');
    like($r->{p}{summary}, qr/^W32Time paused; active: Spooler/, 'winservice: says which and how');

    $r = snmp(@v2c, '--mode', 'winservice', '--service', 'Remote Registry');
    like($r->{p}{summary}, qr/Remote Registry continue-pending/, 'winservice: continue-pending is not active');
    is($r->{exit}, 2, 'winservice: continue-pending is CRITICAL');

    $r = snmp(@v2c, '-P', '1', '--mode', 'winservice', '--service', 'Spooler,Mamori Missing');
    check_plugin_output($r, 'winservice missing');
    is($r->{exit}, 2, 'winservice: a missing service is CRITICAL (v1 walk)');
    like($r->{p}{summary}, qr/Mamori Missing not found/, 'winservice: not found');
}

# ---- a name from a MIB file net-snmp loads (not in the built-in table) ----
{
    my $mibs = "$tmp/mibs";
    mkdir $mibs;
    write_file("$mibs/MAMORI-TEST-MIB.txt", <<'MIB');
MAMORI-TEST-MIB DEFINITIONS ::= BEGIN
mamoriSystem OBJECT IDENTIFIER ::= { iso 3 6 1 2 1 1 }
mamoriHostName OBJECT IDENTIFIER ::= { mamoriSystem 5 }
END
MIB
    my $r = snmp(@v2c, '-m', 'MAMORI-TEST-MIB', '-o', 'MAMORI-TEST-MIB::mamoriHostName.0', { env => { MIBDIRS => $mibs } });
    check_plugin_output($r, 'MIB name');
    is($r->{p}{summary}, qq{MAMORI-TEST-MIB::mamoriHostName.0 "$hostname"}, 'a name net-snmp resolves from a MIB file');
}

# ---- nothing answers ----
{
    my $port = free_port('udp');
    my $r = snmp('-H', '127.0.0.1', '-p', $port, '-C', 'x', '-o', 'sysName.0', '-t', '2', { timeout => 10 });
    check_plugin_output($r, 'no answer');
    is($r->{exit}, 2, 'no answer: CRITICAL');
    like($r->{p}{summary}, qr/^no response from 127\.0\.0\.1:$port/, 'no answer: says no response');
    ok($r->{secs} < 3, sprintf('no answer: within -t 2 (%.1fs)', $r->{secs}));
    $r = snmp('-H', '127.0.0.1', '-p', $port, '-P', '3', '-U', 'u', '-A', 'authpass1', '-o', 'sysName.0', '-t', '1',
              { timeout => 10 });
    is($r->{exit}, 2, 'no answer to SNMPv3 engine discovery: CRITICAL');
    like($r->{p}{summary}, qr/^no response/, 'no answer to SNMPv3: says no response');
    $r = snmp('-H', '127.0.0.1', '-p', $port, '-C', 'x', '-o', 'sysName.0', '-t', '1:unknown', { timeout => 10 });
    is($r->{exit}, 3, 'no answer with -t 1:unknown: UNKNOWN');
    $r = snmp('-H', '127.0.0.1', '-p', $port, '-C', 'x', '--mode', 'storage', '-t', '1', { timeout => 10 });
    is($r->{exit}, 2, 'no answer to a walk: CRITICAL');
    ok($r->{secs} < 2, sprintf('no answer to a walk: within -t 1 (%.1fs)', $r->{secs}));
}

# ---- bad input: UNKNOWN with a reason, before anything is sent ----
for my $case (
    [['-o', 'sysName.0'], 'no -H'],
    [[@v2c], 'no -o'],
    [[@v2c, '-o', 'noSuchNameAnywhere.0'], 'unknown OID name'],
    [[@v2c, '-o', '1.3.x.6'], 'garbage OID'],
    [[@v2c, '-o', '1.3.6.1.2.1.1.5.0.99999999999'], 'sub-id too large'],
    [[@v2c, '-o', join(',', ('1.3.6.1.2.1.1.5.0') x 65)], 'too many OIDs'],
    [[@v2c, '-o', 'sysName.0', '-w', 'abc'], 'bad threshold'],
    [[@v2c, '-o', 'sysName.0', '-w', '1,2'], 'more thresholds than OIDs'],
    [[@v2c, '-o', 'sysName.0', '-s', 'a', '-r', 'b'], '-s and -r'],
    [[@v2c, '-o', 'sysName.0', '-r', '('], 'bad regex'],
    [[@v2c, '-P', '4', '-o', 'sysName.0'], 'bad protocol'],
    [[@v2c, '-P', '3', '-o', 'sysName.0'], 'v3 without -U'],
    [[@v2c, '-L', 'superPriv', '-o', 'sysName.0'], 'bad level'],
    [[@v2c, '--mode', 'bogus'], 'bad mode'],
    [[@v2c, '--mode', 'storage', '-w', '101%'], 'bad free percentage'],
    [[@v2c, '--mode', 'winservice'], 'winservice without --service'],
    [[@v2c, '--mode', 'cpu', '-o', 'sysName.0'], '--mode with -o'],
    [[@v2c, '--mode', 'load', '--rate'], '--mode with --rate'],
    [[@v2c, '--mode', 'load', '--service', 'x'], '--service without winservice'],
    [[@v2c, '-o', 'sysName.0', '-w', '1'], 'threshold on a string'],
    [[@v2c, '-o', '1.3.6.1.2.1.1.99.0'], 'noSuchObject'],
    [[@v2c, '-P', '1', '-o', '1.3.6.1.2.1.1.99.0'], 'v1 noSuchName'],
    [['-H', 'host.invalid', '-C', 'x', '-o', 'sysName.0'], 'unresolvable host'],
) {
    my ($args, $name) = @$case;
    my $r = snmp(@$args);
    check_plugin_output($r, $name);
    is($r->{exit}, 3, "$name: UNKNOWN") or diag($r->{out});
}

# ---- the CPU mode once the agent has two readings (it reads every 5 s):
# a run per second until one gives a busy %, which must be what the agent's
# raw counters say over the same readings; and those counters are the
# host's (/proc/stat), at most the agent's 5 s behind ----
{
    my ($r, $before, $after);
    my $end = time + 20;
    while (time < $end) {
        ($r, $before, $after) = cpu_run('-w', '101:', '-c', '102:');
        last if defined $r->{p}{perf}{busy};
        @cpu_base = ($before, $after) if $r->{p}{summary} =~ /first sample/;
        sleep 1;
    }
    check_plugin_output($r, 'cpu with a baseline');
    my $busy = $r->{p}{perf}{busy}{value};
    ok(defined $busy, 'cpu: a busy % from the agent\'s counters within 20 s') or diag($r->{out});
    my @expect;
    for my $b (@cpu_base) {
        for my $e ($before, $after) {
            my $dt = $e->[1] - $b->[1];
            push @expect, 100 * ($e->[0] - $b->[0]) / $dt if $dt > 0;
        }
    }
    ok(defined $busy && grep({ abs($_ - $busy) < 0.1 } @expect),
       sprintf('cpu busy %s%% is what the agent\'s raw counters give (%s)', $busy // '?',
               join(', ', map { sprintf '%.2f', $_ } @expect)));
    my @proc = proc_cpu();
    my @agent = agent_cpu();
    my $cpus = () = do { open my $f, '<', '/proc/stat' or die; grep { /^cpu\d/ } <$f> };
    my $slack = 6 * 100 * $cpus;   # 5 s of refresh at USER_HZ 100, and a second more
    ok($agent[1] <= $proc[1] && $proc[1] - $agent[1] <= $slack,
       "the agent's CPU ticks ($agent[1]) are /proc/stat's ($proc[1]), at most 6 s behind");
    is($r->{exit}, 2, 'cpu: busy below -c 102: as a range, CRITICAL');
}

$snmpd->stop;
done_testing;
