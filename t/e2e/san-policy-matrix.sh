#!/bin/sh
# san-policy-matrix.sh — t/e2e/policy-matrix.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
SUBTEST=policy-matrix
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
