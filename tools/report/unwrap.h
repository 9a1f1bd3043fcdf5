/*
 * unwrap.h — one log line to one sockshim event, whatever shipped it.
 *
 * A line may be the event itself (a JSON object with "kind"), or the
 * event carried by a log shipper: a journalctl -o json record (the event
 * is the string in MESSAGE), a syslog line with an "@cee:" cookie or a
 * "TAG[PID]: " prefix before the JSON, or an export (Loki,
 * Elasticsearch) whose JSON object holds the event as a string field
 * named by --field ("line", "_source.message").
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_UNWRAP_H
#define SOCKSHIM_REPORT_UNWRAP_H

#include <stddef.h>

#include "scan.h"

/*
 * The event in LINE (LEN bytes, no newline) into *EV: returns 1, or 0
 * when the line holds no sockshim JSON event (text-format sockshim lines
 * included). EV's spans point into LINE or into unwrap's own buffers,
 * valid until the next call. FIELD, when not NULL, is the dotted path of
 * the string field that holds the event in a JSON wrapper; MESSAGE
 * (journald) is always tried. Plain event lines take scan.c's fast path;
 * the rest go through jansson.
 */
int unwrap_line(const char *line, size_t len, const char *field,
                struct event *ev) __attribute__((nonnull(1, 4)));

#endif
