# One HTTP/1.x request read from a plain or TLS socket by the tests' fake
# providers (FakeAws, FakeChat, FakeTwilio): request line, headers in the
# order sent, body by Content-Length, all before a deadline.
package Mamori::HttpRequest;
use strict;
use warnings;
use IO::Select;
use IO::Socket::SSL;
use Time::HiRes qw(time);

# { method, target, path, query, headers => [[name, value] ...], body },
# or undef when the peer closed, sent no HTTP request, or the time ran out.
sub read {
    my ($c, $end) = @_;
    my $buf = '';
    my $sel = IO::Select->new($c);
    my $wait = sub {
        while (time < $end) {
            return 1 if ($c->can('pending') && $c->pending) || $sel->can_read(0.2);
        }
        return 0;
    };
    my $more = sub {
        while (1) {
            $wait->() or return 0;
            my $n = sysread($c, my $chunk, 65536);
            next if !defined $n && ref $c ne 'IO::Socket::INET' && $IO::Socket::SSL::SSL_ERROR == SSL_WANT_READ;
            return 0 unless $n;
            $buf .= $chunk;
            return 1;
        }
    };
    until ($buf =~ /\r\n\r\n/) { $more->() or return }
    my ($head) = split /\r\n\r\n/, $buf, 2;
    my ($line, @lines) = split /\r\n/, $head;
    my ($method, $target) = $line =~ m{^(\S+) (\S+) HTTP/1\.[01]$} or return;
    my @h = map { /^([^:]+):[ \t]*(.*?)[ \t]*$/ ? [$1, $2] : () } @lines;
    my ($len) = map { $_->[1] } grep { lc $_->[0] eq 'content-length' } @h;
    my $start = length($head) + 4;
    while (length($buf) - $start < ($len // 0)) { $more->() or return }
    my ($path, $query) = split /\?/, $target, 2;
    return { method => $method, target => $target, path => $path, query => $query // '', headers => \@h,
             body => substr($buf, $start) };
}

1;
