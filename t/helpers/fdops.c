/*
 * fdops — scripted descriptor sequences for t/e2e/fd-tracking.sh.
 *
 *   fdops SUBCOMMAND [ARGS]
 *
 * Each subcommand runs one sequence of socket and descriptor calls and
 * prints what they returned, one line per step, so that the test can
 * compare a run under sockshim with a run without it, or look for the
 * effect of a policy (SOCKSHIM_NODELAY=on shows as "nodelay=1").
 *
 *   errno                 the errno matrix: every wrapped call failing (and
 *                         a few succeeding), "LABEL rc=N errno=NAME"; errno
 *                         is set to EDOM before each call, so a success
 *                         must print errno=EDOM
 *   dup-policy METHOD [--app-off]   dup the socket (dup, dup2, dup3,
 *                         fcntl-dupfd, fcntl-dupfd-cloexec, fcntl64-dupfd,
 *                         dup2-self) and connect through the copy;
 *                         --app-off: the program first sets TCP_NODELAY=0
 *                         itself on the original
 *   dup2-onto-tracked KIND   dup2 a fresh socket (KIND socket, or raw: made
 *                         with syscall(SYS_socket), unseen) onto a connected
 *                         socket, then connect through that number
 *   stderr-socket         close(2), a socket takes number 2 and connects
 *                         (log events); its peer, a forked child reading
 *                         until EOF (the program's exit), counts the bytes
 *   close-all CLOSER      CLOSER close_range, close_range_cloexec or
 *                         closefrom: close (or mark) every fd from 3 (the
 *                         program's fds below and above the library's
 *                         private one), then make a connection (log events)
 *   logfd                 find the library's private log fd (an fd >= 64
 *                         that is the same file as stderr), close() it, dup2 a
 *                         pipe onto it, make a connection (log events)
 *   highfd                raise RLIMIT_NOFILE, dup2 a socket to limit-1 and
 *                         connect through it
 *   emfile                exhaust RLIMIT_NOFILE (lowered to 256) with
 *                         sockets; every creating call then fails EMFILE;
 *                         free one and go on
 *   reuse CLOSER NEWER    close a connected socket (CLOSER close,
 *                         close_range, closefrom, syscall) and make a new one
 *                         at the same number (NEWER socket, or raw), connect
 *   cloexec               close_range(..., CLOSE_RANGE_CLOEXEC): marked,
 *                         still open and tracked
 *   fork                  a forked child connects; then the parent
 *   spawn PROGRAM | vfork PROGRAM   run PROGRAM (e.g. examples/sockopts)
 *                         with posix_spawn or vfork+execv, then the parent
 *                         connects a socket it made before
 *   spawn-fds             posix_spawn this program without LD_PRELOAD to
 *                         list the descriptors a child inherits
 *   list-fds              print the open descriptors (0..) on one line
 *
 * An ordinary program: it never links sockshim, tests run it under
 * LD_PRELOAD. Exit status 0 when the sequence ran (whatever the calls
 * returned), 2 on a usage or set-up error, 77 for "cannot run here".
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* glibc 2.28 added fcntl64 (what fcntl becomes with _FILE_OFFSET_BITS=64
 * on 32-bit ABIs), 2.34 closefrom. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 28)
#define HAVE_FCNTL64 1
#else
#define HAVE_FCNTL64 0
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

static void die(const char *what) {
    fprintf(stderr, "fdops: %s: %s\n", what, strerror(errno));
    exit(2);
}

static const char *errname(int e) {
    const char *name = strerrorname_np(e);
    return name ? name : "?";
}

/* Print "LABEL rc=RC errno=NAME"; ERROR is errno right after the call. */
static void report(const char *label, long rc, int error) {
    printf("%s rc=%ld errno=%s\n", label, rc, error ? errname(error) : "0");
    fflush(stdout);
}

/* Run EXPR with errno = EDOM and report its result and errno. */
#define CALL(label, expr)                                                      \
    do {                                                                       \
        errno = EDOM;                                                          \
        long rc_ = (long)(expr);                                               \
        int e_ = errno;                                                        \
        report(label, rc_, e_);                                                \
    } while (0)

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

/* A loopback listener on a kernel-chosen port (set-up: dies on error). */
static int make_listener(void) {
    struct sockaddr_in in = loopback(0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket (listener)");
    if (bind(fd, (struct sockaddr *)&in, sizeof in) != 0)
        die("bind (listener)");
    if (listen(fd, 64) != 0)
        die("listen");
    return fd;
}

static int connect_to(int fd, int listener) {
    struct sockaddr_in in = loopback(port_of(listener));
    return connect(fd, (struct sockaddr *)&in, sizeof in);
}

/* TCP_NODELAY of FD as getsockopt() sees it, -1 on error. */
static int nodelay(int fd) {
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0)
        return -1;
    return v;
}

static void print_keepalive(const char *label, int fd) {
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len) != 0)
        v = -1;
    printf("%s keepalive=%d\n", label, v);
    fflush(stdout);
}

static void print_nodelay(const char *label, int fd) {
    printf("%s nodelay=%d\n", label, nodelay(fd));
    fflush(stdout);
}

/* Connect FD to LISTENER, report it, and print its TCP_NODELAY. */
static void connect_and_show(const char *label, int fd, int listener) {
    char text[64];
    snprintf(text, sizeof text, "%s connect", label);
    CALL(text, connect_to(fd, listener));
    print_nodelay(label, fd);
}

static int open_devnull(void) {
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        die("/dev/null");
    return fd;
}

static int raw_socket(void) {
    return (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

/* Raise the soft RLIMIT_NOFILE to the hard one, at most CAP; returns the
 * new soft limit. */
static long raise_nofile(rlim_t cap) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit");
    rlim_t want =
        rl.rlim_max == RLIM_INFINITY || rl.rlim_max > cap ? cap : rl.rlim_max;
    if (want > rl.rlim_cur) {
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            die("setrlimit");
    }
    return (long)rl.rlim_cur;
}

/* --- errno matrix ------------------------------------------------------ */

/* The read and write families, which sockshim may make as system calls
 * of its own (lib/base/direct.h): every one succeeding, at EOF, and failing
 * the ways a program meets (bad fd, not a socket, nothing to read on a
 * non-blocking socket, bad pointer, bad count, peer gone). LISTENER is
 * a listening loopback socket; DEVNULL /dev/null. */
static void io_matrix(int listener, int devnull) {
    /* Volatile: the compiler must not see (and warn about) the bad
     * arguments these calls pass on purpose. */
    volatile int minus_one = -1;
    void *volatile bad_pointer = (void *)1;
    char buf[64] = "hello";
    struct iovec iov = {buf, sizeof buf}, iov_bad = {(void *)1, 8};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    struct msghdr msg_bad = {.msg_iov = &iov_bad, .msg_iovlen = 1};
    struct sockaddr_in from, in = loopback(port_of(listener));
    socklen_t from_len = sizeof from;

    int c = socket(AF_INET, SOCK_STREAM, 0);
    report("io_socket", c, 0);
    CALL("io_connect", connect(c, (struct sockaddr *)&in, sizeof in));
    struct pollfd pfd = {.fd = listener, .events = POLLIN};
    poll(&pfd, 1, 5000);
    int s = accept(listener, NULL, NULL);
    report("io_accept", s, 0);
    CALL("io_nonblock", fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK));

    CALL("write_ok", write(c, buf, 5));
    CALL("writev_ok", writev(c, &iov, 1));
    CALL("send_ok", send(c, buf, 7, 0));
    CALL("sendto_ok_no_addr", sendto(c, buf, 3, 0, NULL, 0));
    CALL("sendmsg_ok", sendmsg(c, &msg, 0));
    CALL("sendto_connected_with_addr",
         sendto(c, buf, 3, 0, (struct sockaddr *)&in, sizeof in));
    pfd.fd = s;
    poll(&pfd, 1, 5000);
    usleep(20000); /* all of it in s's queue */
    CALL("read_ok", read(s, buf, 5));
    CALL("readv_ok", readv(s, &iov, 1));
    CALL("recv_ok", recv(s, buf, 7, 0));
    CALL("recvfrom_ok",
         recvfrom(s, buf, 3, 0, (struct sockaddr *)&from, &from_len));
    printf("recvfrom_ok from_len=%u\n", (unsigned)from_len);
    CALL("recvmsg_ok", recvmsg(s, &msg, 0));
    CALL("recv_peek_empty_nonblock", recv(s, buf, 1, MSG_PEEK));
    CALL("read_eagain", read(s, buf, sizeof buf));
    CALL("readv_eagain", readv(s, &iov, 1));
    CALL("recv_eagain", recv(s, buf, sizeof buf, 0));
    CALL("recvfrom_eagain", recvfrom(s, buf, sizeof buf, 0, NULL, NULL));
    CALL("recvmsg_eagain", recvmsg(s, &msg, 0));
    CALL("recv_dontwait_blocking_fd", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    CALL("read_zero_bytes", read(s, buf, 0));
    CALL("recv_zero_bytes", recv(s, buf, 0, 0));
    CALL("readv_negative_count", readv(s, &iov, minus_one));
    CALL("writev_negative_count", writev(c, &iov, minus_one));
    CALL("writev_zero_count", writev(c, &iov, 0));
    CALL("recv_bad_flags", recv(s, buf, sizeof buf, MSG_OOB));

    CALL("read_bad_fd", read(-1, buf, 1));
    CALL("write_bad_fd", write(777, buf, 1));
    CALL("readv_bad_fd", readv(-1, &iov, 1));
    CALL("writev_bad_fd", writev(-1, &iov, 1));
    CALL("recv_bad_fd", recv(-1, buf, 1, 0));
    CALL("send_bad_fd", send(-1, buf, 1, 0));
    CALL("recvfrom_bad_fd", recvfrom(-1, buf, 1, 0, NULL, NULL));
    CALL("sendto_bad_fd", sendto(-1, buf, 1, 0, NULL, 0));
    CALL("recvmsg_bad_fd", recvmsg(-1, &msg, 0));
    CALL("sendmsg_bad_fd", sendmsg(-1, &msg, 0));
    CALL("recv_not_socket", recv(devnull, buf, 1, 0));
    CALL("send_not_socket", send(devnull, buf, 1, 0));
    CALL("recvmsg_not_socket", recvmsg(devnull, &msg, 0));
    CALL("sendmsg_not_socket", sendmsg(devnull, &msg, 0));
    CALL("read_devnull_eof", read(devnull, buf, sizeof buf));
    CALL("write_devnull_ok", write(devnull, buf, sizeof buf));
    CALL("write_bad_pointer", write(c, bad_pointer, 8));
    CALL("send_bad_pointer", send(c, bad_pointer, 8, 0));
    CALL("writev_bad_iov", writev(c, (struct iovec *)bad_pointer, 1));
    CALL("sendmsg_bad_msg", sendmsg(c, (struct msghdr *)bad_pointer, 0));
    CALL("sendmsg_bad_iov", sendmsg(c, &msg_bad, 0));
    CALL("recvmsg_null_msg", recvmsg(s, NULL, 0));
    CALL("sendto_bad_addr", sendto(socket(AF_INET, SOCK_DGRAM, 0), buf, 1, 0,
                                   (struct sockaddr *)1, sizeof in));
    CALL("send_unconnected",
         send(socket(AF_INET, SOCK_STREAM, 0), buf, 1, MSG_NOSIGNAL));

    /* The peer closes: EOF through each read call, then EPIPE. */
    CALL("io_close_client", close(c));
    poll(&pfd, 1, 5000);
    CALL("read_eof", read(s, buf, sizeof buf));
    CALL("readv_eof", readv(s, &iov, 1));
    CALL("recv_eof", recv(s, buf, sizeof buf, 0));
    CALL("recvfrom_eof", recvfrom(s, buf, sizeof buf, 0, NULL, NULL));
    CALL("recvmsg_eof", recvmsg(s, &msg, 0));
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    /* The first write after the peer's close is answered with a RST... */
    CALL("send_after_peer_close", send(s, buf, 1, 0));
    usleep(20000);
    /* ...after which writes fail. */
    CALL("write_epipe", write(s, buf, 1));
    CALL("writev_epipe", writev(s, &iov, 1));
    CALL("send_epipe", send(s, buf, 1, 0));
    CALL("sendto_epipe", sendto(s, buf, 1, 0, NULL, 0));
    CALL("sendmsg_epipe", sendmsg(s, &msg, 0));
    signal(SIGPIPE, old);
    CALL("io_close_server", close(s));
}

static int cmd_errno(void) {
    int devnull = open_devnull();
    int sv[2], one = 1;
    socklen_t len;
    struct sockaddr_in in;

    CALL("socket_bad_domain", socket(12345, SOCK_STREAM, 0));
    CALL("socket_bad_type", socket(AF_INET, 12345, 0));
    CALL("socket_bad_protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    CALL("socketpair_inet", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    CALL("socketpair_ok", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_listener", listener, 0);
    in = loopback(0);
    CALL("bind_listener", bind(listener, (struct sockaddr *)&in, sizeof in));
    CALL("listen_ok", listen(listener, 8));
    CALL("listen_again", listen(listener, 8));
    CALL("bind_twice", bind(listener, (struct sockaddr *)&in, sizeof in));
    unsigned short lport = port_of(listener);

    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_s2", s2, 0);
    in = loopback(lport);
    CALL("bind_in_use", bind(s2, (struct sockaddr *)&in, sizeof in));
    CALL("bind_short_len", bind(s2, (struct sockaddr *)&in, 1));
    CALL("bind_not_socket", bind(devnull, (struct sockaddr *)&in, sizeof in));
    CALL("bind_bad_fd", bind(-1, (struct sockaddr *)&in, sizeof in));
    CALL("bind_bad_pointer", bind(s2, (struct sockaddr *)1, sizeof in));
    CALL("listen_not_socket", listen(devnull, 1));
    CALL("listen_bad_fd", listen(-1, 1));
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    report("socket_udp", udp, 0);
    CALL("listen_udp", listen(udp, 1));

    CALL("accept_not_listening", accept(s2, NULL, NULL));
    CALL("accept_bad_fd", accept(-1, NULL, NULL));
    CALL("accept_not_socket", accept(devnull, NULL, NULL));
    CALL("accept4_bad_flags", accept4(listener, NULL, NULL, 0x12345));
    CALL("fcntl_setfl_nonblock",
         fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK));
    CALL("accept_nothing_pending", accept(listener, NULL, NULL));
    CALL("accept4_nothing_pending",
         accept4(listener, NULL, NULL, SOCK_CLOEXEC));

    /* A port that is bound but not listening refuses connections. */
    int closed = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_closed_port", closed, 0);
    in = loopback(0);
    CALL("bind_closed_port", bind(closed, (struct sockaddr *)&in, sizeof in));
    int c1 = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_c1", c1, 0);
    in = loopback(port_of(closed));
    CALL("connect_refused", connect(c1, (struct sockaddr *)&in, sizeof in));
    CALL("connect_bad_fd", connect(-1, (struct sockaddr *)&in, sizeof in));
    CALL("connect_not_socket",
         connect(devnull, (struct sockaddr *)&in, sizeof in));
    CALL("connect_short_len", connect(s2, (struct sockaddr *)&in, 3));
    CALL("connect_bad_pointer", connect(s2, (struct sockaddr *)1, sizeof in));
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    CALL("connect_wrong_family",
         connect(s2, (struct sockaddr *)&in6, sizeof in6));
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_c2", c2, 0);
    in = loopback(lport);
    CALL("connect_ok", connect(c2, (struct sockaddr *)&in, sizeof in));
    CALL("connect_again", connect(c2, (struct sockaddr *)&in, sizeof in));
    struct pollfd pfd = {.fd = listener, .events = POLLIN};
    poll(&pfd, 1, 5000);
    CALL("accept_ok", accept(listener, NULL, NULL));

    CALL("setsockopt_bad_level", setsockopt(c2, 12345, 1, &one, sizeof one));
    CALL("setsockopt_bad_optname",
         setsockopt(c2, IPPROTO_TCP, 12345, &one, sizeof one));
    CALL("setsockopt_nodelay_efault",
         setsockopt(c2, IPPROTO_TCP, TCP_NODELAY, (void *)1, sizeof one));
    CALL("setsockopt_keepalive_efault",
         setsockopt(c2, SOL_SOCKET, SO_KEEPALIVE, (void *)1, sizeof one));
    CALL("setsockopt_nodelay_short",
         setsockopt(c2, IPPROTO_TCP, TCP_NODELAY, &one, 1));
    CALL("setsockopt_not_socket",
         setsockopt(devnull, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    CALL("setsockopt_bad_fd",
         setsockopt(-1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    int fresh = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_fresh", fresh, 0);
    CALL("setsockopt_fresh_keepalive_efault",
         setsockopt(fresh, SOL_SOCKET, SO_KEEPALIVE, (void *)1, sizeof one));
    CALL("setsockopt_fresh_keepidle_zero",
         setsockopt(fresh, IPPROTO_TCP, TCP_KEEPIDLE, &(int){0}, sizeof one));
    CALL("setsockopt_fresh_nodelay_off",
         setsockopt(fresh, IPPROTO_TCP, TCP_NODELAY, &(int){0}, sizeof one));
    CALL("setsockopt_connected_nodelay_off",
         setsockopt(c2, IPPROTO_TCP, TCP_NODELAY, &(int){0}, sizeof one));
    /* enforce mode: the program's own value stands */
    printf("connected_nodelay_after_app_off=%d\n", nodelay(c2));
    len = sizeof one;
    CALL("getsockopt_bad_fd", getsockopt(-1, SOL_SOCKET, SO_TYPE, &one, &len));

    io_matrix(listener, devnull);

    CALL("shutdown_not_connected", shutdown(fresh, SHUT_RDWR));
    CALL("shutdown_bad_how", shutdown(c2, 12345));
    CALL("shutdown_not_socket", shutdown(devnull, SHUT_RDWR));
    CALL("shutdown_bad_fd", shutdown(-1, SHUT_RDWR));

    CALL("close_minus_one", close(-1));
    CALL("close_never_opened", close(777));
    CALL("close_ok", close(c1));
    CALL("close_again", close(c1));

    CALL("dup_bad_fd", dup(-1));
    CALL("dup_never_opened", dup(777));
    CALL("dup_ok", dup(c2));
    CALL("dup2_to_minus_one", dup2(c2, -1));
    CALL("dup2_from_bad_fd", dup2(-1, 20));
    CALL("dup2_same", dup2(c2, c2));
    CALL("dup2_same_bad_fd", dup2(777, 777));
    CALL("dup2_too_large", dup2(c2, INT_MAX));
    CALL("dup2_ok", dup2(c2, 20));
    CALL("dup3_same", dup3(c2, c2, 0));
    CALL("dup3_bad_flags", dup3(c2, 21, 0x12345));
    CALL("dup3_bad_fd", dup3(-1, 21, 0));
    CALL("dup3_ok", dup3(c2, 21, O_CLOEXEC));
    CALL("fcntl_dupfd_bad_fd", fcntl(-1, F_DUPFD, 0));
    CALL("fcntl_dupfd_negative", fcntl(c2, F_DUPFD, -1));
    CALL("fcntl_dupfd_too_large", fcntl(c2, F_DUPFD, INT_MAX));
    CALL("fcntl_dupfd_ok", fcntl(c2, F_DUPFD, 40));
    CALL("fcntl_dupfd_cloexec_ok", fcntl(c2, F_DUPFD_CLOEXEC, 40));
    CALL("fcntl_getfd_bad_fd", fcntl(777, F_GETFD));
    CALL("fcntl_bad_cmd", fcntl(c2, 12345));
#if HAVE_FCNTL64
    CALL("fcntl64_dupfd_bad_fd", fcntl64(-1, F_DUPFD, 0));
    CALL("fcntl64_dupfd_ok", fcntl64(c2, F_DUPFD, 40));
#else
    CALL("fcntl64_dupfd_bad_fd", fcntl(-1, F_DUPFD, 0));
    CALL("fcntl64_dupfd_ok", fcntl(c2, F_DUPFD, 40));
#endif
    CALL("close_range_inverted", close_range(5, 2, 0));
    CALL("close_range_bad_flags", close_range(40, 42, 0x12345));
    CALL("close_range_ok", close_range(40, 42, 0));
    CALL("close_range_cloexec_ok", close_range(20, 21, CLOSE_RANGE_CLOEXEC));
    CALL("fcntl_getfd_after_cloexec", fcntl(20, F_GETFD));
    CALL("close_range_nothing_open", close_range(500, 600, 0));
    CALL("fcntl_getfd_after_close_range", fcntl(40, F_GETFD));
    return 0;
}

/* --- policy follows the dup family ----------------------------------- */

static int cmd_dup_policy(const char *method, int app_off) {
    int listener = make_listener();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        die("socket");
    /* The program's own choice, made before the dup, must follow the copy
     * (enforce mode keeps it): sockshim only knows it from its table. */
    if (app_off)
        CALL("app_nodelay_off",
             setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &(int){0}, sizeof(int)));
    int d;
    errno = 0;
    if (strcmp(method, "dup") == 0)
        d = dup(s);
    else if (strcmp(method, "dup2") == 0)
        d = dup2(s, 30);
    else if (strcmp(method, "dup3") == 0)
        d = dup3(s, 30, O_CLOEXEC);
    else if (strcmp(method, "fcntl-dupfd") == 0)
        d = fcntl(s, F_DUPFD, 30);
    else if (strcmp(method, "fcntl-dupfd-cloexec") == 0)
        d = fcntl(s, F_DUPFD_CLOEXEC, 30);
#if HAVE_FCNTL64
    else if (strcmp(method, "fcntl64-dupfd") == 0)
        d = fcntl64(s, F_DUPFD, 30);
#endif
    else if (strcmp(method, "dup2-self") == 0)
        d = dup2(s, s);
    else {
        fprintf(stderr, "fdops: unknown dup method %s\n", method);
        return 2;
    }
    report(method, d, d < 0 ? errno : 0);
    if (d < 0)
        return 0;
    CALL("connect_through_copy", connect_to(d, listener));
    print_nodelay("original", s);
    print_nodelay("copy", d);
    print_keepalive("original", s);
    return 0;
}

/* dup2 a fresh socket onto a connected (tracked) one; then connect. */
static int cmd_dup2_onto_tracked(const char *kind) {
    int listener = make_listener();
    int target = socket(AF_INET, SOCK_STREAM, 0);
    if (target < 0 || connect_to(target, listener) != 0)
        die("connect (target)");
    int fresh = strcmp(kind, "raw") == 0 ? raw_socket()
                                         : socket(AF_INET, SOCK_STREAM, 0);
    if (fresh < 0)
        die("socket (fresh)");
    CALL("dup2_onto_connected", dup2(fresh, target) == target);
    CALL("close_fresh", close(fresh));
    connect_and_show("through_target", target, listener);
    return 0;
}

/* --- our log fd: invisible and protected ----------------------------- */

/* Bytes readable on FD within MS milliseconds (drained). */
static long drain(int fd, int ms) {
    long total = 0;
    char buf[4096];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (poll(&pfd, 1, ms) == 1) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        total += n;
    }
    return total;
}

/* The peer of the socket that takes fd 2 lives in a child, which reads
 * until EOF: whatever sockshim writes, even at the parent's exit, counts. */
static int cmd_stderr_socket(void) {
    int listener = make_listener();
    unsigned short port = port_of(listener);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        struct pollfd pfd = {.fd = listener, .events = POLLIN};
        if (poll(&pfd, 1, 10000) != 1)
            die("poll (reader)");
        int peer = accept(listener, NULL, NULL);
        if (peer < 0)
            die("accept (reader)");
        long total = 0;
        int eof = 0;
        char buf[4096];
        pfd.fd = peer;
        while (!eof && poll(&pfd, 1, 10000) == 1) {
            ssize_t n = read(peer, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                eof = 1;
            else
                total += n;
        }
        printf("peer_bytes=%ld eof=%d\n", total, eof);
        fflush(stdout);
        _exit(0);
    }
    close(listener);
    CALL("close_stderr", close(2));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("socket_number=%d\n", s);
    struct sockaddr_in in = loopback(port);
    CALL("socket_on_2 connect", connect(s, (struct sockaddr *)&in, sizeof in));
    print_nodelay("socket_on_2", s);
    /* More events: another connection, an override of the policy. */
    int other = socket(AF_INET, SOCK_STREAM, 0);
    CALL("other connect", connect(other, (struct sockaddr *)&in, sizeof in));
    CALL("app_nodelay_off",
         setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &(int){0}, sizeof(int)));
    /* Exit with both sockets open: exit-time reports happen now. */
    return 0;
}

/* The library's private log fd: a descriptor >= 64 that is the same file
 * as stderr (sockshim places it at 1000, or 24 below a soft RLIMIT_NOFILE
 * of 1024 or less); -1 when there is none. */
static int find_private_fd(void) {
    struct stat err, st;
    if (fstat(2, &err) != 0)
        return -1;
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        return -1;
    int found = -1;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        int fd = atoi(de->d_name);
        if (fd >= 64 && fd != dirfd(dir) && fstat(fd, &st) == 0 &&
            st.st_dev == err.st_dev && st.st_ino == err.st_ino)
            found = fd;
    }
    closedir(dir);
    return found;
}

/* Is FD open? (fcntl F_GETFD, reported as its errno) */
static void show_open(const char *label, int fd) {
    errno = 0;
    int rc = fcntl(fd, F_GETFD);
    printf("%s %s\n", label, rc >= 0 ? "open" : errname(errno));
}

/* sockshim opens its copy of stderr at the process's first socket (or
 * first line): make one, so that the copy is there to be found. */
static void first_socket(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s >= 0)
        close(s);
}

static int cmd_close_all(const char *closer) {
    int limit = (int)raise_nofile(4096);
    first_socket();
    int ours = find_private_fd();
    printf("private_fd=%s\n", ours >= 0 ? "found" : "none");
    if (ours < 0)
        ours = limit / 2 < 1000 ? limit / 2 : 1000;
    int devnull = open_devnull();
    /* The program's own descriptors: low ones, both neighbours of ours,
     * and high ones up to the limit. */
    int mine[] = {devnull,  dup(devnull),       dup(devnull), ours - 1,
                  ours + 1, (ours + limit) / 2, limit - 1};
    int n = sizeof mine / sizeof mine[0];
    for (int i = 3; i < n; i++) {
        if (dup2(devnull, mine[i]) != mine[i])
            die("dup2");
    }
    int s = socket(AF_INET, SOCK_STREAM, 0); /* a tracked socket too */
    if (s < 0)
        die("socket");
    if (strcmp(closer, "close_range") == 0) {
        CALL("close_range_3_max", close_range(3, ~0U, 0));
    } else if (strcmp(closer, "closefrom") == 0) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
        closefrom(3);
        printf("closefrom done\n");
#else
        printf("skip: no closefrom in this libc\n");
        return 77;
#endif
    } else if (strcmp(closer, "close_range_cloexec") == 0) {
        CALL("close_range_3_max_cloexec",
             close_range(3, ~0U, CLOSE_RANGE_CLOEXEC));
    } else {
        fprintf(stderr, "fdops: unknown closer %s\n", closer);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "mine[%d]", i);
        show_open(label, mine[i]);
    }
    show_open("socket", s);
    /* Log events after the close: a listener and a connection. */
    int listener = make_listener();
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect_and_show("after", c, listener);
    fprintf(stderr, "fdops: end of sequence\n");
    return 0;
}

static int cmd_logfd(void) {
    first_socket();
    int ours = find_private_fd();
    if (ours < 0) {
        printf("private_fd=none\n");
        return 0;
    }
    printf("private_fd=found\n");
    /* close() of a descriptor the program never opened: EBADF. */
    CALL("close_private_fd", close(ours));
    int listener = make_listener();
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect_and_show("after_close", c, listener);
    fprintf(stderr, "fdops: marker 1\n");

    /* The program takes the number for itself. */
    int p[2];
    if (pipe2(p, O_NONBLOCK) != 0)
        die("pipe");
    CALL("dup2_pipe_onto_private_fd", dup2(p[1], ours) == ours);
    close(p[1]);
    struct stat st;
    printf("taken_fd_is_pipe=%d\n",
           fstat(ours, &st) == 0 && S_ISFIFO(st.st_mode));
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    connect_and_show("after_dup2", c2, listener);
    fprintf(stderr, "fdops: marker 2\n");
    printf("pipe_bytes=%ld\n", drain(p[0], 200));
    printf("private_fd_moved=%s\n", find_private_fd() >= 0 ? "yes" : "no");
    CALL("close_taken_fd", close(ours));
    int c3 = socket(AF_INET, SOCK_STREAM, 0);
    connect_and_show("after_close_taken", c3, listener);
    fprintf(stderr, "fdops: marker 3\n");
    return 0;
}

/* --- high fds, EMFILE ------------------------------------------------ */

static int cmd_highfd(void) {
    long limit = raise_nofile(65536);
    int listener = make_listener();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        die("socket");
    int high = (int)limit - 1;
    CALL("dup2_to_limit_minus_1", dup2(s, high) == high);
    CALL("close_original", close(s));
    connect_and_show("high", high, listener);
    CALL("dup2_to_limit", dup2(high, (int)limit));
    CALL("fcntl_dupfd_limit", fcntl(high, F_DUPFD, (int)limit));
    CALL("close_high", close(high));
    CALL("close_high_again", close(high));
    return 0;
}

static int cmd_emfile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit");
    if (rl.rlim_cur > 256) {
        rl.rlim_cur = 256;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            die("setrlimit");
    }
    int listener = make_listener();
    int pending = socket(AF_INET, SOCK_STREAM, 0);
    if (pending < 0 || connect_to(pending, listener) != 0)
        die("connect (pending)");
    int last = -1, count = 0, error = 0;
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            error = errno;
            break;
        }
        last = fd;
        count++;
    }
    printf("sockets_until_failure=%d errno=%s\n", count, errname(error));
    int sv[2];
    CALL("socket_at_limit", socket(AF_INET, SOCK_STREAM, 0));
    CALL("socketpair_at_limit", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CALL("accept_at_limit", accept(listener, NULL, NULL));
    CALL("dup_at_limit", dup(0));
    CALL("fcntl_dupfd_at_limit", fcntl(0, F_DUPFD, 0));
    CALL("open_at_limit", open("/dev/null", O_RDONLY));
    CALL("close_one", close(last));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    report("socket_after_close", s == last, 0);
    connect_and_show("after_emfile", s, listener);
    return 0;
}

/* --- closing paths, then the number reused --------------------------- */

static int cmd_reuse(const char *closer, const char *newer) {
    int listener = make_listener();
    int old = socket(AF_INET, SOCK_STREAM, 0);
    if (old < 0 || connect_to(old, listener) != 0)
        die("connect (old)");
    if (strcmp(closer, "close") == 0) {
        CALL("close", close(old));
    } else if (strcmp(closer, "close_range") == 0) {
        CALL("close_range", close_range(old, old, 0));
    } else if (strcmp(closer, "syscall") == 0) {
        CALL("syscall_close", syscall(SYS_close, old));
    } else if (strcmp(closer, "closefrom") == 0) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
        /* keep 0..2 and the listener below OLD */
        closefrom(old);
        printf("closefrom done\n");
#else
        printf("skip: no closefrom in this libc\n");
        return 77;
#endif
    } else {
        fprintf(stderr, "fdops: unknown closer %s\n", closer);
        return 2;
    }
    int fresh = strcmp(newer, "raw") == 0 ? raw_socket()
                                          : socket(AF_INET, SOCK_STREAM, 0);
    report("same_number", fresh == old, 0);
    connect_and_show("fresh", fresh, listener);
    return 0;
}

static int cmd_cloexec(void) {
    int listener = make_listener();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        die("socket");
    CALL("close_range_cloexec", close_range(s, s, CLOSE_RANGE_CLOEXEC));
    CALL("getfd", fcntl(s, F_GETFD));
    connect_and_show("marked", s, listener);
    return 0;
}

/* --- fork, posix_spawn, vfork ---------------------------------------- */

static int cmd_fork(void) {
    int listener = make_listener();
    int before = socket(AF_INET, SOCK_STREAM, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        connect_and_show("child", c, listener);
        connect_and_show("child_inherited", before, listener);
        fflush(stdout);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
    printf("child_status=%d\n", status);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect_and_show("parent", c, listener);
    return 0;
}

static int cmd_spawn(const char *how, const char *program) {
    int listener = make_listener();
    int before = socket(AF_INET, SOCK_STREAM, 0);
    char *argv[] = {(char *)program, NULL};
    pid_t pid;
    fflush(stdout);
    if (strcmp(how, "spawn") == 0) {
        int rc = posix_spawn(&pid, program, NULL, NULL, argv, environ);
        if (rc != 0) {
            errno = rc;
            die("posix_spawn");
        }
    } else {
        pid = vfork();
        if (pid < 0)
            die("vfork");
        if (pid == 0) {
            execv(program, argv);
            _exit(127);
        }
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
    printf("child_status=%d\n", status);
    connect_and_show("parent_before", before, listener);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect_and_show("parent_after", c, listener);
    return 0;
}

static int cmd_list_fds(void) {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        die("/proc/self/fd");
    char seen[65536] = {0};
    int max = -1;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        int fd = atoi(de->d_name);
        if (fd == dirfd(dir))
            continue;
        if (fd < (int)sizeof seen) {
            seen[fd] = 1;
            if (fd > max)
                max = fd;
        }
    }
    closedir(dir);
    printf("fds:");
    for (int fd = 0; fd <= max; fd++)
        if (seen[fd])
            printf(" %d", fd);
    printf("\n");
    return 0;
}

static int cmd_spawn_fds(void) {
    int listener = make_listener(); /* a few descriptors of our own */
    (void)listener;
    char *argv[] = {"fdops", "list-fds", NULL};
    /* The child runs without the library, so what it lists is exactly what
     * it inherited. */
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    pid_t pid;
    fflush(stdout);
    int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, env);
    if (rc != 0) {
        errno = rc;
        die("posix_spawn");
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
    printf("child_status=%d\n", status);
    return 0;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "errno") == 0 && argc == 2)
        return cmd_errno();
    if (strcmp(cmd, "dup-policy") == 0 && argc == 3)
        return cmd_dup_policy(argv[2], 0);
    if (strcmp(cmd, "dup-policy") == 0 && argc == 4 &&
        strcmp(argv[3], "--app-off") == 0)
        return cmd_dup_policy(argv[2], 1);
    if (strcmp(cmd, "dup2-onto-tracked") == 0 && argc == 3)
        return cmd_dup2_onto_tracked(argv[2]);
    if (strcmp(cmd, "stderr-socket") == 0 && argc == 2)
        return cmd_stderr_socket();
    if (strcmp(cmd, "close-all") == 0 && argc == 3)
        return cmd_close_all(argv[2]);
    if (strcmp(cmd, "logfd") == 0 && argc == 2)
        return cmd_logfd();
    if (strcmp(cmd, "highfd") == 0 && argc == 2)
        return cmd_highfd();
    if (strcmp(cmd, "emfile") == 0 && argc == 2)
        return cmd_emfile();
    if (strcmp(cmd, "reuse") == 0 && argc == 4)
        return cmd_reuse(argv[2], argv[3]);
    if (strcmp(cmd, "cloexec") == 0 && argc == 2)
        return cmd_cloexec();
    if (strcmp(cmd, "fork") == 0 && argc == 2)
        return cmd_fork();
    if ((strcmp(cmd, "spawn") == 0 || strcmp(cmd, "vfork") == 0) && argc == 3)
        return cmd_spawn(cmd, argv[2]);
    if (strcmp(cmd, "spawn-fds") == 0 && argc == 2)
        return cmd_spawn_fds();
    if (strcmp(cmd, "list-fds") == 0 && argc == 2)
        return cmd_list_fds();
    fprintf(stderr, "usage: fdops SUBCOMMAND [ARGS] (see the source)\n");
    return 2;
}
