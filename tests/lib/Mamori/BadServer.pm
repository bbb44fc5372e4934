# Misbehaving (and scripted) servers for the failure cases of the protocol
# checks: a forked Perl server on a free 127.0.0.1 port, one forked handler
# per connection, gone when the object is stopped or destroyed, or when the
# test that started it ends (every loop checks getppid and a deadline).
#
#   my $b = Mamori::BadServer->new('drip', greeting => "220 slow\r\n");
#   plugin_run('check_smtp', '-H', '127.0.0.1', '-p', $b->port, '-t', 3);
#
# Kinds and their options (all kinds: limit => seconds a connection may live,
# default 60; port => N to listen on a given port; tls => 1 (TCP kinds):
# the misbehaviour comes inside a TLS session, $b->cert its certificate):
#   silent           accepts, never sends a byte
#   drip             sends greeting (default "220 drip ESMTP\r\n") one byte
#                    per interval seconds (default 1)
#   garbage          sends bytes (default 4096) of binary junk, NULs included
#   huge_line        sends size bytes (default 10 MB) without a newline,
#                    after an optional prefix (e.g. "220 ")
#   close_mid_reply  sends the first half of greeting, then closes
#   banner           sends greeting (may be '' or multi-line), then answers
#                    each line the client sends from script, a list of
#                    match => reply pairs tried in order (match: exact string
#                    without CRLF, or qr//); reply: the text to send (include
#                    CRLF), undef to close, a code ref ($line, captures) returning
#                    either, or { reply => TEXT, starttls => 1 } to switch
#                    to TLS after sending TEXT, { reply => TEXT, close => 1 }
#                    to close after it. Unmatched lines get else
#                    (default undef: close). tls => 1 serves TLS from the
#                    first byte (imaps/pop3s/smtps). $b->cert is the CA file;
#                    cert => PEM, key => PEM serve another (Mamori::Certs).
#   tls_garbage      reads the client's first bytes (a TLS ClientHello) and
#                    answers with junk that is no TLS record
#   udp              a UDP socket (not TCP) on the port: each datagram is
#                    recorded and answered with reply: a string, a code ref
#                    ($datagram) returning the reply or undef (no answer), or
#                    undef (default: silent, as a dropping firewall)
# $b->received gives the lines clients sent (banner; raw chunks for the
# other kinds; datagrams for udp), $b->connections how many connections
# were accepted (udp: datagrams received).
package Mamori::BadServer;
use strict;
use warnings;
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h setpgid);
use Time::HiRes qw(time sleep);

my %KINDS = map { $_ => \&{"_$_"} } qw(silent drip garbage huge_line close_mid_reply banner tls_garbage udp);

sub new {
    my ($class, $kind, %o) = @_;
    $KINDS{$kind} or die "BadServer: unknown kind '$kind' (" . join(', ', sort keys %KINDS) . ")";
    my $self = bless { %o, kind => $kind, owner => $$ }, $class;
    $self->{dir} = tempdir("mamori-bad-$kind-XXXXXX", TMPDIR => 1, CLEANUP => 1);
    $self->{limit} //= 60;
    if (!$self->{cert} && ($o{tls} || grep { ref $_ eq 'HASH' && $_->{starttls} } @{ $o{script} // [] })) {
        $self->_cert;
    }
    my $l = $kind eq 'udp'
        ? IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $o{port} // 0, Proto => 'udp')
        : IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $o{port} // 0, Proto => 'tcp',
                                Listen => 16, ReuseAddr => 1);
    $l or die "BadServer: listen: $!";
    $self->{port} = $l->sockport;
    my $parent = $$;
    my $pid = fork // die "BadServer: fork: $!";
    if ($pid == 0) {
        # never return into the test: no END blocks, no destructors here
        eval { $kind eq 'udp' ? $self->_serve_udp($l, $parent) : $self->_serve($l, $parent) };
        POSIX::_exit(0);
    }
    close $l;   # the port must close when the child goes
    # its own process group (set on both sides: stop() may come before the child runs)
    setpgid($pid, $pid);
    $self->{pid} = $pid;
    return $self;
}

sub port { $_[0]{port} }
sub pid { $_[0]{pid} }
sub cert { $_[0]{cert} }

sub received {
    my ($self) = @_;
    open my $f, '<', "$self->{dir}/received" or return ();
    return map { chomp; s/\\(.)/$1 eq 'n' ? "\n" : $1 eq 'r' ? "\r" : $1/ge; $_ } <$f>;
}

sub connections {
    my ($self) = @_;
    return -s "$self->{dir}/connections" // 0;
}

sub stop {
    my ($self) = @_;
    return unless $self->{owner} == $$;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', -$pid, $pid;   # the server and its connection handlers
    my $end = time + 5;
    until (waitpid($pid, WNOHANG) == $pid || time > $end) { sleep 0.02 }
    if (kill 0, $pid) { kill 'KILL', -$pid, $pid; waitpid($pid, 0) }
}

sub DESTROY { $_[0]->stop }

# The server child: accept until the test is gone; a handler child per connection.
sub _serve {
    my ($self, $l, $parent) = @_;
    setpgrp(0, 0);
    $SIG{PIPE} = 'IGNORE';
    my $sel = IO::Select->new($l);
    my $end = time + ($self->{lifetime} // 3600);
    while (getppid() == $parent && time < $end) {
        1 while waitpid(-1, WNOHANG) > 0;
        next unless $sel->can_read(0.5);
        my $c = $l->accept or next;
        _append("$self->{dir}/connections", '.');
        my $me = $$;
        my $kid = fork;
        if (defined $kid && $kid == 0) {
            close $l;
            my $conn = { sock => $c, server => $me, end => time + $self->{limit}, buf => '' };
            # tls => 1 on the other kinds: misbehave inside a good TLS session
            POSIX::_exit(0) if $self->{tls} && $self->{kind} ne 'banner' && !$self->_start_tls($conn);
            eval { $KINDS{ $self->{kind} }->($self, $conn) };
            POSIX::_exit(0);
        }
        close $c;
    }
}

# The UDP server child: one socket, each datagram answered in turn.
sub _serve_udp {
    my ($self, $s, $parent) = @_;
    setpgrp(0, 0);
    my $sel = IO::Select->new($s);
    my $end = time + ($self->{lifetime} // 3600);
    while (getppid() == $parent && time < $end) {
        next unless $sel->can_read(0.5);
        my $peer = $s->recv(my $dgram, 65536) // next;
        _append("$self->{dir}/connections", '.');
        $self->_record($dgram);
        my $reply = $self->{reply};
        $reply = $reply->($dgram) if ref $reply eq 'CODE';
        $s->send($reply, 0, $peer) if defined $reply;
    }
}

sub _udp { }   # served by _serve_udp

# --- connection helpers -----------------------------------------------------

sub _alive { my ($conn) = @_; return time < $conn->{end} && getppid() == $conn->{server} }

# Wait up to $secs for input and record it; false when the client closed.
sub _drain {
    my ($self, $conn, $secs) = @_;
    my $c = $conn->{sock};
    my $ready = ($c->can('pending') && $c->pending) || IO::Select->new($c)->can_read($secs);
    return 1 unless $ready;
    my $n = sysread($c, my $chunk, 65536);
    if (!defined $n && ref $c ne 'IO::Socket::INET') {
        # TLS: a record without application data yet
        no warnings "once";
        return 1 if $IO::Socket::SSL::SSL_ERROR == IO::Socket::SSL::SSL_WANT_READ();
    }
    return 0 unless $n;
    $conn->{buf} .= $chunk;
    return 1;
}

# Keep the connection open, reading and recording, until the client closes or the limit.
sub _hold {
    my ($self, $conn) = @_;
    while (_alive($conn)) {
        $self->_drain($conn, 0.5) or last;
        if (length $conn->{buf}) { $self->_record($conn->{buf}); $conn->{buf} = '' }
    }
}

sub _record {
    my ($self, $line) = @_;
    (my $esc = $line) =~ s/\\/\\\\/g;
    $esc =~ s/\n/\\n/g;
    $esc =~ s/\r/\\r/g;
    _append("$self->{dir}/received", "$esc\n");
}

sub _append { my ($f, $t) = @_; open my $h, '>>', $f or return; print $h $t; close $h }

# Write all of $data unless the client goes away or the limit comes.
sub _send {
    my ($conn, $data) = @_;
    my $c = $conn->{sock};
    while (length $data) {
        return 0 unless _alive($conn);
        next unless IO::Select->new($c)->can_write(0.5);
        my $n = syswrite($c, $data, 65536);
        return 0 unless $n;
        substr($data, 0, $n, '');
    }
    return 1;
}

# --- the kinds --------------------------------------------------------------

sub _silent { my ($self, $conn) = @_; $self->_hold($conn) }

sub _drip {
    my ($self, $conn) = @_;
    my $g = $self->{greeting} // "220 drip ESMTP\r\n";
    my $every = $self->{interval} // 1;
    for my $ch (split //, $g) {
        _send($conn, $ch) or return;
        my $next = time + $every;
        while (time < $next && _alive($conn)) { $self->_drain($conn, $next - time) or return }
    }
    $self->_hold($conn);
}

sub _garbage {
    my ($self, $conn) = @_;
    my $n = $self->{bytes} // 4096;
    # NULs, 0xff and bare CRs first: the bytes a line parser must survive
    my $junk = "\0\xff\xfe\r\0\x1b[2J" . join('', map { chr int rand 256 } 1 .. $n);
    _send($conn, substr($junk, 0, $n)) or return;
    $self->_hold($conn);
}

sub _huge_line {
    my ($self, $conn) = @_;
    my $left = $self->{size} // 10 * 1024 * 1024;
    _send($conn, $self->{prefix}) or return if defined $self->{prefix};
    my $chunk = 'A' x 65536;
    while ($left > 0) {
        my $n = $left < 65536 ? $left : 65536;
        _send($conn, substr($chunk, 0, $n)) or return;
        $left -= $n;
    }
    $self->_hold($conn);
}

sub _close_mid_reply {
    my ($self, $conn) = @_;
    my $g = $self->{greeting} // "220 mamori.example ESMTP ready\r\n";
    _send($conn, substr($g, 0, int(length($g) / 2)));
    close $conn->{sock};
}

sub _tls_garbage {
    my ($self, $conn) = @_;
    # wait for the ClientHello (a TLS record starts with 0x16)
    while (_alive($conn) && !length $conn->{buf}) { $self->_drain($conn, 0.5) or return }
    $self->_record(sprintf 'first byte 0x%02x, %d bytes', ord $conn->{buf}, length $conn->{buf});
    # first byte 'J' is no TLS record type: the client fails at once
    _send($conn, "JUNK\0\xff not a server hello " . join('', map { chr int rand 256 } 1 .. 64)) or return;
    $self->_hold($conn);
}

sub _banner {
    my ($self, $conn) = @_;
    $self->_start_tls($conn) or return if $self->{tls};
    _send($conn, $self->{greeting}) or return if defined $self->{greeting} && length $self->{greeting};
    my @script = @{ $self->{script} // [] };
    while (_alive($conn)) {
        if ($conn->{buf} !~ /\n/) {
            $self->_drain($conn, 0.5) or return;
            next;
        }
        $conn->{buf} =~ s/^(.*?)\r?\n//s;
        my $line = $1;
        $self->_record($line);
        my ($reply, @cap) = ($self->{else});
        for (my $i = 0; $i < @script; $i += 2) {
            my $m = $script[$i];
            if (ref $m eq 'Regexp') { @cap = $line =~ $m or next }
            else { next unless $line eq $m }
            $reply = $script[$i + 1];
            last;
        }
        $reply = $reply->($line, @cap) if ref $reply eq 'CODE';
        return unless defined $reply;
        my %how = ref $reply eq 'HASH' ? %$reply : (reply => $reply);
        _send($conn, $how{reply} // '') or return;
        return if $how{close};
        if ($how{starttls}) {
            $conn->{buf} = '';   # anything pipelined before the handshake is void (RFC 3207)
            $self->_start_tls($conn) or return;
        }
    }
}

sub _start_tls {
    my ($self, $conn) = @_;
    require IO::Socket::SSL;
    my $ok = IO::Socket::SSL->start_SSL($conn->{sock}, SSL_server => 1, SSL_cert_file => $self->cert,
                                        SSL_key_file => $self->{key},
                                        Timeout => $conn->{end} - time);
    $self->_record('TLS handshake failed: ' . IO::Socket::SSL::errstr()) unless $ok;
    return $ok;
}

sub _cert {
    my ($self) = @_;
    my $d = $self->{dir};
    system("/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
           . " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
           . " -keyout $d/key.pem -out $d/cert.pem >$d/openssl.out 2>&1") == 0
        or die "BadServer: openssl req failed (apt-get install openssl)";
    @$self{qw(cert key)} = ("$d/cert.pem", "$d/key.pem");
}

1;
