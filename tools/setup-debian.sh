#!/bin/sh
# setup-debian.sh — install what sockshim needs on Debian 12 and build it.
#
# Run as root from the source tree: installs the build and test
# dependencies with apt-get (only when one is missing), then
# autoreconf, configure and make. Idempotent: a second run only rebuilds.
# Arguments go to configure (CI gives --enable-werror; the README's
# commands give none, so a new compiler's warning never stops them);
# with arguments, configure runs again even in a configured tree.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential autoconf automake libtool pkg-config libunwind-dev
  binutils iproute2 procps util-linux socat curl python3 haproxy
  redis-tools faketime valgrind clang-format shellcheck strace rsyslog
  python3-jsonschema libjansson-dev libdw-dev zlib1g-dev libcap2-bin
  chromium dpkg-dev debhelper dh-autoreconf lintian"

missing=
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing="$missing $p"
done
# The runtimes t/runtimes.sh runs under sockshim. They may come from
# another packaging (a nodesource nodejs, a JDK of another name): look for
# the commands, and install Debian's only when one is missing.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v javac >/dev/null 2>&1 || missing="$missing default-jdk-headless"
# CPython's own test suites, which t/signal-safety.sh runs under sockshim.
# libpython3.11-stdlib ships only test/support and test/libregrtest, so
# look for a test module, not the directory.
[ -e /usr/lib/python3.11/test/test_socket.py ] ||
    missing="$missing libpython3.11-testsuite"
if [ -n "$missing" ]; then
    echo "setup: installing:$missing"
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: run as root (or install:$missing)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # one package a word
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -x configure ] || autoreconf -fi
if [ ! -f Makefile ] || [ $# -gt 0 ]; then
    ./configure "$@"
fi
make -j"$(nproc)"
