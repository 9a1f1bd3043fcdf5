/*
 * checks.c — close/shutdown/write misuse, address and backlog trouble
 * (see checks.h for the contract).
 *
 * Every check runs after the program's own call has been decided by the
 * kernel (or, for close, just before it), reads the facts it needs from
 * the kernel (FIONREAD, SO_LINGER, TCP_INFO, sock_diag), and never changes
 * what the program sees: errno is saved and restored by the hooks.
 */
#define _GNU_SOURCE
#include "config.h"

#include "checks.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "configuration.h"
#include "direct.h"
#include "identity.h"
#include "leaks.h"
#include "real.h"
#include "sockaddr.h"
#include "sockdiag.h"
#include "stack.h"
#include "symbols.h"

/* Events by kind: all seen, those suppressed, and repeats folded. */
static unsigned long seen_count[EV_COUNT];
static unsigned long suppressed_count[EV_COUNT];
static unsigned long repeat_count[EV_COUNT];

/* Repeats: one entry per (kind, call stack, creation stack), in a
 * lock-free open-addressing table. A full table only means that further
 * distinct stacks are not folded. */
enum verdict { VERDICT_UNKNOWN, VERDICT_SHOW, VERDICT_SUPPRESS };
struct seen_entry {
    uint64_t key; /* 0 = empty */
    unsigned long count;
    int verdict;
};
#define SEEN_MAX 4096
static struct seen_entry seen[SEEN_MAX];

/* Sockets seen created: a process that made none gets no summary. */
static unsigned long sockets_created;

void checks_init(void)
{
    log_set_checks(config.diag.checks);
    /* On failure stack_capture() stays off: every stack id is then 0. */
    if (config.diag.stacks)
        stack_init(config.diag.stack_depth);
}

void checks_socket_created(struct fd_slot *slot)
{
    if (__atomic_fetch_add(&sockets_created, 1, __ATOMIC_RELAXED) == 0)
        log_first_socket();
    slot->create_stack = stack_capture();
    uint32_t flags = __atomic_fetch_or(&slot->flags, FD_CREATED,
                                       __ATOMIC_RELEASE);
    if (flags & FD_TCP)
        leaks_socket_tracked();
}

/* The entry for KEY, created on first use; NULL when the table is full. */
static struct seen_entry *seen_entry_for(uint64_t key)
{
    uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 40);
    for (unsigned probe = 0; probe < SEEN_MAX; probe++) {
        struct seen_entry *e = &seen[(h + probe) & (SEEN_MAX - 1)];
        uint64_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
        if (k == 0 && __atomic_compare_exchange_n(&e->key, &k, key, 0,
                                                  __ATOMIC_ACQ_REL,
                                                  __ATOMIC_ACQUIRE))
            return e;
        if (k == key)
            return e;
    }
    return NULL;
}

int glob_match(const char *pattern, const char *text)
{
    const char *star = NULL, *resume = NULL;
    while (*text != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == '?' || *pattern == *text) {
            pattern++;
            text++;
        } else if (star != NULL) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

/* Does a suppression for KIND match a frame of stack ID? */
static int stack_suppressed(enum event_kind kind, uint32_t id)
{
    const uintptr_t *ips;
    int n = stack_frames(id, &ips);
    for (int i = 0; i < n; i++) {
        struct frame_name f;
        symbols_name(ips[i], &f);
        for (int s = 0; s < config.suppression_count; s++) {
            const struct suppression *sup = &config.suppressions[s];
            if ((sup->kind == EV_COUNT || sup->kind == kind) &&
                ((f.func[0] != '\0' && glob_match(sup->pattern, f.func)) ||
                 glob_match(sup->pattern, f.module)))
                return 1;
        }
    }
    return 0;
}

/* A short line for the Nth repeat of an event (N = 10, 100, ...). */
static void report_repeat(enum event_kind kind, int fd, uint32_t call_stack,
                          unsigned long n)
{
    struct event ev;
    if (!event_begin(&ev, kind, fd))
        return;
    event_int(&ev, "repeat", (long long)n);
    event_int(&ev, "stack_id", call_stack);
    event_why(&ev, "the same event from the same stack, shown in full the "
                   "first time; counted since");
    event_end(&ev);
}

static int is_power_of_ten(unsigned long n)
{
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

int report_begin(struct event *ev, enum event_kind kind, int fd,
                 uint32_t call_stack, uint32_t create_stack)
{
    return report_begin_at(ev, kind, event_kind_level(kind), fd, call_stack,
                           create_stack);
}

int report_begin_at(struct event *ev, enum event_kind kind,
                    enum log_level level, int fd, uint32_t call_stack,
                    uint32_t create_stack)
{
    if (!log_enabled(kind) || !log_level_shown(level))
        return 0;
    __atomic_fetch_add(&seen_count[kind], 1, __ATOMIC_RELAXED);
    /* Without a stack there is nothing to fold repeats by, nor to match
     * a suppression on. */
    if (call_stack != 0 || create_stack != 0) {
        uint64_t key = (uint64_t)(kind + 1) << 40 |
                       (uint64_t)call_stack << 20 | create_stack;
        struct seen_entry *e = seen_entry_for(key);
        int verdict = e != NULL ? __atomic_load_n(&e->verdict, __ATOMIC_ACQUIRE)
                                : VERDICT_UNKNOWN;
        if (verdict == VERDICT_UNKNOWN) {
            /* Racing threads compute the same verdict; with the table full
             * it is computed each time. */
            verdict = config.suppression_count > 0 &&
                              (stack_suppressed(kind, call_stack) ||
                               stack_suppressed(kind, create_stack))
                          ? VERDICT_SUPPRESS
                          : VERDICT_SHOW;
            if (e != NULL)
                __atomic_store_n(&e->verdict, verdict, __ATOMIC_RELEASE);
        }
        if (verdict == VERDICT_SUPPRESS) {
            __atomic_fetch_add(&suppressed_count[kind], 1, __ATOMIC_RELAXED);
            return 0;
        }
        unsigned long n =
            e != NULL ? __atomic_add_fetch(&e->count, 1, __ATOMIC_RELAXED) : 1;
        if (n > 1) {
            __atomic_fetch_add(&repeat_count[kind], 1, __ATOMIC_RELAXED);
            if (is_power_of_ten(n))
                report_repeat(kind, fd, call_stack, n);
            return 0;
        }
    }
    return event_begin_at(ev, kind, level, fd);
}

/* Finish an event with its stacks: the call's, then the creation's. */
static void end_with_stacks(struct event *ev, const char *call,
                            uint32_t call_stack, uint32_t create_stack)
{
    char label[48];
    struct outbuf ob;
    ob_init(&ob, label, sizeof label);
    ob_str(&ob, call);
    ob_str(&ob, "() at");
    event_stack(ev, "stack", label, call_stack);
    event_stack(ev, "created_at", "socket created at", create_stack);
    event_end(ev);
}

/* Is this a connected TCP socket, the only kind the close checks judge? */
static int connected_tcp(uint32_t flags, const struct fd_slot *slot)
{
    if (!(flags & FD_TCP) || (flags & (FD_LISTENING | FD_SHARED)))
        return 0;
    int role = fdtab_role(slot);
    return role == ROLE_ACCEPT || role == ROLE_CONNECT;
}

/* SO_LINGER {1,0} on FD, set by the program (the policy's own linger is
 * the user's choice, not a misuse). */
static int abortive_linger(int fd, const struct fd_slot *slot)
{
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
static void report_abortive_close(int fd, struct fd_slot *slot,
                                  uint32_t flags, uint32_t call_stack)
{
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

void checks_before_close(int fd, struct fd_slot *slot)
{
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
    uint32_t call_stack =
        log_enabled(EV_DOUBLE_CLOSE) ? stack_capture() : 0;
    slot->close_stack = call_stack;
    leaks_before_close(fd, slot);
    if (!connected_tcp(flags, slot))
        return;
    if (log_enabled(EV_ABORTIVE_CLOSE) && abortive_linger(fd, slot)) {
        report_abortive_close(fd, slot, flags, call_stack);
        return;
    }
    /* A slot left by a close sockshim did not see may stand for a file
     * now, and FIONREAD counts a file's unread bytes too. */
    int unread = 0;
    if (!log_enabled(EV_CLOSE_UNREAD) || (flags & FD_EOF_READ) ||
        ioctl(fd, FIONREAD, &unread) != 0 || unread <= 0 ||
        !identity_confirm(fd, slot))
        return;
    if (call_stack == 0)
        call_stack = stack_capture();
    struct event ev;
    if (!report_begin(&ev, EV_CLOSE_UNREAD, fd, call_stack,
                      slot->create_stack))
        return;
    event_socket(&ev, fd, slot, NULL, 0);
    event_int(&ev, "unread", unread);
    event_why(&ev, "closing a socket with unread data makes the kernel send "
                   "RST, not FIN: the peer may get ECONNRESET and lose data "
                   "it has not read yet");
    end_with_stacks(&ev, "close", call_stack, slot->create_stack);
}

void checks_close_failed(int fd, int err, uint32_t earlier)
{
    if (err != EBADF || !log_enabled(EV_DOUBLE_CLOSE))
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

void checks_shutdown(int fd, int how, int rc, int err)
{
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
    if (!log_enabled(EV_SHUTDOWN_MISUSE) || (rc < 0 && err == EBADF) ||
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
    event_str(&ev, "how", how == SHUT_RD   ? "SHUT_RD"
                          : how == SHUT_WR ? "SHUT_WR"
                                           : "SHUT_RDWR");
    event_str(&ev, "problem", problem);
    if (rc < 0)
        event_str(&ev, "errno", err == ENOTSOCK ? "ENOTSOCK" : "ENOTCONN");
    event_why(&ev, why);
    end_with_stacks(&ev, "shutdown", call_stack, create_stack);
}

void checks_write(int fd, uint32_t flags, const char *call, int before)
{
    if (!log_enabled(EV_WRITE_AFTER_SHUTDOWN))
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
static unsigned local_port(int fd)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
        return 0;
    int port = sockaddr_port((struct sockaddr *)&local, len);
    return port > 0 ? (unsigned)port : 0;
}

void checks_addr_in_use(int fd, const char *call, int err,
                        const struct sockaddr *addr, socklen_t len)
{
    if (!log_enabled(EV_ADDR_IN_USE))
        return;
    struct fd_slot *slot = fdtab_peek(fd);
    if (!(fdtab_flags(slot) & FD_TRACKED) || !identity_confirm(fd, slot))
        return;
    uint32_t call_stack = stack_capture();
    struct event ev;
    if (!report_begin(&ev, EV_ADDR_IN_USE, fd, call_stack,
                      slot->create_stack))
        return;
    /* Only for an event that is shown: the count walks the kernel's whole
     * TCP table, and a program retrying in a loop repeats the event. */
    int is_bind = strcmp(call, "bind") == 0;
    int asked_port = addr != NULL ? sockaddr_port(addr, len) : -1;
    /* bind: TIME_WAIT connections on the port asked for; connect: on the
     * socket's bound local port if any, else towards the remote port
     * (ephemeral ports all taken by connections to it). */
    unsigned lport = is_bind ? (asked_port > 0 ? (unsigned)asked_port : 0)
                             : local_port(fd);
    unsigned rport = !is_bind && lport == 0 && asked_port > 0
                         ? (unsigned)asked_port
                         : 0;
    long time_wait =
        lport != 0 || rport != 0 ? sockdiag_count_time_wait(lport, rport)
                                 : -1;
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
    event_str(&ev, "reuseaddr", reuse ? "on" : "off");
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

void checks_after_accept(int listener, struct fd_slot *slot)
{
    if (!log_enabled(EV_ACCEPT_OVERFLOW) || slot == NULL ||
        !(fdtab_flags(slot) & FD_TCP))
        return;
    /* At most once a millisecond: a full queue stays full while the
     * program catches up, and asking at every accept() is a system call
     * per connection. */
    static uint32_t last_ms = UINT32_MAX;
    uint32_t now = leaks_now_ms(), last = __atomic_load_n(&last_ms,
                                                          __ATOMIC_RELAXED);
    if (now == last || !__atomic_compare_exchange_n(&last_ms, &last, now, 0,
                                                    __ATOMIC_RELAXED,
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

void checks_after_fork_child(void)
{
    /* The child's summary is about the child. */
    memset(seen_count, 0, sizeof seen_count);
    memset(suppressed_count, 0, sizeof suppressed_count);
    memset(repeat_count, 0, sizeof repeat_count);
    sockets_created = 0;
    identity_after_fork_child();
}

void checks_summary(void)
{
    if (!config.diag.summary || !log_enabled(EV_SUMMARY))
        return;
    unsigned long events = 0;
    for (int k = 0; k < EV_COUNT; k++)
        events += __atomic_load_n(&seen_count[k], __ATOMIC_RELAXED);
    unsigned long sockets = __atomic_load_n(&sockets_created, __ATOMIC_RELAXED);
    if (sockets == 0 && events == 0)
        return;
    struct event ev;
    if (!event_begin(&ev, EV_SUMMARY, -1))
        return;
    unsigned long suppressed = 0, repeated = 0;
    event_int(&ev, "sockets", (long long)sockets);
    event_object_begin(&ev, "counts");
    for (int k = 0; k < EV_COUNT; k++) {
        if (k == EV_SUMMARY || k == EV_CONFIG_ERROR)
            continue;
        unsigned long n = __atomic_load_n(&seen_count[k], __ATOMIC_RELAXED);
        suppressed += suppressed_count[k];
        repeated += repeat_count[k];
        if (n != 0)
            event_int(&ev, event_kind_name((enum event_kind)k), (long long)n);
    }
    event_object_end(&ev);
    event_int(&ev, "repeated", (long long)repeated);
    event_int(&ev, "suppressed", (long long)suppressed);
    event_int(&ev, "closed_unseen", (long long)identity_unseen_count());
    event_int(&ev, "stacks", stack_count());
    if (stack_dropped() != 0)
        event_int(&ev, "stacks_dropped", (long long)stack_dropped());
    event_str(&ev, "direct_syscalls", direct_syscalls_state());
    event_end(&ev);
}
