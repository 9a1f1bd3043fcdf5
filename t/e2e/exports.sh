#!/bin/sh
# exports.sh — the library exports exactly the wrapped libc names (the
# thread functions included: they end direct system calls, lib/base/direct.h;
# the fortified reads, syscall() and vfork() too).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

plan 3

expected="__read_chk __recv_chk __recvfrom_chk accept accept4 bind close
close_range closefrom connect dup dup2 dup3 fcntl fcntl64 fork listen pipe2
pthread_cancel pthread_create read readv recv recvfrom recvmmsg recvmsg send
sendmmsg sendmsg sendto setsockopt shutdown sigaltstack socket socketpair
syscall thrd_create vfork write writev"
# shellcheck disable=SC2086 # one name a word, one a line
expected=$(printf '%s\n' $expected | sort)
seen=$(nm -D --defined-only "$SHIM_LIB" | awk '$2 ~ /^[TtWiu]$/ {print $3}' |
    sed 's/@.*//' | sort)
is "$expected" "$seen" "nm -D lists exactly the wrapped functions"

data=$(nm -D --defined-only "$SHIM_LIB" | awk '$2 !~ /^[TtWiuA]$/ {print $3}')
is "" "$data" "no exported data symbols"

# The map file and the exported list agree: nothing wrapped is left out.
map=$(sed -n '/global:/,/local:/p' "$SRC/lib/interpose/libsockshim.map" |
    grep -v 'global:\|local:' | tr -d ' ' | tr ';' '\n' | sed '/^$/d' | sort)
is "$expected" "$map" "libsockshim.map names the same functions"
