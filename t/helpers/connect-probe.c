/*
 * connect-probe — one connect() and what it returned, for
 * t/e2e/connect-timeout.sh.
 *
 *   connect-probe [--nonblock] [--alarm SECS] [--restart] [--twice] HOST PORT
 *       Creates a TCP socket for HOST (an IPv4 or IPv6 literal), connects it
 *       to PORT once (blocking, or on a SOCK_NONBLOCK socket) and prints
 *
 *           rc=-1 errno=ETIMEDOUT elapsed_ms=1003
 *           nonblock=0
 *
 *       errno is "-" when connect() returned 0; nonblock is the socket's
 *       O_NONBLOCK flag (fcntl F_GETFL) after the call, so a test can see
 *       that a timed connect restored the blocking mode. --alarm SECS
 *       interrupts the call with SIGALRM after SECS (handler installed
 *       without SA_RESTART, or with it under --restart): a way to bound a
 *       connect that is expected to hang, and to see EINTR pass through.
 *       --twice calls connect() a second time on the same socket (a retry
 *       after a failure) and prints a second pair of lines.
 *
 *   connect-probe --listen HOST PORTFILE SECONDS
 *       Runs the targets of the probes on HOST and writes to PORTFILE (by
 *       rename, so a reader never sees it half written) one line
 *
 *           OPEN FULL CLOSED
 *
 *       OPEN: a listener (backlog 16) that completes handshakes but never
 *       accepts. FULL: a listener made with listen(fd, 0) whose accept queue
 *       this process has filled with connections it never accepts: the
 *       kernel drops every further SYN (before any SYN-cookie logic, see
 *       tcp_conn_request), so a new connect() hangs in SYN_SENT,
 *       retransmitting, for minutes. CLOSED: a port held bound without
 *       listen(): a SYN gets a RST (ECONNREFUSED) and no other process can
 *       take the port meanwhile. Then sleeps SECONDS (or until killed).
 *       Exit status 3 when the queue could not be filled.
 *
 * An ordinary program: it never links sockshim, tests run it under
 * LD_PRELOAD.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "connect-probe: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* Fill ADDR with HOST:PORT; returns the address length. */
static socklen_t make_addr(const char *host, unsigned port,
                           struct sockaddr_storage *addr) {
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *in = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)port);
        return sizeof *in;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)port);
        return sizeof *in6;
    }
    fprintf(stderr, "connect-probe: not an address: %s\n", host);
    exit(2);
}

static unsigned parse_uint(const char *text, unsigned max) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v > max) {
        fprintf(stderr, "connect-probe: bad number: %s\n", text);
        exit(2);
    }
    return (unsigned)v;
}

static long long monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening socket on HOST, port chosen by the kernel. */
static int make_listener(const char *host, int backlog, unsigned *port) {
    struct sockaddr_storage addr;
    socklen_t len = make_addr(host, 0, &addr);
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    if (bind(fd, (struct sockaddr *)&addr, len) != 0)
        die("bind");
    if (backlog >= 0 && listen(fd, backlog) != 0)
        die("listen");
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        die("getsockname");
    *port = ntohs(addr.ss_family == AF_INET
                      ? ((struct sockaddr_in *)&addr)->sin_port
                      : ((struct sockaddr_in6 *)&addr)->sin6_port);
    return fd;
}

/* Connect to HOST:PORT until a connection does not complete within 500 ms
 * (the accept queue is full); the sockets are left open on purpose. */
static int fill_queue(const char *host, unsigned port) {
    struct sockaddr_storage addr;
    socklen_t len = make_addr(host, port, &addr);
    for (int i = 0; i < 16; i++) {
        int fd = socket(addr.ss_family,
                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die("socket");
        if (connect(fd, (struct sockaddr *)&addr, len) == 0)
            continue;
        if (errno != EINPROGRESS)
            die("connect (filling the queue)");
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        if (poll(&pfd, 1, 500) == 0)
            return 0; /* this SYN was dropped: the queue is full */
    }
    return -1;
}

static int run_listen(const char *host, const char *portfile,
                      unsigned seconds) {
    unsigned open_port, full_port, closed_port;
    make_listener(host, 16, &open_port);
    make_listener(host, 0, &full_port);
    make_listener(host, -1, &closed_port);
    if (fill_queue(host, full_port) != 0) {
        fprintf(stderr, "connect-probe: could not fill the accept queue\n");
        return 3;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        die(tmp);
    fprintf(f, "%u %u %u\n", open_port, full_port, closed_port);
    if (fclose(f) != 0 || rename(tmp, portfile) != 0)
        die(portfile);
    /* sleep() returns early on a signal; a plain deadline is enough. */
    long long end = monotonic_ms() + (long long)seconds * 1000;
    while (monotonic_ms() < end)
        sleep(1);
    return 0;
}

static void on_alarm(int sig) { (void)sig; }

int main(int argc, char **argv) {
    int nonblock = 0, restart = 0, tries = 1;
    unsigned alarm_secs = 0;
    int i = 1;
    if (argc == 5 && strcmp(argv[1], "--listen") == 0)
        return run_listen(argv[2], argv[3], parse_uint(argv[4], 3600));
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (strcmp(argv[i], "--nonblock") == 0)
            nonblock = 1;
        else if (strcmp(argv[i], "--restart") == 0)
            restart = 1;
        else if (strcmp(argv[i], "--twice") == 0)
            tries = 2;
        else if (strcmp(argv[i], "--alarm") == 0 && i + 1 < argc)
            alarm_secs = parse_uint(argv[++i], 3600);
        else
            break;
    }
    if (argc - i != 2) {
        fprintf(stderr,
                "usage: connect-probe [--nonblock] [--alarm SECS] "
                "[--restart] [--twice] HOST PORT\n"
                "       connect-probe --listen HOST PORTFILE SECONDS\n");
        return 2;
    }
    struct sockaddr_storage addr;
    socklen_t len = make_addr(argv[i], parse_uint(argv[i + 1], 65535), &addr);

    if (alarm_secs != 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGALRM, &sa, NULL) != 0)
            die("sigaction");
    }
    int fd =
        socket(addr.ss_family,
               SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        die("socket");
    for (int t = 0; t < tries; t++) {
        if (alarm_secs != 0)
            alarm(alarm_secs);
        long long start = monotonic_ms();
        int rc = connect(fd, (struct sockaddr *)&addr, len);
        int error = errno;
        long long elapsed = monotonic_ms() - start;
        alarm(0);
        const char *name = strerrorname_np(error);
        printf("rc=%d errno=%s elapsed_ms=%lld\n", rc,
               rc == 0 ? "-"
               : name  ? name
                       : "?",
               elapsed);
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0)
            printf("nonblock=error(%s)\n", strerrorname_np(errno));
        else
            printf("nonblock=%d\n", (flags & O_NONBLOCK) ? 1 : 0);
        fflush(stdout);
    }
    return 0;
}
