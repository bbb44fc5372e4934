# A recorded /proc tree for deterministic tests: the plugins read
# MAMORI_PROC_ROOT instead of /proc when it is set.
package Mamori::FakeProc;
use strict;
use warnings;
use Exporter 'import';
use File::Path qw(make_path);
use File::Temp qw(tempdir);

our @EXPORT = qw(fake_proc);

# fake_proc(loadavg => "...", meminfo => "...", ...) -> directory
sub fake_proc {
    my %files = @_;
    my $dir = tempdir(CLEANUP => 1);
    while (my ($name, $text) = each %files) {
        my $path = "$dir/$name";
        (my $parent = $path) =~ s{/[^/]+$}{};
        make_path($parent);
        open my $fh, '>', $path or die "$path: $!";
        print $fh $text;
        close $fh;
    }
    return $dir;
}

1;
