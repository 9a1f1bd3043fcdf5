/*
 * datapath.c — the exported read and write families: the calls every
 * program makes most, files and pipes included, kept to a few loads and
 * the system call while nothing needs sockshim's attention.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <threads.h>
#include <unistd.h>

#include "base/direct.h"
#include "base/fdtab.h"
#include "base/real.h"
#include "interpose/hooks.h"
#include "interpose/init.h"
#include "output/stack.h"

#include "interpose/export.h"

/* The write family is on every program's hottest path, files and pipes
 * included. While no socket is shut down for writing and direct system
 * calls are on (direct.h): two loads, the system call, one compare, and
 * the fd table is never looked at. A failure may be an EPIPE worth
 * reporting (when active; the write-shut count is 0 until then).
 * Otherwise NAME_via_libc, out of line: the write-shut count says to look
 * at the socket first (NAME_watched), or direct calls are off. PARAMS
 * name the descriptor `fd`; SYSCALL is the call as glibc makes it. */
#define WRITE_WRAPPER(ret, name, params, args, syscall)                        \
    static __attribute__((noinline, cold)) ret name##_watched params {         \
        if (shim_active())                                                     \
            hook_write_before(fd, #name);                                      \
        ret rc = real_##name args;                                             \
        if (rc < 0)                                                            \
            hook_write_failed(fd, #name);                                      \
        return rc;                                                             \
    }                                                                          \
    static __attribute__((noinline, cold))                                     \
    ret name##_failed(int fd, long rc) {                                       \
        errno = (int)-rc; /* hook_write_failed reads it, and keeps it */       \
        if (shim_active())                                                     \
            hook_write_failed(fd, #name);                                      \
        return -1;                                                             \
    }                                                                          \
    static __attribute__((noinline)) ret name##_via_libc params {              \
        if (__atomic_load_n(&fdtab_write_shut_count, __ATOMIC_RELAXED) != 0)   \
            return name##_watched args;                                        \
        ret rc = real_##name args;                                             \
        if (__builtin_expect(rc < 0, 0)) {                                     \
            if (shim_active())                                                 \
                hook_write_failed(fd, #name);                                  \
            return -1;                                                         \
        }                                                                      \
        return rc;                                                             \
    }                                                                          \
    EXPORT ret name params {                                                   \
        if (__builtin_expect(__atomic_load_n(&fdtab_write_shut_count,          \
                                             __ATOMIC_RELAXED) == 0,           \
                             1) &&                                             \
            direct_now()) {                                                    \
            long rc = syscall;                                                 \
            if (__builtin_expect(DIRECT_FAILED(rc), 0))                        \
                return name##_failed(fd, rc);                                  \
            return (ret)rc;                                                    \
        }                                                                      \
        return name##_via_libc args;                                           \
    }

WRITE_WRAPPER(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n),
              direct_syscall3(SYS_write, fd, (long)buf, (long)n))
WRITE_WRAPPER(ssize_t, writev, (int fd, const struct iovec *iov, int count),
              (fd, iov, count),
              direct_syscall3(SYS_writev, fd, (long)iov, count))
WRITE_WRAPPER(ssize_t, send, (int fd, const void *buf, size_t n, int flags),
              (fd, buf, n, flags),
              direct_syscall6(SYS_sendto, fd, (long)buf, (long)n, flags, 0, 0))
WRITE_WRAPPER(ssize_t, sendto,
              (int fd, const void *buf, size_t n, int flags,
               const struct sockaddr *addr, socklen_t len),
              (fd, buf, n, flags, addr, len),
              direct_syscall6(SYS_sendto, fd, (long)buf, (long)n, flags,
                              (long)addr, (long)len))
WRITE_WRAPPER(ssize_t, sendmsg, (int fd, const struct msghdr *msg, int flags),
              (fd, msg, flags),
              direct_syscall3(SYS_sendmsg, fd, (long)msg, flags))

/* sendmmsg() is not made directly (rare, and its result counts messages):
 * libc's path only. */
EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned n, int flags) {
    if (__atomic_load_n(&fdtab_write_shut_count, __ATOMIC_RELAXED) != 0 &&
        shim_active())
        hook_write_before(fd, "sendmmsg");
    int rc = real_sendmmsg(fd, vec, n, flags);
    if (__builtin_expect(rc < 0, 0) && shim_active())
        hook_write_failed(fd, "sendmmsg");
    return rc;
}

/* The read family: a return of 0 for a non-empty buffer is the peer's
 * EOF on a stream socket. EMPTY (plain values only) says the buffer is
 * empty, so a 0 is no EOF; WANTED is for the calls whose size hides behind
 * the program's pointers: tested only after a 0, once the kernel has
 * accepted them (a bad pointer must give EFAULT, not crash us). The fast
 * path, with direct system calls on (direct.h): one load, the system
 * call, one compare; a 0 or an error goes to NAME_rare, and with direct
 * calls off NAME_via_libc does the same around libc's function. */
/* NAME_rare takes the kernel's answer first: RC_PARAM (int fd, ...) is
 * (long rc, int fd, ...), WITH_RC (fd, ...) is (rc, fd, ...). */
#define RC_PARAM(...) (long rc, __VA_ARGS__)
#define WITH_RC(...) (rc, __VA_ARGS__)
#define READ_WRAPPER(ret, name, params, args, empty, wanted, syscall)          \
    static __attribute__((noinline, cold)) ret name##_rare RC_PARAM params {   \
        if (DIRECT_FAILED(rc)) {                                               \
            errno = (int)-rc;                                                  \
            return -1;                                                         \
        }                                                                      \
        if (rc != 0)                                                           \
            return (ret)rc;                                                    \
        if (!(empty) && (wanted) && shim_active())                             \
            hook_read_eof(fd);                                                 \
        return 0;                                                              \
    }                                                                          \
    static __attribute__((noinline)) ret name##_via_libc params {              \
        if (empty)                                                             \
            return real_##name args;                                           \
        ret rc = real_##name args;                                             \
        if (__builtin_expect(rc == 0, 0) && (wanted) && shim_active())         \
            hook_read_eof(fd);                                                 \
        return rc;                                                             \
    }                                                                          \
    static inline __attribute__((always_inline)) ret name##_call params {      \
        if (direct_now()) {                                                    \
            long rc = syscall;                                                 \
            /* 1 and up, and not an error: the common case. */                 \
            if (__builtin_expect((unsigned long)rc - 1 < -4097UL, 1))          \
                return (ret)rc;                                                \
            return name##_rare WITH_RC args;                                   \
        }                                                                      \
        return name##_via_libc args;                                           \
    }                                                                          \
    EXPORT ret name params { return name##_call args; }
/* Bytes a message asks for (0 means a zero-length read, not an EOF). */
static size_t iov_bytes(const struct iovec *iov, size_t count) {
    size_t total = 0;
    for (size_t i = 0; iov != NULL && i < count; i++)
        total += iov[i].iov_len;
    return total;
}

READ_WRAPPER(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n), n == 0,
             1, direct_syscall3(SYS_read, fd, (long)buf, (long)n))
READ_WRAPPER(ssize_t, readv, (int fd, const struct iovec *iov, int count),
             (fd, iov, count), count <= 0, iov_bytes(iov, (size_t)count) > 0,
             direct_syscall3(SYS_readv, fd, (long)iov, count))
READ_WRAPPER(ssize_t, recv, (int fd, void *buf, size_t n, int flags),
             (fd, buf, n, flags), n == 0, 1,
             direct_syscall6(SYS_recvfrom, fd, (long)buf, (long)n, flags, 0, 0))
READ_WRAPPER(ssize_t, recvfrom,
             (int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
              socklen_t *len),
             (fd, buf, n, flags, addr, len), n == 0, 1,
             direct_syscall6(SYS_recvfrom, fd, (long)buf, (long)n, flags,
                             (long)addr, (long)len))
READ_WRAPPER(ssize_t, recvmsg, (int fd, struct msghdr *msg, int flags),
             (fd, msg, flags), msg == NULL,
             iov_bytes(msg->msg_iov, msg->msg_iovlen) > 0,
             direct_syscall3(SYS_recvmsg, fd, (long)msg, flags))

/* The fortified forms (_FORTIFY_SOURCE, as Debian builds its packages)
 * of read(), recv() and recvfrom() into a buffer of known size BUFLEN:
 * the same EOF tracking as the plain calls. A length past the buffer is
 * libc's to judge: it reports the overflow and aborts the program, as
 * without sockshim. (glibc's headers declare them only to fortified
 * builds.) */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                       struct sockaddr *addr, socklen_t *len);

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
    if (__builtin_expect(n > buflen, 0))
        return real___read_chk(fd, buf, n, buflen);
    return read_call(fd, buf, n);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen,
                          int flags) {
    if (__builtin_expect(n > buflen, 0))
        return real___recv_chk(fd, buf, n, buflen, flags);
    return recv_call(fd, buf, n, flags);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen,
                              int flags, struct sockaddr *addr,
                              socklen_t *len) {
    if (__builtin_expect(n > buflen, 0))
        return real___recvfrom_chk(fd, buf, n, buflen, flags, addr, len);
    return recvfrom_call(fd, buf, n, flags, addr, len);
}

/* recvmmsg() reports messages, not bytes: on a stream socket at EOF it
 * returns 1 message of length 0. */
EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned n, int flags,
                    struct timespec *timeout) {
    int rc = real_recvmmsg(fd, vec, n, flags, timeout);
    if (__builtin_expect(rc == 1, 0) && vec[0].msg_len == 0 &&
        iov_bytes(vec[0].msg_hdr.msg_iov, vec[0].msg_hdr.msg_iovlen) > 0 &&
        shim_active())
        hook_read_eof(fd);
    return rc;
}
