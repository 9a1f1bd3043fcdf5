/*
 * report-t.c — what becomes of a diagnostic event before it is written
 * (lib/diagnose/report.c): repeats from the same stacks folded into
 * counts, suppressions from a SOCKSHIM_SUPPRESS file, the level and
 * SOCKSHIM_CHECKS filters, the summary's counts, their reset in a forked
 * child, and glob_match.
 *
 * The configuration is read by config_load() from a fake environment,
 * events go to a log file under $TMPDIR that is read back after each
 * step. Stacks are stored with stack_store() from real return addresses
 * inside this program's static functions (and one in libc), so that a
 * suppression can name their functions and modules.
 *
 * The report module's counts are the process's, never reset but by
 * report_after_fork_child(): the steps below run in order, and the
 * summary near the end adds up every one of them.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/base/direct.h"
#include "lib/base/real.h"
#include "lib/config/configuration.h"
#include "lib/diagnose/report.h"
#include "lib/output/event.h"
#include "lib/output/log.h"
#include "lib/output/stack.h"
#include "t/tap/basic.h"
#include "t/tap/logtail.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(k) (1u << (k))

/* --- configuration through a fake environment ---------------------------- */

static char log_path[256], log_setting[270], suppress_path[256];

static const char *fake_getenv(const char *name) {
    if (strcmp(name, "SOCKSHIM_LOG") == 0)
        return log_setting;
    if (strcmp(name, "SOCKSHIM_LOG_LEVEL") == 0)
        return "info";
    if (strcmp(name, "SOCKSHIM_SUPPRESS") == 0)
        return suppress_path;
    return NULL;
}

static void report_error(const char *where, const char *value,
                         const char *problem, const char *accepted) {
    bail("the test's configuration has an error: %s=%s: %s (%s)", where,
         value ? value : "", problem, accepted);
}

/* One suppression per kind of match: a function glob on an inner frame,
 * any kind (with spaces around the pattern), a module, '?', and a module
 * that is never loaded. */
static const char suppressions[] = "# sockshim suppressions for report-t\n"
                                   "close_unread:report_t_suppressed_*\n"
                                   "*: report_t_any_kind_site \n"
                                   "write_after_shutdown:libc.so*\n"
                                   "addr_in_use:report_t_site_othe?\n"
                                   "double_close:libnot-loaded.so*\n";
#define SUPPRESSION_LINES 5

/* --- the log file -------------------------------------------------------- */

static long log_read_to;

/* The bytes the log file received since the last call. */
static const char *new_log_text(void) {
    return log_tail(log_path, &log_read_to);
}

/* "sockshim[PID]: " BODY "\n" for each BODY up to NULL: the text lines
 * expected, in order. */
static const char *text_lines(const char *body, ...) {
    static char out[16384];
    size_t n = 0;
    va_list ap;
    va_start(ap, body);
    for (const char *b = body; b != NULL; b = va_arg(ap, const char *))
        n += (size_t)snprintf(out + n, sizeof out - n, "sockshim[%d]: %s\n",
                              (int)getpid(), b);
    va_end(ap);
    out[n] = '\0';
    return out;
}

/* TEXT with newlines shown as \n: a diagnostic stays one TAP line. */
static const char *visible(const char *text) {
    static char out[2][16384];
    static int turn;
    char *o = out[turn++ % 2];
    size_t n = 0;
    for (; *text != '\0' && n < sizeof out[0] - 3; text++) {
        if (*text == '\n') {
            o[n++] = '\\';
            o[n++] = 'n';
        } else {
            o[n++] = *text;
        }
    }
    o[n] = '\0';
    return o;
}

/* is_string() for text that may hold newlines. */
static int is_text(const char *expected, const char *seen, const char *what) {
    int same = strcmp(expected, seen) == 0;
    ok(same, "%s", what);
    if (!same) {
        diag("expected '%s'", visible(expected));
        diag("seen     '%s'", visible(seen));
    }
    return same;
}

/* --- stacks of this program ---------------------------------------------- */

static __attribute__((noinline)) uintptr_t return_address(void) {
    uintptr_t ra = (uintptr_t)__builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
    return ra;
}

/* Return addresses inside static functions whose names the suppressions
 * match or not. Each keeps a mark of its own, so that the compiler cannot
 * merge them into one. */
#define SITE(name, n)                                                          \
    static __attribute__((noinline)) uintptr_t name(void) {                    \
        volatile int mark = n;                                                 \
        uintptr_t ra = return_address();                                       \
        __asm__ volatile("" ::: "memory");                                     \
        return ra + (uintptr_t)(mark - n);                                     \
    }
SITE(report_t_site_plain, 1)
SITE(report_t_site_other, 2)
SITE(report_t_suppressed_close, 3)
SITE(report_t_any_kind_site, 4)

/* The stacks the events below come from. */
static uint32_t s_plain; /* report_t_site_plain */
static uint32_t s_other; /* report_t_site_other: addr_in_use suppressed */
static uint32_t s_supp;  /* plain, then report_t_suppressed_close */
static uint32_t s_any;   /* report_t_any_kind_site: any kind suppressed */
static uint32_t s_libc;  /* plain, then a frame in libc */
#define STACKS_STORED 5

static uint32_t store(uintptr_t a, uintptr_t b) {
    uintptr_t ips[2] = {a, b};
    uint32_t id = stack_store(ips, b != 0 ? 2 : 1);
    if (id == 0)
        bail("stack_store failed");
    return id;
}

static void store_stacks(void) {
    uintptr_t plain = report_t_site_plain();
    s_plain = store(plain, 0);
    s_other = store(report_t_site_other(), 0);
    s_supp = store(plain, report_t_suppressed_close());
    s_any = store(report_t_any_kind_site(), 0);
    /* twalk is libc's own (the sanitizers do not intercept it); +1: a
     * return address is looked up one byte back. */
    s_libc = store(plain, (uintptr_t)twalk + 1);
}

/* --- reporting ----------------------------------------------------------- */

/* report_begin() as a check calls it; when it says to write, the event
 * gets its one field and is written. Returns what report_begin did. */
static int report(enum event_kind kind, int fd, uint32_t call_stack,
                  uint32_t create_stack) {
    struct event ev;
    if (!report_begin(&ev, kind, fd, call_stack, create_stack))
        return 0;
    event_int(&ev, "n", 1);
    event_end(&ev);
    return 1;
}

/* Report COUNT times; how many were to be written. */
static int report_times(int count, enum event_kind kind, int fd,
                        uint32_t call_stack, uint32_t create_stack) {
    int written = 0;
    for (int i = 0; i < count; i++)
        written += report(kind, fd, call_stack, create_stack);
    return written;
}

/* The short line at the Nth repeat from call stack ID. */
static const char *repeat_body(const char *kind, int fd, unsigned n,
                               uint32_t id) {
    static char body[2][512];
    static int turn;
    char *b = body[turn++ % 2];
    snprintf(b, sizeof body[0],
             "warn: %s fd=%d repeat=%u stack_id=%u -- the same event from "
             "the same stack, shown in full the first time; counted since",
             kind, fd, n, (unsigned)id);
    return b;
}

static void test_folding(void) {
    new_log_text();

    /* The first from a pair of stacks is written; the 2nd to 9th are
     * only counted; the 10th, 100th and 1000th each get a short line
     * with the count and the call stack's id. */
    int first = report(EV_CLOSE_UNREAD, 5, s_plain, s_other);
    ok(first, "close_unread from (plain, other): report_begin says write");
    is_text(text_lines("warn: close_unread fd=5 n=1", NULL), new_log_text(),
            "... and it is written in full");
    int written = report_times(8, EV_CLOSE_UNREAD, 5, s_plain, s_other);
    const char *log = new_log_text();
    ok(written == 0 && *log == '\0',
       "the 2nd to 9th: not written, no line (%d written)", written);
    written = report(EV_CLOSE_UNREAD, 5, s_plain, s_other);
    is_text(text_lines(repeat_body("close_unread", 5, 10, s_plain), NULL),
            new_log_text(), "the 10th: a short line, repeat=10 stack_id");
    ok(written == 0, "... and not the event itself");
    written = report_times(89, EV_CLOSE_UNREAD, 5, s_plain, s_other);
    log = new_log_text();
    ok(written == 0 && *log == '\0', "the 11th to 99th: nothing");
    written += report(EV_CLOSE_UNREAD, 5, s_plain, s_other);
    is_text(text_lines(repeat_body("close_unread", 5, 100, s_plain), NULL),
            new_log_text(), "the 100th: repeat=100");
    written += report_times(900, EV_CLOSE_UNREAD, 5, s_plain, s_other);
    is_text(text_lines(repeat_body("close_unread", 5, 1000, s_plain), NULL),
            new_log_text(), "the 101st to 1000th: only repeat=1000");
    ok(written == 0, "... none of them written in full");
    /* close_unread: 1000 seen, 999 repeated. */

    /* Another pair of stacks, or another kind, is another event: the
     * key is (kind, call stack, creation stack), in that order. */
    static const struct {
        const char *what;
        enum event_kind kind;
        uint32_t *call, *create;
        const char *line;
    } others[] = {
        {"the same call stack, no creation stack", EV_CLOSE_UNREAD, &s_plain,
         NULL, "warn: close_unread fd=6 n=1"},
        {"the two stacks swapped", EV_CLOSE_UNREAD, &s_other, &s_plain,
         "warn: close_unread fd=6 n=1"},
        {"no call stack, the same creation stack", EV_CLOSE_UNREAD, NULL,
         &s_other, "warn: close_unread fd=6 n=1"},
        {"the same stacks, another kind", EV_ABORTIVE_CLOSE, &s_plain, &s_other,
         "warn: abortive_close fd=6 n=1"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
        uint32_t call = others[i].call ? *others[i].call : 0;
        uint32_t create = others[i].create ? *others[i].create : 0;
        int w = report(others[i].kind, 6, call, create);
        char what[160];
        snprintf(what, sizeof what, "not folded with the first: %s",
                 others[i].what);
        log = new_log_text();
        if (!ok(w && strcmp(log, text_lines(others[i].line, NULL)) == 0, "%s",
                what))
            diag("log: %s", visible(log));
    }
    /* Each of them is remembered on its own: a second time, folded. */
    written = 0;
    for (size_t i = 0; i < ARRAY_SIZE(others); i++)
        written +=
            report(others[i].kind, 6, others[i].call ? *others[i].call : 0,
                   others[i].create ? *others[i].create : 0);
    log = new_log_text();
    ok(written == 0 && *log == '\0',
       "each of those a second time: folded (%d written)", written);
    /* close_unread: 1006 seen, 1002 repeated; abortive_close: 2, 1. */

    /* Without any stack there is nothing to fold by: every one is
     * written, and no repeat line comes. */
    written = report_times(12, EV_DOUBLE_CLOSE, 7, 0, 0);
    log = new_log_text();
    ok(written == 12 && line_count(log) == 12 && strstr(log, "repeat=") == NULL,
       "12 double_close without stacks: 12 written in full, no repeat "
       "line");
    /* double_close: 12 seen. */
}

static void test_suppressions(void) {
    new_log_text();
    static const struct {
        const char *what;
        enum event_kind kind;
        uint32_t *call, *create;
        int written;
    } cases[] = {
        {"close_unread, a function glob on the call stack's inner frame",
         EV_CLOSE_UNREAD, &s_supp, &s_other, 0},
        {"... the same stacks again (suppressed, not folded)", EV_CLOSE_UNREAD,
         &s_supp, &s_other, 0},
        {"... and a third time", EV_CLOSE_UNREAD, &s_supp, &s_other, 0},
        {"abortive_close from that stack: the line is for close_unread only",
         EV_ABORTIVE_CLOSE, &s_supp, &s_other, 1},
        {"double_close, '*' kind, matched on the creation stack",
         EV_DOUBLE_CLOSE, &s_plain, &s_any, 0},
        {"shutdown_misuse, '*' kind, matched on the call stack",
         EV_SHUTDOWN_MISUSE, &s_any, NULL, 0},
        {"write_after_shutdown with a libc frame: module glob libc.so*",
         EV_WRITE_AFTER_SHUTDOWN, &s_libc, &s_other, 0},
        {"write_after_shutdown without it", EV_WRITE_AFTER_SHUTDOWN, &s_plain,
         &s_other, 1},
        {"addr_in_use, '?' matching one byte of report_t_site_other",
         EV_ADDR_IN_USE, &s_plain, &s_other, 0},
        {"double_close, only a module never loaded named", EV_DOUBLE_CLOSE,
         &s_plain, &s_other, 1},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int w = report(cases[i].kind, 8, cases[i].call ? *cases[i].call : 0,
                       cases[i].create ? *cases[i].create : 0);
        int lines = line_count(new_log_text());
        if (!ok(w == cases[i].written && lines == cases[i].written, "%s: %s",
                cases[i].what,
                cases[i].written ? "written, one line" : "suppressed, no line"))
            diag("report_begin said %d, %d lines", w, lines);
    }
    /* Seen: close_unread 1009, abortive_close 3, double_close 14,
     * shutdown_misuse 1, write_after_shutdown 2, addr_in_use 1;
     * suppressed: 7. */
}

static void test_filters(void) {
    struct event ev;
    new_log_text();

    /* An event below SOCKSHIM_LOG_LEVEL is neither written nor counted:
     * had it been, the warn event from the same stack next would be a
     * folded repeat. */
    event_configure(CHECKS_ALL, LEVEL_WARN, FORMAT_TEXT);
    int info =
        report_begin_at(&ev, EV_LEAK_AT_EXIT, LEVEL_INFO, -1, 0, s_other);
    if (info)
        event_end(&ev);
    const char *log = new_log_text();
    ok(!info && *log == '\0', "leak_at_exit at info under level warn: not "
                              "written");
    int warn =
        report_begin_at(&ev, EV_LEAK_AT_EXIT, LEVEL_WARN, -1, 0, s_other);
    if (warn)
        event_end(&ev);
    is_text(text_lines("warn: leak_at_exit", NULL), new_log_text(),
            "... then at warn from the same stack: written in full (the "
            "info one was not counted)");
    ok(warn, "... report_begin_at said so");

    /* A kind SOCKSHIM_CHECKS leaves out: not written, not counted (the
     * summary below has the count of double_close from before). */
    event_configure(CHECKS_ALL & ~BIT(EV_DOUBLE_CLOSE), LEVEL_INFO,
                    FORMAT_TEXT);
    int w = report(EV_DOUBLE_CLOSE, 9, 0, 0);
    log = new_log_text();
    ok(!w && *log == '\0', "double_close left out of SOCKSHIM_CHECKS: not "
                           "written");
    event_configure(CHECKS_ALL, LEVEL_INFO, FORMAT_TEXT);
    /* leak_at_exit: 1 seen. */
}

/* --- the summary --------------------------------------------------------- */

/* The summary's fields after "sockets": the counts so far. */
static const char *summary_tail(int json, const char *counts, int repeated,
                                int suppressed) {
    static char tail[1024];
    if (json)
        snprintf(tail, sizeof tail,
                 "\"counts\":{%s},\"repeated\":%d,\"suppressed\":%d,"
                 "\"closed_unseen\":0,\"stacks\":%d,\"direct_syscalls\":"
                 "\"%s\"}\n",
                 counts, repeated, suppressed, STACKS_STORED,
                 direct_syscalls_state());
    else
        snprintf(tail, sizeof tail,
                 "%s%srepeated=%d suppressed=%d closed_unseen=0 stacks=%d "
                 "direct_syscalls=%s\n",
                 counts, *counts ? " " : "", repeated, suppressed,
                 STACKS_STORED, direct_syscalls_state());
    return tail;
}

/* Does TEXT hold exactly one line, a summary from PID ending in
 * "sockets":SOCKETS and TAIL? */
static int is_summary(const char *text, int json, int pid, int sockets,
                      const char *tail, const char *what) {
    char want[2048], start[128];
    if (json) {
        snprintf(start, sizeof start, "\"pid\":%d,", pid);
        snprintf(want, sizeof want,
                 ",\"level\":\"info\",\"kind\":\"summary\","
                 "\"sockets\":%d,%s",
                 sockets, tail);
    } else {
        snprintf(start, sizeof start, "sockshim[%d]: ", pid);
        snprintf(want, sizeof want,
                 "sockshim[%d]: info: summary sockets=%d "
                 "%s",
                 pid, sockets, tail);
    }
    const char *found = json ? strstr(text, ",\"level\":") : text;
    int same = line_count(text) == 1 && strstr(text, start) != NULL &&
               found != NULL && strcmp(found, want) == 0;
    ok(same, "%s", what);
    if (!same) {
        diag("expected '%s'", visible(want));
        diag("seen     '%s'", visible(text));
    }
    return same;
}

/* JSON has every kind, in the order of the kinds, 0 included. */
#define COUNTS_JSON                                                            \
    "\"policy\":0,\"policy_failed\":0,\"would_apply\":0,"                      \
    "\"app_override\":0,\"close_unread\":1009,\"abortive_close\":3,"           \
    "\"double_close\":14,\"shutdown_misuse\":1,\"write_after_shutdown\":2,"    \
    "\"close_wait\":0,\"late_close\":0,\"leak_at_exit\":1,\"addr_in_use\":1,"  \
    "\"accept_overflow\":0,\"open_sockets\":0,\"fd_exhausted\":0,"             \
    "\"fd_pressure\":0,\"module\":0"
#define CHILD_COUNTS_JSON                                                      \
    "\"policy\":0,\"policy_failed\":0,\"would_apply\":0,"                      \
    "\"app_override\":0,\"close_unread\":0,\"abortive_close\":0,"              \
    "\"double_close\":1,\"shutdown_misuse\":0,\"write_after_shutdown\":0,"     \
    "\"close_wait\":0,\"late_close\":0,\"leak_at_exit\":0,\"addr_in_use\":0,"  \
    "\"accept_overflow\":0,\"open_sockets\":0,\"fd_exhausted\":0,"             \
    "\"fd_pressure\":0,\"module\":0"
#define COUNTS_TEXT                                                            \
    "close_unread=1009 abortive_close=3 double_close=14 shutdown_misuse=1 "    \
    "write_after_shutdown=2 leak_at_exit=1 addr_in_use=1"
/* Repeats folded: 999 + 3 of close_unread, 1 of abortive_close. */
#define REPEATED 1003
#define SUPPRESSED 7

static void test_summary(void) {
    new_log_text();
    int firsts = report_socket_created();
    firsts = firsts * 10 + report_socket_created();
    firsts = firsts * 10 + report_socket_created();
    is_int(100, firsts,
           "report_socket_created: 1 for the first socket, "
           "0 after");

    /* Every kind seen, written or not, in the order of the kinds; then
     * the repeats, the suppressed, and the stacks. */
    event_configure(CHECKS_ALL, LEVEL_INFO, FORMAT_TEXT);
    report_summary();
    is_summary(new_log_text(), 0, getpid(), 3,
               summary_tail(0, COUNTS_TEXT, REPEATED, SUPPRESSED),
               "text summary: sockets, counts per kind, repeated, "
               "suppressed, closed_unseen, stacks, direct_syscalls");
    event_configure(CHECKS_ALL, LEVEL_INFO, FORMAT_JSON);
    report_summary();
    is_summary(new_log_text(), 1, getpid(), 3,
               summary_tail(1, COUNTS_JSON, REPEATED, SUPPRESSED),
               "JSON summary: the counts an object");

    /* SOCKSHIM_SUMMARY=off, or summary left out of SOCKSHIM_CHECKS, or a
     * level that hides info: none. */
    config.diag.summary = 0;
    report_summary();
    config.diag.summary = 1;
    event_configure(CHECKS_ALL & ~BIT(EV_SUMMARY), LEVEL_INFO, FORMAT_JSON);
    report_summary();
    event_configure(CHECKS_ALL, LEVEL_WARN, FORMAT_JSON);
    report_summary();
    const char *log = new_log_text();
    ok(*log == '\0', "no summary with summary off, summary not in the "
                     "checks, or level warn");
    event_configure(CHECKS_ALL, LEVEL_INFO, FORMAT_JSON);
}

/* fork(), the log read up to now; in the child, report_after_fork_child()
 * has run, as init.c's atfork handler runs it. Returns fork()'s result. */
static pid_t fork_reset(void) {
    new_log_text();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        bail("fork: %s", strerror(errno));
    if (pid == 0)
        report_after_fork_child();
    return pid;
}

/* The wait status of child PID, once it has ended. */
static int child_status(pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid)
        bail("waitpid: %s", strerror(errno));
    return status;
}

/* In a forked child: the counts start afresh, so an empty child writes
 * no summary, and one with a socket and an event writes its own. */
static void test_fork(void) {
    pid_t pid = fork_reset();
    if (pid == 0) {
        report_summary();
        int first = report_socket_created();
        report(EV_DOUBLE_CLOSE, 3, 0, 0);
        report_summary();
        _exit(first == 1 ? 0 : 1);
    }
    int status = child_status(pid);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "child: its first socket after report_after_fork_child is its "
       "first");
    const char *log = new_log_text();
    const char *second = strchr(log, '\n');
    static const char dc[] = "\"kind\":\"double_close\",\"fd\":3,\"n\":1}";
    char child[128];
    snprintf(child, sizeof child, "\"pid\":%d,", (int)pid);
    ok(line_count(log) == 2 && strstr(log, child) != NULL &&
           strstr(log, dc) == second - strlen(dc) &&
           strstr(second + 1, "\"kind\":\"summary\"") != NULL,
       "child: no summary before its socket and event (two lines: its "
       "double_close, then one summary)");
    if (second != NULL)
        is_summary(second + 1, 1, pid, 1,
                   summary_tail(1, CHILD_COUNTS_JSON, 0, 0),
                   "child's summary: its one socket and one event only");
    else
        ok(0, "child's summary: its one socket and one event only");

    /* The parent's counts are its own still. */
    report_summary();
    is_summary(new_log_text(), 1, getpid(), 3,
               summary_tail(1, COUNTS_JSON, REPEATED, SUPPRESSED),
               "the parent's summary after the child's: unchanged");
}

/* In a forked child the repeats start afresh too: its first event from
 * stacks the parent has reported 1000 times is written in full, the next
 * one is folded, and a suppressed stack is still suppressed. */
static void test_fork_repeats(void) {
    pid_t pid = fork_reset();
    if (pid == 0) {
        int first = report(EV_CLOSE_UNREAD, 5, s_plain, s_other);
        int again = report(EV_CLOSE_UNREAD, 5, s_plain, s_other);
        int suppressed = report(EV_CLOSE_UNREAD, 5, s_supp, s_other);
        _exit((first ? 0 : 1) | (again ? 2 : 0) | (suppressed ? 4 : 0));
    }
    int status = child_status(pid);
    if (!ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
            "child: report_begin writes its first close_unread from the "
            "parent's stacks, folds the second, suppresses s_supp"))
        diag("child's status %#x (exit 1: first folded, 2: second written, "
             "4: suppression lost)",
             (unsigned)status);
    const char *log = new_log_text();
    /* In JSON the full event carries the stack_id its repeats would. */
    char cu[128];
    snprintf(cu, sizeof cu,
             "\"kind\":\"close_unread\",\"fd\":5,\"stack_id\":%u,\"n\":1}\n",
             s_plain);
    char child[128];
    snprintf(child, sizeof child, "\"pid\":%d,", (int)pid);
    size_t len = strlen(log);
    if (!ok(line_count(log) == 1 && strstr(log, child) != NULL &&
                len >= strlen(cu) && strcmp(log + len - strlen(cu), cu) == 0,
            "child: one line, its close_unread in full"))
        diag("log: '%s'", visible(log));
}

/* At exit, lib/diagnose/exitreport.c groups the open sockets by
 * creation stack and by whether the peer closed them, and reports each
 * group through report_begin_at(): the leaked ones at warn, those merely
 * still open at info, both with call stack 0 and the group's creation
 * stack. The level is part of the repeat key: a process that leaked some
 * sockets of a creation stack and kept others of it open hears of both.
 * Run last, so that the summaries above do not depend on it. */
static void test_levels_of_one_stack(void) {
    struct event ev;
    event_configure(CHECKS_ALL, LEVEL_INFO, FORMAT_TEXT);
    new_log_text();
    int began =
        report_begin_at(&ev, EV_LEAK_AT_EXIT, LEVEL_INFO, -1, 0, s_other);
    if (began)
        event_end(&ev);
    const char *log = new_log_text();
    if (!ok(began && strcmp(log, text_lines("info: leak_at_exit", NULL)) == 0,
            "leak_at_exit at info after one at warn from the same stack: "
            "written"))
        diag("log: '%s'", visible(log));

    /* Its own repeats are folded under its own key, and the short line
     * at the 10th says info, the level of the events it counts. */
    int written = 0;
    for (int i = 0; i < 9; i++) {
        began =
            report_begin_at(&ev, EV_LEAK_AT_EXIT, LEVEL_INFO, -1, 0, s_other);
        if (began) {
            event_end(&ev);
            written++;
        }
    }
    /* Without a call stack, the creation stack is the key's. */
    char body[512];
    snprintf(body, sizeof body,
             "info: leak_at_exit repeat=10 stack_id=%u -- the same event from "
             "the same stack, shown in full the first time; counted since",
             s_other);
    log = new_log_text();
    if (!ok(written == 0 && strcmp(log, text_lines(body, NULL)) == 0,
            "... 9 more at info: folded, the 10th an info repeat line"))
        diag("%d written; log: '%s'", written, visible(log));
}

/* --- glob_match ---------------------------------------------------------- */

/* The suppressions' patterns: '*' any run (backtracking when a later part
 * fails), '?' exactly one byte, everything else itself; empty patterns
 * and texts at the edges. */
static const struct {
    const char *pattern, *text;
    int match;
} globs[] = {
    {"*", "", 1},
    {"*", "anything", 1},
    {"?", "a", 1},
    {"?", "", 0},
    {"?", "ab", 0},
    {"conn*", "connect_loop", 1},
    {"conn*", "con", 0},
    {"*_loop", "connect_loop", 1},
    {"*_loop", "loop_connect", 0},
    {"*ect*", "connect_loop", 1},
    {"c?nn*t", "connect", 1},
    {"", "", 1},
    {"", "a", 0},
    {"abc", "abd", 0},
    {"a*b*c", "aXbYc", 1},
    {"a*b*c", "aXcYb", 0},
    {"*a", "aaaa", 1},
    {"libc.so.*", "libc.so.6", 1},
    {"a*", "", 0},
    {"**", "", 1},
};

int main(void) {
    plan(42 + (int)ARRAY_SIZE(globs));
    real_resolve_all();

    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    snprintf(log_path, sizeof log_path, "%s/report-t-%d.log", tmp,
             (int)getpid());
    snprintf(log_setting, sizeof log_setting, "file:%s", log_path);
    snprintf(suppress_path, sizeof suppress_path, "%s/report-t-%d.supp", tmp,
             (int)getpid());
    unlink(log_path);
    FILE *f = fopen(suppress_path, "w");
    if (f == NULL || fputs(suppressions, f) == EOF || fclose(f) != 0)
        bail("cannot write %s: %s", suppress_path, strerror(errno));

    config_load(&config, fake_getenv, report_error);
    if (config.suppression_count != SUPPRESSION_LINES)
        bail("%d suppressions read, not %d", config.suppression_count,
             SUPPRESSION_LINES);
    log_configure(&config.log);
    event_configure(config.diag.checks, config.log.level, config.log.format);
    if (stack_init(16) != 0)
        bail("stack_init failed");
    store_stacks();

    /* Nothing yet: a process that made no socket and had nothing to
     * report writes no summary. */
    report_summary();
    ok(*new_log_text() == '\0', "no sockets, no events: no summary");

    test_folding();
    test_suppressions();
    test_filters();
    test_summary();
    test_fork();
    test_fork_repeats();
    test_levels_of_one_stack();

    for (size_t i = 0; i < ARRAY_SIZE(globs); i++)
        is_int(globs[i].match, glob_match(globs[i].pattern, globs[i].text),
               "glob_match(\"%s\", \"%s\") is %d", globs[i].pattern,
               globs[i].text, globs[i].match);

    unlink(log_path);
    unlink(suppress_path);
    return 0;
}
