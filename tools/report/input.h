/*
 * input.h — read sockshim logs from files, directories and standard
 * input, plain or gzip'd, line by line, and hand each event found to a
 * callback. Lines are streamed: nothing of a line outlives its callback.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_INPUT_H
#define SOCKSHIM_REPORT_INPUT_H

#include "scan.h"

struct input {
    /* Set by the caller. */
    const char *field; /* --field: the wrapper's string field, or NULL */
    /* Called with each event; EVENT and its spans are valid during the
     * call only. */
    void (*on_event)(const struct event *event, void *ctx);
    void *ctx;
    /* Counted while reading. */
    unsigned long lines, events, bad, unreadable;
    char *first_bad_file; /* malloc'd; with first_bad_line */
    unsigned long first_bad_line;
    struct event event; /* reused from line to line */
};

/*
 * Read ARG: a file (gzip'd or not), a directory (every *.jsonl, *.log and
 * *.gz file below it, in name order) or "-" for standard input. A file
 * that cannot be read is reported on stderr and counted in
 * in->unreadable; reading goes on. Returns 0, or -1 if anything could
 * not be read.
 */
int input_read(struct input *in, const char *arg) __attribute__((nonnull));

/* Print the line about bad lines, if any, on stderr ("N lines were not
 * sockshim JSON events (first at FILE:LINE)"). */
void input_report_bad(const struct input *in) __attribute__((nonnull));

#endif
