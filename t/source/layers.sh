#!/bin/sh
# layers.sh — the library's folders are layers whose includes point only
# down (interpose -> policy, diagnose -> config -> output -> base), with
# no include cycle and no file over 500 lines; and no build output is
# tracked in git. t/helpers/layers.py does the reading; a planted tree
# shows that it finds each kind of fault.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

plan 8

LAYERS="$SRC/t/helpers/layers.py"
findings=$(python3 "$LAYERS" "$SRC/lib" 2>&1)
is "" "$findings" "lib/: includes point down, no cycle, no file over 500 lines"

# A tree with one of each fault.
mkdir -p "$TMP/lib/base" "$TMP/lib/output" "$TMP/lib/policy" \
    "$TMP/lib/diagnose"
printf '#include "output/log.h"\n' >"$TMP/lib/base/clock.c"
printf '#include "diagnose/report.h"\n' >"$TMP/lib/policy/policy.c"
printf '#include "output/b.h"\n' >"$TMP/lib/output/a.h"
printf '#include "output/a.h"\n' >"$TMP/lib/output/b.h"
printf '#include "report.h"\n' >"$TMP/lib/diagnose/checks.c"
: >"$TMP/lib/diagnose/report.h"
: >"$TMP/lib/output/log.h"
: >"$TMP/lib/stray.c"
seq 501 | sed 's|^|// |' >"$TMP/lib/output/long.c"
planted=$(python3 "$LAYERS" "$TMP/lib" 2>&1)
like "$planted" "upward base/clock.c:1 output/log.h" \
    "planted: base including output is found"
like "$planted" "upward policy/policy.c:1 diagnose/report.h" \
    "planted: policy including diagnose, its sibling, is found"
like "$planted" "cycle output/a -> output/b -> output/a" \
    "planted: an include cycle within a folder is found"
like "$planted" "bare diagnose/checks.c:1 report.h" \
    "planted: a library header included without its folder is found"
like "$planted" "placement stray.c" \
    "planted: a source file outside the layer folders is found"
like "$planted" "long output/long.c 501" \
    "planted: a file of 501 lines is found"

if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    is "" "$(git -C "$SRC" ls-files '*.a' '*.o' '*.lo' '*.la')" \
        "no build output (.a .o .lo .la) tracked in git"
else
    skip "no build output tracked in git" "not a git checkout (a tarball)"
fi
