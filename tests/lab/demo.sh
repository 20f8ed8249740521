#!/bin/bash
# demo.sh - bounce one message through dsn-milter and print the result
#
# Usage: tests/lab/demo.sh [CONFIG]
#
# Sets up a private Postfix instance on 127.0.0.1 under a temporary
# directory and starts dsn-milter with CONFIG (default: etc/dsn-milter.conf
# of this source tree).  Sends one message to a peer that rejects the
# recipient with "550 5.1.1", then prints the DSN that the sender gets
# back on standard output.  Progress and errors go to standard error.
# Everything it started is stopped on exit, and the temporary directory is
# removed unless the demo failed.
#
# DSN_MILTER names the daemon (default: milter/dsn-milter of this tree,
# as built in place).  Needs root and Postfix with smtp-sink and
# smtp-source.  No traffic leaves the machine and no DNS lookup is made.

script_dir=$(cd "$(dirname "$0")" && pwd)
top_dir=$(cd "$script_dir/../.." && pwd)
config=${1:-$top_dir/etc/dsn-milter.conf}
DSN_MILTER=${DSN_MILTER:-$top_dir/milter/dsn-milter}
WAIT_SECONDS=30

die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

say() {
    printf 'demo: %s\n' "$*" >&2
}

# Print the tails of the Postfix and milter logs to standard error.
show_logs() {
    echo "---- tail of the Postfix log $LAB_LOG" >&2
    tail -n 20 "$LAB_LOG" >&2
    echo "---- tail of the milter log $LAB_MILTER_LOG" >&2
    tail -n 20 "$LAB_MILTER_LOG" >&2 2>/dev/null
}

[ "$(id -u)" = 0 ] || die "must run as root to start a private Postfix"
. "$script_dir/postfix-lab.sh" || die "cannot read $script_dir/postfix-lab.sh"
lab_find_sbin >/dev/null \
    || die "postfix, smtp-sink or smtp-source not found: install postfix"
[ -x "$DSN_MILTER" ] \
    || die "dsn-milter not found at $DSN_MILTER: build it or set DSN_MILTER"
[ -r "$config" ] || die "configuration file not readable: $config"
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")

lab=$(mktemp -d /tmp/dsn-milter-demo.XXXXXX) \
    || die "cannot create a temporary directory"
lab_create "$lab" || die "cannot set up the Postfix lab in $lab"
lab_sinks_start || die "cannot start the smtp-sink peers"

# With tempfail, a bounce that the milter did not see stays in the queue
# instead of reaching the output unchanged.
lab_milter_configure tempfail || die "cannot configure the milter in Postfix"
lab_milter_start "$DSN_MILTER" "$config" \
    || die "dsn-milter did not start with $config"
lab_postfix_start || die "Postfix did not start; see $LAB_DIR/postfix.out"
say "Postfix on 127.0.0.1:$LAB_SMTPD_PORT, dsn-milter with $config"

subject="Quarterly report draft"
lab_sendmail "sender@$LAB_SENDER_DOMAIN" "$LAB_REJECT_RCPT" <<EOF \
    || die "sendmail failed"
From: Sender <sender@$LAB_SENDER_DOMAIN>
To: $LAB_REJECT_RCPT
Subject: $subject
Date: $(date -R)
Message-ID: <demo.$$@$LAB_SENDER_DOMAIN>

Hello, the draft is below.
EOF
say "sent \"$subject\" to $LAB_REJECT_RCPT, which replies 550 5.1.1"

if ! lab_wait_captured 1 "$WAIT_SECONDS"; then
    show_logs
    die "no bounce arrived within $WAIT_SECONDS s"
fi
bounce=$(lab_capture_list | head -n 1)
cat "$bounce"

# A sentence of Postfix's built-in failure template.
if lab_mime_text "$bounce" 1 \
    | grep -qF "I'm sorry to have to inform you that your message"
then
    show_logs
    die "the bounce above still has Postfix's own text: not rewritten"
fi
grep -v '^===' "$LAB_MILTER_LOG" | sed 's/^/demo: milter: /' >&2
exit 0
