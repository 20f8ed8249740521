#!/bin/bash
# e2e_policy.sh - audience policies and postmaster copies behind Postfix
#
# Runs a private Postfix instance (tests/lab/postfix-lab.sh) with
# dsn-milter as a non_smtpd_milter on a unix socket.  The milter reads a
# copy of etc/dsn-milter.conf and its language files in which
# sender.lab.test is the internal domain.  External senders get HTML,
# redacted reports and only the header of their original.  Notices with
# status 5.4.6 are copied to a postmaster mailbox.  Scenarios:
#
#   1. An internal and an external sender both bounce at a peer that
#      rejects with 550 5.1.1: the internal bounce is text/plain with the
#      full report; the external one is multipart/alternative, has the new
#      From, a replaced Reporting-MTA, no X-Postfix-* fields and returns
#      only the original header block.
#   2. An original with "Content-Language: de" bounces in German.
#   3. A forwarding loop that Postfix's pipe transport reports with 5.4.6
#      bounces to the sender and a copy reaches the postmaster mailbox; a
#      hop-count bounce (5.4.0) makes no copy.
#   4. A 216 kB original comes back as its header only to the external
#      sender and whole to the internal sender.
#
# Environment: DSN_MILTER and DSNCTL are the programs to test, by default
# under $top_builddir/milter (make check exports top_builddir) or, without
# top_builddir, under ../milter next to this script.  The configuration is
# copied from $top_srcdir/etc, or ../etc next to this script.  The lab
# directory is made under $top_builddir/tests/run, or tests/run next to
# this script, or /tmp when user nobody cannot reach those.  LAB_KEEP=1
# keeps the lab directory; it is also kept when a check fails.
#
# Exit status: 0 all checks passed, 1 a check failed, 77 skipped (not
# root, or Postfix with smtp-sink and smtp-source not installed).

script_dir=$(cd "$(dirname "$0")" && pwd)
if [ -n "${top_builddir:-}" ]; then
    RUN_DIR=$top_builddir/tests/run
    DSN_MILTER=${DSN_MILTER:-$top_builddir/milter/dsn-milter}
    DSNCTL=${DSNCTL:-$top_builddir/milter/dsnctl}
else
    RUN_DIR=$script_dir/run
    DSN_MILTER=${DSN_MILTER:-$script_dir/../milter/dsn-milter}
    DSNCTL=${DSNCTL:-$script_dir/../milter/dsnctl}
fi
ETC_DIR=${top_srcdir:-$script_dir/..}/etc

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: e2e_policy.sh runs a private Postfix instance and needs root"
    exit 77
fi
. "$script_dir/lab/postfix-lab.sh" || exit 1
. "$script_dir/lab/checks.sh" || exit 1
if ! lab_find_sbin >/dev/null; then
    echo "SKIP: postfix, smtp-sink or smtp-source not found" \
        "(install the postfix package)"
    exit 77
fi

for program in "$DSN_MILTER" "$DSNCTL"; do
    if [ ! -x "$program" ]; then
        echo "FAIL: $program not found (run make, or set DSN_MILTER" \
            "and DSNCTL)"
        exit 1
    fi
done
if [ ! -f "$ETC_DIR/dsn-milter.conf" ] || [ ! -d "$ETC_DIR/lang" ]; then
    echo "FAIL: $ETC_DIR/dsn-milter.conf or $ETC_DIR/lang not found" \
        "(set top_srcdir)"
    exit 1
fi

# Domains added to the lab's transport map.  External senders are
# captured like the internal ones; the postmaster mailbox and the looping
# list have pipe transports of their own.
EXTERNAL_DOMAIN=external.lab.test
POSTMASTER_DOMAIN=postmaster.lab.test
LOOP_DOMAIN=loop.lab.test
INTERNAL_SENDER=sender@$LAB_SENDER_DOMAIN
EXTERNAL_SENDER=someone@$EXTERNAL_DOMAIN
POSTMASTER_COPY_TO=postmaster@$POSTMASTER_DOMAIN
LOOP_RCPT=list@$LOOP_DOMAIN
REPORTING_AUTHORITY=mx.example.org

WAIT_SECONDS=20
BODY_LINE="E2E-ORIGINAL-BODY: this line must come back only when allowed."
LARGE_END="E2E-LARGE-END: last line of a 216 kB body."

# True when part N of FILE exists and its decoded text lacks STRING.
part_lacks() {
    local text

    text=$(lab_mime_text "$1" "$2") && [ -n "$text" ] || return 1
    ! contains "$3" <<<"$text"
}

# True when part N of FILE, undecoded, has a line equal to LINE.
part_has_line() {
    lab_mime_part "$1" "$2" | grep -qxF -- "$3"
}

# True when part N of FILE exists and has no line equal to LINE.
part_lacks_line() {
    local part

    part=$(lab_mime_part "$1" "$2") && [ -n "$part" ] || return 1
    ! grep -qxF -- "$3" <<<"$part"
}

# True when part N of FILE, undecoded, has a line matching regex RE.
part_matches() {
    lab_mime_part "$1" "$2" | grep -qE -- "$3"
}

# True when part N of FILE exists and has no line matching regex RE.
part_lacks_match() {
    local part

    part=$(lab_mime_part "$1" "$2") && [ -n "$part" ] || return 1
    ! grep -qE -- "$3" <<<"$part"
}

# True when the Content-Type of part N of FILE starts with TYPE.
part_type_is() {
    local type

    type=$(lab_mime_part "$1" "$2" | lab_header - Content-Type)
    case $type in
        "$3" | "$3;"*) return 0 ;;
    esac
    return 1
}

part_header_is() {
    [ "$(lab_mime_part "$1" "$2" | lab_header - "$3")" = "$4" ]
}

header_is() {
    [ "$(lab_header "$1" "$2")" = "$3" ]
}

header_matches() {
    lab_header "$1" "$2" | grep -qE -- "$3"
}

file_size_below() {
    [ "$(wc -c <"$1")" -lt "$2" ]
}

file_size_above() {
    [ "$(wc -c <"$1")" -gt "$2" ]
}

# True when every header line of the message in SENT is a line of part N
# of FILE.
headers_returned() {
    local sent=$1 file=$2 part=$3 line

    while IFS= read -r line; do
        [ -n "$line" ] || continue
        lab_mime_part "$file" "$part" | grep -qxF -- "$line" || return 1
    done < <(sed '/^$/q' "$sent")
}

# Print the captured file in DIR whose returned message has the header
# line "Subject: SUBJECT".
find_dsn() {
    grep -lxF -- "Subject: $2" "$1"/* 2>/dev/null | head -n 1
}

# Print the queue ID of the DSN in FILE, from its Received header.
dsn_queue_id() {
    lab_header "$1" Received \
        | sed -n 's/.*[[:space:]]id \([0-9A-Za-z]*\);.*/\1/p'
}

# Print the milter's rewrite log line for the DSN in FILE.
rewrite_log_line() {
    local id

    id=$(dsn_queue_id "$1")
    [ -n "$id" ] || return 1
    grep -F -- ": $id: " "$LAB_MILTER_LOG" | grep -F "DSN rewritten:"
}

log_line_contains() {
    rewrite_log_line "$1" | contains "$2"
}

# True when the rewrite log line for FILE exists and lacks STRING.
log_line_lacks() {
    local line

    line=$(rewrite_log_line "$1") || return 1
    ! contains "$2" <<<"$line"
}

# Wait for COUNT messages in the lab's capture directory, move them into
# DIR.
collect() {
    local dir=$1 count=$2 name=$3

    if lab_wait_captured "$count" "$WAIT_SECONDS"; then
        pass "$name: $count message(s) captured"
    else
        fail "$name: $count message(s) captured within $WAIT_SECONDS s" \
            "$LAB_LOG"
    fi
    lab_capture_move "$dir"
}

wait_queue_empty() {
    local i

    for ((i = 0; i < $1 * 10; i++)); do
        if [ "$(lab_queue_count)" = 0 ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

postmaster_count() {
    find "$POSTMASTER_BOX/new" -type f | wc -l
}

# Make a capture directory that the pipe transports (user nobody) fill.
make_mailbox() {
    mkdir -p "$1/tmp" "$1/new" && chown nobody "$1/tmp" "$1/new"
}

# Route the external senders' domain to the lab's capture transport, the
# postmaster copies to a mailbox of their own, and LOOP_DOMAIN to a pipe
# with flags=D.  With D, Postfix's pipe(8) bounces a message that already
# has a Delivered-To header for the recipient as "mail forwarding loop"
# with status 5.4.6 (measured with Postfix 3.7.11).
extend_lab() {
    POSTMASTER_BOX=$LAB_DIR/postmaster
    make_mailbox "$POSTMASTER_BOX" || return 1
    make_mailbox "$LAB_DIR/loop-delivered" || return 1
    cat >>"$LAB_ETC/master.cf" <<EOF
pmcapture  unix  - n n -    - pipe
  flags=R null_sender= user=nobody
  argv=/bin/sh $LAB_DIR/bin/capture.sh $POSTMASTER_BOX
loop       unix  - n n -    - pipe
  flags=DR null_sender= user=nobody
  argv=/bin/sh $LAB_DIR/bin/capture.sh $LAB_DIR/loop-delivered
EOF
    cat >>"$LAB_ETC/transport" <<EOF
$EXTERNAL_DOMAIN capture:
$POSTMASTER_DOMAIN pmcapture:
$LOOP_DOMAIN loop:
EOF
    # Postfix bounces a message with hopcount_limit or more Received
    # headers as 5.4.0 "too many hops", not 5.4.6 (measured with Postfix
    # 3.7.11), so scenario 3 uses it as a code without a copy.
    # bounce_size_limit (default 50000 bytes) must exceed the large
    # original, or Postfix itself returns only its header.
    lab_postconf -e "hopcount_limit = 5" "bounce_size_limit = 1000000"
}

# Copy the shipped configuration and its language files into the lab and
# replace the settings under test.  sed deletes each group from its
# opening line to the next line that starts with "};", and each list or
# string setting as one line.  A setting written in another form stays
# and makes a duplicate, which libconfig rejects, so dsnctl check fails.
write_config() {
    local conf=$LAB_DIR/dsn-milter.conf

    cp "$ETC_DIR/dsn-milter.conf" "$conf" || return 1
    cp -R "$ETC_DIR/lang" "$LAB_DIR/lang" || return 1
    sed -i -e '/^internal_domains[[:space:]]*=/d' \
        -e '/^internal_domains_file[[:space:]]*=/d' \
        -e '/^internal[[:space:]]*=[[:space:]]*{/,/^};/d' \
        -e '/^external[[:space:]]*=[[:space:]]*{/,/^};/d' \
        -e '/^postmaster_copies[[:space:]]*=/d' \
        -e '/^postmaster_copy_to[[:space:]]*=/d' "$conf" || return 1
    cat >>"$conf" <<EOF

# Settings of the end-to-end policy test.
internal_domains = [ "$LAB_SENDER_DOMAIN" ];
internal = {
  format = "text";
  detect_language = true;
};
external = {
  format = "html";
  detect_language = true;
  max_returned_size = 0;
  hide_postfix_fields = true;
  reporting_authority = "$REPORTING_AUTHORITY";
  hide_internal_hosts = true;
  from = "postmaster";
  from_name = "Mail Delivery";
};
postmaster_copies = [ "5.4.6" ];
postmaster_copy_to = "$POSTMASTER_COPY_TO";
EOF
}

check_config() {
    if "$DSNCTL" -c "$LAB_DIR/dsn-milter.conf" check \
        >"$LAB_DIR/dsnctl-check.out" 2>&1; then
        pass "test configuration passes dsnctl check"
        return 0
    fi
    fail "test configuration passes dsnctl check"
    sed 's/^/    /' "$LAB_DIR/dsnctl-check.out"
    return 1
}

# write_message FILE SUBJECT TO [EXTRA-HEADER...]: a short message from
# FROM_ADDRESS with BODY_LINE as its body.
write_message() {
    local file=$1 subject=$2 to=$3 header
    shift 3

    {
        for header in "$@"; do
            printf '%s\n' "$header"
        done
        cat <<EOF
From: Test Sender <$FROM_ADDRESS>
To: $to
Subject: $subject
Message-ID: <$(date +%s%N).policy@lab.test>
Date: Mon, 04 Dec 2023 16:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

$BODY_LINE
EOF
    } >"$file"
}

# write_large FILE SUBJECT: BODY_LINE, 3,000 lines of 72 bytes (216,000
# bytes), LARGE_END.
write_large() {
    write_message "$1" "$2" "$LAB_REJECT_RCPT" || return 1
    awk 'BEGIN {
        for (i = 1; i <= 3000; i++)
            printf "%05d filler line of a large original message, 72 bytes" \
                " long, padded...\n", i
    }' >>"$1"
    printf '%s\n' "$LARGE_END" >>"$1"
}

# send FROM FILE RCPT: submit FILE with the instance's sendmail.
send() {
    local from=$1 file=$2 rcpt=$3

    if ! lab_sendmail "$from" "$rcpt" <"$file"; then
        fail "sendmail accepts $(basename "$file") from $from" "$LAB_LOG"
    fi
}

milter_start() {
    if lab_milter_start "$DSN_MILTER" "$LAB_DIR/dsn-milter.conf" -v; then
        pass "milter starts and creates its socket"
    else
        fail "milter starts and creates its socket" "$LAB_MILTER_LOG"
        return 1
    fi
}

# Write part 1 of FILE, the multipart/alternative notice, to FILE.part1
# so that lab_mime_part can read its inner parts.
split_alternative() {
    lab_mime_part "$1" 1 >"$1.part1"
}

check_internal_bounce() {
    local file=$1 sent=$2

    check "internal: log names an internal sender" "$LAB_MILTER_LOG" \
        log_line_contains "$file" "5.1.1, internal sender"
    check "internal: notice is text/plain" "$file" \
        part_type_is "$file" 1 "text/plain"
    check "internal: English text for 5.1.1" "$file" \
        part_contains "$file" 1 "This address does not exist."
    check "internal: notice names the loopback peer" "$file" \
        part_contains "$file" 1 "Reply from 127.0.0.1:"
    check "internal: Postfix's From kept" "$file" \
        header_is "$file" From \
        "Mail Delivery System <MAILER-DAEMON@$LAB_MYHOSTNAME>"
    check "internal: Reporting-MTA kept" "$file" \
        part_has_line "$file" 2 "Reporting-MTA: dns; $LAB_MYHOSTNAME"
    check "internal: X-Postfix-Queue-ID kept" "$file" \
        part_matches "$file" 2 "^X-Postfix-Queue-ID: [0-9A-Za-z]+$"
    check "internal: X-Postfix-Sender kept" "$file" \
        part_has_line "$file" 2 "X-Postfix-Sender: rfc822; $INTERNAL_SENDER"
    check "internal: Remote-MTA kept" "$file" \
        part_matches "$file" 2 "^Remote-MTA: dns; "
    check "internal: Status: 5.1.1" "$file" \
        part_has_line "$file" 2 "Status: 5.1.1"
    check "internal: original returned as message/rfc822" "$file" \
        part_type_is "$file" 3 "message/rfc822"
    check "internal: original body line returned" "$file" \
        part_has_line "$file" 3 "$BODY_LINE"
    check "internal: original header returned" "$file" \
        headers_returned "$sent" "$file" 3
}

check_external_report() {
    local file=$1

    check "external: Reporting-MTA is the reporting authority" "$file" \
        part_has_line "$file" 2 "Reporting-MTA: dns; $REPORTING_AUTHORITY"
    check "external: no Reporting-MTA with the host name" "$file" \
        part_lacks_line "$file" 2 "Reporting-MTA: dns; $LAB_MYHOSTNAME"
    check "external: no X-Postfix-* fields" "$file" \
        part_lacks_match "$file" 2 "^X-Postfix-"
    check "external: no Remote-MTA of loopback peer" "$file" \
        part_lacks_match "$file" 2 "^Remote-MTA:"
    check "external: Status: 5.1.1" "$file" \
        part_has_line "$file" 2 "Status: 5.1.1"
    check "external: Final-Recipient kept" "$file" \
        part_has_line "$file" 2 "Final-Recipient: rfc822; $LAB_REJECT_RCPT"
}

check_external_bounce() {
    local file=$1 sent=$2

    check "external: log names an external sender" "$LAB_MILTER_LOG" \
        log_line_contains "$file" "5.1.1, external sender"
    check "external: log says original cut to its header" \
        "$LAB_MILTER_LOG" log_line_contains "$file" \
        "original cut to its header"
    check "external: notice is multipart/alternative" "$file" \
        part_type_is "$file" 1 "multipart/alternative"
    split_alternative "$file"
    check "external: first alternative is text/plain" "$file" \
        part_type_is "$file.part1" 1 "text/plain"
    check "external: second alternative is text/html" "$file" \
        part_type_is "$file.part1" 2 "text/html"
    check "external: English text for 5.1.1 in text/plain" "$file" \
        part_contains "$file.part1" 1 "This address does not exist."
    check "external: English text for 5.1.1 in text/html" "$file" \
        part_contains "$file.part1" 2 "This address does not exist."
    check "external: HTML document in text/html" "$file" \
        part_contains "$file.part1" 2 "<html"
    check "external: loopback peer hidden in text/plain" "$file" \
        part_lacks "$file.part1" 1 "127.0.0.1"
    check "external: loopback peer hidden in text/html" "$file" \
        part_lacks "$file.part1" 2 "127.0.0.1"
    # A bare "from" takes the audience's reporting_authority as domain.
    check "external: From is the configured sender" "$file" \
        header_matches "$file" From \
        "^\"?Mail Delivery\"? <postmaster@mx\\.example\\.org>$"
    check_external_report "$file"
    check "external: original returned as text/rfc822-headers" "$file" \
        part_type_is "$file" 3 "text/rfc822-headers"
    check "external: original body line not returned" "$file" \
        part_lacks_line "$file" 3 "$BODY_LINE"
    check "external: original Subject returned" "$file" \
        part_has_line "$file" 3 "Subject: $(lab_header "$sent" Subject)"
    check "external: original header block returned" "$file" \
        headers_returned "$sent" "$file" 3
    # With max_returned_size = 0 the header alone is the policy, so the
    # notice does not claim the message was too large.
    check "external: notice does not call the original too large" "$file" \
        part_lacks "$file.part1" 1 "too large to return"
}

# 1. The same failure for an internal and an external sender.
scenario_audience() {
    local dir=$LAB_DIR/audience internal external
    local int_sent=$LAB_DIR/audience-internal.eml
    local ext_sent=$LAB_DIR/audience-external.eml

    echo "# scenario 1: internal and external sender, 550 5.1.1"
    FROM_ADDRESS=$INTERNAL_SENDER write_message "$int_sent" \
        "e2e policy internal" "$LAB_REJECT_RCPT"
    FROM_ADDRESS=$EXTERNAL_SENDER write_message "$ext_sent" \
        "e2e policy external" "$LAB_REJECT_RCPT"
    send "$INTERNAL_SENDER" "$int_sent" "$LAB_REJECT_RCPT"
    send "$EXTERNAL_SENDER" "$ext_sent" "$LAB_REJECT_RCPT"
    collect "$dir" 2 "audience"
    internal=$(find_dsn "$dir" "e2e policy internal")
    external=$(find_dsn "$dir" "e2e policy external")
    if [ -n "$internal" ]; then
        check "internal: bounce addressed to the internal sender" \
            "$internal" header_is "$internal" To "$INTERNAL_SENDER"
        check_internal_bounce "$internal" "$int_sent"
    else
        fail "internal: bounce captured" "$LAB_LOG"
    fi
    if [ -n "$external" ]; then
        check "external: bounce addressed to the external sender" \
            "$external" header_is "$external" To "$EXTERNAL_SENDER"
        check_external_bounce "$external" "$ext_sent"
    else
        fail "external: bounce captured" "$LAB_LOG"
    fi
}

# 2. Content-Language: de chooses the German texts.
scenario_language() {
    local dir=$LAB_DIR/language file sent=$LAB_DIR/language.eml

    echo "# scenario 2: Content-Language: de from the internal sender"
    FROM_ADDRESS=$INTERNAL_SENDER write_message "$sent" \
        "e2e policy german" "$LAB_REJECT_RCPT" "Content-Language: de"
    send "$INTERNAL_SENDER" "$sent" "$LAB_REJECT_RCPT"
    collect "$dir" 1 "language"
    file=$(find_dsn "$dir" "e2e policy german")
    if [ -z "$file" ]; then
        fail "language: bounce captured" "$LAB_LOG"
        return
    fi
    check "language: German layout text" "$file" \
        part_contains "$file" 1 \
        "Ihre Nachricht konnte nicht zugestellt werden."
    check "language: German text for 5.1.1" "$file" \
        part_contains "$file" 1 "Diese Adresse gibt es nicht."
    check "language: no English text for 5.1.1" "$file" \
        part_lacks "$file" 1 "This address does not exist."
    check "language: notice has Content-Language: de" "$file" \
        part_header_is "$file" 1 Content-Language de
    check "language: German Subject" "$file" \
        header_is "$file" Subject "Nicht zustellbar: e2e policy german"
    check "language: log says language de (detected)" "$LAB_MILTER_LOG" \
        log_line_contains "$file" "language de (detected)"
}

# The 5.4.6 bounce to the sender and its copy to the postmaster.
check_loop_bounce() {
    local file=$1 copy=$2 copy_line

    check "loop: Postfix reports Status: 5.4.6" "$file" \
        part_has_line "$file" 2 "Status: 5.4.6"
    check "loop: diagnostic names the forwarding loop" "$file" \
        part_has_line "$file" 2 \
        "Diagnostic-Code: X-Postfix; mail forwarding loop for $LOOP_RCPT"
    check "loop: text for 5.4.6" "$file" \
        part_contains "$file" 1 \
        "loop, usually because of forwarding rules that point at each"
    check "loop: bounce addressed to the sender" "$file" \
        header_is "$file" To "$INTERNAL_SENDER"
    copy_line="$(dsn_queue_id "$file"): copy of the DSN to"
    copy_line="$copy_line $POSTMASTER_COPY_TO for code 5.4.6"
    check "loop: milter logs the postmaster copy" "$LAB_MILTER_LOG" \
        grep -qF ": $copy_line" "$LAB_MILTER_LOG"
    check "loop: Postfix delivers the copy to the postmaster" "$LAB_LOG" \
        grep -qE "to=<$POSTMASTER_COPY_TO>, relay=pmcapture.*status=sent" \
        "$LAB_LOG"
    if [ -z "$copy" ]; then
        fail "loop: postmaster copy captured" "$LAB_LOG"
        return
    fi
    check "loop: postmaster copy has Status: 5.4.6" "$copy" \
        part_has_line "$copy" 2 "Status: 5.4.6"
    check "loop: postmaster copy is the same notice" "$copy" \
        cmp -s <(sed '1,/^$/d' "$file") <(sed '1,/^$/d' "$copy")
}

# Print a header of HOPS Received lines, each for a hop before this MTA.
received_lines() {
    local i

    for ((i = 1; i <= $1; i++)); do
        printf 'Received: from hop%d.%s by hop%d.%s;\n' "$i" \
            "$LAB_SENDER_DOMAIN" "$((i + 1))" "$LAB_SENDER_DOMAIN"
        printf '\tMon, 04 Dec 2023 15:%02d:00 +0000\n' "$i"
    done
}

# 3. Postmaster copy for a 5.4.6 bounce, none for 5.4.0.
scenario_copy() {
    local dir=$LAB_DIR/copy loop hops copy
    local loop_sent=$LAB_DIR/loop.eml hops_sent=$LAB_DIR/hops.eml

    echo "# scenario 3: postmaster copy for 5.4.6"
    FROM_ADDRESS=$INTERNAL_SENDER write_message "$loop_sent" \
        "e2e policy loop" "$LOOP_RCPT" "Delivered-To: $LOOP_RCPT"
    FROM_ADDRESS=$INTERNAL_SENDER write_message "$hops_sent" \
        "e2e policy hops" "$LAB_REJECT_RCPT" "$(received_lines 6)"
    send "$INTERNAL_SENDER" "$loop_sent" "$LOOP_RCPT"
    send "$INTERNAL_SENDER" "$hops_sent" "$LAB_REJECT_RCPT"
    collect "$dir" 2 "copy"
    check "copy: queue empty after both bounces" "$LAB_LOG" \
        wait_queue_empty 10
    loop=$(find_dsn "$dir" "e2e policy loop")
    hops=$(find_dsn "$dir" "e2e policy hops")
    copy=$(find_dsn "$POSTMASTER_BOX/new" "e2e policy loop")
    if [ -n "$loop" ]; then
        check_loop_bounce "$loop" "$copy"
    else
        fail "loop: bounce captured" "$LAB_LOG"
    fi
    if [ -n "$hops" ]; then
        check "hops: Postfix reports Status: 5.4.0" "$hops" \
            part_has_line "$hops" 2 "Status: 5.4.0"
        check "hops: bounce rewritten" "$LAB_MILTER_LOG" \
            log_line_contains "$hops" "codes 5.4.0, internal sender"
    else
        fail "hops: bounce captured" "$LAB_LOG"
    fi
    check "copy: exactly one postmaster copy (none for 5.4.0)" \
        "$LAB_LOG" test "$(postmaster_count)" = 1
}

# 4. A large original for each audience.
scenario_large() {
    local dir=$LAB_DIR/large internal external
    local int_sent=$LAB_DIR/large-internal.eml
    local ext_sent=$LAB_DIR/large-external.eml

    echo "# scenario 4: 216 kB original, internal and external sender"
    FROM_ADDRESS=$INTERNAL_SENDER write_large "$int_sent" \
        "e2e policy large internal"
    FROM_ADDRESS=$EXTERNAL_SENDER write_large "$ext_sent" \
        "e2e policy large external"
    send "$INTERNAL_SENDER" "$int_sent" "$LAB_REJECT_RCPT"
    send "$EXTERNAL_SENDER" "$ext_sent" "$LAB_REJECT_RCPT"
    collect "$dir" 2 "large"
    internal=$(find_dsn "$dir" "e2e policy large internal")
    external=$(find_dsn "$dir" "e2e policy large external")
    if [ -n "$external" ]; then
        check "large external: returned as text/rfc822-headers" \
            "$external" part_type_is "$external" 3 "text/rfc822-headers"
        check "large external: body not returned" "$external" \
            part_lacks_line "$external" 3 "$LARGE_END"
        check "large external: bounce smaller than 20 kB" "$external" \
            file_size_below "$external" 20000
        check "large external: log says original cut" "$LAB_MILTER_LOG" \
            log_line_contains "$external" "original cut to its header"
    else
        fail "large external: bounce captured" "$LAB_LOG"
    fi
    if [ -n "$internal" ]; then
        check "large internal: returned as message/rfc822" "$internal" \
            part_type_is "$internal" 3 "message/rfc822"
        check "large internal: last body line returned" "$internal" \
            part_has_line "$internal" 3 "$LARGE_END"
        check "large internal: bounce larger than 200 kB" "$internal" \
            file_size_above "$internal" 200000
        check "large internal: log says nothing cut" "$LAB_MILTER_LOG" \
            log_line_lacks "$internal" "original cut"
    else
        fail "large internal: bounce captured" "$LAB_LOG"
    fi
}

main() {
    local lab

    lab=$(lab_run_dir "$RUN_DIR" policy) || exit 1
    lab_create "$lab" || exit 1
    echo "# lab $LAB_DIR: smtpd 127.0.0.1:$LAB_SMTPD_PORT, peer" \
        "$LAB_REJECT_PORT (550)"
    extend_lab || exit 1
    write_config || exit 1
    check_config || exit 1
    lab_milter_configure accept || exit 1
    lab_sinks_start || exit 1
    milter_start || exit 1
    lab_postfix_start || exit 1

    scenario_audience
    scenario_language
    scenario_copy
    scenario_large
    check "Postfix logs no milter warning" "$LAB_LOG" \
        test "$(grep -ciE "(warning|error|fatal): .*milter" "$LAB_LOG")" = 0
    check "milter still runs after the scenarios" "$LAB_MILTER_LOG" \
        kill -0 "${LAB_MILTER_PID:-none}"
    check "milter exits with status 0 on SIGTERM" "$LAB_MILTER_LOG" \
        lab_milter_stop

    if [ "$FAILED" -gt 0 ]; then
        show_context
    fi
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}

main "$@"
