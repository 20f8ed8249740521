#!/bin/bash
# redact_corpus.sh - check that redaction keeps real-world DSNs valid
#
# Renders every *.eml under ../shared/corpus next to the source tree (the
# sisimai and flanker test sets) for an external sender.  The config's
# external audience sets reporting_authority, hide_internal_hosts,
# hide_postfix_fields and hide_expansion.  Its internal_domains list the
# reserved example domains that the corpus uses for its reporting and
# receiving hosts.  Private IP addresses are internal whether listed or
# not.
#
# A file counts as touched when "dsnctl render" rewrites it and the
# content of its delivery-status part differs between input and output.
# The delivery-status parts are read by tests/dsn_validate, which uses
# GMime and not the library's parser.  For every touched file:
#
#   1. dsn_validate finds the delivery-status part of the output, and
#      reports no more RFC 3464 syntax problems in it than in the input;
#   2. "dsnctl parse" of the output exits 0 with kind "dsn";
#   3. the output has as many recipients as the input, with the same
#      status codes and actions in the same order;
#   4. the output's reporting_mta is "dns; " and the reporting_authority
#      of the config;
#   5. no X-Postfix-* field and no Remote-MTA field with a private IP
#      address is left in the output's delivery-status part.
#
# Every dsnctl and dsn_validate run has 10 seconds.
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
validate=$top_builddir/tests/dsn_validate
authority=mail.example.test

if [ ! -d "$corpus" ]; then
    echo "SKIP: corpus not found at $corpus"
    exit 77
fi
for tool in "$dsnctl" "$validate"; do
    if [ ! -x "$tool" ]; then
        echo "FAIL: $tool not found or not executable; run make check"
        exit 1
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/redact_corpus.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
config=$work/redact.conf

cat >"$config" <<EOF
postmaster = "postmaster";
default_language = "en";
internal_domains = [ "example.com", ".example.com", "example.org",
                     ".example.org", "example.net", ".example.net",
                     "example.jp", ".example.jp", ".example.co.jp",
                     ".example.ne.jp", ".local", ".localdomain",
                     ".internal", ".lan" ];
external = {
  reporting_authority = "$authority";
  hide_internal_hosts = true;
  hide_postfix_fields = true;
  hide_expansion = true;
};
messages = ( { code = "default"; text = "Status \${status}."; } );
layouts = {
  failure = { subject = "Undeliverable";
              text = "\${recipients}"; recipient = "\${recipient}\n"; };
  delay = { subject = "Delayed";
            text = "\${recipients}"; recipient = "\${recipient}\n"; };
  success = { subject = "Delivered";
              text = "\${recipients}"; recipient = "\${recipient}\n"; };
};
EOF
if ! "$dsnctl" -c "$config" check >"$work/check" 2>&1; then
    echo "FAIL: the test config does not load:"
    sed 's/^/    /' "$work/check"
    exit 1
fi

files=0
rewritten=0
touched=0
valid=0
failures=0

# Report a failed check; a file counts as failed once.
fail() {
    echo "FAIL: $name: $*"
    if [ "$file_ok" = yes ]; then
        failures=$((failures + 1))
    fi
    file_ok=no
}

# Print "action status" per recipient of a dsnctl parse document.
json_recipients() {
    sed -n -e 's/^ *"action" : \(.*\),$/\1/p' \
        -e 's/^ *"status" : \(.*\),$/\1/p' "$1" | paste -d ' ' - -
}

# Print the Remote-MTA fields of a delivery-status content, unfolded.
remote_mta_fields() {
    LC_ALL=C awk '
        { sub(/\r$/, "") }
        /^[ \t]/ { if (field != "") field = field " " $0; next }
        { if (field != "") print field; field = "" }
        tolower(substr($0, 1, 11)) == "remote-mta:" { field = $0 }
        END { if (field != "") print field }' "$1"
}

# Private, loopback, link-local and shared ranges (RFC 1918, RFC 6598,
# RFC 3927, RFC 4193, RFC 4291) as extended regular expressions.
two_octets='(\.[0-9]{1,3}){2}'
private_ranges="(10|127)\.[0-9]{1,3}$two_octets"
private_ranges="$private_ranges|192\.168$two_octets|169\.254$two_octets"
private_ranges="$private_ranges|172\.(1[6-9]|2[0-9]|3[01])$two_octets"
private_ranges="$private_ranges|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])"
private_ranges="$private_ranges$two_octets"
private_ranges="$private_ranges|f[cd][0-9a-f]{2}:[0-9a-f:]*"
private_ranges="$private_ranges|fe[89ab][0-9a-f]:[0-9a-f:]*|::1"

# Print the private IPv4 and IPv6 literals in standard input.
private_addresses() {
    grep -oiE "(^|[^0-9a-z.:]|ipv6:)($private_ranges)([^0-9a-z.:]|\$)"
}

# Count the syntax problems dsn_validate wrote to standard error.
count_problems() {
    wc -l <"$1" | tr -d ' '
}

# Check the delivery-status part of a touched output.
check_status_part() {
    local out_rc=$1 in_rc=$2 in_problems out_problems

    if [ "$out_rc" -eq 2 ] || [ "$out_rc" -gt 2 ]; then
        fail "no readable delivery-status part in the output" \
            "(dsn_validate exited with $out_rc)"
        sed 's/^/    /' "$work/validate-out.err" | head -n 5
        return
    fi
    in_problems=0
    if [ "$in_rc" -eq 1 ]; then
        in_problems=$(count_problems "$work/validate-in.err")
    fi
    out_problems=$(count_problems "$work/validate-out.err")
    if [ "$out_rc" -eq 1 ] && [ "$out_problems" -gt "$in_problems" ]; then
        fail "RFC 3464 syntax problems in the delivery-status part:" \
            "$in_problems before redaction, $out_problems after:"
        sed 's/^/    /' "$work/validate-out.err" | head -n 10
    fi
    if grep -qi '^X-Postfix-' "$work/status-out"; then
        fail "X-Postfix-* fields left in the delivery-status part:"
        grep -i '^X-Postfix-' "$work/status-out" | sed 's/^/    /'
    fi
    if remote_mta_fields "$work/status-out" | private_addresses \
        >"$work/private"; then
        fail "Remote-MTA with a private address left:"
        sed 's/^/    /' "$work/private"
    fi
}

# Compare what dsnctl parse reads from input and output.
check_reparse() {
    local file=$1 rc

    timeout 10 "$dsnctl" parse "$file" >"$work/json-in" 2>/dev/null
    timeout 10 "$dsnctl" parse "$work/out" >"$work/json-out" \
        2>"$work/parse.err"
    rc=$?
    if [ "$rc" -ne 0 ] || ! grep -q '^  "kind" : "dsn",$' "$work/json-out"
    then
        fail "dsnctl parse of the output exited with $rc, not kind dsn:"
        sed 's/^/    /' "$work/parse.err" | head -n 5
        return
    fi
    json_recipients "$work/json-in" >"$work/rcpt-in"
    json_recipients "$work/json-out" >"$work/rcpt-out"
    if [ ! -s "$work/rcpt-in" ]; then
        fail "dsnctl parse found no recipient in the input"
    elif ! cmp -s "$work/rcpt-in" "$work/rcpt-out"; then
        fail "recipients' actions or status codes changed" \
            "(- input, + output):"
        diff "$work/rcpt-in" "$work/rcpt-out" | sed 's/^/    /' \
            | head -n 20
    fi
    if ! grep -q "^    \"reporting_mta\" : \"dns; $authority\",\$" \
        "$work/json-out"; then
        fail "reporting_mta is not \"dns; $authority\":"
        grep '"reporting_mta"' "$work/json-out" | sed 's/^/    /'
    fi
}

# Render one file; check it when its delivery-status part changed.
check_file() {
    local file=$1 rc in_rc out_rc

    timeout 10 "$dsnctl" -c "$config" --audience external \
        --hostname mx.example.test render "$file" >"$work/out" \
        2>"$work/err"
    rc=$?
    case $rc in
        0) rewritten=$((rewritten + 1)) ;;
        1) return ;;
        *)
            fail "dsnctl render exited with $rc" \
                "(124: timeout, above 128: signal)"
            sed 's/^/    /' "$work/err" | head -n 5
            return
            ;;
    esac
    timeout 10 "$validate" "$file" >"$work/status-in" \
        2>"$work/validate-in.err"
    in_rc=$?
    timeout 10 "$validate" "$work/out" >"$work/status-out" \
        2>"$work/validate-out.err"
    out_rc=$?
    if [ "$in_rc" -ge 2 ] && [ "$out_rc" -ge 2 ]; then
        return
    fi
    if [ "$in_rc" -lt 2 ] && [ "$out_rc" -lt 2 ] \
        && cmp -s "$work/status-in" "$work/status-out"; then
        return
    fi
    touched=$((touched + 1))
    check_status_part "$out_rc" "$in_rc"
    check_reparse "$file"
    if [ "$file_ok" = yes ]; then
        valid=$((valid + 1))
    fi
}

while IFS= read -r file; do
    name=${file#"$corpus"/}
    file_ok=yes
    files=$((files + 1))
    check_file "$file"
done < <(find "$corpus" -type f -name '*.eml' | LC_ALL=C sort)

if [ "$files" -eq 0 ]; then
    name=$corpus
    file_ok=yes
    fail "no *.eml files"
fi
if [ "$touched" -eq 0 ]; then
    name=$corpus
    file_ok=yes
    fail "the policy changed no delivery-status part; the test checked" \
        "nothing"
fi

echo "redact_corpus: $files files, $rewritten rewritten, $touched touched" \
    "by the policy, $valid valid after redaction"
if [ "$failures" -gt 0 ]; then
    echo "redact_corpus: $failures files failed"
    exit 1
fi
exit 0
