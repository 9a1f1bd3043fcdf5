/*
 * findings.c — events to findings (see findings.h). An event's grouping
 * key is its kind and the signatures of its stacks; a report of open
 * sockets gives one key per group, by the group's creation stack.
 * Repeat lines ("repeat":N, "stack_id") carry no stack: they count into
 * the finding of the last full event of their kind in their process,
 * N being the running count since that event.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "findings.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields of an event every finding needs. */
struct event_info {
    const struct event *ev;
    const char *kind, *host, *prog, *ts;
    long pid;
    int level;
    /* Set once the filters passed: "host\npid" and the kind, interned
     * (the words of the word-keyed maps). */
    const char *proc, *kind_id;
};

/* A word of a word-keyed map. */
#define WORD(ptr) ((uint64_t)(uintptr_t)(ptr))

static int is_group_kind(const char *kind) {
    return strcmp(kind, "open_sockets") == 0 ||
           strcmp(kind, "fd_pressure") == 0 ||
           strcmp(kind, "fd_exhausted") == 0;
}

static int set_has_glob(const struct strmap *set, const char *s) {
    for (size_t i = 0; i < set->cap; i++)
        if (set->keys[i] != NULL && fnmatch(set->keys[i], s, 0) == 0)
            return 1;
    return 0;
}

static int passes(const struct filters *fl, const struct event_info *e) {
    if (fl->kinds.len > 0 && strmap_key(&fl->kinds, e->kind) == NULL)
        return 0;
    if (fl->progs.len > 0 && !set_has_glob(&fl->progs, e->prog))
        return 0;
    if (fl->hosts.len > 0 && !set_has_glob(&fl->hosts, e->host))
        return 0;
    if (fl->since != NULL && strcmp(e->ts, fl->since) < 0)
        return 0;
    /* A prefix covers its whole span: --until 2026-12-04 is that day's
     * end. */
    if (fl->until != NULL && strncmp(e->ts, fl->until, strlen(fl->until)) > 0)
        return 0;
    return e->level <= fl->min_level;
}

/* A 64-bit FNV-1a of KEY in hex: the finding's name in --json output
 * and in baselines. */
static void signature_of(char out[17], const char *key) {
    uint64_t h = util_hash(key);
    for (int i = 15; i >= 0; i--, h >>= 4)
        out[i] = "0123456789abcdef"[h & 15];
    out[16] = '\0';
}

/* The finding for KEY, made from E when new (then *made is 1). */
static struct finding *finding_for(struct findings *fs, const char *key,
                                   const struct event_info *e, int *made) {
    void **slot = strmap_slot(&fs->by_key, key);
    *made = *slot == NULL;
    if (*slot != NULL)
        return *slot;
    struct finding *f = xcalloc(1, sizeof *f);
    f->kind = intern(e->kind);
    f->level = e->level;
    f->key = xstrdup(key);
    signature_of(f->signature, key);
    f->host = intern(e->host);
    f->pid = e->pid;
    f->is_group = is_group_kind(e->kind);
    *slot = f;
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? 2 * fs->cap : 64;
        fs->list = xrealloc(fs->list, fs->cap * sizeof *fs->list);
    }
    fs->list[fs->n++] = f;
    return f;
}

/* TS into a finding's first or last, cut to fit as snprintf would: the
 * last changes with nearly every event. */
static void copy_ts(char out[FINDING_TS], const char *ts) {
    size_t n = strnlen(ts, FINDING_TS - 1);
    memcpy(out, ts, n);
    out[n] = '\0';
}

/* Count N events of E into F. */
static void count_event(struct finding *f, const struct event_info *e,
                        unsigned long n) {
    f->events += n;
    if (e->level < f->level)
        f->level = e->level;
    /* The sets hold their keys only; the slot's value is unused. */
    if (f->last_proc != e->proc) {
        (void)strmap_slot(&f->procs, e->proc);
        (void)strmap_slot(&f->hosts, e->host);
        f->last_proc = e->proc;
    }
    if (f->last_prog == NULL || strcmp(f->last_prog, e->prog) != 0) {
        (void)strmap_slot(&f->progs, e->prog);
        f->last_prog = strmap_key(&f->progs, e->prog);
    }
    if (e->ts[0] != '\0') {
        if (f->first[0] == '\0' || strcmp(e->ts, f->first) < 0)
            copy_ts(f->first, e->ts);
        if (strcmp(e->ts, f->last) > 0)
            copy_ts(f->last, e->ts);
    }
}

/* Keep AGE in F's sample: reservoir sampling with a fixed seed, so the
 * same logs give the same median. */
static void count_age(struct finding *f, long age) {
    if (f->ages == 0 || age < f->age_min)
        f->age_min = age;
    if (f->ages == 0 || age > f->age_max)
        f->age_max = age;
    if (f->age_sample == NULL)
        f->age_sample = xmalloc(AGE_SAMPLE * sizeof *f->age_sample);
    unsigned long i = f->ages++;
    if (i < AGE_SAMPLE) {
        f->age_sample[i] = age;
        return;
    }
    static uint64_t seed = 88172645463325252ULL;
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    unsigned long j = (unsigned long)(seed % (i + 1));
    if (j < AGE_SAMPLE)
        f->age_sample[j] = age;
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

long finding_age_median(const struct finding *f) {
    size_t n = f->ages < AGE_SAMPLE ? f->ages : AGE_SAMPLE;
    if (n == 0)
        return 0;
    qsort(f->age_sample, n, sizeof *f->age_sample, by_value);
    long a = f->age_sample[(n - 1) / 2], b = f->age_sample[n / 2];
    /* The mean of the middle two, without overflowing for huge ages. */
    return a / 2 + b / 2 + (a % 2 + b % 2) / 2;
}

size_t finding_processes(const struct finding *f) { return f->procs.len; }

/* The interned "host\npid" of E's process. */
static const char *proc_of(struct findings *fs, const struct event_info *e) {
    struct strbuf *b = &fs->scratch;
    char digits[24];
    size_t i = sizeof digits;
    unsigned long u =
        e->pid < 0 ? -(unsigned long)e->pid : (unsigned long)e->pid;
    do
        digits[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (e->pid < 0)
        digits[--i] = '-';
    b->len = 0;
    strbuf_add(b, e->host, strlen(e->host));
    strbuf_add(b, "\n", 1);
    strbuf_add(b, digits + i, sizeof digits - i);
    void **slot = strmap_slot(&fs->procs, strbuf_str(b));
    if (*slot == NULL)
        *slot = (void *)strmap_key(&fs->procs, strbuf_str(b));
    return *slot;
}

/* A stack as read once per process: its frames and its signature. */
struct cached_stack {
    struct stack stack;
    char *signature;
};

/* The stack SPAN from E's process, read and signed the first time that
 * process logs it. */
static const struct cached_stack *stack_cached(struct findings *fs,
                                               const struct event_info *e,
                                               struct span span) {
    static const struct cached_stack empty = {{0}, (char *)""};
    if (span.n == 0)
        return &empty;
    const uint64_t key[WORDMAP_KEY] = {WORD(e->proc), WORD(span.text)};
    struct cached_stack *c = wordmap_get(&fs->stack_cache, key);
    if (c != NULL)
        return c;
    c = xcalloc(1, sizeof *c);
    stack_text_read(span.text, &c->stack);
    modules_resolve(&c->stack, e->host, e->pid);
    struct strbuf sig = {0};
    stack_signature(&sig, &c->stack);
    c->signature = xstrdup(strbuf_str(&sig));
    free(sig.s);
    wordmap_put(&fs->stack_cache, key, c);
    return c;
}

/* A copy of S that a finding keeps. */
static struct stack stack_copy(const struct stack *s) {
    struct stack copy = {s->n, NULL};
    if (s->n > 0) {
        copy.frames = xmalloc(s->n * sizeof *s->frames);
        memcpy(copy.frames, s->frames, s->n * sizeof *s->frames);
    }
    return copy;
}

/* A stack's repeats in one process: the finding they count into, and
 * the running count reached. */
struct repeat {
    struct finding *f;
    unsigned long seen;
};

/* The repeat record of E's stack_id in E's process, made when new. */
static struct repeat *repeat_for(struct findings *fs,
                                 const struct event_info *e) {
    const uint64_t key[WORDMAP_KEY] = {
        WORD(e->proc), WORD(e->kind_id),
        (uint64_t)(e->ev->has_stack_id ? e->ev->stack_id : 0)};
    struct repeat *r = wordmap_get(&fs->repeats, key);
    if (r == NULL) {
        r = xcalloc(1, sizeof *r);
        wordmap_put(&fs->repeats, key, r);
    }
    return r;
}

/* The by_stacks key of E's finding: its kind, DETAIL (a word that sets
 * reports of groups apart, or an interned detail) and the stacks. */
static void stacks_key(uint64_t key[WORDMAP_KEY], const struct event_info *e,
                       const void *detail,
                       const struct cached_stack *const stacks[STACK_ROLES]) {
    key[0] = WORD(e->kind_id);
    key[1] = WORD(detail);
    for (int r = 0; r < STACK_ROLES; r++)
        key[2 + r] = WORD(stacks[r]);
}

/* An event with its own stacks: one finding by kind and stacks. */
static struct finding *add_plain(struct findings *fs,
                                 const struct event_info *e) {
    const struct cached_stack *stacks[STACK_ROLES];
    for (int r = 0; r < STACK_ROLES; r++)
        stacks[r] = stack_cached(fs, e, e->ev->stacks[r]);
    const char *detail = NULL;
    if (strcmp(e->kind, "config_error") == 0)
        detail = intern(e->ev->where);
    uint64_t words[WORDMAP_KEY];
    stacks_key(words, e, detail, stacks);
    struct finding *f = wordmap_get(&fs->by_stacks, words);
    if (f == NULL) {
        struct strbuf *key = &fs->scratch;
        key->len = 0;
        strbuf_printf(key, "%s\n%s", e->kind, detail != NULL ? detail : "");
        for (int r = 0; r < STACK_ROLES; r++) {
            strbuf_add(key, "\n", 1);
            strbuf_add(key, stacks[r]->signature, strlen(stacks[r]->signature));
        }
        int made;
        f = finding_for(fs, strbuf_str(key), e, &made);
        if (made) {
            for (int r = 0; r < STACK_ROLES; r++)
                f->stacks[r] = stack_copy(&stacks[r]->stack);
            f->detail = detail;
        }
        wordmap_put(&fs->by_stacks, words, f);
    }
    count_event(f, e, 1);
    if (strcmp(e->kind, "close_wait") == 0 && e->ev->has_age)
        count_age(f, (long)e->ev->age_ms);
    const uint64_t last[WORDMAP_KEY] = {WORD(e->proc), WORD(e->kind_id)};
    wordmap_put(&fs->last_found, last, f);
    /* A full event that names its stack binds that stack's repeats. */
    if (e->ev->has_stack_id && !e->ev->has_repeat) {
        struct repeat *r = repeat_for(fs, e);
        r->f = f;
        r->seen = 1;
    }
    return f;
}

/* A report of open sockets: one finding per group, by its creation
 * stack, following its count. */
static void add_groups(struct findings *fs, const struct event_info *e) {
    /* Its address sets the groups' findings apart in by_stacks. */
    static const char group_word[] = "group";
    struct group_iter it;
    struct group g;
    group_iter_start(&it, e->ev->groups);
    if (e->ev->groups.n == 0 || !group_iter_next(&it, &g)) {
        add_plain(fs, e);
        return;
    }
    do {
        const struct cached_stack *stacks[STACK_ROLES] = {
            stack_cached(fs, e, g.created_at)};
        uint64_t words[WORDMAP_KEY];
        stacks_key(words, e, group_word, stacks);
        struct finding *f = wordmap_get(&fs->by_stacks, words);
        int made = 0;
        if (f == NULL) {
            struct strbuf *key = &fs->scratch;
            key->len = 0;
            strbuf_printf(key, "%s\ngroup\n", e->kind);
            strbuf_add(key, stacks[0]->signature, strlen(stacks[0]->signature));
            f = finding_for(fs, strbuf_str(key), e, &made);
            if (made) {
                f->stacks[STACK_CREATED] = stack_copy(&stacks[0]->stack);
                /* Tells a listener's group from its connections' at a
                 * glance. */
                f->detail = intern(g.role);
            }
            wordmap_put(&fs->by_stacks, words, f);
        }
        count_event(f, e, 1);
        void **proc = strmap_slot(&f->procs, e->proc);
        long long logged = g.count < 0 ? 0 : g.count;
        /* Kept as count + 1 below: a count out of any real range is cut. */
        long count = logged > INT32_MAX ? INT32_MAX : (long)logged;
        if (made)
            f->count_first = f->count_max = count;
        f->count_last = count;
        if (count > f->count_max)
            f->count_max = count;
        if (strcmp(e->kind, "open_sockets") == 0)
            series_add(&f->series, e->ts, count, e->host, e->pid);
        /* The process's previous count is kept as count + 1 (0: none). */
        intptr_t before = (intptr_t)*proc;
        if (before != 0 && count > (long)(before - 1))
            f->rising = 1;
        *proc = (void *)(intptr_t)(count + 1);
    } while (group_iter_next(&it, &g));
}

/* A repeat line: "repeat":N for the Nth event from one stack. */
static void add_repeat(struct findings *fs, const struct event_info *e,
                       unsigned long n) {
    struct repeat *r = repeat_for(fs, e);
    if (r->f == NULL) {
        /* Bound at the first repeat, to the last full event of the kind
         * in the process (the library writes no stack_id in it). */
        const uint64_t last[WORDMAP_KEY] = {WORD(e->proc), WORD(e->kind_id)};
        r->f = wordmap_get(&fs->last_found, last);
        r->seen = 1;
        /* Its full event was not read (filtered out, or in a file not
         * given): the repeat stands for itself. */
        if (r->f == NULL)
            r->f = add_plain(fs, e);
    }
    /* The running count since the full event, which counted as 1. */
    if (n > r->seen) {
        count_event(r->f, e, n - r->seen);
        r->seen = n;
    }
}

void findings_add(struct findings *fs, const struct event *ev) {
    struct event_info e = {.ev = ev};
    e.kind = ev->kind;
    e.pid = ev->pid;
    e.host = ev->host;
    e.prog = ev->prog;
    e.ts = ev->ts;
    e.level = ev->level != NULL ? level_from_name(ev->level) : 2;
    if (e.level < 0)
        e.level = 2;
    if (e.host == NULL || e.host[0] == '\0')
        e.host = "-";
    if (e.prog == NULL)
        e.prog = "?";
    if (e.ts == NULL)
        e.ts = "";
    if (strcmp(e.kind, "module") == 0) {
        if (ev->has_module_id)
            modules_add(e.host, e.pid, (long)ev->module_id, ev->path,
                        ev->build_id);
        return;
    }
    /* The library's own count of the process's events, not a finding. */
    if (strcmp(e.kind, "summary") == 0 && fs->filters.kinds.len == 0)
        return;
    if (!passes(&fs->filters, &e)) {
        fs->filtered++;
        return;
    }
    e.proc = proc_of(fs, &e);
    e.kind_id = intern(e.kind);
    if (ev->has_repeat && ev->repeat > 0)
        add_repeat(fs, &e, (unsigned long)ev->repeat);
    else if (is_group_kind(e.kind))
        add_groups(fs, &e);
    else
        add_plain(fs, &e);
}

static void free_cached_stack(void *value) {
    struct cached_stack *c = value;
    stack_free(&c->stack);
    free(c->signature);
    free(c);
}

void findings_end_input(struct findings *fs) {
    wordmap_free(&fs->stack_cache, free_cached_stack);
    wordmap_free(&fs->repeats, free);
    wordmap_free(&fs->by_stacks, NULL);
    wordmap_free(&fs->last_found, NULL);
    stack_text_free_all();
}

static int worst_first(const void *a, const void *b) {
    const struct finding *x = *(struct finding *const *)a;
    const struct finding *y = *(struct finding *const *)b;
    if (x->level != y->level)
        return x->level - y->level;
    if (x->procs.len != y->procs.len)
        return x->procs.len > y->procs.len ? -1 : 1;
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    int c = strcmp(x->kind, y->kind);
    return c != 0 ? c : strcmp(x->signature, y->signature);
}

void findings_sort(struct findings *fs) {
    /* The library logs a module event after the first event whose stack
     * names the module: the frames of that event learn their module's
     * path and build-id only now that every event has been read. */
    for (size_t i = 0; i < fs->n; i++)
        for (int r = 0; r < STACK_ROLES; r++)
            modules_resolve(&fs->list[i]->stacks[r], fs->list[i]->host,
                            fs->list[i]->pid);
    if (fs->n > 0)
        qsort(fs->list, fs->n, sizeof *fs->list, worst_first);
}
