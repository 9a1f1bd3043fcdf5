#!/bin/sh
# san-diagnostics.sh — t/e2e/diagnostics.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
SUBTEST=diagnostics
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
