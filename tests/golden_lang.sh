#!/bin/sh
# golden_lang.sh - compare the shipped texts of each language with
# reviewed expected files
#
# Every tests/golden-lang/NN-name.eml is a failure DSN (status 5.1.1)
# whose returned message names a language: Content-Language with one of
# the shipped language tags, Accept-Language with q-values, or a tag the
# config has no texts for.  Each is rendered with the shipped
# etc/dsn-milter.conf (which includes etc/lang/*.conf) as
#
#   dsnctl -c etc/dsn-milter.conf --hostname mx.example.test \
#       --to sender@example.org render NN-name.eml
#
# and must exit 0, print NN-name.out byte for byte and write NN-name.err
# byte for byte to standard error (the line that names the chosen
# language and where it came from).  The audience's format is "text", so
# the output has no random MIME boundary.
#
# The .out and .err files were written once and reviewed by hand; this
# script never writes them.  After a change to the shipped texts, render
# the inputs again with the command above, review the difference and
# replace the files.
#
# Environment: top_srcdir and top_builddir, as set by make check; both
# default to the directory above this script.
#
# Exit status: 0 all cases matched, 1 a case failed or a file is missing.

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$top_srcdir}
dsnctl=$top_builddir/milter/dsnctl
cases=$top_srcdir/tests/golden-lang
config=$top_srcdir/etc/dsn-milter.conf

if [ ! -x "$dsnctl" ]; then
    echo "FAIL: $dsnctl not found or not executable; run make first"
    exit 1
fi
if [ ! -f "$config" ]; then
    echo "FAIL: shipped config $config not found"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/golden_lang.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0

# Report a failed check; a case counts as failed once.
fail() {
    echo "FAIL: $case_name: $*"
    if [ "$case_ok" = yes ]; then
        failed=$((failed + 1))
    fi
    case_ok=no
}

# Print a unified diff of expected and actual output, at most 60 lines.
show_diff() {
    diff -a -u "$1" "$2" | head -n 60
}

# Run one case: $1 is the .eml file.
run_case() {
    input=$1
    stem=${input%.eml}
    case_name=$(basename "$stem")
    case_ok=yes

    for expected in "$stem.out" "$stem.err"; do
        if [ ! -f "$expected" ]; then
            fail "expected file $expected is missing"
            return
        fi
    done

    timeout 10 "$dsnctl" -c "$config" --hostname mx.example.test \
        --to sender@example.org render "$input" >"$work/out" \
        2>"$work/err"
    rc=$?

    if [ "$rc" -ne 0 ]; then
        fail "dsnctl render exited with $rc, expected 0 (rewritten)"
        sed 's/^/    stderr: /' "$work/err"
    fi
    if ! cmp -s "$stem.out" "$work/out"; then
        fail "output differs from $case_name.out (- expected, + actual):"
        show_diff "$stem.out" "$work/out"
    fi
    if ! cmp -s "$stem.err" "$work/err"; then
        fail "standard error differs from $case_name.err:"
        show_diff "$stem.err" "$work/err"
    fi

    if [ "$case_ok" = yes ]; then
        echo "PASS: $case_name"
        passed=$((passed + 1))
    fi
}

for input in "$cases"/[0-9][0-9]-*.eml; do
    if [ ! -f "$input" ]; then
        echo "FAIL: no test inputs in $cases"
        exit 1
    fi
    run_case "$input"
done

# An expected output without its input is a renamed or deleted case.
for output in "$cases"/[0-9][0-9]-*.out; do
    [ -f "$output" ] || continue
    if [ ! -f "${output%.out}.eml" ]; then
        case_name=$(basename "${output%.out}")
        case_ok=yes
        fail "$case_name.out has no $case_name.eml"
    fi
done

echo "golden_lang: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
