/*
 * leaky — sockets left open at exit, from three call sites, for
 * t/e2e/closewait.sh (sockshim's leak_at_exit report).
 *
 *   leaky [--fixed]
 *
 * leak_listeners() opens 3 listening sockets on 127.0.0.1:0,
 * leak_clients() 2 TCP sockets connected to the first of them, and
 * accept_pending() accepts those 2 connections: 7 sockets, created at
 * three places (3 + 2 + 2). Prints one line per site with the fds:
 *
 *   listeners fds=3,4,5
 *   clients fds=6,7
 *   accepted fds=8,9
 *
 * then exits normally (exit(0), so exit handlers run) with every socket
 * still open. --fixed closes them all first and prints "closed 7 sockets".
 *
 * An ordinary program: it never links sockshim, tests run it under
 * LD_PRELOAD. Exit status 0, or 2 on a usage or set-up error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTENERS 3
#define CLIENTS 2

/* N, hidden from the optimiser: a loop of a known small count may be
 * unrolled, and each copy of the socket call would be a call site of its
 * own (sockshim would rightly report two sites, not one with 2 sockets). */
static int opaque(int n) {
    __asm__("" : "+r"(n));
    return n;
}

static void fail(const char *what) {
    printf("leaky: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void print_fds(const char *label, const int *fds, int n) {
    printf("%s fds=", label);
    for (int i = 0; i < n; i++)
        printf(i > 0 ? ",%d" : "%d", fds[i]);
    printf("\n");
}

/* LISTENERS listening sockets on 127.0.0.1, ports the kernel picks; the
 * first one's address goes to *FIRST. */
static __attribute__((noinline)) void
leak_listeners(int *fds, struct sockaddr_in *first) {
    for (int i = 0; i < opaque(LISTENERS); i++) {
        struct sockaddr_in addr;
        socklen_t len = sizeof addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 ||
            bind(fds[i], (struct sockaddr *)&addr, sizeof addr) != 0 ||
            listen(fds[i], 8) != 0 ||
            getsockname(fds[i], (struct sockaddr *)&addr, &len) != 0)
            fail("listen");
        if (i == 0)
            *first = addr;
    }
}

/* CLIENTS sockets connected to TO (the handshake completes in the
 * kernel: the listener accepts later). */
static __attribute__((noinline)) void
leak_clients(int *fds, const struct sockaddr_in *to) {
    for (int i = 0; i < opaque(CLIENTS); i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 ||
            connect(fds[i], (const struct sockaddr *)to, sizeof *to) != 0)
            fail("connect");
    }
}

/* Accept the CLIENTS connections queued on LISTENER. */
static __attribute__((noinline)) void accept_pending(int listener, int *fds) {
    for (int i = 0; i < opaque(CLIENTS); i++) {
        fds[i] = accept(listener, NULL, NULL);
        if (fds[i] < 0)
            fail("accept");
    }
}

int main(int argc, char **argv) {
    int fixed = 0;
    if (argc == 2 && strcmp(argv[1], "--fixed") == 0)
        fixed = 1;
    else if (argc != 1) {
        fprintf(stderr, "usage: leaky [--fixed]\n");
        return 2;
    }
    int listeners[LISTENERS], clients[CLIENTS], accepted[CLIENTS];
    struct sockaddr_in first;
    leak_listeners(listeners, &first);
    leak_clients(clients, &first);
    accept_pending(listeners[0], accepted);
    print_fds("listeners", listeners, LISTENERS);
    print_fds("clients", clients, CLIENTS);
    print_fds("accepted", accepted, CLIENTS);
    if (fixed) {
        int n = 0;
        for (int i = 0; i < CLIENTS; i++)
            n += (close(accepted[i]) == 0) + (close(clients[i]) == 0);
        for (int i = 0; i < LISTENERS; i++)
            n += close(listeners[i]) == 0;
        printf("closed %d sockets\n", n);
    }
    exit(0);
}
