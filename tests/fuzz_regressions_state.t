# Regressions of the state and credential parsers' fuzz harnesses whose
# program's suite belongs to another file: check_snmp --rate's state
# (fuzz_snmp_rate) against a real snmpd, and check_cloudwatch's
# credentials (fuzz_aws_creds) from a file and the fake IMDSv2, and
# notify_mail's contacts (fuzz_conf).
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;
use Mamori::Test;
use Mamori::Server qw(write_file);
use Mamori::Server::Snmpd;
use Mamori::FakeAws;

my $build = $ENV{MAMORI_BUILD} // '.';
my $conf = '';
if (open my $f, '<', "$build/config.h") { local $/; $conf = <$f> // '' }

# ---- fuzz_snmp_rate: a state file that is no sample starts afresh -----------
SKIP: {
    skip 'built without net-snmp', 8 if $conf =~ /HAVE_NETSNMP/ && $conf !~ /^#define HAVE_NETSNMP 1/m;
    my $snmpd = Mamori::Server::Snmpd->new->start;
    my $state = tempdir('mamori-fuzzrate-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my @rate = ('-H', '127.0.0.1', '-p', $snmpd->port, '-C', $snmpd->community, '-o', 'snmpInPkts.0', '--rate',
                { env => { MAMORI_STATE_DIR => $state } });
    my $r = plugin_run('check_snmp', @rate);
    like($r->{p}{summary}, qr/first sample/, 'fuzz_snmp_rate: first sample');
    my ($file) = grep { !/\.(lock|tmp)$/ } glob "$state/check_snmp.*";
    # the time NaN made the rate NaN; a Counter32 past 2^32 a made-up wrap;
    # a time before 1970 a rate of almost nothing
    for my $bad (['a NaN time', "mamori-snmp-rate 1 2 5 nan\n"],
                 ['a Counter32 past 2^32', sprintf("mamori-snmp-rate 1 2 99999999999 %.6f\n", time - 10)],
                 ['a negative time', "mamori-snmp-rate 1 2 5 -1e300\n"]) {
        write_file($file, $bad->[1]);
        $r = plugin_run('check_snmp', @rate);
        check_plugin_output($r, "fuzz_snmp_rate: $bad->[0]");
        like($r->{p}{summary}, qr/state file was corrupt, baseline restarted/, "fuzz_snmp_rate: $bad->[0]: corrupt, afresh");
    }
    $r = plugin_run('check_snmp', @rate);
    my $v = $r->{p}{perf}{'snmpInPkts.0'}{value};
    ok(defined $v && $v =~ /^[\d.]+$/, 'fuzz_snmp_rate: the next run has a rate again: ' . ($v // 'none'));
    $snmpd->stop;
}

# ---- fuzz_aws_creds: a token is one printable word, wherever it comes from -
{
    my $dir = tempdir('mamori-fuzzcreds-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my @cw = ('--endpoint', 'https://127.0.0.1:1/', '--region', 'eu-west-1', '--namespace', 'AWS/EC2',
              '--metric', 'CPUUtilization', '-d', 'InstanceId=i-x');
    write_file("$dir/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = fileSECRETfile\n"
               . "aws_session_token = tok en\n");
    chmod 0600, "$dir/credentials";
    my $r = plugin_run('check_cloudwatch', @cw,
                       { env => { AWS_SHARED_CREDENTIALS_FILE => "$dir/credentials", AWS_ACCESS_KEY_ID => '',
                                  AWS_SECRET_ACCESS_KEY => '', AWS_PROFILE => '' } });
    check_plugin_output($r, 'fuzz_aws_creds: file');
    is($r->{exit}, 3, 'fuzz_aws_creds: a session token with a blank inside: UNKNOWN');
    like($r->{p}{summary}, qr/\[default\]: the keys are not keys/, 'fuzz_aws_creds: ... saying so');
    unlike($r->{out}, qr/fileSECRET/, 'fuzz_aws_creds: ... without the secret key');

    my $imds = Mamori::FakeAws->imds(role => 'cw-monitor',
        credentials => { AccessKeyId => 'ASIAROLE', SecretAccessKey => 'roleSECRETrole', Token => 'role token' });
    $r = plugin_run('check_cloudwatch', @cw,
                    { env => { AWS_EC2_METADATA_DISABLED => '', AWS_EC2_METADATA_SERVICE_ENDPOINT => $imds->url,
                               AWS_SHARED_CREDENTIALS_FILE => "$dir/none", AWS_ACCESS_KEY_ID => '',
                               AWS_SECRET_ACCESS_KEY => '', AWS_PROFILE => '' } });
    check_plugin_output($r, 'fuzz_aws_creds: IMDS');
    is($r->{exit}, 3, 'fuzz_aws_creds: an instance role token with a blank (a header would carry it): UNKNOWN');
    like($r->{p}{summary}, qr/role cw-monitor: no usable/, 'fuzz_aws_creds: ... saying so');
    unlike($r->{out}, qr/roleSECRET/, 'fuzz_aws_creds: ... without the secret key');
    $imds->stop;
}

# ---- fuzz_conf: a contact is found by its whole name ----------------------
# ("contact NAME" was cut at 160 bytes: a longer recipient word reached the
# contact named by its first 151 bytes, and a longer name was never found)
{
    my $dir = tempdir('mamori-fuzzconf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $short = 'o' x 151;
    my $long = 'p' x 300;
    write_file("$dir/mamori.ini", "[contact $short]\nemail = short\@example.com\n[contact $long]\nemail = long\@example.com\n");
    my @mail = ("$build/notifiers/notify_mail", '--dry-run', '--config', "$dir/mamori.ini", '-l', 'web1',
                '-s', 'CRITICAL', '-o', 'out');
    my $r = run_prog([@mail, '-r', $short . 'x' x 40], timeout => 40, env => {});
    isnt($r->{exit}, 0, 'fuzz_conf: a longer recipient word is not the contact of its prefix');
    unlike($r->{out}, qr/short\@example\.com/, 'fuzz_conf: ... and nothing goes to that contact');
    $r = run_prog([@mail, '-r', $short], timeout => 40, env => {});
    like($r->{out}, qr/^To: short\@example\.com\r?$/m, 'fuzz_conf: the contact by its whole name');
    $r = run_prog([@mail, '-r', $long], timeout => 40, env => {});
    like($r->{out}, qr/^To: long\@example\.com\r?$/m, 'fuzz_conf: a contact with a name of 300 bytes');
}

done_testing;
