#!/bin/sh
# san-fd-tracking.sh — t/e2e/fd-tracking.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
SUBTEST=fd-tracking
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
