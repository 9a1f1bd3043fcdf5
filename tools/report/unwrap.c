/*
 * unwrap.c — find the sockshim event in a log line (see unwrap.h). Each
 * wrapper is peeled in turn, at most a few levels deep (a journald
 * record of a syslog line of an event). A plain event line is read by
 * scan.c alone; whatever it does not take, jansson parses, and an event
 * so found is re-encoded compact and ASCII for scan.c to read.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "unwrap.h"

#include <jansson.h>
#include <string.h>

#include "util.h"

/* Wrappers inside wrappers deeper than this are not logs but a puzzle. */
enum { MAX_DEPTH = 4 };

static int unwrap(const char *line, size_t len, const char *field, int depth,
                  struct event *ev);

/* Text that outlives the jansson tree it came from: the event's spans
 * point into it until the next line. One per nesting level. */
static struct strbuf held[MAX_DEPTH + 2];

/* An object is a sockshim event when it has a "kind" that is a word
 * (lower case, digits, '_') and an integer "pid": every line the library
 * writes has both, and a kind so made can name a suppression. */
static int is_event(const json_t *v) {
    const char *kind = json_string_value(json_object_get(v, "kind"));
    if (kind == NULL || kind[0] == '\0' ||
        kind[strspn(kind, "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0')
        return 0;
    return json_is_integer(json_object_get(v, "pid"));
}

/* The value at dotted PATH in OBJ ("_source.message"), or NULL. A key
 * that itself holds a dot is tried whole first. */
static json_t *get_path(json_t *obj, const char *path) {
    json_t *whole = json_object_get(obj, path);
    if (whole != NULL)
        return whole;
    const char *dot = strchr(path, '.');
    if (dot == NULL || !json_is_object(obj))
        return NULL;
    char *head = xstrdup(path);
    head[dot - path] = '\0';
    json_t *inner = json_object_get(obj, head);
    free(head);
    return inner != NULL ? get_path(inner, dot + 1) : NULL;
}

/* Keep the N bytes at S at nesting level DEPTH; returns the copy. */
static const char *hold(int depth, const char *s, size_t n) {
    struct strbuf *b = &held[depth];
    b->len = 0;
    strbuf_add(b, s, n);
    return strbuf_str(b);
}

/* The event held as a string (or, from journald, as an array of bytes
 * when the text was not UTF-8) in V; 0 when none. */
static int unwrap_value(const json_t *v, const char *field, int depth,
                        struct event *ev) {
    if (json_is_string(v)) {
        const char *text =
            hold(depth + 1, json_string_value(v), json_string_length(v));
        return unwrap(text, json_string_length(v), field, depth + 1, ev);
    }
    if (!json_is_array(v))
        return 0;
    size_t n = json_array_size(v);
    struct strbuf *b = &held[depth + 1];
    b->len = 0;
    for (size_t i = 0; i < n; i++) {
        char c = (char)(json_integer_value(json_array_get(v, i)) & 0xff);
        strbuf_add(b, &c, 1);
    }
    return unwrap(strbuf_str(b), n, field, depth + 1, ev);
}

/* The event in a JSON object: the object itself (re-encoded for
 * scan.c), or the string at FIELD, or journald's MESSAGE. */
static int unwrap_object(json_t *obj, const char *field, int depth,
                         struct event *ev) {
    if (is_event(obj)) {
        char *text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (text == NULL)
            return 0;
        const char *kept = hold(depth + 1, text, strlen(text));
        size_t n = strlen(text);
        free(text);
        return scan_event(kept, n, ev) == 1;
    }
    json_t *inner = NULL;
    if (field != NULL && (inner = get_path(obj, field)) != NULL)
        return unwrap_value(inner, field, depth, ev);
    if ((inner = json_object_get(obj, "MESSAGE")) != NULL)
        return unwrap_value(inner, field, depth, ev);
    return 0;
}

/* The JSON object that starts at P and runs to the end of the line. */
static int parse_object(const char *p, size_t len, const char *field, int depth,
                        struct event *ev) {
    /* Trailing blanks and a carriage return are the shipper's. */
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\r' ||
                       p[len - 1] == '\t' || p[len - 1] == '\n'))
        len--;
    /* The library's own lines: no tree built. A wrapper object, or a
     * line the scanner leaves to jansson, goes on below. */
    if (scan_event(p, len, ev) == 1)
        return 1;
    json_t *obj = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL);
    if (obj == NULL)
        return 0;
    int found = json_is_object(obj) && unwrap_object(obj, field, depth, ev);
    json_decref(obj);
    return found;
}

/* Where the JSON after a syslog prefix starts: after "@cee:", or after
 * the first "]: " (TAG[PID]: ) or ": " followed by '{'; NULL if none. */
static const char *after_syslog_prefix(const char *line, size_t len) {
    const char *end = line + len;
    const char *cee = memmem(line, len, "@cee:", 5);
    if (cee != NULL) {
        const char *p = cee + 5;
        while (p < end && *p == ' ')
            p++;
        return p < end && *p == '{' ? p : NULL;
    }
    for (const char *p = line; p + 1 < end; p++) {
        if (p[0] != ':' || (p > line && p[-1] != ']'))
            continue;
        const char *q = p + 1;
        while (q < end && *q == ' ')
            q++;
        if (q < end && *q == '{')
            return q;
    }
    return NULL;
}

static int unwrap(const char *line, size_t len, const char *field, int depth,
                  struct event *ev) {
    if (depth > MAX_DEPTH)
        return 0;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    if (len > 0 && *line == '{')
        return parse_object(line, len, field, depth, ev);
    const char *json = after_syslog_prefix(line, len);
    if (json == NULL)
        return 0;
    return parse_object(json, len - (size_t)(json - line), field, depth, ev);
}

int unwrap_line(const char *line, size_t len, const char *field,
                struct event *ev) {
    return unwrap(line, len, field, 0, ev);
}
