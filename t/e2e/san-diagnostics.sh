#!/bin/sh
# san-diagnostics.sh — t/e2e/diagnostics.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
SUBTEST=diagnostics
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
