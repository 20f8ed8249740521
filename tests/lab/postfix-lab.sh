# postfix-lab.sh - private Postfix instance on loopback for end-to-end tests
#
# Source this file from bash.  Everything lives under one lab directory
# that the caller names: configuration, queue, log, milter socket and the
# captured messages.  The one exception is a lab directory path longer
# than 70 bytes: the queue and the milter socket then go to a directory
# of their own under /tmp, because unix socket paths are limited.  No
# system Postfix instance is touched: every Postfix command runs with
# MAIL_CONFIG set to the lab's own configuration directory.
#
# The lab routes mail by domain with a transport map:
#
#   sender.lab.test    pipe transport "capture": each message is written
#                      to LAB_CAPTURE/tmp and renamed into LAB_CAPTURE/new
#   rejected.lab.test  smtp-sink that replies 550 5.1.1 to RCPT
#   deferred.lab.test  smtp-sink that replies 450 4.2.1 to RCPT
#   accepted.lab.test  smtp-sink that accepts and dumps into LAB_SINK_DUMP
#
# Any other domain, and local delivery, ends in the error transport, so
# the instance never looks up a host name and sends nothing off the
# machine.  Every next hop is a bracketed IP address on 127.0.0.1.
#
# Functions:
#
#   lab_find_sbin           print the directory of the Postfix commands
#   lab_create DIR          write the instance under DIR, pick ports,
#                           install an EXIT trap that calls lab_cleanup
#   lab_sinks_start         start the three smtp-sink peers
#   lab_postfix_start       start Postfix and wait for its smtpd port
#   lab_postfix_stop        stop Postfix and wait for the master to exit
#   lab_postfix_reload      reload the configuration of a running instance
#   lab_milter_configure ACTION [SMTPD]
#                           ACTION none, accept or tempfail sets
#                           non_smtpd_milters; SMTPD "smtpd" also sets
#                           smtpd_milters to the same socket
#   lab_milter_start BINARY CONFIG [ARGS...]
#   lab_milter_stop         SIGTERM, then wait until the process exits
#   lab_sendmail FROM RCPT... < MESSAGE
#   lab_smtp_send FILE FROM RCPT
#                           send FILE over SMTP with smtp-source; FROM ""
#                           sends MAIL FROM:<>
#   lab_postqueue_flush     postqueue -f: retry every deferred message
#   lab_wait_captured N SECONDS
#   lab_capture_count       number of captured files
#   lab_capture_list        captured files, oldest first
#   lab_capture_move DIR    move captured files into DIR
#   lab_queue_count         messages in the instance's queue
#   lab_mime_part FILE N    part N of a multipart message, with its header
#   lab_mime_text FILE N    content of part N, transfer encoding decoded
#   lab_header FILE NAME    unfolded value of a top-level header field
#   lab_cleanup [STATUS]    stop everything this library started; remove
#                           the lab directory when STATUS is 0 and
#                           LAB_KEEP is not 1
#
# Requires root (Postfix's master and smtp-sink bind and switch users),
# Postfix with smtp-sink and smtp-source (tested with 3.7.11), awk and
# coreutils.  The lab directory path must not contain white space because
# it goes into master.cf.

LAB_SENDER_DOMAIN=sender.lab.test
LAB_REJECT_DOMAIN=rejected.lab.test
LAB_DEFER_DOMAIN=deferred.lab.test
LAB_ACCEPT_DOMAIN=accepted.lab.test
LAB_REJECT_RCPT=nobody-here@$LAB_REJECT_DOMAIN
LAB_DEFER_RCPT=busy-user@$LAB_DEFER_DOMAIN
LAB_MYHOSTNAME=mx.lab.test

# Seconds that sendmail, smtp-source and postqueue may take.
LAB_COMMAND_TIMEOUT=${LAB_COMMAND_TIMEOUT:-30}

LAB_SINK_PIDS=()
LAB_MILTER_PID=
LAB_MASTER_PID=
LAB_PORTS_TAKEN=" "
LAB_CREATED=0

# Print the directory that contains postfix, sendmail, postqueue,
# smtp-sink and smtp-source.
lab_find_sbin() {
    local dir path_dirs

    IFS=: read -ra path_dirs <<<"$PATH"
    for dir in "${LAB_POSTFIX_SBIN:-}" /usr/sbin /usr/local/sbin \
        "${path_dirs[@]}"; do
        if [ -n "$dir" ] && [ -x "$dir/postfix" ] \
            && [ -x "$dir/smtp-sink" ] && [ -x "$dir/smtp-source" ]; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
    return 1
}

lab_log() {
    printf 'lab: %s\n' "$*" >&2
}

# True when nothing listens on 127.0.0.1:PORT.
lab_port_is_free() {
    local port=$1

    if command -v ss >/dev/null 2>&1; then
        [ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]
        return
    fi
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Store a free TCP port in the variable named VAR.  The search starts at
# a point derived from the shell's PID, below the Linux ephemeral range
# (32768 and up), so two runs started at the same time probe different
# ports.  Ports handed out earlier in this shell are skipped even before
# anything listens on them.
lab_port_pick() {
    local var=$1 port tries

    port=$((20000 + ($$ % 1200) * 10))
    for ((tries = 0; tries < 12000; tries++)); do
        if [ "$port" -ge 32000 ]; then
            port=20000
        fi
        case $LAB_PORTS_TAKEN in
            *" $port "*) ;;
            *)
                if lab_port_is_free "$port"; then
                    LAB_PORTS_TAKEN="$LAB_PORTS_TAKEN$port "
                    printf -v "$var" '%s' "$port"
                    return 0
                fi
                ;;
        esac
        port=$((port + 1))
    done
    lab_log "no free TCP port found between 20000 and 32000"
    return 1
}

# Wait up to SECONDS for something to listen on 127.0.0.1:PORT.
lab_wait_port() {
    local port=$1 seconds=$2 i

    for ((i = 0; i < seconds * 10; i++)); do
        if ! lab_port_is_free "$port"; then
            return 0
        fi
        sleep 0.1
    done
    lab_log "nothing listens on 127.0.0.1:$port after $seconds s"
    return 1
}

# Wait up to SECONDS for process PID to exit.
lab_wait_exit() {
    local pid=$1 seconds=$2 i

    for ((i = 0; i < seconds * 10; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

lab_postconf() {
    MAIL_CONFIG=$LAB_ETC "$LAB_SBIN/postconf" -c "$LAB_ETC" "$@"
}

lab_write_main_cf() {
    cat >"$LAB_ETC/main.cf" <<EOF
# Private Postfix instance for dsn-milter end-to-end tests.
compatibility_level = 3.6
queue_directory = $LAB_QUEUE
data_directory = $LAB_DIR/data
meta_directory = /etc/postfix
command_directory = $LAB_SBIN
mail_owner = postfix
setgid_group = postdrop

# Explicit names, so the instance never queries a resolver for its own.
myhostname = $LAB_MYHOSTNAME
mydomain = lab.test
myorigin = \$myhostname
mydestination = \$myhostname, localhost
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
alias_maps =
alias_database =
biff = no

# Only the domains in the transport map are delivered anywhere.
transport_maps = texthash:$LAB_ETC/transport
local_transport = error:5.1.1 local delivery is disabled in this lab
default_transport = error:5.4.4 no route for this domain in this lab
relay_transport = \$default_transport
capture_destination_recipient_limit = 1

maillog_file = $LAB_DIR/maillog
maillog_file_prefixes = $LAB_DIR

# Fast retries, and a delay DSN at the first deferral.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 1s
bounce_template_file = $LAB_ETC/bounce.cf

milter_protocol = 6
internal_mail_filter_classes = bounce
non_smtpd_milters =
smtpd_milters =
EOF
}

# Every service runs without chroot, so the milter socket path and the
# capture script are the same inside and outside Postfix.
lab_write_master_cf() {
    cat >"$LAB_ETC/master.cf" <<EOF
127.0.0.1:$LAB_SMTPD_PORT inet n - n - - smtpd
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
local      unix  - n n -    - local
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
capture    unix  - n n -    - pipe
  flags=R null_sender= user=nobody
  argv=/bin/sh $LAB_DIR/bin/capture.sh $LAB_CAPTURE
EOF
}

lab_write_transport() {
    cat >"$LAB_ETC/transport" <<EOF
$LAB_SENDER_DOMAIN capture:
$LAB_REJECT_DOMAIN smtp:[127.0.0.1]:$LAB_REJECT_PORT
$LAB_DEFER_DOMAIN smtp:[127.0.0.1]:$LAB_DEFER_PORT
$LAB_ACCEPT_DOMAIN smtp:[127.0.0.1]:$LAB_ACCEPT_PORT
EOF
}

# The built-in delay template states the delay in whole hours, which is
# 0 with a 1 s delay_warning_time; this one states it in seconds.
lab_write_bounce_templates() {
    cat >"$LAB_ETC/bounce.cf" <<'EOF'
delay_template = <<EOT
Charset: us-ascii
From: Mail Delivery System <MAILER-DAEMON>
Subject: Delayed Mail (still being retried)
Postmaster-Subject: Postmaster Warning: Delayed Mail

This is the mail system at host $myhostname.

Your message has waited more than $delay_warning_time_seconds second(s)
for delivery to the recipients below.  The mail system keeps trying
until the message is $maximal_queue_lifetime_days day(s) old.  There is
no need to send it again.

                   The mail system
EOT
EOF
}

# The pipe transport runs this as nobody: the message is complete in new/
# or absent, never half written.
lab_write_capture_script() {
    cat >"$LAB_DIR/bin/capture.sh" <<'EOF'
#!/bin/sh
# capture.sh DIR - store standard input as one file in DIR/new
umask 022
name=$(date +%s.%N).$$
cat >"$1/tmp/$name" || exit 75
mv "$1/tmp/$name" "$1/new/$name" || exit 75
EOF
    chmod 0755 "$LAB_DIR/bin/capture.sh"
}

# True when user nobody, as which the capture transport and the sinks
# run, can reach DIR.  Without runuser this is assumed.
lab_reachable_by_nobody() {
    if ! command -v runuser >/dev/null 2>&1; then
        return 0
    fi
    runuser -u nobody -- test -x "$1" 2>/dev/null
}

# Choose the queue directory and the milter socket directory.  Both hold
# unix sockets, whose paths must fit in sun_path (108 bytes on Linux):
# Postfix's longest is queue/private/proxywrite.  A lab directory longer
# than 70 bytes gets them in a short directory under /tmp instead.
lab_choose_socket_dirs() {
    local base=$LAB_DIR

    if [ ${#LAB_DIR} -gt 70 ]; then
        LAB_SHORT_DIR=$(mktemp -d /tmp/dsnlab.XXXXXX) || return 1
        chmod 0755 "$LAB_SHORT_DIR"
        base=$LAB_SHORT_DIR
    fi
    LAB_QUEUE=$base/queue
    LAB_MILTER_SOCKET_DIR=$base/milter
    LAB_MILTER_SOCKET=$LAB_MILTER_SOCKET_DIR/dsn-milter.sock
    mkdir -p "$LAB_QUEUE" "$LAB_MILTER_SOCKET_DIR" || return 1
    chmod 0755 "$LAB_MILTER_SOCKET_DIR"
}

lab_create() {
    local dir=$1

    case $dir in
        /*) ;;
        *) dir=$PWD/$dir ;;
    esac
    case $dir in
        *[[:space:]]*)
            lab_log "lab directory must not contain white space: $dir"
            return 1
            ;;
    esac
    LAB_SBIN=$(lab_find_sbin) || {
        lab_log "postfix, smtp-sink or smtp-source not found"
        return 1
    }
    LAB_DIR=$dir
    LAB_ETC=$dir/etc
    LAB_LOG=$dir/maillog
    LAB_CAPTURE=$dir/capture
    LAB_SINK_DUMP=$dir/sink-accept
    LAB_MILTER_LOG=$dir/milter.log
    LAB_SHORT_DIR=

    trap 'lab_cleanup $?' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    LAB_CREATED=1

    mkdir -p "$LAB_ETC" "$dir/data" "$dir/bin" \
        "$LAB_CAPTURE/tmp" "$LAB_CAPTURE/new" "$LAB_SINK_DUMP" || return 1
    chmod 0755 "$dir" "$dir/bin"
    chown nobody "$LAB_CAPTURE/tmp" "$LAB_CAPTURE/new" "$LAB_SINK_DUMP" \
        || return 1
    chown postfix "$dir/data" || return 1
    if ! lab_reachable_by_nobody "$LAB_CAPTURE/new"; then
        lab_log "user nobody cannot reach $LAB_CAPTURE/new;" \
            "make the parent directories of $dir searchable (o+x)" \
            "or choose a lab directory elsewhere"
        return 1
    fi
    lab_choose_socket_dirs || return 1

    lab_port_pick LAB_SMTPD_PORT || return 1
    lab_port_pick LAB_REJECT_PORT || return 1
    lab_port_pick LAB_DEFER_PORT || return 1
    lab_port_pick LAB_ACCEPT_PORT || return 1

    lab_write_main_cf
    lab_write_master_cf
    lab_write_transport
    lab_write_bounce_templates
    lab_write_capture_script
    : >"$LAB_LOG"
}

# Start one smtp-sink on PORT; NAME names its log file.
lab_sink_start() {
    local name=$1 port=$2 pid
    shift 2

    "$LAB_SBIN/smtp-sink" -u nobody -4 -h "$name.lab.test" "$@" \
        "127.0.0.1:$port" 16 >"$LAB_DIR/sink-$name.log" 2>&1 &
    pid=$!
    LAB_SINK_PIDS+=("$pid")
    if ! lab_wait_port "$port" 10 || ! kill -0 "$pid" 2>/dev/null; then
        lab_log "smtp-sink $name did not start; its log follows"
        cat "$LAB_DIR/sink-$name.log" >&2
        return 1
    fi
}

# smtp-sink sends the same reply to every RCPT, so the replies name the
# one recipient that the tests use at each peer.
lab_sinks_start() {
    local rejected="Recipient address rejected"

    lab_sink_start reject "$LAB_REJECT_PORT" -f RCPT \
        -B "550 5.1.1 <$LAB_REJECT_RCPT>: $rejected: User unknown" \
        || return 1
    lab_sink_start defer "$LAB_DEFER_PORT" -r RCPT \
        -b "450 4.2.1 <$LAB_DEFER_RCPT>: $rejected: Mailbox disabled" \
        || return 1
    lab_sink_start accept "$LAB_ACCEPT_PORT" \
        -d "$LAB_SINK_DUMP/%Y%m%d%H%M%S." || return 1
}

lab_sinks_stop() {
    local pid

    for pid in "${LAB_SINK_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
        lab_wait_exit "$pid" 5 || kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    LAB_SINK_PIDS=()
}

lab_postfix() {
    MAIL_CONFIG=$LAB_ETC "$LAB_SBIN/postfix" -c "$LAB_ETC" "$@" \
        >>"$LAB_DIR/postfix.out" 2>&1
}

lab_postfix_start() {
    local pidfile=$LAB_QUEUE/pid/master.pid i

    if ! lab_postfix start; then
        lab_log "postfix start failed; its output follows"
        cat "$LAB_DIR/postfix.out" >&2
        return 1
    fi
    for ((i = 0; i < 100; i++)); do
        if [ -s "$pidfile" ]; then
            LAB_MASTER_PID=$(tr -d ' \n' <"$pidfile")
            break
        fi
        sleep 0.1
    done
    if [ -z "$LAB_MASTER_PID" ]; then
        lab_log "Postfix master wrote no $pidfile"
        return 1
    fi
    lab_wait_port "$LAB_SMTPD_PORT" 10
}

# postfix stop returns before the master has closed its sockets, so wait
# for the master process itself.
lab_postfix_stop() {
    local pid=$LAB_MASTER_PID

    [ -n "$pid" ] || return 0
    lab_postfix stop || kill -TERM "$pid" 2>/dev/null
    if ! lab_wait_exit "$pid" 20; then
        lab_log "Postfix master $pid still runs 20 s after stop; killing it"
        kill -KILL "$pid" 2>/dev/null
        lab_wait_exit "$pid" 5
    fi
    LAB_MASTER_PID=
}

# postfix reload returns before every daemon runs with the new main.cf.
# NOTE: the 1 s pause is an estimate.  It was enough for cleanup and smtpd
# to use new milter settings in every e2e_postfix.sh run so far.
lab_postfix_reload() {
    lab_postfix reload || return 1
    sleep 1
}

lab_milter_configure() {
    local action=$1 smtpd=${2:-} spec

    case $action in
        none) spec= ;;
        accept | tempfail)
            # No blanks around "=": Postfix 3.7 rejects them here.
            spec="{ unix:$LAB_MILTER_SOCKET, default_action=$action }"
            ;;
        *)
            lab_log "milter action must be none, accept or tempfail: $action"
            return 1
            ;;
    esac
    lab_postconf -e "non_smtpd_milters = $spec" || return 1
    if [ "$smtpd" = smtpd ]; then
        lab_postconf -e "smtpd_milters = $spec" || return 1
    else
        lab_postconf -e "smtpd_milters =" || return 1
    fi
    if [ -n "$LAB_MASTER_PID" ]; then
        lab_postfix_reload
    fi
}

# Start the milter in the foreground mode, logging to LAB_MILTER_LOG, and
# wait for its socket.  The socket is made writable for Postfix's user.
lab_milter_start() {
    local binary=$1 config=$2 i
    shift 2

    if [ -n "$LAB_MILTER_PID" ]; then
        lab_log "milter already runs as PID $LAB_MILTER_PID"
        return 1
    fi
    rm -f "$LAB_MILTER_SOCKET"
    printf '=== %s: %s -f -c %s -p unix:%s%s\n' "$(date +%T)" \
        "$binary" "$config" "$LAB_MILTER_SOCKET" "${*:+ $*}" \
        >>"$LAB_MILTER_LOG"
    (umask 000; exec "$binary" -f -c "$config" \
        -p "unix:$LAB_MILTER_SOCKET" "$@") >>"$LAB_MILTER_LOG" 2>&1 &
    LAB_MILTER_PID=$!
    for ((i = 0; i < 100; i++)); do
        if [ -S "$LAB_MILTER_SOCKET" ]; then
            chmod 0666 "$LAB_MILTER_SOCKET"
            return 0
        fi
        if ! kill -0 "$LAB_MILTER_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    lab_log "milter created no socket $LAB_MILTER_SOCKET; its log follows"
    cat "$LAB_MILTER_LOG" >&2
    lab_milter_stop
    return 1
}

# libmilter takes a few seconds to exit after SIGTERM and keeps accepting
# connections until then, so wait for the process.  Return the milter's
# exit status, or 1 when it had to be killed.
lab_milter_stop() {
    local pid=$LAB_MILTER_PID status=0 code

    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    if ! lab_wait_exit "$pid" 15; then
        lab_log "milter $pid still runs 15 s after SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null
        status=1
    fi
    wait "$pid" 2>/dev/null
    code=$?
    if [ "$status" = 0 ]; then
        status=$code
    fi
    LAB_MILTER_PID=
    rm -f "$LAB_MILTER_SOCKET"
    return "$status"
}

# Submit standard input with the instance's sendmail.
lab_sendmail() {
    local from=$1
    shift

    MAIL_CONFIG=$LAB_ETC timeout "$LAB_COMMAND_TIMEOUT" \
        "$LAB_SBIN/sendmail" -i -f "$from" -- "$@"
}

# Send FILE (header and body, LF line ends) to the instance's smtpd.
lab_smtp_send() {
    local file=$1 from=$2 rcpt=$3

    timeout "$LAB_COMMAND_TIMEOUT" "$LAB_SBIN/smtp-source" -4 \
        -M client.lab.test -f "$from" -t "$rcpt" -F "$file" \
        "127.0.0.1:$LAB_SMTPD_PORT"
}

lab_postqueue_flush() {
    MAIL_CONFIG=$LAB_ETC timeout "$LAB_COMMAND_TIMEOUT" \
        "$LAB_SBIN/postqueue" -c "$LAB_ETC" -f
}

lab_queue_count() {
    find "$LAB_QUEUE/maildrop" "$LAB_QUEUE/incoming" "$LAB_QUEUE/active" \
        "$LAB_QUEUE/deferred" "$LAB_QUEUE/hold" -type f 2>/dev/null \
        | wc -l
}

lab_capture_list() {
    find "$LAB_CAPTURE/new" -type f | sort
}

lab_capture_count() {
    find "$LAB_CAPTURE/new" -type f | wc -l
}

# Wait up to SECONDS until at least N messages are captured.
lab_wait_captured() {
    local count=$1 seconds=$2 i

    for ((i = 0; i < seconds * 10; i++)); do
        if [ "$(lab_capture_count)" -ge "$count" ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

lab_capture_move() {
    local dest=$1 file

    mkdir -p "$dest" || return 1
    for file in $(lab_capture_list); do
        mv "$file" "$dest/" || return 1
    done
}

# Print the unfolded value of header field NAME of the message in FILE, or
# of the header block read from standard input when FILE is "-".
lab_header() {
    awk -v name="$2" '
        BEGIN { want = tolower(name) ":" }
        /^\r?$/ { flush(); exit }
        /^[ \t]/ { if (cur != "") cur = cur $0; next }
        { flush(); cur = $0 }
        END { flush() }
        function flush() {
            if (cur != "" && !found &&
                tolower(substr(cur, 1, length(want))) == want) {
                v = substr(cur, length(want) + 1)
                gsub(/[\r\n]/, "", v)
                sub(/^[ \t]+/, "", v)
                print v
                found = 1
            }
            cur = ""
        }' "$1"
}

# Print the boundary parameter of the Content-Type of the message in FILE.
lab_mime_boundary() {
    lab_header "$1" Content-Type | awk '{
        i = index(tolower($0), "boundary=")
        if (i == 0) exit 1
        v = substr($0, i + 9)
        if (substr(v, 1, 1) == "\"") {
            v = substr(v, 2)
            v = substr(v, 1, index(v, "\"") - 1)
        } else {
            sub(/[; \t].*/, "", v)
        }
        print v
    }'
}

# Print part N (from 1) of the multipart message in FILE: its header, the
# empty line and its content, up to the next boundary line.
lab_mime_part() {
    local boundary

    boundary=$(lab_mime_boundary "$1") || return 1
    [ -n "$boundary" ] || return 1
    awk -v b="--$boundary" -v n="$2" '
        { line = $0; sub(/\r$/, "", line) }
        !body { if (line == "") body = 1; next }
        line == b "--" { exit }
        line == b { part++; next }
        part == n { print }
    ' "$1"
}

# Print the content of part N of FILE with its Content-Transfer-Encoding
# (quoted-printable or base64) undone.
lab_mime_text() {
    local part encoding

    part=$(lab_mime_part "$1" "$2") || return 1
    encoding=$(printf '%s\n' "$part" | lab_header - \
        Content-Transfer-Encoding | tr '[:upper:]' '[:lower:]' | tr -d ' \t')
    case $encoding in
        quoted-printable)
            printf '%s\n' "$part" | sed '1,/^\r\{0,1\}$/d' | lab_qp_decode
            ;;
        base64)
            printf '%s\n' "$part" | sed '1,/^\r\{0,1\}$/d' | base64 -d
            ;;
        *)
            printf '%s\n' "$part" | sed '1,/^\r\{0,1\}$/d'
            ;;
    esac
}

lab_qp_decode() {
    awk '
        BEGIN {
            for (i = 0; i < 256; i++)
                hex[sprintf("%02X", i)] = sprintf("%c", i)
        }
        {
            line = $0
            sub(/\r$/, "", line)
            soft = sub(/=$/, "", line)
            out = ""
            while ((i = index(line, "=")) > 0) {
                code = toupper(substr(line, i + 1, 2))
                out = out substr(line, 1, i - 1)
                if (code in hex) {
                    out = out hex[code]
                    line = substr(line, i + 3)
                } else {
                    out = out "="
                    line = substr(line, i + 1)
                }
            }
            printf "%s%s", out line, (soft ? "" : "\n")
        }'
}

# Stop the milter, Postfix and the sinks.  Remove the lab directory when
# STATUS is 0 and LAB_KEEP is not 1; otherwise print where it is.
lab_cleanup() {
    local status=${1:-0}

    trap - EXIT
    [ "$LAB_CREATED" = 1 ] || return 0
    LAB_CREATED=0
    lab_milter_stop
    lab_postfix_stop
    lab_sinks_stop
    if [ "$status" = 0 ] && [ "${LAB_KEEP:-0}" != 1 ]; then
        rm -rf "$LAB_DIR" ${LAB_SHORT_DIR:+"$LAB_SHORT_DIR"}
    else
        lab_log "lab directory kept: $LAB_DIR" \
            ${LAB_SHORT_DIR:+"(queue and socket in $LAB_SHORT_DIR)"}
    fi
}
