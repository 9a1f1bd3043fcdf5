/*
 * basic.h — a small TAP producer for sockshim's C tests, in the manner of
 * rra/c-tap-harness: plan(), ok(), is_int(), is_string(), diag(),
 * skip_all(), bail(). Output goes to stdout for Automake's tap-driver.sh.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_TAP_BASIC_H
#define SOCKSHIM_TAP_BASIC_H

/* Announce COUNT tests; at exit, a wrong count makes the run fail. */
void plan(int count);

/* Skip the whole file with a reason, and exit 0. */
void skip_all(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Report a test; returns SUCCESS so callers can add diagnostics. */
int ok(int success, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int is_int(long long expected, long long seen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int is_string(const char *expected, const char *seen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A comment line ("# ...") for the reader of the log. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stop the whole run: "Bail out! ...", exit 255. */
void bail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
