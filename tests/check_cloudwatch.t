# check_cloudwatch against Mamori::FakeAws: a local HTTPS server that keeps
# GetMetricData's contract (JSON 1.0 protocol) and verifies each request's
# SigV4 signature, plus a fake IMDSv2 for instance-role credentials.
use strict;
use warnings;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Test::More;
use Mamori::Test;
use Mamori::Certs;
use Mamori::FakeAws;

# Nothing from the person running the tests may leak in: no AWS settings,
# no proxy, no ~/.aws, no real metadata service.
delete $ENV{$_} for grep { /^AWS_/ || /_proxy$/i } keys %ENV;
my $home = tempdir('mamori-cw-home-XXXXXX', TMPDIR => 1, CLEANUP => 1);
$ENV{HOME} = $home;
$ENV{AWS_EC2_METADATA_DISABLED} = 'true';

my $ca = Mamori::Certs->new;
my ($cert, $key) = $ca->issue(cn => 'localhost');
my $REGION = 'eu-west-1';
my %KEYS = (AKIDTEST => 'secretTEST/K7MDENG+bPxRfiCYEXAMPLE');
my $TOKEN = 'IQoJb3JpZ2luX2VjE' . ('x' x 1200);   # session tokens run to ~1 KB
my $aws = Mamori::FakeAws->new(
    cert => $cert, key => $key, region => $REGION,
    credentials => {
        AKIDTEST => { secret => $KEYS{AKIDTEST} },
        ASIATEMP => { secret => 'tempSECRET', token => $TOKEN },
        ASIAOLD  => { secret => 'oldSECRET', token => 'old-token', expired => 1 },
        ASIAROLE => { secret => 'roleSECRET', token => 'role-token' },
        AKIDFILE => { secret => 'fileSECRET' },
        AKIDPROD => { secret => 'prodSECRET', token => $TOKEN },
    },
    script => {
        'i-ok'       => [10, 20, 42.5],
        'i-warn'     => [85],
        'i-crit'     => [95],
        'i-newest'   => [99, 98, 12],          # the newest is judged, not the largest
        'db-1'       => [33.3],
        'tg-1'       => [2],
        'dist-1'     => [0.25],
        'i-empty'    => [],
        'i-throttle' => { fail => 'throttle' },
        'i-busy'     => { fail => 'throttle_ex', times => 1, values => [7] },
        'i-500'      => { fail => 'error500' },
        'i-hang'     => { fail => 'hang' },
        'i-garbage'  => { fail => 'garbage' },
        'i-denied'   => { fail => 'forbidden' },
    },
);
my $ENDPOINT = $aws->url;
my @BASE = ('--endpoint', $ENDPOINT, '--ca-file', $ca->ca_file, '--region', $REGION);
my %ENV_KEYS = (AWS_ACCESS_KEY_ID => 'AKIDTEST', AWS_SECRET_ACCESS_KEY => $KEYS{AKIDTEST});

sub cw {
    my ($args, %o) = @_;
    my $r = plugin_run('check_cloudwatch', @$args, { timeout => $o{timeout} // 20, env => $o{env} // {%ENV_KEYS} });
    return $r;
}
sub last_request { my @r = $aws->requests; return $r[-1] }
sub requests_for {
    my ($dim) = @_;
    return grep { ref $_->{body} eq 'HASH'
                  && ($_->{body}{MetricDataQueries}[0]{MetricStat}{Metric}{Dimensions}[0]{Value} // '') eq $dim }
        $aws->requests;
}

my @EC2 = ('-N', 'AWS/EC2', '-m', 'CPUUtilization', '--unit', 'Percent', '-w', '80', '-c', '90');

# --- values against thresholds --------------------------------------------------
{
    my $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok']);
    check_plugin_output($r, 'ok');
    is($r->{exit}, 0, 'newest value 42.5 under -w 80: OK');
    is($r->{p}{service}, 'CLOUDWATCH', 'status line prefix');
    like($r->{p}{summary}, qr/CPUUtilization 42\.5% \(InstanceId=i-ok, Average over 300s at \d{4}-/, 'summary names metric, value, dimensions, statistic');
    is_deeply($r->{p}{perf}{CPUUtilization}, { value => '42.5', uom => '%', warn => '80', crit => '90', min => '', max => '' },
              'perfdata: label = metric name, Percent -> %');
    my $req = last_request();
    is($req->{verdict}, 'ok', 'the fake verified the signature');
    is($req->{headers}{'x-amz-target'}, 'GraniteServiceVersion20100801.GetMetricData', 'X-Amz-Target');
    is($req->{headers}{'content-type'}, 'application/x-amz-json-1.0', 'Content-Type');
    my $q = $req->{body}{MetricDataQueries}[0]{MetricStat};
    is_deeply([$q->{Metric}{Namespace}, $q->{Metric}{MetricName}, $q->{Metric}{Dimensions}, $q->{Period}, $q->{Stat}],
              ['AWS/EC2', 'CPUUtilization', [{ Name => 'InstanceId', Value => 'i-ok' }], 300, 'Average'],
              'the query: namespace, metric, dimensions, period, statistic');
    is($req->{body}{EndTime} - $req->{body}{StartTime}, 900, 'default window: three periods');
    cmp_ok(abs($req->{body}{EndTime} - time), '<', 60, 'EndTime is now');
    like($req->{headers}{authorization}, qr{^AWS4-HMAC-SHA256 Credential=AKIDTEST/\d{8}/$REGION/monitoring/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, },
         'signed with the region and the monitoring service, every header signed');
}
for my $c (['i-warn', 1, 'WARNING', '85'], ['i-crit', 2, 'CRITICAL', '95'], ['i-newest', 0, 'OK', '12']) {
    my ($dim, $exit, $state, $v) = @$c;
    my $r = cw([@BASE, @EC2, '-d', "InstanceId=$dim"]);
    check_plugin_output($r, $dim);
    is($r->{exit}, $exit, "$dim: $state");
    is($r->{p}{perf}{CPUUtilization}{value}, $v, "$dim: the newest datapoint ($v) is judged");
}
{
    my $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', '-s', 'p99', '-p', '60', '--window', '600']);
    is($r->{exit}, 0, 'percentile statistic, period, window');
    my $q = last_request()->{body};
    is_deeply([$q->{MetricDataQueries}[0]{MetricStat}{Stat}, $q->{MetricDataQueries}[0]{MetricStat}{Period},
               $q->{EndTime} - $q->{StartTime}], ['p99', 60, 600], '... as sent');
}

# --- presets --------------------------------------------------------------------
{
    my $r = cw([@BASE, '-P', 'rds-cpu', '-d', 'db-1', '-w', '50']);
    check_plugin_output($r, 'preset rds-cpu');
    is($r->{exit}, 0, 'preset rds-cpu with a bare dimension value: OK');
    is($r->{p}{perf}{CPUUtilization}{uom}, '%', 'preset unit Percent -> %');
    my $q = last_request()->{body}{MetricDataQueries}[0]{MetricStat};
    is_deeply([$q->{Metric}{Namespace}, $q->{Metric}{MetricName}, $q->{Metric}{Dimensions}, $q->{Stat}],
              ['AWS/RDS', 'CPUUtilization', [{ Name => 'DBInstanceIdentifier', Value => 'db-1' }], 'Average'],
              'preset rds-cpu fills namespace, metric, dimension name, statistic');

    $r = cw([@BASE, '-P', 'alb-unhealthy-hosts', '-d', 'tg-1', '-d', 'LoadBalancer=app/lb/1', '-c', '1']);
    is($r->{exit}, 2, 'preset alb-unhealthy-hosts: 2 unhealthy over -c 1 is CRITICAL');
    $q = last_request()->{body}{MetricDataQueries}[0]{MetricStat};
    is_deeply([$q->{Metric}{Namespace}, $q->{Metric}{Dimensions}, $q->{Stat}],
              ['AWS/ApplicationELB', [{ Name => 'TargetGroup', Value => 'tg-1' }, { Name => 'LoadBalancer', Value => 'app/lb/1' }], 'Maximum'],
              '... two dimensions, statistic Maximum');

    $r = cw([@BASE, '-P', 'cloudfront-5xx', '-d', 'dist-1']);
    is($r->{exit}, 0, 'preset cloudfront-5xx');
    is_deeply(last_request()->{body}{MetricDataQueries}[0]{MetricStat}{Metric}{Dimensions},
              [{ Name => 'DistributionId', Value => 'dist-1' }, { Name => 'Region', Value => 'Global' }],
              '... sends the fixed dimension Region=Global');

    $r = cw([@BASE, '-P', 'rds-cpu', '-s', 'Maximum', '-d', 'db-1']);
    is(last_request()->{body}{MetricDataQueries}[0]{MetricStat}{Stat}, 'Maximum', 'an option given wins over the preset');

    $r = cw([@BASE, '-P', 'alb-unhealthy-hosts', '-d', 'tg-1']);
    is($r->{exit}, 3, 'preset with a dimension left unset: UNKNOWN');
    like($r->{p}{summary}, qr/needs --dimension LoadBalancer=VALUE/, '... naming it');

    my $l = run_prog([bin('check_cloudwatch'), '--list-presets']);
    is($l->{exit}, 0, '--list-presets');
    my @rows = grep { /\S/ } split /\n/, $l->{out};
    cmp_ok(scalar @rows, '>=', 60, 'at least 60 presets');
    my %ns = map { (split ' ', $_)[1] => 1 } @rows;
    for my $n (qw(AWS/RDS AWS/ApplicationELB AWS/ELB AWS/NetworkELB AWS/ElastiCache AWS/CloudFront AWS/EC2
                  AWS/DynamoDB AWS/ES AWS/Lambda AWS/ApiGateway AWS/ECS AWS/AutoScaling)) {
        ok($ns{$n}, "a preset for $n");
    }
    ok((grep { /^aurora-/ } @rows), 'Aurora presets');

    # docs/check_cloudwatch.md lists the same table
    my $src = $ENV{MAMORI_SRC} // '.';
    open my $d, '<', "$src/docs/check_cloudwatch.md" or die "docs/check_cloudwatch.md: $!";
    my %doc;
    while (<$d>) {
        my @c = map { s/^\s+|\s+$//gr =~ s/`//gr } split /\|/;
        $doc{$c[1]} = join ' ', @c[3, 4, 6, 7], $c[5] =~ s/, /,/gr if @c > 8 && $c[1] =~ /^[a-z][a-z0-9-]*$/;
    }
    my %listed = map { my @f = split ' '; ($f[0] => join ' ', @f[1 .. 5]) } @rows;
    is_deeply(\%doc, \%listed, 'the docs\' preset table matches --list-presets');
}

# --- no data --------------------------------------------------------------------
{
    my $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-empty']);
    check_plugin_output($r, 'no data');
    is($r->{exit}, 3, 'no datapoints: UNKNOWN');
    like($r->{p}{summary}, qr/no datapoints for AWS\/EC2 CPUUtilization \(InstanceId=i-empty\) Average in the last 900 seconds/, '... saying where it looked');
    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-empty', '--no-data', 'critical']);
    is($r->{exit}, 2, '--no-data critical');
    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-nonexistent', '--no-data', 'ok']);
    is($r->{exit}, 0, 'a metric CloudWatch does not know is no data too (--no-data ok)');
}

# --- errors ---------------------------------------------------------------------
{
    my $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-throttle']);
    check_plugin_output($r, 'throttled');
    is($r->{exit}, 3, 'throttled twice: UNKNOWN');
    like($r->{p}{summary}, qr/throttled by CloudWatch \(HTTP 400 Throttling: Rate exceeded\), also on the retry/, '... saying throttled');
    is(scalar(my @t = requests_for('i-throttle')), 2, '... after exactly one retry');
    cmp_ok($r->{secs}, '>=', 0.9, '... with a pause before it');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-busy']);
    check_plugin_output($r, 'throttled once');
    is($r->{exit}, 0, 'throttled once (namespace#ThrottlingException), the retry answers: OK');
    is($r->{p}{perf}{CPUUtilization}{value}, '7', '... with the retry\'s value');
    is(scalar(my @b = requests_for('i-busy')), 2, '... two requests');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-throttle', '-t', '1.5']);
    is($r->{exit}, 3, 'throttled with no time left for a retry: UNKNOWN');
    unlike($r->{p}{summary}, qr/retry/, '... without retrying');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-500']);
    check_plugin_output($r, 'server error');
    is($r->{exit}, 3, 'HTTP 500: UNKNOWN');
    like($r->{p}{summary}, qr/server error: HTTP 500 InternalServiceError/, '... saying so');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-garbage']);
    is($r->{exit}, 3, 'an answer that is not JSON: UNKNOWN');
    like($r->{p}{summary}, qr/not JSON/, '... saying so');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-denied']);
    is($r->{exit}, 3, 'a result with StatusCode Forbidden: UNKNOWN, not "no data"');
    like($r->{p}{summary}, qr/StatusCode is Forbidden: User is not authorized/, '... with its message');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'],
            env => { AWS_ACCESS_KEY_ID => 'ASIAOLD', AWS_SECRET_ACCESS_KEY => 'oldSECRET', AWS_SESSION_TOKEN => 'old-token' });
    check_plugin_output($r, 'expired token');
    is($r->{exit}, 3, 'expired session token: UNKNOWN');
    like($r->{p}{summary}, qr/ExpiredTokenException: The security token included in the request is expired/, '... with the message');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => { AWS_ACCESS_KEY_ID => 'AKIDTEST', AWS_SECRET_ACCESS_KEY => 'wrong' });
    is($r->{exit}, 3, 'a wrong secret: UNKNOWN');
    like($r->{p}{summary}, qr/HTTP 403 SignatureDoesNotMatch: The request signature we calculated/, '... SignatureDoesNotMatch');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => { AWS_ACCESS_KEY_ID => 'AKIDNOBODY', AWS_SECRET_ACCESS_KEY => 'x' });
    is($r->{exit}, 3, 'an unknown access key: UNKNOWN');
    like($r->{p}{summary}, qr/InvalidClientTokenId/, '... InvalidClientTokenId');

    $r = cw(['--endpoint', $ENDPOINT, '--ca-file', $ca->ca_file, '--region', 'us-west-2', @EC2, '-d', 'InstanceId=i-ok']);
    is($r->{exit}, 3, 'signed for another region than the endpoint\'s: refused');
    like($r->{p}{summary}, qr/scoped to a valid region/, '... the region is part of the signature');

    # a server that never answers: bounded by -t, with the -t state
    for my $t (['3', 3], ['3:critical', 2]) {
        my ($arg, $exit) = @$t;
        $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-hang', '-t', $arg], timeout => 15);
        check_plugin_output($r, "hang -t $arg");
        is($r->{exit}, $exit, "no answer, -t $arg: exit $exit");
        cmp_ok($r->{secs}, '<', 3 + 2, "... returned within -t (took " . sprintf('%.2f', $r->{secs}) . ' s)');
        cmp_ok($r->{secs}, '>', 2.5, '... after waiting for it');
        like($r->{p}{summary}, qr/no answer from \Q$ENDPOINT\E within 3 seconds/, '... saying what it waited for');
    }
}

# --- credentials, from each source ----------------------------------------------
{
    my $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', '-v'],
               env => { AWS_ACCESS_KEY_ID => 'ASIATEMP', AWS_SECRET_ACCESS_KEY => 'tempSECRET', AWS_SESSION_TOKEN => $TOKEN });
    is($r->{exit}, 0, 'environment with a session token');
    is(last_request()->{headers}{'x-amz-security-token'}, $TOKEN, '... the token is sent');
    like(last_request()->{headers}{authorization}, qr/SignedHeaders=[^,]*x-amz-security-token/, '... and signed');
    like(join("\n", @{ $r->{p}{long} }), qr/credentials from environment/, '-v says where the credentials came from');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => { AWS_ACCESS_KEY_ID => 'AKIDTEST' });
    is($r->{exit}, 3, 'half the keys in the environment: UNKNOWN');
    like($r->{p}{summary}, qr/AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/, '... saying which');

    my $dir = tempdir('mamori-cw-creds-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $file = "$dir/credentials";
    open my $f, '>', $file or die;
    print $f "# test profiles\n[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = fileSECRET\n\n"
        . "[prod]\naws_access_key_id=AKIDPROD\naws_secret_access_key=prodSECRET\naws_session_token=$TOKEN\n\n"
        . "[assumed]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n";
    close $f;
    chmod 0600, $file;
    my %file_env = (AWS_SHARED_CREDENTIALS_FILE => $file);

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', '-v'], env => {%file_env});
    is($r->{exit}, 0, 'shared credentials file, profile default');
    like(last_request()->{headers}{authorization}, qr{Credential=AKIDFILE/}, '... signed with its key');
    like(join("\n", @{ $r->{p}{long} }), qr/credentials from \Q$file\E \[default\]/, '... -v names file and profile');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', '--profile', 'prod'], env => {%file_env, %ENV_KEYS});
    is($r->{exit}, 0, '--profile prod (over keys in the environment)');
    like(last_request()->{headers}{authorization}, qr{Credential=AKIDPROD/}, '... signed with the profile\'s key');
    is(last_request()->{headers}{'x-amz-security-token'}, $TOKEN, '... its 1.2 KB session token read whole');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => {%file_env, AWS_PROFILE => 'prod'});
    is($r->{exit}, 0, 'AWS_PROFILE=prod');
    like(last_request()->{headers}{authorization}, qr{Credential=AKIDPROD/}, '... signed with the profile\'s key');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => {%file_env, %ENV_KEYS});
    like(last_request()->{headers}{authorization}, qr{Credential=AKIDTEST/}, 'the environment comes before the file');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', '--profile', 'nosuch'], env => {%file_env});
    is($r->{exit}, 3, 'a profile the file does not have: UNKNOWN');
    like($r->{p}{summary}, qr/has no profile \[nosuch\]/, '... saying so');

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', '--profile', 'assumed'], env => {%file_env});
    is($r->{exit}, 3, 'a role_arn profile: UNKNOWN');
    like($r->{p}{summary}, qr/uses role_arn \(assume role\), which check_cloudwatch does not support/, '... saying why');

    chmod 0644, $file;
    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => {%file_env});
    is($r->{exit}, 3, 'a credentials file others can read: UNKNOWN');
    like($r->{p}{summary}, qr/has mode 0644: it holds secrets, make it 0600/, '... saying so');
    chmod 0600, $file;

    # ~/.aws/credentials under HOME when AWS_SHARED_CREDENTIALS_FILE is unset
    mkdir "$home/.aws";
    open $f, '>', "$home/.aws/credentials" or die;
    print $f "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = fileSECRET\n";
    close $f;
    chmod 0600, "$home/.aws/credentials";
    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => {});
    is($r->{exit}, 0, '~/.aws/credentials');
    like(last_request()->{headers}{authorization}, qr{Credential=AKIDFILE/}, '... signed with its key');
    unlink "$home/.aws/credentials";

    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => {});
    is($r->{exit}, 3, 'no credentials anywhere: UNKNOWN');
    like($r->{p}{summary}, qr/no credentials/, '... saying so');
}

# --- the instance role through IMDSv2 -----------------------------------------
{
    my $imds = Mamori::FakeAws->imds(role => 'cw-monitor',
        credentials => { AccessKeyId => 'ASIAROLE', SecretAccessKey => 'roleSECRET', Token => 'role-token' });
    # the fake holds IMDSv2's line: no session token, no metadata
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $imds->port, Timeout => 5) or die;
    print $s "GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nHost: x\r\n\r\n";
    my $answer = do { local $/; <$s> } // '';
    like($answer, qr{^HTTP/1\.1 401}, 'IMDS fake: a GET without the session token gets 401');

    my %imds_env = (AWS_EC2_METADATA_DISABLED => '', AWS_EC2_METADATA_SERVICE_ENDPOINT => $imds->url);
    my $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', '-v'], env => {%imds_env});
    check_plugin_output($r, 'instance role');
    is($r->{exit}, 0, 'credentials of the instance role');
    like(last_request()->{headers}{authorization}, qr{Credential=ASIAROLE/}, '... signed with the role\'s key');
    is(last_request()->{headers}{'x-amz-security-token'}, 'role-token', '... and its token');
    like(join("\n", @{ $r->{p}{long} }), qr/credentials from instance role cw-monitor/, '... -v names the role');
    my (undef, @plugin) = $imds->requests;   # the probe above first
    my @steps = map { "$_->{method} $_->{path} $_->{verdict}" } @plugin;
    is_deeply(\@steps, ['PUT /latest/api/token token', 'GET /latest/meta-data/iam/security-credentials/ ok',
                        'GET /latest/meta-data/iam/security-credentials/cw-monitor ok'],
              '... IMDSv2: token PUT first, then the role, then its credentials, each with the token');
    like($plugin[0]{headers}{'x-aws-ec2-metadata-token-ttl-seconds'} // '', qr/^\d+$/, '... the PUT asks for a TTL');

    $imds->stop;
    $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok'], env => {%imds_env});
    is($r->{exit}, 3, 'metadata service gone: UNKNOWN');
    like($r->{p}{summary}, qr/no credentials: .*instance metadata/, '... saying where it looked');
}

# --- TLS: verified by default ---------------------------------------------------
{
    my $r = cw(['--endpoint', $ENDPOINT, '--region', $REGION, @EC2, '-d', 'InstanceId=i-ok']);
    check_plugin_output($r, 'CA not trusted');
    is($r->{exit}, 3, 'a certificate from a CA the system does not trust, no --ca-file: UNKNOWN');
    like($r->{p}{summary}, qr/TLS: the certificate of \Q$ENDPOINT\E is not trusted/, '... saying why');

    my ($sc, $sk) = $ca->self_signed(cn => 'localhost');
    my $self = Mamori::FakeAws->new(cert => $sc, key => $sk, region => $REGION,
                                    credentials => { AKIDTEST => { secret => $KEYS{AKIDTEST} } },
                                    script => { 'i-ok' => [1] });
    $r = cw(['--endpoint', $self->url, '--region', $REGION, @EC2, '-d', 'InstanceId=i-ok']);
    is($r->{exit}, 3, 'a self-signed server certificate: UNKNOWN');
    like($r->{p}{summary}, qr/not trusted/, '... not trusted');
    my @sent = $self->requests;
    is(scalar @sent, 0, '... and no request was sent to it');
    $r = cw(['--endpoint', $self->url, '--region', $REGION, '--ca-file', $ca->ca_file, @EC2, '-d', 'InstanceId=i-ok']);
    is($r->{exit}, 3, 'a self-signed certificate is not trusted through another CA either');
}

# --- arguments --------------------------------------------------------------------
for my $c ([['-s', 'Median'], qr/-s.*not a CloudWatch statistic/],
           [['-p', '90'], qr/--period 90: give 1, 5, 10, 30 or a multiple of 60/],
           [['-d', 'novalue'], qr/a bare value needs --preset/],
           [['-d', '=x'], qr/give NAME=VALUE/],
           [['--unit', 'Furlongs'], qr/not a CloudWatch unit/],
           [['-P', 'nosuch'], qr/no such preset/]) {
    my ($extra, $re) = @$c;
    my $r = cw([@BASE, @EC2, '-d', 'InstanceId=i-ok', @$extra]);
    is($r->{exit}, 3, "bad argument @$extra: UNKNOWN");
    like($r->{out}, $re, '... saying why');
}
{
    my $r = cw(['--endpoint', $ENDPOINT, '--ca-file', $ca->ca_file, @EC2, '-d', 'InstanceId=i-ok']);
    is($r->{exit}, 3, 'no region: UNKNOWN');
    like($r->{p}{summary}, qr/no region: give --region or set AWS_REGION/, '... saying how to give one');
    $r = cw(['--endpoint', $ENDPOINT, '--ca-file', $ca->ca_file, @EC2, '-d', 'InstanceId=i-ok'],
            env => { %ENV_KEYS, AWS_DEFAULT_REGION => $REGION });
    is($r->{exit}, 0, 'region from AWS_DEFAULT_REGION');
    $r = cw([@BASE, '-d', 'InstanceId=i-ok']);
    is($r->{exit}, 3, 'neither preset nor namespace and metric: UNKNOWN');
    for my $e ("${ENDPOINT}prefix/", "$ENDPOINT?x=1", 'ftp://127.0.0.1/', 'not a url') {
        $r = cw(['--endpoint', $e, '--region', $REGION, @EC2, '-d', 'InstanceId=i-ok']);
        is($r->{exit}, 3, "--endpoint '$e': UNKNOWN");
        like($r->{p}{summary}, qr/give http\(s\):\/\/HOST\[:PORT\]\//, '... saying what an endpoint looks like');
    }
}

done_testing;
