# check_sql against a real MariaDB and a real PostgreSQL started by the
# test, and through ODBC (the Debian psqlODBC driver, a DSN in a private
# odbc.ini) against the same PostgreSQL: thresholds, expected strings,
# regexes, refused logins, missing databases, query errors, a server that
# accepts and never answers, slow queries, password files.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(time);
use Mamori::Test;
use Mamori::BadServer;
use Mamori::Server qw(write_file);
use Mamori::Server::Mariadb;
use Mamori::Server::Postgres;

my $PSQLODBC = '/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so';
-f $PSQLODBC or BAIL_OUT("$PSQLODBC is missing: apt-get install odbc-postgresql");

my $tmp = tempdir(CLEANUP => 1);
my $n = 0;
sub secret_file {
    my ($text, $mode) = @_;
    my $f = "$tmp/secret" . ++$n;
    write_file($f, "$text\n");
    chmod $mode // 0600, $f;
    return $f;
}

# Nothing from the caller's environment may log us in.
delete @ENV{qw(MAMORI_SQL_PASSWORD MYSQL_PWD PGPASSWORD PGUSER PGHOST PGPORT PGDATABASE ODBCINI ODBCSYSINI)};

my $my = Mamori::Server::Mariadb->new(ssl => 1)->start;
my $pg = Mamori::Server::Postgres->new(ssl => 1)->start;
my $silent = Mamori::BadServer->new('silent');

# The ODBC data source: the real driver against the same PostgreSQL.
write_file("$tmp/odbcinst.ini", '');
write_file("$tmp/odbc.ini", "[mamoripg]\nDriver = $PSQLODBC\nServername = 127.0.0.1\nPort = "
           . $pg->port . "\nDatabase = " . $pg->database . "\n");
my %odbc_env = (ODBCSYSINI => $tmp, ODBCINI => "$tmp/odbc.ini");

# Per back end: how to reach the server, the right password, a SQL that
# sleeps, a query error and its message, the "missing database" arguments.
my %be = (
    mysql => {
        conn => ['-H', '127.0.0.1', '-P', $my->port, '-u', $my->user, '-d', $my->database],
        socket => ['-s', $my->socket, '-u', $my->user, '-d', $my->database],
        password => $my->password, env_var => 'MYSQL_PWD', server => qr/MariaDB \d+\.\d+/,
        sleep => 'SELECT SLEEP(20)', bad_sql => 'SELECT * FROM no_such_table',
        bad_msg => qr/Table 'mamori\.no_such_table' doesn't exist/,
        nodb => ['-H', '127.0.0.1', '-P', $my->port, '-u', $my->user, '-d', 'no_such_db'],
        nodb_msg => qr/Access denied for user 'mamori'\@'[^']+' to database 'no_such_db'/,
        refused => qr/Access denied for user 'mamori'/,
        silent => ['-H', '127.0.0.1', '-P', $silent->port, '-u', 'x'],
    },
    pgsql => {
        conn => ['-H', '127.0.0.1', '-P', $pg->port, '-u', $pg->user, '-d', $pg->database],
        socket => ['-s', $pg->socket, '-l', $pg->user, '-d', $pg->database],
        password => $pg->password, env_var => 'PGPASSWORD', server => qr/PostgreSQL 15\.\d+/,
        sleep => 'SELECT pg_sleep(20)', bad_sql => 'SELECT 1/0', bad_msg => qr/ERROR: division by zero/,
        nodb => ['-H', '127.0.0.1', '-P', $pg->port, '-u', $pg->user, '-d', 'no_such_db'],
        nodb_msg => qr/FATAL: database "no_such_db" does not exist/,
        refused => qr/FATAL: password authentication failed for user "mamori"/,
        silent => ['-H', '127.0.0.1', '-P', $silent->port, '-u', 'x'],
    },
    odbc => {
        conn => ['--dsn', 'mamoripg', '-u', $pg->user],
        password => $pg->password, server => qr/PostgreSQL 15\./, env => \%odbc_env,
        sleep => 'SELECT pg_sleep(20)', bad_sql => 'SELECT 1/0', bad_msg => qr/ERROR: division by zero/,
        nodb => ['--connection-string', "Driver=$PSQLODBC;Servername=127.0.0.1;Port=" . $pg->port
                 . ';Database=no_such_db;UID=' . $pg->user . ';PWD=${PASSWORD}'],
        nodb_msg => qr/FATAL: database "no_such_db" does not exist/,
        refused => qr/FATAL: password authentication failed for user "mamori"/,
        silent => ['--connection-string', "Driver=$PSQLODBC;Servername=127.0.0.1;Port=" . $silent->port
                   . ';Database=x;UID=x'],
    },
);

sub sql {
    my ($d, @args) = @_;
    my %o = ref $args[-1] eq 'HASH' ? %{ pop @args } : ();
    my $env = { %{ $be{$d}{env} // {} }, %{ $o{env} // {} } };
    my $r = plugin_run('check_sql', '--driver', $d, @args, { env => $env, timeout => $o{timeout} // 30 });
    check_plugin_output($r, "$d @args");
    return $r;
}

for my $d (qw(mysql pgsql odbc)) {
    my $b = $be{$d};
    my $pw = secret_file($b->{password});
    my @c = (@{ $b->{conn} }, '--password-file', $pw);

    # connection only: OK, the server named, connect_time
    my $r = sql($d, @c);
    is($r->{exit}, 0, "$d: connection OK") or diag($r->{out});
    like($r->{p}{summary}, qr/^connected to $b->{server}\S* on .* in \d+\.\d{3} s$/, "$d: server and time named");
    is($r->{p}{perf}{connect_time}{uom}, 's', "$d: connect_time in seconds");
    ok($r->{p}{perf}{connect_time}{value} > 0, "$d: connect_time measured");
    ok(!exists $r->{p}{perf}{query_time}, "$d: no query_time without -q");

    # numeric thresholds on the first column of the first row
    for my $t ([['-w', 50, '-c', 100], 0, 'OK'], [['-w', 10, '-c', 100], 1, 'WARNING'],
               [['-w', 10, '-c', 20], 2, 'CRITICAL'], [['-w', '@40:45'], 1, 'WARNING inside @40:45']) {
        my ($thr, $exit, $name) = @$t;
        $r = sql($d, @c, '-q', 'SELECT 42', @$thr);
        is($r->{exit}, $exit, "$d: 42 with @$thr: $name");
        is($r->{p}{perf}{result}{value}, 42, "$d: result perfdata");
        is($r->{p}{perf}{result}{warn}, $thr->[1], "$d: result perfdata carries -w");
        like($r->{p}{perf}{query_time}{value}, qr/^\d+\.\d+$/, "$d: query_time");
    }
    like($r->{p}{summary}, qr/^result 42 \(-w \@40:45\) in \d+\.\d{3} s; connected to/, "$d: the threshold named");
    $r = sql($d, @c, '-q', "SELECT ' 1e+3 '", '-c', '999:1000');
    is($r->{exit}, 0, "$d: ' 1e+3 ' is the number 1000");
    is($r->{p}{perf}{result}{value}, 1000, "$d: result perfdata 1000");
    $r = sql($d, @c, '-q', "SELECT 'abc'", '-w', 10);
    is($r->{exit}, 2, "$d: a string against -w: CRITICAL");
    like($r->{p}{summary}, qr/result 'abc' is not a number/, "$d: said so");

    # expected string and regex
    $r = sql($d, @c, '-q', "SELECT 'hello world'", '-e', 'hello world');
    is($r->{exit}, 0, "$d: -e matches: OK");
    like($r->{p}{summary}, qr/^result 'hello world' in /, "$d: the value shown");
    ok(!exists $r->{p}{perf}{result}, "$d: no result perfdata for a string");
    $r = sql($d, @c, '-q', "SELECT 'hello world'", '-e', 'hello');
    is($r->{exit}, 2, "$d: -e differs: CRITICAL");
    like($r->{p}{summary}, qr/result 'hello world', expected 'hello'/, "$d: both named");
    $r = sql($d, @c, '-q', "SELECT 'hello world'", '-r', '^hel+o\s+w');
    is($r->{exit}, 0, "$d: -r matches: OK");
    $r = sql($d, @c, '-q', "SELECT 'hello world'", '-r', '^world');
    is($r->{exit}, 2, "$d: -r does not match: CRITICAL");
    like($r->{p}{summary}, qr/does not match '\^world'/, "$d: the regex named");

    # no rows: WARNING, as check_pgsql
    $r = sql($d, @c, '-q', $d eq 'mysql' ? 'SELECT 1 FROM DUAL WHERE 1 = 0' : 'SELECT 1 WHERE false');
    is($r->{exit}, 1, "$d: no rows: WARNING");
    like($r->{p}{summary}, qr/^query returned no rows/, "$d: said so");

    # query error: CRITICAL with the server's message, connect_time still there
    $r = sql($d, @c, '-q', $b->{bad_sql});
    is($r->{exit}, 2, "$d: query error: CRITICAL");
    like($r->{p}{summary}, qr/^query failed: .*$b->{bad_msg}/, "$d: the server's message");
    ok(exists $r->{p}{perf}{connect_time}, "$d: connect_time after a failed query");

    # wrong password, missing database: CRITICAL with the server's message
    $r = sql($d, @{ $b->{conn} }, '--password-file', secret_file('wrong-password'));
    is($r->{exit}, 2, "$d: wrong password: CRITICAL");
    like($r->{p}{summary}, qr/^cannot connect \($d\) to .*: .*$b->{refused}/, "$d: refusal quoted");
    $r = sql($d, @{ $b->{nodb} }, '--password-file', $pw);
    is($r->{exit}, 2, "$d: missing database: CRITICAL");
    like($r->{p}{summary}, $b->{nodb_msg}, "$d: the server says which");

    # password files: 0600 read (above), 0644 refused; the environment
    $r = sql($d, @{ $b->{conn} }, '--password-file', secret_file($b->{password}, 0644));
    is($r->{exit}, 3, "$d: a 0644 password file: UNKNOWN");
    like($r->{p}{summary}, qr/mode 0644: it must be 0600/, "$d: with the reason");
    $r = sql($d, @{ $b->{conn} }, { env => { MAMORI_SQL_PASSWORD => $b->{password} } });
    is($r->{exit}, 0, "$d: password from MAMORI_SQL_PASSWORD");
    if ($b->{env_var}) {
        $r = sql($d, @{ $b->{conn} }, { env => { $b->{env_var} => $b->{password} } });
        is($r->{exit}, 0, "$d: password from $b->{env_var}");
        $r = sql($d, @{ $b->{socket} }, '--password-file', $pw, '-q', 'SELECT 7', '-c', '5:10');
        is($r->{exit}, 0, "$d: over the Unix socket");
        like($r->{p}{summary}, qr/on socket /, "$d: the socket named");
    }

    # a server that accepts and never answers: bounded by -t, the step named
    my $t0 = time;
    $r = sql($d, @{ $b->{silent} }, '-t', 2);
    my $secs = time - $t0;
    is($r->{exit}, 2, "$d: silent server: CRITICAL");
    ok($secs >= 0.9 && $secs < 2.8, sprintf("$d: silent server: gave up within -t 2 (%.2f s)", $secs));
    like($r->{p}{summary}, qr/no answer from the server within \d+ s|timed out after 2 seconds/, "$d: said so");
    $r = sql($d, @{ $b->{silent} }, '-t', '1:unknown');
    is($r->{exit}, 3, "$d: -t 1:unknown: the -t state");

    # a query that outlasts -t
    $t0 = time;
    $r = sql($d, @c, '-q', $b->{sleep}, '-t', 2);
    $secs = time - $t0;
    is($r->{exit}, 2, "$d: slow query: CRITICAL");
    ok($secs >= 0.9 && $secs < 2.8, sprintf("$d: slow query: gave up within -t 2 (%.2f s)", $secs));
    like($r->{p}{summary}, qr/^query failed: (no answer from the server within \d+ s|.*statement timeout|.*max_statement_time exceeded)|timed out after 2/,
         "$d: slow query named");
    # the query was stopped on the server, not left running (pgsql: a cancel
    # request; mysql: max_statement_time, which MariaDB enforces itself;
    # odbc: SQL_ATTR_QUERY_TIMEOUT, psqlodbc's statement_timeout)
    my $pg_active = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = '$b->{sleep}'";
    my %running = (pgsql => $pg_active, odbc => $pg_active,
                   mysql => "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO = '$b->{sleep}'");
    if ($running{$d}) {
        $r = sql($d, @c, '-q', $running{$d}, '-c', '0');
        is($r->{exit}, 0, "$d: the slow query was stopped on the server") or diag($r->{out});
    }
}

# ODBC specifics: a connection string with the password filled in, an unknown DSN
{
    my $pw = secret_file($pg->password);
    my $cs = "Driver=$PSQLODBC;Servername=127.0.0.1;Port=" . $pg->port . ';Database=mamori;UID=mamori;PWD=${PASSWORD}';
    my $r = sql('odbc', '--connection-string', $cs, '--password-file', $pw, '-q', 'SELECT 3', '-w', '1:5');
    is($r->{exit}, 0, 'odbc: connection string with ${PASSWORD}');
    $r = sql('odbc', '--connection-string', $cs);
    is($r->{exit}, 3, 'odbc: ${PASSWORD} without a password: UNKNOWN');
    $r = sql('odbc', '--dsn', 'no_such_dsn', '-u', 'x');
    is($r->{exit}, 3, 'odbc: unknown DSN: UNKNOWN (the setup, not the database)');
    like($r->{p}{summary}, qr/Data source name not found/, 'odbc: the driver manager quoted');
}

# TLS (both servers have a self-signed certificate): required, verified
# with the right CA, refused without it
for my $d (qw(mysql pgsql)) {
    my $srv = $d eq 'mysql' ? $my : $pg;
    my @c = (@{ $be{$d}{conn} }, '--password-file', secret_file($srv->password));
    my $cipher = $d eq 'mysql'
        ? "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'"
        : 'SELECT cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
    my $r = sql($d, @c, '--tls', 'require', '-q', $cipher, '-r', '^TLS_');
    is($r->{exit}, 0, "$d --tls require: a TLS session") or diag($r->{out});
    for my $mode (qw(verify-ca verify-full)) {
        $r = sql($d, @c, '--tls', $mode, '--ca-file', $srv->cert, '-q', $cipher, '-r', '^TLS_');
        is($r->{exit}, 0, "$d --tls $mode with the CA: OK") or diag($r->{out});
    }
    $r = sql($d, @c, '--tls', 'verify-full');
    is($r->{exit}, 2, "$d --tls verify-full, self-signed, system CAs: CRITICAL");
    like($r->{p}{summary}, qr/self-signed certificate|certificate verify failed/, "$d: the library says why");
}

# bad arguments: UNKNOWN with a reason
# a CA file is checked when given (file_check_pem): a PEM one here, so the
# missing --tls is what the line is about
my $ca = "$tmp/ca.pem";
{ open my $f, '>', $ca or die; print $f "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"; close $f }
for my $case (
    [[], qr/--driver/],
    [['--driver', 'oracle'], qr/not mysql, pgsql or odbc/],
    [['--driver', 'mysql', '-w', 5], qr/give -q SQL/],
    [['--driver', 'mysql', '-q', 'SELECT 1', '-w', 5, '-e', 'x'], qr/one kind/],
    [['--driver', 'mysql', '-H', 'h', '-s', '/tmp/s'], qr/not both/],
    [['--driver', 'odbc'], qr/--dsn NAME or --connection-string/],
    [['--driver', 'odbc', '--dsn', 'x', '-H', 'h'], qr/in the DSN/],
    [['--driver', 'pgsql', '--dsn', 'x'], qr/for --driver odbc/],
    [['--driver', 'pgsql', '--tls', 'maybe'], qr/not require, verify-ca or verify-full/],
    [['--driver', 'pgsql', '--ca-file', $ca], qr/needs --tls/],
    [['--driver', 'pgsql', '--tls', 'verify-full', '--ca-file', '/etc/hosts'], qr{--ca-file '/etc/hosts': not a PEM file}],
    [['--driver', 'pgsql', '-q', 'SELECT 1', '-r', '('], qr/-r: .*offset/],
    [['--driver', 'pgsql', '-P', '70000'], qr/--port/],
) {
    my ($args, $re) = @$case;
    my $r = plugin_run('check_sql', @$args);
    check_plugin_output($r, "bad args @$args");
    is($r->{exit}, 3, "@$args: UNKNOWN");
    like($r->{p}{summary}, $re, "@$args: reason");
}

$silent->stop;
$pg->stop;
$my->stop;
# A server names itself (mariadbd --version=TEXT sets what it says): a line
# break in its version forged a line of the long output
{
    my $evil = Mamori::Server::Mariadb->new(args => ["--version=10.11.99-evil\nSQL CRITICAL - forged|x=1"])->start;
    my $r = sql('mysql', '-H', '127.0.0.1', '-P', $evil->port, '-u', $evil->user, '-d', $evil->database,
                '--password-file', secret_file($evil->password));
    is($r->{exit}, 0, 'a server with a line break in its version: connected') or diag($r->{out});
    unlike($r->{out}, qr/^SQL CRITICAL - forged/m, '... the line break forges no line') or diag($r->{out});
    like($r->{out}, qr/^server: .*10\.11\.99-evil\?SQL CRITICAL - forged\x{c2}\x{a6}x=1$/m, '... shown as ?')
        or diag($r->{out});
    $evil->stop;
}

done_testing;
