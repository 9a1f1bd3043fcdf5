/*
 * report.c — suppressions, repeat folding and the summary's counts (see
 * report.h for the contract).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/report.h"

#include <string.h>

#include "base/direct.h"
#include "config/configuration.h"
#include "diagnose/identity.h"
#include "output/stack.h"
#include "output/symbols.h"

/* Events by kind: all seen, those suppressed, and repeats folded. */
static unsigned long seen_count[EV_COUNT];
static unsigned long suppressed_count[EV_COUNT];
static unsigned long repeat_count[EV_COUNT];

/* Repeats: one entry per (kind, level, call stack, creation stack), in a
 * lock-free open-addressing table. A full table only means that further
 * distinct stacks are not folded. */
enum verdict { VERDICT_UNKNOWN, VERDICT_SHOW, VERDICT_SUPPRESS };
struct seen_entry {
    uint64_t key; /* 0 = empty */
    unsigned long count;
    int verdict;
};
#define SEEN_MAX 4096
static struct seen_entry seen[SEEN_MAX];

/* Sockets seen created: a process that made none gets no summary. */
static unsigned long sockets_created;

/* The repeat key packs the kind above the level above two stack ids of
 * 20 bits each. The level is part of it: leak_at_exit's info group of a
 * creation stack is not a repeat of its warn group. */
#define REPEAT_KEY_STACK_BITS 20
#define REPEAT_KEY_LEVEL_BITS 2
#define REPEAT_KEY_KIND_SHIFT                                                  \
    (2 * REPEAT_KEY_STACK_BITS + REPEAT_KEY_LEVEL_BITS)
_Static_assert(STACK_STORE_MAX < (1u << REPEAT_KEY_STACK_BITS),
               "stack ids fit the repeat key");
_Static_assert(LEVEL_DEBUG < (1u << REPEAT_KEY_LEVEL_BITS),
               "levels fit the repeat key");
_Static_assert(EV_COUNT < (1u << (64 - REPEAT_KEY_KIND_SHIFT)),
               "event kinds fit the repeat key");
_Static_assert((SEEN_MAX & (SEEN_MAX - 1)) == 0,
               "SEEN_MAX is a power of two (probes wrap with a mask)");

/* Never 0 (the kind is counted from 1): 0 marks an empty entry. */
static uint64_t repeat_key(enum event_kind kind, enum log_level level,
                           uint32_t call_stack, uint32_t create_stack) {
    return (uint64_t)(kind + 1) << REPEAT_KEY_KIND_SHIFT |
           (uint64_t)level << (2 * REPEAT_KEY_STACK_BITS) |
           (uint64_t)call_stack << REPEAT_KEY_STACK_BITS | create_stack;
}

int report_socket_created(void) {
    return __atomic_fetch_add(&sockets_created, 1, __ATOMIC_RELAXED) == 0;
}

/* The entry for KEY, created on first use; NULL when the table is full. */
static struct seen_entry *seen_entry_for(uint64_t key) {
    uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 40);
    for (unsigned probe = 0; probe < SEEN_MAX; probe++) {
        struct seen_entry *e = &seen[(h + probe) & (SEEN_MAX - 1)];
        uint64_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
        if (k == 0 &&
            __atomic_compare_exchange_n(&e->key, &k, key, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return e;
        if (k == key)
            return e;
    }
    return NULL;
}

int glob_match(const char *pattern, const char *text) {
    const char *star = NULL, *resume = NULL;
    while (*text != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == '?' || *pattern == *text) {
            pattern++;
            text++;
        } else if (star != NULL) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

/* Does a suppression for KIND match a frame of stack ID? */
static int stack_suppressed(enum event_kind kind, uint32_t id) {
    const uintptr_t *ips;
    int n = stack_frames(id, &ips);
    for (int i = 0; i < n; i++) {
        struct frame_name f;
        symbols_name(ips[i], &f);
        for (int s = 0; s < config.suppression_count; s++) {
            const struct suppression *sup = &config.suppressions[s];
            if ((sup->kind == EV_COUNT || sup->kind == kind) &&
                ((f.func[0] != '\0' && glob_match(sup->pattern, f.func)) ||
                 glob_match(sup->pattern, f.module)))
                return 1;
        }
    }
    return 0;
}

/* A short line for the Nth repeat of an event at LEVEL (N = 10, 100,
 * ...). */
static void report_repeat(enum event_kind kind, enum log_level level, int fd,
                          uint32_t call_stack, unsigned long n) {
    struct event ev;
    if (!event_begin_at(&ev, kind, level, fd))
        return;
    event_int(&ev, "repeat", (long long)n);
    event_int(&ev, "stack_id", call_stack);
    event_why(&ev, "the same event from the same stack, shown in full the "
                   "first time; counted since");
    event_end(&ev);
}

static int is_power_of_ten(unsigned long n) {
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

int report_begin(struct event *ev, enum event_kind kind, int fd,
                 uint32_t call_stack, uint32_t create_stack) {
    return report_begin_at(ev, kind, event_kind_level(kind), fd, call_stack,
                           create_stack);
}

int report_begin_at(struct event *ev, enum event_kind kind,
                    enum log_level level, int fd, uint32_t call_stack,
                    uint32_t create_stack) {
    if (!report_admit(kind, level, fd, call_stack, create_stack) ||
        !event_begin_at(ev, kind, level, fd))
        return 0;
    /* In JSON, the key that joins the event to its repeat lines. */
    if (ev->json && (call_stack != 0 || create_stack != 0))
        event_int(ev, "stack_id", call_stack != 0 ? call_stack : create_stack);
    return 1;
}

int report_admit(enum event_kind kind, enum log_level level, int fd,
                 uint32_t call_stack, uint32_t create_stack) {
    if (!event_enabled(kind) || !event_level_shown(level))
        return 0;
    __atomic_fetch_add(&seen_count[kind], 1, __ATOMIC_RELAXED);
    /* Without a stack there is nothing to fold repeats by, nor to match
     * a suppression on. */
    if (call_stack != 0 || create_stack != 0) {
        uint64_t key = repeat_key(kind, level, call_stack, create_stack);
        struct seen_entry *e = seen_entry_for(key);
        int verdict = e != NULL ? __atomic_load_n(&e->verdict, __ATOMIC_ACQUIRE)
                                : VERDICT_UNKNOWN;
        if (verdict == VERDICT_UNKNOWN) {
            /* Racing threads compute the same verdict; with the table full
             * it is computed each time. */
            verdict = config.suppression_count > 0 &&
                              (stack_suppressed(kind, call_stack) ||
                               stack_suppressed(kind, create_stack))
                          ? VERDICT_SUPPRESS
                          : VERDICT_SHOW;
            if (e != NULL)
                __atomic_store_n(&e->verdict, verdict, __ATOMIC_RELEASE);
        }
        if (verdict == VERDICT_SUPPRESS) {
            __atomic_fetch_add(&suppressed_count[kind], 1, __ATOMIC_RELAXED);
            return 0;
        }
        unsigned long n =
            e != NULL ? __atomic_add_fetch(&e->count, 1, __ATOMIC_RELAXED) : 1;
        if (n > 1) {
            __atomic_fetch_add(&repeat_count[kind], 1, __ATOMIC_RELAXED);
            if (is_power_of_ten(n))
                report_repeat(kind, level, fd,
                              call_stack != 0 ? call_stack : create_stack, n);
            return 0;
        }
    }
    return 1;
}

void report_after_fork_child(void) {
    /* The child's first event from a stack is shown in full, not counted
     * as a repeat of the parent's. Only the entries in use are cleared:
     * pages of the table the parent never wrote stay untouched, and are
     * not copied in every child. */
    for (unsigned i = 0; i < SEEN_MAX; i++)
        if (seen[i].key != 0)
            seen[i] = (struct seen_entry){0};
    /* The child's summary is about the child. */
    memset(seen_count, 0, sizeof seen_count);
    memset(suppressed_count, 0, sizeof suppressed_count);
    memset(repeat_count, 0, sizeof repeat_count);
    sockets_created = 0;
}

void report_summary(void) {
    if (!config.diag.summary || !event_enabled(EV_SUMMARY))
        return;
    unsigned long events = 0;
    for (int k = 0; k < EV_COUNT; k++)
        events += __atomic_load_n(&seen_count[k], __ATOMIC_RELAXED);
    unsigned long sockets = __atomic_load_n(&sockets_created, __ATOMIC_RELAXED);
    if (sockets == 0 && events == 0)
        return;
    struct event ev;
    if (!event_begin(&ev, EV_SUMMARY, -1))
        return;
    unsigned long suppressed = 0, repeated = 0;
    event_int(&ev, "sockets", (long long)sockets);
    event_object_begin(&ev, "counts");
    for (int k = 0; k < EV_COUNT; k++) {
        if (k == EV_SUMMARY || k == EV_CONFIG_ERROR)
            continue;
        unsigned long n = __atomic_load_n(&seen_count[k], __ATOMIC_RELAXED);
        suppressed += suppressed_count[k];
        repeated += repeat_count[k];
        /* Text names the kinds seen; JSON has every kind, 0 included,
         * so that a reader need not know which kinds exist. */
        if (n != 0 || ev.json)
            event_int(&ev, event_kind_name((enum event_kind)k), (long long)n);
    }
    event_object_end(&ev);
    event_int(&ev, "repeated", (long long)repeated);
    event_int(&ev, "suppressed", (long long)suppressed);
    event_int(&ev, "closed_unseen", (long long)identity_unseen_count());
    event_int(&ev, "stacks", stack_count());
    if (stack_dropped() != 0)
        event_int(&ev, "stacks_dropped", (long long)stack_dropped());
    event_str(&ev, "direct_syscalls", direct_syscalls_state());
    event_end(&ev);
}
