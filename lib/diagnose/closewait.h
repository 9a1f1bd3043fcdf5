/*
 * closewait.h — sockets the peer closed and the program keeps open
 * (CLOSE_WAIT), and sockets shared across fork().
 *
 * Two ways to learn that a peer closed: the program read its EOF (a
 * read-family call returned 0: the hooks call closewait_eof()), or the
 * kernel says the socket is in CLOSE_WAIT (diagnose/scan.h asks it once
 * per period and calls closewait_mark_kernel()). A socket still open
 * SOCKSHIM_CLOSE_WAIT after that is reported once (close_wait); when it
 * finally closes, late_close says how long it sat.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_CLOSEWAIT_H
#define SOCKSHIM_CLOSEWAIT_H

#include <stdint.h>
#include <sys/types.h>

#include "base/fdtab.h"

/* A read-family call on FD returned 0 for a non-empty buffer. Returns 1
 * when the socket is newly known to be closed by its peer (the scan must
 * run to report it), else 0. */
int closewait_eof(int fd);

/* The kernel says SLOT's socket is in CLOSE_WAIT: mark it peer-closed as
 * of NOW, if the slot still holds the socket of generation GEN. Returns
 * 1 when marked. */
int closewait_mark_kernel(struct fd_slot *slot, uint32_t gen, uint32_t now);

/* FD (SLOT, of generation GEN) is known peer-closed: report close_wait
 * if it has been so for SOCKSHIM_CLOSE_WAIT at NOW. */
void closewait_report_if_due(int fd, struct fd_slot *slot, uint32_t gen,
                             uint32_t now);

/* FD (SLOT) is about to be closed: late_close if it sat in CLOSE_WAIT
 * past the threshold. */
void closewait_before_close(int fd, struct fd_slot *slot);

/* fork() returned CHILD in the parent, or 0 in the child: every tracked
 * socket is marked shared, with the process on the other side. */
void closewait_after_fork(pid_t child);

#endif
