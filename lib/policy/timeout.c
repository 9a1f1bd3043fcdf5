/*
 * timeout.c — bounding a blocking connect() with the kernel's own timer.
 *
 * A blocking connect() on Linux honours SO_SNDTIMEO: when it expires the
 * call returns EINPROGRESS with the handshake still going. So sockshim
 * sets SO_SNDTIMEO to the time left for the call, turns that EINPROGRESS
 * into ETIMEDOUT (aborting the attempt with connect(AF_UNSPEC), so that no
 * more SYNs leave and the socket can be used again), and restores the
 * program's SO_SNDTIMEO. Unlike poll() on a socket made non-blocking,
 * this never changes the open file's flags, which other threads and
 * processes may share.
 *
 * One difference would remain: with a socket timeout set, the kernel
 * does not restart an interrupted connect() even under SA_RESTART, and
 * which signal interrupted it cannot be learnt afterwards. So signals
 * whose handlers lack SA_RESTART are held (blocked) while the call waits,
 * and the wait is cut into slices of at most SLICE_MS: one of them that
 * arrived is let in between slices, its handler runs, and the program
 * gets EINTR, as it would have (at most SLICE_MS later). An EINTR inside a
 * slice then came from a signal with SA_RESTART, and sockshim calls
 * connect() again itself, the kernel waiting on for the same handshake.
 *
 * Holding a signal in one thread sends a signal meant for the process to
 * another thread instead, and the kernel offers such a signal to the main
 * thread first: so the main thread of a program with threads of its own
 * holds nothing. There those handlers are watched instead: for the time
 * of the call each is replaced by a trampoline that notes it ran and
 * calls the program's handler (same flags, same mask), and an EINTR is
 * the program's exactly when one of them ran. Another thread asking
 * sigaction() meanwhile sees the trampoline (README, limits).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "policy/timeout.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/direct.h"
#include "base/real.h"
#include "config/configuration.h"
#include "output/event.h"

/* The longest a signal without SA_RESTART waits to interrupt a bounded
 * connect(). */
#define SLICE_MS 10

static long long monotonic_ms(void) { return clock_monotonic_ms(); }

/* True for signals raised by a faulting instruction: they cannot interrupt
 * a thread waiting in connect() (sanitizers install handlers for them). */
static int is_synchronous(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
           sig == SIGTRAP || sig == SIGSYS;
}

/* The signals this process catches, as /proc/self/status's SigCgt
 * (bit N-1 for signal N): one read instead of a sigaction() per signal.
 * All ones when it cannot be read. Small buffer, plain system calls. */
static uint64_t caught_signals(void) {
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ~(uint64_t)0;
    char buf[256];
    static const char key[] = "\nSigCgt:";
    size_t have = 0;
    uint64_t mask = ~(uint64_t)0;
    for (;;) {
        ssize_t n = real_read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        char *at = strstr(buf, key);
        if (at != NULL && strchr(at + sizeof key - 1, '\n') != NULL) {
            mask = strtoull(at + sizeof key - 1, NULL, 16);
            break;
        }
        /* Keep a tail that may hold the start of the key. */
        size_t keep = have < sizeof key ? have : sizeof key;
        if (at != NULL)
            keep = have - (size_t)(at - buf);
        memmove(buf, buf + have - keep, keep);
        have = keep;
    }
    real_close(fd);
    return mask;
}

/* The caught signals whose handler lacks SA_RESTART (asynchronous ones:
 * a fault cannot interrupt a thread waiting in connect()), in SET;
 * returns how many. */
static int signals_without_restart(sigset_t *set) {
    int n = 0;
    uint64_t caught = caught_signals();
    sigemptyset(set);
    for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
        struct sigaction sa;
        if (!(caught >> (sig - 1) & 1) || is_synchronous(sig) ||
            sig == SIGKILL || sig == SIGSTOP ||
            sigaction(sig, NULL, &sa) != 0 || sa.sa_handler == SIG_DFL ||
            sa.sa_handler == SIG_IGN || (sa.sa_flags & SA_RESTART))
            continue;
        sigaddset(set, sig);
        n++;
    }
    return n;
}

/* The program's handlers of the signals being watched (see the top),
 * by signal; one watching call at a time (watch_busy). */
static struct sigaction watched[NSIG];
static int watch_busy;
/* Set by the trampoline in the thread that ran a watched handler. */
static __thread volatile sig_atomic_t watched_ran
    __attribute__((tls_model("initial-exec")));

static void watch_trampoline(int sig, siginfo_t *info, void *context) {
    watched_ran = 1;
    const struct sigaction *h = &watched[sig];
    if (h->sa_flags & SA_SIGINFO)
        h->sa_sigaction(sig, info, context);
    else if (h->sa_handler != SIG_DFL && h->sa_handler != SIG_IGN)
        h->sa_handler(sig);
}

/* Put the trampoline in front of the handlers of SET (those whose
 * handler did not change in between): 1, or 0 when another call is
 * watching already. */
static int watch_handlers(const sigset_t *set) {
    if (__atomic_exchange_n(&watch_busy, 1, __ATOMIC_ACQUIRE))
        return 0;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction now, before;
        if (!sigismember(set, sig) || sigaction(sig, NULL, &now) != 0 ||
            (now.sa_flags & SA_RESTART))
            continue;
        watched[sig] = now;
        struct sigaction front = now;
        front.sa_sigaction = watch_trampoline;
        front.sa_flags |= SA_SIGINFO;
        /* Installed and the old one read in one call: a handler another
         * thread set in between is put back at once. */
        if (sigaction(sig, &front, &before) == 0 &&
            (before.sa_handler != now.sa_handler ||
             before.sa_flags != now.sa_flags))
            sigaction(sig, &before, NULL);
    }
    return 1;
}

/* Take the trampoline away again, where it is still in place. */
static void unwatch_handlers(const sigset_t *set) {
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction now;
        if (sigismember(set, sig) && sigaction(sig, NULL, &now) == 0 &&
            (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == watch_trampoline)
            sigaction(sig, &watched[sig], NULL);
    }
    __atomic_store_n(&watch_busy, 0, __ATOMIC_RELEASE);
}

/* Did a signal of HELD that this thread had not blocked itself (in
 * PROGRAM_MASK) arrive while held? */
static int held_signal_arrived(const sigset_t *held,
                               const sigset_t *program_mask) {
    sigset_t pending;
    if (sigpending(&pending) != 0)
        return 0;
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(held, sig) && sigismember(&pending, sig) &&
            !sigismember(program_mask, sig))
            return 1;
    return 0;
}

static void set_sndtimeo_ms(int fd, long long ms) {
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    real_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int connect_with_timeout(int fd, const struct sockaddr *addr, socklen_t len,
                         unsigned timeout_ms) {
    struct timeval app;
    socklen_t app_len = sizeof app;
    if (real_getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &app, &app_len) != 0)
        return real_connect(fd, addr, len);
    long long app_ms = (long long)app.tv_sec * 1000 + app.tv_usec / 1000;
    if (app_ms != 0 && app_ms <= timeout_ms)
        return real_connect(fd, addr, len); /* the program's timer is first */

    long long deadline = monotonic_ms() + timeout_ms;
    int rc, error, timed_out = 0;
    sigset_t held, program_mask;
    int without_restart = signals_without_restart(&held);
    int may_hold = !direct_program_has_threads() || gettid() != getpid();
    int to_hold = without_restart > 0 && may_hold;
    int watching = without_restart > 0 && !may_hold && watch_handlers(&held);
    watched_ran = 0;
    for (;;) {
        int holding =
            to_hold && pthread_sigmask(SIG_BLOCK, &held, &program_mask) == 0;
        long long left = deadline - monotonic_ms();
        if (holding && left > SLICE_MS)
            left = SLICE_MS;
        set_sndtimeo_ms(fd, left > 0 ? left : 1);
        rc = real_connect(fd, addr, len);
        error = errno;
        int interrupted = holding && held_signal_arrived(&held, &program_mask);
        if (holding) /* a held signal's handler runs here */
            pthread_sigmask(SIG_SETMASK, &program_mask, NULL);
        if (rc == 0)
            break;
        if (interrupted || (watching && error == EINTR && watched_ran)) {
            error = EINTR;
            break;
        }
        /* EINTR: a signal with SA_RESTART (the others were held, or
         * there are none); the end of a slice (EINPROGRESS on the first
         * call, EALREADY on a later one): the handshake goes on. Either
         * way, wait on. */
        if ((error == EINTR && without_restart > 0 && !holding && !watching) ||
            (error != EINTR && error != EINPROGRESS && error != EALREADY))
            break;
        if (monotonic_ms() >= deadline) {
            timed_out = 1;
            break;
        }
    }
    if (watching)
        unwatch_handlers(&held);
    real_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &app, sizeof app);
    if (timed_out) {
        struct sockaddr unspec = {.sa_family = AF_UNSPEC};
        real_connect(fd, &unspec, sizeof unspec);
        error = ETIMEDOUT;
    }
    errno = error;
    return rc;
}

/* The connect timeout as a would_apply event (audit mode). */
static __attribute__((noinline)) void
report_timeout_audit(const struct sock_context *ctx, const struct policy *p) {
    struct event ev;
    if (!event_begin(&ev, EV_WOULD_APPLY, ctx->fd))
        return;
    char text[32];
    event_socket(&ev, ctx->fd, ctx->slot, ctx->peer, ctx->peer_len);
    event_str(&ev, "option", "connect_timeout");
    option_format(p, OPT_CONNECT_TIMEOUT, text, sizeof text);
    event_str(&ev, "value", text);
    event_str(&ev, "current", "none");
    event_end(&ev);
}

unsigned timeout_for_connect(const struct sock_context *ctx,
                             const struct policy *p, int first) {
    unsigned timeout =
        (p->set & (1u << OPT_CONNECT_TIMEOUT)) ? p->connect_timeout_ms : 0;
    if (timeout != 0 && config.mode == MODE_AUDIT) {
        if (first)
            report_timeout_audit(ctx, p);
        return 0;
    }
    if (timeout != 0) {
        int flags = real_fcntl(ctx->fd, F_GETFL, 0);
        if (flags < 0 || (flags & O_NONBLOCK))
            return 0;
    }
    return timeout;
}
