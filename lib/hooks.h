/*
 * hooks.h — the logic behind each exported wrapper.
 *
 * wrappers.c holds the exported libc names and nothing else: each checks
 * shim_active() and either forwards to real_<name>() or calls the hook of
 * the same name here. A hook calls the real function, saves errno, does
 * the bookkeeping and returns the real result with errno restored, unless
 * a policy says otherwise (backlog, connect timeout, force mode).
 */
#ifndef SOCKSHIM_HOOKS_H
#define SOCKSHIM_HOOKS_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

int hook_socket(int domain, int type, int protocol);
int hook_socketpair(int domain, int type, int protocol, int sv[2]);
int hook_bind(int fd, const struct sockaddr *addr, socklen_t len);
int hook_listen(int fd, int backlog);
int hook_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags,
                 int with_flags);
int hook_connect(int fd, const struct sockaddr *addr, socklen_t len);
int hook_setsockopt(int fd, int level, int optname, const void *value,
                    socklen_t len);
int hook_close(int fd);
int hook_dup(int fd);
int hook_dup3(int fd, int newfd, int flags, int with_flags);
int hook_fcntl(int fd, int cmd, long arg, int large);
int hook_close_range(unsigned lo, unsigned hi, int flags);
void hook_closefrom(int lowfd);
int hook_shutdown(int fd, int how);

/* The write family's slow paths, for a write-family CALL on FD: before the
 * call while some socket is shut down for writing (reports it if FD is
 * one), and after the call failed (reports an EPIPE). Keep errno. */
void hook_write_before(int fd, const char *call);
void hook_write_failed(int fd, const char *call);

/* The read family's slow path: a call on FD returned 0 for a non-empty
 * buffer (the peer's EOF, on a stream socket). Keeps errno. */
void hook_read_eof(int fd);

pid_t hook_fork(void);

/* pipe2() while libunwind captures a stack: its pipe goes out of the
 * program's way. */
int hook_pipe2_for_unwind(int fds[2], int flags);

#endif
