#!/bin/sh
# Build dsn-milter and run the whole test suite: unit suites, golden
# pairs, the real-world corpus and the end-to-end Postfix test, then the
# unit suites, golden pairs and corpus again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then make distcheck.  Run as root from the
# top of the source tree; packages are installed first.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "${DSN_SKIP_INSTALL:-}" != 1 ]; then
    tests/install-deps.sh
fi
./autogen.sh >/dev/null 2>&1 || ./autogen.sh

echo "== build and test"
rm -rf build build-asan
mkdir build
(cd build && ../configure -q && make -j2 && make check) || {
    cat build/test-suite.log 2>/dev/null || true
    exit 1
}

echo "== sanitizers"
mkdir build-asan
(cd build-asan &&
    ../configure -q CFLAGS="-g -O1 -fno-omit-frame-pointer \
-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
        LDFLAGS="-fsanitize=address,undefined" &&
    make -j2 &&
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        make check-sanitize) || {
    cat build-asan/test-suite.log 2>/dev/null || true
    exit 1
}

echo "== distcheck"
(cd build && make distcheck >distcheck.log 2>&1) || {
    tail -50 build/distcheck.log
    exit 1
}
# One closing line for the two test runs (the plain and the sanitizer
# build); make distcheck repeats the first run and is not counted again.
count() {
    sed -n "s/^# $1: *//p" build/test-suite.log build-asan/test-suite.log |
        awk '{ n += $1 } END { print n + 0 }'
}
echo "run-all: $(count PASS) passed, $(count FAIL) failed, $(count SKIP) skipped"
