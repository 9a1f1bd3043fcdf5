#!/bin/sh
# style.sh — the house style holds: C laid out as .clang-format says,
# shell scripts clean under shellcheck (tools/check-style.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

plan 1

if ! command -v clang-format >/dev/null 2>&1 ||
    ! command -v shellcheck >/dev/null 2>&1; then
    skip "C files formatted, shell scripts shellcheck-clean" \
        "clang-format or shellcheck not installed (tools/setup-debian.sh installs both)"
    exit 0
fi
out=$(sh "$SRC/tools/check-style.sh" 2>&1)
ok $? "C files formatted (clang-format), shell scripts shellcheck-clean"
[ -n "$out" ] && diag "$(printf '%s\n' "$out" | head -n 40)"
exit 0
