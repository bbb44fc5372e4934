# The rig of the event handler tests: a real sshd on loopback as the
# "remote" host (its test key and known_hosts), a private state dir, a
# runbook dir for the tests' runbook files, the recording notifier, and a
# recover.ini tying them together.
#
#   my $rig = Mamori::RecoverRig->new;
#   $rig->runbook('http', $ini_text);
#   my $r = $rig->recover('http', '--state', 'CRITICAL', ...);   # --foreground
package Mamori::RecoverRig;
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;
use JSON::PP ();
use Mamori::Test ();
use Mamori::Server qw(write_file);
use Mamori::Server::Sshd;
use Mamori::Recorder qw(read_jsonl);

sub new {
    my ($class, %o) = @_;
    my $build = $ENV{MAMORI_BUILD} // die 'MAMORI_BUILD is not set';
    my $bin = "$build/handlers/recover";
    -x $bin or BAIL_OUT("$bin is not built (make first; it needs inih: libinih-dev)");
    my $t = tempdir('mamori-recover-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $self = bless { t => $t, bin => $bin, build => $build, state => "$t/state", rbdir => "$t/runbooks" }, $class;
    mkdir $self->{rbdir};
    $self->{rec} = Mamori::Recorder->new($t);
    $self->{sshd} = Mamori::Server::Sshd->new->start;
    write_file("$t/empty_known_hosts", '');
    $self->config(%o);
    return $self;
}

sub t { $_[0]{t} }
sub rec { $_[0]{rec} }
sub sshd { $_[0]{sshd} }
sub bin { $_[0]{bin} }
sub build { $_[0]{build} }

# recover.ini: the test sshd, the recorder on both levels, a short policy.
sub config {
    my ($self, %o) = @_;
    my $s = $self->{sshd};
    my $rec = $self->{rec}->path;
    my $kh = $o{known_hosts} // $s->known_hosts;
    my $file = "$self->{t}/" . ($o{file} // 'recover.ini');
    my $hosts = $o{hosts} // '';
    write_file($file, <<"EOF");
[ssh]
user = root
port = ${\ $s->port}
key = ${\ $s->client_key}
known_hosts = $kh
timeout = 10
command_timeout = 20

[policy]
soft_attempt = 3
max_restarts = ${\ ($o{max_restarts} // 3)}
cycles = ${\ ($o{cycles} // 3)}
cycle = 60
deadline = 90

[notify]
level1 = $rec 1 \${OUTCOME} \${HOST} \${SERVICE} \${ACTION} \${SUMMARY}
level2 = $rec 2 \${OUTCOME} \${HOST} \${SERVICE} \${ACTION} \${SUMMARY}
timeout = 10
$hosts
EOF
    $self->{config} = $file unless $o{file};
    return $file;
}

sub runbook {
    my ($self, $name, $text) = @_;
    write_file("$self->{rbdir}/$name.ini", $text);
}

# recover --runbook NAME --foreground with the rig's config; extra args after.
sub recover {
    my ($self, $rb, @args) = @_;
    my %o = ref $args[-1] eq 'HASH' ? %{ pop @args } : ();
    my @argv = ($o{argv0} // $self->{bin}, ($o{argv0} ? () : ('--runbook', $rb)),
                '-C', $o{config} // $self->{config}, '--runbook-dir', $self->{rbdir},
                ($o{detach} ? () : '--foreground'), @args);
    return Mamori::Test::run_prog(\@argv, env => { MAMORI_STATE_DIR => $self->{state}, %{ $o{env} // {} } },
                    timeout => $o{timeout} // 120);
}

# The argv of a recover run, for tests that start it themselves.
sub argv {
    my ($self, $rb, @args) = @_;
    return ($self->{bin}, '--runbook', $rb, '-C', $self->{config}, '--runbook-dir', $self->{rbdir},
            '--foreground', @args);
}

sub state_dir { $_[0]{state} }
sub audit { read_jsonl("$_[0]{state}/recover.audit.jsonl") }
# audit lines of one service (and step, when given)
sub audit_of {
    my ($self, $service, $step) = @_;
    return grep { $_->{service} eq $service && (!defined $step || $_->{step} eq $step) } $self->audit;
}

# the incident state of HOST SERVICE (recover --status)
sub status {
    my ($self, $host, $service) = @_;
    my $r = Mamori::Test::run_prog([$self->{bin}, '-C', $self->{config}, '--status', $host, $service],
                     env => { MAMORI_STATE_DIR => $self->{state} });
    return eval { JSON::PP::decode_json($r->{out}) };
}

sub count_lines {
    my ($file) = @_;
    open my $f, '<', $file or return 0;
    my @l = <$f>;
    return scalar @l;
}

1;
