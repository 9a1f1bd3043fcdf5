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
# tracks (or, outside git, on the usual folders).
set -u
cd "$(dirname "$0")/.." || exit 2

if git rev-parse --git-dir >/dev/null 2>&1; then
    c_files=$(git ls-files '*.c' '*.h')
    sh_files=$(git ls-files '*.sh')
else
    c_files=$(find lib tools examples t -name '*.[ch]' | sort)
    sh_files=$(find t tools -name '*.sh' | sort)
fi

status=0
# shellcheck disable=SC2086 # one file name a word: none has a space
if [ "${1:-}" = --fix ]; then
    clang-format -i $c_files || exit 2
fi
for f in $c_files; do
    if ! clang-format "$f" | cmp -s - "$f"; then
        echo "style: $f differs from clang-format's layout" \
            "(tools/check-style.sh --fix rewrites it)"
        status=1
    fi
done
# shellcheck disable=SC2086 # one file name a word
shellcheck $sh_files || status=1
exit $status
