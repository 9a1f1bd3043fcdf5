/*
 * direct.h — the read and write families' system calls, and close(),
 * accept(), accept4() and connect(), made by sockshim itself while the
 * program is single-threaded.
 *
 * Why: sockshim's scan thread makes the process multi-threaded in glibc's
 * eyes (__libc_single_threaded turns false for good), and from then on
 * every cancellable glibc call brackets its system call with
 * __pthread_enable/disable_asynccancel: ~45 instructions and two atomic
 * read-modify-writes per read() or send(), paid for a thread the program
 * never asked for. Only pthread_cancel() can cancel a thread; while the
 * program has made no thread of its own and never called pthread_cancel(),
 * no one can cancel the thread in read(), the bracket has nothing to do,
 * and making the system call the way glibc's single-threaded path makes it
 * (same number, same arguments, the kernel's result and errno untouched)
 * is exactly what the program gets without sockshim.
 *
 * Direct calls are on (direct_syscalls != 0) only when all of these hold:
 * - sockshim is active (init turns them on, never before);
 * - the functions next in line are libc's own: another preloaded library
 *   after ours that wraps read() or close() must still see every call;
 * - the program has not created a thread (pthread_create, thrd_create)
 *   nor called pthread_cancel(): each of those turns them off for good,
 *   before the call goes on (wrappers.c);
 * - the machine is x86_64; elsewhere libc's path is always taken.
 * A thread started inside glibc (timer_create's SIGEV_THREAD, mq_notify,
 * getaddrinfo_a, aio notifications) or by a library that reaches
 * pthread_create through dlsym(RTLD_NEXT) is not seen: one that calls
 * pthread_cancel() on a thread already blocked in a direct read(),
 * accept(), connect() or close() does not wake it (README, limits).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_DIRECT_H
#define SOCKSHIM_DIRECT_H

#include <errno.h>
#include <sys/syscall.h>

/* Non-zero while the wrappers may make the system calls themselves. */
extern int direct_syscalls __attribute__((visibility("hidden")));

/* Turn direct calls on if the conditions above hold (from init, once the
 * configuration says sockshim is active). */
void direct_syscalls_begin(void);

/* The program is about to have a second thread, or to cancel one: libc's
 * path from now on, in this process and its forked children. */
void direct_syscalls_end(void);

/* Has the program made a thread of its own (or called pthread_cancel())?
 * The calls that end direct system calls say so. */
int direct_program_has_threads(void);

/* For the summary event: "on", or why not: "off:threads" (the program
 * made a thread or called pthread_cancel), "off:interposed" (another
 * library is next in line), "off:arch" (not x86_64), "off:inactive"
 * (never turned on). A static string. */
const char *direct_syscalls_state(void);

#if defined(__x86_64__)
#define DIRECT_POSSIBLE 1

/* The system call NR, its answer as the kernel gives it: -errno on
 * failure (DIRECT_FAILED). No libc, no errno. */
static inline long direct_syscall3(long nr, long a1, long a2, long a3) {
    long rc;
    __asm__ volatile("syscall"
                     : "=a"(rc)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
                     : "rcx", "r11", "memory");
    return rc;
}

static inline long direct_syscall6(long nr, long a1, long a2, long a3, long a4,
                                   long a5, long a6) {
    long rc;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(rc)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8),
                       "r"(r9)
                     : "rcx", "r11", "memory");
    return rc;
}
#else
/* Never called: DIRECT_POSSIBLE 0 removes the direct branch at compile
 * time. */
#define DIRECT_POSSIBLE 0
static inline long direct_syscall3(long nr, long a1, long a2, long a3) {
    (void)nr, (void)a1, (void)a2, (void)a3;
    return -ENOSYS;
}
static inline long direct_syscall6(long nr, long a1, long a2, long a3, long a4,
                                   long a5, long a6) {
    (void)nr, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6;
    return -ENOSYS;
}
#endif

/* The kernel's answer RC is an error (-errno). */
#define DIRECT_FAILED(rc) ((unsigned long)(rc) > -4096UL)

/* The kernel's answer RC the way libc returns it: -1 with errno set from
 * an error, else RC. */
static inline long direct_result(long rc) {
    if (DIRECT_FAILED(rc)) {
        errno = (int)-rc;
        return -1;
    }
    return rc;
}

/* May this call be made directly? One load: the wrappers' fast path. */
static inline int direct_now(void) {
    return DIRECT_POSSIBLE &&
           __builtin_expect(
               __atomic_load_n(&direct_syscalls, __ATOMIC_RELAXED) != 0, 1);
}

#endif
