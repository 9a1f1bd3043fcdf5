# sanitized.sh — one shell test again, over the library built with
# AddressSanitizer and UBSan (lib/.libs/libsockshim-san.so, preloaded after
# the ASan runtime): it must pass whole, and no sanitizer may report
# anything. Sourced by t/e2e/san-NAME.sh with SUBTEST=NAME: a test of its own
# per script, so that make -j runs them side by side (one script running
# them all, one after the other, was the longest test of the suite).
#
# Covered: the tests that drive the library through real programs. Not
# here: launcher.sh (it finds the library on its own), log.sh (it plants a
# setuid copy of the library), exports.sh (the normal build's symbols), and
# unmodified.sh (Debian's curl deadlocks at start-up under a preloaded ASan
# runtime even without sockshim). The unit tests are themselves sanitizer
# builds (plain ones in a build without the sanitizers).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

: "${SUBTEST:?set SUBTEST to the name of the test to run}"
t=$SUBTEST

# Without the sanitizers (configure --disable-sanitizers, or a compiler
# without libasan) make check sets SOCKSHIM_TEST_SAN_LIB empty: running
# t/e2e/$t.sh again over the same unsanitized library would prove nothing.
[ -n "$SAN_LIB" ] ||
    skip_all "no sanitizer build (configure found no -fsanitize=address,undefined with a shared libasan.so, or --disable-sanitizers)"

plan 2

SOCKSHIM_TEST_LIB=$SAN_LIB SOCKSHIM_TEST_BUILD=$BUILD \
    SOCKSHIM_TEST_SRC=$SRC \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99:log_path="$TMP/asan" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path="$TMP/ubsan" \
    TEST_TIMEOUT=120 sh "$SRC/t/e2e/$t.sh" >"$TMP/$t.tap" 2>"$TMP/$t.err"
planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$TMP/$t.tap")
passed=$(grep -c '^ok ' "$TMP/$t.tap")
skipped=$(grep -c '^ok .*# SKIP' "$TMP/$t.tap")
if [ -n "$planned" ] && [ "$planned" -gt 0 ] && [ "$planned" = "$passed" ]; then
    ok 0 "t/e2e/$t.sh passes over the sanitized library ($passed tests, $skipped of them skipped)"
else
    ok 1 "t/e2e/$t.sh passes over the sanitized library"
    diag "planned ${planned:-?}, passed $passed" \
        "$(grep -v '^ok ' "$TMP/$t.tap" | head -20)"
fi
reports=$(cat "$TMP"/asan.* "$TMP"/ubsan.* 2>/dev/null; \
    grep -h 'runtime error:\|AddressSanitizer' "$TMP/$t.err")
is "" "$reports" "t/e2e/$t.sh: no sanitizer report"
