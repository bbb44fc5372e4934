# A private Postfix instance on 127.0.0.1: config dir, queue and data dirs in
# a temp dir; three smtpd listeners: 'smtp' (plain, no STARTTLS), 'submission'
# (STARTTLS required before mail) and 'smtps' (TLS from the first byte). The
# master runs in the foreground as our child, so stop() reaps it.
# Mail never leaves: every remote delivery is deferred (defer_transports,
# relayhost on a closed loopback port), so injected mail stays in the queue.
#
#   my $s = Mamori::Server::Postfix->new(auth => 1)->start;
#   $s->port('smtp'), $s->port('submission'), $s->port('smtps');
#   $s->enqueue(5); $s->queue_count;   # 5 deferred messages, mailq shows them
#
# Options: auth => 1 (SASL AUTH PLAIN/LOGIN through a private Dovecot auth
# service: $s->user, $s->password), banner (smtpd_banner), config (extra
# main.cf lines), cert/key (PEM files instead of a fresh self-signed pair).
package Mamori::Server::Postfix;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_ports need_binary write_file);
use IO::Socket::INET;
use Time::HiRes ();
use POSIX ();

my $POSTFIX = '/usr/sbin/postfix';
my $MASTER = '/usr/lib/postfix/sbin/master';

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'postfix', %o);
    $self->{owner} = $$;
    my @free = free_ports(4);
    $self->{port} //= $free[0];
    $self->{ports} = { smtp => $self->{port}, submission => $o{submission_port} // $free[1],
                       smtps => $o{smtps_port} // $free[2] };
    $self->{closed_port} = $free[3];
    return $self;
}

sub start {
    my ($self) = @_;
    need_binary($POSTFIX, 'postfix');
    need_binary($MASTER, 'postfix');
    need_binary('/usr/bin/openssl', 'openssl');
    my $d = $self->{dir};
    my %p = %{ $self->{ports} };
    # postfix refuses queue paths that others can write or that it cannot reach
    chmod 0755, $d;
    mkdir "$d/$_", 0755 for qw(etc queue data);
    # the master takes its lock in data_directory after dropping to mail_owner
    chown scalar(getpwnam('postfix')), -1, "$d/data";
    $self->_cert;
    if ($self->{auth}) {
        require Mamori::Server::Dovecot;
        $self->{dovecot} = Mamori::Server::Dovecot->new(protocols => [], auth_socket => 1)->start;
    }

    # a closed loopback port as relay: should anything try to deliver, it fails here
    my $closed = $self->{closed_port};
    my $auth = $self->{dovecot} ? <<"EOF" : '';
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = ${\ $self->{dovecot}->auth_socket }
smtpd_sasl_security_options = noanonymous
EOF
    write_file("$d/etc/main.cf", <<"EOF" . (defined $self->{banner} ? "smtpd_banner = $self->{banner}\n" : '') . $auth . ($self->{config} // ''));
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mamori.localdomain
mydomain = localdomain
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$closed
defer_transports = smtp, relay, local, virtual, error
smtp_dns_support_level = disabled
biff = no
maillog_file = $d/maillog
maillog_file_prefixes = $d
smtpd_tls_cert_file = $self->{cert}
smtpd_tls_key_file = $self->{key}
smtpd_tls_security_level = none
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
EOF
    $self->_master_cf(\%p);
    $self->{logs} = ["$d/maillog"];

    # postfix(1) waits (300 ms at a time) until main.cf is older than a
    # couple of seconds, for editors still writing it: ours is complete
    utime time - 60, time - 60, "$d/etc/main.cf", "$d/etc/master.cf";
    # creates the queue directories with their owners and modes
    system("$POSTFIX -c $d/etc check >$d/postfix-check.out 2>&1") == 0
        or $self->fail_start("postfix check failed");
    # -s: the master stays in the foreground (what "postfix start-fg" runs).
    # Not through Mamori::Server::start: the master calls setsid(), which
    # fails for the process group leader that start() would make it.
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$d/postfix.out";
        open STDERR, '>&', \*STDOUT;
        $ENV{MAIL_CONFIG} = "$d/etc";
        { no warnings 'exec'; exec { $MASTER } $MASTER, '-c', "$d/etc", '-s'; }
        POSIX::_exit(127);
    }
    @$self{qw(pid child)} = ($pid, 1);
    for my $n (qw(smtp submission smtps)) {
        Mamori::Server::wait_port($p{$n}, 20) or $self->fail_start("$n port $p{$n} never answered");
    }
    return $self;
}

# Debian's master.cf with its port 25 listener dropped, nothing chrooted (the
# chroot would need copies of /etc files), and our three listeners added.
sub _master_cf {
    my ($self, $p) = @_;
    # /etc/postfix/master.cf is written by the package's postinst; the .dist is always shipped
    my ($base) = grep { -f } '/etc/postfix/master.cf', '/usr/share/postfix/master.cf.dist';
    open my $in, '<', $base // '/etc/postfix/master.cf' or $self->fail_start("/etc/postfix/master.cf: $!");
    my $out = '';
    while (my $l = <$in>) {
        if ($l =~ /^\S/ && $l !~ /^#/) {
            my @f = split ' ', $l;
            next if $f[1] eq 'inet';      # only our listeners
            $f[4] = 'n' if @f >= 8;
            $l = join(' ', @f) . "\n";
        }
        $out .= $l;
    }
    my $smtpd = "inet n - n - - smtpd";
    $out .= <<"EOF";
127.0.0.1:$p->{smtp} $smtpd
  -o syslog_name=postfix/smtp
127.0.0.1:$p->{submission} $smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
127.0.0.1:$p->{smtps} $smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
EOF
    write_file("$self->{dir}/etc/master.cf", $out);
}

# Put N messages into the queue with sendmail(1) and wait until the queue
# manager has deferred them all. Returns the ids of every deferred message.
# Options: from, to, subject, body.
sub enqueue {
    my ($self, $n, %m) = @_;
    my $d = $self->{dir};
    my $want = $self->queue_count('deferred') + $n;
    for my $i (1 .. $n) {
        open my $sm, '|-', '/usr/sbin/sendmail', '-C', "$d/etc", '-f', $m{from} // 'sender@mamori.localdomain',
            $m{to} // 'nobody@example.invalid'
            or die "sendmail: $!";
        print $sm "Subject: " . ($m{subject} // "queued $i") . "\n\n" . ($m{body} // "test message $i\n");
        close $sm or die "sendmail -C $d/etc failed: $?";
    }
    my $end = Time::HiRes::time() + 20;
    while (Time::HiRes::time() < $end) {
        return $self->queue_ids('deferred') if $self->queue_count('deferred') >= $want;
        Time::HiRes::sleep(0.05);
    }
    die "postfix: $n messages not deferred after 20s (deferred: " . $self->queue_count('deferred') . ")";
}

# Queue files in one queue (incoming, active, deferred, hold, maildrop) or all of them.
sub queue_ids {
    my ($self, @queues) = @_;
    @queues = qw(maildrop incoming active deferred hold) unless @queues;
    my @ids;
    for my $q (@queues) {
        # deferred/ and hold/ are hashed one level deep
        push @ids, map { m{([^/]+)$} } grep { -f } glob("$self->{dir}/queue/$q/* $self->{dir}/queue/$q/*/*");
    }
    return @ids;
}
sub queue_count { my $self = shift; return scalar $self->queue_ids(@_) }

# Delete every queued message.
sub clear_queue {
    my ($self) = @_;
    system("/usr/sbin/postsuper -c $self->{dir}/etc -d ALL >/dev/null 2>&1") == 0
        or die 'postsuper -d ALL failed';
}




sub config_dir { "$_[0]{dir}/etc" }
sub queue_dir { "$_[0]{dir}/queue" }
sub cert { $_[0]{cert} }
sub user { $_[0]{dovecot} ? $_[0]{dovecot}->user : undef }
sub password { $_[0]{dovecot} ? $_[0]{dovecot}->password : undef }

sub stop {
    my ($self) = @_;
    return unless ($self->{owner} // $$) == $$;
    $self->SUPER::stop();
    $self->{dovecot}->stop if $self->{dovecot};
}

1;
