/*
 * fork-server — the classic multi-process echo server (accept, fork, the
 * child serves), and its leak when the parent forgets close(connfd).
 *
 * The classic concurrent server: the parent accept()s, fork()s, and the
 * child serves the connection. After fork() both processes hold the
 * listening socket and the connected one, and a socket is only closed
 * when its last descriptor is. So each side must close what it does not
 * use: the child its copy of the listener, the parent its copy of connfd.
 * With --bug the parent forgets close(connfd). The child still echoes,
 * reads EOF and closes its copy, but the parent's copy keeps the socket
 * alive: the client's FIN was acknowledged, no FIN ever goes back, and the
 * server's side stays in CLOSE_WAIT (the client's in FIN_WAIT2) for as
 * long as the parent lives. Every client leaks one descriptor in the
 * parent, until accept() fails with EMFILE ("too many open files").
 *
 *   fork-server [--port PORT] [--connections N] [--bug] [--hold SECONDS]
 *
 * Prints "listening on 127.0.0.1:PORT" first (PORT 0, the default, picks
 * a free one). Then, N times (default 1): accepts a connection, prints
 * "accepted fd=N from 127.0.0.1:PORT", forks a child that echoes until
 * the client closes. The parent reaps finished children as it goes, and
 * after the N-th connection waits for the rest, printing "child PID
 * exited" for each. Then it holds --hold seconds (default 0; SIGUSR1 ends
 * the hold early) -- time to see the leak with `ss -tan state close-wait`
 * -- prints "parent exiting", closes its listener and exits. With --bug the
 * leaked connections are still open at exit. As a safety net, SIGALRM ends the
 * parent when it is still waiting for clients 30 s after it started, and a
 * child 30 s after it forked.
 *
 * Try it with any client that sends, reads and closes, e.g.
 *
 *   fork-server --bug --hold 5 &
 *   echo hello | socat - TCP:127.0.0.1:PORT
 *   ss -tan state close-wait          # the parent's leaked connection
 *
 * Exit status: 0 after N connections (failed accepts count too), 2 on a
 * usage or setup error. A child exits 0 when it echoed everything and
 * closed its connection, 1 otherwise.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A safety net, in seconds: a client that never comes or never closes
 * must not hang a test run. It covers the parent until its hold starts,
 * and each child's whole life. */
#define WAIT_LIMIT 30

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

/* Listen on 127.0.0.1:PORT (0: a port the kernel picks) and print the
 * port. Returns the listening fd, or -1 after printing why. */
static __attribute__((noinline)) int open_listener(unsigned short port) {
    struct sockaddr_in addr = loopback(port);
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        printf("listen on 127.0.0.1:%u: %s\n", port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));
    return fd;
}

/* Accept one connection from LISTENER, retrying as a textbook Accept()
 * wrapper does: EINTR (a signal arrived) and ECONNABORTED (the client
 * gave up while queued) are not the server's errors. Returns the fd, or
 * -1 after printing why (EMFILE once leaked descriptors fill the table). */
static __attribute__((noinline)) int accept_connection(int listener) {
    struct sockaddr_in peer;
    socklen_t len;
    int fd;
    do {
        len = sizeof peer;
        fd = accept(listener, (struct sockaddr *)&peer, &len);
    } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
    if (fd < 0) {
        printf("accept: %s\n", strerror(errno));
        return -1;
    }
    printf("accepted fd=%d from 127.0.0.1:%u\n", fd, ntohs(peer.sin_port));
    return fd;
}

/* Send all LEN bytes of BUF on FD. Returns 0, or -1 on an error.
 * MSG_NOSIGNAL: a client that reset must cost an EPIPE, not the child's
 * life by SIGPIPE. */
static int send_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The child's work: echo everything read on CONN back until read()
 * returns 0 (the client's FIN), then close CONN. That close() only drops
 * the child's reference; the connection ends when the parent has dropped
 * its own too. Returns 0 when the client closed and close() succeeded,
 * -1 otherwise (CONN is closed either way). */
static __attribute__((noinline)) int serve_client(int conn) {
    char buf[4096];
    size_t echoed = 0;
    ssize_t n;
    for (;;) {
        n = read(conn, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || send_all(conn, buf, (size_t)n) != 0)
            break;
        echoed += (size_t)n;
    }
    if (n < 0)
        printf("child %d: fd=%d: %s\n", (int)getpid(), conn, strerror(errno));
    int rc = close(conn);
    printf("child %d: echoed %zu bytes, %s, close(fd=%d) = %d\n", (int)getpid(),
           echoed, n == 0 ? "client closed" : "gave up", conn, rc);
    return n == 0 && rc == 0 ? 0 : -1;
}

/* The parent's half of the hand-over: the child owns CONN now, and the
 * parent's copy must go, or the connection can never finish closing.
 * This is the call --bug leaves out. Returns close()'s result. */
static __attribute__((noinline)) int parent_close_connection(int conn) {
    int rc = close(conn);
    if (rc != 0)
        printf("parent: close(fd=%d): %s\n", conn, strerror(errno));
    return rc;
}

/* Close a listening socket: the child's copy right after fork() (a
 * child never accepts), the parent's before it exits. Returns close()'s
 * result. */
static __attribute__((noinline)) int close_listener(int fd) {
    int rc = close(fd);
    if (rc != 0)
        printf("close listener fd=%d: %s\n", fd, strerror(errno));
    return rc;
}

/* Reap children, printing "child PID exited" for each. With BLOCK, wait
 * until none is left (or WAIT_LIMIT's SIGALRM ends the process); without,
 * only collect those already done. Returns how many were reaped. */
static int reap_children(int block) {
    int reaped = 0, status;
    pid_t pid;
    for (;;) {
        pid = waitpid(-1, &status, block ? 0 : WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid <= 0) /* 0: children left, none done; -1: ECHILD */
            break;
        reaped++;
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            printf("child %d exited with status %d\n", (int)pid,
                   WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            printf("child %d exited on signal %d\n", (int)pid,
                   WTERMSIG(status));
        else
            printf("child %d exited\n", (int)pid);
    }
    return reaped;
}

/* Hold SECONDS, or less if SIGUSR1 comes: blocked in main() from the
 * start, so that one sent before the hold begins is pending and ends it at
 * once. Another signal with a handler (SIGCHLD, in a server that reaps
 * from one) interrupts the wait with EINTR; wait for the rest, so that the
 * hold lasts as long as asked. */
static void hold(int seconds, const sigset_t *release) {
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += seconds;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec left = {.tv_sec = end.tv_sec - now.tv_sec,
                                .tv_nsec = end.tv_nsec - now.tv_nsec};
        if (left.tv_nsec < 0) {
            left.tv_sec--;
            left.tv_nsec += 1000000000L;
        }
        if (left.tv_sec < 0 || sigtimedwait(release, NULL, &left) == SIGUSR1 ||
            errno != EINTR)
            return;
    }
}

int main(int argc, char **argv) {
    int port = 0, connections = 1, bug = 0, hold_seconds = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
            connections = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
            hold_seconds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--bug") == 0)
            bug = 1;
        else {
            fprintf(stderr, "usage: fork-server [--port PORT] "
                            "[--connections N] [--bug] "
                            "[--hold SECONDS]\n");
            return 2;
        }
    }
    if (port < 0 || port > 65535 || connections < 1 || hold_seconds < 0) {
        fprintf(stderr, "fork-server: need 0 <= --port <= 65535, "
                        "--connections >= 1 and --hold >= 0\n");
        return 2;
    }
    /* Line-buffered, so every step is out before the next one runs. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t release;
    sigemptyset(&release);
    sigaddset(&release, SIGUSR1);
    sigprocmask(SIG_BLOCK, &release, NULL);
    alarm(WAIT_LIMIT);

    int listener = open_listener((unsigned short)port);
    if (listener < 0)
        return 2;

    int children = 0;
    for (int i = 0; i < connections; i++) {
        int conn = accept_connection(listener);
        if (conn < 0)
            continue;
        /* Nothing may sit in stdout's buffer at fork(): the child would
         * inherit a copy and its exit() would print it a second time. */
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            /* The child: its own safety net (fork() cleared the alarm),
             * no listener -- accepting is the parent's job -- then serve.
             * exit(), not _exit(): the child is a process of its own,
             * whose exit handlers (a preloaded library's report among
             * them) must run. */
            alarm(WAIT_LIMIT);
            int ok = close_listener(listener) == 0;
            ok = serve_client(conn) == 0 && ok;
            exit(ok ? 0 : 1);
        }
        if (pid < 0) {
            printf("fork: %s\n", strerror(errno));
            parent_close_connection(conn);
            continue;
        }
        children++;
        if (!bug) {
            if (parent_close_connection(conn) != 0)
                return 2;
        } else {
            printf("parent: fd=%d left open (--bug): CLOSE_WAIT once the "
                   "client closes\n",
                   conn);
        }
        /* Collect the children already done, so none lingers as a zombie
         * while the parent waits for the next client. */
        children -= reap_children(0);
    }
    /* The client closing makes the child exit; waiting for every child
     * means every client has closed, and with --bug every leaked
     * connection is in CLOSE_WAIT when the hold starts. */
    if (children > 0)
        reap_children(1);
    alarm(0);

    hold(hold_seconds, &release);
    printf("parent exiting\n");
    /* With --bug the accepted fds are still open here: the leak. */
    return close_listener(listener) == 0 ? 0 : 2;
}
