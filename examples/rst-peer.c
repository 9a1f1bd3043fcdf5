/*
 * rst-peer — a peer that closes with unread data, and one with SO_LINGER
 * {1,0}.
 *
 * A normal close() sends FIN: the peer reads what is left, then EOF. Two
 * things make the kernel send RST instead, and the peer's next read()
 * fails with ECONNRESET ("Connection reset by peer"), losing whatever the
 * reset overtook:
 *
 *   --unread   the server close()s while the client's request is still
 *              unread in its receive buffer (Linux answers a close
 *              with unread data with RST);
 *   --linger0  the server reads the request, queues a reply larger than
 *              the client has room for yet, then sets SO_LINGER
 *              {l_onoff=1, l_linger=0} and close()s: an abortive close,
 *              which skips TIME_WAIT by resetting the connection
 *              and throws away the part of the reply still queued;
 *   --clean    (default) the server reads the request, replies, then
 *              closes gracefully: shutdown(SHUT_WR), read until the
 *              client's EOF, close(). The client reads the reply, then EOF.
 *
 * Everything runs in one process over 127.0.0.1 (port 0: any free one).
 * Each step prints one line; "server: accepted fd=N from 127.0.0.1:PORT"
 * names the server's socket and the client's local port.
 *
 *   rst-peer [--unread | --linger0 | --clean]
 *
 * Exit status: 0 when the client saw what the mode predicts (a reset for
 * --unread and --linger0, the reply then EOF for --clean), 1 when it did
 * not, 2 on a usage or setup error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 2000 /* no single step should take longer on loopback */

static const char request[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

/* What the client's reads ended with. */
enum outcome { GOT_EOF, GOT_ERROR, GOT_TIMEOUT };

struct client_result {
    int fd;
    size_t bytes; /* bytes read before the end */
    enum outcome end;
    int error; /* errno when end == GOT_ERROR */
};

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

/* Wait up to WAIT_MS for FD to become readable (data, EOF or an error).
 * Returns 1 if it did, 0 on timeout (printed with WHO), -1 on error. */
static int wait_readable(int fd, const char *who) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, WAIT_MS);
    if (n < 0)
        printf("%s: poll: %s\n", who, strerror(errno));
    else if (n == 0)
        printf("%s: poll: nothing to read after %d ms\n", who, WAIT_MS);
    return n;
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

/* Connect a blocking client socket to SERVER, with SO_RCVBUF RCVBUF
 * unless 0. The handshake completes in the listener's accept queue, so
 * no accept() is needed first. Returns the connected fd, or -1 after
 * printing why. */
static __attribute__((noinline)) int
connect_client(const struct sockaddr_in *server, int rcvbuf) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    /* A small receive buffer, set before the handshake, bounds what the
     * server can push before the client reads. */
    if (fd >= 0 && rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (fd < 0 ||
        connect(fd, (const struct sockaddr *)server, sizeof *server) != 0) {
        printf("client: connect: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("client: connected fd=%d\n", fd);
    return fd;
}

/* Accept one connection from LISTENER. Returns its fd, or -1 after
 * printing why. */
static __attribute__((noinline)) int accept_connection(int listener) {
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int fd = accept(listener, (struct sockaddr *)&peer, &len);
    if (fd < 0) {
        printf("server: accept: %s\n", strerror(errno));
        return -1;
    }
    printf("server: accepted fd=%d from 127.0.0.1:%u\n", fd,
           ntohs(peer.sin_port));
    return fd;
}

/* Write all of BUF to FD. Returns 0, or -1 after printing why. */
static int write_all(int fd, const char *who, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            printf("%s: write: %s\n", who, strerror(errno));
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read the whole request (it ends with an empty line) from CONN.
 * Returns 0, or -1 after printing why. */
static int read_request(int conn) {
    char buf[256];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        if (wait_readable(conn, "server") <= 0)
            return -1;
        ssize_t n = read(conn, buf + got, sizeof buf - 1 - got);
        if (n <= 0) {
            printf("server: read: %s\n", n == 0 ? "EOF" : strerror(errno));
            return -1;
        }
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    printf("server: read %zu bytes of request\n", got);
    return 0;
}

/* The --unread bug: close CONN while the request sits unread in its
 * receive buffer. The kernel answers with RST, not FIN, so that the peer
 * learns its data was never consumed. */
static __attribute__((noinline)) int close_with_unread_data(int conn) {
    int unread = 0;
    ioctl(conn, FIONREAD, &unread);
    int rc = close(conn);
    printf("server: close(fd=%d) with %d bytes unread = %d%s%s\n", conn, unread,
           rc, rc ? ": " : "", rc ? strerror(errno) : "");
    return rc;
}

/* --linger0: write a reply to CONN until its send buffer is full (the
 * client is not reading yet, and its receive buffer is small): what the
 * client has not acknowledged waits in the server's send queue. Returns
 * 0, or -1 after printing why. */
static int queue_large_reply(int conn) {
    static char chunk[4096];
    memset(chunk, 'x', sizeof chunk);
    int flags = fcntl(conn, F_GETFL);
    if (flags < 0 || fcntl(conn, F_SETFL, flags | O_NONBLOCK) != 0) {
        printf("server: fcntl: %s\n", strerror(errno));
        return -1;
    }
    ssize_t n;
    while ((n = write(conn, chunk, sizeof chunk)) > 0)
        ;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
        printf("server: write: %s\n", strerror(errno));
        return -1;
    }
    printf("server: queued a reply the client has no room for yet\n");
    return 0;
}

/* The --linger0 case: SO_LINGER {1, 0} turns close() into an abort. The
 * connection is reset at once and skips TIME_WAIT; what is still queued
 * for the client is lost. */
static __attribute__((noinline)) int close_abortively(int conn) {
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    int rc = setsockopt(conn, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    printf("server: setsockopt(fd=%d, SO_LINGER, {1, 0}) = %d%s%s\n", conn, rc,
           rc ? ": " : "", rc ? strerror(errno) : "");
    rc = close(conn);
    printf("server: close(fd=%d) = %d%s%s\n", conn, rc, rc ? ": " : "",
           rc ? strerror(errno) : "");
    return rc;
}

/* The right way: send FIN with shutdown(SHUT_WR), drain until the peer's
 * EOF (so nothing is left unread, and no RST can follow), then close().
 * Returns 0 when the peer's EOF came and close() succeeded, else -1.
 * The client reads in another thread meanwhile; this function prints its
 * lines only once the EOF is in, so the output order does not vary. */
static __attribute__((noinline)) int close_gracefully(int conn) {
    int rc = shutdown(conn, SHUT_WR);
    int shut_errno = errno;
    char buf[256];
    size_t drained = 0;
    ssize_t n = -1;
    int read_errno = 0;
    while (wait_readable(conn, "server") > 0) {
        n = read(conn, buf, sizeof buf);
        if (n <= 0)
            break;
        drained += (size_t)n;
    }
    read_errno = errno;
    printf("server: shutdown(fd=%d, SHUT_WR) = %d%s%s\n", conn, rc,
           rc ? ": " : "", rc ? strerror(shut_errno) : "");
    if (n == 0)
        printf("server: read: EOF (%zu bytes drained)\n", drained);
    else if (n < 0)
        printf("server: read: %s\n", strerror(read_errno));
    int closed = close(conn);
    printf("server: close(fd=%d) = %d%s%s\n", conn, closed, closed ? ": " : "",
           closed ? strerror(errno) : "");
    return n == 0 && closed == 0 && rc == 0 ? 0 : -1;
}

/* Read from the client socket R->fd until EOF, an error or a timeout,
 * printing each read (unless QUIET: their sizes vary) and how it ended;
 * then close it. Fills in R. */
static void client_read_to_end(struct client_result *r, int quiet) {
    char buf[256];
    r->bytes = 0;
    r->end = GOT_TIMEOUT;
    while (wait_readable(r->fd, "client") > 0) {
        ssize_t n = read(r->fd, buf, sizeof buf);
        if (n > 0) {
            r->bytes += (size_t)n;
            if (!quiet)
                printf("client: read %zd bytes\n", n);
            continue;
        }
        if (n == 0) {
            r->end = GOT_EOF;
            printf("client: read: EOF\n");
        } else {
            r->end = GOT_ERROR;
            r->error = errno;
            printf("client: read: %s\n", strerror(errno));
        }
        break;
    }
    int rc = close(r->fd);
    printf("client: close(fd=%d) = %d%s%s\n", r->fd, rc, rc ? ": " : "",
           rc ? strerror(errno) : "");
}

static void *client_thread(void *arg) {
    client_read_to_end(arg, 0);
    return NULL;
}

int main(int argc, char **argv) {
    enum { CLEAN, UNREAD, LINGER0 } mode = CLEAN;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--unread") == 0)
            mode = UNREAD;
        else if (strcmp(argv[i], "--linger0") == 0)
            mode = LINGER0;
        else if (strcmp(argv[i], "--clean") == 0)
            mode = CLEAN;
        else {
            fprintf(stderr, "usage: rst-peer [--unread | --linger0 | "
                            "--clean]\n");
            return 2;
        }
    }
    /* Line-buffered, so every step is out before the next one runs. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(10); /* a safety net: never hang a test run */

    struct sockaddr_in server;
    int listener = open_listener(&server);
    if (listener < 0)
        return 2;
    struct client_result client = {
        .fd = connect_client(&server, mode == LINGER0 ? 8192 : 0)};
    int conn = client.fd < 0 ? -1 : accept_connection(listener);
    if (conn < 0)
        return 2;
    if (write_all(client.fd, "client", request, sizeof request - 1) != 0)
        return 2;
    printf("client: sent %zu bytes of request\n", sizeof request - 1);

    int ok;
    if (mode == UNREAD) {
        /* Wait until the request has arrived, so it is really unread. */
        if (wait_readable(conn, "server") <= 0)
            return 2;
        int closed = close_with_unread_data(conn);
        client_read_to_end(&client, 0);
        ok = closed == 0 && client.end == GOT_ERROR &&
             client.error == ECONNRESET;
    } else if (mode == LINGER0) {
        if (read_request(conn) != 0 || queue_large_reply(conn) != 0)
            return 2;
        int closed = close_abortively(conn);
        client_read_to_end(&client, 1);
        ok = closed == 0 && client.end == GOT_ERROR &&
             client.error == ECONNRESET;
    } else {
        if (read_request(conn) != 0 ||
            write_all(conn, "server", reply, sizeof reply - 1) != 0)
            return 2;
        printf("server: sent %zu bytes of reply\n", sizeof reply - 1);
        /* The client must read and close while the server waits for its
         * EOF inside close_gracefully(), so it reads in a thread. */
        pthread_t t;
        int err = pthread_create(&t, NULL, client_thread, &client);
        if (err != 0) {
            printf("pthread_create: %s\n", strerror(err));
            return 2;
        }
        int server_ok = close_gracefully(conn) == 0;
        pthread_join(t, NULL);
        ok = server_ok && client.end == GOT_EOF &&
             client.bytes == sizeof reply - 1;
    }
    close(listener);
    return ok ? 0 : 1;
}
