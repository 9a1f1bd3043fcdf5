/*
 * write-after-reset — a write after the peer reset, and a write after
 * SHUT_WR.
 *
 * Writing to a connection that can no longer carry data fails, and the
 * first failure is often not the one a program expects:
 *
 *   --after-reset     the server end sets SO_LINGER {1,0} and closes, so
 *                     the client receives RST. Its next write reports the
 *                     pending ECONNRESET ("Connection reset by peer"); the
 *                     writes after that fail with EPIPE ("Broken pipe").
 *                     The client writes at most 5 times, until EPIPE;
 *   --after-shutdown  the client shut down writing (SHUT_WR) itself, then
 *                     writes: EPIPE at once;
 *   --clean           (default) the client writes once, shuts down
 *                     writing, and reads until EOF; the server reads to
 *                     EOF and closes. Nothing fails.
 *
 * EPIPE comes with SIGPIPE, whose default action kills the process
 * silently; this program ignores SIGPIPE so that it survives and prints
 * the error. --call picks the function that writes: write (default),
 * send, sendto, sendmsg or writev.
 *
 * Everything runs in one process over 127.0.0.1 (port 0: any free one).
 * Each step prints one line, first "client fd=N", then each write as
 * "client: CALL(fd=N, BYTES) = RC" with ": " and the errno text when RC
 * is -1.
 *
 *   write-after-reset [--after-reset | --after-shutdown | --clean]
 *                     [--call write|send|sendto|sendmsg|writev]
 *
 * Exit status: 0 when the writes ended as described (in EPIPE for
 * --after-reset and --after-shutdown, without a failure for --clean), 1
 * when they did not, 2 on a usage or setup error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define WAIT_MS 2000 /* no single step should take longer on loopback */
#define MAX_WRITES 5 /* --after-reset gives up after this many writes */
#define RST_WAIT_MS 100

static const char message[] = "hello, are you there?\n";

enum call { CALL_WRITE, CALL_SEND, CALL_SENDTO, CALL_SENDMSG, CALL_WRITEV };
static const char *const call_names[] = {"write", "send", "sendto", "sendmsg",
                                         "writev"};
#define CALL_COUNT (sizeof call_names / sizeof call_names[0])

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
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
    printf("server: listening on 127.0.0.1:%u\n", ntohs(addr->sin_port));
    return fd;
}

/* Connect a blocking client socket to SERVER. Returns the connected fd,
 * or -1 after printing why. */
static __attribute__((noinline)) int
connect_client(const struct sockaddr_in *server) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 ||
        connect(fd, (const struct sockaddr *)server, sizeof *server) != 0) {
        printf("client: connect: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("client fd=%d connected\n", fd);
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

/* Send the message on FD with the function CALL names, and print the
 * outcome. Returns 0 when all of it was written, else the errno (EIO for
 * a short write, which loopback does not produce for so few bytes). */
static __attribute__((noinline)) int write_message(int fd, enum call call) {
    size_t len = sizeof message - 1;
    size_t half = len / 2;
    struct iovec iov[2] = {{(void *)message, half},
                           {(void *)(message + half), len - half}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n;
    switch (call) {
    case CALL_SEND:
        n = send(fd, message, len, 0);
        break;
    case CALL_SENDTO:
        n = sendto(fd, message, len, 0, NULL, 0);
        break;
    case CALL_SENDMSG:
        n = sendmsg(fd, &mh, 0);
        break;
    case CALL_WRITEV:
        n = writev(fd, iov, 2);
        break;
    default:
        n = write(fd, message, len);
        break;
    }
    int err = n < 0 ? errno : n == (ssize_t)len ? 0 : EIO;
    printf("client: %s(fd=%d, %zu bytes) = %zd%s%s\n", call_names[call], fd,
           len, n, n < 0 ? ": " : "", n < 0 ? strerror(err) : "");
    return err;
}

/* Send FIN: the peer reads EOF after what came before; writing on FD
 * fails with EPIPE from now on. Returns 0 or the errno. */
static __attribute__((noinline)) int shutdown_write(int fd) {
    int rc = shutdown(fd, SHUT_WR);
    int err = rc == 0 ? 0 : errno;
    printf("client: shutdown(fd=%d, SHUT_WR) = %d%s%s\n", fd, rc,
           rc ? ": " : "", rc ? strerror(err) : "");
    return err;
}

/* Close CONN abortively: SO_LINGER {1, 0} makes close() send RST instead
 * of FIN. Returns 0 when both calls succeeded, else -1. */
static __attribute__((noinline)) int reset_connection(int conn) {
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    int rc = setsockopt(conn, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    printf("server: setsockopt(fd=%d, SO_LINGER, {1, 0}) = %d%s%s\n", conn, rc,
           rc ? ": " : "", rc ? strerror(errno) : "");
    int closed = close(conn);
    printf("server: close(fd=%d) = %d%s%s (RST sent)\n", conn, closed,
           closed ? ": " : "", closed ? strerror(errno) : "");
    return rc == 0 && closed == 0 ? 0 : -1;
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

/* --after-reset. Returns 1 when the writes ended in EPIPE. */
static int run_after_reset(int client, int conn, enum call call) {
    if (reset_connection(conn) != 0)
        return 0;
    /* Let the RST arrive (it does at once on loopback), so the first
     * write already meets a reset connection. */
    poll(NULL, 0, RST_WAIT_MS);
    printf("client: waited %d ms\n", RST_WAIT_MS);
    int err = 0;
    for (int i = 0; i < MAX_WRITES && err != EPIPE; i++)
        err = write_message(client, call);
    close_fd(client, "client");
    return err == EPIPE;
}

/* --after-shutdown. Returns 1 when the write failed with EPIPE and the
 * server still read a clean EOF. */
static int run_after_shutdown(int client, int conn, enum call call) {
    int ok = shutdown_write(client) == 0;
    ok = write_message(client, call) == EPIPE && ok;
    ok = read_to_eof(conn, "server") == 0 && ok;
    close_fd(conn, "server");
    close_fd(client, "client");
    return ok;
}

/* --clean. Returns 1 when nothing failed and both sides read EOF. */
static int run_clean(int client, int conn, enum call call) {
    int ok = write_message(client, call) == 0;
    ok = shutdown_write(client) == 0 && ok;
    ok = read_to_eof(conn, "server") == 0 && ok;
    close_fd(conn, "server");
    ok = read_to_eof(client, "client") == 0 && ok;
    close_fd(client, "client");
    return ok;
}

static int usage(void) {
    fprintf(stderr, "usage: write-after-reset [--after-reset | "
                    "--after-shutdown | --clean]\n"
                    "                         [--call write|send|sendto|"
                    "sendmsg|writev]\n");
    return 2;
}

int main(int argc, char **argv) {
    enum { CLEAN, AFTER_RESET, AFTER_SHUTDOWN } mode = CLEAN;
    enum call call = CALL_WRITE;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--after-reset") == 0)
            mode = AFTER_RESET;
        else if (strcmp(argv[i], "--after-shutdown") == 0)
            mode = AFTER_SHUTDOWN;
        else if (strcmp(argv[i], "--clean") == 0)
            mode = CLEAN;
        else if (strcmp(argv[i], "--call") == 0 && i + 1 < argc) {
            const char *name = argv[++i];
            size_t c = 0;
            while (c < CALL_COUNT && strcmp(name, call_names[c]) != 0)
                c++;
            if (c == CALL_COUNT)
                return usage();
            call = (enum call)c;
        } else
            return usage();
    }
    /* Line-buffered, so every step is out before the next one runs. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Survive EPIPE: by default its SIGPIPE ends the process silently. */
    signal(SIGPIPE, SIG_IGN);
    alarm(10); /* a safety net: never hang a test run */

    struct sockaddr_in server;
    int listener = open_listener(&server);
    if (listener < 0)
        return 2;
    int client = connect_client(&server);
    int conn = client < 0 ? -1 : accept_connection(listener);
    if (conn < 0)
        return 2;

    int ok;
    if (mode == AFTER_RESET)
        ok = run_after_reset(client, conn, call);
    else if (mode == AFTER_SHUTDOWN)
        ok = run_after_shutdown(client, conn, call);
    else
        ok = run_clean(client, conn, call);
    close(listener);
    return ok ? 0 : 1;
}
