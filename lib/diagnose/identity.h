/*
 * identity.h — is a descriptor still the socket its slot describes?
 *
 * Some closes happen where sockshim cannot see them: fclose() of a socket
 * wrapped by fdopen() (glibc closes inside), glibc's own internal closes,
 * io_uring. The number is then reused by a file, a pipe or a socket made
 * out of sight, and the slot left behind must never be reported under the
 * new descriptor's name: no close_wait for a pipe, no close_unread for a
 * file's unread bytes.
 *
 * So before anything is reported about a socket, its descriptor is
 * confirmed with one fstat(): still a socket, and the same one. A
 * socket's identity (its inode) is recorded the first time sockshim looks
 * at it off the program's hot path: in the background scan, or at the
 * first report. Not at socket()/accept(), nor at the EOF read: every
 * connection would pay for it, and one system call is 2-5% of a whole
 * loopback connection on the machines measured (tools/bench/README).
 * Until it is recorded, "the same socket" means a socket of the same
 * family and type (a socket made out of sight at the same number within
 * one scan period is the one case left). A stale slot is forgotten
 * silently and counted (the summary's closed_unseen).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_IDENTITY_H
#define SOCKSHIM_IDENTITY_H

#include "base/fdtab.h"

/* Is FD still the socket SLOT describes? Records the socket's inode the
 * first time. When not (closed, or its number reused out of sight), the
 * slot is forgotten, unless it changed meanwhile, and counted. Returns 1
 * for the same socket, 0 otherwise. Makes system calls: reporting paths
 * only. Keeps errno. */
int identity_confirm(int fd, struct fd_slot *slot);

/* Record FD's identity in SLOT if it is not known yet (confirming it as
 * above). Returns identity_confirm()'s answer, or 1 when already known. */
int identity_note(int fd, struct fd_slot *slot);

/* SLOT at FD was found closed (poll() said POLLNVAL) at generation GEN:
 * forget it as identity_confirm() does for a stale slot. */
void identity_closed(struct fd_slot *slot, uint32_t flags, uint32_t gen);

/* Slots forgotten so far because their socket was gone (the summary's
 * closed_unseen). */
unsigned long identity_unseen_count(void);

/* In a forked child: the count starts afresh, like the summary's. */
void identity_after_fork_child(void);

#endif
