/*
 * unseen — closes sockshim cannot see, and syscall() transparency, for
 * t/e2e/unseen-closes.sh.
 *
 *   unseen CLOSER REUSE [--keep] [--no-eof] [--hold MS] [--file PATH]
 *       CLOSER fclose|syscall, REUSE file|pipe|eventfd. A loopback
 *       connection inside this one process: the client sends a line and
 *       shuts down its writing side, the server side reads until read()
 *       returns 0 (the peer's EOF, seen by sockshim's read wrapper). The
 *       server's socket is then closed behind sockshim's back:
 *       fclose(fdopen(fd, "r+")) (glibc closes with its internal close),
 *       or syscall(SYS_close, fd). The number is reused at once by
 *       open(PATH) (default /etc/services; its bytes are never read),
 *       pipe() (the read end) or eventfd(); the helper checks that it got
 *       the very same number. It holds it MS milliseconds (default 1000),
 *       then close()s it, or with --keep leaves it open until exit.
 *       --no-eof: the client sends its line but does not shut down, and the
 *       server reads only that line (no EOF): sockshim's close-time check
 *       for unread data is then armed (after an EOF read it is not).
 *   unseen shutwr [--file PATH]
 *       The server's socket is shut down for writing (SHUT_WR), closed with
 *       fclose(fdopen()), its number reused by open(PATH, O_WRONLY|O_CREAT)
 *       (default: a file of that name is created, 0600), and the program
 *       write()s to that file.
 *   unseen syscalls
 *       syscall() calls and what they return, one "LABEL ..." line each,
 *       for a byte-for-byte comparison with a run without sockshim: getpid,
 *       gettid, an invalid number, six-argument calls (mmap, sendto,
 *       recvfrom with addresses), errno after a success, close of a number
 *       not open, dup/dup2/dup3/fcntl, socket/socketpair/shutdown/accept4,
 *       close_range.
 *   unseen raw-leak [--hold MS]
 *       A TCP socket made with syscall(SYS_socket) connects to a loopback
 *       listener; the accepted side is closed at once; the program reads
 *       the raw socket until EOF, prints "raw fd=N eof", never closes it
 *       and holds MS milliseconds (default 1200) before exiting: a CLOSE_WAIT
 *       leak on a socket sockshim did not see created.
 *   unseen client PORT
 *       A client for the tests' echo servers (run without sockshim):
 *       connects to 127.0.0.1:PORT, sends "hello unseen\n", reads the echo
 *       back in full, closes; prints "echo ok" (exit 0) or what went wrong
 *       (exit 1). Every wait is bounded (10 s).
 *
 * Lines printed never depend on sockshim, only on the program (descriptor
 * numbers below sockshim's private ones, results, errno names), so that a
 * run under sockshim can be compared with one without.
 *
 * An ordinary program: it never links sockshim, tests run it under
 * LD_PRELOAD. Exit status 0 when the sequence ran, 1 for a failed check
 * of the sequence itself (e.g. the number was not reused), 2 on a usage
 * or set-up error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static void die(const char *what) {
    fprintf(stderr, "unseen: %s: %s\n", what, strerror(errno));
    exit(2);
}

static const char *errname(int e) {
    if (e == 0)
        return "0";
    const char *name = strerrorname_np(e);
    return name ? name : "?";
}

/* Print "LABEL rc=RC errno=NAME"; ERROR is errno right after the call. */
static void report(const char *label, long rc, int error) {
    printf("%s rc=%ld errno=%s\n", label, rc, errname(error));
    fflush(stdout);
}

/* Run EXPR with errno = EDOM and report its result and errno: a success
 * must leave EDOM there (errno=EDOM), as libc does. */
#define CALL(label, expr)                                                      \
    do {                                                                       \
        errno = EDOM;                                                          \
        long rc_ = (long)(expr);                                               \
        int e_ = errno;                                                        \
        report(label, rc_, e_);                                                \
    } while (0)

/* Sleep MS milliseconds in full, whatever signal comes: the program's own
 * holding time, not a wait for anything. */
static void hold_ms(long ms) {
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    in.sin_port = htons(port);
    return in;
}

static unsigned short port_of(int fd) {
    struct sockaddr_in in;
    socklen_t len = sizeof in;
    if (getsockname(fd, (struct sockaddr *)&in, &len) != 0)
        die("getsockname");
    return ntohs(in.sin_port);
}

static int make_listener(void) {
    struct sockaddr_in in = loopback(0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof in) != 0 ||
        listen(fd, 8) != 0)
        die("listener");
    return fd;
}

/* Bounded waits for the client and the in-process connection: a peer
 * that never answers is an error after 10 s, not a hang. */
static void set_timeouts(int fd) {
    struct timeval tv = {10, 0};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        die("SO_RCVTIMEO");
}

/* A connection inside this process: *LISTENER, *CLIENT (connected with
 * socket() + connect(), seen by sockshim) and the accepted *SERVER. The
 * handshake completes in the kernel's backlog, so no thread is needed. */
static void make_connection(int *listener, int *client, int *server) {
    *listener = make_listener();
    *client = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = loopback(port_of(*listener));
    if (*client < 0 || connect(*client, (struct sockaddr *)&in, sizeof in))
        die("connect");
    *server = accept(*listener, NULL, NULL);
    if (*server < 0)
        die("accept");
    set_timeouts(*client);
    set_timeouts(*server);
}

/* Read FD with read() until it returns 0: the EOF sockshim records. */
static void read_to_eof(int fd) {
    char buf[512];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        ;
    if (n < 0)
        die("read");
}

/* Close FD without sockshim seeing it (CLOSER fclose or syscall). */
static void close_unseen(int fd, const char *closer) {
    if (strcmp(closer, "fclose") == 0) {
        /* glibc's fclose() closes through its internal close, which no
         * preloaded close() can intercept. */
        FILE *f = fdopen(fd, "r+");
        if (f == NULL || fclose(f) != 0)
            die("fdopen/fclose");
    } else if (syscall(SYS_close, fd) != 0) {
        die("syscall(SYS_close)");
    }
}

/* Take the lowest free number with REUSE; *EXTRA gets a second descriptor
 * to close later (the pipe's write end) or -1. */
static int reuse_number(const char *reuse, const char *path, int *extra) {
    *extra = -1;
    if (strcmp(reuse, "file") == 0)
        return open(path, O_RDONLY);
    if (strcmp(reuse, "pipe") == 0) {
        int p[2];
        if (pipe(p) != 0)
            return -1;
        *extra = p[1];
        return p[0];
    }
    return eventfd(0, 0);
}

/* Read exactly N bytes of FD with read(). */
static void read_exactly(int fd, size_t n) {
    char buf[64];
    while (n > 0) {
        ssize_t got = read(fd, buf, n < sizeof buf ? n : sizeof buf);
        if (got <= 0)
            die("read (short)");
        n -= (size_t)got;
    }
}

static int cmd_unseen(const char *closer, const char *reuse, int keep,
                      int no_eof, long hold, const char *path) {
    int listener, client, server;
    make_connection(&listener, &client, &server);
    if (write(client, "hello unseen\n", 13) != 13 ||
        (!no_eof && shutdown(client, SHUT_WR) != 0))
        die("client");
    if (no_eof) {
        read_exactly(server, 13);
        printf("server fd=%d: peer's line read, no EOF\n", server);
    } else {
        read_to_eof(server);
        printf("server fd=%d: peer's EOF read\n", server);
    }
    close_unseen(server, closer);
    printf("closed fd=%d with %s\n", server, closer);
    int extra, again = reuse_number(reuse, path, &extra);
    if (again < 0)
        die(reuse);
    /* The listener and the client still hold the numbers below: the new
     * descriptor must be the one sockshim thinks is the socket. */
    if (again != server) {
        printf("reuse: %s got fd=%d, not %d\n", reuse, again, server);
        return 1;
    }
    printf("reused fd=%d as %s\n", again, reuse);
    fflush(stdout);
    /* Tidy: the program's own sockets, closed where sockshim sees it. */
    close(client);
    close(listener);
    hold_ms(hold);
    if (keep) {
        printf("kept fd=%d until exit\n", again);
        return 0;
    }
    CALL("close reused", close(again));
    if (extra >= 0)
        close(extra);
    return 0;
}

static int cmd_shutwr(const char *path) {
    int listener, client, server;
    make_connection(&listener, &client, &server);
    if (shutdown(server, SHUT_WR) != 0)
        die("shutdown");
    printf("server fd=%d: shut down for writing\n", server);
    close_unseen(server, "fclose");
    int again = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (again < 0)
        die(path);
    if (again != server) {
        printf("reuse: open got fd=%d, not %d\n", again, server);
        return 1;
    }
    printf("reused fd=%d as a regular file\n", again);
    CALL("write file", write(again, "data\n", 5));
    CALL("close file", close(again));
    close(client);
    close(listener);
    return 0;
}

/* A descriptor's FD_CLOEXEC, for the dup3 line. */
static int cloexec(int fd) {
    int flags = fcntl(fd, F_GETFD);
    return flags < 0 ? -1 : (flags & FD_CLOEXEC) != 0;
}

static int cmd_syscalls(void) {
    errno = EDOM;
    long pid = syscall(SYS_getpid);
    int e = errno;
    printf("getpid equal=%d errno=%s\n", pid == (long)getpid(), errname(e));
    errno = EDOM;
    long tid = syscall(SYS_gettid);
    e = errno;
    printf("gettid equal=%d errno=%s\n", tid == (long)gettid(), errname(e));
    CALL("invalid_100000", syscall(100000, 1, 2, 3, 4, 5, 6));
    CALL("invalid_negative", syscall(-1L));

    /* Six arguments: an anonymous page, written and unmapped. */
    errno = EDOM;
    long addr = syscall(SYS_mmap, NULL, 4096L, (long)(PROT_READ | PROT_WRITE),
                        (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
    e = errno;
    int mapped = addr != -1 && addr % 4096 == 0;
    if (mapped)
        *(volatile char *)addr = 1;
    printf("mmap ok=%d errno=%s\n", mapped, errname(e));
    if (mapped)
        CALL("munmap", syscall(SYS_munmap, addr, 4096L));
    /* mmap with a bad sixth argument (an unaligned offset): EINVAL. */
    CALL("mmap_unaligned_offset",
         syscall(SYS_mmap, NULL, 4096L, (long)PROT_READ,
                 (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 1L));

    /* sendto and recvfrom with addresses: the sixth argument is the
     * address length (a value, then a pointer). */
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any = loopback(0);
    if (a < 0 || b < 0 || bind(a, (struct sockaddr *)&any, sizeof any) != 0 ||
        bind(b, (struct sockaddr *)&any, sizeof any) != 0)
        die("udp");
    set_timeouts(b);
    struct sockaddr_in to = loopback(port_of(b)), from;
    CALL("sendto",
         syscall(SYS_sendto, a, "hello", 5L, 0L, &to, (long)sizeof to));
    CALL("sendto_short_addrlen",
         syscall(SYS_sendto, a, "hello", 5L, 0L, &to, 1L));
    char buf[16] = "";
    socklen_t fromlen = sizeof from;
    memset(&from, 0, sizeof from);
    CALL("recvfrom",
         syscall(SYS_recvfrom, b, buf, sizeof buf - 1, 0L, &from, &fromlen));
    printf("recvfrom data=%s addrlen=%u from_a=%d\n", buf, (unsigned)fromlen,
           ntohs(from.sin_port) == port_of(a));
    close(a);
    close(b);

    /* The descriptor calls: numbers far from sockshim's own. */
    CALL("close_not_open", syscall(SYS_close, 900L));
    CALL("dup2_1_to_50", syscall(SYS_dup2, 1L, 50L));
    CALL("dup2_not_open", syscall(SYS_dup2, 901L, 52L));
    CALL("dup2_same", syscall(SYS_dup2, 50L, 50L));
    CALL("dup3_1_to_51_cloexec", syscall(SYS_dup3, 1L, 51L, (long)O_CLOEXEC));
    printf("dup3 cloexec=%d\n", cloexec(51));
    CALL("dup3_same", syscall(SYS_dup3, 51L, 51L, 0L));
    CALL("fcntl_dupfd_60", syscall(SYS_fcntl, 1L, (long)F_DUPFD, 60L));
    CALL("fcntl_dupfd_cloexec_61",
         syscall(SYS_fcntl, 1L, (long)F_DUPFD_CLOEXEC, 61L));
    printf("fcntl cloexec=%d\n", cloexec(61));
    CALL("close_50", syscall(SYS_close, 50L));
    CALL("close_50_again", syscall(SYS_close, 50L));
    CALL("close_range_51_61", syscall(SYS_close_range, 51L, 61L, 0L));
    CALL("close_60_after_range", close(60));

    int s = (int)syscall(SYS_socket, (long)AF_INET, (long)SOCK_STREAM, 0L);
    printf("socket ok=%d\n", s >= 0);
    int sv[2] = {-1, -1};
    CALL("socketpair",
         syscall(SYS_socketpair, (long)AF_UNIX, (long)SOCK_STREAM, 0L, sv));
    CALL("shutdown_wr", syscall(SYS_shutdown, (long)sv[0], (long)SHUT_WR));
    CALL("read_after_peer_shutdown", read(sv[1], buf, sizeof buf));
    CALL("shutdown_bad_how", syscall(SYS_shutdown, (long)sv[0], 7L));
    int l = make_listener();
    struct sockaddr_in in = loopback(port_of(l));
    CALL("connect_raw", connect(s, (struct sockaddr *)&in, sizeof in));
    int acc =
        (int)syscall(SYS_accept4, (long)l, NULL, NULL, (long)SOCK_CLOEXEC);
    printf("accept4 ok=%d cloexec=%d\n", acc >= 0, cloexec(acc));
    CALL("accept4_bad_flags",
         syscall(SYS_accept4, (long)l, NULL, NULL, 0x7fffL));
    CALL("close_accepted", syscall(SYS_close, (long)acc));
    CALL("close_raw", syscall(SYS_close, (long)s));
    CALL("close_sv0", syscall(SYS_close, (long)sv[0]));
    CALL("close_sv1", close(sv[1]));
    CALL("close_listener", close(l));
    return 0;
}

static int cmd_raw_leak(long hold) {
    int l = make_listener();
    int s = (int)syscall(SYS_socket, (long)AF_INET, (long)SOCK_STREAM, 0L);
    struct sockaddr_in in = loopback(port_of(l));
    if (s < 0 || connect(s, (struct sockaddr *)&in, sizeof in) != 0)
        die("raw socket");
    set_timeouts(s);
    int acc = accept(l, NULL, NULL);
    if (acc < 0)
        die("accept");
    /* The peer closes: the raw socket's EOF is next. */
    close(acc);
    close(l);
    read_to_eof(s);
    printf("raw fd=%d eof\n", s);
    fflush(stdout);
    /* The bug under test: never closed. */
    hold_ms(hold);
    return 0;
}

static int cmd_client(const char *port_text) {
    char *end;
    long port = strtol(port_text, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535)
        return 2;
    struct sockaddr_in in = loopback((unsigned short)port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    set_timeouts(fd);
    if (connect(fd, (struct sockaddr *)&in, sizeof in) != 0)
        die("connect");
    static const char line[] = "hello unseen\n";
    if (write(fd, line, sizeof line - 1) != (ssize_t)sizeof line - 1)
        die("write");
    char got[sizeof line] = "";
    size_t have = 0;
    while (have < sizeof line - 1) {
        ssize_t n = read(fd, got + have, sizeof line - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    close(fd);
    if (have != sizeof line - 1 || memcmp(got, line, have) != 0) {
        printf("echo bad: %zu bytes\n", have);
        return 1;
    }
    printf("echo ok\n");
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: unseen fclose|syscall file|pipe|eventfd [--keep] "
                    "[--no-eof] [--hold MS] [--file PATH]\n"
                    "       unseen shutwr [--file PATH]\n"
                    "       unseen syscalls\n"
                    "       unseen raw-leak [--hold MS]\n"
                    "       unseen client PORT\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *cmd = argv[1];
    const char *reuse = NULL, *path = NULL;
    int keep = 0, no_eof = 0, first = 2;
    long hold = -1;
    if (strcmp(cmd, "client") == 0)
        return argc == 3 ? cmd_client(argv[2]) : usage();
    if (strcmp(cmd, "fclose") == 0 || strcmp(cmd, "syscall") == 0) {
        if (argc < 3)
            return usage();
        reuse = argv[2];
        if (strcmp(reuse, "file") != 0 && strcmp(reuse, "pipe") != 0 &&
            strcmp(reuse, "eventfd") != 0)
            return usage();
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--no-eof") == 0)
            no_eof = 1;
        else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
            hold = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
            path = argv[++i];
        else
            return usage();
    }
    if (hold > 30000)
        return usage();
    if (reuse != NULL)
        return cmd_unseen(cmd, reuse, keep, no_eof, hold < 0 ? 1000 : hold,
                          path ? path : "/etc/services");
    if (strcmp(cmd, "shutwr") == 0)
        return cmd_shutwr(path ? path : "unseen-shutwr.out");
    if (strcmp(cmd, "syscalls") == 0)
        return cmd_syscalls();
    if (strcmp(cmd, "raw-leak") == 0)
        return cmd_raw_leak(hold < 0 ? 1200 : hold);
    return usage();
}
