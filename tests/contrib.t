# The engine definitions each program prints (--definition=icinga2|nagios,
# what contrib/ is generated from) are accepted by the real engines:
# `icinga2 daemon -C` and `nagios4 -v`, with a service for every command.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Mamori::Test;
use Mamori::Server qw(need_binary write_file);

my $build = $ENV{MAMORI_BUILD} // '.';
my $ICINGA2 = '/usr/sbin/icinga2';
my $NAGIOS = '/usr/sbin/nagios4';
need_binary($ICINGA2);
need_binary($NAGIOS);

opendir(my $dh, "$build/plugins") or die "$build/plugins: $!";
my @programs = sort grep { /^check_\w+\z/ && -x "$build/plugins/$_" && !-d _ } readdir $dh;
closedir $dh;
ok(@programs >= 20, scalar(@programs) . ' plugins to define');

my (%icinga, %nagios, @defined);
for my $p (@programs) {
    for my $kind (qw(icinga2 nagios)) {
        my $r = run_prog(["$build/plugins/$p", "--definition=$kind"]);
        is($r->{exit}, 0, "$p --definition=$kind exits 0") or diag($r->{err});
        ($kind eq 'icinga2' ? \%icinga : \%nagios)->{$p} = $r->{out};
    }
    (my $short = $p) =~ s/^check_//;
    # the engines below get only what printed a definition and nothing else
    push @defined, $p if $icinga{$p} =~ /\Aobject / && $nagios{$p} =~ /\Adefine /
        && !grep { !/^object|^define|^\s|^\}|^$/ } split /\n/, $icinga{$p} . $nagios{$p};
    like($icinga{$p}, qr/^object CheckCommand "mamori_\Q$short\E" \{$/m, "$p: an Icinga 2 CheckCommand");
    like($icinga{$p}, qr{command = \[ MamoriPluginDir \+ "/\Q$p\E" \]}, "$p: its command");
    like($nagios{$p}, qr/command_name\tmamori_\Q$p\E$/m, "$p: a Nagios command");
    # every long option of --help is an argument of the CheckCommand
    my $help = run_prog(["$build/plugins/$p", '--help'])->{out};
    for my $o ($help =~ /^\s+(?:-\w, )?--([\w-]+)/mg) {
        next if $o eq 'help' || $o eq 'version';
        like($icinga{$p}, qr/"--\Q$o\E" = \{/, "$p: --$o is an argument");
    }
}
# a bad kind is refused, and the option is not taken for anything else
my $bad = run_prog(["$build/plugins/check_load", '--definition=puppet']);
is($bad->{exit}, 3, '--definition=puppet: exit 3');

# Icinga 2: the commands, a host, and a service per command with a value
# for every variable kind, validated by the real daemon.
{
    my $d = tempdir('icinga2-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$d/$_" for qw(lib log cache spool run zones.d);
    my $services = join '', map {
        (my $s = $_) =~ s/^check_//;
        "object Service \"$s\" {\n\thost_name = \"web1\"\n\tcheck_command = \"mamori_$s\"\n"
          . "\tvars.mamori_${s}_verbose = true\n}\n"
    } @defined;
    write_file("$d/commands.conf", join "\n", map { $icinga{$_} } @defined);
    write_file("$d/icinga2.conf", <<"EOF");
const MamoriPluginDir = "$build/plugins"
include "commands.conf"
object Host "web1" {
	address = "127.0.0.1"
	check_command = "mamori_ping"
}
$services
EOF
    my $r = run_prog([$ICINGA2, 'daemon', '-C', '-c', "$d/icinga2.conf",
                      "-DConfigDir=$d", "-DDataDir=$d/lib", "-DLogDir=$d/log", "-DCacheDir=$d/cache",
                      "-DSpoolDir=$d/spool", "-DInitRunDir=$d/run", "-DZonesDir=$d/zones.d",
                      '-DRunAsUser=root', '-DRunAsGroup=root'], timeout => 120);
    is($r->{exit}, 0, 'icinga2 daemon -C accepts every CheckCommand') or diag($r->{out} . $r->{err});
    like($r->{out}, qr/Finished validating the configuration/, 'icinga2 validated it');
    my $n = () = $r->{out} =~ /(\d+) Services?\./;
    like($r->{out}, qr/\b@{[ scalar @defined ]} Services\b/, 'one service per command');
}

# Nagios 4: the commands and a service using each, validated with -v.
{
    my $d = tempdir('nagios-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$d/$_" for qw(rw tmp spool spool/checkresults);
    write_file("$d/commands.cfg", join "\n", map { $nagios{$_} } @defined);
    my $services = join '', map {
        "define service {\n\thost_name\tweb1\n\tservice_description\t$_\n"
          . "\tcheck_command\tmamori_$_!-t 10\n\tuse\tgeneric\n}\n"
    } @defined;
    write_file("$d/objects.cfg", <<"EOF");
define timeperiod {
	timeperiod_name	always
	alias	always
	sunday	00:00-24:00
	monday	00:00-24:00
	tuesday	00:00-24:00
	wednesday	00:00-24:00
	thursday	00:00-24:00
	friday	00:00-24:00
	saturday	00:00-24:00
}
define command {
	command_name	notify-none
	command_line	/bin/true
}
define contact {
	contact_name	ops
	host_notifications_enabled	0
	service_notifications_enabled	0
	host_notification_period	always
	service_notification_period	always
	host_notification_options	n
	service_notification_options	n
	host_notification_commands	notify-none
	service_notification_commands	notify-none
}
define host {
	host_name	web1
	address	127.0.0.1
	check_command	mamori_check_ping!-w 100,20% -c 500,60%
	max_check_attempts	3
	check_period	always
	notification_period	always
	contacts	ops
}
define service {
	name	generic
	register	0
	max_check_attempts	3
	check_interval	5
	retry_interval	1
	check_period	always
	notification_period	always
	contacts	ops
}
$services
EOF
    write_file("$d/nagios.cfg", <<"EOF");
cfg_file=$d/commands.cfg
cfg_file=$d/objects.cfg
log_file=$d/nagios.log
lock_file=$d/nagios.lock
temp_file=$d/tmp/nagios.tmp
temp_path=$d/tmp
status_file=$d/status.dat
command_file=$d/rw/nagios.cmd
query_socket=$d/rw/nagios.qh
check_result_path=$d/spool/checkresults
state_retention_file=$d/retention.dat
retain_state_information=0
nagios_user=root
nagios_group=root
illegal_macro_output_chars=`~\$&|'"<>
EOF
    my $r = run_prog([$NAGIOS, '-v', "$d/nagios.cfg"], timeout => 60);
    is($r->{exit}, 0, 'nagios4 -v accepts every command') or diag($r->{out});
    like($r->{out}, qr/Total Errors:\s+0/, 'no errors');
    like($r->{out}, qr/Checked @{[ scalar @defined ]} services/, 'one service per command');
}

done_testing;
