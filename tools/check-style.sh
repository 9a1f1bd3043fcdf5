#!/bin/sh
# check-style.sh — the house style, checked: every C file of the tree as
# clang-format (with .clang-format) would write it, and every shell
# script clean under shellcheck (with .shellcheckrc).
#
#   tools/check-style.sh [--fix]
#
# Prints each file that differs (or each shellcheck finding) and exits 1;
# exits 0 when all is clean; --fix rewrites the C files in place first.
# Run from anywhere: it works on the tree it belongs to, on the files git
# tracks and the new ones it does not ignore, so a file is checked before
# its first commit (or, outside git, on the usual folders).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
set -u
cd "$(dirname "$0")/.." || exit 2

# Git's lists only when this tree is a checkout's top: make distcheck
# unpacks the tarball inside the checkout, where git knows none of it.
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
    # New files only in the source folders: not a build tree made inside.
    new=$(git ls-files --others --exclude-standard -- lib tools examples t)
    c_files=$(git ls-files '*.c' '*.h'; printf '%s\n' "$new" | grep '\.[ch]$')
    sh_files=$(git ls-files '*.sh'; printf '%s\n' "$new" | grep '\.sh$')
else
    c_files=$(find lib tools examples t -name '*.[ch]' | sort)
    sh_files=$(find t tools -name '*.sh' | sort)
fi
# Each shellcheck run takes a second or two of CPU per handful of scripts: a
# process per core, a few scripts each (make check runs this as a test).
jobs=$(nproc 2>/dev/null || echo 2)

status=0
# shellcheck disable=SC2086 # one file name a word: none has a space
if [ "${1:-}" = --fix ]; then
    clang-format -i $c_files || exit 2
fi
# One clang-format for every file (a process per file took 30 s on a
# loaded machine): --dry-run names each line it would change.
# shellcheck disable=SC2086 # one file name a word
differ=$(clang-format --dry-run $c_files 2>&1 |
    sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' |
    sort -u)
for f in $differ; do
    echo "style: $f differs from clang-format's layout" \
        "(tools/check-style.sh --fix rewrites it)"
    status=1
done
# shellcheck disable=SC2086 # one file name a word
printf '%s\n' $sh_files | xargs -P "$jobs" -n 8 shellcheck || status=1
exit $status
