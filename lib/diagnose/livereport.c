/*
 * livereport.c — open_sockets, periodic and on request (see
 * livereport.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/livereport.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/rundir.h"
#include "config/configuration.h"
#include "diagnose/census.h"
#include "output/event.h"
#include "output/log.h"
#include "output/outbuf.h"

/* Where requests are looked for; "" when they are not taken. */
static char request_dir[RUNDIR_PATH_MAX];

/* The last periodic report: when, and the sockets it saw. */
static uint32_t last_report_ms;
static uint64_t last_signature;
static unsigned long last_due;

void livereport_init(const char *xdg) {
    request_dir[0] = '\0';
    if (event_enabled(EV_OPEN_SOCKETS) &&
        rundir_path(request_dir, sizeof request_dir, xdg, geteuid()) != 0)
        request_dir[0] = '\0';
}

int livereport_wanted(void) {
    /* The reports ride the scan thread: SOCKSHIM_SCAN=0 means no thread
     * at all, and so no report while the program runs. */
    return event_enabled(EV_OPEN_SOCKETS) && config.diag.scan_ms != 0 &&
           (config.diag.report_ms != 0 || request_dir[0] != '\0');
}

/* A request for this process is waiting: take it (remove it) and return
 * 1. Only a regular file owned by this process's user, in a directory of
 * this user's, is a request: others are left where they are, unanswered. */
static int take_request(char *answer, size_t cap) {
    char path[RUNDIR_PATH_MAX + 32];
    struct stat st;
    if (request_dir[0] == '\0' ||
        rundir_file(path, sizeof path, request_dir, getpid(), "request") != 0 ||
        lstat(path, &st) != 0)
        return 0;
    uid_t me = geteuid();
    if (!S_ISREG(st.st_mode) || st.st_uid != me)
        return 0;
    if (lstat(request_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != me || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return 0;
    if (unlink(path) != 0 ||
        rundir_file(answer, cap, request_dir, getpid(), "done") != 0)
        return 0;
    return 1;
}

/* The answer to a request: a link at ANSWER naming where the report
 * went (no descriptor is opened for it). */
static void answer_request(const char *answer) {
    char where[LOG_PATH_MAX + 64];
    struct outbuf ob;
    ob_init(&ob, where, sizeof where);
    log_describe(&ob);
    unlink(answer);
    if (symlink(where, answer) != 0) {
        /* No answer: the launcher waits in vain and says so. */
    }
}

/* The sentence of an open_sockets event. */
static const char *report_why(const struct census *c) {
    if (c->close_wait_due == 0)
        return "open sockets by creation stack; growth is the change since "
               "the last report (a pool stays flat, a leak grows)";
    /* Growth means something only against an earlier report: the first
     * one's is merely the count. */
    for (int i = 0; c->has_baseline && i < c->group_count; i++)
        if (c->groups[i].close_wait_due > 0 && c->groups[i].growth > 0)
            return "sockets the peer closed are still open, and their "
                   "group grows: a leak, each one holding a descriptor "
                   "until the process ends";
    return "sockets the peer closed are still open past SOCKSHIM_CLOSE_WAIT "
           "(the program never closed them)";
}

/* Write the report of C: 1 when written (a periodic one at info level
 * may be below SOCKSHIM_LOG_LEVEL; one ASKED for is always written). */
static int write_report(const struct census *c, int asked) {
    struct event ev;
    if (!census_event_begin(&ev, EV_OPEN_SOCKETS,
                            c->close_wait_due > 0 ? LEVEL_WARN : LEVEL_INFO,
                            asked))
        return 0;
    census_event(&ev, c, report_why(c));
    event_end(&ev);
    return 1;
}

void livereport_tick(uint32_t now) {
    if (!event_enabled(EV_OPEN_SOCKETS))
        return;
    char answer[RUNDIR_PATH_MAX + 32];
    int requested = take_request(answer, sizeof answer);
    const unsigned period = config.diag.report_ms;
    int due = period != 0 && now - last_report_ms >= period;
    if (!requested && !due)
        return;
    struct census c;
    if (!census_take(&c, CENSUS_AS_SCANNED))
        return;
    if (due)
        last_report_ms = now;
    /* A period in which nothing changed has nothing new to say; sockets
     * that passed SOCKSHIM_CLOSE_WAIT since are a change. */
    int written = 0;
    if (requested ||
        ((c.signature != last_signature || c.close_wait_due != last_due) &&
         c.sockets > 0)) {
        last_signature = c.signature;
        last_due = c.close_wait_due;
        written = write_report(&c, requested);
    }
    census_release(&c, written);
    if (requested)
        answer_request(answer);
}

void livereport_after_fork_child(void) {
    last_report_ms = clock_now_ms();
    last_signature = 0;
    last_due = 0;
}
