# A real BIND 9 named on 127.0.0.1 and ::1, one free port, in a temp dir:
# authoritative only (recursion no) for the test zone mamori.test, in the
# foreground (-g logs to stderr, so no rndc, no pid-file daemon dance).
package Mamori::Server::Named;
use strict;
use warnings;
use parent -norequire, 'Mamori::Server';
use Mamori::Server qw(free_port need_binary);
use IO::Socket::IP;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

our $ZONE = 'mamori.test';
our $REVERSE = '2.0.192.in-addr.arpa';
# Names in the zone and what they hold; the tests compare answers with these.
our %A = (
    'www'   => ['192.0.2.10', '192.0.2.11'],
    'mail'  => ['192.0.2.25'],
    'ns1'   => ['192.0.2.53'],
    'v6only' => [],
);
our %AAAA = ('www' => ['2001:db8::10'], 'v6only' => ['2001:db8::6']);
our $BIG_COUNT = 100;   # A records under big.mamori.test: ~1.7 kB, named allows 100 per set
our @TXT = ('v=spf1 ip4:192.0.2.0/24 -all', 'hello "quoted" world');

sub big_addresses { map { sprintf '198.51.%d.%d', int($_ / 250), 1 + $_ % 250 } 0 .. $BIG_COUNT - 1 }

# A port free for both UDP and TCP on 127.0.0.1 (named needs both).
sub free_udp_tcp_port {
    for (1 .. 50) {
        my $p = free_port('udp');
        my $t = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $p, Proto => 'tcp', Listen => 1, ReuseAddr => 1)
            or next;
        close $t;
        return $p;
    }
    die "no free port for named";
}

# 192.0.2.0/24 in reverse: PTR records for the addresses of %A
sub reverse_text {
    my @z = ('$TTL 300', "@ IN SOA ns1.$ZONE. hostmaster.$ZONE. 1 3600 600 86400 300", "@ IN NS ns1.$ZONE.");
    for my $n (sort keys %A) {
        for (@{ $A{$n} }) { my ($last) = /(\d+)$/; push @z, "$last IN PTR $n.$ZONE." }
    }
    return join("\n", @z) . "\n";
}

sub zone_text {
    my @z = (
        '$TTL 300',
        "@ IN SOA ns1.$ZONE. hostmaster.$ZONE. 2024010101 3600 600 86400 300",
        "@ IN NS ns1.$ZONE.",
        "@ IN MX 10 mail.$ZONE.",
        "@ IN MX 20 backup-mx.$ZONE.",
    );
    for my $n (sort keys %A) { push @z, "$n IN A $_" for @{ $A{$n} } }
    for my $n (sort keys %AAAA) { push @z, "$n IN AAAA $_" for @{ $AAAA{$n} } }
    push @z, "backup-mx IN A 192.0.2.26";
    for my $t (@TXT) { (my $q = $t) =~ s/"/\\"/g; push @z, qq{\@ IN TXT "$q"} }
    push @z, "alias IN CNAME www.$ZONE.";
    push @z, "outside IN CNAME target.example.";
    push @z, "_sip._tcp IN SRV 10 60 5060 sip.$ZONE.";
    push @z, "\@ IN CAA 0 issue \"ca.example\"";
    push @z, "big IN A $_" for big_addresses();
    # one TXT answer of ~2.5 kB: ten 250-byte strings
    push @z, 'bigtxt IN TXT ' . join(' ', map { '"' . (chr(96 + $_) x 250) . '"' } 1 .. 10);
    return join("\n", @z) . "\n";
}

sub new {
    my ($class, %o) = @_;
    my $named = need_binary('/usr/sbin/named', 'bind9');
    my $port = $o{port} // free_udp_tcp_port();
    my $self = Mamori::Server::new($class, name => 'named', port => $port, argv => [], %o);
    my $dir = $self->dir;
    open my $z, '>', "$dir/$ZONE.zone" or die "$dir: $!";
    print $z zone_text();
    close $z;
    open my $c, '>', "$dir/named.conf" or die "$dir: $!";
    print $c <<"EOF";
options {
    directory "$dir";
    listen-on port $port { 127.0.0.1; };
    listen-on-v6 port $port { ::1; };
    pid-file "$dir/named.pid";
    recursion no;
    dnssec-validation no;
    notify no;
    session-keyfile "$dir/session.key";
    allow-query { any; };
    // no rndc: named is stopped by pid
};
controls { };
zone "$ZONE" { type primary; file "$dir/$ZONE.zone"; };
zone "$REVERSE" { type primary; file "$dir/reverse.zone"; };
EOF
    close $c;
    open my $r, '>', "$dir/reverse.zone" or die "$dir: $!";
    print $r reverse_text();
    close $r;
    # -g: foreground, log to stderr; as root, -u keeps named from looking
    # for the Debian "bind" user (the temp dir belongs to us)
    $self->{argv} = [$named, '-g', '-c', "$dir/named.conf", $> == 0 ? ('-u', 'root') : ()];
    return $self;
}

# Start, and wait until the zone answers (the TCP port opens before the
# zone is loaded).
sub start {
    my ($self) = @_;
    $self->SUPER::start();
    my $end = time + 20;
    while (time < $end) {
        return $self if $self->answers;
        sleep 0.05;
    }
    $self->fail_start("zone $ZONE never answered on port $self->{port}");
}

# One SOA query over UDP: true when named answers it with NOERROR.
sub answers {
    my ($self) = @_;
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $self->{port}, Proto => 'udp') or return 0;
    my $q = pack('n n n n n n', 0x4d4d, 0x0100, 1, 0, 0, 0)
        . join('', map { chr(length) . $_ } split /\./, $ZONE) . "\0" . pack('n n', 6, 1);
    $s->send($q) or return 0;
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;
    select(my $rout = $rin, undef, undef, 0.5) or return 0;
    $s->recv(my $reply, 4096) // return 0;
    return length($reply) > 12 && unpack('n', $reply) == 0x4d4d && (unpack('x3 C', $reply) & 0x0f) == 0;
}

1;
