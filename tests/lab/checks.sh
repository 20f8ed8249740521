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
