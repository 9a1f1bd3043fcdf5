/*
 * unwrap.h — one log line to one sockshim event, whatever shipped it.
 *
 * A line may be the event itself (a JSON object with "kind"), or the
 * event carried by a log shipper: a journalctl -o json record (the event
 * is the string in MESSAGE), a syslog line with an "@cee:" cookie or a
 * "TAG[PID]: " prefix before the JSON, or an export (Loki,
 * Elasticsearch) whose JSON object holds the event as a string field
 * named by --field ("line", "_source.message").
 */
#ifndef SOCKSHIM_REPORT_UNWRAP_H
#define SOCKSHIM_REPORT_UNWRAP_H

#include <jansson.h>
#include <stddef.h>

/*
 * The event in LINE (LEN bytes, no newline), as a new jansson reference
 * the caller releases with json_decref(); NULL when the line holds no
 * sockshim JSON event (text-format sockshim lines included). FIELD, when
 * not NULL, is the dotted path of the string field that holds the event
 * in a JSON wrapper; MESSAGE (journald) is always tried.
 */
json_t *unwrap_line(const char *line, size_t len, const char *field)
    __attribute__((nonnull(1), warn_unused_result));

#endif
