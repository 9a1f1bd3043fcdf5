/*
 * scan.c — the fast path from a log line to an event (see scan.h). A
 * recursive descent over JSON's grammar that builds nothing: values are
 * skipped, the few top-level fields findings needs are decoded into one
 * buffer. Where jansson would reject a line (a bad escape, an integer
 * too big, a lone surrogate, a duplicate key) the scanner gives up and
 * jansson has the last word, so both paths take the same lines.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "scan.h"

#include <stdlib.h>
#include <string.h>

/* Nesting deeper than this is not the library's: jansson decides. */
enum { MAX_NEST = 32, MAX_KEYS = 48 };

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int hex4(const char *p, const char *end, unsigned *out) {
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (unsigned)((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Put code point CP into OUT as UTF-8; returns the bytes written. */
static size_t put_utf8(char *out, unsigned cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * The string whose opening quote is at P: returns the pointer after its
 * closing quote, or NULL when it is not one the scanner takes (a byte
 * outside printable ASCII, a bad escape, \u0000, a lone surrogate).
 * With OUT, the decoded text goes there, NUL-terminated (it is never
 * longer than the raw text).
 */
static const char *scan_string(const char *p, const char *end, char *out) {
    p++;
    for (;;) {
        const char *q = p;
        while (q < end && *q != '"' && *q != '\\' &&
               (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f)
            q++;
        if (out != NULL) {
            memcpy(out, p, (size_t)(q - p));
            out += q - p;
        }
        if (q >= end)
            return NULL;
        if (*q == '"') {
            if (out != NULL)
                *out = '\0';
            return q + 1;
        }
        if (*q != '\\' || q + 1 >= end)
            return NULL;
        char c = q[1], dec;
        p = q + 2;
        switch (c) {
        case '"':
            dec = '"';
            break;
        case '\\':
            dec = '\\';
            break;
        case '/':
            dec = '/';
            break;
        case 'b':
            dec = '\b';
            break;
        case 'f':
            dec = '\f';
            break;
        case 'n':
            dec = '\n';
            break;
        case 'r':
            dec = '\r';
            break;
        case 't':
            dec = '\t';
            break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(p, end, &cp) != 0 || cp == 0 ||
                (cp >= 0xdc00 && cp <= 0xdfff))
                return NULL;
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                    hex4(p + 2, end, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                    return NULL;
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (out != NULL)
                out += put_utf8(out, cp);
            continue;
        }
        default:
            return NULL;
        }
        if (out != NULL)
            *out++ = dec;
    }
}

/* A number at P, as JSON writes them. *INT is set when it is an integer
 * (then *VALUE holds it); an integer that does not fit is refused, as
 * jansson refuses it. */
static const char *scan_number(const char *p, const char *end, int *is_int,
                               long long *value) {
    const char *start = p;
    if (p < end && *p == '-')
        p++;
    const char *digits = p;
    if (p < end && *p == '0')
        p++;
    else if (p < end && *p >= '1' && *p <= '9')
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    size_t ndigits = (size_t)(p - digits);
    int integer = 1;
    if (p < end && *p == '.') {
        integer = 0;
        if (++p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = 0;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    *is_int = integer;
    if (integer) {
        /* 18 digits always fit; longer ones are left to jansson. */
        if (ndigits > 18)
            return NULL;
        long long v = 0;
        for (const char *d = digits; d < p; d++)
            v = v * 10 + (*d - '0');
        *value = *start == '-' ? -v : v;
    }
    return p;
}

static const char *skip_value(const char *p, const char *end, int depth);

/* The array or object at P (its bracket), skipped. */
static const char *skip_container(const char *p, const char *end, int depth) {
    if (depth > MAX_NEST)
        return NULL;
    char close = *p == '[' ? ']' : '}';
    int object = *p == '{';
    p = skip_ws(p + 1, end);
    if (p < end && *p == close)
        return p + 1;
    for (;;) {
        if (object) {
            if (p >= end || *p != '"' ||
                (p = scan_string(p, end, NULL)) == NULL)
                return NULL;
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            p = skip_ws(p + 1, end);
        }
        if ((p = skip_value(p, end, depth + 1)) == NULL)
            return NULL;
        p = skip_ws(p, end);
        if (p < end && *p == close)
            return p + 1;
        if (p >= end || *p != ',')
            return NULL;
        p = skip_ws(p + 1, end);
    }
}

static const char *skip_value(const char *p, const char *end, int depth) {
    if (p >= end)
        return NULL;
    int is_int;
    long long v;
    switch (*p) {
    case '"':
        return scan_string(p, end, NULL);
    case '{':
    case '[':
        return skip_container(p, end, depth);
    case 't':
        return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return scan_number(p, end, &is_int, &v);
    }
}

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

/* The field KEY names. Most keys are not ours: the first and last
 * letters and the length turn nearly all of them away before memcmp. */
static enum field field_of(const char *key, size_t n) {
    static unsigned char len_of[sizeof field_names / sizeof *field_names];
    if (len_of[0] == 0)
        for (size_t i = 0; i < sizeof field_names / sizeof *field_names; i++)
            len_of[i] = (unsigned char)strlen(field_names[i].name);
    for (size_t i = 0; i < sizeof field_names / sizeof *field_names; i++)
        if (len_of[i] == n && field_names[i].name[0] == key[0] &&
            memcmp(field_names[i].name, key, n) == 0)
            return field_names[i].field;
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
    return s != NULL && s[0] != '\0' &&
           s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_")] == '\0';
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
    int has_pid = 0;
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}')
        return skip_ws(p + 1, end) == end ? 0 : -1;
    for (;;) {
        if (p >= end || *p != '"')
            return -1;
        const char *key = p + 1;
        /* A key with an escape in it is no key of ours, but only
         * jansson can tell whether it duplicates another. */
        const char *after = scan_string(p, end, NULL);
        if (after == NULL || memchr(key, '\\', (size_t)(after - 1 - key)))
            return -1;
        size_t klen = (size_t)(after - 1 - key);
        /* Unique keys, as JSON_REJECT_DUPLICATES wants them. */
        if (nkeys == MAX_KEYS)
            return -1;
        for (size_t i = 0; i < nkeys; i++)
            if (keys[i].n == klen && memcmp(keys[i].p, key, klen) == 0)
                return -1;
        keys[nkeys++] = (struct span){key, klen};
        p = skip_ws(after, end);
        if (p >= end || *p != ':')
            return -1;
        p = skip_ws(p + 1, end);
        if (p >= end)
            return -1;
        enum field f = field_of(key, klen);
        const char **str = string_slot(ev, f);
        const char *v = p;
        if (str != NULL && *p == '"') {
            if ((p = scan_string(p, end, out)) == NULL)
                return -1;
            *str = out;
            out += strlen(out) + 1;
        } else if (f >= F_PID && f <= F_MODULE_ID &&
                   (*p == '-' || (*p >= '0' && *p <= '9'))) {
            int is_int;
            long long n;
            if ((p = scan_number(p, end, &is_int, &n)) == NULL)
                return -1;
            if (is_int) {
                set_int(ev, f, n);
                has_pid |= f == F_PID;
            }
        } else {
            if ((p = skip_value(p, end, 1)) == NULL)
                return -1;
            struct span s = {v, (size_t)(p - v)};
            if (*v == '[' && f >= F_STACK && f <= F_CLOSED)
                ev->stacks[f - F_STACK] = s;
            else if (*v == '[' && f == F_GROUPS)
                ev->groups = s;
        }
        p = skip_ws(p, end);
        if (p < end && *p == '}')
            break;
        if (p >= end || *p != ',')
            return -1;
        p = skip_ws(p + 1, end);
    }
    if (skip_ws(p + 1, end) != end)
        return -1;
    return is_word(ev->kind) && has_pid ? 1 : 0;
}

void group_iter_start(struct group_iter *it, struct span groups) {
    it->p = groups.p;
    it->end = groups.p + groups.n;
    if (it->p < it->end)
        it->p = skip_ws(it->p + 1, it->end); /* past '[' */
}

int group_iter_next(struct group_iter *it, struct group *g) {
    /* The array was checked whole by scan_event: only its shape is
     * followed here. */
    const char *p = it->p, *end = it->end, *elem;
    for (;;) {
        if (p >= end || *p == ']')
            return 0;
        elem = p;
        p = skip_value(p, end, 1);
        if (p == NULL)
            return 0;
        it->p = skip_ws(p, end);
        if (it->p < end && *it->p == ',')
            it->p = skip_ws(it->p + 1, end);
        if (*elem == '{')
            break;
        p = it->p;
    }
    *g = (struct group){.count = -1};
    const char *q = skip_ws(elem + 1, end);
    while (q < end && *q == '"') {
        const char *key = q + 1;
        const char *after = scan_string(q, end, NULL);
        size_t klen = (size_t)(after - 1 - key);
        q = skip_ws(skip_ws(after, end) + 1, end); /* past ':' */
        const char *v = q;
        if (klen == 5 && memcmp(key, "count", 5) == 0 && *v != '"' &&
            *v != '[' && *v != '{') {
            int is_int;
            long long n;
            q = scan_number(v, end, &is_int, &n);
            if (q != NULL && is_int)
                g->count = n;
        } else if (klen == 4 && memcmp(key, "role", 4) == 0 && *v == '"' &&
                   (size_t)(skip_value(v, end, 1) - v) < sizeof it->role) {
            q = scan_string(v, end, it->role);
            g->role = it->role;
        } else {
            q = skip_value(v, end, 1);
            if (klen == 10 && memcmp(key, "created_at", 10) == 0 && *v == '[')
                g->created_at = (struct span){v, (size_t)(q - v)};
        }
        if (q == NULL)
            return 1;
        q = skip_ws(q, end);
        if (q < end && *q == ',')
            q = skip_ws(q + 1, end);
    }
    return 1;
}
