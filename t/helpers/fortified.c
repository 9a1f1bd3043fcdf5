/*
 * fortified — a CLOSE_WAIT server built with -O2 -D_FORTIFY_SOURCE=2, for
 * t/e2e/unseen-closes.sh.
 *
 *   fortified server --call read|recv|recvfrom [--close-after SECONDS]
 *                    [--hold SECONDS]
 *   fortified overflow N
 *
 * Built fortified (see Makefile.am), its reads into fixed-size arrays with
 * a length the compiler cannot prove safe become glibc's checking entry
 * points __read_chk, __recv_chk and __recvfrom_chk, not read, recv and
 * recvfrom: what a distribution's hardened build of a server calls (a
 * CFLAGS given to configure with -O0 would undo it: the test checks the
 * symbols with nm rather than trusting the build). A
 * preloading library that wraps only the plain names never sees these
 * reads, nor the EOF they return.
 *
 * server: prints "listening on 127.0.0.1:PORT" (a port the kernel picks),
 * accepts one connection (20 s at most) and echoes what serve_client()
 * reads with CALL until it returns 0, then prints "fd N: peer closed (CALL
 * returned 0)". Like examples/closewait-server it then forgets to close
 * the socket (a CLOSE_WAIT leak), unless --close-after, which closes it
 * that many seconds after the EOF (a late close) and prints "fd N:
 * closed". It waits --hold seconds (default 0) before exiting; the
 * listener is never closed.
 *
 * overflow N: read(0, buf, N) into a 16-byte array; with N > 16 the
 * fortified read (__read_chk) must abort with glibc's "*** buffer overflow
 * detected ***" (SIGABRT) before reading anything, under a preloaded
 * library as without one. Prints "read returned R" if it did not abort.
 *
 * An ordinary program: it never links sockshim, tests run it under
 * LD_PRELOAD. Exit status 0 when the sequence ran, 2 on a usage or set-up
 * error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum call { CALL_READ, CALL_RECV, CALL_RECVFROM };
static const char *const call_names[] = {"read", "recv", "recvfrom"};

/* How much one call may read. Not a constant the compiler can see: with a
 * constant within the array's size glibc's inline wrappers call the plain
 * function; with this they call the __*_chk one. */
static volatile size_t chunk = 512;

static void die(const char *what) {
    fprintf(stderr, "fortified: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* Sleep SECONDS (a fraction allowed) in full, whatever signal comes. */
static void pause_for(double seconds) {
    struct timespec left;
    left.tv_sec = (time_t)seconds;
    left.tv_nsec = (long)((seconds - (double)left.tv_sec) * 1e9);
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

/* Serve one connection until the peer closes: the reads are here, into
 * this function's own array, so that the fortified call sites (and the
 * EOF stack a library records) are in serve_client. CLOSE_AFTER < 0
 * never closes the socket (the bug). */
static __attribute__((noinline)) void serve_client(int conn, enum call call,
                                                   double close_after) {
    char buf[512];
    ssize_t n;
    for (;;) {
        size_t want = chunk < sizeof buf ? chunk : sizeof buf;
        if (call == CALL_READ) {
            n = read(conn, buf, want);
        } else if (call == CALL_RECV) {
            n = recv(conn, buf, want, 0);
        } else {
            struct sockaddr_storage from;
            socklen_t len = sizeof from;
            n = recvfrom(conn, buf, want, 0, (struct sockaddr *)&from, &len);
        }
        if (n <= 0 || send(conn, buf, (size_t)n, MSG_NOSIGNAL) < 0)
            break;
    }
    printf("fd %d: peer closed (%s returned %zd)\n", conn, call_names[call], n);
    if (close_after >= 0) {
        pause_for(close_after);
        close(conn);
        printf("fd %d: closed\n", conn);
    }
}

static int server(enum call call, double close_after, double hold) {
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 ||
        bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 4) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0)
        die("listener");
    printf("listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));
    struct pollfd p = {.fd = listener, .events = POLLIN};
    if (poll(&p, 1, 20000) != 1)
        die("no client within 20 s");
    int conn = accept(listener, NULL, NULL);
    if (conn < 0)
        die("accept");
    serve_client(conn, call, close_after);
    pause_for(hold);
    return 0;
}

static __attribute__((noinline)) int overflow(size_t n) {
    char small[16];
    /* N > sizeof small: __read_chk must abort before the kernel writes. */
    ssize_t got = read(0, small, n);
    printf("read returned %zd\n", got);
    return 0;
}

/* A decimal number of seconds, 0 to 60, or -1 if TEXT is not one. */
static double seconds(const char *text) {
    char *end;
    double s = strtod(text, &end);
    return end == text || *end != '\0' || !(s >= 0) || s > 60 ? -1 : s;
}

static int usage(void) {
    fprintf(stderr, "usage: fortified server --call read|recv|recvfrom "
                    "[--close-after SECONDS] [--hold SECONDS]\n"
                    "       fortified overflow N\n");
    return 2;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "overflow") == 0)
        return overflow(strtoul(argv[2], NULL, 10));
    if (argc < 2 || strcmp(argv[1], "server") != 0)
        return usage();
    int call = -1;
    double close_after = -1, hold = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--call") == 0 && i + 1 < argc) {
            i++;
            for (call = CALL_RECVFROM; call >= 0; call--)
                if (strcmp(argv[i], call_names[call]) == 0)
                    break;
            if (call < 0)
                return usage();
        } else if (strcmp(argv[i], "--close-after") == 0 && i + 1 < argc) {
            if ((close_after = seconds(argv[++i])) < 0)
                return usage();
        } else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc) {
            if ((hold = seconds(argv[++i])) < 0)
                return usage();
        } else {
            return usage();
        }
    }
    if (call < 0)
        return usage();
    return server((enum call)call, close_after, hold);
}
