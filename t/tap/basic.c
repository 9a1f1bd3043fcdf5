/*
 * basic.c — the TAP producer (see basic.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "basic.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int planned = -1, run, failed;

static void check_plan(void) {
    fflush(stdout);
    if (planned >= 0 && run != planned)
        fprintf(stdout, "# planned %d tests but ran %d\n", planned, run);
}

void plan(int count) {
    planned = count;
    printf("1..%d\n", count);
    fflush(stdout);
    atexit(check_plan);
}

void skip_all(const char *fmt, ...) {
    va_list ap;
    printf("1..0 # SKIP ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(0);
}

static int report(int success, const char *fmt, va_list ap) {
    run++;
    if (!success)
        failed++;
    printf("%sok %d - ", success ? "" : "not ", run);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    return success;
}

int ok(int success, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(success, fmt, ap);
    va_end(ap);
    return success;
}

int is_int(long long expected, long long seen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(expected == seen, fmt, ap);
    va_end(ap);
    if (expected != seen)
        diag("expected %lld, seen %lld", expected, seen);
    return expected == seen;
}

int is_string(const char *expected, const char *seen, const char *fmt, ...) {
    int same =
        (expected == NULL && seen == NULL) ||
        (expected != NULL && seen != NULL && strcmp(expected, seen) == 0);
    va_list ap;
    va_start(ap, fmt);
    report(same, fmt, ap);
    va_end(ap);
    if (!same)
        diag("expected '%s', seen '%s'", expected ? expected : "(null)",
             seen ? seen : "(null)");
    return same;
}

void diag(const char *fmt, ...) {
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

void bail(const char *fmt, ...) {
    va_list ap;
    printf("Bail out! ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(255);
}
