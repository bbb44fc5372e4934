# lib/remote (commands over SSH with libssh2) against a real OpenSSH server,
# through tests/tools/remote_tool.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;
use Mamori::Test;
use Mamori::BadServer;
use Mamori::Server qw(free_port write_file);
use Mamori::Server::Sshd;

my $tool = bin('remote_tool');
my $tmp = tempdir('mamori-remote-XXXXXX', TMPDIR => 1, CLEANUP => 1);
# sshd accepts SHA-1 RSA signatures only so that the RSA case can log in:
# libssh2 1.10 signs RSA user keys with ssh-rsa (see the RSA case below)
my $s = Mamori::Server::Sshd->new(config => "PubkeyAcceptedAlgorithms +ssh-rsa\n",
                                  host_key_types => [qw(ecdsa ed25519)])->start;
my $port = $s->port;

sub slurp { my ($f) = @_; open my $h, '<:raw', $f or return undef; local $/; return scalar <$h> }

# Run remote_tool; returns the run with its key/value lines parsed into {kv}
# (a key seen several times, as with --repeat, keeps a list in {all}).
sub remote {
    my ($o, @cmd) = @_;
    my %o = (host => '127.0.0.1', port => $port, user => $s->user, key => $s->client_key,
             'known-hosts' => $s->known_hosts, timeout => 10, stdout => "$tmp/out", stderr => "$tmp/err", %$o);
    unlink "$tmp/out", "$tmp/err";
    my @argv = ($tool, map { ("--$_", $o{$_}) } grep { defined $o{$_} } sort keys %o);
    my $r = run_prog([@argv, '--', @cmd], timeout => 40);
    for my $line (split /\n/, $r->{out}) {
        my ($k, $v) = $line =~ /^(\S+) ?(.*)$/ or next;
        $r->{kv}{$k} //= $v;
        push @{ $r->{all}{$k} }, $v;
    }
    $r->{stdout} = slurp("$tmp/out");
    $r->{stderr} = slurp("$tmp/err");
    return $r;
}

# --- commands, exit status, output --------------------------------------------

my $r = remote({}, 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3');
is($r->{kv}{error}, 'ok', 'logged in with the ed25519 key, host key from known_hosts') or diag($r->{out});
is($r->{kv}{exit}, 3, 'exit status 3');
is($r->{stdout}, "to-out\n", 'stdout alone');
is($r->{stderr}, "to-err\n", 'stderr alone');
is($r->{exit}, 0, 'tool exit 0');

$r = remote({}, 'true');
is($r->{kv}{exit}, 0, 'exit status 0');
is($r->{stdout}, '', 'no output');

$r = remote({}, 'sh', '-c', 'kill -TERM $$');
is($r->{kv}{signal}, 'TERM', 'killed by a signal: its name');
is($r->{kv}{exit}, 128 + 15, 'status 128 + 15, as a shell reports it');

$r = remote({}, 'cat');
is($r->{kv}{exit}, 0, 'a command reading stdin gets EOF at once');
cmp_ok($r->{kv}{exec_seconds}, '<', 5, 'and does not wait for the timeout');

$r = remote({ repeat => 3 }, 'sh', '-c', 'echo $$');
is_deeply($r->{all}{exit}, [0, 0, 0], 'three commands over one session');

# several MB on both streams at once: read in turn, nothing stalls
my $cap = 1024 * 1024;
my $seq_out = join '', map { "$_\n" } 1 .. 800000;
my $seq_err = join '', map { "$_\n" } 1 .. 700000;
$r = remote({}, 'sh', '-c', 'seq 1 700000 >&2 & seq 1 800000; wait');
is($r->{kv}{exit}, 0, 'large output: exit 0');
is($r->{kv}{stdout_len}, $cap, 'stdout kept up to 1 MiB');
is($r->{kv}{stderr_len}, $cap, 'stderr kept up to 1 MiB');
is($r->{kv}{dropped_stdout}, length($seq_out) - $cap, 'the rest of stdout counted (' . length($seq_out) . ' bytes in all)');
is($r->{kv}{dropped_stderr}, length($seq_err) - $cap, 'the rest of stderr counted');
ok($r->{stdout} eq substr($seq_out, 0, $cap), 'stdout bytes intact and in order');
ok($r->{stderr} eq substr($seq_err, 0, $cap), 'stderr bytes intact and in order');
cmp_ok($r->{kv}{exec_seconds}, '<', 10, "took $r->{kv}{exec_seconds} s");

# --- no word is ever interpreted by the remote shell ----------------------------

my @hostile = ("\$(touch $tmp/pwned1)", "`touch $tmp/pwned2`", "; touch $tmp/pwned3", "| touch $tmp/pwned4",
               "\ntouch $tmp/pwned5\n", "&& touch $tmp/pwned6", "it's", q{"double" 'single'}, 'two  spaces', '',
               "\xff\xfe\x80 not UTF-8", '*', '$HOME', "back\\slash", "tab\there", '-n', "'", "''\\''");
$r = remote({}, 'printf', '%s\0', @hostile);
is($r->{kv}{exit}, 0, 'printf ran');
ok($r->{stdout} eq join('', map { "$_\0" } @hostile), 'every word arrived literally')
    or diag(explain([split /\0/, $r->{stdout} // '', -1]));
ok(!-e "$tmp/pwned$_", "pwned$_ was not created") for 1 .. 6;

$r = run_prog([$tool, '--quote', '--', 'printf', '%s\n', "it's", '', 'a b']);
is($r->{out}, q{'printf' '%s\n' 'it'\''s' '' 'a b'} . "\n", 'the quoting --dry-run shows');

# --- timeouts -------------------------------------------------------------------

$r = remote({ 'exec-timeout' => 2, repeat => 2 }, 'sleep', '30');
is($r->{all}{exit}[0], -1, 'sleep 30 with a 2 s timeout: no exit status');
is($r->{all}{timed_out}[0], 1, 'timed out');
like($r->{all}{reason}[0], qr/did not end within 2 seconds/, 'says so');
cmp_ok($r->{all}{exec_seconds}[0], '>=', 1.9, "waited the timeout ($r->{all}{exec_seconds}[0] s)");
cmp_ok($r->{all}{exec_seconds}[0], '<', 4, 'not much longer');
like($r->{all}{reason}[1], qr/dropped after an earlier timeout/, 'the session is not reused after a timeout');
cmp_ok($r->{secs}, '<', 6, "the whole run ends soon after ($r->{secs} s)");

# a server that accepts and never speaks: the handshake is bounded
my $silent = Mamori::BadServer->new('silent');
$r = remote({ port => $silent->port, timeout => 2 }, 'true');
is($r->{kv}{error}, 'timeout', 'silent server: timeout') or diag($r->{out});
like($r->{kv}{reason}, qr/no SSH handshake within the timeout/, 'says what did not come');
cmp_ok($r->{kv}{open_seconds}, '>=', 1.9, "waited the timeout ($r->{kv}{open_seconds} s)");
cmp_ok($r->{secs}, '<', 5, "and not much longer ($r->{secs} s)");
$silent->stop;

# servers that speak no SSH: refused at once, or bounded by the timeout
my $garbage = Mamori::BadServer->new('garbage');
$r = remote({ port => $garbage->port, timeout => 3 }, 'true');
is($r->{kv}{error}, 'protocol', 'binary junk instead of a banner: protocol error');
cmp_ok($r->{secs}, '<', 3, 'at once');
$garbage->stop;
my $endless = Mamori::BadServer->new('huge_line');
$r = remote({ port => $endless->port, timeout => 2 }, 'true');
like($r->{kv}{error}, qr/^(timeout|protocol)$/, "an endless banner line: $r->{kv}{error}");
cmp_ok($r->{secs}, '<', 5, "bounded ($r->{secs} s)");
$endless->stop;

$r = remote({ port => free_port() }, 'true');
is($r->{kv}{error}, 'connect', 'nothing listening: connect error');
like($r->{kv}{reason}, qr/refused/i, 'connection refused');
cmp_ok($r->{secs}, '<', 2, 'at once');
is($r->{exit}, 1, 'tool exit 1');

# --- host keys: never trust on first use ------------------------------------------

write_file("$tmp/empty_known_hosts", '');
$r = remote({ 'known-hosts' => "$tmp/empty_known_hosts" }, 'touch', "$tmp/ran");
is($r->{kv}{error}, 'hostkey-unknown', 'empty known_hosts: refused');
my $fp = $s->host_key_fingerprint('ed25519');
like($r->{kv}{reason}, qr/host key ssh-ed25519 \Q$fp\E is not in/, 'names the key as ssh-keygen -l does');
ok(!-e "$tmp/ran", 'nothing ran');

$r = remote({ 'known-hosts' => "$tmp/no_such_file" }, 'true');
is($r->{kv}{error}, 'hostkey-unknown', 'missing known_hosts: refused');
like($r->{kv}{reason}, qr/no such file/, 'says the file is missing');

SKIP: {
    skip 'no IPv6 loopback here', 2 unless $s->ipv6;
    $r = remote({ host => '::1' }, 'true');
    is($r->{kv}{error}, 'ok', 'IPv6: [::1]:PORT in known_hosts') or diag($r->{out});
    is($r->{kv}{exit}, 0, 'command ran');
}

# the same host on another port is another host
write_file("$tmp/other_port", "[127.0.0.1]:1 " . join(' ', (split ' ', slurp($s->host_key('ed25519')))[0, 1]) . "\n");
$r = remote({ 'known-hosts' => "$tmp/other_port" }, 'true');
is($r->{kv}{error}, 'hostkey-unknown', 'a key known for another port does not count');

# another key of the same type for [127.0.0.1]:PORT
system('/usr/bin/ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', "$tmp/other_host_key") == 0 or die;
my ($type, $other) = split ' ', slurp("$tmp/other_host_key.pub");
write_file("$tmp/changed", "[127.0.0.1]:$port $type $other\n");
$r = remote({ 'known-hosts' => "$tmp/changed" }, 'touch', "$tmp/ran");
is($r->{kv}{error}, 'hostkey-changed', 'changed host key: refused');
like($r->{kv}{reason}, qr/does not match/, 'says it does not match');
ok(!-e "$tmp/ran", 'nothing ran');

# @revoked wins over a matching line
my ($t2, $k2) = split ' ', slurp($s->host_key('ed25519'));
write_file("$tmp/revoked", "[127.0.0.1]:$port $t2 $k2\n\@revoked [127.0.0.1]:$port $t2 $k2\n");
$r = remote({ 'known-hosts' => "$tmp/revoked" }, 'true');
is($r->{kv}{error}, 'hostkey-changed', '@revoked key: refused');

# hashed entries (ssh-keygen -H), lines libssh2 cannot parse before them
my $kh = slurp($s->known_hosts);
write_file("$tmp/hashed", $kh);
system("/usr/bin/ssh-keygen -q -H -f $tmp/hashed >/dev/null 2>&1") == 0 or die 'ssh-keygen -H';
write_file("$tmp/hashed", "# comment\n\@cert-authority *.example ssh-ed25519 AAAA\nbogus line\n\n" . slurp("$tmp/hashed"));
unlike(slurp("$tmp/hashed"), qr/127\.0\.0\.1/, 'known_hosts is hashed');
$r = remote({ 'known-hosts' => "$tmp/hashed" }, 'true');
is($r->{kv}{error}, 'ok', 'hashed known_hosts with junk lines before the key: accepted') or diag($r->{out});

# the server has ECDSA and ed25519 host keys, known_hosts only the ed25519
# one (as OpenSSH records it): libssh2 alone would ask for ECDSA first
for my $t (qw(ed25519 ecdsa)) {
    my @only = grep { /\Q$t\E/ } split /\n/, $kh;
    write_file("$tmp/only_$t", join('', map { "$_\n" } @only));
    $r = remote({ 'known-hosts' => "$tmp/only_$t" }, 'true');
    is($r->{kv}{error}, 'ok', "only the $t host key in known_hosts: that algorithm is asked for") or diag($r->{out});
}

# --- user keys ----------------------------------------------------------------------

my $stranger = $s->add_client_key('ed25519', authorize => 0);
$r = remote({ key => $stranger }, 'touch', "$tmp/ran");
is($r->{kv}{error}, 'auth', 'a key the server does not know: auth error');
like($r->{kv}{reason}, qr/refused for user root/, 'says so');
ok(!-e "$tmp/ran", 'nothing ran');

$r = remote({ key => "$tmp/no_such_key" }, 'true');
is($r->{kv}{error}, 'auth', 'missing key file: auth error');
cmp_ok($r->{secs}, '<', 2, 'found before connecting');

$r = remote({ user => 'nobody-here' }, 'true');
is($r->{kv}{error}, 'auth', 'unknown user: auth error');

# RSA: libssh2 1.10 signs with ssh-rsa (SHA-1); this sshd accepts it by the
# config above, OpenSSH 8.8+ does not by default (the reason says so)
my $rsa = $s->add_client_key('rsa');
$r = remote({ key => $rsa }, 'true');
is($r->{kv}{error}, 'ok', 'RSA user key (when the server accepts ssh-rsa)') or diag($r->{out});

# an encrypted key with its passphrase from a 0600 file
system('/usr/bin/ssh-keygen', '-q', '-t', 'ed25519', '-N', 'correct horse', '-f', "$tmp/enc_key") == 0 or die;
{
    open my $a, '>>', $s->dir . '/authorized_keys' or die;
    print $a slurp("$tmp/enc_key.pub");
    close $a;
}
write_file("$tmp/pass", "correct horse\n");
chmod 0600, "$tmp/pass";
$r = remote({ key => "$tmp/enc_key", 'passphrase-file' => "$tmp/pass" }, 'true');
is($r->{kv}{error}, 'ok', 'encrypted key with its passphrase file') or diag($r->{out});
$r = remote({ key => "$tmp/enc_key" }, 'true');
is($r->{kv}{error}, 'auth', 'encrypted key without a passphrase: auth error');
like($r->{kv}{reason}, qr/give a passphrase file/, 'says what is missing');
write_file("$tmp/wrong", "wrong\n");
chmod 0600, "$tmp/wrong";
$r = remote({ key => "$tmp/enc_key", 'passphrase-file' => "$tmp/wrong" }, 'true');
is($r->{kv}{error}, 'auth', 'wrong passphrase: auth error');
chmod 0644, "$tmp/pass";
$r = remote({ key => "$tmp/enc_key", 'passphrase-file' => "$tmp/pass" }, 'true');
is($r->{kv}{error}, 'auth', 'a passphrase file others can read is refused');
like($r->{kv}{reason}, qr/passphrase file/, 'names the file');

$s->stop;
done_testing;
