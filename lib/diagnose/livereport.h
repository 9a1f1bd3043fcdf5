/*
 * livereport.h — open_sockets: the report of the process's open sockets
 * by creation stack while it runs, every SOCKSHIM_REPORT (when the
 * sockets changed) and on request of `sockshim report PID`
 * (base/rundir.h). Made by the scan thread (diagnose/scan.h), never by
 * the program's.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_LIVEREPORT_H
#define SOCKSHIM_LIVEREPORT_H

#include <stdint.h>

/* Set up from the configuration and XDG (the process's XDG_RUNTIME_DIR,
 * NULL when unset, or when requests are not to be taken). Start-up. */
void livereport_init(const char *xdg);

/* Is there anything for the scan thread to do here (a period, or
 * requests to look for)? */
int livereport_wanted(void);

/* The scan thread's tick at NOW (clock_now_ms): a report when the period
 * is due and the sockets changed, or when one was requested. */
void livereport_tick(uint32_t now);

/* In a forked child: its own requests, its own period. */
void livereport_after_fork_child(void);

#endif
