/*
 * hooks.h — the logic behind each exported wrapper.
 *
 * wrappers.c holds the exported libc names and nothing else: each checks
 * shim_active() and either forwards to real_<name>() or calls the hook of
 * the same name here: hooks.c for a socket's life and the policy's
 * moments, fdhooks.c for the descriptor table (close, dup, close_range). A hook
 * calls the real function, saves errno, does the bookkeeping and returns the
 * real result with errno restored, unless a policy says otherwise (backlog,
 * connect timeout, force mode).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_HOOKS_H
#define SOCKSHIM_HOOKS_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

int hook_socket(int domain, int type, int protocol);
int hook_socketpair(int domain, int type, int protocol, int sv[2]);
int hook_bind(int fd, const struct sockaddr *addr, socklen_t len);
int hook_listen(int fd, int backlog);
int hook_accept(int fd, struct sockaddr *addr, socklen_t *len);
int hook_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
/* After accept(FD) or accept4() returned NEWFD: track it, apply the
 * policy. Keeps errno. */
void hook_accepted(int fd, int newfd);
int hook_connect(int fd, const struct sockaddr *addr, socklen_t len);
int hook_setsockopt(int fd, int level, int optname, const void *value,
                    socklen_t len);
int hook_close(int fd);
int hook_dup(int fd);
int hook_dup2(int fd, int newfd);
int hook_dup3(int fd, int newfd, int flags);
int hook_fcntl(int fd, int cmd, long arg);
int hook_fcntl64(int fd, int cmd, long arg);
int hook_close_range(unsigned lo, unsigned hi, int flags);
void hook_closefrom(int lowfd);
int hook_shutdown(int fd, int how);

/* syscall(NUMBER, A1..A6) for a NUMBER syscall_watched() named (a
 * descriptor's life: made, duplicated, shut down, closed); any other
 * number goes straight to libc's. Returns what libc's syscall() does. */
long hook_syscall(long number, long a1, long a2, long a3, long a4, long a5,
                  long a6);

/* The system call numbers whose syscall() sockshim books: those that
 * make, duplicate, shut down or close a descriptor (x86_64 has all of
 * them; newer ABIs lack dup2 and accept), and write, which libunwind
 * makes through syscall() on its pipe (stack_unwind_write()). */
#define SYSCALL_BIT(nr, word) (((nr) >> 6) == (word) ? 1ull << ((nr)&63) : 0)
#if defined(SYS_dup2) && defined(SYS_accept)
#define SYSCALL_OLD_BITS(word)                                                 \
    (SYSCALL_BIT(SYS_dup2, word) | SYSCALL_BIT(SYS_accept, word))
#else
#define SYSCALL_OLD_BITS(word) 0
#endif
#define SYSCALL_WATCHED_WORD(word)                                             \
    (SYSCALL_BIT(SYS_close, word) | SYSCALL_BIT(SYS_close_range, word) |       \
     SYSCALL_BIT(SYS_dup, word) | SYSCALL_BIT(SYS_dup3, word) |                \
     SYSCALL_BIT(SYS_fcntl, word) | SYSCALL_BIT(SYS_socket, word) |            \
     SYSCALL_BIT(SYS_socketpair, word) | SYSCALL_BIT(SYS_accept4, word) |      \
     SYSCALL_BIT(SYS_shutdown, word) | SYSCALL_BIT(SYS_write, word) |          \
     SYSCALL_OLD_BITS(word))

/* Is NUMBER one of them? Inline, since every syscall() of the program
 * asks: a compare and a bit test. */
static inline int syscall_watched(long number) {
    static const uint64_t watched[8] = {
        SYSCALL_WATCHED_WORD(0), SYSCALL_WATCHED_WORD(1),
        SYSCALL_WATCHED_WORD(2), SYSCALL_WATCHED_WORD(3),
        SYSCALL_WATCHED_WORD(4), SYSCALL_WATCHED_WORD(5),
        SYSCALL_WATCHED_WORD(6), SYSCALL_WATCHED_WORD(7)};
    return (unsigned long)number < 512 &&
           ((watched[(unsigned long)number >> 6] >> (number & 63)) & 1);
}

/* The write family's slow paths, for a write-family CALL on FD: before the
 * call while some socket is shut down for writing (reports it if FD is
 * one), and after the call failed (reports an EPIPE). Keep errno. */
void hook_write_before(int fd, const char *call);
void hook_write_failed(int fd, const char *call);

/* The read family's slow path: a call on FD returned 0 for a non-empty
 * buffer (the peer's EOF, on a stream socket). Keeps errno. */
void hook_read_eof(int fd);

/* fork() or vfork() made CHILD, in the parent: every socket open now is
 * shared with it. Keeps errno. */
void hook_forked(pid_t child);

/* pipe2() while libunwind captures a stack: its pipe goes out of the
 * program's way. */
int hook_pipe2_for_unwind(int fds[2], int flags);

#endif
