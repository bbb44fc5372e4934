# Helpers for the event handler tests (tests/recover*.t):
#  - a recording notifier: a script that appends its argv as one JSON line,
#    so a test sees which level (1 recovered, 2 escalation) was sent, how
#    often, with what values;
#  - start scripts for real daemons: the test's runbook file points the
#    restart command at one; it starts the daemon's foreground argv in the
#    background, writes its pid and counts the starts;
#  - killing a daemon and waiting until it is gone.
package Mamori::Recorder;
use strict;
use warnings;
use Exporter 'import';
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Mamori::Server qw(write_file);

our @EXPORT_OK = qw(start_script kill_pid pid_from gone read_jsonl);

sub new {
    my ($class, $dir) = @_;
    my $self = bless { dir => $dir, log => "$dir/notify.log", path => "$dir/notify" }, $class;
    write_file($self->{path}, <<"EOF");
#!/usr/bin/perl
use JSON::PP;
open my \$f, '>>', '$self->{log}' or die \$!;
print \$f JSON::PP->new->canonical->encode([\@ARGV]), "\\n";
close \$f;
EOF
    chmod 0755, $self->{path};
    return $self;
}

sub path { $_[0]{path} }
# Every call so far: [argv...] each.
sub calls { read_jsonl($_[0]{log}) }
# Calls whose first argument (the level) is $level.
sub level { my ($self, $level) = @_; return grep { $_->[0] eq $level } $self->calls }
sub clear { unlink $_[0]{log} }

sub read_jsonl {
    my ($file) = @_;
    open my $f, '<', $file or return wantarray ? () : 0;
    my @out;
    while (my $l = <$f>) { push @out, JSON::PP::decode_json($l) }
    return @out;
}

sub _q { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'" }

# A shell script that starts argv in the background (env set), writes the
# pid to $pidfile and appends a line to $counter; with delay it sleeps first
# (the crash test), with fail it only counts and exits 1.
sub start_script {
    my (%o) = @_;
    my $env = join '', map { "export $_=" . _q($o{env}{$_}) . "\n" } sort keys %{ $o{env} // {} };
    my $cmd = join ' ', map { _q($_) } @{ $o{argv} };
    my $body = "#!/bin/sh\n" . ($o{delay} ? "sleep $o{delay}\n" : '') . "echo start >> " . _q($o{counter}) . "\n";
    $body .= $o{fail} ? "exit 1\n"
        : "${env}$cmd </dev/null >>" . _q($o{log} // '/dev/null') . " 2>&1 &\necho \$! > " . _q($o{pidfile}) . "\n";
    write_file($o{path}, $body);
    chmod 0755, $o{path};
    return $o{path};
}

sub pid_from {
    my ($file) = @_;
    open my $f, '<', $file or return undef;
    my ($pid) = (<$f> // '') =~ /(\d+)/;
    return $pid;
}

# dead, or a zombie nobody reaps (PID 1 here may not)
sub gone {
    my ($pid) = @_;
    return 1 unless kill 0, $pid;
    open my $f, '<', "/proc/$pid/stat" or return 1;
    return (<$f> // '') =~ /\) Z /;
}

# TERM, then KILL after 5 s. Our own child is reaped (waitpid), not judged
# by /proc: a multithreaded leader shows Z before it can be waited for, and
# an unreaped child keeps its pid, which a restarted daemon (dovecot) takes
# for "already running".
sub kill_pid {
    my ($pid) = @_;
    return unless $pid;
    kill 'TERM', $pid;
    my $end = time + 5;
    while (time < $end) {
        my $w = waitpid($pid, WNOHANG);
        return if $w == $pid;
        return if $w == -1 && gone($pid);
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0) if waitpid($pid, WNOHANG) == 0;
}

1;
