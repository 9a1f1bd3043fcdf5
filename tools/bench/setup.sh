#!/bin/sh
# setup.sh — install what the benchmark needs and is missing (Debian 12,
# as root): nginx, wrk, strace, valgrind. Idempotent. The nginx package
# must not start a system daemon: a policy-rc.d refusing every start is in
# place during the install, and any nginx the package started is stopped.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
set -eu
need=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
command -v wrk >/dev/null 2>&1 || need="$need wrk"
command -v strace >/dev/null 2>&1 || need="$need strace"
command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
[ -z "$need" ] && { echo "setup.sh: nothing to install"; exit 0; }
if [ "$(id -u)" != 0 ]; then
    # Not fatal: run.sh prints the rows it can, "n/a" for the others.
    echo "setup.sh: missing:$need (run as root to install); those rows will say n/a" >&2
    exit 0
fi
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
if [ $had_policy = 0 ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # one package a word
apt-get install -y -qq --no-install-recommends $need
if [ $had_policy = 0 ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
fi
# Stop a daemon the package may have started anyway (the system's nginx,
# by its pid file only: never any other nginx).
service nginx stop >/dev/null 2>&1 || true
if [ -s /run/nginx.pid ]; then
    kill "$(cat /run/nginx.pid)" 2>/dev/null || true
fi
echo "setup.sh: installed:$need"
