# The real nginx (Debian's /usr/sbin/nginx) in a private directory: its own
# config, pid file, error log, document root and ports on 127.0.0.1, one
# plain HTTP server, one HTTPS server per certificate given, and the plain
# server on [::1] too when the host has IPv6.
#
#   my $ng = Mamori::Server::Nginx->new(
#       tls => { valid => [$cert, $key], self => [$c2, $k2, 'ssl_protocols TLSv1.2;'] });
#   $ng->file('index.html', "hello\n");            # under the document root
#   $ng->start(locations => sub { my $ng = shift; "location = /r { return 301 /; }" });
#   $ng->port; $ng->tls_port('valid'); $ng->port6 (undef without IPv6); $ng->root
#   $ng->stop;                                      # also when it goes out of scope
#
# `locations` (text, or a sub given the server so it can use the ports) goes
# into every server block. The third element of a tls entry is extra
# directives for that server (ssl_protocols, ssl_verify_client ...).
package Mamori::Server::Nginx;
use strict;
use warnings;
use parent -norequire, 'Mamori::Server';
use File::Path qw(make_path);
use IO::Socket::IP;
use Mamori::Server qw(free_port wait_port need_binary);

my $nginx = '/usr/sbin/nginx';

sub new {
    my ($class, %o) = @_;
    need_binary($nginx, 'nginx');
    my $self = Mamori::Server::new($class, name => 'nginx', %o);
    my $dir = $self->dir;
    make_path("$dir/html", "$dir/tmp");
    $self->{port} = free_port();
    $self->{tls} //= {};
    $self->{tls_ports}{$_} = free_port() for sort keys %{ $self->{tls} };
    $self->{port6} = _have_ipv6() ? free_port() : undef;
    return $self;
}

sub root { "$_[0]{dir}/html" }
sub tls_port { $_[0]{tls_ports}{ $_[1] } // die "no TLS server named $_[1]" }
sub port6 { $_[0]{port6} }

# Write a file under the document root; returns its path.
sub file {
    my ($self, $name, $content) = @_;
    my $path = $self->root . "/$name";
    (my $d = $path) =~ s{/[^/]+$}{};
    make_path($d);
    open my $f, '>:raw', $path or die "$path: $!";
    print $f $content;
    close $f or die "$path: $!";
    return $path;
}

sub _have_ipv6 {
    my $s = IO::Socket::IP->new(LocalHost => '::1', LocalPort => 0, Listen => 1, Proto => 'tcp');
    return $s ? 1 : 0;
}

sub start {
    my ($self, %o) = @_;
    my $dir = $self->dir;
    my $loc = $o{locations} // '';
    $loc = $loc->($self) if ref $loc eq 'CODE';
    my $root = $self->root;
    # As root the workers would switch to nobody, who cannot enter the
    # private (0700) directory.
    my $user = $> == 0 ? "user root root;\n" : '';
    my $conf = <<"EOF";
${user}daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$self->{port};
EOF
    $conf .= "        listen [::1]:$self->{port6};\n" if $self->{port6};
    $conf .= "        root $root;\n$loc\n    }\n";
    for my $name (sort keys %{ $self->{tls} }) {
        my ($cert, $key, $extra) = @{ $self->{tls}{$name} };
        $extra //= 'ssl_protocols TLSv1.2 TLSv1.3;';
        $conf .= <<"EOF";
    server {
        listen 127.0.0.1:$self->{tls_ports}{$name} ssl;
        ssl_certificate $cert;
        ssl_certificate_key $key;
        $extra
        root $root;
$loc
    }
EOF
    }
    $conf .= "}\n";
    open my $f, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!";
    print $f $conf;
    close $f;
    $self->{argv} = [$nginx, '-c', "$dir/nginx.conf", '-p', "$dir/", '-e', "$dir/error.log"];
    $self->{logs} = ["$dir/error.log"];
    $self->SUPER::start;
    for my $p (values %{ $self->{tls_ports} }) {
        wait_port($p, 20) or $self->fail_start("TLS port $p never answered");
    }
    if ($self->{port6}) {
        wait_port($self->{port6}, 20, '::1') or $self->fail_start("port [::1]:$self->{port6} never answered");
    }
    return $self;
}

1;
