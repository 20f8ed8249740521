#!/bin/bash
# e2e_postfix.sh - dsn-milter behind a real private Postfix on loopback
#
# Runs a private Postfix instance (tests/lab/postfix-lab.sh) with
# smtp-sink peers that reject (550 5.1.1) and defer (450 4.2.1), and
# captures every message for the senders' domain.  Scenarios:
#
#   1. Postfix alone: the failure DSN and the delay DSN it generates are
#      kept as the reference.
#   2. The same message with dsn-milter as a non_smtpd_milter: the human-
#      readable part carries the texts of a test configuration, while the
#      delivery-status part and the returned message match the reference.
#   3. Milter stopped, default_action = accept: the bounce is delivered
#      with Postfix's own text.
#   4. Milter stopped, default_action = tempfail: the bounce waits in the
#      queue; after the milter is back and postqueue -f runs, it is
#      delivered rewritten.
#   5. A DSN from another MTA, sent over SMTP with MAIL FROM:<> through
#      smtpd_milters, is delivered unchanged (rewrite_foreign = false).
#
# Environment: DSN_MILTER is the daemon to test, by default
# $top_builddir/milter/dsn-milter (make check exports top_builddir) or,
# without top_builddir, ../milter/dsn-milter next to this script.  The lab
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
else
    RUN_DIR=$script_dir/run
    DSN_MILTER=${DSN_MILTER:-$script_dir/../milter/dsn-milter}
fi

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: e2e_postfix.sh runs a private Postfix instance and needs root"
    exit 77
fi
. "$script_dir/lab/postfix-lab.sh" || exit 1
. "$script_dir/lab/checks.sh" || exit 1
if ! lab_find_sbin >/dev/null; then
    echo "SKIP: postfix, smtp-sink or smtp-source not found" \
        "(install the postfix package)"
    exit 77
fi

if [ ! -x "$DSN_MILTER" ]; then
    echo "FAIL: dsn-milter binary not found at $DSN_MILTER" \
        "(run make, or set DSN_MILTER)"
    exit 1
fi

WAIT_SECONDS=20
SUBJECT="e2e bounce test"
BODY_LINE="E2E-ORIGINAL-BODY: this line must come back unchanged."

part_lacks() {
    ! part_contains "$@"
}

# True when part N of FILE, undecoded, has a line equal to LINE.
part_has_line() {
    lab_mime_part "$1" "$2" | grep -qxF -- "$3"
}

file_lacks() {
    ! grep -qF -- "$2" "$1"
}

is_delivery_report() {
    lab_header "$1" Content-Type \
        | grep -q "^multipart/report;.*report-type=delivery-status"
}

header_is() {
    [ "$(lab_header "$1" "$2")" = "$3" ]
}

# Blank out what differs between two runs of the same message: queue IDs
# and dates.
normalize() {
    sed -e 's/^\(X-Postfix-Queue-ID:\).*/\1 QUEUEID/' \
        -e 's/^\(Arrival-Date:\).*/\1 DATE/' \
        -e 's/^\(Will-Retry-Until:\).*/\1 DATE/' \
        -e 's/^\([[:space:]]*id \)[0-9A-Za-z]*; .*/\1QUEUEID; DATE/'
}

# same_part NAME FILE REFERENCE N: part N of FILE equals part N of
# REFERENCE after normalize; the diff is printed when it does not.
same_part() {
    local name=$1 file=$2 ref=$3 part=$4

    if diff -u <(lab_mime_part "$ref" "$part" | normalize) \
        <(lab_mime_part "$file" "$part" | normalize) >"$LAB_DIR/diff.out"
    then
        pass "$name"
    else
        fail "$name" "$file"
        sed 's/^/    /' "$LAB_DIR/diff.out"
    fi
}

# Print the captured file in DIR whose delivery-status has Action: ACTION
# and that contains the line MARKER, the Subject of the returned message.
find_dsn() {
    local file

    for file in $(grep -l "^Action: $2\$" "$1"/* 2>/dev/null); do
        if grep -qxF -- "$3" "$file"; then
            printf '%s\n' "$file"
            return 0
        fi
    done
}

find_foreign() {
    grep -lxF "Message-ID: <foreign.dsn@mx.remote.test>" "$1"/* \
        2>/dev/null | head -n 1
}

# Wait for COUNT captured messages and move them into DIR.
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

# Wait up to SECONDS for the queue to become empty.
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

# Drop what is left in the queue so that later scenarios start empty.
queue_clear() {
    MAIL_CONFIG=$LAB_ETC "$LAB_SBIN/postsuper" -c "$LAB_ETC" -d ALL \
        >/dev/null 2>&1
}

write_config() {
    cat >"$LAB_DIR/dsn-milter.conf" <<'EOF'
postmaster = "postmaster@lab.test";
max_message_size = 10485760;
rewrite_foreign = false;
default_language = "en";
messages = (
  { code = "5.1.1";
    text = "E2E-TEXT-511: the address ${recipient} does not exist."; },
  { code = "4.x.x";
    text = "E2E-TEXT-4XX: still trying ${recipient} (${status})."; },
  { code = "default"; text = "E2E-TEXT-DEFAULT ${status}"; }
);
layouts = {
  failure = {
    subject = "E2E failure: ${original_subject}";
    text = "E2E-FAILURE-LAYOUT\n${recipients}\n";
    recipient = "* ${recipient} (${status}): ${message}\n";
  };
  delay = {
    subject = "E2E delay";
    text = "E2E-DELAY-LAYOUT\n${recipients}";
    recipient = "* ${recipient}: ${message}\n";
  };
  success = {
    subject = "E2E success";
    text = "E2E-SUCCESS\n${recipients}";
    recipient = "* ${recipient}\n";
  };
};
EOF
}

write_messages() {
    cat >"$LAB_DIR/bounce.eml" <<EOF
From: Sender <sender@$LAB_SENDER_DOMAIN>
To: $LAB_REJECT_RCPT, $LAB_DEFER_RCPT
Subject: $SUBJECT
Message-ID: <e2e.bounce@$LAB_SENDER_DOMAIN>
Date: Mon, 04 Dec 2023 16:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

$BODY_LINE
EOF

    write_foreign_dsn >"$LAB_DIR/foreign.eml"
}

# A DSN as another MTA (mx.remote.test) would send it.
write_foreign_dsn() {
    local b="FOREIGN4711.1701705600/mx.remote.test"

    cat <<EOF
From: Mail Delivery System <MAILER-DAEMON@mx.remote.test>
To: sender@$LAB_SENDER_DOMAIN
Subject: Undelivered Mail Returned to Sender
Date: Mon, 04 Dec 2023 16:00:02 +0000
Message-ID: <foreign.dsn@mx.remote.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="$b"
Content-Transfer-Encoding: 8bit

This is a MIME-encapsulated message.

--$b
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

FOREIGN-ORIGINAL-TEXT: the remote mail system could not deliver your
message to the recipient below.

<gone@remote.test>: host mx2.remote.test said: 550 5.1.1
    <gone@remote.test>: Recipient address rejected: User unknown

--$b
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.test
X-Postfix-Queue-ID: 3F2A1B4C5D
X-Postfix-Sender: rfc822; sender@$LAB_SENDER_DOMAIN
Arrival-Date: Mon,  4 Dec 2023 16:00:00 +0000 (UTC)

Final-Recipient: rfc822; gone@remote.test
Original-Recipient: rfc822;gone@remote.test
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx2.remote.test
Diagnostic-Code: smtp; 550 5.1.1 <gone@remote.test>: Recipient address
    rejected: User unknown

--$b
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Sender <sender@$LAB_SENDER_DOMAIN>
To: gone@remote.test
Subject: foreign test
Message-ID: <foreign.orig@$LAB_SENDER_DOMAIN>
Date: Mon, 04 Dec 2023 15:59:59 +0000

--$b--
EOF
}

# A message with one recipient at the rejecting peer, sent over SMTP so
# that it does not pass non_smtpd_milters itself.
send_single_bounce() {
    local subject=$1 file=$LAB_DIR/single.eml

    cat >"$file" <<EOF
From: Sender <sender@$LAB_SENDER_DOMAIN>
To: $LAB_REJECT_RCPT
Subject: $subject
Message-ID: <$(date +%s%N).single@$LAB_SENDER_DOMAIN>
Date: Mon, 04 Dec 2023 16:00:00 +0000

$BODY_LINE
EOF
    lab_smtp_send "$file" "sender@$LAB_SENDER_DOMAIN" "$LAB_REJECT_RCPT"
}

milter_start() {
    if lab_milter_start "$DSN_MILTER" "$LAB_DIR/dsn-milter.conf" -v; then
        pass "milter starts and creates its socket"
    else
        fail "milter starts and creates its socket" "$LAB_MILTER_LOG"
        return 1
    fi
}

milter_stop() {
    local started=$SECONDS

    if [ -z "$LAB_MILTER_PID" ]; then
        fail "milter runs before it is stopped" "$LAB_MILTER_LOG"
    elif lab_milter_stop; then
        pass "milter exits with status 0 on SIGTERM" \
            "in $((SECONDS - started)) s"
    else
        fail "milter exits with status 0 on SIGTERM" "$LAB_MILTER_LOG"
    fi
}

# 1. Reference DSNs from Postfix alone.
scenario_reference() {
    local dir=$LAB_DIR/ref

    echo "# scenario 1: Postfix without milter (reference)"
    lab_sendmail "sender@$LAB_SENDER_DOMAIN" "$LAB_REJECT_RCPT" \
        "$LAB_DEFER_RCPT" <"$LAB_DIR/bounce.eml"
    lab_smtp_send "$LAB_DIR/foreign.eml" "" "sender@$LAB_SENDER_DOMAIN"
    collect "$dir" 3 "reference"
    REF_FAILURE=$(find_dsn "$dir" failed "Subject: $SUBJECT")
    REF_DELAY=$(find_dsn "$dir" delayed "Subject: $SUBJECT")
    REF_FOREIGN=$(find_foreign "$dir")
    check "reference: failure DSN from Postfix" "$LAB_LOG" \
        test -n "$REF_FAILURE"
    check "reference: delay DSN from Postfix" "$LAB_LOG" \
        test -n "$REF_DELAY"
    check "reference: foreign DSN over SMTP" "$LAB_LOG" \
        test -n "$REF_FOREIGN"
    if [ -n "$REF_FAILURE" ]; then
        check "reference: Postfix's own failure text" "$REF_FAILURE" \
            part_contains "$REF_FAILURE" 1 "This is the mail system at host"
    fi
    queue_clear
}

check_failure_dsn() {
    local file=$1 ref=$2

    check "failure: multipart/report kept" "$file" \
        is_delivery_report "$file"
    check "failure: Subject from layout" "$file" \
        header_is "$file" Subject "E2E failure: $SUBJECT"
    check "failure: layout text in first part" "$file" \
        part_contains "$file" 1 "E2E-FAILURE-LAYOUT"
    check "failure: administrator's text for 5.1.1" "$file" \
        part_contains "$file" 1 \
        "E2E-TEXT-511: the address $LAB_REJECT_RCPT does not exist."
    check "failure: recipient line with status" "$file" \
        part_contains "$file" 1 "* $LAB_REJECT_RCPT (5.1.1): "
    check "failure: Postfix's own text replaced" "$file" \
        part_lacks "$file" 1 "This is the mail system at host"
    check "failure: delivery-status Status: 5.1.1" "$file" \
        part_has_line "$file" 2 "Status: 5.1.1"
    check "failure: delivery-status Action: failed" "$file" \
        part_has_line "$file" 2 "Action: failed"
    check "failure: delivery-status Final-Recipient" "$file" \
        part_has_line "$file" 2 "Final-Recipient: rfc822; $LAB_REJECT_RCPT"
    same_part "failure: delivery-status part as Postfix wrote it" \
        "$file" "$ref" 2
    check "failure: returned message keeps its body line" "$file" \
        part_has_line "$file" 3 "$BODY_LINE"
    check "failure: returned message keeps its Subject" "$file" \
        part_has_line "$file" 3 "Subject: $SUBJECT"
    same_part "failure: returned message as Postfix wrote it" \
        "$file" "$ref" 3
}

check_delay_dsn() {
    local file=$1 ref=$2
    local text="E2E-TEXT-4XX: still trying $LAB_DEFER_RCPT (4.2.1)."

    check "delay: Subject from layout" "$file" \
        header_is "$file" Subject "E2E delay"
    check "delay: layout text in first part" "$file" \
        part_contains "$file" 1 "E2E-DELAY-LAYOUT"
    check "delay: administrator's text for 4.x.x with 4.2.1" "$file" \
        part_contains "$file" 1 "* $LAB_DEFER_RCPT: $text"
    check "delay: delivery-status Status: 4.2.1" "$file" \
        part_has_line "$file" 2 "Status: 4.2.1"
    check "delay: delivery-status Action: delayed" "$file" \
        part_has_line "$file" 2 "Action: delayed"
    same_part "delay: delivery-status part as Postfix wrote it" \
        "$file" "$ref" 2
    same_part "delay: returned headers as Postfix wrote them" \
        "$file" "$ref" 3
}

# 2. The same message through the milter.
scenario_rewrite() {
    local dir=$LAB_DIR/rewrite failure delay

    echo "# scenario 2: failure and delay DSN through dsn-milter"
    lab_milter_configure accept || return 1
    milter_start || return 1
    lab_sendmail "sender@$LAB_SENDER_DOMAIN" "$LAB_REJECT_RCPT" \
        "$LAB_DEFER_RCPT" <"$LAB_DIR/bounce.eml"
    collect "$dir" 2 "rewrite"
    failure=$(find_dsn "$dir" failed "Subject: $SUBJECT")
    delay=$(find_dsn "$dir" delayed "Subject: $SUBJECT")
    if [ -n "$failure" ] && [ -n "$REF_FAILURE" ]; then
        check_failure_dsn "$failure" "$REF_FAILURE"
    else
        fail "rewrite: failure DSN captured" "$LAB_LOG"
    fi
    if [ -n "$delay" ] && [ -n "$REF_DELAY" ]; then
        check_delay_dsn "$delay" "$REF_DELAY"
    else
        fail "rewrite: delay DSN captured" "$LAB_LOG"
    fi
    queue_clear
}

# 3. Milter down with default_action = accept.
scenario_down_accept() {
    local dir=$LAB_DIR/down-accept file

    echo "# scenario 3: milter stopped, default_action = accept"
    milter_stop
    send_single_bounce "e2e milter down accept"
    collect "$dir" 1 "down-accept"
    file=$(find_dsn "$dir" failed "Subject: e2e milter down accept")
    if [ -z "$file" ]; then
        fail "down-accept: failure DSN captured" "$LAB_LOG"
        return
    fi
    check "down-accept: Postfix's own text delivered" "$file" \
        part_contains "$file" 1 "This is the mail system at host"
    check "down-accept: no administrator's text" "$file" \
        part_lacks "$file" 1 "E2E-"
    check "down-accept: Postfix's own Subject" "$file" \
        header_is "$file" Subject "Undelivered Mail Returned to Sender"
}

# 4. Milter down with default_action = tempfail, then back.
scenario_down_tempfail() {
    local dir=$LAB_DIR/down-tempfail file

    echo "# scenario 4: milter stopped, default_action = tempfail"
    lab_milter_configure tempfail || return 1
    send_single_bounce "e2e milter down tempfail"
    sleep 4
    check "down-tempfail: no bounce delivered while milter is down" \
        "$LAB_LOG" test "$(lab_capture_count)" = 0
    check "down-tempfail: message waits in the queue" "$LAB_LOG" \
        test "$(lab_queue_count)" -ge 1
    check "down-tempfail: Postfix logs bounce failed" "$LAB_LOG" \
        grep -q "status=deferred (bounce failed)" "$LAB_LOG"
    milter_start || return 1
    lab_postqueue_flush
    collect "$dir" 1 "down-tempfail"
    file=$(find_dsn "$dir" failed "Subject: e2e milter down tempfail")
    if [ -z "$file" ]; then
        fail "down-tempfail: failure DSN captured" "$LAB_LOG"
        return
    fi
    check "down-tempfail: bounce rewritten after milter restart" "$file" \
        part_contains "$file" 1 \
        "E2E-TEXT-511: the address $LAB_REJECT_RCPT does not exist."
    check "down-tempfail: Subject from layout" "$file" \
        header_is "$file" Subject "E2E failure: e2e milter down tempfail"
    check "down-tempfail: queue empty afterwards" "$LAB_LOG" \
        wait_queue_empty 5
}

# True when every header line of the message in $1 is a line of the
# header of the message in $2.
headers_kept() {
    local line

    while IFS= read -r line; do
        grep -qxF -- "$line" <(sed '/^$/q' "$2") || return 1
    done < <(sed '/^$/q' "$1")
}

# 5. A foreign DSN over SMTP through smtpd_milters.
scenario_foreign() {
    local dir=$LAB_DIR/foreign file sent=$LAB_DIR/foreign.eml
    local warnings_before skipped_before

    echo "# scenario 5: foreign DSN over SMTP through smtpd_milters"
    lab_milter_configure accept smtpd || return 1
    warnings_before=$(grep -c "Milter service" "$LAB_LOG")
    skipped_before=$(grep -c "rewrite_foreign is false" "$LAB_MILTER_LOG")
    if lab_smtp_send "$sent" "" "sender@$LAB_SENDER_DOMAIN"; then
        pass "foreign: smtpd accepts MAIL FROM:<>"
    else
        fail "foreign: smtpd accepts MAIL FROM:<>" "$LAB_LOG"
    fi
    collect "$dir" 1 "foreign"
    file=$(find_foreign "$dir")
    if [ -z "$file" ] || [ -z "$REF_FOREIGN" ]; then
        fail "foreign: DSN captured" "$LAB_LOG"
        return
    fi
    check "foreign: reached the milter (no Milter warning in log)" \
        "$LAB_LOG" test "$(grep -c "Milter service" "$LAB_LOG")" \
        = "$warnings_before"
    check "foreign: envelope sender is null" "$file" \
        header_is "$file" Return-Path "<>"
    check "foreign: milter logs it as not rewritten" "$LAB_MILTER_LOG" \
        test "$(grep -c "rewrite_foreign is false" "$LAB_MILTER_LOG")" \
        -gt "$skipped_before"
    check "foreign: body byte-identical to delivery without milter" \
        "$file" cmp -s <(sed '1,/^$/d' "$REF_FOREIGN") \
        <(sed '1,/^$/d' "$file")
    check "foreign: header fields kept" "$file" \
        headers_kept "$sent" "$file"
    check "foreign: no administrator's text" "$file" \
        file_lacks "$file" "E2E-"
}

main() {
    local lab

    lab=$(lab_run_dir "$RUN_DIR" e2e) || exit 1
    lab_create "$lab" || exit 1
    echo "# lab $LAB_DIR: smtpd 127.0.0.1:$LAB_SMTPD_PORT, peers" \
        "$LAB_REJECT_PORT (550) $LAB_DEFER_PORT (450)" \
        "$LAB_ACCEPT_PORT (250)"
    write_config
    write_messages
    lab_sinks_start || exit 1
    lab_postfix_start || exit 1

    scenario_reference
    scenario_rewrite
    scenario_down_accept
    scenario_down_tempfail
    scenario_foreign
    lab_milter_stop

    if [ "$FAILED" -gt 0 ]; then
        show_context
    fi
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}

main "$@"
