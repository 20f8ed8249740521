#!/bin/bash
# corpus.sh - run dsnctl over a corpus of real-world bounces
#
# Reads every *.eml of the real-world corpus beside the source tree (the
# sisimai and flanker test sets) and checks, for each file:
#
#   1. "dsnctl render" and "dsnctl parse" exit with 0 or 1 within 10
#      seconds.  Any other exit status, a signal, a timeout or a
#      sanitizer report on standard error is a crash.
#   2. A message that render passes through is output byte for byte.
#   3. A message that render rewrites differs from its input only in the
#      Subject field and the first MIME part (checked by tests/dsn_split,
#      which does not use the library's parser), and "dsnctl parse"
#      reads the same report from input and output.
#   4. Every status code that parse reports occurs in one of the file's
#      own Status fields.
#
# Then it compares the parsed codes with corpus/expected.tsv: for rows
# with status_kind "explicit", the code of the recipient at rcpt_index
# should equal expected_status.  The expected codes come from sisimai,
# which may take a code from the diagnostic text instead of the Status
# field, so a row whose expected code is in none of the file's Status
# fields is counted and listed but is not a failure.  A row whose
# expected code is in the file's Status fields but is not the code
# parsed for that recipient is a failure.
#
# Environment: top_srcdir and top_builddir, as set by make check; both
# default to the directory above this script.  CORPUS overrides the
# corpus directory.
#
# Exit status: 0 all checks passed, 1 a check failed, 77 no corpus.

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$top_srcdir}
corpus=${CORPUS:-$top_srcdir/../shared/corpus}
dsnctl=$top_builddir/milter/dsnctl
dsn_split=$top_builddir/tests/dsn_split
config=$top_srcdir/etc/dsn-milter.conf
expected=$corpus/expected.tsv

if [ ! -d "$corpus" ]; then
    echo "SKIP: corpus not found at $corpus"
    exit 77
fi
for tool in "$dsnctl" "$dsn_split"; do
    if [ ! -x "$tool" ]; then
        echo "FAIL: $tool not found or not executable; run make check"
        exit 1
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/corpus.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

files=0
rewritten=0
passed=0
parsed=0
crashes=0
failures=0

# Status codes parsed per sample, relative to the corpus: "code code ...".
declare -A parsed_codes
# Status codes in the Status fields of each sample, same form.
declare -A field_codes

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# Print why a run counts as a crash, from its exit status or "sanitizer".
crash_reason() {
    case $1 in
        sanitizer) echo "sanitizer report" ;;
        124) echo "timed out after 10 s" ;;
        12[5-9] | 1[3-9][0-9] | 2[0-9][0-9])
            if [ "$1" -gt 128 ]; then
                echo "killed by signal $(($1 - 128))"
            else
                echo "exit status $1 from timeout or the shell"
            fi
            ;;
        *) echo "exit status $1" ;;
    esac
}

# Return true when standard error contains a sanitizer report.  ASan and
# UBSan exit with status 1 by default, which dsnctl also uses for "not
# rewritten", so the exit status alone does not show such a crash.
sanitizer_report() {
    grep -q -E 'runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer' \
        "$1"
}

# Print the codes of a file's Status fields, one per line, as
# class.subject.detail without leading zeros.  White space before the
# colon, the obsolete syntax of RFC 5322 section 4.5, occurs in the
# corpus and is accepted.
status_field_codes() {
    LC_ALL=C awk '
        tolower($0) ~ /^status[ \t]*:/ &&
        match($0, /[245]\.[0-9]+\.[0-9]+/) {
            split(substr($0, RSTART, RLENGTH), part, ".")
            print part[1] + 0 "." part[2] + 0 "." part[3] + 0
        }' "$1"
}

# Print the recipients' "status" values of a dsnctl parse document.
json_codes() {
    sed -n 's/^ *"status" : "\([^"]*\)".*/\1/p' "$1"
}

# Render one file; check the exit status and the bytes of the output.
check_render() {
    local file=$1 name=$2 rc

    timeout 10 "$dsnctl" -c "$config" --hostname mx.example.test \
        render "$file" >"$work/out" 2>"$work/err"
    rc=$?
    if sanitizer_report "$work/err"; then
        rc=sanitizer
    fi
    case $rc in
        0)
            rewritten=$((rewritten + 1))
            if ! "$dsn_split" "$file" "$work/out" >"$work/split"; then
                fail "$name: rewritten message changed outside the" \
                    "Subject and the first part:"
                sed 's/^/    /' "$work/split"
            fi
            check_reparse "$file" "$name"
            ;;
        1)
            passed=$((passed + 1))
            if ! cmp -s "$file" "$work/out"; then
                fail "$name: passed through, but the output differs" \
                    "from the input"
            fi
            ;;
        *)
            crashes=$((crashes + 1))
            fail "$name: dsnctl render crashed: $(crash_reason "$rc")"
            sed 's/^/    /' "$work/err" | head -n 5
            ;;
    esac
}

# The rewritten message must carry the same report as the input.
check_reparse() {
    local file=$1 name=$2

    timeout 10 "$dsnctl" parse "$file" >"$work/json-in" 2>/dev/null
    timeout 10 "$dsnctl" parse "$work/out" >"$work/json-out" 2>/dev/null
    if ! cmp -s "$work/json-in" "$work/json-out"; then
        fail "$name: dsnctl parse reads a different report after the" \
            "rewrite:"
        diff -u "$work/json-in" "$work/json-out" | head -n 20 \
            | sed 's/^/    /'
    fi
}

# Parse one file; check the exit status and the codes it reports.
check_parse() {
    local file=$1 name=$2 rc code codes fields

    timeout 10 "$dsnctl" parse "$file" >"$work/json" 2>"$work/err"
    rc=$?
    if sanitizer_report "$work/err"; then
        rc=sanitizer
    fi
    case $rc in
        0) ;;
        1) return ;;
        *)
            crashes=$((crashes + 1))
            fail "$name: dsnctl parse crashed: $(crash_reason "$rc")"
            sed 's/^/    /' "$work/err" | head -n 5
            return
            ;;
    esac
    parsed=$((parsed + 1))
    codes=$(json_codes "$work/json" | tr '\n' ' ')
    fields=" $(status_field_codes "$file" | tr '\n' ' ')"
    parsed_codes[$name]=$codes
    field_codes[$name]=$fields
    for code in $codes; do
        case $fields in
            *" $code "*) ;;
            *)
                fail "$name: parsed status $code is in none of the" \
                    "file's Status fields:$fields"
                ;;
        esac
    done
}

while IFS= read -r file; do
    name=${file#"$corpus"/}
    files=$((files + 1))
    check_render "$file" "$name"
    check_parse "$file" "$name"
done < <(find -H "$corpus" -type f -name '*.eml' | LC_ALL=C sort)

if [ "$files" -eq 0 ]; then
    fail "no *.eml files under $corpus"
fi

# Compare with the expected codes of explicit rows that parse as DSNs.
compare_expected() {
    local sample status kind index codes code rows=0 matched=0
    local missing=0 from_text=0 wrong=0

    while IFS=$'\t' read -r sample _ status kind _ index; do
        [ "$kind" = explicit ] || continue
        [ -n "${parsed_codes[$sample]+set}" ] || continue
        rows=$((rows + 1))
        read -r -a codes <<<"${parsed_codes[$sample]}"
        code=${codes[index - 1]:-}
        if [ -z "$code" ]; then
            missing=$((missing + 1))
            echo "NOTE: $sample: no recipient $index in the parsed report" \
                "(expected $status)"
        elif [ "$code" = "$status" ]; then
            matched=$((matched + 1))
        else
            case ${field_codes[$sample]} in
                *" $status "*)
                    wrong=$((wrong + 1))
                    fail "$sample: recipient $index parsed as $code," \
                        "expected $status, which a Status field has"
                    ;;
                *)
                    from_text=$((from_text + 1))
                    echo "NOTE: $sample: recipient $index parsed as $code;" \
                        "expected $status is in no Status field"
                    ;;
            esac
        fi
    done < <(tail -n +2 "$expected")
    echo "expected.tsv: $rows explicit rows parsed as DSN, $matched match," \
        "$wrong differ from a Status field (failures), $from_text differ" \
        "(expected code in no Status field), $missing without that" \
        "recipient"
}

if [ -f "$expected" ]; then
    compare_expected
else
    echo "NOTE: $expected not found; expected codes not compared"
fi

echo "corpus: $files files, $rewritten rewritten, $passed passed through," \
    "$parsed dsn parsed, $crashes crashes"
if [ "$failures" -gt 0 ]; then
    echo "corpus: $failures checks failed"
    exit 1
fi
exit 0
