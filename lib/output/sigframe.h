/*
 * sigframe.h — is this thread running a signal handler?
 *
 * Some work must never happen inside a signal handler that may have
 * interrupted async-signal-unsafe code: starting a thread (glibc's
 * pthread_create() allocates with malloc, and waits forever on the arena
 * lock the interrupted malloc() holds; it also needs far more stack than
 * a small alternate signal stack has). Every wrapped call may run in a
 * handler (socket(), close() and the rest are async-signal-safe), so the
 * question is asked before such work, and the work waits for a call made
 * outside any handler.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_SIGFRAME_H
#define SOCKSHIM_SIGFRAME_H

/* 1 when this thread may be running a signal handler (it is on its
 * alternate signal stack, or a signal frame sits on its stack above the
 * caller; on x86_64 only, elsewhere just the alternate stack), 0 when it
 * surely is not. Reads /proc/self/maps once per thread
 * and the live part of the stack: call it seldom, not on a hot path. No
 * malloc, no lock: safe in a handler. */
int sigframe_in_handler(void);

#endif
