/*
 * shutdown-misuse — shutdown() on the wrong kind of descriptor.
 *
 * shutdown(fd, how) ends one or both directions of a connected socket:
 * SHUT_WR sends FIN (the peer reads EOF) while this side can still read,
 * and unlike close() it acts on the connection, not on this descriptor,
 * so every process sharing the socket is affected. Called on
 * anything else it is a mistake, which the kernel reports only in part,
 * with one exception on Linux:
 *
 *   --listener     shutdown(SHUT_RDWR) on a listening socket returns 0,
 *                  and stops the listener: accept() then fails with
 *                  EINVAL and new clients get ECONNREFUSED. Not a
 *                  mistake: it is how a program wakes a thread blocked in
 *                  accept() (the JDK's ServerSocket.close() does it), so
 *                  sockshim reports nothing;
 *   --unconnected  on a socket never connected: ENOTCONN;
 *   --not-socket   on a pipe: ENOTSOCK;
 *   --twice        SHUT_WR twice on a connected socket: both return 0, the
 *                  second does nothing (a sign of confused ownership);
 *   --clean        (default) the client shuts down writing once, the
 *                  server reads EOF and closes, the client reads EOF and
 *                  closes.
 *
 * Sockets live on 127.0.0.1 (port 0: any free one). Each step prints one
 * line; each shutdown() prints "shutdown(fd=N, HOW) = RC", followed by
 * ": " and the errno text when RC is -1, then a note such as "(pipe)".
 *
 *   shutdown-misuse [--listener | --unconnected | --not-socket | --twice
 *                    | --clean]
 *
 * Exit status: 0 when every call behaved as described above, 1 when one
 * did not, 2 on a usage or setup error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 2000 /* no single step should take longer on loopback */

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

/* Print the outcome of shutdown(FD, HOW) that returned RC with errno ERR,
 * with NOTE (if not "") in parentheses, and return 0 when RC is 0, else
 * ERR. */
static int report_shutdown(int fd, const char *how, const char *note, int rc,
                           int err) {
    printf("shutdown(fd=%d, %s) = %d%s%s%s%s%s\n", fd, how, rc, rc ? ": " : "",
           rc ? strerror(err) : "", *note ? " (" : "", note, *note ? ")" : "");
    return rc == 0 ? 0 : err;
}

/* Print the outcome of close(FD) for WHO. */
static void close_fd(int fd, const char *who) {
    int rc = close(fd);
    printf("%s: close(fd=%d) = %d%s%s\n", who, fd, rc, rc ? ": " : "",
           rc ? strerror(errno) : "");
}

/* Listen on 127.0.0.1 at a port the kernel picks, stored in *ADDR.
 * Returns the listening fd, or -1 after printing why. */
static __attribute__((noinline)) int open_listener(struct sockaddr_in *addr) {
    socklen_t len = sizeof *addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    *addr = loopback(0);
    if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 ||
        listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
        printf("server: listen: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("server: listening on 127.0.0.1:%u, fd=%d\n", ntohs(addr->sin_port),
           fd);
    return fd;
}

/* Connect a blocking client socket to SERVER. Returns the connected fd,
 * or -1 after printing why (the errno is kept). */
static __attribute__((noinline)) int
connect_client(const struct sockaddr_in *server) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 ||
        connect(fd, (const struct sockaddr *)server, sizeof *server) != 0) {
        int err = errno;
        printf("client: connect: %s\n", strerror(err));
        if (fd >= 0)
            close(fd);
        errno = err;
        return -1;
    }
    printf("client: connected fd=%d\n", fd);
    return fd;
}

/* Accept one connection from LISTENER. Returns its fd, or -1 after
 * printing why. */
static __attribute__((noinline)) int accept_connection(int listener) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
        printf("server: accept: %s\n", strerror(errno));
        return -1;
    }
    printf("server: accepted fd=%d\n", fd);
    return fd;
}

/* A TCP socket that is never bound or connected. Returns it, or -1. */
static __attribute__((noinline)) int make_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        printf("socket: %s\n", strerror(errno));
    else
        printf("socket fd=%d (not connected)\n", fd);
    return fd;
}

/* The shutdown_*() functions below each hold one shutdown() call, so that
 * a stack trace names the misuse. Their notes differ on purpose: bodies
 * that were identical could be folded into one function by -O2.
 *
 * Misuse: shut down a listening socket. Returns 0 or the errno. */
static __attribute__((noinline)) int shutdown_listener(int fd) {
    int rc = shutdown(fd, SHUT_RDWR);
    return report_shutdown(fd, "SHUT_RDWR", "listener", rc, errno);
}

/* Misuse: shut down a socket with no connection. Returns 0 or the
 * errno (ENOTCONN). */
static __attribute__((noinline)) int shutdown_unconnected(int fd) {
    int rc = shutdown(fd, SHUT_RDWR);
    return report_shutdown(fd, "SHUT_RDWR", "unconnected socket", rc, errno);
}

/* Misuse: shut down a pipe, which is no socket. Returns 0 or the errno
 * (ENOTSOCK). */
static __attribute__((noinline)) int shutdown_pipe(int fd) {
    int rc = shutdown(fd, SHUT_RDWR);
    return report_shutdown(fd, "SHUT_RDWR", "pipe", rc, errno);
}

/* Send FIN: the peer reads EOF once it has read what came before. This
 * side may still read. Returns 0 or the errno. */
static __attribute__((noinline)) int shutdown_write(int fd) {
    int rc = shutdown(fd, SHUT_WR);
    return report_shutdown(fd, "SHUT_WR", "", rc, errno);
}

/* Misuse: SHUT_WR on a socket already shut for writing. Linux returns 0
 * and does nothing. Returns 0 or the errno. */
static __attribute__((noinline)) int shutdown_write_again(int fd) {
    int rc = shutdown(fd, SHUT_WR);
    return report_shutdown(fd, "SHUT_WR", "again", rc, errno);
}

/* Read FD until EOF, an error or a timeout, printing the end for WHO.
 * Returns 0 on EOF, else -1. */
static int read_to_eof(int fd, const char *who) {
    char buf[256];
    size_t total = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, WAIT_MS) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) {
            printf("%s: read: EOF (%zu bytes before it)\n", who, total);
            return 0;
        }
        if (n < 0) {
            printf("%s: read: %s\n", who, strerror(errno));
            return -1;
        }
        total += (size_t)n;
    }
    printf("%s: read: no EOF after %d ms\n", who, WAIT_MS);
    return -1;
}

/* --listener: shut a listener down, then show that it stopped listening.
 * Returns 1 when all went as described in the header, else 0. */
static int run_listener(void) {
    struct sockaddr_in addr;
    int fd = open_listener(&addr);
    if (fd < 0)
        return 0;
    int ok = shutdown_listener(fd) == 0;
    /* Non-blocking, so a listener that survived cannot hang accept(). */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int conn = accept(fd, NULL, NULL);
    int err = errno;
    if (conn >= 0) {
        printf("server: accept(fd=%d) = fd %d\n", fd, conn);
        close(conn);
    } else {
        printf("server: accept(fd=%d): %s\n", fd, strerror(err));
    }
    ok = ok && conn < 0 && err == EINVAL;
    int client = connect_client(&addr);
    err = errno;
    if (client >= 0)
        close(client);
    ok = ok && client < 0 && err == ECONNREFUSED;
    close_fd(fd, "server");
    return ok;
}

/* --unconnected. Returns 1 when shutdown() failed with ENOTCONN. */
static int run_unconnected(void) {
    int fd = make_socket();
    if (fd < 0)
        return 0;
    int ok = shutdown_unconnected(fd) == ENOTCONN;
    close(fd);
    return ok;
}

/* --not-socket. Returns 1 when shutdown() failed with ENOTSOCK. */
static int run_not_socket(void) {
    int p[2];
    if (pipe(p) != 0) {
        printf("pipe: %s\n", strerror(errno));
        return 0;
    }
    printf("pipe fd=%d (read end), fd=%d (write end)\n", p[0], p[1]);
    int ok = shutdown_pipe(p[0]) == ENOTSOCK;
    close(p[0]);
    close(p[1]);
    return ok;
}

/* --twice (TWICE != 0) and --clean, on a connected pair. Returns 1 when
 * every shutdown() returned 0 and both sides read EOF. */
static int run_connected(int twice) {
    struct sockaddr_in addr;
    int listener = open_listener(&addr);
    if (listener < 0)
        return 0;
    int client = connect_client(&addr);
    int conn = client < 0 ? -1 : accept_connection(listener);
    if (conn < 0)
        return 0;
    int ok = shutdown_write(client) == 0;
    if (twice)
        ok = shutdown_write_again(client) == 0 && ok;
    /* The client's FIN is queued already, so the server sees EOF now;
     * closing then sends the server's FIN, and the client sees EOF. */
    ok = read_to_eof(conn, "server") == 0 && ok;
    close_fd(conn, "server");
    ok = read_to_eof(client, "client") == 0 && ok;
    close_fd(client, "client");
    close(listener);
    return ok;
}

int main(int argc, char **argv) {
    enum { CLEAN, LISTENER, UNCONNECTED, NOT_SOCKET, TWICE } mode = CLEAN;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listener") == 0)
            mode = LISTENER;
        else if (strcmp(argv[i], "--unconnected") == 0)
            mode = UNCONNECTED;
        else if (strcmp(argv[i], "--not-socket") == 0)
            mode = NOT_SOCKET;
        else if (strcmp(argv[i], "--twice") == 0)
            mode = TWICE;
        else if (strcmp(argv[i], "--clean") == 0)
            mode = CLEAN;
        else {
            fprintf(stderr, "usage: shutdown-misuse [--listener | "
                            "--unconnected | --not-socket | --twice | "
                            "--clean]\n");
            return 2;
        }
    }
    /* Line-buffered, so every step is out before the next one runs. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(10); /* a safety net: never hang a test run */

    int ok;
    switch (mode) {
    case LISTENER:
        ok = run_listener();
        break;
    case UNCONNECTED:
        ok = run_unconnected();
        break;
    case NOT_SOCKET:
        ok = run_not_socket();
        break;
    default:
        ok = run_connected(mode == TWICE);
        break;
    }
    return ok ? 0 : 1;
}
