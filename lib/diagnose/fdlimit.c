/*
 * fdlimit.c — fd_pressure and fd_exhausted (see fdlimit.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/fdlimit.h"

#include <errno.h>
#include <limits.h>

#include "base/errno_scope.h"
#include "config/configuration.h"
#include "diagnose/census.h"
#include "diagnose/report.h"
#include "output/event.h"
#include "output/log.h"
#include "output/stack.h"

unsigned fdlimit_watch_at = UINT_MAX;

/* fd_pressure, fd_exhausted are wanted at all. */
static int pressure_on, exhausted_on;
/* 1 from an fd_pressure until descriptors are well below the line. */
static int pressure_reported;

/* The warning is re-armed below this share of its line, so that a
 * process hovering at the line does not warn at each crossing. */
#define REARM_PERCENT 90

/* The number of open descriptors SOCKSHIM_FD_WARN names for the soft
 * LIMIT, or -1 for none. */
static long pressure_line(long limit) {
    unsigned warn = config.diag.fd_warn;
    if (!pressure_on || warn == 0)
        return -1;
    if (!config.diag.fd_warn_percent)
        return warn;
    if (limit < 0)
        return -1;
    long line = limit * (long)warn / 100;
    return line > 0 ? line : 1;
}

/* Without fd_pressure, the share of the limit at which the log is opened
 * all the same: at the limit itself, it could not be, and fd_exhausted
 * would be lost. */
#define LOG_OPEN_PERCENT 80

/* Where the calls look closer: the pressure line, or where the log is
 * to be opened for fd_exhausted; -1 for nowhere. */
static long watched_line(long limit) {
    long line = pressure_line(limit);
    if (line > 0 || !exhausted_on || limit < 0)
        return line;
    return limit * LOG_OPEN_PERCENT / 100;
}

/* The descriptor number from which the calls look closer: at LINE - 1,
 * at least LINE descriptors are open. */
static void watch_line(long line) {
    unsigned at = UINT_MAX;
    if (line > 0 && !__atomic_load_n(&pressure_reported, __ATOMIC_ACQUIRE))
        at = (unsigned)(line - 1);
    __atomic_store_n(&fdlimit_watch_at, at, __ATOMIC_RELAXED);
}

void fdlimit_init(void) {
    pressure_on = event_enabled(EV_FD_PRESSURE) && config.diag.fd_warn != 0;
    exhausted_on = event_enabled(EV_FD_EXHAUSTED);
    watch_line(watched_line(census_fd_limit()));
}

/* One event of KIND with the census. CALL and ERR for fd_exhausted. */
static void limit_event(enum event_kind kind, const char *call, int err,
                        const char *why) {
    struct census c;
    struct event ev;
    int counted = census_take(&c, CENSUS_ASK_KERNEL);
    int begun = counted
                    ? census_event_begin(&ev, kind, event_kind_level(kind), 0)
                    : event_begin(&ev, kind, -1);
    if (begun) {
        if (call != NULL) {
            event_str(&ev, "call", call);
            event_str(&ev, "errno", err == EMFILE ? "EMFILE" : "ENFILE");
        }
        if (counted) {
            census_event(&ev, &c, why);
        } else {
            /* Another census is being written (the scan thread's): this
             * one goes without the groups. */
            long limit = census_fd_limit();
            if (limit >= 0)
                event_int(&ev, "fd_limit", limit);
            event_why(&ev, why);
        }
        event_end(&ev);
    }
    if (counted)
        census_release(&c, 0);
}

void fdlimit_crossed(int fd) {
    PRESERVE_ERRNO;
    long limit = census_fd_limit();
    long line = watched_line(limit);
    /* The program may have raised its limit since the line was drawn. */
    if (line <= 0 || (long)fd + 1 < line) {
        watch_line(line);
        return;
    }
    int expected = 0;
    if (!__atomic_compare_exchange_n(&pressure_reported, &expected, 1, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    watch_line(line);
    /* A log still to be opened is opened now, while a descriptor is left
     * for it. */
    log_ready();
    if (pressure_line(limit) > 0)
        limit_event(EV_FD_PRESSURE, NULL, 0,
                    "open descriptors reached SOCKSHIM_FD_WARN: at the limit, "
                    "socket() and accept() fail with EMFILE (\"too many open "
                    "files\"); the groups show which sockets hold them");
}

/* Failures without a stack to fold them by: per call, shown at the 1st,
 * 10th, 100th ... */
static unsigned long unstacked_failures;

static int power_of_ten(unsigned long n) {
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

void fdlimit_failed(const char *call, int err) {
    if (!event_enabled(EV_FD_EXHAUSTED))
        return;
    PRESERVE_ERRNO;
    uint32_t stack = stack_capture();
    if (stack == 0) {
        unsigned long n =
            __atomic_add_fetch(&unstacked_failures, 1, __ATOMIC_RELAXED);
        if (!power_of_ten(n))
            return;
    }
    if (!report_admit(EV_FD_EXHAUSTED, LEVEL_ERROR, -1, stack, 0))
        return;
    limit_event(EV_FD_EXHAUSTED, call, err,
                err == EMFILE
                    ? "the process has no descriptor left (RLIMIT_NOFILE): "
                      "the call failed; sockets held open, most often in "
                      "CLOSE_WAIT, are the usual cause"
                    : "the system has no file left (fs.file-max): the call "
                      "failed");
}

void fdlimit_tick(void) {
    long line = watched_line(census_fd_limit());
    if (line <= 0)
        return;
    if (__atomic_load_n(&pressure_reported, __ATOMIC_ACQUIRE)) {
        long open = census_count_fds(census_fd_limit());
        if (open >= 0 && open < line * REARM_PERCENT / 100)
            __atomic_store_n(&pressure_reported, 0, __ATOMIC_RELEASE);
    }
    watch_line(line);
}

void fdlimit_after_fork_child(void) {
    __atomic_store_n(&pressure_reported, 0, __ATOMIC_RELEASE);
    unstacked_failures = 0;
    watch_line(watched_line(census_fd_limit()));
}
