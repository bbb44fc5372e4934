# The engine definitions: every program prints its own (--definition=
# icinga2|nagios, what the build generates contrib/'s command files from),
# the generated files hold all of them, and the real engines accept them
# with the hand-written examples: `icinga2 daemon -C` and `nagios4 -v`.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Mamori::Test;
use Mamori::Server qw(need_binary write_file);

my $build = $ENV{MAMORI_BUILD} // '.';
my $src = $ENV{MAMORI_SRC} // '.';
my $ICINGA2 = '/usr/sbin/icinga2';
my $NAGIOS = '/usr/sbin/nagios4';
need_binary($ICINGA2);
need_binary($NAGIOS);

sub slurp { my ($f) = @_; open my $h, '<', $f or die "$f: $!"; local $/; <$h> }

# every check_*, recover_* and notify_* of the build
my @programs;
for my $dir (qw(plugins handlers notifiers)) {
    opendir(my $dh, "$build/$dir") or die "$build/$dir: $!";
    push @programs, map { "$dir/$_" } sort grep { /^(?:check_\w+|recover(?:_\w+)?|notify_\w+)\z/ && -x "$build/$dir/$_" && !-d _ } readdir $dh;
    closedir $dh;
}
ok(@programs >= 40, scalar(@programs) . ' programs to define');

my %type = (check => 'CheckCommand', recover => 'EventCommand', notify => 'NotificationCommand');
for my $path (@programs) {
    (my $p = $path) =~ s{.*/}{};
    my %def;
    for my $kind (qw(icinga2 nagios)) {
        my $r = run_prog(["$build/$path", "--definition=$kind"]);
        is($r->{exit}, 0, "$p --definition=$kind exits 0") or diag($r->{err});
        $def{$kind} = $r->{out};
    }
    my ($family) = $p =~ /^(check|recover|notify)/;
    (my $short = $p) =~ s/^check_//;
    like($def{icinga2}, qr/^object $type{$family} "mamori_\Q$short\E" \{$/m, "$p: an Icinga 2 $type{$family}");
    like($def{icinga2}, qr{command = \[ MamoriPluginDir \+ "/\Q$p\E" \]}, "$p: its own command (an alias too)");
    like($def{nagios}, qr/command_name\tmamori_\Q$p\E$/m, "$p: a Nagios command");
    unlike($def{nagios}, qr/\$(?!ARG1\$)[A-Z]+\$/, "$p: no macro on the Nagios command line but \$ARG1\$");
    # every long option of --help is an argument
    my $help = run_prog(["$build/$path", '--help'])->{out};
    for my $o ($help =~ /^\s+(?:-\w, )?--([\w-]+)/mg) {
        next if $o eq 'help' || $o eq 'version';
        like($def{icinga2}, qr/"--\Q$o\E" = \{/, "$p: --$o is an argument");
    }
}
# defaults that make the commands work as they are
my $ev = run_prog(["$build/handlers/recover_http", '--definition=icinga2'])->{out};
like($ev, qr/vars\.mamori_recover_http_state_type = "\$service\.state_type\$"/, 'EventCommand: the state type by default');
my $nt = run_prog(["$build/notifiers/notify_mail", '--definition=icinga2'])->{out};
like($nt, qr/vars\.mamori_notify_mail_to = "\$user\.email\$"/, 'NotificationCommand: the user\'s address by default');
like(run_prog(["$build/plugins/check_dns", '--definition=icinga2'])->{out},
     qr/vars\.mamori_dns_hostname = "\$host\.name\$"/, 'check_dns: -H is the name to look up');
my $bad = run_prog(["$build/plugins/check_load", '--definition=puppet']);
is($bad->{exit}, 3, '--definition=puppet: exit 3');

# the generated files hold every program's definition
my $gen_icinga = slurp("$build/contrib/icinga2/mamori-commands.conf");
my $gen_nagios = slurp("$build/contrib/nagios/mamori-commands.cfg");
for my $path (@programs) {
    (my $p = $path) =~ s{.*/}{};
    (my $short = $p) =~ s/^check_//;
    like($gen_icinga, qr/"mamori_\Q$short\E" \{/, "generated Icinga 2 file: $p");
    like($gen_nagios, qr/command_name\tmamori_\Q$p\E$/m, "generated Nagios file: $p");
}
like(slurp("$build/contrib/icinga2/mamori-constants.conf"), qr/^const MamoriPluginDir = "\//m, 'constants: the plugin dir');

# Icinga 2: constants + generated commands + the example, and a service per
# CheckCommand with its event handler, validated by the real daemon
{
    my $d = tempdir('icinga2-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$d/$_" for qw(lib log cache spool run zones.d);
    my @checks = map { (my $s = $_) =~ s{.*/check_}{}; $s } grep { m{/check_} } @programs;
    my $services = join '', map {
        "object Service \"all-$_\" {\n\thost_name = \"web01\"\n\tcheck_command = \"mamori_$_\"\n"
          . "\tevent_command = \"mamori_recover_http\"\n\tvars.mamori_${_}_verbose = true\n}\n"
    } @checks;
    write_file("$d/icinga2.conf", <<"EOF");
include "$build/contrib/icinga2/mamori-constants.conf"
include "$build/contrib/icinga2/mamori-commands.conf"
include "$src/contrib/icinga2/mamori-example.conf"
$services
EOF
    my $r = run_prog([$ICINGA2, 'daemon', '-C', '-c', "$d/icinga2.conf",
                      "-DConfigDir=$d", "-DDataDir=$d/lib", "-DLogDir=$d/log", "-DCacheDir=$d/cache",
                      "-DSpoolDir=$d/spool", "-DInitRunDir=$d/run", "-DZonesDir=$d/zones.d",
                      '-DRunAsUser=root', '-DRunAsGroup=root'], timeout => 120);
    is($r->{exit}, 0, 'icinga2 daemon -C accepts the commands and the example') or diag($r->{out} . $r->{err});
    like($r->{out}, qr/Finished validating the configuration/, 'icinga2 validated it');
    unlike($r->{out}, qr/warning\/config/, 'no config warnings') or diag($r->{out});
    # the example applies its 9 port services to web01 (the local ones need
    # an agent endpoint), a mail and a chat notification to each
    my $n_recover = grep { m{/recover} } @programs;
    my $n_notify = grep { m{/notify_} } @programs;
    like($r->{out}, qr/\b@{[ @checks + 9 ]} Services\b/, 'the example\'s 9 services and one per CheckCommand');
    like($r->{out}, qr/\b@{[ 2 * (@checks + 9) + 1 ]} Notifications\b/, 'a mail and a chat notification on every service of web01, a call for the host');
    like($r->{out}, qr/\b$n_recover EventCommands\b/, "$n_recover EventCommands");
    like($r->{out}, qr/\b$n_notify NotificationCommands\b/, "$n_notify NotificationCommands");
}

# Nagios 4: generated commands + the example + a service per check
{
    my $d = tempdir('nagios-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$d/$_" for qw(rw tmp spool spool/checkresults);
    my @checks = map { (my $s = $_) =~ s{.*/}{}; $s } grep { m{/check_} } @programs;
    my $services = join '', map {
        "define service {\n\tuse\tmamori-service\n\thost_name\tweb01\n\tservice_description\tall $_\n"
          . "\tcheck_command\tmamori_$_!-t 10\n\tevent_handler\tmamori_recover_http\n}\n"
    } @checks;
    write_file("$d/all.cfg", $services);
    write_file("$d/nagios.cfg", <<"EOF");
cfg_file=$build/contrib/nagios/mamori-commands.cfg
cfg_file=$src/contrib/nagios/mamori-example.cfg
cfg_file=$d/all.cfg
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
enable_environment_macros=1
illegal_macro_output_chars=`~\$&|'"<>
EOF
    my $r = run_prog([$NAGIOS, '-v', "$d/nagios.cfg"], timeout => 60);
    is($r->{exit}, 0, 'nagios4 -v accepts the commands and the example') or diag($r->{out});
    like($r->{out}, qr/Total Errors:\s+0/, 'no errors');
    like($r->{out}, qr/Total Warnings:\s+0/, 'no warnings') or diag($r->{out});
    like($r->{out}, qr/Checked @{[ scalar(@checks) + 11 ]} services/, 'the example\'s 11 services and one per check');
}

done_testing;
