/*
 * util.c — allocation, the string map, interning and string buffers of
 * sockshim-report (see util.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *util_progname = "sockshim-report";

static void out_of_memory(void) {
    fprintf(stderr, "%s: out of memory\n", util_progname);
    exit(3);
}

void *xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t size) {
    p = realloc(p, size ? size : 1);
    if (p == NULL)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (p == NULL)
        out_of_memory();
    return p;
}

/* vasprintf that exits when out of memory; *LEN gets the length. */
__attribute__((format(printf, 2, 0))) static char *
xvasprintf(size_t *len, const char *fmt, va_list ap) {
    char *p;
    int n = vasprintf(&p, fmt, ap);
    if (n < 0)
        out_of_memory();
    *len = (size_t)n;
    return p;
}

char *xasprintf(const char *fmt, ...) {
    va_list ap;
    size_t len;
    va_start(ap, fmt);
    char *p = xvasprintf(&len, fmt, ap);
    va_end(ap);
    return p;
}

/* FNV-1a: short keys, no adversary to fear in a log we are asked to read. */
uint64_t util_hash(const char *s) {
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The maps' own hash: eight bytes a step, since some keys hold a whole
 * stack's JSON (util_hash stays as it was: signatures are kept in
 * baselines). */
uint64_t util_hash_bytes(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static uint64_t map_hash(const char *s) {
    return util_hash_bytes(s, strlen(s));
}

/* The slot of KEY (hashed to H): where it is, or the empty one where it
 * would go. */
static size_t find_hashed(const struct strmap *m, const char *key, uint64_t h) {
    size_t i = h & (m->cap - 1);
    while (m->keys[i] != NULL &&
           (m->hashes[i] != h || strcmp(m->keys[i], key) != 0))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static size_t find(const struct strmap *m, const char *key) {
    return find_hashed(m, key, map_hash(key));
}

const char *strmap_key(const struct strmap *m, const char *key) {
    return m->cap == 0 ? NULL : m->keys[find(m, key)];
}

static void grow(struct strmap *m) {
    struct strmap bigger = {m->cap ? m->cap * 2 : 64, m->len, NULL, NULL, NULL};
    bigger.keys = xcalloc(bigger.cap, sizeof *bigger.keys);
    bigger.values = xcalloc(bigger.cap, sizeof *bigger.values);
    bigger.hashes = xcalloc(bigger.cap, sizeof *bigger.hashes);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == NULL)
            continue;
        size_t j = find_hashed(&bigger, m->keys[i], m->hashes[i]);
        bigger.keys[j] = m->keys[i];
        bigger.values[j] = m->values[i];
        bigger.hashes[j] = m->hashes[i];
    }
    free(m->keys);
    free(m->values);
    free(m->hashes);
    *m = bigger;
}

void **strmap_slot(struct strmap *m, const char *key) {
    /* At most half full: probes stay short. */
    if (2 * (m->len + 1) > m->cap)
        grow(m);
    uint64_t h = map_hash(key);
    size_t i = find_hashed(m, key, h);
    if (m->keys[i] == NULL) {
        m->keys[i] = xstrdup(key);
        m->hashes[i] = h;
        m->values[i] = NULL;
        m->len++;
    }
    return &m->values[i];
}

void strmap_each(const struct strmap *m,
                 void (*fn)(const char *key, void *value, void *ctx),
                 void *ctx) {
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != NULL)
            fn(m->keys[i], m->values[i], ctx);
}

void strmap_free(struct strmap *m) {
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->values);
    free(m->hashes);
    *m = (struct strmap){0};
}

static uint64_t word_hash(const uint64_t key[WORDMAP_KEY]) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < WORDMAP_KEY; i++) {
        h = (h ^ key[i]) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

/* The entry of KEY: where it is, or the free one where it would go. */
static struct wordmap_entry *word_find(const struct wordmap *m,
                                       const uint64_t key[WORDMAP_KEY]) {
    size_t i = word_hash(key) & (m->cap - 1);
    while (m->e[i].value != NULL &&
           memcmp(m->e[i].key, key, sizeof m->e[i].key) != 0)
        i = (i + 1) & (m->cap - 1);
    return &m->e[i];
}

void *wordmap_get(const struct wordmap *m, const uint64_t key[WORDMAP_KEY]) {
    return m->cap == 0 ? NULL : word_find(m, key)->value;
}

void wordmap_put(struct wordmap *m, const uint64_t key[WORDMAP_KEY],
                 void *value) {
    /* At most half full, as the string maps. */
    if (2 * (m->len + 1) > m->cap) {
        struct wordmap bigger = {m->cap ? m->cap * 2 : 64, m->len, NULL};
        bigger.e = xcalloc(bigger.cap, sizeof *bigger.e);
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].value != NULL)
                *word_find(&bigger, m->e[i].key) = m->e[i];
        free(m->e);
        *m = bigger;
    }
    struct wordmap_entry *e = word_find(m, key);
    if (e->value == NULL) {
        memcpy(e->key, key, sizeof e->key);
        m->len++;
    }
    e->value = value;
}

void wordmap_free(struct wordmap *m, void (*free_value)(void *value)) {
    for (size_t i = 0; free_value != NULL && i < m->cap; i++)
        if (m->e[i].value != NULL)
            free_value(m->e[i].value);
    free(m->e);
    *m = (struct wordmap){0};
}

const char *intern(const char *s) {
    static struct strmap pool;
    if (s == NULL)
        return NULL;
    /* The value is the stored key itself: one look-up per call. */
    void **slot = strmap_slot(&pool, s);
    if (*slot == NULL)
        *slot = (void *)strmap_key(&pool, s);
    return *slot;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...) {
    /* Formatted in place; a second pass only when it did not fit. */
    for (int pass = 0; pass < 2; pass++) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(room > 0 ? b->s + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            out_of_memory();
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
}

const char *strbuf_str(struct strbuf *b) { return b->s != NULL ? b->s : ""; }

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int level_from_name(const char *name) {
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

const char *level_name(int level) {
    return level >= 0 && level < 4 ? level_names[level] : "?";
}
