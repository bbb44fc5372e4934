# A private vsftpd on 127.0.0.1: one listener for plain FTP with explicit
# AUTH TLS (port 'ftp') and a second vsftpd process with implicit TLS (port
# 'ftps'), both in the foreground as our children, config and cert in a temp
# dir. Anonymous login sees DIR/anon (a file hello.txt); a local account
# (mamftpPID, created with useradd for this run and removed on stop) logs in
# with a known password and sees DIR/home.
#
#   my $s = Mamori::Server::Vsftpd->new->start;
#   $s->port('ftp'); $s->port('ftps'); $s->user; $s->password; $s->cert;
#
# Options: banner (ftpd_banner), config (extra vsftpd.conf lines),
# local_user => 0 (no account, anonymous only), cert/key (PEM files to serve
# instead of a fresh self-signed one, e.g. from Mamori::Certs).
package Mamori::Server::Vsftpd;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_ports need_binary write_file);
use IO::Socket::INET;

my $VSFTPD = '/usr/sbin/vsftpd';
my $PASSWORD = 'mamori-ftp-secret';

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'vsftpd', %o);
    $self->{owner} = $$;
    my @free = free_ports(2);
    $self->{port} //= $free[0];
    $self->{ports} = { ftp => $self->{port}, ftps => $o{ftps_port} // $free[1] };
    $self->{local_user} //= 1;
    return $self;
}

sub start {
    my ($self) = @_;
    need_binary($VSFTPD, 'vsftpd');
    need_binary('/usr/bin/openssl', 'openssl');
    my $d = $self->{dir};
    # the local user's home lives in here: it must be able to reach it
    chmod 0755, $d;
    for my $sub (qw(empty anon home)) { mkdir "$d/$sub", 0755 }
    write_file("$d/anon/hello.txt", "hello from mamori's vsftpd\n");
    write_file("$d/home/welcome.txt", "local user file\n");
    $self->_cert;
    $self->_add_user if $self->{local_user};

    my $common = <<"EOF";
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
background=NO
# this sandbox has no user namespaces nor a seccomp profile to spare
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir=$d/empty
anonymous_enable=YES
anon_root=$d/anon
local_enable=YES
write_enable=NO
pam_service_name=vsftpd
# wrong passwords are tested on purpose (PAM still adds its own 2 s)
delay_failed_login=0
use_localtime=NO
vsftpd_log_file=$d/vsftpd.log
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
pasv_enable=YES
pasv_address=127.0.0.1
ssl_enable=YES
rsa_cert_file=$self->{cert}
rsa_private_key_file=$self->{key}
allow_anon_ssl=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
ssl_request_cert=NO
require_ssl_reuse=NO
ssl_ciphers=HIGH
EOF
    $common .= "ftpd_banner=$self->{banner}\n" if defined $self->{banner};
    $common .= $self->{config} // '';
    write_file("$d/vsftpd.conf", "$common\nlisten_port=$self->{ports}{ftp}\n");
    write_file("$d/vsftpd-implicit.conf", "$common\nlisten_port=$self->{ports}{ftps}\nimplicit_ssl=YES\nvsftpd_log_file=$d/vsftpd-implicit.log\n");

    $self->{argv} = [$VSFTPD, "$d/vsftpd.conf"];
    $self->SUPER::start();
    $self->{implicit} = Mamori::Server::Vsftpd::Implicit->new(owner => $$, name => 'vsftpd-implicit', dir => $d, port => $self->{ports}{ftps},
                                            argv => [$VSFTPD, "$d/vsftpd-implicit.conf"])->start;
    return $self;
}

# A throwaway local account named after this process; accounts left by
# processes that died without stopping are removed here too.
sub _add_user {
    my ($self) = @_;
    my $d = $self->{dir};
    open my $pw, '<', '/etc/passwd' or die "/etc/passwd: $!";
    while (<$pw>) {
        my ($u) = /^(mamftp(\d+)):/ or next;
        system('/usr/sbin/userdel', $u) unless kill 0, $2;
    }
    close $pw;
    my $user = "mamftp$$";
    if (!getpwnam($user)) {
        system('/usr/sbin/useradd', '-M', '-d', "$d/home", '-s', '/bin/sh', $user) == 0
            or $self->fail_start("useradd $user failed (root needed)");
        $self->{created_user} = $user;
    }
    open my $cp, '|-', '/usr/sbin/chpasswd' or $self->fail_start("chpasswd: $!");
    print $cp "$user:$PASSWORD\n";
    close $cp or $self->fail_start("chpasswd $user failed");
    my ($uid, $gid) = (getpwnam($user))[2, 3];
    chown $uid, $gid, "$d/home", "$d/home/welcome.txt";
    $self->{user} = $user;
}




sub user { $_[0]{user} }
sub password { $PASSWORD }
sub cert { $_[0]{cert} }
sub anon_dir { "$_[0]{dir}/anon" }
sub pids { grep { defined } $_[0]{pid}, ($_[0]{implicit} ? $_[0]{implicit}{pid} : ()) }

# Processes below PID, read from /proc (ppid is field 4 of /proc/N/stat).
sub _descendants {
    my ($root) = @_;
    my %kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $f, '<', $stat or next;
        my ($pid, $ppid) = (<$f> // '') =~ /^(\d+) \(.*\) \S+ (\d+)/s or next;
        push @{ $kids{$ppid} }, $pid;
    }
    my @out;
    my @todo = ($root);
    while (defined(my $p = shift @todo)) {
        push @out, @{ $kids{$p} // [] };
        push @todo, @{ $kids{$p} // [] };
    }
    return @out;
}

sub stop {
    my ($self) = @_;
    return unless ($self->{owner} // $$) == $$;
    # sessions run in their own sessions (setsid) and outlive the listener
    my @sessions = map { _descendants($_) } $self->pids;
    kill 'KILL', @sessions if @sessions;
    $self->{implicit}->stop if $self->{implicit};
    $self->SUPER::stop();
    if (my $u = delete $self->{created_user}) {
        system('/usr/sbin/userdel', $u) == 0 or warn "userdel $u failed\n";
    }
}

# The implicit-TLS listener: a plain Mamori::Server that only its starter stops.
package Mamori::Server::Vsftpd::Implicit;
use parent -norequire, 'Mamori::Server';
sub stop { my ($self) = @_; $self->SUPER::stop() if $self->{owner} == $$ }

1;
