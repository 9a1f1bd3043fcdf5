/*
 * output.h — the report written out: as text (a headline per finding,
 * worst first, then its symbolized stacks), as one JSON document, or as
 * a self-contained HTML page.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_OUTPUT_H
#define SOCKSHIM_REPORT_OUTPUT_H

#include <stdio.h>

#include "findings.h"
#include "input.h"

/* What the report covered, for its footer. */
struct totals {
    const struct input *input;
    unsigned long suppressed, known; /* by --suppress, by --baseline */
    unsigned long filtered;          /* events the filters left out */
};

/* The findings to write: LIST[0..N), sorted, all of them shown. */
void output_text(FILE *out, struct finding *const *list, size_t n,
                 const struct totals *t) ATTR_NONNULL(1, 4);
/* Returns 0, or -1 if the document could not be written. */
int output_json(FILE *out, struct finding *const *list, size_t n,
                const struct totals *t) ATTR_NONNULL(1, 4);
void output_html(FILE *out, struct finding *const *list, size_t n,
                 const struct totals *t) ATTR_NONNULL(1, 4);

/* The closing line, as LeakSanitizer ends its report: "SUMMARY:
 * sockshim-report: N findings (E errors, W warnings, I info) in P
 * processes on H hosts". */
void output_summary_line(FILE *out, struct finding *const *list, size_t n)
    ATTR_NONNULL(1);

/* The keys of SET sorted, in a malloc'd array of *N (the strings are the
 * set's own). */
const char **output_sorted_keys(const struct strmap *set, size_t *n)
    ATTR_NONNULL(1, 2);

/* One line about F: "error close_wait ×12 in 3 processes on 2 hosts
 * (nginx) FIRST..LAST", without a newline; the caller frees it. */
char *output_headline(const struct finding *f, int utf8) ATTR_NONNULL(1);

/* The lines under F's headline (close_wait ages, a group's counts),
 * each ending in a newline, or "" ; the caller frees it. */
char *output_details(const struct finding *f) ATTR_NONNULL(1);

/* FILE without its directories: what a reader looks for. */
const char *output_short_file(const char *file) ATTR_NONNULL(1);

#endif
