/*
 * request.h — `sockshim report PID`: ask a process running under
 * sockshim for an open_sockets report, without a signal.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REQUEST_H
#define SOCKSHIM_REQUEST_H

/* The subcommand, ARGV[0] being "report". Returns the exit status: 0
 * when the process answered, 1 when it did not or may not be asked, 2
 * on a usage error. */
int request_report(int argc, char **argv);

#endif
