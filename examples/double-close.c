/*
 * double-close — a double close in a threaded program.
 *
 * The main thread accepts a connection and hands it to a worker thread,
 * which reads the request, replies, and closes the socket: the worker owns
 * it now. With --bug the main thread forgets that and closes it again
 * after pthread_join(). Here the second close() fails with EBADF, which
 * is the lucky case: in a busy program another thread's socket(), accept()
 * or open() may have been given the same descriptor number in between, and
 * the second close() then succeeds -- silently closing someone else's
 * connection. Whoever hands a descriptor over must stop using it.
 *
 *   double-close [--bug | --clean]
 *
 * Everything runs in one process over 127.0.0.1 (port 0: any free one).
 * Each step prints one line, first "main: accepted fd=N from ...", and
 * with --bug "main: close(fd=N): Bad file descriptor". --clean (the
 * default) leaves the descriptor to the worker.
 *
 * Exit status: 0 when the client got the reply and EOF and, with --bug,
 * the second close() failed with EBADF; 1 otherwise; 2 on a usage or
 * setup error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 2000 /* no single step should take longer on loopback */

static const char request[] = "GET / HTTP/1.0\r\n\r\n";
static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

/* What main hands to the worker, and what the worker reports back. */
struct job {
    int conn; /* owned by the worker from pthread_create() on */
    int ok;   /* set by the worker: request read, reply sent, closed */
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
        printf("main: listen: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("main: listening on 127.0.0.1:%u\n", ntohs(addr->sin_port));
    return fd;
}

/* Connect a blocking client socket to SERVER. The handshake completes in
 * the listener's accept queue, so no accept() is needed first.
 * Returns the connected fd, or -1 after printing why. */
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
        printf("main: accept: %s\n", strerror(errno));
        return -1;
    }
    printf("main: accepted fd=%d from 127.0.0.1:%u\n", fd,
           ntohs(peer.sin_port));
    return fd;
}

/* The worker's close: it owns CONN, so this is the one close it needs.
 * Returns close()'s result. */
static __attribute__((noinline)) int worker_close(int conn) {
    int rc = close(conn);
    printf("worker: close(fd=%d) = %d%s%s\n", conn, rc, rc ? ": " : "",
           rc ? strerror(errno) : "");
    return rc;
}

/* The bug: main closes a descriptor it gave away. Returns 0 if close()
 * succeeded (the number had been reused), else its errno: EBADF here,
 * since nothing reused the number. */
static __attribute__((noinline)) int main_close_again(int conn) {
    int rc = close(conn);
    int err = rc == 0 ? 0 : errno;
    if (rc != 0)
        printf("main: close(fd=%d): %s\n", conn, strerror(err));
    else
        printf("main: close(fd=%d) = 0: closed a descriptor reused by "
               "someone else\n",
               conn);
    return err;
}

/* Worker thread: read the request on job->conn, reply, close it. */
static __attribute__((noinline)) void *serve_request(void *arg) {
    struct job *job = arg;
    char buf[256];
    ssize_t n = -1;
    if (wait_readable(job->conn, "worker") > 0)
        n = read(job->conn, buf, sizeof buf);
    if (n <= 0)
        printf("worker: read: %s\n", n == 0 ? "EOF" : strerror(errno));
    else
        printf("worker: read %zd bytes of request\n", n);
    ssize_t sent = n > 0 ? write(job->conn, reply, sizeof reply - 1) : -1;
    if (sent >= 0)
        printf("worker: sent %zd bytes of reply\n", sent);
    else if (n > 0)
        printf("worker: write: %s\n", strerror(errno));
    int closed = worker_close(job->conn);
    job->ok = sent == (ssize_t)sizeof reply - 1 && closed == 0;
    return NULL;
}

/* Read from the client socket FD until EOF, an error or a timeout,
 * printing each read. Returns the bytes read if it ended with EOF,
 * else -1. */
static ssize_t client_read_to_end(int fd) {
    char buf[256];
    ssize_t total = 0;
    while (wait_readable(fd, "client") > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            total += n;
            printf("client: read %zd bytes\n", n);
        } else if (n == 0) {
            printf("client: read: EOF\n");
            return total;
        } else {
            printf("client: read: %s\n", strerror(errno));
            break;
        }
    }
    return -1;
}

int main(int argc, char **argv) {
    int bug = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--bug") == 0)
            bug = 1;
        else if (strcmp(argv[i], "--clean") == 0)
            bug = 0;
        else {
            fprintf(stderr, "usage: double-close [--bug | --clean]\n");
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
    int client = connect_client(&server);
    struct job job = {.conn = client < 0 ? -1 : accept_connection(listener)};
    if (job.conn < 0)
        return 2;
    if (write(client, request, sizeof request - 1) !=
        (ssize_t)sizeof request - 1) {
        printf("client: write: %s\n", strerror(errno));
        return 2;
    }
    printf("client: sent %zu bytes of request\n", sizeof request - 1);

    pthread_t worker;
    int err = pthread_create(&worker, NULL, serve_request, &job);
    if (err != 0) {
        printf("main: pthread_create: %s\n", strerror(err));
        return 2;
    }
    pthread_join(worker, NULL);
    printf("main: worker done\n");

    int ok = job.ok && client_read_to_end(client) == (ssize_t)sizeof reply - 1;
    if (bug) {
        /* The worker closed job.conn already; nothing opened since, so
         * the number is free and close() reports EBADF. */
        ok = main_close_again(job.conn) == EBADF && ok;
    }
    int rc = close(client);
    printf("client: close(fd=%d) = %d%s%s\n", client, rc, rc ? ": " : "",
           rc ? strerror(errno) : "");
    close(listener);
    return ok ? 0 : 1;
}
