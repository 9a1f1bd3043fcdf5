/*
 * inetd-vfork — an inetd-style server that hands its connection to a
 * vfork()ed child, for t/e2e/unseen-closes.sh.
 *
 *   inetd-vfork [--hold MS]   the server
 *   inetd-vfork --serve    the exec'd service: echo stdin to stdout
 *
 * The server prints "pid N" and "listening on 127.0.0.1:PORT" (a port the
 * kernel picks), accepts one connection (20 s at most) and vfork()s. The
 * child, which shares the parent's memory until it execs, does what inetd
 * does: dup2(conn, 0), dup2(conn, 1), close(conn), then execs this
 * program with --serve (_exit(127) if the exec fails). The parent closes
 * conn, waits for the child and prints "child status N", then reads ITS
 * OWN stdin (a file the test gives it) to EOF, prints "stdin bytes=N",
 * closes its listener, stays MS milliseconds more (default 0: long
 * enough for a CLOSE_WAIT threshold to pass) and exits 0.
 *
 * The point: whatever a preloaded library does inside the child's calls
 * before the exec must not land in the parent's state. A library that
 * records "fd 0 is now the connection" in memory the vfork child shares
 * with the parent later blames the parent's own stdin (a close_wait for
 * fd 0 when the parent reads its EOF, a leak at exit for fds 0 and 1).
 *
 * --serve reads fd 0 until EOF (10 s at most), writes each piece back to
 * fd 1, closes both and exits 0.
 *
 * An ordinary program: it never links sockshim, tests run it under
 * LD_PRELOAD. Exit status 0 when the exchange ran, 1 if the child failed,
 * 2 on a set-up error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "inetd-vfork: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int serve(void) {
    /* A bounded service: a client that never closes is an error. */
    struct timeval tv = {10, 0};
    setsockopt(0, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0)
        if (write(1, buf, (size_t)n) != n)
            return 1;
    close(0);
    close(1);
    return n == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--serve") == 0)
        return serve();
    long hold = 0;
    if (argc == 3 && strcmp(argv[1], "--hold") == 0)
        hold = strtol(argv[2], NULL, 10);
    if ((argc != 1 && argc != 3) || hold < 0 || hold > 30000) {
        fprintf(stderr, "usage: inetd-vfork [--hold MS] | --serve\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* The exec path, found before the vfork: the child may only exec. */
    static char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        die("readlink /proc/self/exe");
    self[len] = '\0';

    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 ||
        bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 4) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &alen) != 0)
        die("listener");
    printf("pid %ld\n", (long)getpid());
    printf("listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));

    struct pollfd p = {.fd = listener, .events = POLLIN};
    if (poll(&p, 1, 20000) != 1)
        die("no client within 20 s");
    int conn = accept(listener, NULL, NULL);
    if (conn < 0)
        die("accept");

    char *child_argv[] = {self, "--serve", NULL};
    pid_t pid = vfork();
    if (pid < 0)
        die("vfork");
    if (pid == 0) {
        /* inetd's sequence, in the memory the parent shares until the
         * exec. */
        if (dup2(conn, 0) < 0 || dup2(conn, 1) < 0)
            _exit(126);
        close(conn);
        execv(self, child_argv);
        _exit(127);
    }
    close(conn);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
    printf("child status %d\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));

    /* The parent's own stdin, to its EOF: a file, nothing to do with the
     * connection. */
    char buf[512];
    ssize_t n;
    long total = 0;
    while ((n = read(0, buf, sizeof buf)) > 0)
        total += n;
    if (n < 0)
        die("read stdin");
    printf("stdin bytes=%ld\n", total);
    close(listener);
    /* The program's own time, not a wait for anything. */
    struct timespec left = {hold / 1000, (hold % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
