# checks.sh - pass/fail bookkeeping for the end-to-end test scripts
#
# Source it after postfix-lab.sh.  Each check prints "PASS: NAME" or
# "FAIL: NAME"; a failed check can name a file that the script prints
# once all checks have run (SHOW_FILES).  PASSED and FAILED count them.

PASSED=0
FAILED=0
SHOW_FILES=()

pass() {
    PASSED=$((PASSED + 1))
    echo "PASS: $*"
}

# fail NAME [FILE]: FILE is printed once all checks have run.
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $1"
    if [ -n "${2:-}" ]; then
        SHOW_FILES+=("$2")
    fi
}

# check NAME FILE COMMAND...: pass when COMMAND succeeds.
check() {
    local name=$1 show=$2
    shift 2

    if "$@"; then
        pass "$name"
    else
        fail "$name" "$show"
    fi
}

# True when the text on standard input contains STRING as a substring.
contains() {
    grep -qF -- "$1"
}

# True when the decoded part N of FILE contains STRING.
part_contains() {
    lab_mime_text "$1" "$2" | contains "$3"
}

# Print the files named by failed checks and the tails of both logs.
show_context() {
    local file

    echo "---- context of the failed checks"
    for file in $(printf '%s\n' "${SHOW_FILES[@]}" | sort -u); do
        case $file in
            "$LAB_LOG" | "$LAB_MILTER_LOG") continue ;;
        esac
        echo "---- $file"
        head -n 150 "$file"
    done
    echo "---- tail of the Postfix log $LAB_LOG"
    tail -n 40 "$LAB_LOG"
    echo "---- tail of the milter log $LAB_MILTER_LOG"
    tail -n 40 "$LAB_MILTER_LOG" 2>/dev/null
}

# lab_run_dir DIR PREFIX: make a new lab directory under DIR, or under
# /tmp when user nobody (the capture transport's user) cannot reach DIR,
# and print its path.
lab_run_dir() {
    local dir=$1

    mkdir -p "$dir" || return 1
    if ! lab_reachable_by_nobody "$dir"; then
        echo "# $dir is not searchable by user nobody; using /tmp" >&2
        dir=/tmp
    fi
    mktemp -d "$dir/$2.XXXXXX"
}
