/*
 * fdhooks.c — keeping the socket table in step with the program's
 * descriptors: close, the dup family, close_range, closefrom, and the
 * syscall() numbers that do the same; sockshim's own descriptors
 * (base/privfd.h) stay invisible through all of them.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "interpose/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/direct.h"
#include "base/errno_scope.h"
#include "base/fdtab.h"
#include "base/privfd.h"
#include "base/real.h"
#include "diagnose/checks.h"
#include "diagnose/fdlimit.h"
#include "output/stack.h"

/* close() as libc makes it, made directly while direct.h allows it (see
 * hooks.c). Same system call, same result and errno. */
static int close_call(int fd) {
    if (direct_now())
        return (int)direct_result(direct_syscall3(SYS_close, fd, 0, 0));
    return real_close(fd);
}

/* Is FD one of sockshim's own descriptors? As far as the program knows,
 * they do not exist; but libunwind's pipe is libunwind's to use (and
 * close) while it captures a stack. */
static int private_fd(int fd) {
    enum privfd_slot owner = privfd_owner(fd);
    if (owner == PRIVFD_COUNT)
        return 0;
    return !((owner == PRIVFD_UNWIND_READ || owner == PRIVFD_UNWIND_WRITE) &&
             stack_capturing());
}

/* close(FD) made by CLOSE_FN, with the bookkeeping around it. */
static int close_with(int fd, int (*close_fn)(int)) {
    if (private_fd(fd)) {
        checks_close_failed(fd, EBADF, 0);
        errno = EBADF;
        return -1;
    }
    struct fd_slot *slot = fdtab_peek(fd);
    /* Where this number was last closed, if it is not open as far as we
     * know: a failing close() is then a double close. */
    uint32_t earlier;
    {
        PRESERVE_ERRNO;
        earlier =
            slot != NULL && fdtab_flags(slot) == 0 ? slot->close_stack : 0;
        checks_before_close(fd, slot);
        /* Forget the slot first: once the kernel has released the number,
         * another thread's socket() may get it and fill the slot anew. */
        fdtab_clear(fd);
    }
    int rc = close_fn(fd);
    if (rc < 0) {
        PRESERVE_ERRNO;
        checks_close_failed(fd, errno, earlier);
    }
    return rc;
}

int hook_close(int fd) { return close_with(fd, close_call); }

/* syscall(SYS_close, FD): the system call alone, no cancellation point. */
static int close_nocancel(int fd) {
    return (int)real_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

long hook_syscall(long number, long a1, long a2, long a3, long a4, long a5,
                  long a6) {
    /* Made as the program asked (libc's functions of these numbers make
     * the very same system call, but accept() and close() are
     * cancellation points, which syscall() is not), and then booked. */
    switch (number) {
    case SYS_close:
        return close_with((int)a1, close_nocancel);
#ifdef SYS_accept
    case SYS_accept:
#endif
    case SYS_accept4: {
        long fd = real_syscall(number, a1, a2, a3, a4, a5, a6);
        if (fd >= 0)
            hook_accepted((int)a1, (int)fd);
        return fd;
    }
    case SYS_socket:
        return hook_socket((int)a1, (int)a2, (int)a3);
    case SYS_socketpair:
        return hook_socketpair((int)a1, (int)a2, (int)a3, (int *)a4);
    case SYS_shutdown:
        return hook_shutdown((int)a1, (int)a2);
    case SYS_dup:
        return hook_dup((int)a1);
#ifdef SYS_dup2
    case SYS_dup2:
        return hook_dup2((int)a1, (int)a2);
#endif
    case SYS_dup3:
        return hook_dup3((int)a1, (int)a2, (int)a3);
    case SYS_close_range:
        return hook_close_range((unsigned)a1, (unsigned)a2, (int)a3);
    case SYS_fcntl:
        if (a2 == F_DUPFD || a2 == F_DUPFD_CLOEXEC)
            return hook_fcntl((int)a1, (int)a2, a3);
        break;
    case SYS_write: {
        long rc = stack_unwind_write((int)a1, (const void *)a2, (size_t)a3);
        if (rc != STACK_NOT_UNWIND)
            return rc;
        break;
    }
    }
    return real_syscall(number, a1, a2, a3, a4, a5, a6);
}

int hook_pipe2_for_unwind(int fds[2], int flags) {
    return stack_private_pipe(fds, flags);
}

int hook_dup(int fd) {
    int newfd = real_dup(fd);
    if (newfd >= 0) {
        PRESERVE_ERRNO;
        fdtab_copy(fd, newfd);
        fdlimit_new_fd(newfd);
    } else {
        fdlimit_call_failed("dup", errno);
    }
    return newfd;
}

/* dup2()/dup3() of FD onto NEWFD made by the real call RC: sockshim's own
 * descriptor at NEWFD moves away first, and the table follows. */
static void before_dup_onto(int newfd) {
    PRESERVE_ERRNO;
    privfd_taken(newfd);
}

static void after_dup_onto(int fd, int newfd, int rc) {
    if (rc >= 0 && fd != newfd) {
        PRESERVE_ERRNO;
        fdtab_copy(fd, newfd);
    }
}

int hook_dup2(int fd, int newfd) {
    before_dup_onto(newfd);
    int rc = real_dup2(fd, newfd);
    if (rc < 0)
        fdlimit_call_failed("dup2", errno);
    after_dup_onto(fd, newfd, rc);
    return rc;
}

int hook_dup3(int fd, int newfd, int flags) {
    before_dup_onto(newfd);
    int rc = real_dup3(fd, newfd, flags);
    if (rc < 0)
        fdlimit_call_failed("dup3", errno);
    after_dup_onto(fd, newfd, rc);
    return rc;
}

/* fcntl() returned RC for CMD on FD: a duplicate is booked. */
static void after_fcntl(int fd, int cmd, int rc) {
    if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC)
        return;
    if (rc >= 0) {
        PRESERVE_ERRNO;
        fdtab_copy(fd, rc);
    } else {
        fdlimit_call_failed("fcntl", errno);
    }
}

int hook_fcntl(int fd, int cmd, long arg) {
    int rc = real_fcntl(fd, cmd, arg);
    after_fcntl(fd, cmd, rc);
    return rc;
}

int hook_fcntl64(int fd, int cmd, long arg) {
    int rc = real_fcntl64(fd, cmd, arg);
    after_fcntl(fd, cmd, rc);
    return rc;
}

int hook_close_range(unsigned lo, unsigned hi, int flags) {
    int ours[PRIVFD_COUNT];
    int n = lo <= hi ? privfd_list(ours) : 0;
    int hit = 0;
    for (int i = 0; i < n; i++)
        hit |= (unsigned)ours[i] >= lo && (unsigned)ours[i] <= hi;
    /* CLOSE_RANGE_CLOEXEC only marks descriptors (ours are marked already);
     * a range without our descriptors needs no care. */
    if ((flags & CLOSE_RANGE_CLOEXEC) || !hit) {
        int rc = real_close_range(lo, hi, flags);
        if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC)) {
            PRESERVE_ERRNO;
            fdtab_clear_range(lo, hi);
        }
        return rc;
    }
    /* Close the pieces around our descriptors: they stay open and
     * invisible. */
    int rc = 0;
    unsigned from = lo;
    for (int i = 0; i < n && rc == 0; i++) {
        unsigned own = (unsigned)ours[i];
        if (own < lo || own > hi)
            continue;
        if (own > from)
            rc = real_close_range(from, own - 1, flags);
        from = own + 1;
    }
    /* FROM wraps to 0 when our descriptor was the very last number. */
    if (rc == 0 && from != 0 && from <= hi)
        rc = real_close_range(from, hi, flags);
    PRESERVE_ERRNO;
    fdtab_clear_range(lo, hi);
    return rc;
}

void hook_closefrom(int lowfd) {
    unsigned lo = lowfd > 0 ? (unsigned)lowfd : 0;
    PRESERVE_ERRNO;
    /* glibc's closefrom() is close_range() with a /proc fallback; going
     * through our close_range keeps the log descriptor out of it. */
    if (hook_close_range(lo, ~0U, 0) != 0) {
        /* No close_range() (a kernel before 5.9, or a seccomp filter):
         * libc's fallback closes sockshim's descriptors as well. Their
         * numbers may be the program's from now on: forgotten, never
         * closed again, and opened anew when needed. */
        real_closefrom(lowfd);
        fdtab_clear_range(lo, ~0U);
        privfd_closed_from(lo);
    }
}
