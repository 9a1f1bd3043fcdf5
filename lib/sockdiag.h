/*
 * sockdiag.h — asking the kernel about sockets with sock_diag netlink.
 *
 * One netlink dump answers for every socket of a family at once, filtered
 * by state in the kernel: how the addr_in_use check counts TIME_WAIT
 * connections without reading /proc/net/tcp line by line.
 */
#ifndef SOCKSHIM_SOCKDIAG_H
#define SOCKSHIM_SOCKDIAG_H

/* How many TCP connections (IPv4 and IPv6) are in TIME_WAIT with local
 * port LOCAL_PORT (when non-zero) or remote port REMOTE_PORT (when
 * non-zero); -1 when the kernel cannot be asked (no netlink, seccomp). */
long sockdiag_count_time_wait(unsigned local_port, unsigned remote_port);

#endif
