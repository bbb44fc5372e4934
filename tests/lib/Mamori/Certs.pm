# A throw-away certificate authority for the TLS tests, made with the
# `openssl` command (no faketime: `openssl ca -startdate/-enddate` writes any
# validity period, including one that has already ended).
#
#   use Mamori::Certs;
#   my $ca = Mamori::Certs->new(dir => $dir);          # CA key + certificate in $dir
#   my $trust = $ca->ca_file;                          # PEM to pass as --ca-file
#   my $dir = $ca->ca_dir;                             # hashed directory (openssl rehash): --ca-path
#   my ($cert, $key) = $ca->issue(cn => 'localhost', days => 365,
#                                 san => ['DNS:localhost', 'IP:127.0.0.1']);
#   my ($c5, $k5)   = $ca->issue(cn => 'localhost', days => 5);      # expires in 5 days
#   my ($old, $ko)  = $ca->expired(cn => 'localhost');               # ended yesterday
#   my ($ss, $ks)   = $ca->self_signed(cn => 'localhost');           # not from this CA
#   my ($cc, $ck)   = $ca->issue(cn => 'monitor', usage => 'client'); # client certificate
#   my $epoch = $ca->not_after($cert);                 # ground truth for day counts
#
# Keys are EC P-256 (fast to make). Without san, a server certificate
# carries DNS:<cn> and, for localhost, IP:127.0.0.1 and IP:::1. Every file
# goes under dir; names come from the `name` argument or a counter.
package Mamori::Certs;
use strict;
use warnings;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Test::More;

my $openssl = '/usr/bin/openssl';

sub new {
    my ($class, %o) = @_;
    -x $openssl or BAIL_OUT("$openssl is missing: apt-get install openssl");
    my $dir = $o{dir} // tempdir('mamori-certs-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    make_path("$dir/newcerts");
    my $self = bless { dir => $dir, n => 0, cn => $o{cn} // 'Mamori Test CA' }, $class;
    $self->_write("$dir/index.txt", '');
    $self->_write("$dir/serial", "1000\n");
    $self->_write("$dir/openssl.cnf", <<"EOF");
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $dir
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
EOF
    $self->{ca_key} = $self->_key('ca');
    $self->{ca_file} = "$dir/ca.pem";
    my $ext = $self->_ext('ca', "basicConstraints = critical, CA:TRUE\n"
        . "keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n");
    my $csr = $self->_csr('ca', $self->{ca_key}, $self->{cn});
    $self->_run('ca', '-selfsign', '-keyfile', $self->{ca_key}, '-in', $csr, '-out', $self->{ca_file},
                _dates(time - 86400, time + 3650 * 86400), '-extfile', $ext);
    return $self;
}

sub dir { $_[0]{dir} }
sub ca_file { $_[0]{ca_file} }
sub ca_key { $_[0]{ca_key} }

# A directory holding only the CA certificate under its subject-hash name,
# the layout of /etc/ssl/certs that OpenSSL's CApath lookup reads.
sub ca_dir {
    my ($self) = @_;
    my $d = "$self->{dir}/capath";
    return $d if -d $d;
    make_path($d);
    my ($hash) = $self->_capture('x509', '-in', $self->{ca_file}, '-noout', '-subject_hash') =~ /^([0-9a-f]{8})$/m
        or die "no subject hash for $self->{ca_file}";
    symlink($self->{ca_file}, "$d/$hash.0") or die "symlink: $!";
    return $d;
}

# A certificate signed by the CA. Options: cn, san (list), days (from now,
# default 365), not_before/not_after (epoch seconds, override days),
# usage ('server' default, or 'client'), name (file stem).
# Returns (certificate path, key path).
sub issue {
    my ($self, %o) = @_;
    return $self->_make(%o, signer => 'ca');
}

# Signed by its own key, so only --insecure (or trusting it) accepts it.
sub self_signed {
    my ($self, %o) = @_;
    return $self->_make(%o, signer => 'self');
}

# Signed by the CA, valid from days_ago+30 days ago until days_ago (default 1) ago.
sub expired {
    my ($self, %o) = @_;
    my $ago = delete $o{days_ago} // 1;
    return $self->_make(%o, not_before => time - ($ago + 30) * 86400, not_after => time - $ago * 86400,
                        signer => 'ca');
}

# notAfter of a certificate file in epoch seconds, read back with openssl.
sub not_after {
    my ($self, $cert) = @_;
    my $out = $self->_capture('x509', '-in', $cert, '-noout', '-enddate');
    my ($date) = $out =~ /notAfter=(.+)/ or die "no notAfter in $cert: $out";
    my %mon = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5, Jul => 6, Aug => 7,
               Sep => 8, Oct => 9, Nov => 10, Dec => 11);
    my ($m, $d, $H, $M, $S, $y) = $date =~ /^(\w{3})\s+(\d+)\s+(\d+):(\d+):(\d+)\s+(\d+)\s+GMT/
        or die "unparsable notAfter '$date'";
    require Time::Local;
    return Time::Local::timegm($S, $M, $H, $d, $mon{$m}, $y);
}

sub _make {
    my ($self, %o) = @_;
    my $cn = $o{cn} // 'localhost';
    my $name = $o{name} // sprintf('cert%02d', ++$self->{n});
    my $usage = $o{usage} // 'server';
    my @san = @{ $o{san} // ($usage eq 'server' ? _default_san($cn) : []) };
    my $nb = $o{not_before} // time - 86400;
    my $na = $o{not_after} // time + ($o{days} // 365) * 86400;
    my $key = $self->_key($name);
    my $csr = $self->_csr($name, $key, $cn);
    my $ext = "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\n"
        . 'extendedKeyUsage = ' . ($usage eq 'client' ? 'clientAuth' : 'serverAuth') . "\n"
        . (@san ? 'subjectAltName = ' . join(', ', @san) . "\n" : '');
    my $extfile = $self->_ext($name, $ext);
    my $cert = "$self->{dir}/$name.pem";
    my @signer = $o{signer} eq 'self' ? ('-selfsign', '-keyfile', $key)
                                      : ('-cert', $self->{ca_file}, '-keyfile', $self->{ca_key});
    $self->_run('ca', @signer, '-in', $csr, '-out', $cert, _dates($nb, $na), '-extfile', $extfile);
    return ($cert, $key);
}

sub _default_san {
    my ($cn) = @_;
    return $cn eq 'localhost' ? ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'] : ["DNS:$cn"];
}

sub _dates {
    my ($nb, $na) = @_;
    return ('-startdate', strftime('%Y%m%d%H%M%SZ', gmtime $nb), '-enddate', strftime('%Y%m%d%H%M%SZ', gmtime $na));
}

sub _key {
    my ($self, $name) = @_;
    my $key = "$self->{dir}/$name.key";
    $self->_run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', $key);
    chmod 0600, $key;
    return $key;
}

sub _csr {
    my ($self, $name, $key, $cn) = @_;
    my $csr = "$self->{dir}/$name.csr";
    $self->_run('req', '-new', '-key', $key, '-subj', "/CN=$cn", '-out', $csr);
    return $csr;
}

sub _ext {
    my ($self, $name, $text) = @_;
    my $f = "$self->{dir}/$name.ext";
    $self->_write($f, $text);
    return $f;
}

sub _write {
    my ($self, $path, $text) = @_;
    open my $f, '>', $path or die "$path: $!";
    print $f $text;
    close $f or die "$path: $!";
}

# openssl SUBCOMMAND ... with our config; dies with openssl's words on failure.
sub _run {
    my ($self, @args) = @_;
    $self->_capture(@args);
}

sub _capture {
    my ($self, $cmd, @args) = @_;
    my @cfg = ($cmd eq 'ca' || $cmd eq 'req') ? ('-config', "$self->{dir}/openssl.cnf") : ();
    push @cfg, '-batch', '-notext' if $cmd eq 'ca';
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        exec $openssl, $cmd, @cfg, @args or POSIX::_exit(127);
    }
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    die "openssl $cmd @args failed:\n$out" if $?;
    return $out;
}

1;
