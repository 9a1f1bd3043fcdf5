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
 * One difference remains: with a socket timeout set, the kernel does not
 * restart an interrupted connect() even under SA_RESTART. When every
 * caught signal has SA_RESTART, sockshim calls connect() again itself
 * (the kernel then keeps waiting for the same handshake); otherwise the
 * program sees EINTR, as it would without sockshim.
 */
#define _GNU_SOURCE
#include "config.h"

#include "timeout.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

#include "real.h"

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True for signals raised by a faulting instruction: they cannot interrupt
 * a thread waiting in connect() (sanitizers install handlers for them). */
static int is_synchronous(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
           sig == SIGTRAP || sig == SIGSYS;
}

/* True when every caught signal's handler has SA_RESTART: an EINTR then
 * came from a signal under which the kernel would restart connect(). */
static int all_handlers_restart(void)
{
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (is_synchronous(sig) || sigaction(sig, NULL, &sa) != 0 ||
            sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
            continue;
        if (!(sa.sa_flags & SA_RESTART))
            return 0;
    }
    return 1;
}

static void set_sndtimeo_ms(int fd, long long ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    real_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int connect_with_timeout(int fd, const struct sockaddr *addr, socklen_t len,
                         unsigned timeout_ms)
{
    struct timeval app;
    socklen_t app_len = sizeof app;
    if (real_getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &app, &app_len) != 0)
        return real_connect(fd, addr, len);
    long long app_ms = (long long)app.tv_sec * 1000 + app.tv_usec / 1000;
    if (app_ms != 0 && app_ms <= timeout_ms)
        return real_connect(fd, addr, len); /* the program's timer is first */

    long long deadline = monotonic_ms() + timeout_ms;
    int rc, error;
    for (;;) {
        long long left = deadline - monotonic_ms();
        set_sndtimeo_ms(fd, left > 0 ? left : 1);
        rc = real_connect(fd, addr, len);
        error = errno;
        if (rc == 0 || error != EINTR || !all_handlers_restart())
            break;
    }
    real_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &app, sizeof app);
    /* EINPROGRESS on the first call, EALREADY on a restarted one: the
     * timer expired with the handshake unfinished. */
    if (rc != 0 && (error == EINPROGRESS || error == EALREADY)) {
        struct sockaddr unspec = {.sa_family = AF_UNSPEC};
        real_connect(fd, &unspec, sizeof unspec);
        error = ETIMEDOUT;
    }
    errno = error;
    return rc;
}
