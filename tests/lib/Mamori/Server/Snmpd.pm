# A private net-snmp snmpd on 127.0.0.1 (UDP), in the foreground as our
# child, its config and persistent dir (SNMP_PERSISTENT_DIR) in a temp dir.
#
#   my $s = Mamori::Server::Snmpd->new->start;
#   $s->port; $s->community; $s->v3_user; $s->v3_auth; $s->v3_priv;
#
# It answers a v1/v2c read-only community and SNMPv3 users with the same
# passphrases: v3_user (authPriv, SHA + AES), v3_user."md5" (MD5 + DES),
# v3_user."512" (SHA-512 + AES-256), v3_user."256" (authNoPriv, SHA-256),
# and serves the LAN Manager service table of Windows' SNMP
# service (svSvcTable, 1.3.6.1.4.1.77.1.2.3.1) through a `pass` script
# written here, so that --mode winservice meets a real agent. Options:
# services => [[NAME, STATE], ...] (1 active, 2 continue-pending,
# 3 pause-pending, 4 paused), procs => ["snmpd", ...] (UCD prTable "proc"
# lines), config => extra snmpd.conf lines.
package Mamori::Server::Snmpd;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_port need_binary write_file);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my $SNMPD = '/usr/sbin/snmpd';
my $COMMUNITY = 'mamori-ro-test';
my ($V3_USER, $V3_AUTH, $V3_PRIV) = ('mamoriv3', 'mamori-auth-pass', 'mamori-priv-pass');

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'snmpd', %o);
    $self->{owner} = $$;
    $self->{port} //= free_port('udp');
    $self->{services} //= [['Spooler', 1], ['Netlogon', 1], ['W32Time', 4], ['Remote Registry', 2]];
    $self->{procs} //= ['snmpd'];
    $self->{no_wait} = 1;   # UDP: start() waits with an SNMP request instead
    return $self;
}

# The pass script: GET (-g) and GETNEXT (-n) over the service table,
# indexed as Windows indexes it (length, then the name's octets).
my $PASS = <<'PERL';
#!/usr/bin/perl
use strict;
use warnings;
my $base = '.1.3.6.1.4.1.77.1.2.3.1';
my @svc = (
__ROWS__);
my %t;
for my $s (@svc) {
    my $idx = join '.', length($s->[0]), map { ord } split //, $s->[0];
    $t{"$base.1.$idx"} = ['string', $s->[0]];
    $t{"$base.2.$idx"} = ['integer', 3];
    $t{"$base.3.$idx"} = ['integer', $s->[1]];
}
sub cmp_oid {
    my @a = split /\./, substr($_[0], 1);
    my @b = split /\./, substr($_[1], 1);
    while (@a && @b) { my $c = shift(@a) <=> shift(@b); return $c if $c }
    return @a <=> @b;
}
my ($op, $oid) = @ARGV;
$oid //= '';
if ($op eq '-g') {
    print "$oid\n$t{$oid}[0]\n$t{$oid}[1]\n" if $t{$oid};
} elsif ($op eq '-n') {
    for my $k (sort { cmp_oid($a, $b) } keys %t) {
        if (cmp_oid($k, $oid) > 0) { print "$k\n$t{$k}[0]\n$t{$k}[1]\n"; last }
    }
}
PERL

sub start {
    my ($self) = @_;
    need_binary($SNMPD, 'snmpd');
    my $d = $self->{dir};
    mkdir "$d/persist", 0700;
    my $rows = join '', map { my ($n, $s) = @$_; $n =~ s/(['\\])/\\$1/g; "    ['$n', $s],\n" } @{ $self->{services} };
    (my $script = $PASS) =~ s/__ROWS__/$rows/;
    write_file("$d/svc-pass.pl", $script);
    chmod 0755, "$d/svc-pass.pl";
    my $conf = <<"CONF";
rocommunity $COMMUNITY 127.0.0.1
createUser $V3_USER SHA "$V3_AUTH" AES "$V3_PRIV"
rouser $V3_USER priv
createUser ${V3_USER}md5 MD5 "$V3_AUTH" DES "$V3_PRIV"
rouser ${V3_USER}md5 priv
createUser ${V3_USER}512 SHA-512 "$V3_AUTH" AES-256 "$V3_PRIV"
rouser ${V3_USER}512 priv
createUser ${V3_USER}256 SHA-256 "$V3_AUTH"
rouser ${V3_USER}256 auth
pass .1.3.6.1.4.1.77.1.2.3 /usr/bin/perl $d/svc-pass.pl
CONF
    $conf .= "proc $_\n" for @{ $self->{procs} };
    $conf .= $self->{config} // '';
    write_file("$d/snmpd.conf", $conf);
    # -C: only this config; -Lo: log to stdout (our log file); MIBS empty:
    # Debian ships no IETF MIBs, and the agent would complain about each
    $self->{env} = { SNMP_PERSISTENT_DIR => "$d/persist", MIBS => '', %{ $self->{env} // {} } };
    $self->{argv} = [$SNMPD, '-f', '-Lo', '-C', '-c', "$d/snmpd.conf", '-p', "$d/snmpd.pid",
                     "udp:127.0.0.1:$self->{port}"];
    $self->SUPER::start();
    $self->wait_ready(20) or $self->fail_start("no SNMP answer on udp port $self->{port}");
    return $self;
}

# BER of a v2c GET of sysUpTime.0: enough to know that the agent answers.
sub _probe_packet {
    my ($community) = @_;
    my $tlv = sub { my ($t, $v) = @_; return chr($t) . chr(length $v) . $v };
    my $vb = $tlv->(0x30, $tlv->(0x30, "\x06\x08\x2b\x06\x01\x02\x01\x01\x03\x00\x05\x00"));
    my $pdu = $tlv->(0xa0, "\x02\x01\x01\x02\x01\x00\x02\x01\x00" . $vb);
    return $tlv->(0x30, "\x02\x01\x01" . $tlv->(0x04, $community) . $pdu);
}

sub wait_ready {
    my ($self, $limit) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port}, Proto => 'udp') or return 0;
    my $sel = IO::Select->new($sock);
    my $end = time + $limit;
    while (time < $end) {
        return 0 unless kill 0, $self->{pid};
        $sock->send(_probe_packet($COMMUNITY));
        if ($sel->can_read(0.2)) {
            my $buf;
            return 1 if defined $sock->recv($buf, 4096) && length $buf;
        }
    }
    return 0;
}

sub community { $COMMUNITY }
sub v3_user { $V3_USER }
sub v3_auth { $V3_AUTH }
sub v3_priv { $V3_PRIV }

1;
