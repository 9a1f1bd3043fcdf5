/*
 * iocost.c — a fixed number of I/O calls, for callgrind to count.
 *
 *   iocost file N     N write()s of 1 byte to /dev/null, N read()s of 1
 *                     byte from /dev/zero
 *   iocost sock N     N send()s and N recv()s of 1 byte on a connected
 *                     loopback TCP pair (made with socket/connect/accept,
 *                     so sockshim tracks both ends)
 *   iocost poll N     2N poll()s (timeout 0) on the same pair: a
 *                     cancellable call sockshim does not wrap, to show
 *                     what its scan thread costs such calls in glibc
 *   iocost syscall N  2N syscall(SYS_getppid): a number sockshim's
 *                     syscall() passes straight on (it books only the
 *                     descriptor-lifecycle numbers)
 *
 * Run under valgrind --tool=callgrind with two values of N, plain and
 * with LD_PRELOAD: (Ir(N2) - Ir(N1)) / (N2 - N1) is the instructions per
 * pair of calls, user space only; the shimmed figure minus the plain one
 * is what sockshim adds (run.sh divides by 2: per call).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: iocost file|sock|poll|syscall N\n");
        return 2;
    }
    long n = atol(argv[2]);
    char c = 'x';
    if (strcmp(argv[1], "file") == 0) {
        int w = open("/dev/null", O_WRONLY), r = open("/dev/zero", O_RDONLY);
        if (w < 0 || r < 0) {
            perror("iocost: open");
            return 1;
        }
        for (long i = 0; i < n; i++) {
            if (write(w, &c, 1) != 1 || read(r, &c, 1) != 1) {
                perror("iocost: write/read");
                return 1;
            }
        }
        return 0;
    }
    if (strcmp(argv[1], "syscall") == 0) {
        pid_t parent = getppid();
        for (long i = 0; i < n; i++) {
            if (syscall(SYS_getppid) != parent ||
                syscall(SYS_getppid) != parent) {
                perror("iocost: syscall");
                return 1;
            }
        }
        return 0;
    }
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &alen) != 0) {
        perror("iocost: listener");
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("iocost: connect");
        return 1;
    }
    int t = accept(l, NULL, NULL);
    if (strcmp(argv[1], "poll") == 0) {
        struct pollfd p = {.fd = t, .events = POLLIN};
        for (long i = 0; i < n; i++) {
            if (poll(&p, 1, 0) != 0 || poll(&p, 1, 0) != 0) {
                perror("iocost: poll");
                return 1;
            }
        }
        return 0;
    }
    for (long i = 0; i < n; i++) {
        if (send(s, &c, 1, 0) != 1 || recv(t, &c, 1, 0) != 1) {
            perror("iocost: send/recv");
            return 1;
        }
    }
    close(t);
    close(s);
    close(l);
    return 0;
}
