/*
 * util.h — the small pieces every module of sockshim-report uses:
 * allocation that exits on failure (the report is a batch tool; running
 * out of memory ends it with a message), a string-keyed hash map, and an
 * intern pool so that the many repeated module and function names of a
 * log are stored once.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_UTIL_H
#define SOCKSHIM_REPORT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ATTR_MALLOC __attribute__((malloc, returns_nonnull))
#define ATTR_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define ATTR_FORMAT(a, b) __attribute__((format(printf, a, b)))

/* The program's name for messages ("sockshim-report"). */
extern const char *util_progname;

/* malloc/calloc/realloc/strdup that print a message and exit 3 when out
 * of memory. The caller frees the result with free(). */
void *xmalloc(size_t size) ATTR_MALLOC;
void *xcalloc(size_t n, size_t size) ATTR_MALLOC;
void *xrealloc(void *p, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) ATTR_MALLOC ATTR_NONNULL(1);
/* A new string made with printf's FORMAT; the caller frees it. */
char *xasprintf(const char *fmt, ...) ATTR_FORMAT(1, 2) ATTR_MALLOC;

/* A 64-bit hash of S (FNV-1a). */
uint64_t util_hash(const char *s) ATTR_NONNULL(1);
/* A fast 64-bit hash of the N bytes at P (eight a step), for tables. */
uint64_t util_hash_bytes(const void *p, size_t n);

/* A hash map from strings to pointers. Keys are copied; values belong
 * to the caller. Zero-initialised is empty. */
struct strmap {
    size_t cap, len;
    char **keys;
    void **values;
    uint64_t *hashes; /* each key's, so that probes rarely compare */
};

/* The slot holding KEY's value, made (holding NULL) when KEY is new.
 * Valid until the next insertion. */
void **strmap_slot(struct strmap *m, const char *key) ATTR_NONNULL(1, 2);
/* The stored copy of KEY, or NULL when absent. */
const char *strmap_key(const struct strmap *m, const char *key)
    ATTR_NONNULL(1, 2);
/* Call FN for every entry (in no particular order). */
void strmap_each(const struct strmap *m,
                 void (*fn)(const char *key, void *value, void *ctx), void *ctx)
    ATTR_NONNULL(1, 2);
/* Free the keys and the table (not the values). */
void strmap_free(struct strmap *m) ATTR_NONNULL(1);

/* A hash map from keys of a few words (pointers, integers; the words
 * not used are 0) to pointers that are never NULL: the look-ups made
 * for every event, where building a string key would cost more than
 * the look-up. Zero-initialised is empty. */
enum { WORDMAP_KEY = 5 };
struct wordmap {
    size_t cap, len;
    struct wordmap_entry {
        uint64_t key[WORDMAP_KEY];
        void *value; /* NULL: a free entry */
    } * e;
};
/* The value stored for KEY, or NULL. */
void *wordmap_get(const struct wordmap *m, const uint64_t key[WORDMAP_KEY])
    ATTR_NONNULL(1, 2);
/* Store VALUE (not NULL) for KEY, replacing any earlier one. */
void wordmap_put(struct wordmap *m, const uint64_t key[WORDMAP_KEY],
                 void *value) ATTR_NONNULL(1, 2, 3);
/* Empty M, calling FREE_VALUE (when not NULL) on each value. */
void wordmap_free(struct wordmap *m, void (*free_value)(void *value))
    ATTR_NONNULL(1);

/* One shared copy of S, valid until the program ends; NULL for NULL. */
const char *intern(const char *s);

/* A growable string buffer; zero-initialised is empty. */
struct strbuf {
    char *s;
    size_t len, cap;
};
void strbuf_add(struct strbuf *b, const char *s, size_t n) ATTR_NONNULL(1);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) ATTR_FORMAT(2, 3)
    ATTR_NONNULL(1);
/* The text so far, never NULL ("" when empty). */
const char *strbuf_str(struct strbuf *b) ATTR_NONNULL(1);

/* The level names in order of severity, and back: 0 error, 1 warn,
 * 2 info, 3 debug; -1 for an unknown name. */
int level_from_name(const char *name);
const char *level_name(int level);

#endif
