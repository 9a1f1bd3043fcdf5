/*
 * known.h — findings already known, left out of the report: those a
 * suppression file matches (the library's SOCKSHIM_SUPPRESS format,
 * "KIND:PATTERN" a line) and those a baseline (an earlier --json
 * output) lists; and suppression lines written for findings.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_KNOWN_H
#define SOCKSHIM_REPORT_KNOWN_H

#include <stdio.h>

#include "findings.h"
#include "util.h"

struct known {
    size_t nsup;
    struct suppression {
        const char *kind; /* NULL: any ("*") */
        char *pattern;
    } * sup;
    struct strmap baseline; /* "kind\nsignature" */
};

/* Read the suppressions of PATH into K. Malformed lines are reported
 * with PATH:LINE and skipped. Returns 0, or -1 when PATH cannot be read
 * (reported). */
int known_read_suppressions(struct known *k, const char *path)
    ATTR_NONNULL(1, 2);

/* Read the findings of a --json output at PATH into K's baseline.
 * Returns 0, or -1 when it cannot be read or is not such an output
 * (reported). */
int known_read_baseline(struct known *k, const char *path) ATTR_NONNULL(1, 2);

/* Whether a suppression matches F: its kind, and the pattern against the
 * function or the module of a frame of one of F's stacks. */
int known_suppressed(const struct known *k, const struct finding *f)
    ATTR_NONNULL(1, 2);

/* Whether K's baseline lists F. */
int known_in_baseline(const struct known *k, const struct finding *f)
    ATTR_NONNULL(1, 2);

/* Write a suppression line for F to OUT, after a comment naming it. */
void known_write_suppression(FILE *out, const struct finding *f)
    ATTR_NONNULL(1, 2);

#endif
