/*
 * sockdiag.h — asking the kernel about sockets with sock_diag netlink.
 *
 * One netlink dump answers for every TCP socket of a family at once,
 * filtered by state in the kernel: how the addr_in_use check counts
 * TIME_WAIT connections and how the background scan finds CLOSE_WAIT
 * sockets, without a system call per socket or reading /proc/net/tcp.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_SOCKDIAG_H
#define SOCKSHIM_SOCKDIAG_H

#include <linux/inet_diag.h>
#include <stdint.h>

/* A netlink sock_diag socket (O_CLOEXEC, with a 1 s receive timeout so a
 * silent kernel cannot hang the caller), or -1. */
int sockdiag_open(void);

/* Called for each socket a dump returns. */
typedef void (*sockdiag_fn)(const struct inet_diag_msg *m, void *data);

/* Dump the TCP sockets (IPv4 and IPv6) whose state is in STATES (bit
 * 1 << TCP_xxx) through NL, calling FN for each: one walk of the kernel's
 * tables where the kernel allows it, else one per family. Returns 0, or
 * -1 when the kernel could not be asked. */
int sockdiag_dump_all(int nl, uint32_t states, sockdiag_fn fn, void *data);

/* How many TCP connections (IPv4 and IPv6) are in TIME_WAIT with local
 * port LOCAL_PORT (when non-zero) or remote port REMOTE_PORT (when
 * non-zero); -1 when the kernel cannot be asked (no netlink, seccomp). */
long sockdiag_count_time_wait(unsigned local_port, unsigned remote_port);

#endif
