#!/bin/sh
# san-connect-timeout.sh — t/e2e/connect-timeout.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
SUBTEST=connect-timeout
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
