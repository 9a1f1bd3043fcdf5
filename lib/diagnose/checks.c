/*
 * checks.c — close/shutdown/write misuse, address and backlog trouble
 * (see checks.h for the contract).
 *
 * Every check runs after the program's own call has been decided by the
 * kernel (or, for close, just before it), reads the facts it needs from
 * the kernel (FIONREAD, SO_LINGER, TCP_INFO, sock_diag), and never changes
 * what the program sees: errno is saved and restored by the hooks.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/checks.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>

#include "base/clock.h"
#include "base/real.h"
#include "config/configuration.h"
#include "diagnose/closewait.h"
#include "diagnose/identity.h"
#include "diagnose/report.h"
#include "diagnose/sockdiag.h"
#include "output/event.h"
#include "output/log.h"
#include "output/sockaddr.h"
#include "output/stack.h"

void checks_init(void) {
    /* On failure stack_capture() stays off: every stack id is then 0. */
    if (config.diag.stacks)
        stack_init(config.diag.stack_depth);
}

void checks_socket_created(struct fd_slot *slot) {
    if (report_socket_created()) {
        log_first_socket();
        /* A destination that could not be opened is reported now, while
         * stderr is still the program's original one. */
        event_report_log_fallback();
    }
    slot->create_stack = stack_capture();
    __atomic_fetch_or(&slot->flags, FD_CREATED, __ATOMIC_RELEASE);
}

/* Finish an event with its stacks: the call's, then the creation's. */
static void end_with_stacks(struct event *ev, const char *call,
                            uint32_t call_stack, uint32_t create_stack) {
    char label[48];
    struct outbuf ob;
    ob_init(&ob, label, sizeof label);
    ob_str(&ob, call);
    ob_str(&ob, "() at");
    event_stack(ev, "stack", label, call_stack);
    event_stack(ev, "created_at", "socket created at", create_stack);
    event_end(ev);
}

/* SO_LINGER {1,0} on FD, set by the program (the policy's own linger is
 * the user's choice, not a misuse). */
static int abortive_linger(int fd, const struct fd_slot *slot) {
    if (!(fdtab_app_set(slot) & ITEM_BIT(ITEM_LINGER)))
        return 0;
    struct linger l;
    socklen_t len = sizeof l;
    return real_getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) == 0 &&
           l.l_onoff && l.l_linger == 0;
}

/* close() of FD under SO_LINGER {1,0}: the kernel resets the connection.
 * That is a program's deliberate way to skip TIME_WAIT (haproxy closes
 * finished backend connections so), harmless when nothing is in flight;
 * reported only when data dies with it: bytes the program never read
 * (FLAGS without FD_EOF_READ), or bytes it sent that the peer has not
 * acknowledged yet (SIOCOUTQ counts them, sent or still queued). */
static void report_abortive_close(int fd, struct fd_slot *slot, uint32_t flags,
                                  uint32_t call_stack) {
    int unread = 0, unacked = 0;
    if (!(flags & FD_EOF_READ) && ioctl(fd, FIONREAD, &unread) != 0)
        unread = 0;
    if (ioctl(fd, SIOCOUTQ, &unacked) != 0)
        unacked = 0;
    if ((unread <= 0 && unacked <= 0) || !identity_confirm(fd, slot))
        return;
    if (call_stack == 0)
        call_stack = stack_capture();
    struct event ev;
    if (!report_begin(&ev, EV_ABORTIVE_CLOSE, fd, call_stack,
                      slot->create_stack))
        return;
    event_socket(&ev, fd, slot, NULL, 0);
    event_str(&ev, "linger", "on:0s");
    event_int(&ev, "unread", unread);
    event_int(&ev, "unacked", unacked);
    event_why(&ev, "close() under SO_LINGER {1,0} makes the kernel send "
                   "RST instead of FIN and throw away what is still in "
                   "flight: data the peer sent and the program never read, "
                   "data the program sent that the peer has not acknowledged");
    end_with_stacks(&ev, "close", call_stack, slot->create_stack);
}

void checks_before_close(int fd, struct fd_slot *slot) {
    uint32_t flags = fdtab_flags(slot);
    if (!(flags & FD_TRACKED)) {
        /* Not a socket of ours: an old close stack at this number would
         * only mislead a later double close. */
        if (slot != NULL && slot->close_stack != 0)
            slot->close_stack = 0;
        return;
    }
    /* Every close's stack is kept for a later double_close; without that
     * check it is captured only when this close is reported. */
    uint32_t call_stack = event_enabled(EV_DOUBLE_CLOSE) ? stack_capture() : 0;
    slot->close_stack = call_stack;
    closewait_before_close(fd, slot);
    /* A connection shared with another process or descriptor is not
     * ended by this close: nothing is lost yet. */
    if (!fdtab_is_connection(flags, slot) || (flags & FD_SHARED))
        return;
    if (event_enabled(EV_ABORTIVE_CLOSE) && abortive_linger(fd, slot)) {
        report_abortive_close(fd, slot, flags, call_stack);
        return;
    }
    /* A slot left by a close sockshim did not see may stand for a file
     * now, and FIONREAD counts a file's unread bytes too. */
    int unread = 0;
    if (!event_enabled(EV_CLOSE_UNREAD) || (flags & FD_EOF_READ) ||
        ioctl(fd, FIONREAD, &unread) != 0 || unread <= 0 ||
        !identity_confirm(fd, slot))
        return;
    if (call_stack == 0)
        call_stack = stack_capture();
    struct event ev;
    if (!report_begin(&ev, EV_CLOSE_UNREAD, fd, call_stack, slot->create_stack))
        return;
    event_socket(&ev, fd, slot, NULL, 0);
    event_int(&ev, "unread", unread);
    event_why(&ev, "closing a socket with unread data makes the kernel send "
                   "RST, not FIN: the peer may get ECONNRESET and lose data "
                   "it has not read yet");
    end_with_stacks(&ev, "close", call_stack, slot->create_stack);
}

void checks_close_failed(int fd, int err, uint32_t earlier) {
    if (err != EBADF || !event_enabled(EV_DOUBLE_CLOSE))
        return;
    uint32_t call_stack = stack_capture();
    struct event ev;
    if (!report_begin(&ev, EV_DOUBLE_CLOSE, fd, call_stack, earlier))
        return;
    event_str(&ev, "errno", "EBADF");
    event_why(&ev, earlier != 0
                       ? "this descriptor was already closed: a second "
                         "close() may close a socket or file another thread "
                         "has opened at the same number since"
                       : "close() of a descriptor that is not open: in a "
                         "threaded program it may close another thread's "
                         "newly opened socket or file");
    event_stack(&ev, "stack", "close() at", call_stack);
    event_stack(&ev, "closed_at", "first closed at", earlier);
    event_end(&ev);
}

void checks_shutdown(int fd, int how, int rc, int err) {
    struct fd_slot *slot = fdtab_peek(fd);
    uint32_t flags = fdtab_flags(slot);
    uint32_t asked = how == SHUT_RD   ? FD_SHUT_RD
                     : how == SHUT_WR ? FD_SHUT_WR
                                      : FD_SHUT_RD | FD_SHUT_WR;
    /* Recorded whatever the checks: write_after_shutdown needs it too. */
    if (rc == 0 && (flags & FD_TRACKED))
        fdtab_add_flags(slot, asked);
    /* shutdown() of a listener is no misuse: on Linux it is the way to
     * wake a thread blocked in accept() (the JDK's ServerSocket.close(),
     * socat at exit). */
    if (!event_enabled(EV_SHUTDOWN_MISUSE) || (rc < 0 && err == EBADF) ||
        (rc < 0 && err == EINVAL) || (flags & FD_LISTENING))
        return;
    const char *problem = NULL, *why = NULL;
    if (rc < 0 && err == ENOTSOCK) {
        problem = "not_a_socket";
        why = "shutdown() only applies to sockets; the descriptor is "
              "something else, so the program's idea of it is wrong";
    } else if (rc < 0 && err == ENOTCONN &&
               (!(flags & FD_TRACKED) || fdtab_role(slot) == ROLE_NONE)) {
        /* Only a socket that never had a connection: on one that had, the
         * connection may simply have finished (socat's shutdown(SHUT_WR)
         * then shutdown(SHUT_RDWR) once both FINs crossed on loopback). */
        problem = "not_connected";
        why = "the socket was never connected, so there is no connection "
              "to shut down and no FIN to send";
    } else if ((flags & FD_TRACKED) && (flags & asked) == asked) {
        problem = "repeated";
        why = "this direction was already shut down: the FIN was sent the "
              "first time, the repeat does nothing and hides a logic error";
    }
    if (problem == NULL)
        return;
    /* A slot left behind by a close sockshim did not see names another
     * socket, or none: then only the bare facts are told. */
    if ((flags & FD_TRACKED) && !identity_confirm(fd, slot)) {
        if (!(rc < 0 && err == ENOTSOCK))
            return; /* judged on another socket's record */
        flags = 0;
    }
    uint32_t call_stack = stack_capture();
    uint32_t create_stack = (flags & FD_TRACKED) ? slot->create_stack : 0;
    struct event ev;
    if (!report_begin(&ev, EV_SHUTDOWN_MISUSE, fd, call_stack, create_stack))
        return;
    if (flags & FD_TRACKED)
        event_socket(&ev, fd, slot, NULL, 0);
    event_str(&ev, "how",
              how == SHUT_RD   ? "SHUT_RD"
              : how == SHUT_WR ? "SHUT_WR"
                               : "SHUT_RDWR");
    event_str(&ev, "problem", problem);
    if (rc < 0)
        event_str(&ev, "errno", err == ENOTSOCK ? "ENOTSOCK" : "ENOTCONN");
    event_why(&ev, why);
    end_with_stacks(&ev, "shutdown", call_stack, create_stack);
}

/* write_after_shutdown of CALL on FD (slot flags FLAGS): BEFORE the call
 * because FLAGS has FD_SHUT_WR, or after it failed with EPIPE. */
static void report_write(int fd, uint32_t flags, const char *call, int before) {
    if (!event_enabled(EV_WRITE_AFTER_SHUTDOWN))
        return;
    struct fd_slot *slot = fdtab_peek(fd);
    if (!(fdtab_flags(slot) & FD_TRACKED) || fdtab_flags(slot) != flags)
        slot = NULL; /* closed or replaced meanwhile: report bare facts */
    /* A slot left behind by a close sockshim did not see: the descriptor
     * is a file or pipe now (whose EPIPE is no socket's), or another
     * socket never shut down. */
    else if (!identity_confirm(fd, slot))
        return;
    uint32_t call_stack = stack_capture();
    uint32_t create_stack = slot != NULL ? slot->create_stack : 0;
    struct event ev;
    if (!report_begin(&ev, EV_WRITE_AFTER_SHUTDOWN, fd, call_stack,
                      create_stack))
        return;
    if (slot != NULL)
        event_socket(&ev, fd, slot, NULL, 0);
    event_str(&ev, "call", call);
    if (before) {
        event_str(&ev, "after", "shutdown(SHUT_WR)");
        event_why(&ev, "the program already shut this direction down (its "
                       "FIN is sent): the kernel refuses the data with "
                       "EPIPE, and SIGPIPE kills a program that does not "
                       "ignore it");
    } else {
        event_str(&ev, "errno", "EPIPE");
        event_why(&ev, "the connection can no longer carry data (the peer "
                       "reset it, or it was shut down): the data is lost, "
                       "and SIGPIPE kills a program that does not ignore it");
    }
    end_with_stacks(&ev, call, call_stack, create_stack);
}

/* The port of the socket's own address, 0 if none. */
static unsigned local_port(int fd) {
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
        return 0;
    int port = sockaddr_port((struct sockaddr *)&local, len);
    return port > 0 ? (unsigned)port : 0;
}

void checks_addr_in_use(int fd, const char *call, int err,
                        const struct sockaddr *addr, socklen_t len) {
    if (!event_enabled(EV_ADDR_IN_USE))
        return;
    struct fd_slot *slot = fdtab_peek(fd);
    if (!(fdtab_flags(slot) & FD_TRACKED) || !identity_confirm(fd, slot))
        return;
    uint32_t call_stack = stack_capture();
    struct event ev;
    if (!report_begin(&ev, EV_ADDR_IN_USE, fd, call_stack, slot->create_stack))
        return;
    /* Only for an event that is shown: the count walks the kernel's whole
     * TCP table, and a program retrying in a loop repeats the event. */
    int is_bind = strcmp(call, "bind") == 0;
    int asked_port = addr != NULL ? sockaddr_port(addr, len) : -1;
    /* bind: TIME_WAIT connections on the port asked for; connect: on the
     * socket's bound local port if any, else towards the remote port
     * (ephemeral ports all taken by connections to it). */
    unsigned lport =
        is_bind ? (asked_port > 0 ? (unsigned)asked_port : 0) : local_port(fd);
    unsigned rport =
        !is_bind && lport == 0 && asked_port > 0 ? (unsigned)asked_port : 0;
    long time_wait =
        lport != 0 || rport != 0 ? sockdiag_count_time_wait(lport, rport) : -1;
    int reuse = 0;
    socklen_t rlen = sizeof reuse;
    real_getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &rlen);
    event_socket(&ev, fd, slot, is_bind ? NULL : addr, is_bind ? 0 : len);
    if (is_bind && addr != NULL) {
        char text[128];
        struct outbuf ob;
        ob_init(&ob, text, sizeof text);
        sockaddr_format(&ob, addr, len);
        event_str(&ev, "addr", text);
    }
    event_str(&ev, "call", call);
    event_str(&ev, "errno", err == EADDRINUSE ? "EADDRINUSE" : "EADDRNOTAVAIL");
    if (lport != 0)
        event_int(&ev, "port", lport);
    else if (rport != 0)
        event_int(&ev, "remote_port", rport);
    if (time_wait >= 0)
        event_int(&ev, "time_wait", time_wait);
    event_bool(&ev, "reuseaddr", reuse, "on", "off");
    const char *help, *why;
    if (time_wait > 0 && !reuse && lport != 0) {
        help = "reuseaddr (SOCKSHIM_REUSEADDR=on)";
        why = "connections on this port are in TIME_WAIT (2MSL, 60 s on "
              "Linux) and the socket lacks SO_REUSEADDR, which lets a new "
              "socket take a port whose connections are only in TIME_WAIT";
    } else if (time_wait > 0 && lport == 0) {
        help = "fewer short-lived connections (keep-alive), or a wider "
               "net.ipv4.ip_local_port_range";
        why = "the local ports towards this destination are taken by "
              "connections in TIME_WAIT: the side that closes first keeps "
              "each one for 2MSL";
    } else {
        help = "none: another live socket holds this address";
        why = "the address is held by a socket that is still open (a "
              "listener or a connection), not by TIME_WAIT";
    }
    event_str(&ev, "help", help);
    event_why(&ev, why);
    end_with_stacks(&ev, call, call_stack, slot->create_stack);
}

void checks_after_accept(int listener, struct fd_slot *slot) {
    if (!event_enabled(EV_ACCEPT_OVERFLOW) || slot == NULL ||
        !(fdtab_flags(slot) & FD_TCP))
        return;
    /* At most once a millisecond: a full queue stays full while the
     * program catches up, and asking at every accept() is a system call
     * per connection. */
    static uint32_t last_ms = UINT32_MAX;
    uint32_t now = clock_now_ms(),
             last = __atomic_load_n(&last_ms, __ATOMIC_RELAXED);
    if (now == last ||
        !__atomic_compare_exchange_n(&last_ms, &last, now, 0, __ATOMIC_RELAXED,
                                     __ATOMIC_RELAXED))
        return;
    /* On a listener, TCP_INFO's tcpi_unacked is the accept queue's length
     * and tcpi_sacked its limit (the backlog the kernel uses). */
    struct tcp_info info;
    socklen_t len = sizeof info;
    if (real_getsockopt(listener, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_sacked) + sizeof info.tcpi_sacked)
        return;
    /* Measured after our accept() took one connection off the queue.
     * Linux queues backlog + 1 connections before it drops handshakes
     * (the queue is full when longer than the backlog). */
    unsigned queued = info.tcpi_unacked + 1, backlog = info.tcpi_sacked;
    if (queued <= backlog || !identity_confirm(listener, slot))
        return;
    uint32_t call_stack = stack_capture();
    struct event ev;
    if (!report_begin(&ev, EV_ACCEPT_OVERFLOW, listener, call_stack,
                      slot->create_stack))
        return;
    event_socket(&ev, listener, slot, NULL, 0);
    event_int(&ev, "queued", queued);
    event_int(&ev, "backlog", backlog);
    event_why(&ev, "the accept queue is full: the kernel drops further "
                   "handshakes (clients see connect() stall and retry after "
                   "1 s, 3 s, ...) until the program accepts faster or the "
                   "backlog (SOCKSHIM_BACKLOG) is larger");
    end_with_stacks(&ev, "accept", call_stack, slot->create_stack);
}

void checks_write_after_shutdown(int fd, uint32_t flags, const char *call) {
    report_write(fd, flags, call, 1);
}

void checks_write_epipe(int fd, uint32_t flags, const char *call) {
    report_write(fd, flags, call, 0);
}
