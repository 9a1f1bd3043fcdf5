/*
 * backlog-overflow — a listener's accept queue reached its backlog
 * (Linux then drops further handshakes; clients retry after 1 s, 3 s).
 *
 * The kernel completes the three-way handshake on its own and puts each
 * finished connection in the listener's accept (full) queue until the
 * program calls accept(). listen(fd, backlog) bounds that queue: on Linux
 * it holds backlog + 1 connections (backlog capped by net.core.somaxconn).
 * While it is full, new SYNs are dropped (ListenOverflows in nstat) and
 * those clients stay in SYN_SENT, sending the SYN again after 1 s, 3 s,
 * 7 s... so a server that accepts too slowly, or a backlog too small for
 * a burst, shows up as connect() delays, not as errors.
 *
 * This program listens with the given backlog, starts --clients
 * non-blocking connects at once, waits 300 ms (the handshakes that can
 * complete have completed, the SYN retries have not fired yet), prints
 * each client's TCP state, then accepts all it can, stopping when 200 ms
 * pass without a new connection. With the defaults, 2 of the 4 clients
 * are accepted and 2 are still in SYN_SENT.
 *
 *   backlog-overflow [--backlog N] [--clients M] [--clean]
 *
 * --backlog defaults to 1 and --clients to N + 3; --clean stands for
 * --backlog 64 --clients 2, where every client is accepted. Sockets live
 * on 127.0.0.1 (port 0: any free one). Each step prints one line, the
 * last "accepted N connections".
 *
 * Exit status: 0 when the run completed (however many connections were
 * accepted), 2 on a usage or setup error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256
#define SETTLE_MS 300 /* let the handshakes complete, before any SYN retry */
#define QUIET_MS 200  /* accept_all() stops after this long with nothing */

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

/* The name of FD's TCP state (TCP_INFO), e.g. "SYN_SENT". */
static const char *tcp_state(int fd) {
    static const char *const names[] = {
        "?",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
        "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
        "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};
    struct tcp_info info;
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        info.tcpi_state >= sizeof names / sizeof names[0])
        return "?";
    return names[info.tcpi_state];
}

/* Listen on 127.0.0.1 at a port the kernel picks, stored in *ADDR, with
 * BACKLOG. The socket is non-blocking so that accept_all() cannot hang.
 * Returns the listening fd, or -1 after printing why. */
static __attribute__((noinline)) int open_listener(int backlog,
                                                   struct sockaddr_in *addr) {
    socklen_t len = sizeof *addr;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    *addr = loopback(0);
    if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 ||
        listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
        printf("server: listen: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("server: listen(fd=%d, backlog=%d) on 127.0.0.1:%u\n", fd, backlog,
           ntohs(addr->sin_port));
    return fd;
}

/* Start connecting client number N to SERVER without waiting: connect()
 * returns EINPROGRESS and the kernel completes the handshake, or retries
 * the SYN, on its own. Returns the fd, or -1 after printing why. */
static __attribute__((noinline)) int
connect_client_nonblocking(int n, const struct sockaddr_in *server) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        printf("client %d: socket: %s\n", n, strerror(errno));
        return -1;
    }
    int rc = connect(fd, (const struct sockaddr *)server, sizeof *server);
    int err = errno;
    printf("client %d: connect(fd=%d) = %d%s%s\n", n, fd, rc, rc ? ": " : "",
           rc ? strerror(err) : "");
    if (rc != 0 && err != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Accept every connection waiting on LISTENER, and those that arrive
 * until QUIET_MS pass without one; store up to MAX of them in ACCEPTED.
 * Returns how many were accepted. */
static __attribute__((noinline)) int accept_all(int listener, int *accepted,
                                                int max) {
    struct pollfd p = {.fd = listener, .events = POLLIN};
    int count = 0;
    while (count < max && poll(&p, 1, QUIET_MS) > 0) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                continue; /* readable, but taken already: poll again */
            printf("server: accept: %s\n", strerror(errno));
            break;
        }
        printf("server: accepted fd=%d\n", fd);
        accepted[count++] = fd;
    }
    printf("accepted %d connections\n", count);
    return count;
}

int main(int argc, char **argv) {
    int backlog = 1, clients = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--backlog") == 0 && i + 1 < argc)
            backlog = atoi(argv[++i]);
        else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
            clients = atoi(argv[++i]);
        else if (strcmp(argv[i], "--clean") == 0) {
            backlog = 64;
            clients = 2;
        } else {
            fprintf(stderr, "usage: backlog-overflow [--backlog N] "
                            "[--clients M] [--clean]\n");
            return 2;
        }
    }
    if (clients < 0)
        clients = backlog + 3;
    if (backlog < 0 || clients < 1 || clients > MAX_CLIENTS) {
        fprintf(stderr,
                "backlog-overflow: need --backlog >= 0 and "
                "1 <= --clients <= %d\n",
                MAX_CLIENTS);
        return 2;
    }
    /* Line-buffered, so every step is out before the next one runs. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(10); /* a safety net: never hang a test run */

    struct sockaddr_in server;
    int listener = open_listener(backlog, &server);
    if (listener < 0)
        return 2;
    int client_fds[MAX_CLIENTS], accepted[MAX_CLIENTS];
    for (int i = 0; i < clients; i++)
        client_fds[i] = connect_client_nonblocking(i + 1, &server);

    poll(NULL, 0, SETTLE_MS);
    for (int i = 0; i < clients; i++)
        if (client_fds[i] >= 0)
            printf("client %d: fd=%d %s after %d ms\n", i + 1, client_fds[i],
                   tcp_state(client_fds[i]), SETTLE_MS);

    int count = accept_all(listener, accepted, clients);

    for (int i = 0; i < count; i++)
        close(accepted[i]);
    for (int i = 0; i < clients; i++)
        if (client_fds[i] >= 0)
            close(client_fds[i]);
    close(listener);
    return 0;
}
