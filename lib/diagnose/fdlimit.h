/*
 * fdlimit.h — running out of descriptors: fd_pressure when the process's
 * open descriptors reach SOCKSHIM_FD_WARN (once per crossing), and
 * fd_exhausted when a call fails with EMFILE or ENFILE, each with the
 * open sockets by creation stack (diagnose/census.h).
 *
 * The pressure is watched for at no cost to the calls: descriptors are
 * numbered lowest first, so a call that returns descriptor N shows that
 * at least N + 1 are open; one compare against the number at which to
 * look closer. Descriptors opened out of sockshim's sight (open(),
 * pipe()) count when a socket or a dup crosses the line.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_FDLIMIT_H
#define SOCKSHIM_FDLIMIT_H

#include <errno.h>

/* Set up from the configuration and the soft limit. Start-up. */
void fdlimit_init(void);

/* The descriptor number at which fdlimit_crossed() is to be called:
 * global only so that fdlimit_new_fd() is inline. */
extern unsigned fdlimit_watch_at __attribute__((visibility("hidden")));

void fdlimit_crossed(int fd);

/* A wrapped call returned the new descriptor FD. */
static inline void fdlimit_new_fd(int fd) {
    if ((unsigned)fd >= __atomic_load_n(&fdlimit_watch_at, __ATOMIC_RELAXED))
        fdlimit_crossed(fd);
}

/* CALL ("accept4") failed with ERR, EMFILE or ENFILE: fd_exhausted. */
void fdlimit_failed(const char *call, int err);

/* CALL failed with ERR (any error: the check is inline, since a
 * non-blocking accept() fails with EAGAIN all the time). */
static inline void fdlimit_call_failed(const char *call, int err) {
    if (__builtin_expect(err == EMFILE || err == ENFILE, 0))
        fdlimit_failed(call, err);
}

/* The scan thread's tick: the limit read anew (a program may raise its
 * own), and the warning re-armed once descriptors are well below it. */
void fdlimit_tick(void);

/* In a forked child: its own crossing. */
void fdlimit_after_fork_child(void);

#endif
