#!/bin/sh
# The main job, start to end: install the packages, build dsn-milter,
# then let a private Postfix on 127.0.0.1 bounce one message through the
# milter and print the rewritten bounce.  Run as root from the top of the
# source tree.  The private Postfix makes no DNS lookups and is removed
# afterwards.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "${DSN_SKIP_INSTALL:-}" != 1 ]; then
    sh tests/install-deps.sh
fi
./autogen.sh >/dev/null 2>&1 || ./autogen.sh
mkdir -p build
(cd build && { [ -f Makefile ] || ../configure -q; } && make -s -j2) >&2
DSN_MILTER="$top/build/milter/dsn-milter" \
    exec bash tests/lab/demo.sh "$top/etc/dsn-milter.conf"
