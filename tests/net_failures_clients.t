# The network failure table of the checks that are clients of a server
# other than the TCP-family ones (net_failures.t) and check_http (its own):
# check_ssl_cert, check_dns over TCP (and UDP junk), check_sql (mysql,
# pgsql, odbc), check_snmp (UDP), check_cloudwatch (its --endpoint). Each
# bad server (closed port, silent, dripping a byte a second, binary
# garbage, 10 MB without a newline, a close in mid-reply, garbage TLS)
# ends within -t with the documented state and a one-line reason, never a
# crash (check_plugin_output; run_prog catches sanitizer reports). The
# notifiers, recover and the mamori subcommands: net_failures_notifiers.t.
use strict;
use warnings;
use Test::More;
use Mamori::Test;
use Mamori::BadServer;
use Mamori::Server qw(free_port);

my $T = 2;
# valgrind runs every program ten times slower: the bounds follow
my $SLACK = $ENV{MAMORI_VALGRIND} ? 5 : 0.5;
my $closed = free_port();
my %count;

# The contract of one failure: state, a one-line reason, the -t bound.
sub judge {
    my ($prog, $r, $name, $states, $reason, $bound) = @_;
    $count{$prog}++;
    $name = "$prog $name";
    note(sprintf '%s: exit %s in %.2f s: %s', $name, $r->{exit}, $r->{secs}, $r->{p}{line});
    check_plugin_output($r, $name);
    ok((grep { $_ == $r->{exit} } @$states), "$name: state $r->{exit} is one of @$states") or diag($r->{out});
    like($r->{p}{summary} // '', $reason, "$name: reason") or diag($r->{out});
    unlike($r->{p}{summary} // '', qr/[\x00-\x1f\x7f]/, "$name: the reason is one clean line");
    $bound //= $T;
    ok($r->{secs} < $bound + $SLACK, sprintf('%s: ended in %.2f s (bound %s s)', $name, $r->{secs}, $bound));
}

sub run { my ($prog, @args) = @_; return plugin_run($prog, @args, { timeout => $T + 10 }) }

my %bad = (
    silent  => Mamori::BadServer->new('silent'),
    garbage => Mamori::BadServer->new('garbage'),
    huge    => Mamori::BadServer->new('huge_line'),
    close   => Mamori::BadServer->new('close_mid_reply'),
    tls     => Mamori::BadServer->new('tls_garbage'),
);
sub port { return $_[0] eq 'closed' ? $closed : $bad{ $_[0] }->port }

# ---- check_ssl_cert: TLS from the first byte, and the STARTTLS step --------
{
    my @h = ('-H', '127.0.0.1', '-t', $T);
    my %want = (closed => [qr/^Connection refused by 127\.0\.0\.1 port \d+$/],
                garbage => [qr/^TLS handshake on 127\.0\.0\.1 port \d+: TLS handshake failed: /],
                huge => [qr/^TLS handshake on .*: TLS handshake failed: /],
                close => [qr/^TLS handshake on .*: TLS handshake failed: /]);
    for my $k (sort keys %want) {
        judge('check_ssl_cert', run('check_ssl_cert', @h, '-p', port($k)), $k, [2], @{ $want{$k} });
    }
    # a TLS record header that comes a byte a second: our own deadline, not the alarm
    my $drip = Mamori::BadServer->new('drip', greeting => "\x16\x03\x03\x00\x40" . ('x' x 64));
    judge('check_ssl_cert', run('check_ssl_cert', @h, '-p', $drip->port), 'dripping handshake', [2],
          qr/^No answer from 127\.0\.0\.1 port \d+ within [\d.]+ s \(TLS handshake\)$/);
    my %smtp = (silent => qr/^No answer from .* within [\d.]+ s \(waiting for the greeting\)$/,
                garbage => qr/^waiting for the greeting on .*: reply does not start with a 3-digit code$/,
                huge => qr/^waiting for the greeting on .*: a line longer than 8192 bytes$/,
                close => qr/^waiting for the greeting on .*: connection closed by the server$/);
    for my $k (sort keys %smtp) {
        judge('check_ssl_cert', run('check_ssl_cert', @h, '-P', 'smtp', '-p', port($k)), "-P smtp $k",
              $k eq 'garbage' ? [1, 2] : [2], $smtp{$k});
    }
    my $d = Mamori::BadServer->new('drip', greeting => "220 mx ESMTP\r\n");
    judge('check_ssl_cert', run('check_ssl_cert', @h, '-P', 'smtp', '-p', $d->port), '-P smtp dripping greeting', [2],
          qr/^No answer from .* within [\d.]+ s \(waiting for the greeting\)$/);
    # STARTTLS accepted, then garbage instead of a ServerHello
    my $st = Mamori::BadServer->new('banner', greeting => "220 mx ESMTP\r\n", script => [
        qr/^EHLO/ => "250-mx\r\n250 STARTTLS\r\n", STARTTLS => "220 go ahead\r\n\x15\x03\x03\x00\x02junk" ]);
    judge('check_ssl_cert', run('check_ssl_cert', @h, '-P', 'smtp', '-p', $st->port), '-P smtp garbage after STARTTLS',
          [2], qr/TLS handshake/);
}

# ---- check_dns: --tcp against each bad server; UDP junk --------------------
{
    my @q = ('-H', 'x.example', '-q', 'A', '-s', '127.0.0.1', '-t', $T, '--tcp');
    my %want = (closed => qr/^cannot connect to 127\.0\.0\.1 port \d+ over TCP: Connection refused$/,
                silent => qr/^no reply from 127\.0\.0\.1 port \d+ over TCP within [\d.]+ seconds$/,
                garbage => qr/^malformed reply from 127\.0\.0\.1 port \d+ over TCP: /,
                huge => qr/^malformed reply from .* over TCP: /,
                close => qr/^127\.0\.0\.1 port \d+ closed the TCP connection without a whole reply$/,
                tls => qr/^no reply from .* over TCP within /);
    for my $k (sort keys %want) {
        judge('check_dns', run('check_dns', @q, '-p', port($k)), "--tcp $k", [2], $want{$k});
    }
    # a reply that comes a byte a second: one deadline for the whole TCP
    # exchange, so our own reason, and the end before -t (bound $T - 0.4
    # + $SLACK: -t plus 0.1 s to start)
    my $drip = Mamori::BadServer->new('drip', greeting => "\x00\x40" . ('x' x 64));
    judge('check_dns', run('check_dns', @q, '-p', $drip->port), '--tcp dripping reply', [2],
          qr/^no reply from 127\.0\.0\.1 port \d+ over TCP within 1\.\d seconds$/, $T - 0.4);
    my @u = ('-H', 'x.example', '-q', 'A', '-s', '127.0.0.1', '-t', $T);
    my $junk = Mamori::BadServer->new('udp', reply => join('', map { chr int rand 256 } 1 .. 4096));
    judge('check_dns', run('check_dns', @u, '-p', $junk->port), 'UDP 4 kB of junk', [2],
          qr/^(malformed reply|reply from .* (has the wrong id|is not a DNS reply))/);
    my $big = Mamori::BadServer->new('udp', reply => sub { substr($_[0], 0, 2) . "\x81\x80" . ("\xff" x 60000) });
    judge('check_dns', run('check_dns', @u, '-p', $big->port), 'UDP 60 kB datagram of 0xff with our id', [2],
          qr/^malformed reply from .* over UDP: /);
}

# ---- check_sql: mysql, pgsql (the silent server is in check_sql.t) ----------
{
    my %drip = (
        # a MariaDB greeting packet's start, a byte a second
        mysql => "\x4a\x00\x00\x00\x0a5.5.5-10.11.6-MariaDB\x00",
        # "no TLS" to the SSLRequest, then an AuthenticationOk a byte a second
        pgsql => "NR\x00\x00\x00\x08\x00\x00\x00\x00Z",
    );
    for my $d (qw(mysql pgsql)) {
        my @c = ('--driver', $d, '-H', '127.0.0.1', '-u', 'x', '-t', $T, { env => { MAMORI_SQL_PASSWORD => 'x' } });
        my $cannot = qr/^cannot connect \($d\) to 127\.0\.0\.1 port \d+: \S/;
        for my $k (qw(closed garbage huge close)) {
            my $r = plugin_run('check_sql', @c[0 .. $#c - 1], '-P', port($k), { %{ $c[-1] }, timeout => $T + 10 });
            judge('check_sql', $r, "$d $k", [2], $cannot);
        }
        my $r = plugin_run('check_sql', @c[0 .. $#c - 1], '-P', port('tls'), '--tls', 'require',
                           { %{ $c[-1] }, timeout => $T + 10 });
        judge('check_sql', $r, "$d --tls require, garbage TLS", [2], $cannot);
        my $b = Mamori::BadServer->new('drip', greeting => $drip{$d});
        $r = plugin_run('check_sql', @c[0 .. $#c - 1], '-P', $b->port, { %{ $c[-1] }, timeout => $T + 10 });
        # libmariadb's read timeout restarted at each byte: the alarm ended it,
        # now the non-blocking connect keeps the deadline
        judge('check_sql', $r, "$d dripping server", [2], qr/^cannot connect .*no answer from the server within $T s/);
    }
    # odbc through psqlODBC: the cheap cases (no wait)
    my $PSQLODBC = '/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so';
    ok(-e $PSQLODBC, "psqlODBC is installed ($PSQLODBC)");
    for my $k (qw(closed garbage close)) {
        my $r = plugin_run('check_sql', '--driver', 'odbc', '-t', $T, '--connection-string',
                           "Driver=$PSQLODBC;Servername=127.0.0.1;Port=" . port($k) . ';Database=x;UID=x;SSLmode=disable',
                           { timeout => $T + 10, env => { ODBCSYSINI => '/nonexistent', ODBCINI => '/nonexistent' } });
        judge('check_sql', $r, "odbc $k", [2], qr/^cannot connect \(odbc\)/);
    }
}

# ---- check_snmp: UDP agents that are silent, or answer junk -----------------
{
    my $T1 = 1;
    # the request with its PDU tag turned into a GetResponse: BER that parses
    my $response = sub { (my $r = $_[0]) =~ s/\A(.*?\x04\x01x)\xa0/$1\xa2/s; $r };
    my %agents = (
        silent => Mamori::BadServer->new('udp'),
        'garbage datagram' => Mamori::BadServer->new('udp', reply => join('', map { chr int rand 256 } 1 .. 512)),
        'truncated BER' => Mamori::BadServer->new('udp', reply => sub { my $r = $response->($_[0]); substr($r, 0, length($r) / 2) }),
        'BER length 2 GB' => Mamori::BadServer->new('udp', reply => sub { "\x30\x84\x7f\xff\xff\xff" . substr($_[0], 2) }),
        'empty datagram' => Mamori::BadServer->new('udp', reply => ''),
    );
    for my $k (sort keys %agents) {
        my @a = ('-H', '127.0.0.1', '-p', $agents{$k}->port, '-t', $T1);
        my $r = run('check_snmp', @a, '-C', 'x', '-o', 'sysName.0');
        judge('check_snmp', $r, "v2c $k", [2], qr/^no response from 127\.0\.0\.1:\d+ \(\d+ tries, [\d.]+s\)/, $T1);
        $r = run('check_snmp', @a, '-C', 'x', '--mode', 'storage');
        judge('check_snmp', $r, "walk $k", [2], qr/^no response from 127\.0\.0\.1:\d+/, $T1);
        # v3's engine discovery: junk is no answer either (was UNKNOWN "Timeout (parse header ...)");
        # authNoPriv has no privacy passphrase to blame
        $r = run('check_snmp', @a, '-P', '3', '-U', 'u', '-A', 'authpass1', '-o', 'sysName.0');
        judge('check_snmp', $r, "v3 $k", [2], qr/^no response from 127\.0\.0\.1:\d+ \(.*\): down or filtered$/, $T1);
        ok($agents{$k}->connections >= 1, "check_snmp $k: the agent got the request");
    }
}

# ---- check_cloudwatch: --endpoint to bad HTTP(S) servers ---------------------
{
    local %ENV = (%ENV, AWS_ACCESS_KEY_ID => 'AKIDTEST', AWS_SECRET_ACCESS_KEY => 'secret', AWS_EC2_METADATA_DISABLED => 'true',
                  HOME => '/nonexistent');
    delete $ENV{$_} for grep { /_proxy$/i } keys %ENV;
    my @m = ('--region', 'eu-west-1', '-N', 'AWS/EC2', '-m', 'CPUUtilization', '-t', $T);
    my $head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n";
    my %srv = (
        closed => [undef, qr/^cannot reach http:\/\/127\.0\.0\.1:\d+\/: .*Couldn't connect/],
        silent => [$bad{silent}, qr/^no answer from http:\/\/127\.0\.0\.1:\d+\/ within $T seconds$/],
        garbage => [$bad{garbage}, qr/^cannot reach http:\S+: /],
        'drip' => [Mamori::BadServer->new('drip', greeting => "${head}Content-Length: 30\r\n\r\n{\"MetricDataResults\":[]}    "),
                   qr/^no answer from http:\S+ within $T seconds$/],
        '10 MB header' => [Mamori::BadServer->new('huge_line', prefix => "HTTP/1.1 200 OK\r\nX-Junk: "),
                           qr/^cannot reach http:\S+: the response headers are larger than 64 KiB$/],
        '10 MB body' => [Mamori::BadServer->new('huge_line', prefix => "${head}Content-Length: 10485760\r\n\r\n"),
                         qr/(too large|larger than|\d+ bytes)/i],
        # half the reply: cut in the body, or in the headers
        'close mid-body' => [Mamori::BadServer->new('close_mid_reply', greeting => "${head}Content-Length: 400\r\n\r\n"
                                                     . '{"MetricDataResults":[{"Id":"m","Values":[' . join(',', 1 .. 98) . ']}]}'),
                             qr/^cannot reach http:\S+: .*(transfer closed|Connection reset|Recv failure)/],
        'close mid-headers' => [Mamori::BadServer->new('close_mid_reply', greeting => "${head}Content-Length: 2\r\n\r\n{}"),
                                qr/^(cannot reach http:\S+: |http:\S+: the answer is not JSON)/],
    );
    for my $k (sort keys %srv) {
        my ($s, $re) = @{ $srv{$k} };
        my $url = 'http://127.0.0.1:' . ($s ? $s->port : $closed) . '/';
        judge('check_cloudwatch', run('check_cloudwatch', @m, '--endpoint', $url), $k, [3], $re);
    }
    judge('check_cloudwatch', run('check_cloudwatch', @m, '--endpoint', 'https://127.0.0.1:' . $bad{tls}->port . '/'),
          'garbage TLS', [3], qr/^cannot reach https:\S+: .*(SSL|TLS)/);
    judge('check_cloudwatch', run('check_cloudwatch', @m, '--endpoint', 'https://127.0.0.1:' . $bad{silent}->port . '/',
                                  '-t', "$T:critical"),
          'silent TLS, -t 2:critical', [2], qr/^no answer from https:\S+ within $T seconds$/);
}

$_->stop for values %bad;
diag(join ', ', map { "$_ $count{$_}" } sort keys %count);
done_testing;
