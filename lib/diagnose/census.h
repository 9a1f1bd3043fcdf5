/*
 * census.h — the process's open sockets counted by creation stack, for
 * the reports made while it runs (open_sockets, fd_pressure,
 * fd_exhausted).
 *
 * One walk of the fd table, no lock taken by the program's threads and
 * no allocation: the counts live in static tables indexed by stack id,
 * which one census at a time may use (census_take() refuses, rather than
 * waits, while another is being taken or written).
 *
 * What a socket counts as, from what sockshim knows of it (the scan marks
 * the connections the kernel has in CLOSE_WAIT once per SOCKSHIM_SCAN):
 * listen (a listener), close_wait (a TCP connection whose peer closed:
 * EOF read, or CLOSE_WAIT in the kernel), established (any other accepted
 * or connected TCP socket), other (UDP, UNIX, not yet connected).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_CENSUS_H
#define SOCKSHIM_CENSUS_H

#include <stdint.h>

#include "output/event.h"

/* Groups shown by name; the rest are summed into one more, "other". */
#define CENSUS_GROUPS_SHOWN 8

struct census_group {
    uint32_t stack; /* creation stack id; 0 for "other" or without stacks */
    unsigned count;
    unsigned close_wait;
    unsigned close_wait_due; /* of those, past SOCKSHIM_CLOSE_WAIT */
    unsigned established;
    unsigned listen;
    unsigned other;
    uint32_t roles;       /* bit 1 << role */
    uint32_t oldest_seen; /* clock_now_ms when its oldest was seen; 0 none */
    long growth;          /* count minus the last report's */
};

struct census {
    uint32_t now;
    unsigned long sockets; /* tracked sockets */
    unsigned long close_wait;
    unsigned long close_wait_due;
    /* Changes when a socket opens, closes or changes state: equal
     * signatures, most likely the same sockets. */
    uint64_t signature;
    long fds_open;   /* open descriptors, sockshim's too; -1 unknown */
    int fds_own;     /* of those, sockshim's own */
    long fd_limit;   /* the soft RLIMIT_NOFILE, -1 unknown */
    int group_count; /* groups[] in use, the "other" one included */
    int has_other;   /* groups[group_count - 1] is the "other" one */
    /* A report was written before this census: growth is a change, not
     * merely the count. */
    int has_baseline;
    struct census_group groups[CENSUS_GROUPS_SHOWN + 1];
};

/* Whether the kernel is asked first. */
enum census_ask {
    /* As the scan last saw them: for the scan thread's reports, made
     * right after a pass. */
    CENSUS_AS_SCANNED,
    /* Connections not yet known as peer-closed are asked (poll, then
     * TCP_INFO) first: at a descriptor event, the scan may not have
     * passed for a while. */
    CENSUS_ASK_KERNEL
};

/* Take the census into OUT, holding the tables until census_release().
 * Growth counts from the last census released as reported. Returns 1,
 * or 0 when another census is in progress (nothing taken). */
int census_take(struct census *out, enum census_ask ask);

/* Begin an event of KIND at LEVEL in the census's own line (room for
 * every group's stack); ASKED: whatever SOCKSHIM_LOG_LEVEL says (a
 * report on demand). Between census_take() and census_release(). */
int census_event_begin(struct event *ev, enum event_kind kind,
                       enum log_level level, int asked);

/* Add C's fields to EV: sockets, close_wait, fds_open, fd_limit, the
 * sentence WHY, then the groups (in text, blocks after the line). */
void census_event(struct event *ev, const struct census *c, const char *why);

/* Let the next census be taken. REPORTED: C was written as a report,
 * whose counts the next growth is counted from. */
void census_release(const struct census *c, int reported);

/* The process's open descriptors below the soft LIMIT: the sockets in
 * sockshim's table, and the other numbers counted with poll() (no
 * descriptor needed: it works when they are exhausted); sockshim's own
 * included (they count against the limit too). -1 when unknown, or when
 * a census is in progress (its table is used). */
long census_count_fds(long limit);

/* The soft RLIMIT_NOFILE, or -1 when unlimited or unknown. */
long census_fd_limit(void);

/* In a forked child: the last report's counts are the parent's. */
void census_after_fork_child(void);

#endif
