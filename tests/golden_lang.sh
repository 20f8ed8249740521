#!/bin/sh
# golden_lang.sh - compare the shipped texts of each language with
# reviewed expected files
#
# Every tests/golden-lang/NN-name.eml is a failure DSN (status 5.1.1)
# whose returned message names a language: Content-Language with one of
# the shipped language tags, Accept-Language with q-values, or a tag the
# config has no texts for.  golden.sh renders each with the shipped
# etc/dsn-milter.conf (which includes etc/lang/*.conf) and the options in
# tests/golden-lang/golden.args, and compares standard output with
# NN-name.out and standard error (the line that names the chosen
# language and where it came from) with NN-name.err.  The audience's
# format is "text", so the output has no random MIME boundary.
#
# After a change to the shipped texts, render the inputs again with
#
#   dsnctl -c etc/dsn-milter.conf --hostname mx.example.test \
#       --to sender@example.org render NN-name.eml
#
# review the difference and replace the files; no script writes them.
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
GOLDEN_CASES=$top_srcdir/tests/golden-lang
GOLDEN_CONFIG=$top_srcdir/etc/dsn-milter.conf
export top_srcdir GOLDEN_CASES GOLDEN_CONFIG
exec sh "$here/golden.sh"
