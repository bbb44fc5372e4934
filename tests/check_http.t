# check_http against the real nginx (plain, HTTPS with each kind of test
# certificate, [::1]), against monitoring-plugins' check_http on the same
# server, and against misbehaving servers. Ground truth: the files nginx
# serves, raw responses read with a socket, the certificates' own dates.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Time::HiRes qw(time);
use Mamori::Test;
use Mamori::BadServer;
use Mamori::Certs;
use Mamori::Server qw(free_port);
use Mamori::Server::Nginx;

my $tmp = tempdir('mamori-http-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $ca = Mamori::Certs->new(dir => "$tmp/ca");
my %tls = (
    valid   => [ $ca->issue(cn => 'localhost', days => 365, name => 'valid') ],
    # 5 days and a half: 5 whole days left for the next 12 hours
    soon    => [ $ca->issue(cn => 'localhost', not_after => time + 5.5 * 86400, name => 'soon') ],
    expired => [ $ca->expired(cn => 'localhost', name => 'expired') ],
    wrong   => [ $ca->issue(cn => 'wrong.example', name => 'wrong') ],
    self    => [ $ca->self_signed(cn => 'localhost', name => 'self') ],
    tls12   => [ $ca->issue(cn => 'localhost', name => 'tls12'), 'ssl_protocols TLSv1.2;' ],
);
$tls{client} = [ @{ $tls{valid} }[0, 1], 'ssl_protocols TLSv1.2 TLSv1.3; ssl_verify_client optional; '
                 . 'ssl_client_certificate ' . $ca->ca_file . ';' ];
my ($client_cert, $client_key) = $ca->issue(cn => 'monitor', usage => 'client', name => 'client');

my $ng = Mamori::Server::Nginx->new(tls => \%tls);
my $page = "<html><body>Mamori test page\nline two: status green\n</body></html>\n";
$ng->file('index.html', $page);
# a needle across curl's 16 KiB read boundary, and a large file for --max-size
my $big = ('x' x 16380) . 'NEEDLE-ACROSS-CHUNKS' . ('y' x (2 * 1024 * 1024));
$ng->file('big.txt', $big . "END-OF-BIG\n");
$ng->file('secret/index.html', "the secret page\n");
$ng->file('htpasswd', "monitor:{PLAIN}s3cret-pass\n");
my $old = $ng->file('old.txt', "old\n");
utime(time - 10 * 86400, time - 10 * 86400, $old);
my $closed = free_port();
# another host (localhost, not 127.0.0.1) that records what it is sent
my $recorder = Mamori::BadServer->new('banner', script => [ '' => { reply => "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                                                    . "Connection: close\r\n\r\nok\n", close => 1 } ],
                                      else => '');
my $other = $recorder->port;
$ng->start(locations => sub {
    my ($s) = @_;
    my ($p, $root) = ($s->port, $s->root);
    return <<"EOF";
        location = /r301 { return 301 /index.html; }
        location = /loop { return 302 /loop; }
        location = /chain1 { return 302 /chain2; }
        location = /chain2 { return 302 /chain3; }
        location = /chain3 { return 302 /index.html; }
        location = /e500 { return 500; }
        location = /e503 { return 503 "down\\n"; }
        location = /hdr { return 200 "x-test=\$http_x_test x-other=\$http_x_other\\n"; }
        location = /ua { return 200 "ua=\$http_user_agent\\n"; }
        location = /method { return 200 "method=\$request_method\\n"; }
        location = /host { return 200 "host=\$http_host sni=\$ssl_server_name\\n"; }
        location = /client { return 200 "client=\$ssl_client_s_dn verify=\$ssl_client_verify\\n"; }
        location = /post { proxy_pass http://127.0.0.1:$p/echo; proxy_set_header X-Body \$request_body;
                           proxy_set_header X-Method \$request_method; proxy_set_header X-Type \$content_type; }
        location = /echo { return 200 "method=\$http_x_method type=\$http_x_type body=\$http_x_body\\n"; }
        location = /sticky { return 302 http://127.0.0.2:$p/index.html; }
        location = /stickyport { return 302 http://127.0.0.2:$closed/index.html; }
        location = /tohttps { return 302 https://localhost:${\ $s->tls_port('valid')}/index.html; }
        location /secret/ { auth_basic "mamori"; auth_basic_user_file $root/htpasswd; }
        location = /elsewhere { return 302 http://localhost:$other/; }
EOF
});
my $P = $ng->port;
my $mp = '/usr/lib/nagios/plugins/check_http';

sub http {
    my @args = @_;
    my %o = ref $args[-1] eq 'HASH' ? %{ pop @args } : ();
    my $r = plugin_run('check_http', @args, { timeout => 20, %o });
    check_plugin_output($r, "check_http @args");
    return $r;
}

# The raw response to "GET path" as nginx sends it to any client that asks
# for Connection: close: its size is what check_http must count.
sub raw {
    my ($path, $port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port // $P) or die "raw: $!";
    print $s "GET $path HTTP/1.1\r\nHost: 127.0.0.1:" . ($port // $P) . "\r\nConnection: close\r\n\r\n";
    local $/;
    my $r = <$s>;
    return $r;
}

# --- status, size and the status line against monitoring-plugins -----------

my $r = http('-I', '127.0.0.1', '-p', $P, '-u', '/index.html');
is($r->{exit}, 0, '200 is OK');
is($r->{p}{service}, 'HTTP', 'service HTTP');
like($r->{out}, qr/^HTTP OK: HTTP\/1\.1 200 OK - \d+ bytes in \d+\.\d{3} second response time \|/, 'mp status line form');
is($r->{p}{perf}{size}{value}, length(raw('/index.html')), 'size = header + body bytes as sent');
is($r->{p}{perf}{size}{uom}, 'B', 'size in B');
is($r->{p}{perf}{time}{uom}, 's', 'time in s');
is($r->{p}{perf}{time}{max}, '10', 'time max is the -t default');
ok($r->{p}{perf}{time}{value} > 0 && $r->{p}{perf}{time}{value} < 5, 'time measured');
is(http('-I', '127.0.0.1', '-p', $P, '-t', '2.5')->{p}{perf}{time}{max}, '2.5', 'time max follows -t');

# our line and mp's line for the same requests: equal but for the seconds
sub norm { my ($l) = @_; $l =~ s/\s*\|.*//; $l =~ s/\d+\.\d+ second/T second/; return $l }
for my $case ([ '/index.html' ], [ '/nope' ], [ '/r301' ], [ '/e500' ], [ '/e503' ], [ '/index.html', '-s', 'absent' ],
              [ '/index.html', '-r', 'zz+q' ], [ '/index.html', '-e', '404' ], [ '/r301', '-e', '200,301' ],
              [ '/index.html', '-m', '10:20' ], [ '/index.html', '-m', '5000' ], [ '/r301', '-f', 'follow' ],
              [ '/r301', '-f', 'critical' ], [ '/index.html', '-d', 'Nope-Header' ], [ '/loop', '-f', 'follow' ]) {
    my ($path, @opt) = @$case;
    my $ours = http('-I', '127.0.0.1', '-p', $P, '-u', $path, @opt);
    my $theirs = run_prog([ $mp, '-I', '127.0.0.1', '-p', $P, '-u', $path, @opt ]);
    is($ours->{exit}, $theirs->{exit}, "$path @opt: same state as monitoring-plugins ($theirs->{exit})");
    is(norm($ours->{p}{line}), norm((split /\n/, $theirs->{out})[-1]), "$path @opt: same status line");
}

# --- expected status (-e) ----------------------------------------------------

for my $c ([ '/index.html', '200', 0 ], [ '/index.html', '404', 2 ], [ '/nope', '404', 0 ], [ '/r301', '200,301', 0 ],
           [ '/e500', '200,301', 2 ], [ '/nope', 'HTTP/1.1 404', 0 ], [ '/index.html', '20', 0 ],
           [ '/index.html', '201,202', 2 ]) {
    my ($path, $e, $want) = @$c;
    $r = http('-I', '127.0.0.1', '-p', $P, '-u', $path, '-e', $e);
    is($r->{exit}, $want, "-e $e on $path");
    like($r->{p}{summary}, $want ? qr/^Invalid HTTP response received from host on port $P: HTTP\/1\.1 \d{3}/
                                 : qr/^Status line output matched "\Q$e\E"/, "-e $e on $path: message");
}

# --- content -------------------------------------------------------------------

my @I = ('-I', '127.0.0.1', '-p', $P);
is(http(@I, '-u', '/index.html', '-s', 'status green')->{exit}, 0, '-s found');
$r = http(@I, '-u', '/index.html', '-s', 'status red');
is($r->{exit}, 2, '-s not found is CRITICAL');
like($r->{p}{summary}, qr/string 'status red' not found on 'http:\/\/127\.0\.0\.1:$P\/index\.html'/, '-s message as mp');
is(http(@I, '-u', '/big.txt', '-s', 'NEEDLE-ACROSS-CHUNKS')->{exit}, 0, '-s finds a string across read chunks');
is(http(@I, '-u', '/big.txt', '-s', 'END-OF-BIG')->{exit}, 0, '-s finds a string at the end of 2 MB');
is(http(@I, '-u', '/index.html', '-r', 'test\s+page\nline')->{exit}, 0, '-r found (PCRE2, \s, newline)');
is(http(@I, '-u', '/index.html', '-r', '^line two')->{exit}, 0, '-r: ^ matches at a line start');
is(http(@I, '-u', '/index.html', '-r', 'page.line')->{exit}, 2, '-r: . does not match a newline');
is(http(@I, '-u', '/index.html', '-l', '-r', 'page.line')->{exit}, 0, '-l: . matches a newline');
is(http(@I, '-u', '/index.html', '-r', 'MAMORI')->{exit}, 2, '-r is case-sensitive');
is(http(@I, '-u', '/index.html', '-R', 'MAMORI TEST')->{exit}, 0, '-R ignores case');
is(http(@I, '-u', '/index.html', '--ereg', 'Mamori')->{exit}, 0, '--ereg is -r');
$r = http(@I, '-u', '/index.html', '-r', 'no(such)+thing');
is($r->{exit}, 2, '-r not found');
like($r->{p}{summary}, qr/pattern not found/, '-r message as mp');
$r = http(@I, '-u', '/index.html', '-r', 'Mamori', '--invert-regex');
is($r->{exit}, 2, '--invert-regex: a match is CRITICAL');
like($r->{p}{summary}, qr/pattern found/, '--invert-regex message');
is(http(@I, '-u', '/index.html', '-r', 'absent', '--invert-regex')->{exit}, 0, '--invert-regex: no match is OK');
is(http(@I, '-u', '/index.html', '-d', 'Content-Type: text/html')->{exit}, 0, '-d finds a header');

# --- size: -m against the true size, --max-size, -N and HEAD -------------------

my $size = length raw('/index.html');
for my $c ([ "$size:$size", 0 ], [ ($size + 1) . ':', 1 ], [ ($size + 1), 1 ], [ '0:' . ($size - 1), 1 ],
           [ ":$size", 0 ], [ '1:1M', 0 ]) {
    $r = http(@I, '-u', '/index.html', '-m', $c->[0]);
    is($r->{exit}, $c->[1], "-m $c->[0] with a $size-byte response");
    like($r->{p}{summary}, qr/page size $size too (small|large)/, "-m $c->[0]: message") if $c->[1];
}
$r = http(@I, '-u', '/big.txt', '--max-size', '100K');
is($r->{exit}, 1, '--max-size: a larger response is WARNING');
like($r->{p}{summary}, qr/stopped reading at --max-size 102400 bytes/, '--max-size message');
is($r->{p}{perf}{size}{value}, 102400, 'reading stopped at --max-size');
$r = http(@I, '-u', '/big.txt', '--max-size', '100K', '-s', 'END-OF-BIG');
is($r->{exit}, 2, '--max-size: what was not read is not searched');
my ($head) = raw('/index.html') =~ /\A(.*?\r\n\r\n)/s;
is(http(@I, '-u', '/index.html', '-N')->{p}{perf}{size}{value}, length $head, '-N reads the headers only');
$r = http(@I, '-u', '/index.html', '-j', 'HEAD');
is($r->{exit}, 0, 'HEAD is OK');
is($r->{p}{perf}{size}{value}, length $head, 'HEAD: headers only');
is(http(@I, '-u', '/old.txt', '-M', '5d')->{exit}, 2, '-M: 10 days old with -M 5d is CRITICAL');
like(http(@I, '-u', '/old.txt', '-M', '5d')->{p}{summary}, qr/Last modified 10\.0 days ago/, '-M message as mp');
is(http(@I, '-u', '/old.txt', '-M', '11d')->{exit}, 0, '-M 11d: OK');
is(http(@I, '-u', '/hdr', '-M', '1d')->{exit}, 2, '-M without Last-Modified is CRITICAL');

# --- redirects -------------------------------------------------------------------

for my $c ([ 'ok', 0 ], [ 'warning', 1 ], [ 'critical', 2 ]) {
    $r = http(@I, '-u', '/r301', '-f', $c->[0]);
    is($r->{exit}, $c->[1], "-f $c->[0]: a 301 is $c->[0]");
    like($r->{p}{summary}, qr/^HTTP\/1\.1 301 Moved Permanently - /, "-f $c->[0]: the 301 line");
}
$r = http(@I, '-u', '/r301', '-f', 'follow', '-s', 'status green');
is($r->{exit}, 0, '-f follow reaches the page');
is($r->{p}{perf}{size}{value}, $size, '-f follow: the size of the final page');
$r = http(@I, '-u', '/loop', '-f', 'follow');
is($r->{exit}, 2, 'redirect loop is CRITICAL (as mp)');
like($r->{p}{summary}, qr/^redirection creates an infinite loop - http:\/\/127\.0\.0\.1:$P\/loop$/, 'loop message');
is(http(@I, '-u', '/chain1', '-f', 'follow')->{exit}, 0, 'three redirects followed');
$r = http(@I, '-u', '/chain1', '-f', 'follow', '--max-redirs', '2');
is($r->{exit}, 1, '--max-redirs 2 on three redirects is WARNING');
like($r->{p}{summary}, qr/^maximum redirection depth 2 exceeded/, 'depth message as mp');
# /sticky goes to 127.0.0.2:P (nothing listens there); sticky stays on 127.0.0.1
like(http(@I, '-u', '/sticky', '-f', 'follow')->{p}{summary}, qr/Connection refused/, 'follow goes to the new address');
is(http(@I, '-u', '/sticky', '-f', 'sticky', '-s', 'status green')->{exit}, 0, 'sticky keeps the address');
is(http(@I, '-u', '/stickyport', '-f', 'sticky')->{exit}, 2, 'sticky takes the new port');
is(http(@I, '-u', '/stickyport', '-f', 'stickyport', '-s', 'status green')->{exit}, 0, 'stickyport keeps the port');
is(http(@I, '-u', '/tohttps', '-f', 'follow', '--ca-file', $ca->ca_file)->{exit}, 0, 'a redirect to HTTPS, verified');
is(http(@I, '-u', '/tohttps', '-f', 'follow')->{exit}, 2, 'a redirect to an untrusted HTTPS server');

# --- the request: headers, agent, method, body, auth, proxy -------------------------

like(http(@I, '-u', '/hdr', '-k', 'X-Test: hello there', '-k', 'X-Other: 2', '-s', 'x-test=hello there x-other=2')->{p}{line},
     qr/OK/, '-k headers sent (repeatable)');
is(http(@I, '-u', '/ua', '-s', 'ua=check_http/')->{exit}, 0, 'default user agent check_http/...');
is(http(@I, '-u', '/ua', '-A', 'mamori probe 1', '-s', 'ua=mamori probe 1')->{exit}, 0, '-A sets the user agent');
is(http(@I, '-u', '/method', '-j', 'PUT', '-s', 'method=PUT')->{exit}, 0, '-j PUT');
is(http(@I, '-u', '/post', '-P', 'a=1&b=two', '-s', 'method=POST type=application/x-www-form-urlencoded body=a=1&b=two')->{exit},
   0, '-P posts the body');
is(http(@I, '-u', '/post', '-P', '{"x":1}', '-T', 'application/json', '-s', 'type=application/json body={"x":1}')->{exit},
   0, '-T sets the Content-Type');
is(http(@I, '-u', '/post', '-P', 'z=9', '-j', 'PUT', '-s', 'method=PUT type=application/x-www-form-urlencoded body=z=9')->{exit},
   0, '-j PUT with -P');
is(http('-H', 'www.example.test', '-I', '127.0.0.1', '-p', $P, '-u', '/host', '-s', "host=www.example.test:$P")->{exit},
   0, '-H goes into the Host header, -I is where to connect');
is(http('-H', 'www.example.test:8080', '-I', '127.0.0.1', '-p', $P, '-u', '/host', '-s', 'host=www.example.test:8080 ')->{exit},
   0, '-H name:port: the port goes into the Host header only (as mp)');
is(http('--url', "http://127.0.0.1:$P/index.html", '-s', 'status green')->{exit}, 0, 'a whole URL');
is(http('-H', 'localhost', '-p', $P, '-u', '/index.html')->{exit}, 0, '-H alone is also the server');

is(http(@I, '-u', '/secret/')->{exit}, 1, 'no credentials: 401 is WARNING');
is(http(@I, '-u', '/secret/', '-a', 'monitor:s3cret-pass', '-s', 'the secret page')->{exit}, 0, '-a user:password');
is(http(@I, '-u', '/secret/', '-a', 'monitor:wrong')->{exit}, 1, '-a with a wrong password: 401');
my $af = "$tmp/auth";
open my $fh, '>', $af or die;
print $fh "monitor:s3cret-pass\n";
close $fh;
chmod 0600, $af;
is(http(@I, '-u', '/secret/', '--auth-file', $af, '-s', 'the secret page')->{exit}, 0, '--auth-file (mode 0600)');
is(http(@I, '-u', '/elsewhere', '-f', 'follow', '--auth-file', $af, '-s', 'ok')->{exit}, 0, 'a redirect to another host');
my @sent = $recorder->received;
ok(scalar(grep { /^GET \/ HTTP/ } @sent), 'the other host got the request');
ok(!scalar(grep { /^Authorization:/i } @sent), '... without the credentials') or diag(join "\n", @sent);
chmod 0644, $af;
$r = http(@I, '-u', '/secret/', '--auth-file', $af);
is($r->{exit}, 3, '--auth-file readable by others is refused');
like($r->{p}{summary}, qr/mode 0644/, '... and the reason names the mode');
unlike($r->{out}, qr/s3cret/, '... without showing the password');

# a proxy: nginx answers an absolute-form request itself; the name is never resolved
is(http('--url', 'http://proxied.invalid/host', '--proxy', "http://127.0.0.1:$P", '-s', 'host=proxied.invalid')->{exit},
   0, '--proxy is used for the request');
is(http(@I, '-u', '/index.html', { env => { http_proxy => "http://127.0.0.1:$closed", HTTP_PROXY => "http://127.0.0.1:$closed",
                                            all_proxy => "http://127.0.0.1:$closed" } })->{exit},
   0, 'http_proxy in the environment is ignored');

# --- response time: a server that waits before answering --------------------------

my $slow = Mamori::BadServer->new('banner', script => [ '' => sub {
    select(undef, undef, undef, 1.2);
    return { reply => "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n", close => 1 } } ],
    else => '');
$r = http('-I', '127.0.0.1', '-p', $slow->port, '-w', '0.5', '-c', '5');
is($r->{exit}, 1, '1.2 s answer with -w 0.5 is WARNING');
ok($r->{p}{perf}{time}{value} >= 1.15, "time $r->{p}{perf}{time}{value} >= the server's delay");
is($r->{p}{perf}{time}{warn}, '0.5', 'warn threshold in perfdata');
is(http('-I', '127.0.0.1', '-p', $slow->port, '-w', '0.2', '-c', '1')->{exit}, 2, '... with -c 1 CRITICAL');
is(http('-I', '127.0.0.1', '-p', $slow->port, '-w', '2', '-c', '3')->{exit}, 0, '... within -w 2 OK');
is(http('-I', '127.0.0.1', '-p', $slow->port, '-w', '1:', '-c', '~:5')->{exit}, 0, 'ranges: 1: and ~:5');
$slow->stop;

# --- HTTPS and certificates ---------------------------------------------------------

my @CA = ('--ca-file', $ca->ca_file);
sub tls { my ($kind, @a) = @_; return http('-H', 'localhost', '-I', '127.0.0.1', '-p', $ng->tls_port($kind), '-S', @a) }

$r = tls('valid');
is($r->{exit}, 2, 'an unknown CA is refused by default');
like($r->{p}{summary}, qr/unable to get local issuer certificate/, '... with the reason');
$r = tls('valid', @CA, '-u', '/index.html', '-s', 'status green', '-v');
is($r->{exit}, 0, '--ca-file with the test CA verifies');
like(join("\n", @{ $r->{p}{long} }), qr/TLS: TLSv1\.3/, '-v names the TLS version');
is(tls('valid', @CA, '-u', '/host', '-s', 'sni=localhost')->{exit}, 0, 'SNI carries the -H name');
is(http('--url', 'https://localhost:' . $ng->tls_port('valid') . '/index.html', @CA)->{exit}, 0, 'https:// URL');
is(http('-I', '127.0.0.1', '-p', $ng->tls_port('valid'), '-S', @CA, '-u', '/host', '-r', 'sni=$')->{exit},
   0, 'an IP address: no SNI, and the certificate names 127.0.0.1');
is(tls('valid', '--insecure')->{exit}, 0, '--insecure accepts an unknown CA');
is(tls('valid', '--ca-path', $ca->ca_dir)->{exit}, 0, '--ca-path: a hashed directory (the system store\'s layout)');
is(tls('self', '--ca-path', $ca->ca_dir)->{exit}, 2, '--ca-path: a certificate from elsewhere is refused');
$r = tls('self', @CA);
is($r->{exit}, 2, 'self-signed: CRITICAL');
like($r->{p}{summary}, qr/self.signed/, '... says so');
is(tls('self', '--insecure')->{exit}, 0, 'self-signed with --insecure: OK');
$r = tls('wrong', @CA);
is($r->{exit}, 2, 'wrong host name: CRITICAL');
like($r->{p}{summary}, qr/localhost/, '... names the host');
is(tls('wrong', '--insecure')->{exit}, 0, 'wrong host name with --insecure: OK');
$r = tls('expired', @CA);
is($r->{exit}, 2, 'expired: CRITICAL');
like($r->{p}{summary}, qr/expired/, '... says expired');
$r = tls('expired', '--insecure', '-C', '30');
is($r->{exit}, 2, 'expired with --insecure -C 30: CRITICAL');
like($r->{p}{summary}, qr/^Certificate 'localhost' expired on /, '... mp wording');

my $soon_days = int(($ca->not_after($tls{soon}[0]) - time) / 86400);
$r = tls('soon', @CA, '-C', '30');
is($r->{exit}, 1, "-C 30 on a certificate with $soon_days days left: WARNING");
like($r->{p}{line}, qr/^HTTP WARNING - Certificate 'localhost' expires in $soon_days day\(s\) \(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \+0000\)\./,
     '-C message as mp');
is($r->{p}{perf}{days}{value}, $soon_days, 'days perfdata from the certificate');
is(tls('soon', @CA, '-C', '30,10')->{exit}, 2, '-C 30,10: CRITICAL');
$r = tls('soon', @CA, '-C', '3');
is($r->{exit}, 0, '-C 3: OK');
like($r->{p}{summary}, qr/^Certificate 'localhost' will expire on /, '... "will expire on"');
$r = tls('soon', @CA, '-C', '30', '--continue-after-certificate', '-s', 'absent');
is($r->{exit}, 2, '--continue-after-certificate judges the page too');
like($r->{p}{summary}, qr/^HTTP\/1\.1 200 OK - Certificate 'localhost' expires in .*string 'absent' not found/,
     '... both in one line');
is(tls('valid', @CA, '-C', '30,10', '--continue-after-certificate')->{exit}, 0, 'a 365-day certificate with -C 30,10');
my $ours = tls('soon', '--insecure', '-C', '30,10');
my $theirs = run_prog([ $mp, '-H', 'localhost', '-I', '127.0.0.1', '-p', $ng->tls_port('soon'), '-S', '-C', '30,10' ]);
is($ours->{exit}, $theirs->{exit}, '-C 30,10: the same state as monitoring-plugins');
is($ours->{p}{summary}, (split /\n/, $theirs->{out})[0] =~ s/^\w+ - //r, '-C: the same words as monitoring-plugins');

is(tls('tls12', @CA, '--tls-version', '1.2')->{exit}, 0, '--tls-version 1.2 against a TLS 1.2 server');
$r = tls('tls12', @CA, '--tls-version', '1.3');
is($r->{exit}, 2, '--tls-version 1.3 against a TLS 1.2 server: CRITICAL');
like($r->{p}{summary}, qr/SSL/, '... a TLS reason');
is(tls('client', @CA, '-u', '/client', '-J', $client_cert, '-K', $client_key, '-s', 'client=CN=monitor verify=SUCCESS')->{exit},
   0, '-J/-K present a client certificate');
is(tls('client', @CA, '-u', '/client', '-s', 'verify=NONE')->{exit}, 0, 'no client certificate without -J');

if (defined $ng->port6) {
    is(http('-I', '::1', '-p', $ng->port6, '-u', '/index.html', '-s', 'status green')->{exit}, 0, 'IPv6 address ::1');
    is(http('-6', '-H', 'localhost', '-p', $ng->port6, '-u', '/index.html')->{exit}, 0, '-6 connects over IPv6');
    is(http('-4', '-H', 'localhost', '-p', $ng->port6, '-u', '/index.html')->{exit}, 2, '-4: the IPv6-only port is not reached');
} else {
    diag('no IPv6 on this host: [::1] cases not run');
}

# --- failures: each ends within -t by itself, CRITICAL, with a reason -----------------

my $T = 3;
sub fail_case {
    my ($name, $port, $reason, @extra) = @_;
    my $r = http('-I', '127.0.0.1', '-p', $port, '-t', $T, @extra, { timeout => $T + 5 });
    is($r->{exit}, 2, "$name: CRITICAL");
    like($r->{p}{summary} // '', $reason, "$name: reason") or diag($r->{out});
    ok($r->{secs} < $T + 0.5, sprintf('%s: ended in %.2f s (-t %d)', $name, $r->{secs}, $T));
    unlike($r->{out}, qr/plugin timed out/, "$name: answered before the alarm");
    return $r;
}
fail_case('closed port', $closed, qr/Connection refused/);
my $silent = Mamori::BadServer->new('silent');
fail_case('silent server', $silent->port, qr/timed out/i);
fail_case('silent server over TLS', $silent->port, qr/timed out/i, '-S', '--insecure');
my $drip = Mamori::BadServer->new('drip', greeting => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
fail_case('a byte a second', $drip->port, qr/timed out.* \d+ bytes received/i);
$drip->stop;
my $garbage = Mamori::BadServer->new('garbage');
fail_case('binary garbage', $garbage->port, qr/^Invalid HTTP response received from host on port \d+/);
my $huge = Mamori::BadServer->new('huge_line', prefix => "HTTP/1.1 200 OK\r\nX-Big: ");
fail_case('a 10 MB header line', $huge->port, qr/^Invalid HTTP response received from host/);
my $huge_status = Mamori::BadServer->new('huge_line', prefix => 'HTTP/1.1 200 ');
fail_case('a 10 MB status line', $huge_status->port, qr/^Invalid HTTP response received from host/);
my $half = Mamori::BadServer->new('close_mid_reply', greeting => "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
fail_case('closed in mid-reply', $half->port, qr/\S/);
# (regression, seen under load in CI) the close may reach libcurl after the
# status line and half a header: it then reported success with no body. 20
# tries: every one is CRITICAL.
{
    my %states;
    for (1 .. 20) {
        my $r = http('-I', '127.0.0.1', '-p', $half->port, '-t', $T);
        $states{$r->{exit}}++;
    }
    is_deeply(\%states, { 2 => 20 }, 'closed inside the headers: CRITICAL every time')
        or diag(explain(\%states));
}
my $tlsjunk = Mamori::BadServer->new('tls_garbage');
fail_case('TLS junk', $tlsjunk->port, qr/^Cannot make SSL connection/, '-S', '--insecure');
fail_case('plain HTTP on an https URL', $P, qr/^Cannot make SSL connection/, '-S', '--insecure');
my $short = Mamori::BadServer->new('banner', script => [ '' => { reply => "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", close => 1 } ],
                                   else => '');
fail_case('body shorter than Content-Length', $short->port, qr/transfer closed/i);

# the alarm stays the last resort: the plugin answers a timeout itself, with the -t STATE
$r = http('-I', '127.0.0.1', '-p', $silent->port, '-t', '1');
ok($r->{secs} < 1.5, sprintf('-t 1 against a silent server: %.2f s', $r->{secs}));
for my $c ([ 'unknown', 3 ], [ 'warning', 1 ], [ 'unknown', 3, '-S', '--insecure' ]) {
    my ($st, $want, @extra) = @$c;
    my $name = "-t 2:$st against a silent server" . (@extra ? ' over TLS' : '');
    $r = http('-I', '127.0.0.1', '-p', $silent->port, '-t', "2:$st", @extra, { timeout => 7 });
    is($r->{exit}, $want, "$name: \U$st");
    like($r->{p}{summary} // '', qr/^(Operation|Connection) timed out after \d+ milliseconds/, "$name: curl's reason");
    unlike($r->{out}, qr/plugin timed out/, "$name: answered before the alarm");
    ok($r->{secs} < 2.5, sprintf('%s: ended in %.2f s', $name, $r->{secs}));
}

# --- bad arguments: UNKNOWN, one line, a reason, before any network -------------------

my $aw = "$tmp/auth-world";
open $fh, '>', $aw or die;
print $fh "u:p\n";
close $fh;
chmod 0644, $aw;
my $nocolon = "$tmp/auth-nocolon";
open $fh, '>', $nocolon or die;
print $fh "justapassword\n";
close $fh;
chmod 0600, $nocolon;
my @bad = (
    [ [], qr/give the server/ ],
    [ [ '--url', 'ftp://127.0.0.1/' ], qr/path starting with \/|URL/ ],
    [ [ '--url', 'http://exa mple/' ], qr/bad URL|host/ ],
    [ [ '-H', 'http://example.com/' ], qr/a host, not a URL/ ],
    [ [ '-I', 'a b' ], qr/not a host/ ],
    [ [ '-H', 'localhost', '-u', 'index.html' ], qr/path starting with/ ],
    [ [ '--url', "http://127.0.0.1:$P/", '-H', 'x' ], qr/drop -H/ ],
    [ [ '-H', '10.0.0.300' ], qr/not an IPv4 address/ ],
    [ [ '-H', "\xe4\xbe\x8b.jp" ], qr/xn--/ ],
    [ [ '--url', 'http://999/' ], qr/bad URL/ ],
    [ [ '-H', 'localhost', '--proxy', '127.0.0.1:3128' ], qr/SCHEME:\/\/HOST:PORT/ ],
    [ [ '-H', 'localhost', '--proxy', 'http://-x:3128' ], qr/not a host/ ],
    [ [ '-H', 'localhost', '-p', '0' ], qr/port/ ],
    [ [ '-H', 'localhost', '-p', '70000' ], qr/port/ ],
    [ [ '-H', 'localhost:99999' ], qr/port/ ],
    [ [ '-H', 'localhost', '-e', '' ], qr/empty item/ ],
    [ [ '-H', 'localhost', '-e', '200,,301' ], qr/empty item/ ],
    [ [ '-H', 'localhost', '-r', 'a(b' ], qr/regex.*missing closing parenthesis/ ],
    [ [ '-H', 'localhost', '-R', '[z-a]' ], qr/regex/ ],
    [ [ '-H', 'localhost', '-w', 'abc' ], qr/--warning/ ],
    [ [ '-H', 'localhost', '-c', '10:5' ], qr/--critical/ ],
    [ [ '-H', 'localhost', '-w', '1e3' ], qr/--warning/ ],
    [ [ '-H', 'localhost', '-m', 'x:y' ], qr/MIN\[:MAX\]/ ],
    [ [ '-H', 'localhost', '-m', '20:10' ], qr/MAX is below MIN/ ],
    [ [ '-H', 'localhost', '-f', 'sometimes' ], qr/follow/ ],
    [ [ '-H', 'localhost', '-C', 'x' ], qr/days/ ],
    [ [ '-H', 'localhost', '-C', '10,30' ], qr/CRIT days/ ],
    [ [ '--url', "http://127.0.0.1:$P/", '-C', '30' ], qr/-C needs HTTPS/ ],
    [ [ '-H', 'localhost', '-k', 'NoColonHere' ], qr/NAME: VALUE/ ],
    [ [ '-H', 'localhost', '-k', "X-A: b\r\nX-Injected: 1" ], qr/line break/ ],
    [ [ '-H', 'localhost', '-j', 'GET /x' ], qr/method/ ],
    [ [ '-H', 'localhost', '-j', 'CONNECT' ], qr/--proxy/ ],
    [ [ '-H', 'localhost', '--tls-version', '1.4' ], qr/1\.3/ ],
    [ [ '-H', 'localhost', '--max-size', '0' ], qr/size/ ],
    [ [ '-H', 'localhost', '--max-size', '2G' ], qr/size/ ],
    [ [ '-H', 'localhost', '-M', '5y' ], qr/age/ ],
    [ [ '-H', 'localhost', '-a', 'nocolon' ], qr/USER:PASSWORD/ ],
    [ [ '-H', 'localhost', '-a', 'u:p', '--auth-file', $af ], qr/not both/ ],
    [ [ '-H', 'localhost', '--auth-file', "$tmp/missing" ], qr/cannot open/ ],
    [ [ '-H', 'localhost', '--auth-file', $aw ], qr/mode 0644/ ],
    [ [ '-H', 'localhost', '--auth-file', $nocolon ], qr/not USER:PASSWORD/ ],
    [ [ '-H', 'localhost', '--ca-file', "$tmp/missing.pem" ], qr/cannot read/ ],
    [ [ '-H', 'localhost', '--ca-path', "$tmp/missing-dir" ], qr/cannot read/ ],
    [ [ '-H', 'localhost', '-S', '-J', "$tmp/missing.pem", '-K', "$tmp/missing.key" ], qr/cannot read/ ],
    [ [ '-H', 'localhost', '-K', $client_key ], qr/-J/ ],
    [ [ '--url', "http://127.0.0.1:$P/", '-S' ], qr/-S with an http/ ],
    [ [ '-H', 'localhost', 'operand' ], qr/unexpected argument/ ],
    [ [ '-H', 'localhost', '-t', '0' ], qr/timeout/ ],
);
for my $b (@bad) {
    my ($args, $why) = @$b;
    my $shown = join ' ', map { length > 30 ? substr($_, 0, 27) . '...' : $_ } @$args;
    $shown =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    my $r = plugin_run('check_http', @$args, { timeout => 10 });
    check_plugin_output($r, "check_http $shown");
    is($r->{exit}, 3, "bad: $shown: UNKNOWN");
    like($r->{out}, qr/^HTTP UNKNOWN - .*$why.*\n\z/, "bad: $shown: one line with the reason") or diag($r->{out});
    ok($r->{secs} < 2, "bad: $shown: at once");
}

# Hostile bytes and 100 kB in every option that takes a value: any state,
# never a crash, one status line; only loopback is ever contacted (-I).
my $help = run_prog([ bin('check_http'), '--help' ])->{out};
my @opts = $help =~ /^\s+(?:-\w, )?(--[\w-]+)=/mg;
ok(@opts > 30, scalar(@opts) . ' options take a value');
for my $opt (grep { $_ ne '--timeout' } @opts) {
    for my $val ("\xff\xfe\xc3\x28\x80", 'x' x 100_000, "a\nb", '-1', '99999999999999999999999') {
        my $r = plugin_run('check_http', '-I', '127.0.0.1', '-p', $closed, '-t', 3, $opt, $val, { timeout => 10 });
        my $vs = length $val > 30 ? 'a 100 kB string' : ($val =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ger);
        check_plugin_output($r, "check_http $opt $vs");
        ok($r->{exit} >= 0 && $r->{exit} <= 3 && !$r->{signal} && !$r->{timed_out}, "$opt $vs: no crash (exit $r->{exit})");
        my ($first) = split /\n/, $r->{out};
        ok(defined $first && $first =~ /^HTTP (OK|WARNING|CRITICAL|UNKNOWN)/ && length($first) < 8192,
           "$opt $vs: one status line") or diag(substr($r->{out}, 0, 300));
        is($r->{err}, '', "$opt $vs: nothing on stderr");
    }
}

done_testing;
