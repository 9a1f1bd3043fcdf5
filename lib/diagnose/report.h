/*
 * report.h — what becomes of a diagnostic event before it is written:
 * suppressions (SOCKSHIM_SUPPRESS), repeats from the same stacks folded
 * into counts, and the counts the summary gives at exit.
 *
 * Every check (diagnose/checks.c, closewait.c, exitreport.c) begins its
 * events here instead of with event_begin(). Lock-free and
 * allocation-free: checks run in wrappers that may run in signal
 * handlers.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_H
#define SOCKSHIM_REPORT_H

#include <stdint.h>

#include "output/event.h"

/* One event of KIND about FD is to be reported, from the call at stack
 * CALL_STACK on a socket created at CREATE_STACK (ids, 0 = none). Returns
 * 1 with the event begun (the caller adds fields and calls event_end), or
 * 0 when it is not to be written: kind not enabled, suppressed, or a
 * repeat from the same stacks (counted; a short line at the 10th, 100th,
 * ... repeat). */
int report_begin(struct event *ev, enum event_kind kind, int fd,
                 uint32_t call_stack, uint32_t create_stack)
    __attribute__((warn_unused_result));

/* The same at LEVEL, for a kind whose events are not all equally severe:
 * an event below SOCKSHIM_LOG_LEVEL is neither written nor counted. */
int report_begin_at(struct event *ev, enum event_kind kind,
                    enum log_level level, int fd, uint32_t call_stack,
                    uint32_t create_stack) __attribute__((warn_unused_result));

/* The decision of report_begin_at() alone: 1 when the event is to be
 * written (the caller then begins it itself), 0 when not. */
int report_admit(enum event_kind kind, enum log_level level, int fd,
                 uint32_t call_stack, uint32_t create_stack);

/* A socket was created: counted for the summary. Returns 1 for the
 * process's first. */
int report_socket_created(void);

/* In a forked child (one thread): start the counts of the summary and
 * the repeats afresh. */
void report_after_fork_child(void);

/* At exit: the summary event (SOCKSHIM_SUMMARY), unless the process made
 * no socket and had nothing to report. */
void report_summary(void);

/* Glob PATTERN ('*' any run, '?' one byte) against TEXT. */
int glob_match(const char *pattern, const char *text);

#endif
