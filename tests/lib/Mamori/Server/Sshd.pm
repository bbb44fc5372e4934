# A private OpenSSH server on 127.0.0.1 (and ::1 when the host has it): its
# own host keys, config, pid file and an authorized client key, all in a
# temp dir, running in the foreground as our child (-D -e).
#
#   my $s = Mamori::Server::Sshd->new(banner_extra => 'mamori')->start;
#   run_prog([$s->ssh_argv('true')]);   # logs in as root with the client key
#
# Options: banner_extra (VersionAddendum), config (extra sshd_config lines),
# ipv6 (default: when ::1 can be bound), host_key_types (default
# [qw(ed25519 rsa)]; ecdsa too). add_client_key makes more client
# keys (another type, or one the server does not know).
package Mamori::Server::Sshd;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_port free_ports need_binary write_file);
use IO::Socket::IP;

my $SSHD = '/usr/sbin/sshd';

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'sshd', %o);
    $self->{owner} = $$;
    $self->{port} //= free_port();
    $self->{user} = 'root';
    return $self;
}

sub start {
    my ($self) = @_;
    need_binary($SSHD, 'openssh-server');
    need_binary('/usr/bin/ssh-keygen', 'openssh-client');
    my $d = $self->{dir};
    # privilege separation dir: sshd refuses to run without it
    mkdir '/run/sshd', 0755 unless -d '/run/sshd';
    my @types = @{ $self->{host_key_types} // [qw(ed25519 rsa)] };
    for my $t (@types) {
        $self->_keygen("$d/ssh_host_${t}_key", $t);
    }
    $self->_keygen("$d/client_key", 'ed25519');
    _copy("$d/client_key.pub", "$d/authorized_keys");

    my $ipv6 = $self->{ipv6} // _can_bind6($self->{port});
    $self->{ipv6} = $ipv6 ? 1 : 0;
    my $listen = "ListenAddress 127.0.0.1:$self->{port}\n";
    $listen .= "ListenAddress [::1]:$self->{port}\n" if $ipv6;
    write_file("$d/sshd_config", <<"EOF" . ($self->{banner_extra} ? "VersionAddendum $self->{banner_extra}\n" : '') . ($self->{config} // ''));
$listen
${\ join('', map { "HostKey $d/ssh_host_${_}_key\n" } @types)}PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
LogLevel VERBOSE
EOF
    # known_hosts for the client side: every host key under [127.0.0.1]:PORT
    my @kh;
    for my $t (@types) {
        my ($type, $key) = split ' ', _read("$d/ssh_host_${t}_key.pub");
        push @kh, "[127.0.0.1]:$self->{port} $type $key";
        push @kh, "[::1]:$self->{port} $type $key" if $ipv6;
    }
    $self->{known_hosts_line} = $kh[0];
    write_file("$d/known_hosts", join('', map { "$_\n" } @kh));

    $self->{argv} = [$SSHD, '-D', '-e', '-f', "$d/sshd_config"];
    $self->SUPER::start();
    return $self;
}

sub _keygen {
    my ($self, $file, $type) = @_;
    my @bits = $type eq 'rsa' ? ('-b', 2048) : ();
    system('/usr/bin/ssh-keygen', '-q', '-t', $type, @bits, '-N', '', '-C', 'mamori-test', '-f', $file) == 0
        or $self->fail_start("ssh-keygen -t $type failed");
}

sub _can_bind6 {
    my ($port) = @_;
    my $s = IO::Socket::IP->new(LocalHost => '::1', LocalPort => $port, Proto => 'tcp', Listen => 1, ReuseAddr => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

sub _read { my ($f) = @_; open my $h, '<', $f or die "$f: $!"; local $/; return scalar <$h> }
sub _copy { write_file($_[1], _read($_[0])) }

# Another client key (type ed25519, rsa, ecdsa), authorized for login unless
# authorize => 0 (a key the server must refuse). Returns the private key path.
sub add_client_key {
    my ($self, $type, %o) = @_;
    my $file = "$self->{dir}/client_key_" . $type . '_' . ++$self->{extra_keys};
    $self->_keygen($file, $type);
    if ($o{authorize} // 1) {
        open my $f, '>>', "$self->{dir}/authorized_keys" or die "authorized_keys: $!";
        print $f _read("$file.pub");
        close $f or die "authorized_keys: $!";
    }
    return $file;
}

sub user { $_[0]{user} }
sub ipv6 { $_[0]{ipv6} }
sub client_key { "$_[0]{dir}/client_key" }
sub known_hosts { "$_[0]{dir}/known_hosts" }
sub known_hosts_line { $_[0]{known_hosts_line} }
sub host_key { my ($self, $t) = @_; return "$self->{dir}/ssh_host_" . ($t // 'ed25519') . '_key.pub' }

# "SHA256:..." of a host key (ed25519 unless told), as ssh-keygen -l shows it.
sub host_key_fingerprint {
    my ($self, $t) = @_;
    my $out = `/usr/bin/ssh-keygen -l -E sha256 -f ${\ $self->host_key($t)}`;
    my ($fp) = $out =~ /\b(SHA256:\S+)/ or die "no fingerprint in: $out";
    return $fp;
}

# The ssh client command that logs in with the test key and checks the host key.
sub ssh_argv {
    my ($self, @cmd) = @_;
    return ('/usr/bin/ssh', '-i', $self->client_key, '-p', $self->{port},
            '-o', "UserKnownHostsFile=$self->{dir}/known_hosts", '-o', 'StrictHostKeyChecking=yes',
            '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
            '-o', 'IdentitiesOnly=yes', '-F', '/dev/null', "$self->{user}\@127.0.0.1", @cmd);
}

# Only the process that started the server stops it (forked children inherit the object).
sub stop {
    my ($self) = @_;
    return unless ($self->{owner} // $$) == $$;
    $self->SUPER::stop();
}

1;
