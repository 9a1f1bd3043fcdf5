/*
 * census.c — open sockets counted by creation stack (see census.h).
 *
 * The counts are kept in a table indexed by stack id (ids are below
 * STACK_STORE_MAX + 1), so a walk over 100,000 sockets is one increment
 * each; only the entries touched are read back and cleared. Untouched
 * pages of the static tables cost no memory.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/census.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>

#include "base/clock.h"
#include "base/fdtab.h"
#include "base/privfd.h"
#include "base/real.h"
#include "config/configuration.h"
#include "diagnose/closewait.h"
#include "output/outbuf.h"
#include "output/stack.h"

#define CENSUS_STACKS (STACK_STORE_MAX + 1)

struct tally {
    unsigned count, close_wait, close_wait_due, established, listen, other;
    uint32_t roles;
    uint32_t oldest_seen;
};

static struct tally tallies[CENSUS_STACKS];
static uint16_t touched[CENSUS_STACKS];
static unsigned touched_count;

/* The last report's count per stack, for growth. */
static uint32_t last_count[CENSUS_STACKS];
static uint16_t last_touched[CENSUS_STACKS];
static unsigned last_touched_count;
static unsigned long last_total;
static int have_baseline;

/* One census at a time: 1 while taken. */
static int census_busy;

/* poll() batches: descriptors counted, or connections asked. */
#define FD_BATCH 1024
static struct pollfd fd_batch[FD_BATCH];
static uint32_t batch_gens[FD_BATCH];

/* The census's event line: eight groups' stacks do not fit in
 * LOG_LINE_MAX. */
#define CENSUS_LINE_MAX 32768
static char census_line[LOG_PREFIX_ROOM + CENSUS_LINE_MAX];

long census_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > (rlim_t)FDTAB_MAX_FD)
        return -1;
    return (long)rl.rlim_cur;
}

/* poll() over fd_batch[0..N), retried on EINTR: its answer, or -1. */
static int poll_batch(int n) {
    int rc;
    while ((rc = real_poll(fd_batch, (nfds_t)n, 0)) < 0 && errno == EINTR)
        ;
    return rc;
}

/* census_count_fds() for the holder of the census. The sockets sockshim
 * tracks are counted from its table (a poll() on each would cost a call
 * into TCP's poll: 0.2-0.8 us a socket); only the other numbers are
 * polled, which for a closed one is a failed lookup. */
static long count_fds(long limit) {
    if (limit <= 0)
        return -1;
    long open = 0;
    /* poll() refuses more entries than the soft limit. */
    int batch = limit < FD_BATCH ? (int)limit : FD_BATCH;
    int n = 0;
    for (long fd = 0; fd < limit || n > 0; fd++) {
        if (fd < limit) {
            if (fdtab_flags(fdtab_peek((int)fd)) & FD_TRACKED) {
                open++;
                continue;
            }
            fd_batch[n].fd = (int)fd;
            fd_batch[n].events = 0;
            fd_batch[n].revents = 0;
            if (++n < batch)
                continue;
        }
        if (poll_batch(n) < 0)
            return -1;
        for (int i = 0; i < n; i++)
            open += !(fd_batch[i].revents & POLLNVAL);
        n = 0;
    }
    return open;
}

static void unlock(void) {
    __atomic_store_n(&census_busy, 0, __ATOMIC_RELEASE);
}

static int census_lock(void) {
    int expected = 0;
    return __atomic_compare_exchange_n(&census_busy, &expected, 1, 0,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

long census_count_fds(long limit) {
    if (!census_lock())
        return -1;
    long open = count_fds(limit);
    unlock();
    return open;
}

/* --- connections the scan has not looked at yet ------------------------- */

/* Ask the N connections in fd_batch; mark those in CLOSE_WAIT. */
static void ask_batch(int n, uint32_t now) {
    if (n == 0 || poll_batch(n) <= 0)
        return;
    for (int i = 0; i < n; i++) {
        if (!(fd_batch[i].revents & POLLRDHUP) ||
            (fd_batch[i].revents & POLLNVAL))
            continue;
        struct fd_slot *slot = fdtab_peek(fd_batch[i].fd);
        struct tcp_info info;
        socklen_t len = sizeof info;
        if (slot != NULL &&
            real_getsockopt(fd_batch[i].fd, IPPROTO_TCP, TCP_INFO, &info,
                            &len) == 0 &&
            info.tcpi_state == TCP_CLOSE_WAIT)
            closewait_mark_kernel(slot, batch_gens[i], now);
    }
}

struct ask_state {
    uint32_t now;
    int n;
};

static int ask_connection(int fd, struct fd_slot *slot, void *data) {
    struct ask_state *a = data;
    uint32_t gen = __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE);
    uint32_t flags = fdtab_flags(slot);
    if (!fdtab_is_connection(flags, slot) || (flags & FD_PEER_CLOSED))
        return 0;
    fd_batch[a->n].fd = fd;
    fd_batch[a->n].events = POLLRDHUP;
    fd_batch[a->n].revents = 0;
    batch_gens[a->n] = gen;
    if (++a->n == FD_BATCH) {
        ask_batch(a->n, a->now);
        a->n = 0;
    }
    return 0;
}

/* --- the walk ------------------------------------------------------------ */

/* One socket's part of the census's signature. */
static uint64_t signature_of(int fd, uint32_t gen, uint32_t flags) {
    uint64_t x = ((uint64_t)(uint32_t)fd << 32 | gen) ^
                 (uint64_t)(flags & (FD_PEER_CLOSED | FD_LISTENING)) << 20;
    x *= 0x9e3779b97f4a7c15ull;
    return x ^ (x >> 29);
}

static int tally_socket(int fd, struct fd_slot *slot, void *data) {
    struct census *c = data;
    uint32_t gen = __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE);
    uint32_t flags = fdtab_flags(slot);
    if (!(flags & FD_TRACKED))
        return 0;
    c->signature += signature_of(fd, gen, flags);
    uint32_t stack = __atomic_load_n(&slot->create_stack, __ATOMIC_RELAXED);
    if (stack >= CENSUS_STACKS)
        stack = 0;
    struct tally *t = &tallies[stack];
    if (t->count == 0)
        touched[touched_count++] = (uint16_t)stack;
    t->count++;
    if (flags & FD_LISTENING) {
        t->listen++;
    } else if (!fdtab_is_connection(flags, slot)) {
        t->other++;
    } else if (flags & FD_PEER_CLOSED) {
        t->close_wait++;
        uint32_t since = __atomic_load_n(&slot->eof_ms, __ATOMIC_RELAXED);
        if ((flags & FD_CW_REPORTED) ||
            (int32_t)(c->now - since) >= (int32_t)config.diag.close_wait_ms)
            t->close_wait_due++;
    } else {
        t->established++;
    }
    t->roles |= 1u << fdtab_role(slot);
    uint32_t seen = __atomic_load_n(&slot->seen_ms, __ATOMIC_RELAXED);
    if (seen == 0) {
        /* Not seen by a scan pass yet (or none are made): from now. */
        seen = c->now ? c->now : 1;
        __atomic_store_n(&slot->seen_ms, seen, __ATOMIC_RELAXED);
    }
    if ((t->oldest_seen == 0 || (int32_t)(seen - t->oldest_seen) < 0))
        t->oldest_seen = seen;
    c->sockets++;
    return 0;
}

/* Is tally A shown before tally B: more in CLOSE_WAIT, then larger? */
static int tally_before(const struct tally *a, const struct tally *b) {
    if (a->close_wait != b->close_wait)
        return a->close_wait > b->close_wait;
    return a->count > b->count;
}

static void group_from_tally(struct census_group *g, uint32_t stack,
                             const struct tally *t) {
    g->stack = stack;
    g->count = t->count;
    g->close_wait = t->close_wait;
    g->close_wait_due = t->close_wait_due;
    g->established = t->established;
    g->listen = t->listen;
    g->other = t->other;
    g->roles = t->roles;
    g->oldest_seen = t->oldest_seen;
    g->growth = (long)t->count - (long)last_count[stack];
}

static void add_to_group(struct census_group *g, const struct tally *t) {
    g->count += t->count;
    g->close_wait += t->close_wait;
    g->close_wait_due += t->close_wait_due;
    g->established += t->established;
    g->listen += t->listen;
    g->other += t->other;
    g->roles |= t->roles;
    if (t->oldest_seen != 0 &&
        (g->oldest_seen == 0 || (int32_t)(t->oldest_seen - g->oldest_seen) < 0))
        g->oldest_seen = t->oldest_seen;
}

/* The CENSUS_GROUPS_SHOWN first stacks of the touched ones, in order. */
static int pick_shown(uint16_t shown[CENSUS_GROUPS_SHOWN]) {
    int n = 0;
    for (unsigned i = 0; i < touched_count; i++) {
        uint16_t s = touched[i];
        int at = n;
        while (at > 0 && tally_before(&tallies[s], &tallies[shown[at - 1]]))
            at--;
        if (at == CENSUS_GROUPS_SHOWN)
            continue;
        if (n < CENSUS_GROUPS_SHOWN)
            n++;
        memmove(&shown[at + 1], &shown[at],
                (size_t)(n - 1 - at) * sizeof shown[0]);
        shown[at] = s;
    }
    return n;
}

static void build_groups(struct census *c) {
    uint16_t shown[CENSUS_GROUPS_SHOWN];
    int n = pick_shown(shown);
    long shown_growth = 0;
    for (int i = 0; i < n; i++) {
        group_from_tally(&c->groups[i], shown[i], &tallies[shown[i]]);
        shown_growth += c->groups[i].growth;
        c->close_wait += c->groups[i].close_wait;
        c->close_wait_due += c->groups[i].close_wait_due;
    }
    struct census_group *rest = &c->groups[n];
    memset(rest, 0, sizeof *rest);
    for (unsigned i = 0; i < touched_count; i++) {
        uint16_t s = touched[i];
        int is_shown = 0;
        for (int j = 0; j < n; j++)
            is_shown |= shown[j] == s;
        if (!is_shown)
            add_to_group(rest, &tallies[s]);
    }
    c->close_wait += rest->close_wait;
    c->close_wait_due += rest->close_wait_due;
    /* Stacks gone since the last report shrank "the rest". */
    rest->growth = ((long)c->sockets - (long)last_total) - shown_growth;
    c->has_other = rest->count > 0;
    c->group_count = n + c->has_other;
}

/* This census's counts become the last report's. */
static void remember_counts(const struct census *c) {
    for (unsigned i = 0; i < last_touched_count; i++)
        last_count[last_touched[i]] = 0;
    for (unsigned i = 0; i < touched_count; i++) {
        last_count[touched[i]] = tallies[touched[i]].count;
        last_touched[i] = touched[i];
    }
    last_touched_count = touched_count;
    last_total = c->sockets;
    have_baseline = 1;
}

int census_take(struct census *out, enum census_ask ask) {
    if (!census_lock())
        return 0;
    memset(out, 0, sizeof *out);
    out->now = clock_now_ms();
    if (ask == CENSUS_ASK_KERNEL) {
        struct ask_state a = {out->now, 0};
        fdtab_for_each(ask_connection, &a);
        ask_batch(a.n, out->now);
    }
    touched_count = 0;
    fdtab_for_each(tally_socket, out);
    build_groups(out);
    out->has_baseline = have_baseline;
    out->fd_limit = census_fd_limit();
    out->fds_open = count_fds(out->fd_limit);
    int own[PRIVFD_COUNT];
    out->fds_own = privfd_list(own);
    return 1;
}

void census_release(const struct census *c, int reported) {
    if (reported)
        remember_counts(c);
    for (unsigned i = 0; i < touched_count; i++)
        memset(&tallies[touched[i]], 0, sizeof tallies[0]);
    touched_count = 0;
    unlock();
}

int census_event_begin(struct event *ev, enum event_kind kind,
                       enum log_level level, int asked) {
    return asked ? event_begin_asked(ev, kind, level, -1, census_line,
                                     sizeof census_line)
                 : event_begin_in(ev, kind, level, -1, census_line,
                                  sizeof census_line);
}

/* "accept", or "accept,connect" for a group of several roles. */
static void roles_text(struct outbuf *ob, uint32_t roles) {
    for (int role = 0; role < ROLE_COUNT; role++) {
        if (roles & (1u << role)) {
            if (ob->len > 0)
                ob_char(ob, ',');
            ob_str(ob, role_name(role));
        }
    }
}

static void group_event(struct event *ev, const struct census *c,
                        const struct census_group *g, int index, int other) {
    char label[32];
    struct outbuf ob;
    ob_init(&ob, label, sizeof label);
    if (other) {
        ob_str(&ob, "other groups:");
    } else {
        ob_str(&ob, "group ");
        ob_int(&ob, index + 1);
        ob_char(&ob, ':');
    }
    event_item_begin(ev, label);
    event_int(ev, "count", g->count);
    event_int(ev, "close_wait", g->close_wait);
    event_int(ev, "established", g->established);
    event_int(ev, "listen", g->listen);
    event_int(ev, "other", g->other);
    char roles[64];
    ob_init(&ob, roles, sizeof roles);
    roles_text(&ob, g->roles);
    event_str(ev, "role", roles);
    event_int(ev, "oldest_ms",
              g->oldest_seen != 0 ? (uint32_t)(c->now - g->oldest_seen) : 0);
    event_int(ev, "growth", g->growth);
    if (!other)
        event_stack(ev, "created_at", "created at", g->stack);
    event_item_end(ev);
}

void census_event(struct event *ev, const struct census *c, const char *why) {
    event_int(ev, "sockets", (long long)c->sockets);
    event_int(ev, "close_wait", (long long)c->close_wait);
    if (c->fds_open >= 0) {
        event_int(ev, "fds_open", c->fds_open);
        event_int(ev, "fds_sockshim", c->fds_own);
    }
    if (c->fd_limit >= 0)
        event_int(ev, "fd_limit", c->fd_limit);
    event_why(ev, why);
    event_list_begin(ev, "groups");
    for (int i = 0; i < c->group_count; i++)
        group_event(ev, c, &c->groups[i], i,
                    c->has_other && i == c->group_count - 1);
    event_list_end(ev);
}

void census_after_fork_child(void) {
    for (unsigned i = 0; i < last_touched_count; i++)
        last_count[last_touched[i]] = 0;
    last_touched_count = 0;
    last_total = 0;
    have_baseline = 0;
    touched_count = 0;
    unlock();
}
