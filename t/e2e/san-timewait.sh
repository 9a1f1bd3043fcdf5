#!/bin/sh
# san-timewait.sh — t/e2e/timewait.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
SUBTEST=timewait
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
