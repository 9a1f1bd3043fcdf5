/*
 * unwrap.c — find the sockshim event in a log line (see unwrap.h). Each
 * wrapper is peeled in turn, at most a few levels deep (a journald
 * record of a syslog line of an event), and jansson does all the JSON.
 */
#define _GNU_SOURCE
#include "unwrap.h"

#include <string.h>

#include "util.h"

/* Wrappers inside wrappers deeper than this are not logs but a puzzle. */
enum { MAX_DEPTH = 4 };

static json_t *unwrap(const char *line, size_t len, const char *field,
                      int depth);

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

/* The event held as a string (or, from journald, as an array of bytes
 * when the text was not UTF-8) in V, or NULL. */
static json_t *unwrap_value(const json_t *v, const char *field, int depth) {
    if (json_is_string(v))
        return unwrap(json_string_value(v), json_string_length(v), field,
                      depth + 1);
    if (!json_is_array(v))
        return NULL;
    size_t n = json_array_size(v);
    char *bytes = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        json_int_t b = json_integer_value(json_array_get(v, i));
        bytes[i] = (char)(b & 0xff);
    }
    json_t *ev = unwrap(bytes, n, field, depth + 1);
    free(bytes);
    return ev;
}

/* The event in a JSON object: the object itself, or the string at FIELD,
 * or journald's MESSAGE. */
static json_t *unwrap_object(json_t *obj, const char *field, int depth) {
    if (is_event(obj))
        return json_incref(obj);
    json_t *inner = NULL;
    if (field != NULL && (inner = get_path(obj, field)) != NULL)
        return unwrap_value(inner, field, depth);
    if ((inner = json_object_get(obj, "MESSAGE")) != NULL)
        return unwrap_value(inner, field, depth);
    return NULL;
}

/* The JSON object that starts at P and runs to the end of the line. */
static json_t *parse_object(const char *p, size_t len, const char *field,
                            int depth) {
    /* Trailing blanks and a carriage return are the shipper's. */
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\r' ||
                       p[len - 1] == '\t' || p[len - 1] == '\n'))
        len--;
    json_t *obj = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL);
    if (obj == NULL)
        return NULL;
    json_t *ev = json_is_object(obj) ? unwrap_object(obj, field, depth) : NULL;
    json_decref(obj);
    return ev;
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

static json_t *unwrap(const char *line, size_t len, const char *field,
                      int depth) {
    if (depth > MAX_DEPTH)
        return NULL;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    if (len > 0 && *line == '{')
        return parse_object(line, len, field, depth);
    const char *json = after_syslog_prefix(line, len);
    if (json == NULL)
        return NULL;
    return parse_object(json, len - (size_t)(json - line), field, depth);
}

json_t *unwrap_line(const char *line, size_t len, const char *field) {
    return unwrap(line, len, field, 0);
}
