/*
 * scan.c — the fast path from a log line to an event (see scan.h): the
 * line is checked against JSON's grammar as lex.c reads it, and the few
 * top-level fields findings needs are decoded into one buffer; stacks
 * are found among the kept texts (stacktext.c). Where jansson would
 * reject a line (a bad escape, an integer too big, a lone surrogate, a
 * duplicate key) the scanner gives up and jansson has the last word, so
 * both paths take the same lines.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "scan.h"

#include <stdlib.h>
#include <string.h>

#include "lex.h"

/* More top-level keys than this are not the library's: jansson decides
 * whether they repeat. */
enum { MAX_KEYS = 48 };

/* The top-level fields taken, by key. */
enum field {
    F_OTHER,
    F_KIND,
    F_HOST,
    F_PROG,
    F_TS,
    F_LEVEL,
    F_WHERE,
    F_PATH,
    F_BUILD_ID,
    F_PID,
    F_REPEAT,
    F_STACK_ID,
    F_AGE,
    F_MODULE_ID,
    F_STACK,
    F_CREATED,
    F_CLOSED,
    F_GROUPS,
};

static const struct {
    const char *name;
    enum field field;
} field_names[] = {
    {"kind", F_KIND},
    {"host", F_HOST},
    {"prog", F_PROG},
    {"ts", F_TS},
    {"level", F_LEVEL},
    {"where", F_WHERE},
    {"path", F_PATH},
    {"build_id", F_BUILD_ID},
    {"pid", F_PID},
    {"repeat", F_REPEAT},
    {"stack_id", F_STACK_ID},
    {"age_ms", F_AGE},
    {"module_id", F_MODULE_ID},
    {"stack", F_STACK},
    {"created_at", F_CREATED},
    {"closed_at", F_CLOSED},
    {"groups", F_GROUPS},
};

enum { NFIELDS = sizeof field_names / sizeof *field_names, LONGEST_FIELD = 10 };

/* The field KEY (N bytes) names: only the names of its length are
 * compared. */
static enum field field_of(const char *key, size_t n) {
    /* Indices + 1 into field_names by length, each list ended by 0. */
    static unsigned char by_len[LONGEST_FIELD + 1][NFIELDS + 1];
    static int ready;
    if (!ready) {
        size_t count[LONGEST_FIELD + 1] = {0};
        for (size_t i = 0; i < NFIELDS; i++) {
            size_t len = strlen(field_names[i].name);
            by_len[len][count[len]++] = (unsigned char)(i + 1);
        }
        ready = 1;
    }
    if (n > LONGEST_FIELD)
        return F_OTHER;
    for (const unsigned char *i = by_len[n]; *i != 0; i++)
        if (field_names[*i - 1].name[0] == key[0] &&
            memcmp(field_names[*i - 1].name, key, n) == 0)
            return field_names[*i - 1].field;
    return F_OTHER;
}

static const char **string_slot(struct event *ev, enum field f) {
    switch (f) {
    case F_KIND:
        return &ev->kind;
    case F_HOST:
        return &ev->host;
    case F_PROG:
        return &ev->prog;
    case F_TS:
        return &ev->ts;
    case F_LEVEL:
        return &ev->level;
    case F_WHERE:
        return &ev->where;
    case F_PATH:
        return &ev->path;
    case F_BUILD_ID:
        return &ev->build_id;
    default:
        return NULL;
    }
}

/* Set the integer field F of EV. */
static void set_int(struct event *ev, enum field f, long long v) {
    switch (f) {
    case F_PID:
        ev->pid = (long)v;
        break;
    case F_REPEAT:
        ev->has_repeat = 1;
        ev->repeat = v;
        break;
    case F_STACK_ID:
        ev->has_stack_id = 1;
        ev->stack_id = v;
        break;
    case F_AGE:
        ev->has_age = 1;
        ev->age_ms = v;
        break;
    case F_MODULE_ID:
        ev->has_module_id = 1;
        ev->module_id = v;
        break;
    default:
        break;
    }
}

static int is_word(const char *s) {
    static const unsigned char word[256] = {
        ['a' ... 'z'] = 1, ['0' ... '9'] = 1, ['_'] = 1};
    if (s == NULL || s[0] == '\0')
        return 0;
    while (word[(unsigned char)*s])
        s++;
    return *s == '\0';
}

int scan_event(const char *line, size_t len, struct event *ev) {
    char *buf = ev->buf;
    size_t cap = ev->cap;
    if (cap < len + 1) {
        cap = len + 1 > 4096 ? len + 1 : 4096;
        buf = xrealloc(buf, cap);
    }
    *ev = (struct event){.buf = buf, .cap = cap};
    char *out = buf;
    const char *p = line, *end = line + len;
    struct span keys[MAX_KEYS];
    size_t nkeys = 0;
    uint64_t seen = 0;
    int has_pid = 0;
    p = lex_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p = lex_ws(p + 1, end);
    if (p < end && *p == '}')
        return lex_ws(p + 1, end) == end ? 0 : -1;
    for (;;) {
        if (p >= end || *p != '"')
            return -1;
        const char *key = p + 1, *after = key;
        /* A key with an escape in it is no key of ours, but only
         * jansson can tell whether it duplicates another. */
        while (after < end && lex_plain[(unsigned char)*after])
            after++;
        if (after >= end || *after != '"')
            return -1;
        size_t klen = (size_t)(after++ - key);
        /* Unique keys, as JSON_REJECT_DUPLICATES wants them: a key
         * is compared with the others only when one of them shares its
         * bit (of length and ends) in SEEN. */
        if (nkeys == MAX_KEYS)
            return -1;
        uint64_t bit = (uint64_t)1 << ((klen * 7 + (unsigned char)key[0] +
                                        (unsigned char)after[-2]) &
                                       63);
        if (seen & bit)
            for (size_t i = 0; i < nkeys; i++)
                if (keys[i].n == klen && memcmp(keys[i].p, key, klen) == 0)
                    return -1;
        seen |= bit;
        keys[nkeys++] = (struct span){key, klen, NULL};
        p = lex_ws(after, end);
        if (p >= end || *p != ':')
            return -1;
        p = lex_ws(p + 1, end);
        if (p >= end)
            return -1;
        enum field f = field_of(key, klen);
        const char **str = string_slot(ev, f);
        const char *v = p;
        if (str != NULL && *p == '"') {
            if ((p = lex_string(p, end, out)) == NULL)
                return -1;
            *str = out;
            out += strlen(out) + 1;
        } else if (f >= F_PID && f <= F_MODULE_ID &&
                   (*p == '-' || (*p >= '0' && *p <= '9'))) {
            int is_int;
            long long n;
            if ((p = lex_number(p, end, &is_int, &n)) == NULL)
                return -1;
            if (is_int) {
                set_int(ev, f, n);
                has_pid |= f == F_PID;
            }
        } else if (*p == '[' && f >= F_STACK && f <= F_CLOSED) {
            const struct stack_text *text;
            if ((p = stack_text_skip(p, end, 1, &text)) == NULL)
                return -1;
            ev->stacks[f - F_STACK] = (struct span){v, (size_t)(p - v), text};
        } else {
            if ((p = lex_value(p, end, 1)) == NULL)
                return -1;
            if (*v == '[' && f == F_GROUPS)
                ev->groups = (struct span){v, (size_t)(p - v), NULL};
        }
        p = lex_ws(p, end);
        if (p < end && *p == '}')
            break;
        if (p >= end || *p != ',')
            return -1;
        p = lex_ws(p + 1, end);
    }
    if (lex_ws(p + 1, end) != end)
        return -1;
    return is_word(ev->kind) && has_pid ? 1 : 0;
}

void group_iter_start(struct group_iter *it, struct span groups) {
    it->p = groups.p;
    it->end = groups.p + groups.n;
    if (it->p < it->end)
        it->p = lex_ws(it->p + 1, it->end); /* past '[' */
}

int group_iter_next(struct group_iter *it, struct group *g) {
    const char *p = it->p, *end = it->end;
    while (p < end && *p != ']' && *p != '{') {
        p = lex_skip_checked(p, end);
        if (p == NULL)
            return 0;
        p = lex_ws(p, end);
        if (p < end && *p == ',')
            p = lex_ws(p + 1, end);
    }
    if (p >= end || *p == ']')
        return 0;
    /* An object: its keys read in place. A count that is no number ends
     * the reading of this group (its later keys are skipped). */
    *g = (struct group){.count = -1};
    int reading = 1;
    const char *q = lex_ws(p + 1, end);
    while (q < end && *q == '"') {
        const char *key = q + 1;
        const char *after = lex_string(q, end, NULL);
        size_t klen = (size_t)(after - 1 - key);
        q = lex_ws(lex_ws(after, end) + 1, end); /* past ':' */
        const char *v = q;
        const struct stack_text *t;
        if (!reading) {
            q = lex_skip_checked(v, end);
        } else if (klen == 5 && memcmp(key, "count", 5) == 0 && *v != '"' &&
                   *v != '[' && *v != '{') {
            int is_int;
            long long n;
            q = lex_number(v, end, &is_int, &n);
            if (q != NULL && is_int)
                g->count = n;
            if (q == NULL) {
                reading = 0;
                q = lex_skip_checked(v, end);
            }
        } else if (klen == 4 && memcmp(key, "role", 4) == 0 && *v == '"' &&
                   (size_t)(lex_skip_checked(v, end) - v) < sizeof it->role) {
            q = lex_string(v, end, it->role);
            g->role = it->role;
        } else if (klen == 10 && memcmp(key, "created_at", 10) == 0 &&
                   *v == '[' && (t = stack_text_at(v, end)) != NULL) {
            /* Kept when scan_event checked the line. */
            g->created_at = (struct span){v, t->n, t};
            q = v + t->n;
        } else {
            q = lex_skip_checked(v, end);
        }
        q = lex_ws(q, end);
        if (q < end && *q == ',')
            q = lex_ws(q + 1, end);
    }
    /* Past the object's '}' to the next element. */
    p = lex_ws(q + 1, end);
    if (p < end && *p == ',')
        p = lex_ws(p + 1, end);
    it->p = p;
    return 1;
}
