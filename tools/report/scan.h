/*
 * scan.h — one event line to the fields findings need, in one pass and
 * without building a JSON tree: the fast path that lets sockshim-report
 * read a million events in seconds. The scanner checks the whole line
 * against JSON's grammar and takes only what is plainly JSON (printable
 * ASCII, unique top-level keys); anything else goes to jansson, whose
 * compact ASCII re-encoding the scanner then reads (see unwrap.c).
 * Stacks and groups stay raw text: each distinct stack is kept once
 * (struct stack_text), and findings.c parses it once per process.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_SCAN_H
#define SOCKSHIM_REPORT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "stack.h"
#include "stacktext.h"
#include "util.h"

/* A piece of the line: raw JSON text, not NUL-terminated. */
struct span {
    const char *p;
    size_t n;
    /* For a stack ("stack", "created_at", "closed_at"): its kept text,
     * equal to the N bytes at P (never NULL); else NULL. */
    const struct stack_text *text;
};

struct event {
    /* Decoded strings, NUL-terminated, in buf; NULL when absent or not
     * a string. */
    const char *kind, *host, *prog, *ts, *level, *where, *path, *build_id;
    long pid;
    /* Integers, each with a flag that says it was there as an integer. */
    int has_repeat, has_stack_id, has_age, has_module_id;
    long long repeat, stack_id, age_ms, module_id;
    /* "stack", "created_at", "closed_at" (n 0: absent), "groups" (the
     * whole array, or n 0). */
    struct span stacks[STACK_ROLES];
    struct span groups;
    /* Owned: the decoded strings (reused from line to line). */
    char *buf;
    size_t cap;
};

/*
 * Read the JSON object LINE (LEN bytes, no newline) into *EV. Returns 1
 * when LINE is a well-formed object of printable ASCII with unique
 * top-level keys, a word "kind" and an integer "pid" (a sockshim event);
 * 0 when it is such an object but not an event; -1 when the scanner
 * does not take it (the caller asks jansson).
 */
int scan_event(const char *line, size_t len, struct event *ev)
    ATTR_NONNULL(1, 3);

/* One group of an open_sockets report. */
struct group {
    long long count;  /* -1 when absent */
    const char *role; /* decoded into the iterator's buffer, or NULL */
    struct span created_at;
};
struct group_iter {
    const char *p, *end;
    char role[64];
};
/* Start walking the groups array SPAN (as scan_event gave it). */
void group_iter_start(struct group_iter *it, struct span groups)
    ATTR_NONNULL(1);
/* The next group into *G: 1, or 0 at the end (an element that is not an
 * object is skipped). */
int group_iter_next(struct group_iter *it, struct group *g) ATTR_NONNULL(1, 2);

#endif
