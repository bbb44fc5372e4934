# A local stand-in for Twilio Studio's REST API (v2), over HTTPS, keeping its
# documented contract, with scripted callees instead of the phone network:
#
#   POST /v2/Flows/{FlowSid}/Executions            form To, From, Parameters (JSON)
#        -> 201, the Execution resource {sid FN.., account_sid, flow_sid,
#           contact_channel_address, context {}, status "active", date_created,
#           date_updated, url, links {steps, execution_context}}
#   GET  /v2/Flows/{FlowSid}/Executions/{Sid}      -> 200, the Execution (status active|ended)
#   GET  /v2/Flows/{FlowSid}/Executions/{Sid}/Context
#        -> 200 {account_sid, context {flow {flow_sid, data: Parameters,
#           variables {result}, channel {address: From}}, contact {channel
#           {address: To}}, widgets {call_user {AnsweredBy ..}, gather
#           {Digits ..}}}, execution_sid, flow_sid, url}
#   POST /v2/Flows/{FlowSid}/Executions/{Sid}      form Status=ended -> 200, the Execution
# Every request needs HTTP basic auth AccountSid:AuthToken (else 401 with
# Twilio's error body {code 20003, message "Authenticate", ...}); an unknown
# flow or execution is 404 (code 20404); a missing To/From or a Parameters
# that is not a JSON object is 400 (code 21601/21602 style bodies).
#
# The flow behaves like contrib/twilio/mamori-call-flow.json: the result
# variable is confirmed | refused | nokey | voicemail | busy | noanswer |
# failed. Each callee (by the To number) follows a script:
#   { keys => '1' }          answers, presses 1
#   { keys => '31' }         presses 3 (message again), then 1
#   { keys => '5*' }         presses 5 (again), then *
#   { nokey => 1 }           answers, presses nothing (the gather times out)
#   { voicemail => 1 }       an answering machine picks up
#   { busy => 1 } / { noanswer => 1 } / { failed => 1 }
#   { ring => 1 }            rings until the client ends the execution
#   answer_after => SECONDS  (default 0.3) before answering; key_gap =>
#                            SECONDS (default 0.3) between keys
# An unscripted number rings forever. An execution the client ends stops
# where it was (its context frozen at that moment).
#
#   my $tw = Mamori::FakeTwilio->new(cert => PEM, key => PEM, account => 'AC..',
#                                    token => 'secret', flow => 'FW..', script => {...});
#   $tw->url; $tw->executions;  # [{sid, to, from, params, created, ended_by_client}, ...] in creation order
#   $tw->requests;              # [{method, path, form, auth}, ...]
package Mamori::FakeTwilio;
use strict;
use warnings;
use Fcntl qw(:flock);
use File::Temp qw(tempdir);
use IO::Select;
use Mamori::HttpRequest;
use IO::Socket::INET;
use IO::Socket::SSL;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX qw(:sys_wait_h setpgid strftime);
use Time::HiRes qw(time sleep);

my $json = JSON::PP->new->canonical->utf8;

sub new {
    my ($class, %o) = @_;
    $o{cert} && $o{key} or die 'FakeTwilio: cert and key (PEM files) are needed';
    my $self = bless { account => 'AC' . ('0' x 32), token => 'token', flow => 'FW' . ('f' x 32), script => {},
                       %o, owner => $$ }, $class;
    $self->{dir} = tempdir('mamori-faketwilio-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$self->{dir}/x";
    _write_json("$self->{dir}/script.json", $self->{script});   # before the fork: script() may follow at once
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 64,
                                  ReuseAddr => 1) or die "FakeTwilio: listen: $!";
    $self->{port} = $l->sockport;
    my $parent = $$;
    my $pid = fork // die "FakeTwilio: fork: $!";
    if ($pid == 0) {
        eval { $self->_serve($l, $parent) };
        POSIX::_exit(0);
    }
    close $l;
    setpgid($pid, $pid);
    $self->{pid} = $pid;
    return $self;
}

sub port { $_[0]{port} }
sub url { "https://127.0.0.1:$_[0]{port}" }

# Change the scripts between tests (read by the server from a file).
sub script {
    my ($self, $script) = @_;
    $self->{script} = $script;
    _write_json("$self->{dir}/script.json", $script);
}

sub clear {
    my ($self) = @_;
    unlink glob("$self->{dir}/x/*.json"), "$self->{dir}/requests";
}

sub executions {
    my ($self) = @_;
    my @e = map { _read_json($_) } glob("$self->{dir}/x/*.json");
    return [sort { $a->{created} <=> $b->{created} || $a->{seq} <=> $b->{seq} } grep { $_ } @e];
}

sub requests {
    my ($self) = @_;
    open my $f, '<', "$self->{dir}/requests" or return [];
    return [map { $json->decode($_) } <$f>];
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

sub _write_json {
    my ($file, $data) = @_;
    open my $f, '>', "$file.tmp$$" or die "$file: $!";
    print $f $json->encode($data);
    close $f;
    rename "$file.tmp$$", $file or die "$file: $!";
}

sub _read_json {
    my ($file) = @_;
    open my $f, '<', $file or return;
    local $/;
    my $t = <$f>;
    return eval { $json->decode($t) };
}

# --- the server: one process per connection ----------------------------------

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
            srand(int(time * 1e6) ^ $$);   # else every connection makes the same sids
            eval { $self->_connection($c) };
            POSIX::_exit(0);
        }
        close $c;
    }
}

sub _connection {
    my ($self, $c) = @_;
    IO::Socket::SSL->start_SSL($c, SSL_server => 1, SSL_cert_file => $self->{cert},
                               SSL_key_file => $self->{key}, Timeout => 10) or return;
    # keep-alive: libcurl reuses the connection for a call's polls
    while (my $req = _read_request($c, time + 30)) {
        my ($code, $body) = $self->_handle($req);
        my $text = { 200 => 'OK', 201 => 'Created', 400 => 'Bad Request', 401 => 'Unauthorized',
                     404 => 'Not Found', 405 => 'Method Not Allowed' }->{$code} // 'Status';
        print {$c} "HTTP/1.1 $code $text\r\nContent-Type: application/json\r\nContent-Length: " . length($body)
            . "\r\n\r\n" . $body;
    }
    close $c;
}

sub _read_request {
    my $r = Mamori::HttpRequest::read(@_) or return;
    return { method => $r->{method}, path => $r->{path}, body => $r->{body},
             headers => { map { (lc $_->[0] => $_->[1]) } @{ $r->{headers} } } };
}

sub _form {
    my ($body) = @_;
    my %f;
    for (split /&/, $body // '') {
        my ($k, $v) = split /=/, $_, 2;
        for ($k, $v) { $_ //= ''; tr/+/ /; s/%([0-9A-Fa-f]{2})/chr hex $1/ge }
        $f{$k} = $v;
    }
    return \%f;
}

sub _err {
    my ($code, $tc, $msg) = @_;
    return ($code, $json->encode({ code => $tc, message => $msg,
                                   more_info => "https://www.twilio.com/docs/errors/$tc", status => $code }));
}

sub _log {
    my ($self, $entry) = @_;
    open my $f, '>>', "$self->{dir}/requests" or return;
    flock $f, LOCK_EX;
    print $f $json->encode($entry) . "\n";
    close $f;
}

sub _handle {
    my ($self, $req) = @_;
    my $form = $req->{method} eq 'POST' ? _form($req->{body}) : {};
    my ($user, $pass) = ('', '');
    if (($req->{headers}{authorization} // '') =~ /^Basic\s+(\S+)$/) {
        ($user, $pass) = split /:/, decode_base64($1), 2;
    }
    my $auth = $user eq $self->{account} && ($pass // '') eq $self->{token};
    $self->_log({ method => $req->{method}, path => $req->{path}, form => $form, auth => $auth ? 1 : 0,
                  time => time });
    return _err(401, 20003, 'Authenticate') unless $auth;
    my $base = "/v2/Flows/$self->{flow}/Executions";
    my $p = $req->{path};
    if ($p !~ m{^/v2/Flows/\Q$self->{flow}\E/Executions}) {
        return _err(404, 20404, "The requested resource $p was not found");
    }
    if ($p eq $base && $req->{method} eq 'POST') {
        return _err(400, 21604, "A 'To' phone number is required.") unless length($form->{To} // '');
        return _err(400, 21603, "A 'From' phone number is required.") unless length($form->{From} // '');
        my $params = eval { $json->decode($form->{Parameters} // '{}') };
        return _err(400, 20001, 'Parameters must be a JSON object') unless ref $params eq 'HASH';
        my $sid = 'FN' . join('', map { sprintf '%x', int rand 16 } 1 .. 32);
        my $x = { sid => $sid, to => $form->{To}, from => $form->{From}, params => $params, created => time,
                  seq => $$ };
        _write_json("$self->{dir}/x/$sid.json", $x);
        return (201, $json->encode($self->_resource($x)));
    }
    my ($sid, $ctx) = $p =~ m{^\Q$base\E/(FN[0-9a-f]{32})(/Context)?$} or return _err(404, 20404, 'Not found');
    my $file = "$self->{dir}/x/$sid.json";
    -e $file or return _err(404, 20404, "The requested resource $p was not found");
    if ($req->{method} eq 'POST' && !$ctx) {
        return _err(400, 20001, 'Status must be ended') unless ($form->{Status} // '') eq 'ended';
        open my $lk, '>>', "$file.lock" or die;
        flock $lk, LOCK_EX;
        my $x = _read_json($file);
        unless ($self->_state($x)->{ended}) {
            $x->{ended_at} = time;
            $x->{ended_by_client} = 1;
            _write_json($file, $x);
        }
        close $lk;
        return (200, $json->encode($self->_resource($x)));
    }
    return _err(405, 20004, 'Method not allowed') unless $req->{method} eq 'GET';
    my $x = _read_json($file);
    return (200, $json->encode($ctx ? $self->_context($x) : $self->_resource($x)));
}

# Where the scripted call is at now (or when the client ended it).
sub _state {
    my ($self, $x) = @_;
    my $script = _read_json("$self->{dir}/script.json") // {};
    my $s = $script->{ $x->{to} } // { ring => 1 };
    my $t = (defined $x->{ended_at} ? $x->{ended_at} : time) - $x->{created};
    my $a = $s->{answer_after} // 0.3;
    my $gap = $s->{key_gap} // 0.3;
    my %st = (widgets => {}, ended => defined $x->{ended_at});
    for my $w (qw(busy noanswer failed)) {
        if ($s->{$w} && $t >= $a) { $st{result} = $w; $st{ended} = 1; return \%st }
    }
    return \%st if $s->{ring} || $s->{busy} || $s->{noanswer} || $s->{failed} || $t < $a;
    $st{widgets}{call_user} = { AnsweredBy => $s->{voicemail} ? 'machine_start' : 'human', CallStatus => 'in-progress',
                                To => $x->{to}, From => $x->{from} };
    if ($s->{voicemail}) { $st{result} = 'voicemail'; $st{ended} = 1; return \%st }
    my @keys = split //, $s->{keys} // '';
    for my $i (0 .. $#keys) {
        last if $t < $a + $gap * ($i + 1);
        $st{widgets}{gather} = { Digits => $keys[$i] };
        if ($keys[$i] eq '1') { $st{result} = 'confirmed'; $st{ended} = 1; return \%st }
        if ($keys[$i] eq '*') { $st{result} = 'refused'; $st{ended} = 1; return \%st }
    }
    if ($t >= $a + $gap * (@keys + 1)) { $st{result} = 'nokey'; $st{ended} = 1 }
    return \%st;
}

sub _iso { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime $_[0]) }

sub _resource {
    my ($self, $x) = @_;
    my $st = $self->_state($x);
    my $url = "https://studio.twilio.com/v2/Flows/$self->{flow}/Executions/$x->{sid}";
    return { sid => $x->{sid}, account_sid => $self->{account}, flow_sid => $self->{flow},
             contact_channel_address => $x->{to}, context => {}, status => $st->{ended} ? 'ended' : 'active',
             date_created => _iso($x->{created}), date_updated => _iso(time), url => $url,
             links => { steps => "$url/Steps", execution_context => "$url/Context" } };
}

sub _context {
    my ($self, $x) = @_;
    my $st = $self->_state($x);
    return { account_sid => $self->{account}, execution_sid => $x->{sid}, flow_sid => $self->{flow},
             url => "https://studio.twilio.com/v2/Flows/$self->{flow}/Executions/$x->{sid}/Context",
             context => { flow => { flow_sid => $self->{flow}, sid => $x->{sid}, data => $x->{params},
                                    channel => { address => $x->{from} },
                                    variables => defined $st->{result} ? { result => $st->{result} } : {} },
                          contact => { channel => { address => $x->{to} } },
                          trigger => { request => { parameters => $x->{params} } },
                          widgets => $st->{widgets} } };
}

1;
