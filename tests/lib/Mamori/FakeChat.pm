# A local stand-in for the three chat providers notify_chat posts to, over
# HTTPS (or plain HTTP with tls => 0), keeping their documented contracts:
#
#   Slack incoming webhook: POST /services/T.../B.../SECRET with
#   Content-Type application/json, a JSON object with a non-empty "text"
#   and, when present, "blocks" (section blocks with mrkdwn text of at most
#   3000 characters). 200 "ok"; a malformed body 400 "invalid_payload"; an
#   unknown hook 404 "no_service".
#
#   Chatwork API v2: POST /v2/rooms/ROOM/messages with x-chatworktoken
#   (else 401 {"errors":["Invalid API token"]}), Content-Type
#   application/x-www-form-urlencoded and a non-empty form field "body"
#   (else 400). 200 {"message_id":"N"} with X-RateLimit-Limit/Remaining/
#   Reset headers.
#
#   Teams Workflows webhook: POST /workflows/ID/triggers/manual/paths/invoke
#   with application/json: {"type":"message","attachments":[{"contentType":
#   "application/vnd.microsoft.card.adaptive","content":{"type":
#   "AdaptiveCard","version":..,"body":[..]}}]}. 202 Accepted; malformed 400.
#
#     my $fake = Mamori::FakeChat->new(cert => PEM, key => PEM, token => 'T', room => 42);
#     $fake->base;                       # https://127.0.0.1:PORT
#     $fake->script({ status => 503 }, { status => 429, retry_after => 1 },
#                   { status => 429, reset_in => 2 },  # Chatwork: X-RateLimit-Reset only
#                   { hang => 5 },      # answers to the next requests, in order, then normal ones
#                   { status => 500, provider => 'slack' },    # for the next Slack request only
#                   { status => 400, body => "bad\nbody" });   # this body instead of the usual one
#     $fake->requests;   # [{ provider, method, path, headers => {lc => v}, time, answer,
#                        #    delivered => 0|1, message => decoded (Slack text, Chatwork body,
#                        #    Teams card content) }, ...]
#     $fake->delivered('slack');   # the messages accepted so far, decoded
#     $fake->clear;
package Mamori::FakeChat;
use strict;
use warnings;
use Encode qw(decode);
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
    my $self = bless { tls => 1, token => 'cw-token', room => 42, %o, owner => $$ }, $class;
    !$self->{tls} || ($o{cert} && $o{key}) or die 'FakeChat: cert and key (PEM files) are needed for TLS';
    $self->{dir} = tempdir('mamori-fakechat-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    $self->script();
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 64,
                                  ReuseAddr => 1) or die "FakeChat: listen: $!";
    $self->{port} = $l->sockport;
    my $parent = $$;
    my $pid = fork // die "FakeChat: fork: $!";
    if ($pid == 0) {
        eval { $self->_serve($l, $parent) };
        POSIX::_exit(0);
    }
    close $l;
    setpgid($pid, $pid);
    $self->{pid} = $pid;
    return $self;
}

# An HTTP proxy that only tunnels (CONNECT host:port, as libcurl uses for
# https:// through an http:// proxy), logging each target:
#   my $proxy = Mamori::FakeChat->proxy;  $proxy->base; $proxy->tunnels;  # ['127.0.0.1:PORT', ...]
sub proxy {
    my ($class) = @_;
    my $self = bless { owner => $$, is_proxy => 1 }, $class;
    $self->{dir} = tempdir('mamori-fakeproxy-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 32,
                                  ReuseAddr => 1) or die "FakeChat proxy: listen: $!";
    $self->{port} = $l->sockport;
    my $parent = $$;
    my $pid = fork // die "FakeChat proxy: fork: $!";
    if ($pid == 0) {
        eval { $self->_serve($l, $parent) };
        POSIX::_exit(0);
    }
    close $l;
    setpgid($pid, $pid);
    $self->{pid} = $pid;
    return $self;
}

sub tunnels {
    my ($self) = @_;
    open my $f, '<', "$self->{dir}/tunnels" or return ();
    chomp(my @t = <$f>);
    return @t;
}

sub _tunnel {
    my ($self, $c) = @_;
    my $head = '';
    my $sel = IO::Select->new($c);
    while ($head !~ /\r\n\r\n/) {
        $sel->can_read(10) or return;
        sysread($c, my $chunk, 4096) or return;
        $head .= $chunk;
    }
    my ($target) = $head =~ m{^CONNECT (\S+) HTTP/1\.[01]\r\n} or do {
        print {$c} "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return;
    };
    open my $f, '>>', "$self->{dir}/tunnels" or return;
    flock $f, LOCK_EX;
    print $f "$target\n";
    close $f;
    my $up = IO::Socket::INET->new(PeerAddr => $target, Timeout => 5) or do {
        print {$c} "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return;
    };
    print {$c} "HTTP/1.1 200 Connection established\r\n\r\n";
    my $both = IO::Select->new($c, $up);
    while (my @r = $both->can_read(15)) {
        for my $from (@r) {
            my $n = sysread($from, my $buf, 65536);
            return unless $n;
            my $to = $from == $c ? $up : $c;
            syswrite($to, $buf) // return;
        }
    }
}

sub port { $_[0]{port} }
sub base { ($_[0]{tls} ? 'https' : 'http') . "://127.0.0.1:$_[0]{port}" }

# The answers to the next requests, in order (replaces what is left).
sub script {
    my ($self, @answers) = @_;
    _write_locked("$self->{dir}/script", $json->encode(\@answers));
}

sub requests {
    my ($self) = @_;
    my @r;
    if (open my $f, '<', "$self->{dir}/requests") { @r = map { $json->decode($_) } <$f> }
    return wantarray ? @r : scalar @r;
}

sub delivered {
    my ($self, $provider) = @_;
    my @m = map { $_->{message} } grep { $_->{delivered} && (!$provider || $_->{provider} eq $provider) }
        $self->requests;
    return wantarray ? @m : scalar @m;
}

sub clear {
    my ($self) = @_;
    unlink "$self->{dir}/tunnels";
    unlink "$self->{dir}/requests";
    $self->script();
}

sub stop {
    my ($self) = @_;
    local ($?, $!);
    return unless $self->{owner} == $$;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', -$pid, $pid;
    my $end = time + 5;
    until (waitpid($pid, WNOHANG) == $pid || time > $end) { sleep 0.02 }
    if (kill 0, $pid) { kill 'KILL', -$pid, $pid; waitpid($pid, 0) }
}

sub DESTROY { $_[0]->stop }

sub _write_locked {
    my ($path, $text) = @_;
    open my $f, '>>', $path or die "FakeChat: $path: $!";
    flock $f, LOCK_EX;
    truncate $f, 0;
    print $f $text;
    close $f;
}

# The next scripted answer for this provider (an answer naming none is for
# any), or undef; under a lock: connections run in parallel.
sub _next_answer {
    my ($self, $provider) = @_;
    open my $f, '+<', "$self->{dir}/script" or return;
    flock $f, LOCK_EX;
    local $/;
    my $list = eval { $json->decode(<$f> // '[]') } // [];
    my ($i) = grep { !defined $list->[$_]{provider} || $list->[$_]{provider} eq $provider } 0 .. $#$list;
    my $a = defined $i ? splice(@$list, $i, 1) : undef;
    seek $f, 0, 0;
    truncate $f, 0;
    print $f $json->encode($list);
    close $f;
    return $a;
}

# --- the server: one process per connection ---------------------------------

sub _serve {
    my ($self, $l, $parent) = @_;
    setpgrp(0, 0);
    $SIG{PIPE} = 'IGNORE';
    my $sel = IO::Select->new($l);
    while (getppid() == $parent) {
        1 while waitpid(-1, WNOHANG) > 0;
        next unless $sel->can_read(0.5);
        my $c = $l->accept or next;
        my $kid = fork;
        if (defined $kid && $kid == 0) {
            close $l;
            eval { $self->_connection($c) };
            POSIX::_exit(0);
        }
        close $c;
    }
}

sub _connection {
    my ($self, $c) = @_;
    return $self->_tunnel($c) if $self->{is_proxy};
    if ($self->{tls}) {
        IO::Socket::SSL->start_SSL($c, SSL_server => 1, SSL_cert_file => $self->{cert},
                                   SSL_key_file => $self->{key}, Timeout => 10) or return;
    }
    my $req = _read_request($c, time + 10) or return;
    $req->{time} = time;
    my ($provider, $check) = $req->{path} =~ m{^/services/} ? ('slack', \&_slack)
        : $req->{path} =~ m{^/v2/} ? ('chatwork', \&_chatwork)
        : $req->{path} =~ m{^/workflows/} ? ('teams', \&_teams) : ('unknown', undef);
    $req->{provider} = $provider;
    my $scripted = _next_answer($self, $provider);
    if ($scripted && $scripted->{hang}) {
        # slow: no answer within the client's timeout, nothing posted
        $self->_log($req, 0, undef, 'hang');
        sleep $scripted->{hang};
        close $c;
        return;
    }
    my ($code, $headers, $body, $message, $delivered);
    if (!$check) {
        ($code, $headers, $body) = (404, [], 'no_service');
    } else {
        ($code, $headers, $body, $message) = $check->($self, $req);
        $delivered = $code < 300;
    }
    if ($scripted && $scripted->{status} && $delivered) {
        # a well-formed request answered with a scripted failure: not posted
        $delivered = 0;
        $code = $scripted->{status};
        $headers = [];
        $body = $scripted->{body} // ($code == 429 ? ($provider eq 'chatwork' ? '{"errors":["Rate limit exceeded"]}' : 'rate_limited')
            : 'internal_error');
        push @$headers, ['Retry-After', $scripted->{retry_after}] if defined $scripted->{retry_after};
        push @$headers, ['X-RateLimit-Remaining', 0], ['X-RateLimit-Reset', int(time) + $scripted->{reset_in}]
            if defined $scripted->{reset_in};
    }
    $self->_log($req, $delivered ? 1 : 0, $message, $code);
    my $text = { 200 => 'OK', 202 => 'Accepted', 400 => 'Bad Request', 401 => 'Unauthorized',
                 404 => 'Not Found', 405 => 'Method Not Allowed', 415 => 'Unsupported Media Type',
                 429 => 'Too Many Requests', 500 => 'Internal Server Error',
                 503 => 'Service Unavailable' }->{$code} // 'Status';
    print {$c} "HTTP/1.1 $code $text\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n"
        . join('', map { "$_->[0]: $_->[1]\r\n" } @$headers) . "\r\n" . $body;
    close $c;
}

sub _header {
    my ($req, $name) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $req->{headers} };
    return @v ? join(',', @v) : undef;
}

sub _json_ct { (_header($_[0], 'Content-Type') // '') =~ m{^application/json\s*(;\s*charset=utf-8\s*)?$}i }

sub _slack {
    my ($self, $req) = @_;
    return (405, [], 'invalid_method') unless $req->{method} eq 'POST';
    return (404, [], 'no_service') unless $req->{path} =~ m{^/services/T\w+/B\w+/\w+$};
    return (400, [], 'invalid_payload') unless _json_ct($req);
    my $d = eval { $json->decode($req->{body}) };
    return (400, [], 'invalid_payload') unless ref $d eq 'HASH';
    return (400, [], 'no_text') unless defined $d->{text} && !ref $d->{text} && length $d->{text};
    # &, < and > must arrive escaped: a bare < would be Slack markup
    return (400, [], 'invalid_payload') if $d->{text} =~ /[<>]/ || $d->{text} =~ /&(?!amp;|lt;|gt;)/;
    if (exists $d->{blocks}) {
        return (400, [], 'invalid_blocks') unless ref $d->{blocks} eq 'ARRAY' && @{ $d->{blocks} };
        for my $b (@{ $d->{blocks} }) {
            return (400, [], 'invalid_blocks')
                unless ref $b eq 'HASH' && ($b->{type} // '') eq 'section' && ref $b->{text} eq 'HASH'
                && ($b->{text}{type} // '') =~ /^(mrkdwn|plain_text)$/ && length($b->{text}{text} // '')
                && length($b->{text}{text}) <= 3000;
        }
    }
    (my $text = $d->{text}) =~ s/&lt;/</g;
    $text =~ s/&gt;/>/g;
    $text =~ s/&amp;/&/g;
    return (200, [['Content-Type', 'text/html']], 'ok', { text => $text, raw => $d });
}

sub _form {
    my ($s) = @_;
    my %f;
    for (split /&/, $s) {
        my ($k, $v) = split /=/, $_, 2;
        for ($k, $v) { next unless defined; tr/+/ /; s/%([0-9A-Fa-f]{2})/chr hex $1/ge }
        $f{$k} = decode('UTF-8', $v // '');
    }
    return \%f;
}

sub _chatwork {
    my ($self, $req) = @_;
    my $cj = ['Content-Type', 'application/json; charset=utf-8'];
    my @rl = (['X-RateLimit-Limit', 300], ['X-RateLimit-Remaining', 299], ['X-RateLimit-Reset', int(time) + 300]);
    return (404, [$cj], '{"errors":["Resource not found"]}')
        unless $req->{path} =~ m{^/v2/rooms/(\d+)/messages$} && $1 == $self->{room};
    return (405, [$cj], '{"errors":["Method not allowed"]}') unless $req->{method} eq 'POST';
    return (401, [$cj], '{"errors":["Invalid API token"]}')
        unless (_header($req, 'x-chatworktoken') // '') eq $self->{token};
    return (400, [$cj], '{"errors":["Invalid Content-Type"]}')
        unless (_header($req, 'Content-Type') // '') =~ m{^application/x-www-form-urlencoded\s*$}i;
    my $f = _form($req->{body});
    return (400, [$cj], '{"errors":["Parameter [body] is required"]}') unless length($f->{body} // '');
    return (400, [$cj], '{"errors":["Parameter [self_unread] is invalid"]}')
        if defined $f->{self_unread} && $f->{self_unread} !~ /^[01]$/;
    my $id = int(time * 1000) . $$;
    return (200, [$cj, @rl], qq({"message_id":"$id"}), { body => $f->{body} });
}

sub _teams {
    my ($self, $req) = @_;
    return (405, [], '') unless $req->{method} eq 'POST';
    return (404, [], '') unless $req->{path} =~ m{^/workflows/\w+/triggers/manual/paths/invoke$};
    return (415, [], 'unsupported media type') unless _json_ct($req);
    my $d = eval { $json->decode($req->{body}) };
    return (400, [], 'InvalidRequestContent') unless ref $d eq 'HASH' && ($d->{type} // '') eq 'message'
        && ref $d->{attachments} eq 'ARRAY' && @{ $d->{attachments} } == 1;
    my $a = $d->{attachments}[0];
    return (400, [], 'InvalidRequestContent')
        unless ref $a eq 'HASH' && ($a->{contentType} // '') eq 'application/vnd.microsoft.card.adaptive'
        && ref $a->{content} eq 'HASH' && ($a->{content}{type} // '') eq 'AdaptiveCard'
        && ($a->{content}{version} // '') =~ /^1\.\d$/ && ref $a->{content}{body} eq 'ARRAY'
        && @{ $a->{content}{body} };
    for my $e (@{ $a->{content}{body} }) {
        return (400, [], 'InvalidRequestContent') unless ref $e eq 'HASH'
            && (($e->{type} // '') eq 'TextBlock' && defined $e->{text}
                || ($e->{type} // '') eq 'FactSet' && ref $e->{facts} eq 'ARRAY'
                && !grep { ref $_ ne 'HASH' || !defined $_->{title} || !defined $_->{value} } @{ $e->{facts} });
    }
    return (202, [], '', $a->{content});
}

# Request line, headers (in order, as sent), body by Content-Length.
sub _read_request {
    my $r = Mamori::HttpRequest::read(@_) or return;
    return { method => $r->{method}, path => $r->{target}, headers => $r->{headers}, body => $r->{body} };
}

sub _log {
    my ($self, $req, $delivered, $message, $answer) = @_;
    my %h = map { lc($_->[0]) => $_->[1] } @{ $req->{headers} };
    open my $f, '>>', "$self->{dir}/requests" or return;
    flock $f, LOCK_EX;
    print $f $json->encode({ provider => $req->{provider}, method => $req->{method}, path => $req->{path},
                             headers => \%h, time => $req->{time}, answer => $answer, delivered => $delivered,
                             message => $message }) . "\n";
    close $f;
}

1;
