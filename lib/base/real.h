/*
 * real.h — the libc functions sockshim wraps, reached without recursion.
 *
 * Every wrapper in wrappers.c calls the genuine libc function through
 * real_<name>(). The table is filled once, lazily, from whichever wrapper
 * runs first (often before our constructor, from another library's
 * constructor). A missing symbol, or a lookup re-entered while dlsym is
 * still running (dlsym may call calloc, and a malloc interposer may call a
 * socket function), makes the call fail with ENOSYS rather than recurse or
 * exit.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REAL_H
#define SOCKSHIM_REAL_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <threads.h>
#include <time.h>

/* X-macro lists: name, return type, parameter list, argument list.
 * REAL_FIXED_ARITY holds the functions with a fixed prototype; fcntl and
 * fcntl64 are variadic in libc and reached with their third argument as a
 * long, the way every caller passes it on Linux ABIs. */
#define REAL_FIXED_ARITY(X)                                                    \
    X(socket, int, (int d, int t, int p), (d, t, p))                           \
    X(socketpair, int, (int d, int t, int p, int sv[2]), (d, t, p, sv))        \
    X(bind, int, (int fd, const struct sockaddr *a, socklen_t l), (fd, a, l))  \
    X(listen, int, (int fd, int backlog), (fd, backlog))                       \
    X(accept, int, (int fd, struct sockaddr *a, socklen_t *l), (fd, a, l))     \
    X(accept4, int, (int fd, struct sockaddr *a, socklen_t *l, int f),         \
      (fd, a, l, f))                                                           \
    X(connect, int, (int fd, const struct sockaddr *a, socklen_t l),           \
      (fd, a, l))                                                              \
    X(setsockopt, int, (int fd, int lv, int o, const void *v, socklen_t l),    \
      (fd, lv, o, v, l))                                                       \
    X(getsockopt, int, (int fd, int lv, int o, void *v, socklen_t *l),         \
      (fd, lv, o, v, l))                                                       \
    X(close, int, (int fd), (fd))                                              \
    X(shutdown, int, (int fd, int how), (fd, how))                             \
    X(dup, int, (int fd), (fd))                                                \
    X(dup2, int, (int fd, int nfd), (fd, nfd))                                 \
    X(dup3, int, (int fd, int nfd, int f), (fd, nfd, f))                       \
    X(close_range, int, (unsigned lo, unsigned hi, int f), (lo, hi, f))        \
    X(pipe2, int, (int fds[2], int f), (fds, f))                               \
    X(fork, pid_t, (void), ())                                                 \
    X(sigaltstack, int, (const stack_t *ss, stack_t *old), (ss, old))          \
    X(read, ssize_t, (int fd, void *b, size_t n), (fd, b, n))                  \
    X(readv, ssize_t, (int fd, const struct iovec *v, int n), (fd, v, n))      \
    X(recv, ssize_t, (int fd, void *b, size_t n, int f), (fd, b, n, f))        \
    X(recvfrom, ssize_t,                                                       \
      (int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l),    \
      (fd, b, n, f, a, l))                                                     \
    X(recvmsg, ssize_t, (int fd, struct msghdr *m, int f), (fd, m, f))         \
    X(recvmmsg, int,                                                           \
      (int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *t),      \
      (fd, v, n, f, t))                                                        \
    X(write, ssize_t, (int fd, const void *b, size_t n), (fd, b, n))           \
    X(writev, ssize_t, (int fd, const struct iovec *v, int n), (fd, v, n))     \
    X(send, ssize_t, (int fd, const void *b, size_t n, int f), (fd, b, n, f))  \
    X(sendto, ssize_t,                                                         \
      (int fd, const void *b, size_t n, int f, const struct sockaddr *a,       \
       socklen_t l),                                                           \
      (fd, b, n, f, a, l))                                                     \
    X(sendmsg, ssize_t, (int fd, const struct msghdr *m, int f), (fd, m, f))   \
    X(sendmmsg, int, (int fd, struct mmsghdr *v, unsigned n, int f),           \
      (fd, v, n, f))                                                           \
    X(pthread_create, int,                                                     \
      (pthread_t * t, const pthread_attr_t *a, void *(*f)(void *), void *p),   \
      (t, a, f, p))                                                            \
    X(pthread_cancel, int, (pthread_t t), (t))                                 \
    X(poll, int, (struct pollfd * f, nfds_t n, int t), (f, n, t))              \
    X(thrd_create, int, (thrd_t * t, thrd_start_t f, void *p), (t, f, p))      \
    X(__read_chk, ssize_t, (int fd, void *b, size_t n, size_t bl),             \
      (fd, b, n, bl))                                                          \
    X(__recv_chk, ssize_t, (int fd, void *b, size_t n, size_t bl, int f),      \
      (fd, b, n, bl, f))                                                       \
    X(__recvfrom_chk, ssize_t,                                                 \
      (int fd, void *b, size_t n, size_t bl, int f, struct sockaddr *a,        \
       socklen_t *l),                                                          \
      (fd, b, n, bl, f, a, l))                                                 \
    /* Variadic in libc; reached as a fixed function of seven longs, which     \
     * passes them in the same registers (and stack slot) on Linux ABIs. */    \
    X(syscall, long,                                                           \
      (long nr, long a1, long a2, long a3, long a4, long a5, long a6),         \
      (nr, a1, a2, a3, a4, a5, a6))

/* closefrom() returns nothing: real_closefrom() is a no-op when libc lacks
 * it (glibc < 2.34). */
#define REAL_FUNCTIONS(X)                                                      \
    REAL_FIXED_ARITY(X)                                                        \
    X(fcntl, int, (int fd, int cmd, long arg), (fd, cmd, arg))                 \
    X(fcntl64, int, (int fd, int cmd, long arg), (fd, cmd, arg))               \
    X(closefrom, void, (int lowfd), (lowfd))

enum real_index {
#define REAL_INDEX(name, ret, params, args) REAL_##name,
    REAL_FUNCTIONS(REAL_INDEX)
#undef REAL_INDEX
        REAL_COUNT
};

/* What real_<name>() calls: for the fixed-arity functions, a slot always
 * holds something callable: first real_pending_<name>() (look the function
 * up, then call it; ENOSYS when it is missing or cannot be looked up right
 * now), then libc's function itself once found. */
extern void *real_table[REAL_COUNT] __attribute__((visibility("hidden")));

/* The function for slot I, looking it up if needed; NULL (errno ENOSYS)
 * when it does not exist or cannot be looked up right now. */
void *real_lookup(enum real_index i);

#define REAL_PENDING(name, ret, params, args) ret real_pending_##name params;
REAL_FIXED_ARITY(REAL_PENDING)
#undef REAL_PENDING

/* real_<name>(): one load and an indirect call, nothing to compare: the
 * read and write wrappers sit on every program's busiest path. */
#define REAL_INLINE(name, ret, params, args)                                   \
    static inline ret real_##name params {                                     \
        ret(*real_fn_) params = (ret(*) params)__atomic_load_n(                \
            &real_table[REAL_##name], __ATOMIC_RELAXED);                       \
        return real_fn_ args;                                                  \
    }
REAL_FIXED_ARITY(REAL_INLINE)
#undef REAL_INLINE

int real_fcntl(int fd, int cmd, long arg);
int real_fcntl64(int fd, int cmd, long arg);
void real_closefrom(int lowfd);

/* An identifier of the loaded object holding ADDR (the start of its
 * mapping), NULL if none: cheap (_dl_find_object where glibc has it). */
const void *real_module_of(const void *addr);

/* Resolve the whole table now (idempotent, thread-safe). Called from the
 * constructor so the first wrapped call in a signal handler finds it ready. */
void real_resolve_all(void);

#endif
