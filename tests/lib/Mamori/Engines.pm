# Real monitoring engines for the end-to-end tests: Debian's Nagios 4
# (/usr/sbin/nagios4) and Icinga 2 (/usr/sbin/icinga2) run as root from a
# private temp dir with intervals in seconds (see tests/e2e_*.t).
#
# The object definitions are the ones the build generates
# (BUILD/contrib/nagios/mamori-commands.cfg, BUILD/contrib/icinga2/
# mamori-constants.conf + mamori-commands.conf). They name the configured
# plugindir, where nothing is installed during `make check`; and in the
# build tree the programs live in three dirs (plugins/, handlers/,
# notifiers/). So the test makes one dir of symlinks to every built program
# (progdir) and rewrites the plugindir prefix to it: the only change made
# to the generated text.
#
#   my $lib = Mamori::Engines::progdir($t);                 # $t/libexec
#   my $cfg = Mamori::Engines::nagios_commands($lib);       # text
#   my $ng  = Mamori::Engines::Nagios->new(objects => $text, env => {...})->start;
#   $ng->wait_log(qr/SERVICE ALERT: .*;OK;HARD/, 30);  $ng->log;  $ng->stop;
#   my $ic  = Mamori::Engines::Icinga2->new(conf => $text, env => {...})->start;
package Mamori::Engines;
use strict;
use warnings;
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Test::More;
use Mamori::Server qw(need_binary write_file);

sub build { $ENV{MAMORI_BUILD} // die 'MAMORI_BUILD is not set' }

sub slurp {
    my ($f) = @_;
    open my $h, '<', $f or return '';
    local $/;
    return scalar <$h>;
}

# A dir of symlinks to every built program, named as installed.
sub progdir {
    my ($t) = @_;
    my $b = build();
    my $dir = "$t/libexec";
    mkdir $dir;
    my $n = 0;
    for my $sub (qw(plugins handlers notifiers)) {
        opendir my $d, "$b/$sub" or BAIL_OUT("$b/$sub: $! (make first)");
        for my $f (sort readdir $d) {
            next unless $f =~ /^(check|recover|notify)(_\w+)?\z/ && -x "$b/$sub/$f" && !-d _;
            symlink("$b/$sub/$f", "$dir/$f") or die "symlink $f: $!";
            $n++;
        }
    }
    BAIL_OUT("no programs in $b (make first)") if $n < 10;
    return $dir;
}

# The plugindir configure baked into the definitions.
sub plugindir {
    my $c = slurp(build() . '/contrib/icinga2/mamori-constants.conf');
    my ($d) = $c =~ /^const MamoriPluginDir = "([^"]+)"/m
        or BAIL_OUT('no MamoriPluginDir in BUILD/contrib/icinga2/mamori-constants.conf (make first)');
    return $d;
}

sub generated {
    my ($rel, $lib) = @_;
    my $text = slurp(build() . "/$rel");
    length $text or BAIL_OUT("BUILD/$rel is missing (make first)");
    my $pd = plugindir();
    my $n = $text =~ s{\Q$pd\E(?=[/"])}{$lib}g;
    BAIL_OUT("BUILD/$rel does not name $pd") unless $n;
    return $text;
}

sub nagios_commands { generated('contrib/nagios/mamori-commands.cfg', $_[0]) }
sub icinga2_constants { generated('contrib/icinga2/mamori-constants.conf', $_[0]) }
sub icinga2_commands { slurp(build() . '/contrib/icinga2/mamori-commands.conf') }

# ---- common: a daemon we fork in the foreground, its log ----
package Mamori::Engines::Base;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);

sub dir { $_[0]{dir} }
sub log { Mamori::Engines::slurp($_[0]{logfile}) }
sub pid { $_[0]{pid} }

# wait until the log matches; returns the match (list context: captures)
sub wait_log {
    my ($self, $re, $limit) = @_;
    my $end = time + ($limit // 30);
    while (time < $end) {
        my @m = $self->log =~ $re;
        return wantarray ? @m : 1 if @m;
        Test::More::BAIL_OUT("$self->{name} died:\n" . substr($self->log . Mamori::Engines::slurp("$self->{dir}/daemon.out"), -3000))
            if waitpid($self->{pid}, WNOHANG) == $self->{pid};
        sleep 0.1;
    }
    return;
}

sub _spawn {
    my ($self, @argv) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$self->{dir}/daemon.out";
        open STDERR, '>&', \*STDOUT;
        setpgrp(0, 0);
        %ENV = (%ENV, %{ $self->{env} // {} });
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    $self->{owner} = $$;
}

# TERM the engine's process group (its workers and checks), then KILL.
sub stop {
    my ($self) = @_;
    return if !$self->{pid} || $self->{owner} != $$;
    my $pid = delete $self->{pid};
    kill 'TERM', -$pid;
    my $end = time + 10;
    while (time < $end) {
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'KILL', -$pid;
    waitpid($pid, 0);
}

sub DESTROY { $_[0]->stop }

# ---- Nagios 4 ----
package Mamori::Engines::Nagios;
our @ISA = ('Mamori::Engines::Base');
use Mamori::Server qw(need_binary write_file);

my $NAGIOS = '/usr/sbin/nagios4';

# new(objects => TEXT (cfg_file), main => EXTRA nagios.cfg lines, env => {})
sub new {
    my ($class, %o) = @_;
    need_binary($NAGIOS, 'nagios4-core');
    my $d = File::Temp::tempdir('mamori-nagios-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$d/$_" for qw(spool spool/checkresults rw tmp);
    my $self = bless { %o, name => 'nagios', dir => $d, logfile => "$d/nagios.log" }, $class;
    write_file("$d/objects.cfg", $o{objects});
    write_file("$d/nagios.cfg", <<"EOF" . ($o{main} // ''));
log_file=$d/nagios.log
cfg_file=$d/objects.cfg
object_cache_file=$d/objects.cache
precached_object_file=$d/objects.precache
resource_file=$d/resource.cfg
status_file=$d/status.dat
status_update_interval=5
nagios_user=root
nagios_group=root
check_external_commands=1
command_file=$d/rw/nagios.cmd
lock_file=$d/nagios.lock
temp_file=$d/nagios.tmp
temp_path=$d/tmp
check_result_path=$d/spool/checkresults
query_socket=$d/rw/nagios.qh
retain_state_information=0
state_retention_file=$d/retention.dat
use_syslog=0
log_notifications=1
log_service_retries=1
log_event_handlers=1
log_external_commands=1
log_passive_checks=1
interval_length=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_concurrent_checks=0
check_result_reaper_frequency=1
max_check_result_reaper_time=5
enable_notifications=1
enable_event_handlers=1
enable_environment_macros=1
enable_flap_detection=0
event_handler_timeout=30
notification_timeout=30
service_check_timeout=30
host_check_timeout=30
illegal_macro_output_chars=`~\$&|'"<>
date_format=iso8601
EOF
    write_file("$d/resource.cfg", "\$USER1\$=/nonexistent\n");
    return $self;
}

# nagios4 -v: (exit, output)
sub verify {
    my ($self) = @_;
    my $out = `$NAGIOS -v $self->{dir}/nagios.cfg 2>&1`;
    return ($? >> 8, $out);
}

sub start {
    my ($self) = @_;
    # foreground (no -d): our child, no lock file; see ENGINES.md
    $self->_spawn($NAGIOS, "$self->{dir}/nagios.cfg");
    $self->wait_log(qr/Successfully launched command file worker|started up successfully|Nagios \d\S* starting/, 20)
        or Test::More::BAIL_OUT("nagios did not start:\n" . $self->log . Mamori::Engines::slurp("$self->{dir}/daemon.out"));
    return $self;
}

sub command {
    my ($self, $line) = @_;
    open my $f, '>>', "$self->{dir}/rw/nagios.cmd" or die "command file: $!";
    printf $f "[%d] %s\n", time, $line;
    close $f;
}

# ---- Icinga 2 ----
package Mamori::Engines::Icinga2;
our @ISA = ('Mamori::Engines::Base');
use Mamori::Server qw(need_binary write_file);

my $ICINGA = '/usr/sbin/icinga2';

# new(conf => TEXT after the features, env => {})
sub new {
    my ($class, %o) = @_;
    need_binary($ICINGA, 'icinga2-bin');
    my $d = File::Temp::tempdir('mamori-icinga2-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$d/$_" for qw(lib log cache spool run zones.d);
    my $self = bless { %o, name => 'icinga2', dir => $d, logfile => "$d/log/icinga2.log" }, $class;
    write_file("$d/icinga2.conf", <<"EOF" . $o{conf});
include <itl>
object FileLogger "main-log" {
  severity = "notice"
  path = "$d/log/icinga2.log"
}
object CheckerComponent "checker" { }
object NotificationComponent "notification" { enable_ha = false }
EOF
    return $self;
}

sub defines {
    my $d = $_[0]{dir};
    return ('-c', "$d/icinga2.conf", "-DConfigDir=$d", "-DDataDir=$d/lib", "-DLogDir=$d/log", "-DCacheDir=$d/cache",
            "-DSpoolDir=$d/spool", "-DInitRunDir=$d/run", "-DZonesDir=$d/zones.d", '-DRunAsUser=root',
            '-DRunAsGroup=root');
}

sub verify {
    my ($self) = @_;
    my $pid = open(my $p, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec $ICINGA, 'daemon', '-C', $self->defines; }
        POSIX::_exit(127);
    }
    local $/;
    my $out = <$p>;
    close $p;
    return ($? >> 8, $out);
}

sub start {
    my ($self) = @_;
    $self->_spawn($ICINGA, 'daemon', $self->defines);
    $self->wait_log(qr/Icinga application loader|Activated all objects|Checker component/, 30)
        or Test::More::BAIL_OUT("icinga2 did not start:\n" . $self->log . Mamori::Engines::slurp("$self->{dir}/daemon.out"));
    return $self;
}

1;
