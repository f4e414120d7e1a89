#!/usr/bin/perl
# Label bounce messages with Sisimai (Debian's libsisimai-perl), for tests/data/bounces/.
#
#   perl tools/label_bounces.pl tests/data/bounces/*.eml > tests/data/bounces/labels.tsv
#
# Development time only: the tool never runs Sisimai. One line per recipient Sisimai
# finds: file, address, reason, hard|soft|none (Sisimai::SMTP::Error->soft_or_hard, as
# Sisimai's own `hardbounce` field), feedback type. A file Sisimai reads nothing from
# gets one line with an empty address and the reason "-".
use strict;
use warnings;
use Sisimai;
use File::Basename;

print "# labelled by Sisimai $Sisimai::VERSION\n";
print join("\t", qw(file address reason bounce feedbacktype)), "\n";
for my $path (@ARGV) {
    my $name = basename($path);
    my $found = Sisimai->make($path, 'delivered' => 1, 'vacation' => 1) || [];
    if (!@$found) {
        print join("\t", $name, "", "-", "none", ""), "\n";
        next;
    }
    for my $e (@$found) {
        my $reason = $e->reason || 'undefined';
        my $sb = $e->softbounce;
        my $kind = $reason eq 'feedback' ? 'complaint'
                 : !defined($sb) || $sb == -1 ? 'none'
                 : $sb == 0 ? 'hard' : 'soft';
        print join("\t", $name, lc($e->recipient->address), $reason, $kind,
                   $e->feedbacktype || ""), "\n";
    }
}
