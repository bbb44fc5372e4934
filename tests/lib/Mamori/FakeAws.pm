# A local stand-in for the two AWS endpoints check_cloudwatch talks to,
# keeping their documented contracts:
#
#   CloudWatch GetMetricData, AWS JSON 1.0 protocol, over HTTPS: POST / with
#   X-Amz-Target: GraniteServiceVersion20100801.GetMetricData and
#   Content-Type: application/x-amz-json-1.0. Every request's SigV4
#   signature is verified here, independently of lib/sigv4 (Digest::SHA),
#   with the secret of the access key it names: a bad one gets 403
#   SignatureDoesNotMatch, an unknown key 403 InvalidClientTokenId, an
#   expired session token 400 ExpiredTokenException. The body's fields are
#   checked; the answer is MetricDataResults with Timestamps and Values.
#
#     my $aws = Mamori::FakeAws->new(
#         cert => PEM, key => PEM,                     # Mamori::Certs
#         region => 'eu-west-1',
#         credentials => { AKIDTEST => { secret => 'S', token => 'T' (required when set),
#                                        expired => 1 (the token is expired) } },
#         script => { 'db-1' => [1, 2, 42.5],          # values, oldest first, one per period up to now
#                     'empty' => [],                    # no datapoints
#                     'slow' => { fail => 'hang' },     # never answers
#                     'busy' => { fail => 'throttle', times => 1, values => [7] } },
#     );
#     $aws->url; $aws->requests;   # [{ headers => {lc name => value}, body => decoded JSON }, ...]
#
#   The script is keyed by the value of the request's first dimension (an
#   unknown one gets an empty result, as CloudWatch gives for a metric that
#   does not exist). Failures: throttle (400 __type Throttling, the query-
#   compatible form), throttle_ex (400 com.amazon.coral.availability#
#   ThrottlingException), error500, hang, garbage (200, not JSON), forbidden
#   (200 with the result's StatusCode Forbidden); times => N
#   fails the first N requests only, then answers values.
#
#   The EC2 instance metadata service, IMDSv2, over HTTP:
#     my $imds = Mamori::FakeAws->imds(role => 'monitor', credentials => { AccessKeyId => ..,
#                                      SecretAccessKey => .., Token => .. });
#   PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds (1 to
#   21600) and returns a session token; the GETs under /latest/meta-data/
#   need that token in X-aws-ec2-metadata-token, else 401.
package Mamori::FakeAws;
use strict;
use warnings;
use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex);
use Fcntl qw(:flock);
use File::Temp qw(tempdir);
use IO::Select;
use Mamori::HttpRequest;
use IO::Socket::INET;
use IO::Socket::SSL;
use JSON::PP;
use POSIX qw(:sys_wait_h setpgid);
use Time::HiRes qw(time sleep);

my $json = JSON::PP->new->canonical->utf8;

sub new {
    my ($class, %o) = @_;
    $o{cert} && $o{key} or die 'FakeAws: cert and key (PEM files) are needed';
    return $class->_start(%o, kind => 'cloudwatch', region => $o{region} // 'us-east-1');
}

sub imds {
    my ($class, %o) = @_;
    return $class->_start(%o, kind => 'imds', role => $o{role} // 'monitor',
                          session => 'imds-' . join('', map { ('a' .. 'z')[rand 26] } 1 .. 24));
}

sub _start {
    my ($class, %o) = @_;
    my $self = bless { %o, owner => $$ }, $class;
    $self->{dir} = tempdir('mamori-fakeaws-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 32,
                                  ReuseAddr => 1) or die "FakeAws: listen: $!";
    $self->{port} = $l->sockport;
    my $parent = $$;
    my $pid = fork // die "FakeAws: fork: $!";
    if ($pid == 0) {
        eval { $self->_serve($l, $parent) };
        POSIX::_exit(0);
    }
    close $l;
    setpgid($pid, $pid);
    $self->{pid} = $pid;
    return $self;
}

sub port { $_[0]{port} }
sub url {
    my ($self) = @_;
    return ($self->{kind} eq 'imds' ? 'http' : 'https') . "://127.0.0.1:$self->{port}/";
}

# What the clients sent, in order: { method, path, headers => {lc => value}, body (decoded JSON or raw), verdict }.
sub requests {
    my ($self) = @_;
    open my $f, '<', "$self->{dir}/requests" or return ();
    return map { $json->decode($_) } <$f>;
}

sub stop {
    my ($self) = @_;
    local ($?, $!);   # from DESTROY at exit: waitpid must not replace the test's exit code
    return unless $self->{owner} == $$;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', -$pid, $pid;
    my $end = time + 5;
    until (waitpid($pid, WNOHANG) == $pid || time > $end) { sleep 0.02 }
    if (kill 0, $pid) { kill 'KILL', -$pid, $pid; waitpid($pid, 0) }
}

sub DESTROY { $_[0]->stop }

# --- the server: one handler process per connection --------------------------

sub _serve {
    my ($self, $l, $parent) = @_;
    setpgrp(0, 0);
    $SIG{PIPE} = 'IGNORE';
    my $sel = IO::Select->new($l);
    while (getppid() == $parent) {
        1 while waitpid(-1, WNOHANG) > 0;
        next unless $sel->can_read(0.5);
        my $c = $l->accept or next;
        my $server = $$;
        my $kid = fork;
        if (defined $kid && $kid == 0) {
            close $l;
            eval { $self->_connection($c, $server) };
            POSIX::_exit(0);
        }
        close $c;
    }
}

sub _connection {
    my ($self, $c, $server) = @_;
    if ($self->{kind} eq 'cloudwatch') {
        # a client that refuses the certificate ends here
        IO::Socket::SSL->start_SSL($c, SSL_server => 1, SSL_cert_file => $self->{cert},
                                   SSL_key_file => $self->{key}, Timeout => 10) or return;
    }
    my $req = _read_request($c, time + 10) or return;
    my ($code, $headers, $body) = $self->{kind} eq 'imds' ? $self->_imds($req) : $self->_cloudwatch($req, $server);
    return unless defined $code;   # hang
    my $text = { 200 => 'OK', 400 => 'Bad Request', 401 => 'Unauthorized', 403 => 'Forbidden',
                 404 => 'Not Found', 405 => 'Method Not Allowed', 500 => 'Internal Server Error' }->{$code} // 'Status';
    my $out = "HTTP/1.1 $code $text\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n"
        . join('', map { "$_->[0]: $_->[1]\r\n" } @$headers) . "\r\n" . $body;
    print {$c} $out;
    close $c;
}

# Request line, headers (in order, as sent), body by Content-Length.
sub _read_request {
    my $r = Mamori::HttpRequest::read(@_) or return;
    return { method => $r->{method}, path => $r->{path}, query => $r->{query}, headers => $r->{headers},
             body => $r->{body} };
}

sub _header {
    my ($req, $name) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $req->{headers} };
    return @v ? join(',', @v) : undef;
}

sub _log {
    my ($self, $req, $verdict) = @_;
    my $body = eval { $json->decode($req->{body}) } // $req->{body};
    my %h = map { lc($_->[0]) => $_->[1] } @{ $req->{headers} };
    open my $f, '>>', "$self->{dir}/requests" or return;
    flock $f, LOCK_EX;
    print $f $json->encode({ method => $req->{method}, path => $req->{path}, headers => \%h, body => $body,
                             verdict => $verdict }) . "\n";
    close $f;
}

# How many requests this key has seen before (a counter file, locked).
sub _count {
    my ($self, $key) = @_;
    (my $safe = $key) =~ s/[^A-Za-z0-9_.-]/_/g;
    open my $f, '+>>', "$self->{dir}/count-$safe" or return 0;
    flock $f, LOCK_EX;
    seek $f, 0, 0;
    my $n = () = <$f>;
    print $f "x\n";
    close $f;
    return $n;
}

sub _error {
    my ($code, $type, $msg, @extra) = @_;
    return ($code, [['Content-Type', 'application/x-amz-json-1.0'], @extra],
            $json->encode({ __type => $type, message => $msg }));
}

# --- CloudWatch ---------------------------------------------------------------

sub _cloudwatch {
    my ($self, $req, $server) = @_;
    my $verdict = $self->_verify($req);
    if ($verdict->[0] != 200) {
        $self->_log($req, "$verdict->[0] $verdict->[1]");
        return _error(@$verdict);
    }
    my @bad = $self->_check_contract($req);
    if (@bad) {
        $self->_log($req, "400 @bad");
        return _error(@bad);
    }
    my $b = $json->decode($req->{body});
    my $q = $b->{MetricDataQueries}[0];
    my $key = $q->{MetricStat}{Metric}{Dimensions}[0]{Value} // '';
    my $s = $self->{script}{$key} // [];
    $s = { values => $s } if ref $s eq 'ARRAY';
    if ($s->{fail} && (!defined $s->{times} || $self->_count($key) < $s->{times})) {
        $self->_log($req, "scripted $s->{fail}");
        my $f = $s->{fail};
        if ($f eq 'hang') {
            my $end = time + ($s->{hang} // 60);
            sleep 0.2 while time < $end && getppid() == $server;
            return;
        }
        return _error(400, 'Throttling', 'Rate exceeded', ['x-amzn-query-error', 'Throttling;Sender'])
            if $f eq 'throttle';
        return _error(400, 'com.amazon.coral.availability#ThrottlingException', 'Rate exceeded')
            if $f eq 'throttle_ex';
        return _error(500, 'InternalServiceError', 'Internal service error') if $f eq 'error500';
        return (200, [['Content-Type', 'application/x-amz-json-1.0']], '<html>not json') if $f eq 'garbage';
        return (200, [['Content-Type', 'application/x-amz-json-1.0']], $json->encode({ MetricDataResults => [{
            Id => $q->{Id}, Label => '', Timestamps => [], Values => [], StatusCode => 'Forbidden',
            Messages => [{ Code => 'Forbidden', Value => 'User is not authorized to read this metric' }] }],
            Messages => [] })) if $f eq 'forbidden';
        die "FakeAws: unknown failure '$f'";
    }
    $self->_log($req, 'ok');
    # one datapoint per period, the newest in the last whole period before EndTime
    my $p = $q->{MetricStat}{Period};
    my $newest = $b->{EndTime} - $b->{EndTime} % $p - $p;
    my @v = @{ $s->{values} // [] };
    my @ts = map { $newest - $_ * $p } 0 .. $#v;     # newest first, as ScanBy TimestampDescending asks
    my @vals = reverse @v;
    my $res = { MetricDataResults => [{ Id => $q->{Id}, Label => $q->{MetricStat}{Metric}{MetricName},
                                        Timestamps => \@ts, Values => \@vals, StatusCode => 'Complete' }],
                Messages => [] };
    return (200, [['Content-Type', 'application/x-amz-json-1.0']], $json->encode($res));
}

# The GetMetricData input as the API reference defines it.
sub _check_contract {
    my ($self, $req) = @_;
    return (404, 'UnknownOperationException', "no such path $req->{path}") unless $req->{method} eq 'POST' && $req->{path} eq '/';
    my $target = _header($req, 'X-Amz-Target') // '';
    return (400, 'UnknownOperationException', "X-Amz-Target '$target'")
        unless $target eq 'GraniteServiceVersion20100801.GetMetricData';
    my $ct = _header($req, 'Content-Type') // '';
    return (400, 'SerializationException', "Content-Type '$ct'") unless $ct eq 'application/x-amz-json-1.0';
    my $b = eval { $json->decode($req->{body}) };
    return (400, 'SerializationException', 'the body is not JSON') unless ref $b eq 'HASH';
    my $qs = $b->{MetricDataQueries};
    return (400, 'ValidationError', 'MetricDataQueries must be a list of 1 to 500')
        unless ref $qs eq 'ARRAY' && @$qs >= 1 && @$qs <= 500;
    for my $q (@$qs) {
        return (400, 'ValidationError', 'Id must match ^[a-z][a-zA-Z0-9_]*$') unless ($q->{Id} // '') =~ /^[a-z]\w*$/;
        my $ms = $q->{MetricStat};
        return (400, 'ValidationError', 'MetricStat is missing') unless ref $ms eq 'HASH';
        my $m = $ms->{Metric} // {};
        for my $f (qw(Namespace MetricName)) {
            return (400, 'ValidationError', "Metric.$f must be 1 to 255 characters")
                unless defined $m->{$f} && length $m->{$f} >= 1 && length $m->{$f} <= 255;
        }
        my $d = $m->{Dimensions} // [];
        return (400, 'ValidationError', 'Dimensions must be a list of up to 30')
            unless ref $d eq 'ARRAY' && @$d <= 30;
        for (@$d) {
            return (400, 'ValidationError', 'a Dimension needs Name and Value')
                unless ref $_ eq 'HASH' && length($_->{Name} // '') && length($_->{Value} // '');
        }
        return (400, 'ValidationError', 'Period must be a positive integer')
            unless ($ms->{Period} // '') =~ /^[1-9]\d*$/;
        return (400, 'ValidationError', 'Period must be 1, 5, 10, 30 or a multiple of 60')
            unless $ms->{Period} % 60 == 0 || grep { $ms->{Period} == $_ } 1, 5, 10, 30;
        return (400, 'ValidationError', 'Stat is missing') unless length($ms->{Stat} // '');
    }
    for my $f (qw(StartTime EndTime)) {
        return (400, 'ValidationError', "$f must be epoch seconds") unless ($b->{$f} // '') =~ /^\d+(\.\d+)?$/;
    }
    return (400, 'ValidationError', 'The parameter StartTime must be less than the parameter EndTime.')
        unless $b->{StartTime} < $b->{EndTime};
    return (400, 'ValidationError', 'ScanBy must be TimestampDescending or TimestampAscending')
        if defined $b->{ScanBy} && $b->{ScanBy} !~ /^Timestamp(Descending|Ascending)$/;
    return ();
}

# SigV4, header form: returns [200] or [code, type, message].
sub _verify {
    my ($self, $req) = @_;
    my $auth = _header($req, 'Authorization')
        // return [403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'];
    my ($ak, $date, $region, $service, $signed, $sig) = $auth =~
        m{^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$}
        or return [400, 'IncompleteSignatureException', "Authorization header is malformed: $auth"];
    my $cred = $self->{credentials}{$ak}
        or return [403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'];
    my $amz = _header($req, 'X-Amz-Date') // '';
    my ($Y, $M, $D, $h, $m, $s) = $amz =~ /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/
        or return [400, 'IncompleteSignatureException', 'X-Amz-Date is missing or malformed'];
    require Time::Local;
    my $t = Time::Local::timegm($s, $m, $h, $D, $M - 1, $Y);
    return [403, 'SignatureDoesNotMatch', 'Signature expired: the request time is more than 5 minutes from now']
        if abs($t - time) > 300;
    return [403, 'SignatureDoesNotMatch', "Credential should be scoped to a valid region ($self->{region}), not '$region'"]
        unless $region eq $self->{region};
    return [403, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'monitoring'"]
        unless $service eq 'monitoring';
    return [403, 'SignatureDoesNotMatch', 'Credential date does not match X-Amz-Date'] unless $date eq substr($amz, 0, 8);
    my @names = split /;/, $signed;
    return [403, 'SignatureDoesNotMatch', 'host and x-amz-date must be signed']
        unless (grep { $_ eq 'host' } @names) && (grep { $_ eq 'x-amz-date' } @names);
    my $creq = join("\n", $req->{method}, _canon_path($req->{path}), _canon_query($req->{query}),
                    (map { "$_:" . _canon_value(_header($req, $_) // '') } @names), '', $signed,
                    sha256_hex($req->{body}));
    my $sts = join("\n", 'AWS4-HMAC-SHA256', $amz, "$date/$region/$service/aws4_request", sha256_hex($creq));
    my $k = hmac_sha256($date, "AWS4$cred->{secret}");
    $k = hmac_sha256($_, $k) for $region, $service, 'aws4_request';
    return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you '
            . 'provided. Check your AWS Secret Access Key and signing method.']
        unless hmac_sha256_hex($sts, $k) eq $sig;
    my $token = _header($req, 'X-Amz-Security-Token');
    return [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.']
        if defined $token && !defined $cred->{token};
    if (defined $cred->{token}) {
        return [403, 'InvalidClientTokenId', 'The security token included in the request is invalid.']
            unless defined $token && $token eq $cred->{token};
        return [400, 'ExpiredTokenException', 'The security token included in the request is expired']
            if $cred->{expired};
    }
    return [200];
}

sub _canon_path {
    my ($p) = @_;
    return join('/', map { _enc($_) } split m{/}, $p, -1) || '/';
}

sub _canon_query {
    my ($q) = @_;
    return '' unless length $q;
    my @p = map { my ($k, $v) = split /=/, $_, 2; [_enc(_dec($k)), _enc(_dec($v // ''))] } grep { length } split /&/, $q;
    return join '&', map { "$_->[0]=$_->[1]" } sort { $a->[0] cmp $b->[0] || $a->[1] cmp $b->[1] } @p;
}

sub _canon_value { my ($v) = @_; $v =~ s/^\s+|\s+$//g; $v =~ s/\s+/ /g; return $v }
sub _enc { my ($s) = @_; $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge; return $s }
sub _dec { my ($s) = @_; $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; return $s }

# --- IMDSv2 -------------------------------------------------------------------

sub _imds {
    my ($self, $req) = @_;
    my $text = [['Content-Type', 'text/plain']];
    if ($req->{path} eq '/latest/api/token') {
        $self->_log($req, 'token');
        return (405, $text, '') unless $req->{method} eq 'PUT';
        my $ttl = _header($req, 'X-aws-ec2-metadata-token-ttl-seconds') // '';
        return (400, $text, '') unless $ttl =~ /^\d+$/ && $ttl >= 1 && $ttl <= 21600;
        return (200, [['Content-Type', 'text/plain'], ['X-aws-ec2-metadata-token-ttl-seconds', $ttl]], $self->{session});
    }
    my $tok = _header($req, 'X-aws-ec2-metadata-token');
    if (!defined $tok || $tok ne $self->{session}) {
        $self->_log($req, '401');
        return (401, $text, '');
    }
    my $base = '/latest/meta-data/iam/security-credentials/';
    $self->_log($req, 'ok');
    return (200, $text, "$self->{role}\n") if $req->{method} eq 'GET' && $req->{path} eq $base;
    if ($req->{method} eq 'GET' && $req->{path} eq "$base$self->{role}") {
        my $c = $self->{credentials};
        return (200, [['Content-Type', 'text/plain']], JSON::PP->new->canonical->pretty->encode({
            Code => 'Success', LastUpdated => '2026-01-01T00:00:00Z', Type => 'AWS-HMAC',
            AccessKeyId => $c->{AccessKeyId}, SecretAccessKey => $c->{SecretAccessKey}, Token => $c->{Token},
            Expiration => '2099-01-01T00:00:00Z' }));
    }
    return (404, $text, '');
}

1;
