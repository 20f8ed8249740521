#!/bin/sh
# Install the Debian 12 packages that build and test dsn-milter.
# Postfix is installed without configuring a system instance: the tests
# run private instances of their own.
set -eu
if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: run as root (apt-get needs it)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    build-essential autoconf automake libtool pkg-config \
    libmilter-dev libconfig-dev check libgmime-3.0-dev libjson-glib-dev \
    postfix iproute2 procps chromium fonts-noto-cjk >/dev/null
