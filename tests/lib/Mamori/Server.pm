# Base for the real servers the tests start: a private temp dir, a free
# loopback port, start in the foreground or by pid file, wait until the port
# answers, stop by pid. A missing server binary fails the test loudly: CI
# must never skip silently.
package Mamori::Server;
use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Socket::IP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Test::More;

our @EXPORT_OK = qw(free_port free_ports wait_port need_binary write_file);

# A port nothing listens on now (bound and released; tests are serial per file).
sub free_port {
    my ($proto) = @_;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => $proto // 'tcp', ($proto // 'tcp') eq 'tcp' ? (Listen => 1) : ())
        or die "free_port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

# Wait until HOST:PORT accepts a TCP connection; true on success.
sub wait_port {
    my ($port, $limit, $host) = @_;
    my $end = time + ($limit // 15);
    while (time < $end) {
        my $c = IO::Socket::IP->new(PeerHost => $host // '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 1);
        if ($c) { close $c; return 1 }
        sleep 0.05;
    }
    return 0;
}

# Fail (BAIL_OUT) when a server program is missing: the suite needs it.
sub need_binary {
    my ($path, $package) = @_;
    return $path if -x $path;
    BAIL_OUT("$path is missing: apt-get install $package (tools/install-deps test does)");
}

# new(name => 'nginx', argv => [...], port => N, dir => DIR, pidfile => FILE (daemonizing servers))
sub new {
    my ($class, %o) = @_;
    my $self = bless { %o, owner => $$ }, $class;
    $self->{dir} //= tempdir("mamori-$o{name}-XXXXXX", TMPDIR => 1, CLEANUP => 1);
    return $self;
}

sub dir { $_[0]{dir} }
# port(), or port(NAME) of a server with several (smtp, submission, ...)
sub port {
    my ($self, $name) = @_;
    return $self->{port} unless defined $name;
    return $self->{ports}{$name}
        // die "$self->{name} has no port '$name' (" . join(', ', sort keys %{ $self->{ports} // {} }) . ")";
}

# N distinct free ports: all bound at once, so none is handed out twice.
sub free_ports {
    my ($n) = @_;
    my @s = map { IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1)
                  or die "free port: $!" } 1 .. $n;
    return map { $_->sockport } @s;
}

sub write_file { my ($f, $t) = @_; open my $h, '>', $f or die "$f: $!"; print $h $t; close $h or die "$f: $!" }

# A self-signed certificate for localhost and 127.0.0.1 in the server's
# dir, unless the caller gave one (cert => PEM, key => PEM, e.g. from
# Mamori::Certs).
sub _cert {
    my ($self) = @_;
    return if $self->{cert};
    my $d = $self->{dir};
    system("/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
           . " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
           . " -keyout $d/key.pem -out $d/cert.pem >$d/openssl.out 2>&1") == 0
        or $self->fail_start('openssl req failed');
    @$self{qw(cert key)} = ("$d/cert.pem", "$d/key.pem");
}

# Start argv; with pidfile the program daemonizes and we read the pid from it,
# else it runs in the foreground as our child. Waits for the port.
sub start {
    my ($self) = @_;
    my $log = "$self->{dir}/$self->{name}.out";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log;
        open STDERR, '>&', \*STDOUT;
        setpgrp(0, 0);
        %ENV = (%ENV, %{ $self->{env} // {} });
        { no warnings 'exec'; exec { $self->{argv}[0] } @{ $self->{argv} }; }
        POSIX::_exit(127);
    }
    if ($self->{pidfile}) {
        waitpid($pid, 0);   # the launcher returns after forking the daemon
        my $end = time + 15;
        until (-s $self->{pidfile} || time > $end) { sleep 0.05 }
        open my $f, '<', $self->{pidfile} or $self->fail_start("no pid file $self->{pidfile}");
        ($self->{pid}) = <$f> =~ /(\d+)/;
    } else {
        $self->{pid} = $pid;
        $self->{child} = 1;
    }
    if (defined $self->{port} && !$self->{no_wait}) {
        wait_port($self->{port}, $self->{wait} // 20, $self->{host}) or $self->fail_start("port $self->{port} never answered");
    }
    return $self;
}

sub fail_start {
    my ($self, $why) = @_;
    my $out = '';
    for my $f (glob("$self->{dir}/*.out"), glob("$self->{dir}/*.log"), @{ $self->{logs} // [] }) {
        next unless -f $f;
        open my $fh, '<', $f or next;
        local $/;
        $out .= "== $f\n" . substr(<$fh> // '', -3000) . "\n";
    }
    BAIL_OUT("$self->{name} did not start: $why\n$out");
}

sub pid { $_[0]{pid} }

sub stop {
    my ($self) = @_;
    # a forked child (a test's fake server) must not stop its parent's servers
    return if $self->{owner} != $$;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    my $end = time + 5;
    while (time < $end) {
        if ($self->{child}) { last if waitpid($pid, WNOHANG) == $pid }
        else { last unless kill(0, $pid) && !_zombie($pid) }
        sleep 0.05;
    }
    if (kill 0, $pid) { kill 'KILL', $pid; waitpid($pid, 0) if $self->{child} }
    $self->{on_stop}->($self) if $self->{on_stop};
}

# a daemon we did not fork becomes a zombie of init when it exits; here
# PID 1 may not reap it, and kill 0 still succeeds on a zombie
sub _zombie {
    my ($pid) = @_;
    open my $f, '<', "/proc/$pid/stat" or return 1;
    return (<$f> // '') =~ /\) Z /;
}

sub DESTROY { $_[0]->stop }

1;
