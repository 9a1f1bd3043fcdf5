/*
 * checks.h — diagnosing the program's misuse of its sockets.
 *
 * The hooks (hooks.c) call these at the moments a misuse shows: before a
 * close, after a failed close, shutdown, write, bind or connect, after an
 * accept. Each check costs nothing unless its event kind is enabled, and
 * reports through report_begin() (diagnose/report.h), which folds repeats from
 * the same stacks into counts and applies SOCKSHIM_SUPPRESS. The TCP background
 * of each check is in sockshim(7).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_CHECKS_H
#define SOCKSHIM_CHECKS_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "base/fdtab.h"
#include "output/event.h"

/* Set up from the configuration: stacks, suppressions. Call once. */
void checks_init(void);

/* A socket was created at SLOT: remember where (its creation stack). */
void checks_socket_created(struct fd_slot *slot);

/* The program is about to close FD (SLOT, possibly NULL): report an
 * abortive close or unread data, and remember where it was closed. */
void checks_before_close(int fd, struct fd_slot *slot);

/* close(FD) failed with ERR; EARLIER is the stack id of the last close
 * sockshim saw at that number (0 if none). */
void checks_close_failed(int fd, int err, uint32_t earlier);

/* shutdown(FD, HOW) returned RC (ERR = errno when RC < 0). */
void checks_shutdown(int fd, int how, int rc, int err);

/* A write-family call CALL ("send") on FD, whose slot flags FLAGS have
 * FD_SHUT_WR: about to be refused with EPIPE (reported before the call). */
void checks_write_after_shutdown(int fd, uint32_t flags, const char *call);

/* A write-family call CALL on FD (slot flags FLAGS) failed with EPIPE. */
void checks_write_epipe(int fd, uint32_t flags, const char *call);

/* bind() (CALL "bind") or connect() ("connect") of FD to ADDR failed with
 * ERR (EADDRINUSE or EADDRNOTAVAIL). ADDR is our own copy, or NULL. */
void checks_addr_in_use(int fd, const char *call, int err,
                        const struct sockaddr *addr, socklen_t len);

/* accept() on LISTENER (SLOT) returned a connection: report when the
 * listener's queue had reached its backlog. */
void checks_after_accept(int listener, struct fd_slot *slot);

#endif
