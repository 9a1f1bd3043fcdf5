/*
 * leaks.c — CLOSE_WAIT detection, fork-shared sockets, the leak report at
 * exit (see leaks.h for the contract).
 *
 * The scan thread reads the fd table without a lock, as every reader
 * does; a slot's `gen` is read before and checked after anything that
 * takes time, so a socket closed (and its number reused) meanwhile is
 * never reported under another socket's name.
 */
#define _GNU_SOURCE
#include "config.h"

#include "leaks.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "clock.h"
#include "configuration.h"
#include "identity.h"
#include "log.h"
#include "real.h"
#include "sigframe.h"
#include "sockdiag.h"
#include "stack.h"

static int64_t epoch_ms;
static int scan_wanted;
enum { SCAN_IDLE, SCAN_RUNNING, SCAN_FAILED };
static int scan_state = SCAN_IDLE;
/* The scan thread's private descriptors: its netlink socket, and
 * /proc/self/stat (the thread count). -1 when not open. */
static int netlink_fd = -1;
static int stat_fd = -1;

uint32_t leaks_now_ms(void)
{
    return (uint32_t)(clock_monotonic_ms() - epoch_ms);
}

void leaks_init(void)
{
    clock_init();
    epoch_ms = clock_monotonic_ms();
    scan_wanted = config.diag.scan_ms != 0;
}

/* Is SLOT a connection whose CLOSE_WAIT we judge? */
static int connection(uint32_t flags, const struct fd_slot *slot)
{
    if (!(flags & FD_TCP) || (flags & FD_LISTENING))
        return 0;
    int role = fdtab_role(slot);
    return role == ROLE_ACCEPT || role == ROLE_CONNECT;
}

void leaks_eof(int fd)
{
    struct fd_slot *slot = fdtab_peek(fd);
    uint32_t flags = fdtab_flags(slot);
    /* After the program's own shutdown(SHUT_RD) reads return 0 while the
     * peer may still be sending: that 0 is no EOF from the peer. */
    if ((flags & FD_SHUT_RD) || !connection(flags, slot))
        return;
    if (!(flags & FD_EOF_READ))
        fdtab_add_flags(slot, FD_EOF_READ);
    /* Once per socket; but an EOF read after the scan saw the kernel's
     * CLOSE_WAIT (and before any report) still gives its stack. */
    if ((flags & FD_CW_REPORTED) ||
        ((flags & FD_PEER_CLOSED) && slot->eof_stack != 0))
        return;
    int saved_errno = errno;
    if (!(flags & FD_PEER_CLOSED))
        slot->eof_ms = leaks_now_ms();
    slot->eof_stack = log_enabled(EV_CLOSE_WAIT) ? stack_capture() : 0;
    __atomic_fetch_or(&slot->flags, FD_PEER_CLOSED, __ATOMIC_RELEASE);
    leaks_socket_tracked();
    errno = saved_errno;
}

/* --- the scan ----------------------------------------------------------- */

/* Inodes of the host's CLOSE_WAIT TCP sockets, sorted; only the scan
 * thread touches them. A host with more is scanned for the first ones. */
#define CLOSE_WAIT_MAX 65536
static uint32_t close_wait_inodes[CLOSE_WAIT_MAX];
static size_t close_wait_count;

static void collect_inode(const struct inet_diag_msg *m, void *data)
{
    (void)data;
    if (close_wait_count < CLOSE_WAIT_MAX)
        close_wait_inodes[close_wait_count++] = m->idiag_inode;
}

/* Shell sort: qsort() may allocate. */
static void sort_inodes(uint32_t *v, size_t n)
{
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        size_t gap = gaps[g];
        for (size_t i = gap; i < n; i++) {
            uint32_t x = v[i];
            size_t j = i;
            for (; j >= gap && v[j - gap] > x; j -= gap)
                v[j] = v[j - gap];
            v[j] = x;
        }
    }
}

static int in_close_wait(uint32_t inode)
{
    size_t lo = 0, hi = close_wait_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (close_wait_inodes[mid] < inode)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < close_wait_count && close_wait_inodes[lo] == inode;
}

/* Our netlink socket, at a private number (it stays open while the
 * program runs: a short-lived one would sit at a low number that another
 * thread's dup2() could take). */
static int scan_netlink(void)
{
    int fd = __atomic_load_n(&netlink_fd, __ATOMIC_ACQUIRE);
    if (fd >= 0)
        return fd;
    int low = sockdiag_open();
    if (low < 0)
        return -1;
    fd = private_fd_move(low);
    __atomic_store_n(&netlink_fd, fd, __ATOMIC_RELEASE);
    return fd;
}

int leaks_private_fds(int out[2])
{
    int n = 0, fd;
    if ((fd = __atomic_load_n(&netlink_fd, __ATOMIC_ACQUIRE)) >= 0)
        out[n++] = fd;
    if ((fd = __atomic_load_n(&stat_fd, __ATOMIC_ACQUIRE)) >= 0)
        out[n++] = fd;
    return n;
}

int leaks_owns_fd(int fd)
{
    return fd >= 0 && (fd == __atomic_load_n(&netlink_fd, __ATOMIC_ACQUIRE) ||
                       fd == __atomic_load_n(&stat_fd, __ATOMIC_ACQUIRE));
}

void leaks_fd_taken(int fd)
{
    /* The number is the program's now: forget it, never close it. */
    int expected = fd;
    if (fd < 0)
        return;
    __atomic_compare_exchange_n(&netlink_fd, &expected, -1, 0,
                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    expected = fd;
    __atomic_compare_exchange_n(&stat_fd, &expected, -1, 0, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
}

void leaks_fds_closed_from(unsigned lo)
{
    int ours[2];
    int n = leaks_private_fds(ours);
    for (int i = 0; i < n; i++)
        if ((unsigned)ours[i] >= lo)
            leaks_fd_taken(ours[i]);
}

/* Is the scan thread the only live thread left (the main thread ended,
 * no other)? Read from /proc/self/stat through a private descriptor
 * opened once (a descriptor opened at each pass would sit at a low number
 * another thread's dup2() could take). 0 when unknown (no /proc). */
static int scan_thread_alone(void)
{
    int fd = __atomic_load_n(&stat_fd, __ATOMIC_ACQUIRE);
    if (fd < 0) {
        int low = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        if (low < 0)
            return 0;
        fd = private_fd_move(low);
        if (fd < 0)
            return 0;
        __atomic_store_n(&stat_fd, fd, __ATOMIC_RELEASE);
    }
    char buf[1024];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* Field 3 is the state of the main thread, field 20 num_threads. The
     * command name (field 2) may hold spaces and parentheses: count from
     * its closing one. A main thread that has ended stays a zombie, and
     * counted, until the whole process ends. */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ' || p[2] != 'Z')
        return 0;
    for (int field = 2; p != NULL && field < 20; field++)
        p = strchr(p + 1, ' ');
    return p != NULL && p[1] == '2' && p[2] == ' ';
}

/* "12.0s" for MS milliseconds. */
static void format_age(char *buf, size_t size, uint32_t ms)
{
    struct outbuf ob;
    ob_init(&ob, buf, size);
    ob_uint(&ob, ms / 1000);
    ob_char(&ob, '.');
    ob_uint(&ob, ms % 1000 / 100);
    ob_char(&ob, 's');
}

/* The fork note of a close_wait: which copy this is, and why it matters. */
static const char *fork_note(struct event *ev, uint32_t flags,
                             const struct fd_slot *slot)
{
    pid_t other = (pid_t)slot->fork_pid;
    if (flags & FD_FORK_PARENT) {
        event_str(ev, "fork", "parent");
        event_int(ev, "child_pid", other);
        event_str(ev, "child_alive",
                  other > 0 && kill(other, 0) == 0 ? "yes" : "no");
        return "still open in the parent after fork(): the child got its own "
               "copy, and a parent that does not close(connfd) after fork() "
               "keeps every connection in CLOSE_WAIT even once the child has "
               "closed its copy";
    }
    if (flags & FD_FORK_CHILD) {
        event_str(ev, "fork", "child");
        event_int(ev, "parent_pid", other);
        return "inherited from the parent at fork(): the connection stays in "
               "CLOSE_WAIT until every copy is closed, this one and the "
               "parent's";
    }
    return "the peer closed its side (FIN) and the program keeps the socket "
           "open: it sits in CLOSE_WAIT holding a descriptor, and enough of "
           "them end in \"too many open files\"";
}

static void report_close_wait(int fd, struct fd_slot *slot, uint32_t now)
{
    uint32_t flags = fdtab_flags(slot);
    uint32_t eof_stack = slot->eof_stack, create_stack = slot->create_stack;
    int32_t signed_age = (int32_t)(now - slot->eof_ms);
    uint32_t age = signed_age > 0 ? (uint32_t)signed_age : 0;
    __atomic_fetch_or(&slot->flags, FD_CW_REPORTED, __ATOMIC_RELEASE);
    struct event ev;
    if (!report_begin(&ev, EV_CLOSE_WAIT, fd, eof_stack, create_stack))
        return;
    event_socket(&ev, fd, slot, NULL, 0);
    char text[32];
    format_age(text, sizeof text, age);
    if (ev.json) {
        event_int(&ev, "age_ms", age);
    } else {
        ob_str(&ev.ob, " open ");
        ob_str(&ev.ob, text);
        ob_str(&ev.ob, " after peer FIN");
    }
    /* What happened, not whether a stack was captured (stacks off, or
     * under valgrind, a read EOF has none). */
    event_str(&ev, "eof", (flags & FD_EOF_READ) ? "read" : "kernel");
    const char *why = fork_note(&ev, flags, slot);
    event_why(&ev, why);
    event_stack(&ev, "stack", "peer's EOF read at", eof_stack);
    event_stack(&ev, "created_at", "socket created at", create_stack);
    event_end(&ev);
}

struct scan_pass {
    uint32_t now;
    long found;
};

/* The kernel says SLOT's socket is in CLOSE_WAIT: mark it peer-closed as
 * of NOW, if the slot still holds the socket of generation GEN. Returns
 * 1 when marked. A slot closed meanwhile is cleared (flags, then gen
 * moves on) before a new socket's flags are set: the bit set on the
 * wrong socket, or on a cleared slot, is taken back. */
static int mark_kernel_close_wait(struct fd_slot *slot, uint32_t gen,
                                  uint32_t now)
{
    uint32_t flags = fdtab_flags(slot);
    if (!connection(flags, slot) || (flags & FD_PEER_CLOSED) ||
        __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) != gen)
        return 0;
    /* First seen by the kernel: the FIN came since the last pass. */
    slot->eof_ms = now;
    uint32_t old =
        __atomic_fetch_or(&slot->flags, FD_PEER_CLOSED, __ATOMIC_ACQ_REL);
    if (!(old & FD_PEER_CLOSED) &&
        (!(old & FD_TRACKED) ||
         __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) != gen)) {
        __atomic_fetch_and(&slot->flags, ~(uint32_t)FD_PEER_CLOSED,
                           __ATOMIC_ACQ_REL);
        return 0;
    }
    return !(old & FD_PEER_CLOSED);
}

static int scan_slot(int fd, struct fd_slot *slot, void *data)
{
    struct scan_pass *pass = data;
    /* Each socket's identity is learnt here once, on sockshim's own
     * thread, so that later reports can confirm it (identity.h); a slot
     * whose socket is already gone is forgotten. */
    if (__atomic_load_n(&slot->inode, __ATOMIC_ACQUIRE) == 0 &&
        !identity_note(fd, slot))
        return 0;
    /* gen before flags: flags of a socket closed in between then come
     * with a gen that no longer matches. */
    uint32_t gen = __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE);
    uint32_t flags = fdtab_flags(slot);
    if (!connection(flags, slot) || (flags & FD_CW_REPORTED))
        return 0;
    uint32_t inode = __atomic_load_n(&slot->inode, __ATOMIC_ACQUIRE);
    if (!(flags & FD_PEER_CLOSED)) {
        if (inode != 0 && in_close_wait(inode) &&
            mark_kernel_close_wait(slot, gen, pass->now))
            pass->found++;
        return 0;
    }
    pass->found++;
    /* Signed: an EOF read while this pass ran is younger than its clock. */
    int32_t age = (int32_t)(pass->now - slot->eof_ms);
    if (age >= 0 && (uint32_t)age >= config.diag.close_wait_ms &&
        __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) == gen &&
        identity_confirm(fd, slot))
        report_close_wait(fd, slot, pass->now);
    return 0;
}

/* --- asking each socket: poll() ------------------------------------------
 *
 * The dump walks the kernel's whole TCP hash, every process's sockets
 * (about 4 ms on a 24 GiB host even when it is empty). A process with few
 * connections asks its own sockets instead: one poll() (timeout 0) over
 * them, POLLRDHUP meaning the peer's FIN has arrived, about 0.15 us a
 * socket; the few that answer are confirmed with TCP_INFO (state
 * CLOSE_WAIT, not a reset or the program's own shutdown). Above
 * POLL_SCAN_MAX sockets the dump is the cheaper of the two. */
#define POLL_SCAN_MAX 4096
static const char *last_way = "none";

const char *leaks_scan_way(void)
{
    return last_way;
}
static struct pollfd poll_batch[POLL_SCAN_MAX];
static uint32_t poll_gens[POLL_SCAN_MAX];

struct poll_collect {
    int count; /* -1 once there are more than POLL_SCAN_MAX */
};

/* Sockets whose CLOSE_WAIT only the kernel can tell: connections with no
 * EOF seen yet. */
static int collect_unconfirmed(int fd, struct fd_slot *slot, void *data)
{
    struct poll_collect *c = data;
    uint32_t gen = __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE);
    uint32_t flags = fdtab_flags(slot);
    if (!connection(flags, slot) ||
        (flags & (FD_PEER_CLOSED | FD_CW_REPORTED)))
        return 0;
    if (c->count == POLL_SCAN_MAX) {
        c->count = -1; /* the dump then: no need to look further */
        return 1;
    }
    poll_gens[c->count] = gen;
    poll_batch[c->count].fd = fd;
    poll_batch[c->count].events = POLLRDHUP;
    poll_batch[c->count].revents = 0;
    c->count++;
    return 0;
}

/* Ask the N collected sockets; mark those in CLOSE_WAIT as the dump's
 * answer would. Returns 0, or -1 when poll() failed. */
static int poll_sockets(int n, uint32_t now)
{
    int rc = 0;
    while (n > 0 &&
           (rc = real_poll(poll_batch, (nfds_t)n, 0)) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        return -1;
    last_way = "poll";
    for (int i = 0; i < n && rc > 0; i++) {
        if (poll_batch[i].revents == 0)
            continue;
        rc--;
        int fd = poll_batch[i].fd;
        struct fd_slot *slot = fdtab_peek(fd);
        if (slot == NULL)
            continue;
        /* Closed where sockshim could not see it, not reused since. */
        if (poll_batch[i].revents & POLLNVAL) {
            identity_closed(slot, fdtab_flags(slot), poll_gens[i]);
            continue;
        }
        if (!(poll_batch[i].revents & POLLRDHUP))
            continue;
        struct tcp_info info;
        socklen_t len = sizeof info;
        if (real_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
            info.tcpi_state == TCP_CLOSE_WAIT)
            mark_kernel_close_wait(slot, poll_gens[i], now);
    }
    return 0;
}

long leaks_scan_pass(void)
{
    struct scan_pass pass = {leaks_now_ms(), 0};
    close_wait_count = 0;
    struct poll_collect few = {0};
    fdtab_for_each(collect_unconfirmed, &few);
    int asked;
    if (few.count >= 0 && poll_sockets(few.count, pass.now) == 0) {
        asked = 1;
    } else {
        int nl = scan_netlink();
        asked = nl >= 0 && sockdiag_dump_all(nl, 1u << TCP_CLOSE_WAIT,
                                             collect_inode, NULL) == 0;
        last_way = asked ? "dump" : "none";
        sort_inodes(close_wait_inodes, close_wait_count);
    }
    /* Without the kernel's answer, EOFs the program read still count. */
    fdtab_for_each(scan_slot, &pass);
    return asked ? pass.found : -1;
}

/* The signal mask of the thread that started the scan thread: the
 * program's, restored for exit(0) below. */
static sigset_t program_mask;

/* exit(0) as the program's last thread would have called it: with the
 * program's signal mask and a full-size stack (atexit handlers and C++
 * destructors run here), not on the scan thread's. */
static void *exit_like_last_thread(void *arg)
{
    (void)arg;
    pthread_sigmask(SIG_SETMASK, &program_mask, NULL);
    exit(0);
}

/* Every thread of the program has ended (its last one through
 * pthread_exit() or cancellation): glibc would have ended the process
 * with exit(0) in that thread, had the scan thread not been counted. It
 * must not keep the process alive. */
static void end_process(void)
{
    pthread_t thread;
    if (real_pthread_create(&thread, NULL, exit_like_last_thread, NULL) != 0)
        exit_like_last_thread(NULL);
    for (;;)
        pause();
}

/* The scan thread: a pass every SOCKSHIM_SCAN, and at least once a second
 * a look at whether the program's threads have all ended. */
static void *scan_main(void *arg)
{
    (void)arg;
    /* The period in equal ticks of at most a second. */
    const unsigned period = config.diag.scan_ms;
    const unsigned ticks = (period + 999) / 1000;
    const unsigned tick = period / ticks;
    unsigned count = 0;
    for (;;) {
        clock_sleep_ms(tick);
        if (++count == ticks) {
            count = 0;
            leaks_scan_pass();
        }
        if (scan_thread_alone())
            end_process();
    }
    return NULL;
}

/* When a start of the scan thread was last put off because a signal
 * handler was running (leaks_now_ms clock), or NEVER_DEFERRED. */
#define NEVER_DEFERRED UINT32_MAX
static uint32_t deferred_at = NEVER_DEFERRED;
/* How long a start put off waits before the stack is looked at again. */
#define SCAN_START_RETRY_MS 100

void leaks_socket_tracked(void)
{
    if (!scan_wanted || !log_enabled(EV_CLOSE_WAIT) ||
        __atomic_load_n(&scan_state, __ATOMIC_ACQUIRE) != SCAN_IDLE)
        return;
    /* Never from a signal handler (every wrapped call may run in one):
     * pthread_create() allocates, and would wait forever on the malloc
     * lock a handler's interrupted code holds; it also needs more stack
     * than a small alternate signal stack has. The next TCP socket or EOF
     * outside a handler starts the thread; the look at the stack is made
     * at most every SCAN_START_RETRY_MS. */
    uint32_t now = leaks_now_ms();
    uint32_t last = __atomic_load_n(&deferred_at, __ATOMIC_RELAXED);
    if (last != NEVER_DEFERRED && now - last < SCAN_START_RETRY_MS)
        return;
    int saved_errno = errno;
    if (sigframe_in_handler()) {
        __atomic_store_n(&deferred_at, now, __ATOMIC_RELAXED);
        errno = saved_errno;
        return;
    }
    int expected = SCAN_IDLE;
    if (!__atomic_compare_exchange_n(&scan_state, &expected, SCAN_RUNNING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        errno = saved_errno;
        return;
    }
    /* The thread starts with every signal blocked: the program's signals
     * must go to the program's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    program_mask = old;
    pthread_attr_t attr;
    pthread_t thread;
    int ok = pthread_attr_init(&attr) == 0;
    if (ok) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        /* Not through our pthread_create(): this thread is no reason to
         * leave direct system calls (direct.h). */
        ok = real_pthread_create(&thread, &attr, scan_main, NULL) == 0;
        pthread_attr_destroy(&attr);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok)
        __atomic_store_n(&scan_state, SCAN_FAILED, __ATOMIC_RELEASE);
    errno = saved_errno;
}

/* --- close, fork ---------------------------------------------------------- */

void leaks_before_close(int fd, struct fd_slot *slot)
{
    uint32_t flags = fdtab_flags(slot);
    if (!(flags & FD_PEER_CLOSED) || !log_enabled(EV_LATE_CLOSE))
        return;
    int32_t signed_sat = (int32_t)(leaks_now_ms() - slot->eof_ms);
    uint32_t sat = signed_sat > 0 ? (uint32_t)signed_sat : 0;
    if ((!(flags & FD_CW_REPORTED) && sat < config.diag.close_wait_ms) ||
        !identity_confirm(fd, slot))
        return;
    struct event ev;
    if (!report_begin(&ev, EV_LATE_CLOSE, fd, 0, slot->create_stack))
        return;
    event_socket(&ev, fd, slot, NULL, 0);
    char text[32];
    format_age(text, sizeof text, sat);
    event_str(&ev, "after", text);
    event_why(&ev, "closed, but only after sitting in CLOSE_WAIT past "
                   "SOCKSHIM_CLOSE_WAIT");
    event_stack(&ev, "created_at", "socket created at", slot->create_stack);
    event_end(&ev);
}

/* What a fork means for every tracked socket: marked shared, with the
 * process on the other side. */
struct fork_mark {
    uint32_t bit;  /* FD_FORK_PARENT or FD_FORK_CHILD */
    uint32_t other; /* the child's pid, or the parent's */
};

static int mark_fork(int fd, struct fd_slot *slot, void *data)
{
    (void)fd;
    const struct fork_mark *mark = data;
    uint32_t old = __atomic_fetch_or(&slot->flags, mark->bit | FD_SHARED,
                                     __ATOMIC_RELEASE);
    /* The first fork that shared it is the one that matters (with the
     * seed-000 bug, every later child inherits it too). */
    if (mark->bit == FD_FORK_CHILD || !(old & FD_FORK_PARENT))
        slot->fork_pid = mark->other;
    return 0;
}

void leaks_after_fork(pid_t child)
{
    struct fork_mark mark = {FD_FORK_PARENT, (uint32_t)child};
    if (child == 0)
        mark = (struct fork_mark){FD_FORK_CHILD, (uint32_t)getppid()};
    fdtab_for_each(mark_fork, &mark);
    if (child == 0) {
        /* No thread survives fork(); the parent's netlink socket must not
         * be shared (two processes' dumps would mix). The child's scan
         * starts at its next socket or EOF, not here: a child that is
         * about to exec must not pay for a thread (nor start one between
         * fork and exec). */
        __atomic_store_n(&scan_state, SCAN_IDLE, __ATOMIC_RELEASE);
        __atomic_store_n(&deferred_at, NEVER_DEFERRED, __ATOMIC_RELAXED);
        checks_after_fork_child();
        int nl = __atomic_exchange_n(&netlink_fd, -1, __ATOMIC_ACQ_REL);
        if (nl >= 0)
            real_close(nl);
        /* /proc/self/stat opened in the parent is the parent's. */
        int st = __atomic_exchange_n(&stat_fd, -1, __ATOMIC_ACQ_REL);
        if (st >= 0)
            real_close(st);
    }
}

/* --- at exit ------------------------------------------------------------- */

#define LEAK_GROUPS_MAX 64
#define LEAK_FDS_SHOWN 8
struct leak_group {
    uint32_t stack;
    /* The peer closed these and the program never did (CLOSE_WAIT, or
     * its EOF read): definitely leaked. Otherwise merely still open. */
    int peer_closed;
    unsigned count;
    uint32_t roles; /* bit 1 << role */
    int fds[LEAK_FDS_SHOWN];
};
struct leak_report {
    struct leak_group groups[LEAK_GROUPS_MAX];
    int group_count;
    /* Sockets from call sites beyond the first LEAK_GROUPS_MAX: still
     * reported, together, without a stack: [0] still open, [1] leaked. */
    struct leak_group others[2];
};

/* Is connection FD in CLOSE_WAIT (EOF read, or the kernel says so)? */
static int closing_peer(int fd, uint32_t flags)
{
    if (flags & FD_PEER_CLOSED)
        return 1;
    if (!(flags & FD_TCP))
        return 0;
    struct tcp_info info;
    socklen_t len = sizeof info;
    return real_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
           info.tcpi_state == TCP_CLOSE_WAIT;
}

static int group_socket(int fd, struct fd_slot *slot, void *data)
{
    struct leak_report *r = data;
    uint32_t flags = fdtab_flags(slot);
    /* Sockets we did not see made (inherited through exec or fork) are
     * not this program's leaks. */
    if (!(flags & FD_CREATED) || (flags & FD_FORK_CHILD))
        return 0;
    int peer_closed = closing_peer(fd, flags);
    /* A socket merely still open is information, not shown at the
     * default level: no need to confirm it then. */
    if ((!peer_closed && !log_level_shown(LEVEL_INFO)) ||
        !identity_confirm(fd, slot))
        return 0;
    struct leak_group *g = NULL;
    for (int i = 0; i < r->group_count; i++)
        if (r->groups[i].stack == slot->create_stack &&
            r->groups[i].peer_closed == peer_closed)
            g = &r->groups[i];
    if (g == NULL) {
        if (r->group_count == LEAK_GROUPS_MAX) {
            g = &r->others[peer_closed];
        } else {
            g = &r->groups[r->group_count++];
            memset(g, 0, sizeof *g);
            g->stack = slot->create_stack;
        }
        g->peer_closed = peer_closed;
    }
    if (g->count < LEAK_FDS_SHOWN)
        g->fds[g->count] = fd;
    g->count++;
    g->roles |= 1u << fdtab_role(slot);
    return 0;
}

/* Is group A to be reported before group B: leaked ones first, then the
 * larger? */
static int group_before(const struct leak_group *a, const struct leak_group *b)
{
    if (a->peer_closed != b->peer_closed)
        return a->peer_closed;
    return a->count > b->count;
}

static void report_group(const struct leak_group *g)
{
    struct event ev;
    if (!report_begin_at(&ev, EV_LEAK_AT_EXIT,
                         g->peer_closed ? LEVEL_WARN : LEVEL_INFO, -1, 0,
                         g->stack))
        return;
    event_int(&ev, "count", g->count);
    event_int(&ev, "close_wait", g->peer_closed ? g->count : 0);
    char text[160];
    struct outbuf ob;
    ob_init(&ob, text, sizeof text);
    for (int role = 0; role < ROLE_COUNT; role++) {
        if (g->roles & (1u << role)) {
            if (ob.len > 0)
                ob_char(&ob, ',');
            ob_str(&ob, role_name(role));
        }
    }
    event_str(&ev, "role", text);
    ob_init(&ob, text, sizeof text);
    for (unsigned i = 0; i < g->count && i < LEAK_FDS_SHOWN; i++) {
        if (i > 0)
            ob_char(&ob, ',');
        ob_int(&ob, g->fds[i]);
    }
    if (g->count > LEAK_FDS_SHOWN)
        ob_str(&ob, ",...");
    event_str(&ev, "fds", text);
    event_why(&ev, g->peer_closed
                       ? "leaked: the peer closed these connections and the "
                         "program never did; they sat in CLOSE_WAIT, each "
                         "holding a descriptor, until exit"
                       : "still open at exit: the kernel closes them now "
                         "(normal for a listener, or a connection kept for "
                         "the life of the process)");
    ob_init(&ob, text, sizeof text);
    ob_uint(&ob, g->count);
    ob_str(&ob, g->count == 1 ? " socket created at" : " sockets created at");
    event_stack(&ev, "created_at", text, g->stack);
    event_end(&ev);
}

void leaks_at_exit(void)
{
    if (!log_enabled(EV_LEAK_AT_EXIT))
        return;
    static struct leak_report report;
    memset(&report, 0, sizeof report);
    report.others[1].peer_closed = 1;
    fdtab_for_each(group_socket, &report);
    for (int i = 1; i < report.group_count; i++)
        for (int j = i; j > 0 && group_before(&report.groups[j],
                                              &report.groups[j - 1]);
             j--) {
            struct leak_group t = report.groups[j];
            report.groups[j] = report.groups[j - 1];
            report.groups[j - 1] = t;
        }
    for (int i = 0; i < report.group_count; i++)
        report_group(&report.groups[i]);
    for (int leaked = 1; leaked >= 0; leaked--)
        if (report.others[leaked].count > 0)
            report_group(&report.others[leaked]);
}
