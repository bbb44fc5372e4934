# Bad arguments for every program: UNKNOWN (exit 3), one line that names the
# problem, quickly; hostile strings in every option never crash a plugin.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use File::Temp qw(tempdir);

# stateful plugins (check_netif, check_log ...) measure for real here: keep
# their state out of the system's state directory
$ENV{MAMORI_STATE_DIR} = tempdir(CLEANUP => 1);

my %service = (check_load => 'LOAD', check_cpu => 'CPU', check_mem => 'MEM', check_swap => 'SWAP',
               check_disk => 'DISK', check_procs => 'PROCS', check_listen => 'LISTEN',
               check_tcp => 'TCP', check_ssh => 'SSH', check_ftp => 'FTP', check_smtp => 'SMTP',
               check_pop => 'POP', check_imap => 'IMAP', check_ssl_cert => 'SSL_CERT',
               check_http => 'HTTP', check_dns => 'DNS', check_ping => 'PING');
$service{check_logins} = 'LOGINS';
$service{check_file} = 'FILE';
$service{check_netif} = 'NETIF';
$service{check_updates} = 'UPDATES';
$service{check_log} = 'LOG';
$service{check_mailq} = 'MAILQ';
$service{check_cloudwatch} = 'CLOUDWATCH';
$service{check_sql} = 'SQL';
my @net_common = ([ '-p', '22' ], [ '-H', 'a b' ], [ '-H', 'h', '-p', '0' ], [ '-H', 'h', '-p', '65536' ],
                  [ '-H', 'h', '-p', 'ssh' ], [ '-H', 'x' x 300 ], [ '-H', 'h', '-4', '-6', '-w', 'x' ]);
my @tls_common = ([ '-H', 'h', '--ssl', '--starttls' ], [ '-H', 'h', '-D', 'x' ], [ '-H', 'h', '-D', '10' ],
                  [ '-H', 'h', '-D', '10,x', '--ssl' ], [ '-H', 'h', '-M', 'maybe' ], [ '-H', 'h', '-r', 'x' ],
                  [ '-H', 'h', '--ssl', '--ca-file', '/nonexistent', '-p', '1' ]);
my $big = 'x' x 100_000;
my $nonutf8 = "\xff\xfe\xc3\x28\x80";

# Forms that are wrong for every plugin.
my @common = ([ '--bogus' ], [ '-Z' ], [ 'operand' ], [ '-t' ], [ '-t', '0' ], [ '-t', 'abc' ],
              [ '-t', '5:maybe' ], [ '-w' ], [ '--warning' ], [ '-w', $big ], [ '-w', $nonutf8 ],
              [ '-c', '20:10' ], [ '-w', '1e3' ], [ '-w', '' ]);
# Forms wrong for one plugin.
my %specific = (
    check_load => [ [ '-w', '1,2' ], [ '-w', '1,2,3,4' ], [ '-c', 'a,b,c' ], [ '-r', 'x' ] ],
    check_cpu => [ [ '-s', '0' ], [ '-s', '61' ], [ '-s', 'x' ], [ '--iowait-warning', 'x' ],
                   [ '--steal-critical', '5:1' ], [ '-s', '9', '-t', '5' ] ],
    check_mem => [ [ '--available-warning', '5Q' ], [ '--available-critical', '101%' ],
                   [ '--available-warning', '-1G' ] ],
    check_swap => [ [ '-w', '10x' ], [ '-c', '120%' ], [ '-n', 'perhaps' ], [ '-w', '-5%' ] ],
    check_listen => [ [], [ '-p', '0' ], [ '-p', '65536' ], [ '-p', '22/sctp' ], [ '-p', '22,,80' ],
                      [ '-p', 'http' ], [ '-p', join(',', 1 .. 65) ], [ '-p', '22', '-s', 'x' ] ],
    check_disk => [ [ '-w', '10%%' ], [ '-c', '-5%' ], [ '-w', '101%' ], [ '-W', 'abc' ], [ '-u', 'parsecs' ],
                    [ '-p', '/nonexistent/path/x' ], [ '-r', '(' ], [ '--du', '0' ], [ '--du', '101' ] ],
    check_tcp => [ @net_common, @tls_common, [ '-H', 'h', '-p', '1', '-m', '0' ], [ '-H', 'h', '-p', '1', '-d', 'x' ],
                   [ '-H', 'h', '-p', '1', map { ('-e', $_) } 1 .. 17 ] ],
    check_ssh => [ @net_common ],
    check_ftp => [ @net_common, @tls_common, [ '-H', 'h', '-U', 'u' ], [ '-H', 'h', '--password-file', '/etc/passwd' ],
                   [ '-H', 'h', '-U', 'u', '--password-file', '/nonexistent' ] ],
    check_pop => [ @net_common, @tls_common, [ '-H', 'h', '-U', 'u', '--password-file', '/etc/passwd' ] ],
    check_imap => [ @net_common, @tls_common, [ '-H', 'h', '-U', 'u', '--password-file', '/etc' ] ],
    check_smtp => [ @net_common, [ '-H', 'h', '-A', 'CRAM' ], [ '-H', 'h', '-A', 'PLAIN' ], [ '-H', 'h', '-R', '(' ],
                    [ '-H', 'h', '-R', 'a', '-R', 'b', '-C', 'NOOP' ], [ '-H', 'h', '-F', "a\r\nRCPT" ],
                    [ '-H', 'h', '-f', 'a>b' ], [ '-H', 'h', '-S', '--ssl' ] ],
    check_ssl_cert => [ [ '-p', '443' ], [ '-H', 'h', '-P', 'gopher' ], [ '-H', 'h', '-w', 'x' ], [ '-H', 'a b' ] ],
    check_procs => [ [ '-m', 'BOGUS' ], [ '-u', 'no_such_user_xyz' ], [ '--ereg-argument-array', '(' ],
                     [ '-s', '!' ], [ '-p', 'x' ], [ '-P', 'x' ], [ '-r', '-1' ], [ '-z', 'x' ] ],
);
$specific{check_logins} = [ [ '--allow', '10.0.0.0/33' ], [ '--allow', 'host' ], [ '--foreign-critical', '0' ], [ '-n', '-1' ], [ '-u', 'u' x 33 ] ];
$specific{check_file} = [ [ '--checksum', 'a' x 64 ], [ '-f', 'x', '--checksum', 'abc' ], [ '-f', 'x', '--mode', '8' ], [ '-f', 'x', '--uid', 'no_such_user_xyz' ], [ '-f', 'x', '-w', '1y' ], [ '-f', 'x', '-W', '5%' ], [ '-f', 'x', '--absent', '--baseline' ] ];
$specific{check_netif} = [ [ '-i', 'a/b' ], [ '-i', 'x' x 16 ], [ '--rx-warning', '10Q' ], [ '--tx-critical', '5M:1M' ], [ '--speed', '0' ], [ '-s', '5', '-t', '2' ], [ '--missing', 'maybe' ] ];
$specific{check_updates} = [ [ '--security-warning', 'x' ], [ '--security-critical', '5:1' ], [ '--dpkg-status', '' ], [ '--apt-lists', '' ], [ '--apt-lists', 'x' x 5000 ], [ '--refresh', 'now' ] ];
$specific{check_log} = [ [ '--class', 'errors' ], [ '-F', '/dev/null' ], [ '-F', '/dev/null', '--class', 'bogus' ], [ '-F', '/dev/null', '-e', '(' ], [ '-F', '/dev/null', '-s', '' ], [ '-F', '/dev/null', '--class', 'errors', '-w', 'nosuch=1' ] ];
$specific{check_mailq} = [ [ '-d', 'etc/postfix' ], [ '-d', '' ], [ '--top', '0' ], [ '--top', '101' ], [ '--top', 'x' ], [ '-d', '/nonexistent' ], [ '-M', 'qmail' ], [ '-M', '' ], [ '-M', 'sendmail', '-d', '/nonexistent' ] ];

for my $prog (sort keys %service) {
    for my $args (@common, @{ $specific{$prog} }) {
        my $r = plugin_run($prog, @$args, { timeout => 10 });
        my $shown = join(' ', map { length > 40 ? substr($_, 0, 12) . '...(' . length($_) . ')' : $_ } @$args);
        $shown =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
        is($r->{exit}, 3, "$prog $shown: exit 3");
        like($r->{out}, qr/^$service{$prog} UNKNOWN - \S.{5,}\n\z/, "$prog $shown: one line with a reason")
            or diag($r->{out});
        ok(length($r->{out}) < 600, "$prog $shown: short line");
        ok($r->{secs} < 3, "$prog $shown: answered at once");
        is($r->{err}, '', "$prog $shown: nothing on stderr");
    }
    # --help and --version answer 0 and name the program.
    my $h = run_prog([bin($prog), '--help']);
    is($h->{exit}, 0, "$prog --help exits 0");
    like($h->{out}, qr/^Usage: $prog /m, "$prog --help has a usage line");
    my $v = run_prog([bin($prog), '-V']);
    like($v->{out}, qr/^$prog \d+\.\d+\.\d+ \(mamori\)$/, "$prog -V");

    # Every option that takes an argument, given hostile bytes and 100 kB:
    # any state is fine (a command name may be anything), a crash is not.
    my @opts = $h->{out} =~ /^\s+(?:-\w, )?(--[\w-]+)=/mg;
    for my $opt (grep { $_ ne '--timeout' } @opts) {
        for my $val ($nonutf8, $big, "a\nb", "-1", "99999999999999999999999") {
            my $r = plugin_run($prog, $opt, $val, { timeout => 15 });
            my $vs = length $val > 20 ? 'a 100 kB string' : ($val =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ger);
            ok($r->{exit} >= 0 && $r->{exit} <= 3 && !$r->{signal}, "$prog $opt $vs: no crash (exit $r->{exit})");
            my ($first) = split /\n/, $r->{out};
            ok(defined $first && $first =~ /^$service{$prog} (OK|WARNING|CRITICAL|UNKNOWN)/ && length($first) < 8192,
               "$prog $opt $vs: a status line under 8 kB") or diag(substr($r->{out}, 0, 300));
            ok(clean_utf8($r->{out}), "$prog $opt $vs: the output is UTF-8 without C1 controls")
                or diag(substr($r->{out}, 0, 300));
        }
    }
}
done_testing;
