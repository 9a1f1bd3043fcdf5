#!/bin/sh
# san-malformed-env.sh — t/e2e/malformed-env.sh over the library built with the sanitizers
# (t/tap/sanitized.sh).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
SUBTEST=malformed-env
. "$SOCKSHIM_TEST_SRC/t/tap/sanitized.sh"
