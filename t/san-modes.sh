#!/bin/sh
# san-modes.sh — t/modes.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
SUBTEST=modes
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
