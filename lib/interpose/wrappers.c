/*
 * wrappers.c — the exported libc names, and nothing else.
 *
 * Each wrapper forwards untouched to libc while sockshim is off or
 * uninitialised, and otherwise hands over to its hook (hooks.c,
 * fdhooks.c). The read and write families, the data path, are in
 * datapath.c. The version script libsockshim.map exports exactly these.
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

EXPORT int socket(int domain, int type, int protocol) {
    if (!shim_active())
        return real_socket(domain, type, protocol);
    return hook_socket(domain, type, protocol);
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
    if (!shim_active())
        return real_socketpair(domain, type, protocol, sv);
    return hook_socketpair(domain, type, protocol, sv);
}

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    if (!shim_active())
        return real_bind(fd, addr, len);
    return hook_bind(fd, addr, len);
}

EXPORT int listen(int fd, int backlog) {
    if (!shim_active())
        return real_listen(fd, backlog);
    return hook_listen(fd, backlog);
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    if (!shim_active())
        return real_accept(fd, addr, len);
    return hook_accept(fd, addr, len);
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    if (!shim_active())
        return real_accept4(fd, addr, len, flags);
    return hook_accept4(fd, addr, len, flags);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    if (!shim_active())
        return real_connect(fd, addr, len);
    return hook_connect(fd, addr, len);
}

EXPORT int setsockopt(int fd, int level, int optname, const void *value,
                      socklen_t len) {
    if (!shim_active())
        return real_setsockopt(fd, level, optname, value, len);
    return hook_setsockopt(fd, level, optname, value, len);
}

EXPORT int close(int fd) {
    if (!shim_active())
        return real_close(fd);
    return hook_close(fd);
}

EXPORT int shutdown(int fd, int how) {
    if (!shim_active())
        return real_shutdown(fd, how);
    return hook_shutdown(fd, how);
}

/* The program's own threads, and cancellation, end the read and write
 * families' direct system calls (direct.h) before they begin. These
 * return error numbers, not -1: a function that cannot be looked up
 * right now (real.h) gives EAGAIN, ESRCH, thrd_error. */
EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg) {
    direct_syscalls_end();
    int (*fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
        (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                 void *))real_lookup(REAL_pthread_create);
    return fn != NULL ? fn(thread, attr, start, arg) : EAGAIN;
}

EXPORT int thrd_create(thrd_t *thread, thrd_start_t start, void *arg) {
    direct_syscalls_end();
    int (*fn)(thrd_t *, thrd_start_t, void *) =
        (int (*)(thrd_t *, thrd_start_t, void *))real_lookup(REAL_thrd_create);
    return fn != NULL ? fn(thread, start, arg) : thrd_error;
}

EXPORT int pthread_cancel(pthread_t thread) {
    direct_syscalls_end();
    int (*fn)(pthread_t) = (int (*)(pthread_t))real_lookup(REAL_pthread_cancel);
    return fn != NULL ? fn(thread) : ESRCH;
}

/* syscall(): the numbers that make, duplicate, shut down or close a
 * descriptor are booked like the functions of the same names (libuv,
 * hence Node.js, closes its sockets with syscall(SYS_close, fd)); every
 * other number goes on to libc's untouched: a compare, a bit test and a
 * jump. libc declares it variadic; the arguments sit in the same
 * registers (the sixth on the stack, read as libc's own syscall() reads
 * it) as for a fixed function of seven longs, defined here under the
 * name syscall. */
EXPORT long syscall_wrapper(long number, long a1, long a2, long a3, long a4,
                            long a5, long a6) __asm__("syscall");
long syscall_wrapper(long number, long a1, long a2, long a3, long a4, long a5,
                     long a6) {
    if (__builtin_expect(!syscall_watched(number), 1) || !shim_active())
        return real_syscall(number, a1, a2, a3, a4, a5, a6);
    return hook_syscall(number, a1, a2, a3, a4, a5, a6);
}

EXPORT pid_t fork(void) {
    if (!shim_active())
        return real_fork();
    pid_t pid = real_fork();
    /* The child's side runs in init.c's atfork handler, which also sees
     * the forks glibc makes inside daemon() and the like. */
    if (pid > 0)
        hook_forked(pid);
    return pid;
}

#if defined(__x86_64__)
/* vfork(): the child runs on the parent's thread and memory until it
 * calls exec or _exit, and the wrapped calls it makes meanwhile (an
 * inetd-style server's dup2(conn, 0), close(conn)) must not touch the
 * parent's fd table. The thread's vfork_child flag is set across the
 * system call: the child sees it (the parent's thread-local storage is
 * its own) and shim_active() says no; the parent, suspended until then,
 * clears it once it runs on, and books the child as fork() does. In
 * assembly, as glibc's own vfork(): the child returns through the
 * parent's stack, so nothing may be kept there; the return address waits
 * in %rdi, which the kernel preserves. (Elsewhere vfork() is not
 * wrapped: README, limits.) */
#define STRINGIFY(x) #x
#define NUMBER_TEXT(x) STRINGIFY(x)
__asm__(".text\n"
        ".globl vfork\n"
        ".type vfork, @function\n"
        "vfork:\n"
        "    .cfi_startproc\n"
        "    movq vfork_child@gottpoff(%rip), %rax\n"
        "    movl $1, %fs:(%rax)\n"
        "    popq %rdi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    .cfi_register %rip, %rdi\n"
        "    movl $" NUMBER_TEXT(
            SYS_vfork) ", %eax\n"
                       "    syscall\n"
                       "    pushq %rdi\n"
                       "    .cfi_adjust_cfa_offset 8\n"
                       "    .cfi_offset %rip, -8\n"
                       "    testq %rax, %rax\n"
                       "    jz 1f\n" /* the child: the flag stays set */
                       "    movq vfork_child@gottpoff(%rip), %rcx\n"
                       "    movl $0, %fs:(%rcx)\n"
                       "    movq %rax, %rdi\n"
                       "    jmp vfork_returned\n"
                       "1:  ret\n"
                       "    .cfi_endproc\n"
                       ".size vfork, .-vfork\n");

/* vfork() returned RC to the parent (the child's pid, or -errno): what
 * libc's vfork() returns, after the bookkeeping of fork(). Reached by a
 * jump from vfork(), as if vfork() had called it last. */
long vfork_returned(long rc) __attribute__((visibility("hidden"), used));
long vfork_returned(long rc) {
    if (DIRECT_FAILED(rc)) {
        errno = (int)-rc;
        return -1;
    }
    if (shim_active())
        hook_forked((pid_t)rc);
    return rc;
}
#endif

/* Watched so that stack capture knows to check its room when a signal
 * handler may run on a small stack. */
EXPORT int sigaltstack(const stack_t *ss, stack_t *old) {
    int rc = real_sigaltstack(ss, old);
    if (rc == 0 && ss != NULL && !(ss->ss_flags & SS_DISABLE))
        stack_note_altstack();
    return rc;
}

/* libunwind creates its pipe while we capture a stack: it must not take
 * the program's low descriptor numbers. */
EXPORT int pipe2(int fds[2], int flags) {
    if (stack_capturing())
        return hook_pipe2_for_unwind(fds, flags);
    return real_pipe2(fds, flags);
}

EXPORT int dup(int fd) {
    if (!shim_active())
        return real_dup(fd);
    return hook_dup(fd);
}

EXPORT int dup2(int fd, int newfd) {
    if (!shim_active())
        return real_dup2(fd, newfd);
    return hook_dup2(fd, newfd);
}

EXPORT int dup3(int fd, int newfd, int flags) {
    if (!shim_active())
        return real_dup3(fd, newfd, flags);
    return hook_dup3(fd, newfd, flags);
}

/* fcntl's third argument is an int or a pointer depending on CMD; a long
 * carries either on every Linux ABI. */
EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (!shim_active())
        return real_fcntl(fd, cmd, arg);
    return hook_fcntl(fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (!shim_active())
        return real_fcntl64(fd, cmd, arg);
    return hook_fcntl64(fd, cmd, arg);
}

EXPORT int close_range(unsigned int lo, unsigned int hi, int flags) {
    if (!shim_active())
        return real_close_range(lo, hi, flags);
    return hook_close_range(lo, hi, flags);
}

EXPORT void closefrom(int lowfd) {
    if (!shim_active()) {
        real_closefrom(lowfd);
        return;
    }
    hook_closefrom(lowfd);
}
