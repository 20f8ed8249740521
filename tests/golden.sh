#!/bin/sh
# golden.sh - compare "dsnctl render" output with reviewed expected files
#
# Every NN-name.eml of a case directory (default tests/golden) is
# rendered with the directory's golden.conf (or GOLDEN_CONFIG) and
# --hostname mx.example.test, and standard output must equal NN-name.out
# byte for byte.  Optional files:
#
#   golden.args    dsnctl options for every case of the directory
#
#   NN-name.args   extra dsnctl options, one per line, without spaces
#                  (for example --foreign)
#   NN-name.err    the expected standard error; without it standard
#                  error is not checked
#
# The expected exit status is in the name: NN-pass-*.eml must pass
# through unchanged (exit 1, and NN-name.out must then equal the input),
# every other file must be rewritten (exit 0).
#
# The .out files are written once and reviewed by hand; this script
# never writes them.
#
# Environment: top_srcdir and top_builddir, as set by make check; both
# default to the directory above this script.  GOLDEN_CASES names another
# case directory and GOLDEN_CONFIG another config.
#
# Exit status: 0 all cases matched, 1 a case failed or a file is missing.

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$top_srcdir}
dsnctl=$top_builddir/milter/dsnctl
golden=${GOLDEN_CASES:-$top_srcdir/tests/golden}
config=${GOLDEN_CONFIG:-$golden/golden.conf}
name=$(basename "$golden")
hostname=mx.example.test
common_args=
if [ -f "$golden/golden.args" ]; then
    common_args=$(cat "$golden/golden.args")
fi

if [ ! -x "$dsnctl" ]; then
    echo "FAIL: $dsnctl not found or not executable; run make first"
    exit 1
fi
if [ ! -f "$config" ]; then
    echo "FAIL: test config $config not found"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
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
    expected_rc=0
    case $case_name in
        [0-9][0-9]-pass-*) expected_rc=1 ;;
    esac

    args=
    if [ -f "$stem.args" ]; then
        args=$(cat "$stem.args")
    fi
    if [ ! -f "$stem.out" ]; then
        fail "expected output $stem.out is missing"
        return
    fi

    # The options are split on white space on purpose: one per word.
    # shellcheck disable=SC2086
    timeout 10 "$dsnctl" -c "$config" --hostname "$hostname" \
        $common_args $args render "$input" >"$work/out" 2>"$work/err"
    rc=$?

    # ASan and UBSan exit with status 1, the status of a pass-through.
    if grep -q -E 'runtime error:|ERROR: (Address|Leak)Sanitizer' \
        "$work/err"; then
        fail "sanitizer report on standard error:"
        sed 's/^/    /' "$work/err" | head -n 20
    fi
    if [ "$rc" -ne "$expected_rc" ]; then
        fail "dsnctl render exited with $rc, expected $expected_rc"
        sed 's/^/    stderr: /' "$work/err"
    fi
    if ! cmp -s "$stem.out" "$work/out"; then
        fail "output differs from $case_name.out (- expected, + actual):"
        show_diff "$stem.out" "$work/out"
    fi
    if [ -f "$stem.err" ] && ! cmp -s "$stem.err" "$work/err"; then
        fail "standard error differs from $case_name.err:"
        show_diff "$stem.err" "$work/err"
    fi
    if [ "$expected_rc" -eq 1 ] && ! cmp -s "$input" "$stem.out"; then
        fail "$case_name.out of a pass-through case differs from its input"
    fi

    if [ "$case_ok" = yes ]; then
        echo "PASS: $case_name"
        passed=$((passed + 1))
    fi
}

for input in "$golden"/[0-9][0-9]-*.eml; do
    if [ ! -f "$input" ]; then
        echo "FAIL: no test inputs in $golden"
        exit 1
    fi
    run_case "$input"
done

# An expected output without its input is a renamed or deleted case.
for output in "$golden"/[0-9][0-9]-*.out; do
    [ -f "$output" ] || continue
    if [ ! -f "${output%.out}.eml" ]; then
        case_name=$(basename "${output%.out}")
        case_ok=yes
        fail "$case_name.out has no $case_name.eml"
    fi
done

echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
