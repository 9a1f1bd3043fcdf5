/*
 * closewait-server — a server with the CLOSE_WAIT bug: it never closes
 * a connection after reading its EOF.
 *
 * It accepts connections, echoes what it reads, and when recv() returns 0
 * (the peer sent FIN) it forgets to close() the socket. The connection
 * then sits in CLOSE_WAIT for as long as the process lives, and with
 * enough clients the process runs out of descriptors. --fixed closes as
 * it should.
 *
 *   closewait-server [--port PORT] [--connections N] [--fixed]
 *                    [--hold SECONDS] [--show-options]
 *                    [--call read|recv|recvfrom|recvmsg|readv|recvmmsg]
 *                    [--never-read] [--close-after SECONDS]
 *
 * Prints "listening on 127.0.0.1:PORT" first (PORT 0 picks a free one),
 * then serves N connections one after another, then waits --hold seconds
 * (default 0) before exiting; SIGUSR1 ends that wait early (a test
 * releases the server once it has seen what it was waiting for).
 * --show-options prints each accepted socket's keepalive and nodelay as
 * getsockopt() sees them.
 *
 * --call picks the read-family function that serves a connection (default
 * recv); at the peer's FIN each of them returns 0 (recvmmsg: one message
 * of length 0), and the line printed then names the call.
 * --never-read accepts each connection, prints "fd N: accepted, never
 * reading it" and never reads it: the program never learns that the peer
 * closed, only the kernel does (the socket is in CLOSE_WAIT all the same).
 * --close-after SECONDS (a decimal, e.g. 0.3; with or without --fixed)
 * closes the socket, but only that long after the read that returned 0:
 * a late close, printing "fd N: closed" once done.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* The read-family functions --call can pick. */
static const char *const call_names[] = {"read",    "recv",  "recvfrom",
                                         "recvmsg", "readv", "recvmmsg"};
enum call {
    CALL_READ,
    CALL_RECV,
    CALL_RECVFROM,
    CALL_RECVMSG,
    CALL_READV,
    CALL_RECVMMSG,
    CALL_COUNT
};

/* Wait SECONDS, or less if SIGUSR1 comes (blocked in main() from the
 * start, so that one sent before the wait begins is pending and ends it at
 * once). */
static void hold_for(int seconds, const sigset_t *release) {
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += seconds;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec left = {.tv_sec = end.tv_sec - now.tv_sec,
                                .tv_nsec = end.tv_nsec - now.tv_nsec};
        if (left.tv_nsec < 0) {
            left.tv_sec--;
            left.tv_nsec += 1000000000L;
        }
        if (left.tv_sec < 0 || sigtimedwait(release, NULL, &left) == SIGUSR1 ||
            errno != EINTR)
            return;
    }
}

static int get_int(int fd, int level, int name) {
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(fd, level, name, &v, &len);
    return v;
}

static void show_options(int fd) {
    printf("fd %d: SO_KEEPALIVE=%s TCP_KEEPIDLE=%ds TCP_KEEPINTVL=%ds "
           "TCP_KEEPCNT=%d TCP_NODELAY=%s\n",
           fd, get_int(fd, SOL_SOCKET, SO_KEEPALIVE) ? "on" : "off",
           get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE),
           get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL),
           get_int(fd, IPPROTO_TCP, TCP_KEEPCNT),
           get_int(fd, IPPROTO_TCP, TCP_NODELAY) ? "on" : "off");
}

/* Read up to SIZE bytes of CONN into BUF with CALL. Returns the bytes
 * read, 0 at the peer's FIN, -1 on an error. */
static __attribute__((noinline)) ssize_t
read_some(int conn, char *buf, size_t size, enum call call) {
    struct iovec iov = {.iov_base = buf, .iov_len = size};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    switch (call) {
    case CALL_READ:
        return read(conn, buf, size);
    case CALL_RECVFROM: {
        struct sockaddr_storage from;
        socklen_t len = sizeof from;
        return recvfrom(conn, buf, size, 0, (struct sockaddr *)&from, &len);
    }
    case CALL_RECVMSG:
        return recvmsg(conn, &msg, 0);
    case CALL_READV:
        return readv(conn, &iov, 1);
    case CALL_RECVMMSG: {
        struct mmsghdr vec;
        memset(&vec, 0, sizeof vec);
        vec.msg_hdr = msg;
        int n = recvmmsg(conn, &vec, 1, 0, NULL);
        return n <= 0 ? n : (ssize_t)vec.msg_len;
    }
    case CALL_RECV:
    default:
        return recv(conn, buf, size, 0);
    }
}

/* Sleep SECONDS (a fraction allowed) in full, whatever signal comes. */
static void pause_for(double seconds) {
    struct timespec left;
    left.tv_sec = (time_t)seconds;
    left.tv_nsec = (long)((seconds - (double)left.tv_sec) * 1e9);
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

/* Serve one connection until the peer closes. The bug is what is missing
 * at the end: after recv() == 0 the socket must be closed. CLOSE_AFTER
 * >= 0 closes it, but only that many seconds later. */
static __attribute__((noinline)) void
serve_client(int conn, int fixed, enum call call, double close_after) {
    char buf[4096];
    ssize_t n;
    while ((n = read_some(conn, buf, sizeof buf, call)) > 0)
        if (send(conn, buf, (size_t)n, MSG_NOSIGNAL) < 0)
            break;
    if (close_after >= 0) {
        printf("fd %d: peer closed (%s returned %zd), closing it %gs later\n",
               conn, call_names[call], n, close_after);
        pause_for(close_after);
        close(conn);
        printf("fd %d: closed\n", conn);
        return;
    }
    printf("fd %d: peer closed (%s returned %zd)%s\n", conn, call_names[call],
           n, fixed ? ", closing" : ", NOT closing it: CLOSE_WAIT from now on");
    if (fixed)
        close(conn);
}

static int usage(void) {
    fprintf(stderr, "usage: closewait-server [--port PORT] "
                    "[--connections N] [--fixed] [--hold SECONDS] "
                    "[--show-options] "
                    "[--call read|recv|recvfrom|recvmsg|readv|recvmmsg] "
                    "[--never-read] [--close-after SECONDS]\n");
    return 2;
}

int main(int argc, char **argv) {
    int port = 0, connections = 1, fixed = 0, hold = 0, show = 0;
    int never_read = 0;
    enum call call = CALL_RECV;
    double close_after = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
            connections = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
            hold = atoi(argv[++i]);
        else if (strcmp(argv[i], "--fixed") == 0)
            fixed = 1;
        else if (strcmp(argv[i], "--show-options") == 0)
            show = 1;
        else if (strcmp(argv[i], "--never-read") == 0)
            never_read = 1;
        else if (strcmp(argv[i], "--call") == 0 && i + 1 < argc) {
            const char *name = argv[++i];
            for (call = 0; call < CALL_COUNT; call++)
                if (strcmp(name, call_names[call]) == 0)
                    break;
            if (call == CALL_COUNT)
                return usage();
        } else if (strcmp(argv[i], "--close-after") == 0 && i + 1 < argc) {
            char *end;
            close_after = strtod(argv[++i], &end);
            if (end == argv[i] || *end != '\0' || !(close_after >= 0) ||
                close_after > 3600)
                return usage();
        } else
            return usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t release;
    sigemptyset(&release);
    sigaddset(&release, SIGUSR1);
    sigprocmask(SIG_BLOCK, &release, NULL);

    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 ||
        bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 16) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
        perror("closewait-server");
        return 2;
    }
    printf("listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));

    for (int i = 0; i < connections; i++) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) {
            perror("accept");
            continue;
        }
        if (show)
            show_options(conn);
        if (never_read)
            printf("fd %d: accepted, never reading it\n", conn);
        else
            serve_client(conn, fixed, call, close_after);
    }
    if (hold > 0)
        hold_for(hold, &release);
    return 0;
}
