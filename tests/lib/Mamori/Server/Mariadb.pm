# A private MariaDB on 127.0.0.1 and a Unix socket in a temp dir:
# mariadb-install-db into a temp datadir, then mariadbd in the foreground as
# our child; an init file creates a test user with a password (grant tables
# are on: wrong passwords are refused as on a real server) and a database.
#
#   my $db = Mamori::Server::Mariadb->new->start;
#   $db->port, $db->socket, $db->user, $db->password, $db->database
#
# mariadbd refuses to run as root unless told --user=root: given when the
# test runs as root. Options: ssl => 1 (a self-signed certificate; $db->cert
# is the CA file for clients), args => [...] (more mariadbd options).
package Mamori::Server::Mariadb;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_port need_binary write_file);

my ($INSTALL, $MARIADBD) = ('/usr/bin/mariadb-install-db', '/usr/sbin/mariadbd');
my ($USER, $PASSWORD, $DATABASE) = ('mamori', 'mamori-my-secret', 'mamori');

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'mariadb', %o);
    $self->{port} //= free_port();
    return $self;
}

sub start {
    my ($self) = @_;
    need_binary($INSTALL, 'mariadb-server');
    need_binary($MARIADBD, 'mariadb-server');
    my $d = $self->{dir};
    my @root = $> == 0 ? ('--user=root') : ();
    # the system tables only, no test db, no name resolution; no my.cnf anywhere
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$d/install.log";
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec';
          exec $INSTALL, '--no-defaults', "--datadir=$d/data", @root, '--skip-test-db', '--skip-name-resolve',
              '--auth-root-authentication-method=socket', '--innodb-buffer-pool-size=8M'; }
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    $? == 0 or $self->fail_start('mariadb-install-db failed');
    write_file("$d/init.sql", <<"EOF");
CREATE DATABASE IF NOT EXISTS $DATABASE;
CREATE USER IF NOT EXISTS '$USER'\@'%' IDENTIFIED BY '$PASSWORD';
CREATE USER IF NOT EXISTS '$USER'\@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL ON $DATABASE.* TO '$USER'\@'%';
GRANT ALL ON $DATABASE.* TO '$USER'\@'localhost';
GRANT PROCESS ON *.* TO '$USER'\@'%';
GRANT PROCESS ON *.* TO '$USER'\@'localhost';
EOF
    my @ssl;
    if ($self->{ssl}) {
        $self->_cert;
        @ssl = ("--ssl-cert=$self->{cert}", "--ssl-key=$self->{key}");
    }
    $self->{argv} = [$MARIADBD, '--no-defaults', "--datadir=$d/data", @root, '--bind-address=127.0.0.1',
                     "--port=$self->{port}", "--socket=" . $self->socket, "--pid-file=$d/mariadbd.pid",
                     "--log-error=$d/mariadbd.log", "--init-file=$d/init.sql", '--skip-name-resolve',
                     '--innodb-buffer-pool-size=8M', '--innodb-log-file-size=4M', '--skip-log-bin',
                     '--innodb-flush-log-at-trx-commit=0', '--performance-schema=off', '--max-connections=40',
                     @ssl, @{ $self->{args} // [] }];
    $self->SUPER::start();
    # the init file runs before the port opens; the socket comes with it
    -S $self->socket or $self->fail_start('no socket ' . $self->socket);
    return $self;
}

sub user { $USER }
sub password { $PASSWORD }
sub database { $DATABASE }
sub socket { "$_[0]{dir}/mariadb.sock" }
sub cert { $_[0]{cert} }

1;
