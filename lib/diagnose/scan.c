/*
 * scan.c — the scan thread and its two ways of asking the kernel (see
 * scan.h for the contract).
 *
 * The thread reads the fd table without a lock, as every reader does; a
 * slot's `gen` is read before and checked after anything that takes
 * time (diagnose/closewait.c).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/errno_scope.h"
#include "base/fdtab.h"
#include "base/privfd.h"
#include "base/real.h"
#include "config/configuration.h"
#include "diagnose/closewait.h"
#include "diagnose/fdlimit.h"
#include "diagnose/identity.h"
#include "diagnose/livereport.h"
#include "diagnose/sockdiag.h"
#include "output/event.h"
#include "output/sigframe.h"

static int scan_wanted;
enum { SCAN_IDLE, SCAN_RUNNING, SCAN_FAILED };
static int scan_state = SCAN_IDLE;
/* The thread's stack: enough for a pass and an event line's building. */
#define SCAN_THREAD_STACK (256 * 1024)

void scan_init(void) {
    scan_wanted = config.diag.scan_ms != 0 &&
                  (event_enabled(EV_CLOSE_WAIT) || livereport_wanted());
}

/* --- asking sock_diag: the dump ------------------------------------------ */

/* Inodes of the host's CLOSE_WAIT TCP sockets, sorted; only the scan
 * thread touches them. A host with more is scanned for the first ones. */
#define CLOSE_WAIT_MAX 65536
static uint32_t close_wait_inodes[CLOSE_WAIT_MAX];
static size_t close_wait_count;

static void collect_inode(const struct inet_diag_msg *m, void *data) {
    (void)data;
    if (close_wait_count < CLOSE_WAIT_MAX)
        close_wait_inodes[close_wait_count++] = m->idiag_inode;
}

/* Shell sort: qsort() may allocate. */
static void sort_inodes(uint32_t *v, size_t n) {
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

static int in_close_wait(uint32_t inode) {
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
static int scan_netlink(void) {
    int fd = privfd_get(PRIVFD_NETLINK);
    if (fd >= 0)
        return fd;
    int low = sockdiag_open();
    if (low < 0)
        return -1;
    fd = privfd_move(low);
    if (fd >= 0)
        privfd_exchange(PRIVFD_NETLINK, fd);
    return fd;
}

/* Is the scan thread the only live thread left (the main thread ended,
 * no other)? Read from /proc/self/stat through a private descriptor
 * opened once (a descriptor opened at each pass would sit at a low number
 * another thread's dup2() could take). 0 when unknown (no /proc). */
static int scan_thread_alone(void) {
    int fd = privfd_get(PRIVFD_PROC_STAT);
    if (fd < 0) {
        int low = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        if (low < 0)
            return 0;
        fd = privfd_move(low);
        if (fd < 0)
            return 0;
        privfd_exchange(PRIVFD_PROC_STAT, fd);
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

/* One pass: its clock, and the sockets of ours found in CLOSE_WAIT. */
struct scan_pass_state {
    uint32_t now;
    long found;
};

static int scan_slot(int fd, struct fd_slot *slot, void *data) {
    struct scan_pass_state *pass = data;
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
    if (__atomic_load_n(&slot->seen_ms, __ATOMIC_RELAXED) == 0)
        __atomic_store_n(&slot->seen_ms, pass->now ? pass->now : 1,
                         __ATOMIC_RELAXED);
    if (!fdtab_is_connection(flags, slot) || (flags & FD_CW_REPORTED))
        return 0;
    uint32_t inode = __atomic_load_n(&slot->inode, __ATOMIC_ACQUIRE);
    if (!(flags & FD_PEER_CLOSED)) {
        if (inode != 0 && in_close_wait(inode) &&
            closewait_mark_kernel(slot, gen, pass->now))
            pass->found++;
        return 0;
    }
    pass->found++;
    closewait_report_if_due(fd, slot, gen, pass->now);
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

const char *scan_way(void) { return last_way; }
static struct pollfd poll_batch[POLL_SCAN_MAX];
static uint32_t poll_gens[POLL_SCAN_MAX];

struct poll_collect {
    int count; /* -1 once there are more than POLL_SCAN_MAX */
};

/* Sockets whose CLOSE_WAIT only the kernel can tell: connections with no
 * EOF seen yet. */
static int collect_unconfirmed(int fd, struct fd_slot *slot, void *data) {
    struct poll_collect *c = data;
    uint32_t gen = __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE);
    uint32_t flags = fdtab_flags(slot);
    if (!fdtab_is_connection(flags, slot) ||
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
static int poll_sockets(int n, uint32_t now) {
    int rc = 0;
    while (n > 0 && (rc = real_poll(poll_batch, (nfds_t)n, 0)) < 0 &&
           errno == EINTR)
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
            closewait_mark_kernel(slot, poll_gens[i], now);
    }
    return 0;
}

long scan_pass(void) {
    struct scan_pass_state pass = {clock_now_ms(), 0};
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
static void *exit_like_last_thread(void *arg) {
    (void)arg;
    pthread_sigmask(SIG_SETMASK, &program_mask, NULL);
    exit(0);
}

/* Every thread of the program has ended (its last one through
 * pthread_exit() or cancellation): glibc would have ended the process
 * with exit(0) in that thread, had the scan thread not been counted. It
 * must not keep the process alive. */
static void end_process(void) {
    pthread_t thread;
    if (real_pthread_create(&thread, NULL, exit_like_last_thread, NULL) != 0)
        exit_like_last_thread(NULL);
    for (;;)
        pause();
}

/* The scan thread: a pass every SOCKSHIM_SCAN, and at least once a second
 * the reports due (diagnose/livereport.h), the descriptor limit read
 * anew (diagnose/fdlimit.h), and a look at whether the program's threads
 * have all ended. */
static void *scan_main(void *arg) {
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
            scan_pass();
        }
        livereport_tick(clock_now_ms());
        fdlimit_tick();
        if (scan_thread_alone())
            end_process();
    }
    return NULL;
}

/* When a start of the scan thread was last put off because a signal
 * handler was running (clock_now_ms clock), or NEVER_DEFERRED. */
#define NEVER_DEFERRED UINT32_MAX
static uint32_t deferred_at = NEVER_DEFERRED;
/* How long a start put off waits before the stack is looked at again. */
#define SCAN_START_RETRY_MS 100

void scan_start(void) {
    if (!scan_wanted ||
        __atomic_load_n(&scan_state, __ATOMIC_ACQUIRE) != SCAN_IDLE)
        return;
    /* Never from a signal handler (every wrapped call may run in one):
     * pthread_create() allocates, and would wait forever on the malloc
     * lock a handler's interrupted code holds; it also needs more stack
     * than a small alternate signal stack has. The next TCP socket or EOF
     * outside a handler starts the thread; the look at the stack is made
     * at most every SCAN_START_RETRY_MS. */
    uint32_t now = clock_now_ms();
    uint32_t last = __atomic_load_n(&deferred_at, __ATOMIC_RELAXED);
    if (last != NEVER_DEFERRED && now - last < SCAN_START_RETRY_MS)
        return;
    PRESERVE_ERRNO;
    if (sigframe_in_handler()) {
        __atomic_store_n(&deferred_at, now, __ATOMIC_RELAXED);
        return;
    }
    int expected = SCAN_IDLE;
    if (!__atomic_compare_exchange_n(&scan_state, &expected, SCAN_RUNNING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
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
        pthread_attr_setstacksize(&attr, SCAN_THREAD_STACK);
        /* Not through our pthread_create(): this thread is no reason to
         * leave direct system calls (direct.h). */
        ok = real_pthread_create(&thread, &attr, scan_main, NULL) == 0;
        pthread_attr_destroy(&attr);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok)
        __atomic_store_n(&scan_state, SCAN_FAILED, __ATOMIC_RELEASE);
}
void scan_after_fork_child(void) {
    __atomic_store_n(&scan_state, SCAN_IDLE, __ATOMIC_RELEASE);
    __atomic_store_n(&deferred_at, NEVER_DEFERRED, __ATOMIC_RELAXED);
    /* The parent's netlink socket must not be shared (two processes'
     * dumps would mix), and /proc/self/stat opened in the parent is the
     * parent's. */
    int nl = privfd_exchange(PRIVFD_NETLINK, -1);
    if (nl >= 0)
        real_close(nl);
    int st = privfd_exchange(PRIVFD_PROC_STAT, -1);
    if (st >= 0)
        real_close(st);
}
