/*
 * leaks.h — sockets left open after the peer closed (CLOSE_WAIT), sockets
 * shared across fork(), and what is still open at exit.
 *
 * Two ways to learn that a peer closed: the program read its EOF (a read
 * family call returned 0: the wrappers tell leaks_eof()), or the kernel
 * says the socket is in CLOSE_WAIT (the background scan asks sock_diag
 * once per period for all CLOSE_WAIT sockets, and matches them to ours by
 * inode). A socket still open SOCKSHIM_CLOSE_WAIT after that is reported
 * once (close_wait); when it finally closes, late_close says how long it
 * sat. At exit, what is still open is reported grouped by creation stack.
 */
#ifndef SOCKSHIM_LEAKS_H
#define SOCKSHIM_LEAKS_H

#include <stdint.h>
#include <sys/types.h>

#include "fdtab.h"

/* Milliseconds on the monotonic clock since sockshim started (the clock
 * of fd_slot.eof_ms). */
uint32_t leaks_now_ms(void);

/* Set up from the configuration. Call once, at start-up. */
void leaks_init(void);

/* A read-family call on FD returned 0 for a non-empty buffer. */
void leaks_eof(int fd);

/* A TCP socket is now tracked: make sure the scan runs. */
void leaks_socket_tracked(void);

/* FD (SLOT) is about to be closed: late_close if it was reported. */
void leaks_before_close(int fd, struct fd_slot *slot);

/* fork() returned CHILD in the parent (hooks.c), or 0 in the child (init.c's
 * atfork handler, run by every fork glibc makes). */
void leaks_after_fork(pid_t child);

/* One pass of the scan: ask the kernel, report what is due. Returns the
 * number of sockets of ours found in CLOSE_WAIT (or -1: kernel not
 * asked). Exposed for the benchmark. */
long leaks_scan_pass(void);

/* How the last pass asked the kernel: "poll" (the program's own
 * sockets), "dump" (sock_diag), "none" (could not ask). For the tests. */
const char *leaks_scan_way(void);

/* At exit: leak_at_exit events, grouped by creation stack. */
void leaks_at_exit(void);

/* The scan thread's private descriptors (its netlink socket and
 * /proc/self/stat), kept away from the program like the log's: stores
 * them in OUT, returns how many (0 to 2). */
int leaks_private_fds(int out[2]);

/* Is FD one of the scan thread's private descriptors? */
int leaks_owns_fd(int fd);

/* The program took number FD for itself (dup2 onto it). */
void leaks_fd_taken(int fd);

/* Descriptors from LO up were closed behind sockshim's back (closefrom()
 * without close_range()): the scan's own are forgotten, not closed, and
 * opened again when next needed. */
void leaks_fds_closed_from(unsigned lo);

#endif
