/*
 * cancel.c — thread cancellation through the calls sockshim makes
 * directly, and single-threaded loops of them, for t/e2e/direct.sh.
 *
 * sockshim makes the read and write families' system calls, and close(),
 * accept() and connect(), itself while the program is single-threaded
 * (lib/base/direct.h). These commands check that nothing a program can observe
 * changes:
 *
 *   cancel blocked CALL HOW   a thread made by HOW (pthread | thrd) blocks
 *                             in CALL (read | recv | write | send | accept)
 *                             on a loopback socket; main cancels it; prints
 *                             "cancelled" (or "NOT cancelled" after 5 s)
 *   cancel self CALL [--threads]
 *                             single-threaded: pthread_cancel(pthread_self())
 *                             then CALL (those above, or close) where it
 *                             would not block; the cleanup handler prints
 *                             "cancelled at CALL" if it acts there
 *                             (--threads: first "threads=N", the process's
 *                             thread count, sockshim's included)
 *   cancel io N               N send() + recv() of one byte over loopback,
 *                             single-threaded; prints "io N"
 *   cancel conn N             N connections over loopback: socket(),
 *                             connect(), accept(), close() of both ends;
 *                             prints "conn N"
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "cancel: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* A loopback listener (backlog 8), its address in IN. */
static int listener(struct sockaddr_in *in) {
    memset(in, 0, sizeof *in);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof *in;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)in, sizeof *in) != 0 ||
        listen(l, 8) != 0 || getsockname(l, (struct sockaddr *)in, &len))
        die("listener");
    return l;
}

/* A connected loopback TCP pair: ends[0] client, ends[1] accepted. */
static void tcp_pair(int ends[2]) {
    struct sockaddr_in in;
    int l = listener(&in);
    ends[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (ends[0] < 0 || connect(ends[0], (struct sockaddr *)&in, sizeof in))
        die("connect");
    ends[1] = accept(l, NULL, NULL);
    if (ends[1] < 0)
        die("accept");
    close(l);
}

static const char *call_name;
static int call_fd;
static volatile pid_t blocked_tid;

/* The state letter of thread TID (R, S, ...), '?' if unknown. */
static char thread_state(pid_t tid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' ? p[2] : '?';
}

/* "threads=N" from /proc/self/status. */
static void print_threads(void) {
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "Threads:", 8) == 0)
            printf("threads=%d\n", atoi(line + 8));
    if (f != NULL)
        fclose(f);
    fflush(stdout);
}

/* The result of a call made only to block in it, until cancelled: glibc
 * marks read() and write() warn_unused_result under _FORTIFY_SOURCE. */
static void blocked_in(ssize_t result) { (void)result; }

/* Block in (or act at) the call named by call_name. */
static void do_call(void) {
    static char buf[65536];
    if (strcmp(call_name, "read") == 0)
        blocked_in(read(call_fd, buf, sizeof buf));
    else if (strcmp(call_name, "recv") == 0)
        recv(call_fd, buf, sizeof buf, 0);
    else if (strcmp(call_name, "write") == 0)
        for (;;) /* until the send buffer is full, then blocked */
            blocked_in(write(call_fd, buf, sizeof buf));
    else if (strcmp(call_name, "send") == 0)
        for (;;)
            send(call_fd, buf, sizeof buf, 0);
    else if (strcmp(call_name, "accept") == 0)
        accept(call_fd, NULL, NULL); /* nothing ever connects */
}

static void *blocked_thread(void *arg) {
    (void)arg;
    blocked_tid = gettid();
    do_call();
    return NULL;
}

static int blocked_thrd(void *arg) {
    (void)arg;
    blocked_tid = gettid();
    do_call();
    return 0;
}

static int cmd_blocked(const char *call, const char *how) {
    int ends[2];
    tcp_pair(ends);
    call_name = call;
    call_fd = ends[1];
    struct sockaddr_in in;
    if (strcmp(call, "accept") == 0)
        call_fd = listener(&in);
    pthread_t thread;
    if (strcmp(how, "thrd") == 0) {
        thrd_t t;
        if (thrd_create(&t, blocked_thrd, NULL) != thrd_success)
            die("thrd_create");
        thread = (pthread_t)t;
    } else if ((errno = pthread_create(&thread, NULL, blocked_thread, NULL)) !=
               0) {
        die("pthread_create");
    }
    /* Cancel only once the thread sleeps in the call (for write/send:
     * once the send buffer is full), up to 5 s. */
    int waited = 0;
    while ((blocked_tid == 0 || thread_state(blocked_tid) != 'S') &&
           waited++ < 500)
        usleep(10000);
    if (waited > 500) {
        printf("NOT blocked after 5 s\n");
        fflush(stdout);
        _exit(1);
    }
    if ((errno = pthread_cancel(thread)) != 0)
        die("pthread_cancel");
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 5;
    void *result = NULL;
    int rc = pthread_timedjoin_np(thread, &result, &limit);
    if (rc == 0 && result == PTHREAD_CANCELED) {
        printf("cancelled\n");
        return 0;
    }
    printf("NOT cancelled (%s)\n",
           rc == ETIMEDOUT ? "still blocked after 5 s" : "thread returned");
    fflush(stdout);
    _exit(1); /* the blocked thread cannot be joined */
}

static void cleanup(void *arg) {
    (void)arg;
    printf("cancelled at %s\n", call_name);
    fflush(stdout);
}

static int cmd_self(const char *call, int show_threads) {
    int ends[2];
    tcp_pair(ends);
    call_name = call;
    call_fd = strcmp(call, "read") == 0 || strcmp(call, "recv") == 0 ? ends[1]
                                                                     : ends[0];
    if (write(ends[0], "x", 1) != 1) /* data ready: read() would not block */
        die("write");
    /* accept(): a connection is pending, so it would not block. */
    struct sockaddr_in in;
    int l = -1, pending = -1;
    if (strcmp(call, "accept") == 0) {
        l = listener(&in);
        pending = socket(AF_INET, SOCK_STREAM, 0);
        if (pending < 0 || connect(pending, (struct sockaddr *)&in, sizeof in))
            die("connect");
    }
    usleep(20000);
    if (show_threads)
        print_threads();
    pthread_cleanup_push(cleanup, NULL);
    if ((errno = pthread_cancel(pthread_self())) != 0)
        die("pthread_cancel");
    char c;
    if (strcmp(call, "read") == 0)
        blocked_in(read(call_fd, &c, 1));
    else if (strcmp(call, "recv") == 0)
        recv(call_fd, &c, 1, 0);
    else if (strcmp(call, "write") == 0)
        blocked_in(write(call_fd, "y", 1));
    else if (strcmp(call, "accept") == 0)
        accept(l, NULL, NULL);
    else if (strcmp(call, "close") == 0)
        close(call_fd);
    else
        send(call_fd, "y", 1, 0);
    printf("NOT cancelled at %s\n", call);
    pthread_cleanup_pop(0);
    return 0;
}

static int cmd_io(long n) {
    int ends[2];
    tcp_pair(ends);
    char c = 'x';
    for (long i = 0; i < n; i++)
        if (send(ends[0], &c, 1, 0) != 1 || recv(ends[1], &c, 1, 0) != 1)
            die("io");
    printf("io %ld\n", n);
    return 0;
}

static int cmd_conn(long n) {
    struct sockaddr_in in;
    int l = listener(&in);
    for (long i = 0; i < n; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&in, sizeof in) != 0)
            die("conn: connect");
        int a = accept(l, NULL, NULL);
        if (a < 0)
            die("conn: accept");
        if (close(a) != 0 || close(c) != 0)
            die("conn: close");
    }
    close(l);
    printf("conn %ld\n", n);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "blocked") == 0)
        return cmd_blocked(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "self") == 0)
        return cmd_self(argv[2], 0);
    if (argc == 4 && strcmp(argv[1], "self") == 0 &&
        strcmp(argv[3], "--threads") == 0)
        return cmd_self(argv[2], 1);
    if (argc == 3 && strcmp(argv[1], "io") == 0)
        return cmd_io(atol(argv[2]));
    if (argc == 3 && strcmp(argv[1], "conn") == 0)
        return cmd_conn(atol(argv[2]));
    fprintf(stderr, "usage: cancel blocked CALL pthread|thrd | "
                    "self CALL [--threads] | io N | conn N\n");
    return 2;
}
