# A real SMTP server for the notifier tests: Python's aiosmtpd (Debian's
# python3-aiosmtpd) on 127.0.0.1, storing every message it accepts as one
# file in a maildir-like directory, with the envelope beside it.
#
#   my $s = Mamori::Server::Smtpd->new->start;
#   my $s = Mamori::Server::Smtpd->new(user => 'u', password => 'p')->start;   # AUTH required
#   my $s = Mamori::Server::Smtpd->new(starttls => 1)->start;   # STARTTLS required; $s->cert is its CA file
#   $s->port; my @m = $s->messages;   # [{ from, rcpt => [...], data => raw bytes }, ...] oldest first
#   $s->clear;                        # forget what arrived so far
#
# Each message is written to new/ as N.eml (the DATA bytes) and N.env
# (MAIL FROM, then one RCPT TO a line), via tmp/ and rename, so a reader
# never sees half a message.
package Mamori::Server::Smtpd;
use strict;
use warnings;
use parent 'Mamori::Server';
use Mamori::Server qw(free_port need_binary write_file);

my $PYTHON = '/usr/bin/python3';

my $SCRIPT = <<'EOF';
import asyncio, os, ssl, sys, itertools
from aiosmtpd.smtp import SMTP, AuthResult

port, box = int(sys.argv[1]), sys.argv[2]
user = os.environ.get('SMTPD_USER')
password = os.environ.get('SMTPD_PASSWORD')
cert, key = os.environ.get('SMTPD_CERT'), os.environ.get('SMTPD_KEY')
seq = itertools.count()

class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = '%020d.%06d' % (asyncio.get_event_loop().time() * 1e6, next(seq))
        for ext, data in (('eml', envelope.original_content),
                          ('env', ('\n'.join([envelope.mail_from] + list(envelope.rcpt_tos)) + '\n').encode())):
            tmp = os.path.join(box, 'tmp', n + '.' + ext)
            with open(tmp, 'wb') as f:
                f.write(data)
            os.rename(tmp, os.path.join(box, 'new', n + '.' + ext))
        return '250 OK stored'

def auth(server, session, envelope, mechanism, data):
    ok = data.login.decode() == user and data.password.decode() == password
    return AuthResult(success=ok)

kw = {}
if cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    kw.update(tls_context=ctx, require_starttls=True)
if user:
    kw.update(authenticator=auth, auth_required=True, auth_require_tls=bool(cert))
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
server = loop.run_until_complete(loop.create_server(
    lambda: SMTP(Handler(), hostname='mamori-test', **kw), host='127.0.0.1', port=port))
print('listening', port, flush=True)
loop.run_forever()
EOF

sub new {
    my ($class, %o) = @_;
    my $self = Mamori::Server::new($class, name => 'smtpd', %o);
    $self->{owner} = $$;
    $self->{port} //= free_port();
    return $self;
}

sub start {
    my ($self) = @_;
    need_binary($PYTHON, 'python3');
    system($PYTHON, '-c', 'import aiosmtpd') == 0
        or Test::More::BAIL_OUT('python3-aiosmtpd is missing: apt-get install python3-aiosmtpd');
    my $d = $self->{dir};
    mkdir "$d/box";
    mkdir "$d/box/$_" for qw(new tmp);
    write_file("$d/smtpd.py", $SCRIPT);
    my %env = (PYTHONDONTWRITEBYTECODE => 1);
    if ($self->{user}) {
        @env{qw(SMTPD_USER SMTPD_PASSWORD)} = ($self->{user}, $self->{password});
    }
    if ($self->{starttls}) {
        $self->_cert;
        @env{qw(SMTPD_CERT SMTPD_KEY)} = ($self->{cert}, $self->{key});
    }
    $self->{env} = \%env;
    $self->{argv} = [$PYTHON, "$d/smtpd.py", $self->{port}, "$d/box"];
    return $self->SUPER::start;
}

sub cert { $_[0]{cert} }

sub messages {
    my ($self) = @_;
    my $box = "$self->{dir}/box/new";
    opendir(my $dh, $box) or return ();
    my @names = sort grep { /\.eml\z/ } readdir $dh;
    closedir $dh;
    my @out;
    for my $n (@names) {
        (my $base = $n) =~ s/\.eml\z//;
        open my $e, '<:raw', "$box/$base.env" or next;
        chomp(my @env = <$e>);
        open my $f, '<:raw', "$box/$n" or next;
        local $/;
        push @out, { from => shift(@env), rcpt => \@env, data => scalar <$f>, file => "$box/$n" };
    }
    return @out;
}

sub clear {
    my ($self) = @_;
    unlink glob("$self->{dir}/box/new/*");
}

1;
