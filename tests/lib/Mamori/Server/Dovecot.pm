# A private Dovecot (IMAP and POP3, plain with STARTTLS/STLS and implicit
# TLS) on 127.0.0.1: config, runtime dir, log, passwd-file and maildirs in a
# temp dir, running in the foreground as our child (dovecot -F).
#
#   my $s = Mamori::Server::Dovecot->new(messages => 2)->start;
#   $s->port('imap'), $s->port('imaps'), $s->port('pop3'), $s->port('pop3s');
#   $s->user, $s->password, $s->cert (a CA file for the clients)
#
# Options: messages (INBOX messages to create, default 0), protocols (array,
# default [imap pop3]; [] runs only the auth service), auth_socket => 1 (a
# SASL socket for Postfix: $s->auth_socket), config (extra dovecot.conf text),
# cert/key (PEM files instead of a fresh self-signed pair).
# Mail is owned by nobody:nogroup: Dovecot refuses uid 0 for mail.
package Mamori::Server::Dovecot;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_ports need_binary write_file);
use IO::Socket::INET;
use Time::HiRes ();

my $DOVECOT = '/usr/sbin/dovecot';
my ($USER, $PASSWORD) = ('mamori', 'mamori-imap-secret');

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'dovecot', %o);
    $self->{owner} = $$;
    $self->{protocols} //= [qw(imap pop3)];
    my %p = map { $_ => 1 } @{ $self->{protocols} };
    $self->{ports} = {};
    my @free = free_ports(4);
    for my $n (($p{imap} ? qw(imap imaps) : ()), ($p{pop3} ? qw(pop3 pop3s) : ())) {
        $self->{ports}{$n} = $o{"${n}_port"} // shift @free;
    }
    $self->{port} //= $self->{ports}{imap} // $self->{ports}{pop3};
    return $self;
}

sub start {
    my ($self) = @_;
    need_binary($DOVECOT, 'dovecot-imapd dovecot-pop3d');
    need_binary('/usr/bin/openssl', 'openssl');
    my $d = $self->{dir};
    # the login and auth processes run as dovenull/dovecot and need to reach run/
    chmod 0755, $d;
    mkdir "$d/$_", 0755 for qw(run state home);
    my ($uid, $gid) = (getpwnam('nobody'))[2, 3];
    defined $uid or $self->fail_start('no user nobody');
    $self->{home} = "$d/home/$USER";
    for my $m ($self->{home}, map { "$self->{home}/Maildir/$_" } '', qw(cur new tmp)) {
        mkdir $m, 0700;
        chown $uid, $gid, $m;
    }
    $self->add_message(subject => "test message $_") for 1 .. ($self->{messages} // 0);
    write_file("$d/passwd", "$USER:{PLAIN}$PASSWORD:${uid}:${gid}::$self->{home}\n");
    $self->_cert;

    my %ports = %{ $self->{ports} };
    my $listeners = '';
    for my $proto (qw(imap pop3)) {
        next unless $ports{$proto};
        $listeners .= <<"EOF";
service $proto-login {
  inet_listener $proto {
    address = 127.0.0.1
    port = $ports{$proto}
  }
  inet_listener ${proto}s {
    address = 127.0.0.1
    port = $ports{"${proto}s"}
    ssl = yes
  }
}
EOF
    }
    my $auth = $self->{auth_socket} ? <<"EOF" : '';
service auth {
  unix_listener auth-client-smtp {
    mode = 0666
  }
}
EOF
    my $protocols = @{ $self->{protocols} } ? "@{ $self->{protocols} }" : 'none';
    write_file("$d/dovecot.conf", <<"EOF" . $listeners . $auth . ($self->{config} // ''));
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
protocols = $protocols
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
ssl = yes
ssl_cert = <$self->{cert}
ssl_key = <$self->{key}
disable_plaintext_auth = no
# wrong passwords answer at once: the tests try them on purpose
auth_failure_delay = 0
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN $d/passwd
}
userdb {
  driver = passwd-file
  args = $d/passwd
}
# no growing delay (up to 15 s) for 127.0.0.1 after the tests' wrong passwords:
# the auth process disables the penalty when it cannot reach this socket
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
    $self->{argv} = [$DOVECOT, '-F', '-c', "$d/dovecot.conf"];
    $self->{no_wait} = !defined $self->{port};
    $self->SUPER::start();
    for my $n (sort keys %ports) {
        Mamori::Server::wait_port($ports{$n}, 20) or $self->fail_start("$n port $ports{$n} never answered");
    }
    if ($self->{auth_socket}) {
        my $end = Time::HiRes::time() + 20;
        Time::HiRes::sleep(0.05) until -S $self->auth_socket || Time::HiRes::time() > $end;
        -S $self->auth_socket or $self->fail_start('no auth socket ' . $self->auth_socket);
    }
    return $self;
}

# Drop a message into INBOX (Maildir/new), as a delivery would.
my $seq = 0;
sub add_message {
    my ($self, %m) = @_;
    my $name = sprintf '%d.M%dP%d.mamori', time, ++$seq, $$;
    my $file = "$self->{home}/Maildir/new/$name";
    write_file($file, "From: sender\@localhost\r\nTo: $USER\@localhost\r\nSubject: " . ($m{subject} // 'test')
                  . "\r\nDate: Thu, 1 Jan 2026 00:00:00 +0000\r\n\r\n" . ($m{body} // "hello\r\n"));
    my ($uid, $gid) = (getpwnam('nobody'))[2, 3];
    chown $uid, $gid, $file;
    return $file;
}




sub user { $USER }
sub password { $PASSWORD }
sub cert { $_[0]{cert} }
sub maildir { "$_[0]{home}/Maildir" }
sub auth_socket { "$_[0]{dir}/run/auth-client-smtp" }

sub stop {
    my ($self) = @_;
    return unless ($self->{owner} // $$) == $$;
    $self->SUPER::stop();
}

1;
