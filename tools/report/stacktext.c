/*
 * stacktext.c — the kept stack texts (see stacktext.h), and frames read
 * from them without jansson: the text was checked when it was kept, so
 * only its shape is followed.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "stacktext.h"

#include <stdlib.h>
#include <string.h>

#include "lex.h"

/* Every stack text met, each once: an open-addressed table, at most
 * half full, by the hash of a text's first TEXT_PREFIX bytes (of all of
 * it when shorter). A stack in a line is found by its first bytes
 * alone, then compared whole: a valid array that the line starts with
 * is the line's array, whatever follows it, so its end need not be
 * looked for. */
enum { TEXT_PREFIX = 64 };
static struct {
    size_t cap, len;
    struct stack_text **slot;
} texts;

static void texts_grow(void) {
    size_t cap = texts.cap ? 2 * texts.cap : 1024;
    struct stack_text **slot = xcalloc(cap, sizeof *slot);
    for (size_t i = 0; i < texts.cap; i++) {
        struct stack_text *t = texts.slot[i];
        if (t == NULL)
            continue;
        size_t j = t->hash & (cap - 1);
        while (slot[j] != NULL)
            j = (j + 1) & (cap - 1);
        slot[j] = t;
    }
    free(texts.slot);
    texts.slot = slot;
    texts.cap = cap;
}

/* The kept text that the bytes at P (up to END) start with, of at least
 * TEXT_PREFIX bytes (LONG), or of exactly N bytes (!LONG); hashed to H. */
static struct stack_text *text_find(const char *p, size_t avail, int is_long,
                                    uint64_t h) {
    if (texts.cap == 0)
        return NULL;
    struct stack_text *t;
    for (size_t i = h & (texts.cap - 1); (t = texts.slot[i]) != NULL;
         i = (i + 1) & (texts.cap - 1))
        if (t->hash == h && (is_long ? t->n >= TEXT_PREFIX : t->n == avail) &&
            t->n <= avail && memcmp(t->text, p, t->n) == 0)
            return t;
    return NULL;
}

const struct stack_text *stack_text_at(const char *p, const char *end) {
    size_t avail = (size_t)(end - p);
    if (avail >= TEXT_PREFIX) {
        struct stack_text *t =
            text_find(p, avail, 1, util_hash_bytes(p, TEXT_PREFIX));
        if (t != NULL)
            return t;
    }
    /* Shorter texts are hashed whole: their end is found first. */
    int nest;
    const char *q =
        lex_shape_end(p, avail < TEXT_PREFIX ? end : p + TEXT_PREFIX, &nest);
    if (q == NULL || q - p >= TEXT_PREFIX)
        return NULL;
    return text_find(p, (size_t)(q - p), 0,
                     util_hash_bytes(p, (size_t)(q - p)));
}

/* The kept text of the N bytes at P (a valid array), made when new. */
static const struct stack_text *text_keep(const char *p, size_t n) {
    const struct stack_text *known = stack_text_at(p, p + n);
    if (known != NULL && known->n == n)
        return known;
    if (2 * (texts.len + 1) > texts.cap)
        texts_grow();
    struct stack_text *t = xmalloc(sizeof *t + n + 1);
    t->hash = util_hash_bytes(p, n < TEXT_PREFIX ? n : TEXT_PREFIX);
    t->n = n;
    if (lex_shape_end(p, p + n, &t->nest) != p + n)
        t->nest = LEX_MAX_NEST + 1; /* not reached for valid JSON */
    memcpy(t->text, p, n);
    t->text[n] = '\0';
    size_t i = t->hash & (texts.cap - 1);
    while (texts.slot[i] != NULL)
        i = (i + 1) & (texts.cap - 1);
    texts.slot[i] = t;
    texts.len++;
    return t;
}

/* A text that passed the grammar at one depth passes it at another
 * unless it would nest too deep there. */
const char *stack_text_skip(const char *p, const char *end, int depth,
                            const struct stack_text **text) {
    const struct stack_text *t = stack_text_at(p, end);
    if (t != NULL && depth + t->nest - 1 <= LEX_MAX_NEST) {
        *text = t;
        return p + t->n;
    }
    const char *r = lex_value(p, end, depth);
    *text = r != NULL ? text_keep(p, (size_t)(r - p)) : NULL;
    return r;
}

void stack_text_free_all(void) {
    for (size_t i = 0; i < texts.cap; i++)
        free(texts.slot[i]);
    free(texts.slot);
    texts.slot = NULL;
    texts.cap = texts.len = 0;
}

/* Whether an object in the checked value at P repeats a key (compared
 * decoded, as jansson's JSON_REJECT_DUPLICATES compares them): sets
 * *REPEATS. Returns the value's end. BUF has room for the value's keys,
 * decoded. */
static const char *find_repeated_key(const char *p, const char *end, char *buf,
                                     int *repeats) {
    if (*p != '[' && *p != '{')
        return lex_skip_checked(p, end);
    char close = *p == '[' ? ']' : '}';
    char *keys_end = buf; /* this object's keys, each NUL-terminated */
    p = lex_ws(p + 1, end);
    while (*p != close) {
        if (close == '}') {
            char *key = keys_end;
            p = lex_string(p, end, key);
            for (const char *k = buf; k < key; k += strlen(k) + 1)
                if (strcmp(k, key) == 0)
                    *repeats = 1;
            keys_end = key + strlen(key) + 1;
            p = lex_ws(lex_ws(p, end) + 1, end); /* past ':' */
        }
        p = find_repeated_key(p, end, keys_end, repeats);
        p = lex_ws(p, end);
        if (*p == ',')
            p = lex_ws(p + 1, end);
    }
    return p + 1;
}

/* The frame object at P into F, the INDEX-th frame; returns its end. BUF
 * has room for its keys and strings, decoded. */
static const char *read_frame(const char *p, const char *end, char *buf,
                              struct frame *f, size_t index) {
    const char *module = NULL, *offset = NULL, *func = NULL;
    long module_id = -1;
    int ret = -1;
    p = lex_ws(p + 1, end);
    while (*p == '"') {
        char *key = buf;
        p = lex_string(p, end, key);
        buf = key + strlen(key) + 1;
        const char *v = lex_ws(lex_ws(p, end) + 1, end); /* past ':' */
        const char **str = strcmp(key, "module") == 0   ? &module
                           : strcmp(key, "offset") == 0 ? &offset
                           : strcmp(key, "func") == 0   ? &func
                                                        : NULL;
        int is_int;
        long long n;
        if (str != NULL && *v == '"') {
            lex_string(v, end, buf);
            *str = buf;
            buf += strlen(buf) + 1;
        } else if (strcmp(key, "module_id") == 0) {
            if ((*v == '-' || (*v >= '0' && *v <= '9')) &&
                lex_number(v, end, &is_int, &n) != NULL && is_int)
                module_id = (long)n;
        } else if (strcmp(key, "ret") == 0) {
            ret = *v == 't'; /* only true starts with a t */
        }
        p = lex_ws(lex_skip_checked(v, end), end);
        if (*p == ',')
            p = lex_ws(p + 1, end);
    }
    frame_set(f, index, module, offset, func, module_id, ret);
    return p + 1;
}

void stack_text_read(const struct stack_text *t, struct stack *out) {
    *out = (struct stack){0};
    const char *end = t->text + t->n, *p;
    char *buf = xmalloc(t->n + 1);
    int repeats = 0;
    size_t elements = 0;
    find_repeated_key(t->text, end, buf, &repeats);
    for (p = lex_ws(t->text + 1, end); !repeats && *p != ']'; elements++) {
        p = lex_ws(lex_skip_checked(p, end), end);
        if (*p == ',')
            p = lex_ws(p + 1, end);
    }
    if (elements > 0) {
        out->frames = xcalloc(elements, sizeof *out->frames);
        for (p = lex_ws(t->text + 1, end); *p != ']';) {
            if (*p == '{') {
                p = read_frame(p, end, buf, &out->frames[out->n], out->n);
                out->n++;
            } else {
                p = lex_skip_checked(p, end);
            }
            p = lex_ws(p, end);
            if (*p == ',')
                p = lex_ws(p + 1, end);
        }
    }
    free(buf);
}
