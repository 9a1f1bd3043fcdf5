/*
 * checks.h — diagnosing the program's misuse of its sockets.
 *
 * The hooks (hooks.c) call these at the moments a misuse shows: before a
 * close, after a failed close, shutdown, write, bind or connect, after an
 * accept. Each check costs nothing unless its event kind is enabled, and
 * reports through report_begin(), which folds repeats from the same stacks
 * into counts and applies SOCKSHIM_SUPPRESS. The TCP background of each
 * check is in ../shared/SEEDS.md and sockshim(7).
 */
#ifndef SOCKSHIM_CHECKS_H
#define SOCKSHIM_CHECKS_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "fdtab.h"
#include "log.h"

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

/* A write-family call CALL ("send") on FD, whose slot flags were FLAGS
 * before the call: BEFORE is 1 when called before the real call because
 * FLAGS has FD_SHUT_WR, 0 when the call failed with EPIPE. */
void checks_write(int fd, uint32_t flags, const char *call, int before);

/* bind() (CALL "bind") or connect() ("connect") of FD to ADDR failed with
 * ERR (EADDRINUSE or EADDRNOTAVAIL). ADDR is our own copy, or NULL. */
void checks_addr_in_use(int fd, const char *call, int err,
                        const struct sockaddr *addr, socklen_t len);

/* accept() on LISTENER (SLOT) returned a connection: report when the
 * listener's queue had reached its backlog. */
void checks_after_accept(int listener, struct fd_slot *slot);

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

/* In a forked child: start the counts of the summary afresh. */
void checks_after_fork_child(void);

/* At exit: the summary event (SOCKSHIM_SUMMARY). */
void checks_summary(void);

/* Glob PATTERN ('*' any run, '?' one byte) against TEXT; exposed for
 * tests. */
int glob_match(const char *pattern, const char *text);

#endif
