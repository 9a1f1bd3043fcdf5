/*
 * connloop.c — connections per second on loopback, in one process.
 *
 * LISTENERS listeners on 127.0.0.1 (ephemeral ports) and a loop of
 * socket(), connect(), accept(), close() of both ends (the server's first,
 * an orderly FIN both ways): each iteration is one whole connection
 * lifecycle through the wrapped calls. The connections go round-robin to
 * the listeners: TIME_WAIT stays on the server's side, and each listener
 * gives the client a fresh ephemeral port range, so the loop does not run
 * out of ports. (An abortive close, SO_LINGER {1,0}, would avoid TIME_WAIT
 * but sockshim rightly warns about every one: the loop would measure the
 * log.)
 *
 * Not linked against sockshim: run it plain and under LD_PRELOAD.
 *
 *   connloop SECONDS [--setopts | --same-syscalls | --uring]
 *                                  prints "<connections per second>"
 *
 * --setopts: the program sets the benchmark policy's options itself
 * (SO_KEEPALIVE, TCP_KEEPIDLE 60, TCP_NODELAY on the listeners and the
 * client sockets; accepted sockets inherit them): what the options cost
 * the kernel, with no sockshim at all, as a reference.
 * --same-syscalls: as --setopts, and a FIONREAD before each close(): every
 * system call sockshim adds to a connection, made by the program itself
 * (close_unread needs the unread byte count at each close). The ceiling
 * of any preload library that applies this policy and runs this check.
 * --uring: as --same-syscalls, with each client socket's three options in
 * one io_uring_enter() and each FIONREAD + close() in another
 * (uring-batch.c): whether batching could lift that ceiling.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "uring-batch.h"

#define LISTENERS 64

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The benchmark policy's options, set by the program (--setopts). */
static int set_options(int fd) {
    int on = 1, idle = 60;
    return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) ||
           setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) ||
           setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

int main(int argc, char **argv) {
    const char *variant = argc > 2 ? argv[2] : "";
    if (argc > 3 || (*variant != '\0' && strcmp(variant, "--setopts") != 0 &&
                     strcmp(variant, "--same-syscalls") != 0 &&
                     strcmp(variant, "--uring") != 0)) {
        fprintf(stderr, "usage: connloop SECONDS "
                        "[--setopts | --same-syscalls | --uring]\n");
        return 2;
    }
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    int same_syscalls = strcmp(variant, "--same-syscalls") == 0;
    int uring = strcmp(variant, "--uring") == 0;
    int setopts = same_syscalls || uring || strcmp(variant, "--setopts") == 0;
    int err = uring ? uring_batch_open() : 0;
    if (err < 0) {
        fprintf(stderr, "connloop: io_uring: %s\n", strerror(-err));
        return 1;
    }
    int lfds[LISTENERS];
    struct sockaddr_in addrs[LISTENERS];
    for (int i = 0; i < LISTENERS; i++) {
        struct sockaddr_in *a = &addrs[i];
        memset(a, 0, sizeof *a);
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t alen = sizeof *a;
        lfds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (lfds[i] < 0 || (setopts && set_options(lfds[i])) ||
            bind(lfds[i], (struct sockaddr *)a, sizeof *a) ||
            listen(lfds[i], 128) ||
            getsockname(lfds[i], (struct sockaddr *)a, &alen)) {
            perror("connloop: listener");
            return 1;
        }
    }
    unsigned next = 0;
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 200; i++) {
            int lfd = lfds[next % LISTENERS];
            struct sockaddr_in a = addrs[next++ % LISTENERS];
            int c = socket(AF_INET, SOCK_STREAM, 0);
            if (c < 0 ||
                (uring ? uring_batch_set_options(c) < 0
                       : setopts && set_options(c)) ||
                connect(c, (struct sockaddr *)&a, sizeof a) != 0) {
                perror("connloop: connect");
                return 1;
            }
            int s = accept(lfd, NULL, NULL);
            if (s < 0) {
                perror("connloop: accept");
                return 1;
            }
            if (uring) {
                if ((err = uring_batch_unread_close(s)) < 0 ||
                    (err = uring_batch_unread_close(c)) < 0) {
                    fprintf(stderr, "connloop: io_uring close: %s\n",
                            strerror(-err));
                    return 1;
                }
                n++;
                continue;
            }
            int unread;
            if (same_syscalls)
                ioctl(s, FIONREAD, &unread);
            close(s);
            if (same_syscalls)
                ioctl(c, FIONREAD, &unread);
            close(c);
            n++;
        }
        t = now();
    } while (t - t0 < seconds);
    for (int i = 0; i < LISTENERS; i++)
        close(lfds[i]);
    printf("%.0f\n", (double)n / (t - t0));
    return 0;
}
