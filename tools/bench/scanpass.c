/*
 * scanpass.c — one pass of the background scan over 100,000 sockets.
 *
 * Linked against the (optimised) core library, as stack-capture.c is. The
 * library is set up as init.c does (configuration read from a fixed table:
 * enforce, keepalive 60, nodelay, all checks, stacks on, log to a file,
 * level warn), then:
 *
 * - this process makes as many loopback TCP connections through the
 *   library's hooks (hook_socket/hook_connect/hook_accept) as its
 *   RLIMIT_NOFILE allows: both ends are tracked connection sockets, the
 *   kind the scan judges. CLOSE_WAIT_N client ends are closed, so the
 *   kernel's dump has sockets of ours in CLOSE_WAIT to match;
 * - when the limit is below 2 x PAIRS + a margin and cannot be raised (no
 *   CAP_SYS_RESOURCE, as in some containers), the rest of the 100,000 is
 *   made up twice over, so that both halves of a pass see 100,000:
 *   (1) the kernel side: helper children hold the remaining connections
 *       (plain, untracked), so the host has 100,000 TCP sockets for the
 *       sock_diag dump to walk;
 *   (2) the table side: fd slots above the limit are filled as copies of
 *       a real accepted socket's slot with a distinct inode already known
 *       (the scan reads the table only; it touches a descriptor just to
 *       learn an unknown inode or to report, neither of which happens for
 *       these). The output says how many slots are real.
 *
 * The background thread is not started (SOCKSHIM_SCAN=0 in the table):
 * scan_pass() is called directly and timed, ROUNDS times. With more
 * than 4096 connections the pass is the sock_diag dump; the first pass
 * learns each real socket's identity (one fstat() and two getsockopt()
 * each, lib/diagnose/identity.h); with fewer, it asks
 * the sockets themselves (one poll()). The first pass is shown apart; the
 * figure is the median of the following ones.
 *
 * Then the report the scan thread writes every SOCKSHIM_REPORT period
 * (diagnose/livereport.c), over the same table, timed ROUNDS times: one
 * census (census_take(), CENSUS_AS_SCANNED: one walk of the fd table, then
 * a poll() count of the open descriptors up to the soft RLIMIT_NOFILE),
 * its open_sockets event written to the log, census_release(). The passes
 * above marked the CLOSE_WAIT_N connections peer-closed, but they are not
 * yet past SOCKSHIM_CLOSE_WAIT, so the report is at info level, as a
 * periodic one is: the log level is raised to info for it (after the
 * passes, which are measured at warn), or nothing would be written. The
 * census alone (taken and released, no event) is timed too, and the
 * poll() count alone, since it grows with the limit, not the sockets.
 * The bench's own frames are in the same executable as the library, so
 * every capture here gives the same stack; for the report the sockets
 * are spread over REPORT_STACKS stored stacks of 15 frames (code
 * addresses of this program and the real capture's frames), as a server
 * with several creation sites would have them: 8 groups named, the rest
 * summed.
 *
 * Every connection is closed with a reset at the end (SO_LINGER {1,0}):
 * TIME_WAIT sockets also sit in the kernel's hash the dump walks, and
 * would slow the next run for a minute.
 *
 *   scanpass [PAIRS [ROUNDS]]        defaults 50000 and 15
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/clock.h"
#include "lib/base/fdtab.h"
#include "lib/base/real.h"
#include "lib/config/configuration.h"
#include "lib/diagnose/census.h"
#include "lib/diagnose/checks.h"
#include "lib/diagnose/scan.h"
#include "lib/interpose/hooks.h"
#include "lib/output/event.h"
#include "lib/output/log.h"
#include "lib/output/stack.h"

#define LISTENERS 4
#define CLOSE_WAIT_N 100
#define ROUNDS_MAX 101
#define TARGET_MS 5.0
#define REPORT_TARGET_MS 10.0
/* Creation stacks the sockets are spread over for the report: more than
 * CENSUS_GROUPS_SHOWN, so it names 8 and sums the rest. */
#define REPORT_STACKS 12

static const char *log_path = "/tmp/sockshim-bench-scanpass.log";

/* The configuration, as the environment would give it. */
static const char *table_getenv(const char *name) {
    static const struct {
        const char *name, *value;
    } vars[] = {
        {"SOCKSHIM_MODE", "enforce"}, {"SOCKSHIM_KEEPALIVE", "60"},
        {"SOCKSHIM_NODELAY", "on"},   {"SOCKSHIM_LOG_LEVEL", "warn"},
        {"SOCKSHIM_SCAN", "0"},
    };
    if (strcmp(name, "SOCKSHIM_LOG") == 0) {
        static char dest[300];
        snprintf(dest, sizeof dest, "file:%s", log_path);
        return dest;
    }
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (strcmp(name, vars[i].name) == 0)
            return vars[i].value;
    return NULL;
}

static void report_error(const char *where, const char *value,
                         const char *problem, const char *accepted) {
    fprintf(stderr, "scanpass: configuration: %s=%s: %s (%s)\n", where,
            value ? value : "", problem, accepted ? accepted : "");
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what) {
    fprintf(stderr, "scanpass: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* SO_LINGER {1,0} on FD: closed (at exit) with a reset, so no TIME_WAIT
 * socket is left to slow the next run's dump for a minute. */
static void no_time_wait(int fd) {
    struct linger abort_close = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
}

/* A helper child: N plain loopback connections, held until killed. */
static pid_t spawn_holder(long n) {
    int ready[2];
    if (pipe(ready) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid > 0) {
        char c;
        real_close(ready[1]);
        if (read(ready[0], &c, 1) != 1 || c != 'y') {
            fprintf(stderr, "scanpass: a helper failed\n");
            exit(1);
        }
        real_close(ready[0]);
        return pid;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4096) ||
        getsockname(l, (struct sockaddr *)&a, &len))
        _exit(1);
    for (long k = 0; k < n; k++) {
        int c = socket(AF_INET, SOCK_STREAM, 0), s;
        if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0 ||
            (s = accept(l, NULL, NULL)) < 0) {
            perror("scanpass helper");
            _exit(1);
        }
        no_time_wait(c);
        no_time_wait(s);
    }
    if (write(ready[1], "y", 1) != 1)
        _exit(1);
    for (;;)
        pause();
}

/* The log's size in bytes, or -1. */
static long long log_size(void) {
    struct stat st;
    return stat(log_path, &st) == 0 ? (long long)st.st_size : -1;
}

/* One open_sockets report as livereport.c writes it (its level chosen the
 * same way): census, event, release. Returns 1 when the event was
 * written, 0 when not, -1 when the census could not be taken; *OUT gets
 * the census. */
static int one_report(struct census *out) {
    if (!census_take(out, CENSUS_AS_SCANNED))
        return -1;
    enum log_level level = out->close_wait_due > 0 ? LEVEL_WARN : LEVEL_INFO;
    struct event ev;
    int written = census_event_begin(&ev, EV_OPEN_SOCKETS, level, 0);
    if (written) {
        census_event(&ev, out,
                     "open sockets by creation stack; growth is the change "
                     "since the last report (a pool stays flat, a leak "
                     "grows)");
        event_end(&ev);
    }
    census_release(out, written);
    return written;
}

/* Spread the tracked sockets below fd END over REPORT_STACKS distinct
 * stacks, each the real capture's frames under a different order of this
 * program's code addresses, so that naming them costs what naming a
 * server's stacks does. */
static void spread_stacks(int end) {
    const uintptr_t code[] = {
        (uintptr_t)fdtab_slot,   (uintptr_t)spawn_holder,
        (uintptr_t)median,       (uintptr_t)by_value,
        (uintptr_t)now_ns,       (uintptr_t)die,
        (uintptr_t)no_time_wait, (uintptr_t)table_getenv,
        (uintptr_t)report_error, (uintptr_t)log_size,
        (uintptr_t)one_report,   (uintptr_t)spread_stacks,
    };
    const int ncode = (int)(sizeof code / sizeof code[0]);
    uint32_t ids[REPORT_STACKS];
    const struct fd_slot *model = NULL;
    for (int fd = 0; fd < end && model == NULL; fd++) {
        const struct fd_slot *slot = fdtab_peek(fd);
        if (slot != NULL && (fdtab_flags(slot) & FD_TRACKED))
            model = slot;
    }
    const uintptr_t *real_ips = NULL;
    int nreal =
        model != NULL ? stack_frames(model->create_stack, &real_ips) : 0;
    for (int i = 0; i < REPORT_STACKS; i++) {
        uintptr_t ips[STACK_DEPTH_MAX];
        int n = 0;
        for (int j = 0; j < ncode; j++)
            ips[n++] = code[(i + j) % ncode] + 16; /* a return address */
        for (int j = 0; j < nreal && n < 15; j++)
            ips[n++] = real_ips[j];
        ids[i] = stack_store(ips, n);
    }
    for (int fd = 0; fd < end; fd++) {
        struct fd_slot *slot = fdtab_peek(fd);
        if (slot != NULL && (fdtab_flags(slot) & FD_TRACKED))
            slot->create_stack = ids[fd % REPORT_STACKS];
    }
}

/* What time_report() measured. */
struct report_times {
    struct census c;      /* the last report's census */
    int written, refused; /* reports written; censuses refused */
    long long bytes;      /* log bytes per report written */
    double first, report; /* ms: the first report, median of the rest */
    double census, count; /* ms: census alone, poll() count alone */
};

/* The report, the census alone and the descriptor count, ROUNDS times
 * each, into T: the first report apart (it names the stacks for the
 * first time), medians of the rest. */
static void time_report(int rounds, struct report_times *t) {
    double ms[ROUNDS_MAX], alone[ROUNDS_MAX], count[ROUNDS_MAX];
    struct census c;
    memset(t, 0, sizeof *t);
    /* A periodic report with nothing past SOCKSHIM_CLOSE_WAIT is at info
     * level (see the header). */
    event_configure(config.diag.checks, LEVEL_INFO, config.log.format);
    long long size0 = log_size();
    /* Alternated in each round, so that the three medians see the same
     * load on a shared machine. */
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        int rc = one_report(&t->c);
        double t1 = now_ns();
        if (census_take(&c, CENSUS_AS_SCANNED))
            census_release(&c, 0);
        double t2 = now_ns();
        census_count_fds(t->c.fd_limit);
        double t3 = now_ns();
        ms[r] = (t1 - t0) / 1e6;
        alone[r] = (t2 - t1) / 1e6;
        count[r] = (t3 - t2) / 1e6;
        t->written += rc == 1;
        t->refused += rc < 0;
    }
    if (t->written > 0)
        t->bytes = (log_size() - size0) / t->written;
    t->first = ms[0];
    t->report = median(ms + 1, rounds - 1);
    t->census = median(alone + 1, rounds - 1);
    t->count = median(count + 1, rounds - 1);
}

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 50000;
    int rounds = argc > 2 ? atoi(argv[2]) : 15;
    if (pairs < LISTENERS || rounds < 2 || rounds > ROUNDS_MAX) {
        fprintf(stderr, "usage: scanpass [PAIRS [ROUNDS (2..%d)]]\n",
                ROUNDS_MAX);
        return 2;
    }
    const char *p = getenv("SOCKSHIM_BENCH_LOG");
    if (p != NULL && *p != '\0')
        log_path = p;

    struct rlimit rl;
    rlim_t want = (rlim_t)(2 * pairs + LISTENERS + 200);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit");
    if (rl.rlim_cur < want) {
        struct rlimit r2 = rl;
        r2.rlim_cur = want;
        if (r2.rlim_max < want)
            r2.rlim_max = want;
        if (setrlimit(RLIMIT_NOFILE, &r2) == 0)
            rl = r2;
        else if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    /* Connections of our own: what the limit allows (a margin kept for
     * the log, the netlink socket and libunwind's pipes). */
    long own = pairs;
    if ((rlim_t)(2 * own + LISTENERS + 200) > rl.rlim_cur)
        own = ((long)rl.rlim_cur - LISTENERS - 200) / 2;
    if (own < 1) {
        fprintf(stderr, "scanpass: RLIMIT_NOFILE too low\n");
        return 1;
    }
    /* The kernel side of the rest: helper children, before the library
     * is set up (they are plain, untracked). */
    long rest = pairs - own, per_child = own;
    pid_t holders[64];
    int nholders = 0;
    double th = now_ns();
    while (rest > 0 && nholders < 64) {
        long n = rest < per_child ? rest : per_child;
        holders[nholders++] = spawn_holder(n);
        rest -= n;
    }
    double held = (now_ns() - th) / 1e9;

    /* As init.c's initialise(), with the table for the environment. */
    real_resolve_all();
    config_defaults(&config);
    config_load(&config, table_getenv, report_error);
    log_configure(&config.log);
    event_configure(config.diag.checks, config.log.level, config.log.format);
    clock_init();
    scan_init();
    checks_init();

    struct sockaddr_in addr[LISTENERS];
    int lfd[LISTENERS];
    for (int i = 0; i < LISTENERS; i++) {
        memset(&addr[i], 0, sizeof addr[i]);
        addr[i].sin_family = AF_INET;
        addr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (unsigned)i);
        socklen_t len = sizeof addr[i];
        lfd[i] = hook_socket(AF_INET, SOCK_STREAM, 0);
        if (lfd[i] < 0 ||
            hook_bind(lfd[i], (struct sockaddr *)&addr[i], sizeof addr[i]) ||
            hook_listen(lfd[i], 4096) ||
            getsockname(lfd[i], (struct sockaddr *)&addr[i], &len))
            die("listener");
    }
    int *client = malloc(sizeof *client * (size_t)own);
    if (client == NULL)
        die("malloc");
    double t0 = now_ns();
    int last_accepted = -1;
    for (long k = 0; k < own; k++) {
        int i = (int)(k % LISTENERS);
        int c = hook_socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0)
            die("socket");
        if (hook_connect(c, (struct sockaddr *)&addr[i], sizeof addr[i]) != 0)
            die("connect");
        if ((last_accepted = hook_accept(lfd[i], NULL, NULL)) < 0)
            die("accept");
        client[k] = c;
    }
    double made = (now_ns() - t0) / 1e9;
    for (long k = 0; k < CLOSE_WAIT_N && k < own; k++)
        hook_close(client[k]);

    /* The table side of the rest: copies of a real accepted socket's slot
     * at numbers above the limit, each with its own (unmatched) inode. */
    long synthetic = 2 * (pairs - own);
    struct fd_slot model = *fdtab_peek(last_accepted);
    for (long k = 0; k < synthetic; k++) {
        struct fd_slot *slot = fdtab_slot((int)rl.rlim_cur + 16 + (int)k);
        if (slot == NULL)
            die("fdtab_slot");
        *slot = model;
        slot->inode = 0x70000000u + (uint32_t)k;
    }

    double ms[ROUNDS_MAX];
    long found = 0;
    for (int r = 0; r < rounds; r++) {
        double t = now_ns();
        found = scan_pass();
        ms[r] = (now_ns() - t) / 1e6;
    }
    double first = ms[0];
    double med = median(ms + 1, rounds - 1);
    spread_stacks((int)rl.rlim_cur + 16 + (int)synthetic);
    struct report_times rep;
    time_report(rounds, &rep);
    for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
        no_time_wait(fd);
    for (int i = 0; i < nholders; i++)
        kill(holders[i], SIGKILL);
    for (int i = 0; i < nholders; i++)
        waitpid(holders[i], NULL, 0);
    printf("scanpass: %ld tracked connection sockets in the table (%ld real "
           "in this process, RLIMIT_NOFILE %lu; %ld copies above it), "
           "%ld host TCP sockets (%ld held by %d helpers)\n",
           2 * own - (own < CLOSE_WAIT_N ? own : CLOSE_WAIT_N) + synthetic,
           2 * own - (own < CLOSE_WAIT_N ? own : CLOSE_WAIT_N),
           (unsigned long)rl.rlim_cur, synthetic, 2 * pairs, 2 * (pairs - own),
           nholders);
    printf("scanpass: set-up %.1f s (helpers %.1f s); %d of ours in "
           "CLOSE_WAIT, found %ld\n",
           made + held, held, CLOSE_WAIT_N, found);
    printf("scanpass: first pass %.2f ms\n", first);
    if (2 * pairs >= 100000)
        printf("scanpass: median of %d passes %.2f ms   target <= %.0f ms: "
               "%s\n",
               rounds - 1, med, TARGET_MS,
               med <= TARGET_MS ? "met" : "NOT met");
    else /* the target is for 100,000 */
        printf("scanpass: median of %d passes %.2f ms\n", rounds - 1, med);
    const struct census *c = &rep.c;
    printf("scanpass: open_sockets report: %lu sockets, %lu close_wait, "
           "%d groups; fds_open %ld (poll() below fd_limit %ld, the soft "
           "RLIMIT_NOFILE)\n",
           c->sockets, c->close_wait, c->group_count, c->fds_open, c->fd_limit);
    printf("scanpass: open_sockets report: %d of %d written (%d censuses "
           "refused), %lld log bytes each; first %.2f ms\n",
           rep.written, rounds, rep.refused, rep.bytes, rep.first);
    int met = rep.written == rounds && rep.report <= REPORT_TARGET_MS;
    if (2 * pairs >= 100000)
        printf("scanpass: report median of %d %.2f ms   target <= %.0f ms: "
               "%s\n",
               rounds - 1, rep.report, REPORT_TARGET_MS,
               met ? "met" : "NOT met");
    else
        printf("scanpass: report median of %d %.2f ms\n", rounds - 1,
               rep.report);
    printf("scanpass: census alone (no event) median of %d %.2f ms; of "
           "which the poll() count of %ld descriptors %.2f ms\n",
           rounds - 1, rep.census, c->fd_limit, rep.count);
    /* The poll() count costs per open descriptor (each socket's poll
     * method); the copies above the limit have none behind them. A process
     * really holding them all, with a limit to match, would pay it for
     * each. */
    if (c->fds_open > 0 && (long)c->sockets > c->fds_open)
        printf("scanpass: estimate with all %lu sockets real (the poll() "
               "count scaled by %lu/%ld open descriptors): report %.2f ms\n",
               c->sockets, c->sockets, c->fds_open,
               rep.report - rep.count +
                   rep.count * (double)c->sockets / (double)c->fds_open);
    return 0;
}
