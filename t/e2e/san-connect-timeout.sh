#!/bin/sh
# san-connect-timeout.sh — t/e2e/connect-timeout.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
SUBTEST=connect-timeout
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
