#!/bin/sh
# san-policy-matrix.sh — t/e2e/policy-matrix.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
SUBTEST=policy-matrix
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
