/*
 * scan.h — the scan thread: once per SOCKSHIM_SCAN period it asks the
 * kernel which of the program's connections are in CLOSE_WAIT, and
 * reports those past SOCKSHIM_CLOSE_WAIT (diagnose/closewait.h).
 *
 * Two ways to ask: a process with few connections polls its own sockets
 * (POLLRDHUP, confirmed with TCP_INFO); above a few thousand, one
 * sock_diag dump of the host's CLOSE_WAIT sockets is cheaper. The thread
 * also ends the process when it is the last thread left, as glibc would
 * have without it.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_SCAN_H
#define SOCKSHIM_SCAN_H

/* Set up from the configuration. Call once, at start-up. */
void scan_init(void);

/* A TCP connection exists, or a peer's EOF was read: start the scan
 * thread if it is wanted and not running. Never starts it from a signal
 * handler (it is then started by a later call). */
void scan_start(void);

/* One pass of the scan: ask the kernel, report what is due. Returns the
 * number of sockets of ours found in CLOSE_WAIT (or -1: kernel not
 * asked). Exposed for the benchmark. */
long scan_pass(void);

/* How the last pass asked the kernel: "poll" (the program's own
 * sockets), "dump" (sock_diag), "none" (could not ask). For the tests. */
const char *scan_way(void);

/* In a forked child: no thread survived the fork; the scan starts again
 * at the child's next socket or EOF. */
void scan_after_fork_child(void);

#endif
