#!/bin/sh
# san-fd-tracking.sh — t/e2e/fd-tracking.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
SUBTEST=fd-tracking
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
