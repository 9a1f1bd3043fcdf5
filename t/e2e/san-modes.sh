#!/bin/sh
# san-modes.sh — t/e2e/modes.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
SUBTEST=modes
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
