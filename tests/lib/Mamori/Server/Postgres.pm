# A private PostgreSQL 15 on 127.0.0.1 and a Unix socket in a temp dir:
# initdb (scram-sha-256 for every connection, a superuser with a password),
# then postgres in the foreground as our child.
#
#   my $pg = Mamori::Server::Postgres->new->start;
#   $pg->port, $pg->socket_dir, $pg->user, $pg->password, $pg->database
#
# PostgreSQL refuses to run as root: when the test runs as root, initdb and
# postgres run as the user `postgres` (else `nobody`) through setpriv(1).
# Options: ssl => 1 (a self-signed certificate, ssl = on; $pg->cert is the
# CA file for clients).
package Mamori::Server::Postgres;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_port need_binary write_file);

my $BIN = '/usr/lib/postgresql/15/bin';
my ($USER, $PASSWORD, $DATABASE) = ('mamori', 'mamori-pg-secret', 'mamori');

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'postgres', %o);
    $self->{port} //= free_port();
    return $self;
}

# argv prefix that drops root, and the uid/gid it drops to
sub _as_user {
    my ($self) = @_;
    return () if $> != 0;
    my ($name) = grep { defined getpwnam($_) } qw(postgres nobody);
    my ($uid, $gid) = (getpwnam($name))[2, 3];
    @$self{qw(uid gid)} = ($uid, $gid);
    return (need_binary('/usr/bin/setpriv', 'util-linux'), "--reuid=$uid", "--regid=$gid", '--clear-groups', '--');
}

sub start {
    my ($self) = @_;
    need_binary("$BIN/$_", 'postgresql-15') for qw(initdb postgres);
    my $d = $self->{dir};
    my @as = $self->_as_user;
    chmod 0755, $d;
    my $data = "$d/data";
    write_file("$d/pwfile", "$PASSWORD\n");
    if (@as) { chown $self->{uid}, $self->{gid}, $d, "$d/pwfile" }
    # -N: no fsync of the fresh cluster (a throw-away one); C locale: fast and predictable
    $self->_run('initdb', @as, "$BIN/initdb", '-D', $data, '-U', $USER, "--pwfile=$d/pwfile",
                '--auth=scram-sha-256', '-N', '--no-instructions', '--locale=C', '-E', 'UTF8');
    my $ssl = '';
    if ($self->{ssl}) {
        $self->_cert;
        system('cp', $self->{cert}, "$data/server.crt");
        system('cp', $self->{key}, "$data/server.key");
        chmod 0600, "$data/server.key";
        chown $self->{uid}, $self->{gid}, "$data/server.crt", "$data/server.key" if @as;
        $ssl = "ssl = on\n";
    }
    open my $conf, '>>', "$data/postgresql.conf" or $self->fail_start("postgresql.conf: $!");
    print $conf "listen_addresses = '127.0.0.1'\nport = $self->{port}\nunix_socket_directories = '$d'\n",
        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 16MB\n",
        "max_connections = 40\nlogging_collector = off\n$ssl";
    close $conf;
    $self->{argv} = [@as, "$BIN/postgres", '-D', $data];
    $self->SUPER::start();
    # the port answers before the socket file may exist
    my $end = time + 10;
    select(undef, undef, undef, 0.05) until -S $self->socket || time > $end;
    -S $self->socket or $self->fail_start('no socket ' . $self->socket);
    $self->psql("CREATE DATABASE $DATABASE");
    return $self;
}

# Run argv with its output in DIR/NAME.log; fail the start when it fails.
sub _run {
    my ($self, $name, @argv) = @_;
    my $log = "$self->{dir}/$name.log";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log;
        open STDERR, '>&', \*STDOUT;
        $ENV{PGPASSWORD} = $PASSWORD;
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    $? == 0 or $self->fail_start("$name failed (exit " . ($? >> 8) . ")");
}

# Run SQL as the superuser through psql over the socket.
sub psql {
    my ($self, $sql, $db) = @_;
    $self->_run('psql', "$BIN/psql", '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', $self->{dir},
                '-p', $self->{port}, '-U', $USER, '-d', $db // 'postgres', '-c', $sql);
}

# SIGINT: the "fast" shutdown, which ends open sessions (SIGTERM would wait
# for them); then the base class's TERM/KILL and reaping.
sub stop {
    my ($self) = @_;
    return if ($self->{owner} // $$) != $$;
    kill 'INT', $self->{pid} if $self->{pid};
    $self->SUPER::stop();
}

sub user { $USER }
sub password { $PASSWORD }
sub database { $DATABASE }
sub socket_dir { $_[0]{dir} }
sub socket { "$_[0]{dir}/.s.PGSQL.$_[0]{port}" }
sub cert { $_[0]{cert} }

1;
