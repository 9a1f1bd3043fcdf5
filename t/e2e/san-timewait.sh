#!/bin/sh
# san-timewait.sh — t/e2e/timewait.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
SUBTEST=timewait
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
