/*
 * log.c — the event log (see log.h for the contract).
 *
 * Our descriptor lives at a high number with O_CLOEXEC. Before each write
 * we check with fstat that the number still refers to the file we opened:
 * a program that closed or dup2()'d over it must not receive our lines.
 */
#define _GNU_SOURCE
#include "config.h"

#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdtab.h"
#include "logfile.h"
#include "real.h"
#include "sockaddr.h"
#include "stack.h"
#include "symbols.h"

static const struct {
    const char *name;
    enum log_level level;
} kinds[EV_COUNT] = {
    [EV_POLICY] = {"policy", LEVEL_INFO},
    [EV_POLICY_FAILED] = {"policy_failed", LEVEL_WARN},
    [EV_WOULD_APPLY] = {"would_apply", LEVEL_INFO},
    [EV_APP_OVERRIDE] = {"app_override", LEVEL_INFO},
    [EV_CLOSE_UNREAD] = {"close_unread", LEVEL_WARN},
    [EV_ABORTIVE_CLOSE] = {"abortive_close", LEVEL_WARN},
    [EV_DOUBLE_CLOSE] = {"double_close", LEVEL_ERROR},
    [EV_SHUTDOWN_MISUSE] = {"shutdown_misuse", LEVEL_WARN},
    [EV_WRITE_AFTER_SHUTDOWN] = {"write_after_shutdown", LEVEL_WARN},
    [EV_CLOSE_WAIT] = {"close_wait", LEVEL_ERROR},
    [EV_LATE_CLOSE] = {"late_close", LEVEL_INFO},
    [EV_LEAK_AT_EXIT] = {"leak_at_exit", LEVEL_WARN},
    [EV_ADDR_IN_USE] = {"addr_in_use", LEVEL_WARN},
    [EV_ACCEPT_OVERFLOW] = {"accept_overflow", LEVEL_WARN},
    [EV_SUMMARY] = {"summary", LEVEL_INFO},
    [EV_CONFIG_ERROR] = {"config_error", LEVEL_WARN},
};

/* The longest value an event field shows: every field bounded keeps a
 * whole event inside EVENT_LINE_MAX, so JSON lines are never cut. */
#define EVENT_VALUE_MAX 512

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* The kinds shown (SOCKSHIM_CHECKS). */
static uint32_t checks = CHECKS_ALL;

static struct log_settings settings = {DEST_STDERR, "", FORMAT_TEXT,
                                       LEVEL_WARN};
/* How a line reaches our descriptor: plainly (file, terminal), as to a
 * pipe (never raising SIGPIPE in the program), or as a datagram/stream to
 * a socket (MSG_NOSIGNAL | MSG_DONTWAIT). */
enum write_method { WRITE_PLAIN, WRITE_PIPE, WRITE_SOCKET };

static int log_fd = -1;
/* 1 while the destination is to be opened at the next line: a log file
 * not created yet, or a destination whose descriptor closefrom() took. */
static int log_pending;
/* 0 until log_configure(): nothing is shown before there is a log. */
uint32_t log_kinds_shown;
static enum write_method log_method;
static dev_t log_dev;
static ino_t log_ino;
/* Threads inside log_write(): log_vacate_fd() waits for them before it
 * closes the old descriptor, so a line can never land in the program's
 * descriptor that dup2() puts at that number. */
static int log_writers;
static __thread int log_writing __attribute__((tls_model("initial-exec")));

const char *event_kind_name(enum event_kind kind)
{
    return kinds[kind].name;
}

enum log_level event_kind_level(enum event_kind kind)
{
    return kinds[kind].level;
}

enum event_kind event_kind_by_name(const char *name, size_t len)
{
    for (int k = 0; k < EV_COUNT; k++)
        if (strlen(kinds[k].name) == len &&
            strncasecmp(kinds[k].name, name, len) == 0)
            return (enum event_kind)k;
    return EV_COUNT;
}

int log_parse_checks(const char *text, uint32_t *mask)
{
    uint32_t result = *text == '-' ? CHECKS_ALL : 0;
    for (const char *p = text;;) {
        size_t span = strcspn(p, ",");
        const char *word = p;
        size_t len = span;
        int remove = len > 0 && *word == '-';
        if (remove) {
            word++;
            len--;
        }
        if (len == 3 && strncasecmp(word, "all", 3) == 0 && !remove) {
            result = CHECKS_ALL;
        } else if (len == 4 && strncasecmp(word, "none", 4) == 0 && !remove) {
            result = 0;
        } else {
            enum event_kind k = event_kind_by_name(word, len);
            if (k == EV_COUNT || k == EV_CONFIG_ERROR)
                return -1;
            if (remove)
                result &= ~(1u << k);
            else
                result |= 1u << k;
        }
        if (p[span] == '\0')
            break;
        p += span + 1;
    }
    *mask = result;
    return 0;
}

/* Recompute log_kinds_shown from the level, the checks and whether
 * there is a destination (open, or to be opened at the next line). */
static void update_kinds_shown(void)
{
    uint32_t shown = 0;
    int has_destination = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE) >= 0 ||
                          __atomic_load_n(&log_pending, __ATOMIC_ACQUIRE);
    for (int k = 0; has_destination && k < EV_COUNT; k++)
        if (kinds[k].level <= settings.level && (checks & (1u << k)))
            shown |= 1u << k;
    __atomic_store_n(&log_kinds_shown, shown, __ATOMIC_RELAXED);
}

int log_level_shown(enum log_level level)
{
    return level <= settings.level;
}

void log_set_checks(uint32_t mask)
{
    checks = mask;
    update_kinds_shown();
}

int log_parse_dest(const char *text, struct log_settings *s)
{
    if (strcasecmp(text, "stderr") == 0) {
        s->dest = DEST_STDERR;
    } else if (strcasecmp(text, "syslog") == 0) {
        s->dest = DEST_SYSLOG;
    } else if (strncasecmp(text, "file:", 5) == 0 && text[5] != '\0' &&
               strlen(text + 5) < sizeof s->path) {
        s->dest = DEST_FILE;
        strcpy(s->path, text + 5);
    } else {
        return -1;
    }
    return 0;
}

int log_parse_format(const char *text, struct log_settings *s)
{
    if (strcasecmp(text, "text") == 0)
        s->format = FORMAT_TEXT;
    else if (strcasecmp(text, "json") == 0)
        s->format = FORMAT_JSON;
    else
        return -1;
    return 0;
}

int log_parse_level(const char *text, struct log_settings *s)
{
    for (int l = LEVEL_ERROR; l <= LEVEL_DEBUG; l++) {
        if (strcasecmp(text, level_names[l]) == 0) {
            s->level = (enum log_level)l;
            return 0;
        }
    }
    return -1;
}

/* The lowest number our descriptors may take: high enough to stay out of
 * the way of the small numbers programs use and dup2() onto, low enough
 * not to make the kernel grow a huge fd table (soft limits of 1M exist). */
int private_fd_floor(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 3;
    if (rl.rlim_cur > 1024)
        return 1000;
    if (rl.rlim_cur > 48)
        return (int)rl.rlim_cur - 24;
    /* A tiny limit: the upper half, still above the numbers programs
     * reach first. */
    return rl.rlim_cur > 6 ? (int)rl.rlim_cur / 2 : 3;
}

int private_fd_move(int fd)
{
    if (fd < 0)
        return -1;
    int high = real_fcntl(fd, F_DUPFD_CLOEXEC, private_fd_floor());
    real_close(fd);
    return high;
}

/* Expand %p and %n of the file path into OUT. */
static void expand_path(const char *pattern, char *out, size_t size)
{
    struct outbuf ob;
    ob_init(&ob, out, size);
    for (const char *p = pattern; *p != '\0'; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            ob_uint(&ob, (unsigned long long)getpid());
            p++;
        } else if (p[0] == '%' && p[1] == 'n') {
            ob_str(&ob, program_invocation_short_name);
            p++;
        } else {
            ob_char(&ob, *p);
        }
    }
}

static int open_syslog(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
    /* Non-blocking: a stalled syslog daemon must not stall the program;
     * a datagram that does not fit is dropped. */
    int fd = real_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (real_connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        real_close(fd);
        return -1;
    }
    return fd;
}

/* Our own descriptor for the program's stderr. A pipe gets a description
 * of its own, non-blocking, so that a stalled reader drops our lines
 * instead of stalling the program; a TCP or UDP socket on fd 2 (a service
 * started by inetd) is refused: its peer must not receive our lines. */
static int open_stderr(void)
{
    struct stat st;
    if (fstat(STDERR_FILENO, &st) != 0)
        return -1;
    if (S_ISSOCK(st.st_mode)) {
        int domain = 0;
        socklen_t len = sizeof domain;
        if (real_getsockopt(STDERR_FILENO, SOL_SOCKET, SO_DOMAIN, &domain,
                            &len) != 0 ||
            domain != AF_UNIX)
            return -1;
        log_method = WRITE_SOCKET;
    } else if (S_ISFIFO(st.st_mode)) {
        log_method = WRITE_PIPE;
        int fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            return private_fd_move(fd);
    }
    return real_fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, private_fd_floor());
}

static int open_destination(void)
{
    log_method = WRITE_PLAIN;
    switch (settings.dest) {
    case DEST_FILE:
        return private_fd_move(logfile_open());
    case DEST_SYSLOG:
        log_method = WRITE_SOCKET;
        return private_fd_move(open_syslog());
    case DEST_STDERR:
    default:
        return open_stderr();
    }
}

/* Publish FD (with its identity) as the log's descriptor, unless a
 * racing thread published one first (then FD is closed). */
static void publish_fd(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            real_close(fd);
        return;
    }
    /* Racing openers open the same destination: the same identity. */
    log_dev = st.st_dev;
    log_ino = st.st_ino;
    int expected = -1;
    if (!__atomic_compare_exchange_n(&log_fd, &expected, fd, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        real_close(fd);
}

/* The log file's path, %p and %n expanded (start-up, or a forked
 * child): what the warnings name. */
static char log_path[sizeof settings.path + 64];

/* Give up on the log file or syslog: stderr instead, said there with
 * PROBLEM. */
static void fall_back_to_stderr(const char *problem)
{
    int was_file = settings.dest == DEST_FILE;
    settings.dest = DEST_STDERR;
    publish_fd(open_destination());
    __atomic_store_n(&log_pending, 0, __ATOMIC_RELEASE);
    update_kinds_shown();
    log_config_error("SOCKSHIM_LOG", was_file ? log_path : "/dev/log",
                     problem,
                     "an existing directory reached through no link that "
                     "others could have planted, and a regular file owned "
                     "by this user, not a link; logging to stderr instead");
}

/* Open the destination and publish it; a file or syslog that cannot be
 * opened falls back to stderr, and says so there. */
static void open_and_publish(void)
{
    int fd = open_destination();
    if (fd < 0 && settings.dest != DEST_STDERR) {
        fall_back_to_stderr(strerrordesc_np(errno));
        return;
    }
    publish_fd(fd);
    __atomic_store_n(&log_pending, 0, __ATOMIC_RELEASE);
    update_kinds_shown();
}

/* Resolve the log file's path (logfile.h): 0, or -1 after falling back
 * to stderr with the reason. */
static int resolve_file(void)
{
    const char *why;
    expand_path(settings.path, log_path, sizeof log_path);
    if (logfile_resolve(log_path, &why) == 0)
        return 0;
    fall_back_to_stderr(why);
    return -1;
}

/* Close the log's descriptor, if any; nothing is pending after. */
static void log_close(void)
{
    __atomic_store_n(&log_pending, 0, __ATOMIC_RELEASE);
    int fd = __atomic_exchange_n(&log_fd, -1, __ATOMIC_ACQ_REL);
    if (fd >= 0)
        real_close(fd);
}

void log_configure(const struct log_settings *s)
{
    settings = *s;
    log_close();
    if (settings.dest == DEST_FILE && resolve_file() != 0)
        return;
    /* An existing file, or one that cannot be created, is opened now, so
     * that a bad path is reported at start-up, not at the first event. */
    if (settings.dest == DEST_FILE &&
        (logfile_exists() || !logfile_creatable())) {
        open_and_publish();
        return;
    }
    /* Otherwise nothing is held until needed: a new file at the first
     * line (a process with nothing to say leaves none), stderr and
     * syslog at the first line or the first socket, whichever comes
     * first (log_first_socket()). */
    __atomic_store_n(&log_pending, 1, __ATOMIC_RELEASE);
    update_kinds_shown();
}

void log_first_socket(void)
{
    if (settings.dest != DEST_FILE &&
        __atomic_load_n(&log_pending, __ATOMIC_ACQUIRE) &&
        __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE) < 0)
        open_and_publish();
}

void log_after_fork_child(void)
{
    if (settings.dest != DEST_FILE || strstr(settings.path, "%p") == NULL)
        return;
    /* The parent's file is the parent's: the child's own is created at
     * its first line, if it ever has one. */
    log_close();
    if (resolve_file() != 0)
        return;
    __atomic_store_n(&log_pending, 1, __ATOMIC_RELEASE);
    update_kinds_shown();
}

void log_fds_closed_from(unsigned lo)
{
    int fd = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE);
    if (fd < 0 || (unsigned)fd < lo)
        return;
    if (__atomic_compare_exchange_n(&log_fd, &fd, -1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        __atomic_store_n(&log_pending, 1, __ATOMIC_RELEASE);
}

/* A descriptor to write the next line to, opening the destination first
 * if it is pending: 1, or 0 when there is none. */
static int log_ready(void)
{
    if (__atomic_load_n(&log_fd, __ATOMIC_ACQUIRE) >= 0)
        return 1;
    if (__atomic_load_n(&log_pending, __ATOMIC_ACQUIRE))
        open_and_publish();
    return __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE) >= 0;
}

int log_owns_fd(int fd)
{
    return fd >= 0 && fd == __atomic_load_n(&log_fd, __ATOMIC_RELAXED);
}

int log_private_fd(void)
{
    return __atomic_load_n(&log_fd, __ATOMIC_RELAXED);
}

/* Wait (bounded) until no thread is inside log_write(), unless this very
 * thread is (a signal handler interrupting it must not wait for itself). */
static void wait_for_writers(void)
{
    if (log_writing)
        return;
    for (int spins = 0; spins < 100000 &&
                        __atomic_load_n(&log_writers, __ATOMIC_ACQUIRE) > 0;
         spins++)
        sched_yield();
}

void log_vacate_fd(int fd)
{
    if (!log_owns_fd(fd))
        return;
    int moved = real_fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
    __atomic_store_n(&log_fd, moved, __ATOMIC_RELEASE);
    wait_for_writers();
    real_close(fd);
}

/* write(2) to a pipe without SIGPIPE reaching the program when the reader
 * is gone: block it, and take back a SIGPIPE our write raised. */
static void write_to_pipe(int fd, const char *line, size_t len)
{
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    if (real_write(fd, line, len) < 0 && errno == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_only, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Write LINE to our descriptor if it is still ours; errors are dropped
 * (a full disk or a closed pipe must not disturb the program). */
static void log_write(const char *line, size_t len)
{
    int saved_errno = errno;
    log_writing = 1;
    __atomic_fetch_add(&log_writers, 1, __ATOMIC_ACQ_REL);
    int fd = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == log_dev &&
        st.st_ino == log_ino) {
        switch (log_method) {
        case WRITE_SOCKET:
            real_send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
            break;
        case WRITE_PIPE:
            write_to_pipe(fd, line, len);
            break;
        case WRITE_PLAIN:
            while (real_write(fd, line, len) < 0 && errno == EINTR)
                ;
            break;
        }
    }
    __atomic_fetch_sub(&log_writers, 1, __ATOMIC_ACQ_REL);
    log_writing = 0;
    errno = saved_errno;
}

static void append_timestamp(struct outbuf *ob)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* Civil date from days since the epoch (Howard Hinnant's algorithm):
     * gmtime_r is not async-signal-safe. */
    long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
    days += 719468;
    long long era = days / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned month = mp < 10 ? mp + 3 : mp - 9;
    long long year = (long long)yoe + era * 400 + (month <= 2);
    ob_char(ob, '"');
    ob_uint_pad(ob, (unsigned long long)year, 4);
    ob_char(ob, '-');
    ob_uint_pad(ob, month, 2);
    ob_char(ob, '-');
    ob_uint_pad(ob, day, 2);
    ob_char(ob, 'T');
    ob_uint_pad(ob, (unsigned long long)secs / 3600, 2);
    ob_char(ob, ':');
    ob_uint_pad(ob, (unsigned long long)secs / 60 % 60, 2);
    ob_char(ob, ':');
    ob_uint_pad(ob, (unsigned long long)secs % 60, 2);
    ob_char(ob, '.');
    ob_uint_pad(ob, (unsigned long long)ts.tv_nsec / 1000, 6);
    ob_str(ob, "Z\"");
}

/* The thread's event line, and whether an event is being built in it. */
static __thread char event_line[EVENT_LINE_MAX]
    __attribute__((tls_model("initial-exec")));
static __thread int event_line_busy __attribute__((tls_model("initial-exec")));

int event_begin(struct event *ev, enum event_kind kind, int fd)
{
    return event_begin_at(ev, kind, kinds[kind].level, fd);
}

int event_begin_at(struct event *ev, enum event_kind kind,
                   enum log_level level, int fd)
{
    /* Bad configuration is always reported, whatever the level: it is the
     * user's only sign that a setting is ignored. */
    if ((kind != EV_CONFIG_ERROR && (!(log_kinds_shown & (1u << kind)) ||
                                     level > settings.level)) ||
        event_line_busy || !log_ready())
        return 0;
    event_line_busy = 1;
    ev->kind = kind;
    ev->level = level;
    ev->json = settings.format == FORMAT_JSON;
    ev->object_fresh = 0;
    /* Room for "}\n" at the end, and for a syslog "<PRI>" before. */
    ob_init(&ev->ob, event_line + SYSLOG_PREFIX_MAX,
            sizeof event_line - SYSLOG_PREFIX_MAX - 2);
    struct outbuf *ob = &ev->ob;
    if (ev->json) {
        ob_str(ob, "{\"ts\":");
        append_timestamp(ob);
        ob_str(ob, ",\"pid\":");
        ob_int(ob, getpid());
        ob_str(ob, ",\"tid\":");
        ob_int(ob, syscall(SYS_gettid));
        ob_str(ob, ",\"prog\":");
        ob_json_str(ob, program_invocation_short_name);
        ob_str(ob, ",\"level\":\"");
        ob_str(ob, level_names[level]);
        ob_str(ob, "\",\"kind\":\"");
        ob_str(ob, kinds[kind].name);
        ob_char(ob, '"');
        if (fd >= 0)
            event_int(ev, "fd", fd);
    } else {
        ob_str(ob, "sockshim[");
        ob_int(ob, getpid());
        ob_str(ob, "]: ");
        ob_str(ob, level_names[level]);
        ob_str(ob, ": ");
        ob_str(ob, kinds[kind].name);
        if (fd >= 0) {
            ob_str(ob, " fd=");
            ob_int(ob, fd);
        }
    }
    return 1;
}

static const char *protocol_word(const struct fd_slot *slot, int family)
{
    if (slot != NULL && (fdtab_flags(slot) & FD_TCP))
        return "tcp";
    if (family == AF_UNIX)
        return "unix";
    if (slot != NULL && slot->sock_type == SOCK_DGRAM)
        return "udp";
    return family_name(family);
}

void event_socket(struct event *ev, int fd, const struct fd_slot *slot,
                  const struct sockaddr *peer_hint, socklen_t hint_len)
{
    struct sockaddr_storage local, peer;
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    char local_text[128], peer_text[128];
    struct outbuf ob;
    int has_local = getsockname(fd, (struct sockaddr *)&local, &local_len) == 0;
    int has_peer = getpeername(fd, (struct sockaddr *)&peer, &peer_len) == 0;
    if (!has_peer && peer_hint != NULL && hint_len <= sizeof peer) {
        memcpy(&peer, peer_hint, hint_len);
        peer_len = hint_len;
        has_peer = 1;
    }
    int family = slot != NULL && slot->family ? slot->family
                 : has_local                  ? local.ss_family
                                              : AF_UNSPEC;
    ob_init(&ob, local_text, sizeof local_text);
    if (has_local)
        sockaddr_format(&ob, (struct sockaddr *)&local, local_len);
    ob_init(&ob, peer_text, sizeof peer_text);
    if (has_peer)
        sockaddr_format(&ob, (struct sockaddr *)&peer, peer_len);
    int role_code = slot != NULL ? fdtab_role(slot) : ROLE_NONE;
    const char *role = role_name(role_code);

    if (ev->json) {
        event_str(ev, "family", family_name(family));
        event_str(ev, "proto", protocol_word(slot, family));
        event_str(ev, "role", role);
        if (has_local)
            event_str(ev, "local", local_text);
        if (has_peer)
            event_str(ev, "peer", peer_text);
        return;
    }
    ob_char(&ev->ob, ' ');
    ob_str(&ev->ob, protocol_word(slot, family));
    if (has_local) {
        ob_char(&ev->ob, ' ');
        ob_str(&ev->ob, local_text);
    }
    if (has_peer) {
        ob_str(&ev->ob, role_code == ROLE_ACCEPT ? " <- " : " -> ");
        ob_str(&ev->ob, peer_text);
    }
    event_str(ev, "role", role);
}

/* Does VALUE need quotes in the text format (spaces, quotes, empty)? */
static int needs_quotes(const char *value)
{
    if (*value == '\0')
        return 1;
    for (; *value != '\0'; value++)
        if (*value <= ' ' || *value == '"' || *value == '\\' ||
            *value == 0x7f)
            return 1;
    return 0;
}

/* JSON: the separator and key of the next field. */
static void json_key(struct event *ev, const char *key)
{
    if (!ev->object_fresh)
        ob_char(&ev->ob, ',');
    ev->object_fresh = 0;
    ob_json_str(&ev->ob, key);
    ob_char(&ev->ob, ':');
}

void event_object_begin(struct event *ev, const char *key)
{
    if (ev->json) {
        json_key(ev, key);
        ob_char(&ev->ob, '{');
        ev->object_fresh = 1;
    }
}

void event_object_end(struct event *ev)
{
    if (ev->json) {
        ob_char(&ev->ob, '}');
        ev->object_fresh = 0;
    }
}

void event_str(struct event *ev, const char *key, const char *value)
{
    if (ev->json) {
        json_key(ev, key);
        ob_json_strn(&ev->ob, value, EVENT_VALUE_MAX);
        return;
    }
    ob_char(&ev->ob, ' ');
    ob_str(&ev->ob, key);
    ob_char(&ev->ob, '=');
    if (needs_quotes(value))
        ob_quoted(&ev->ob, value, EVENT_VALUE_MAX);
    else
        ob_strn(&ev->ob, value, EVENT_VALUE_MAX);
}

void event_int(struct event *ev, const char *key, long long value)
{
    if (ev->json) {
        json_key(ev, key);
    } else {
        ob_char(&ev->ob, ' ');
        ob_str(&ev->ob, key);
        ob_char(&ev->ob, '=');
    }
    ob_int(&ev->ob, value);
}

/* Room one frame line may take at most: "    #63 0x" + 16 hex digits +
 * " " + function (191) + "+0x" + 16 + " (" + module (bounded to 96) + ")"
 * in text; a little more in JSON. */
#define FRAME_ROOM_MAX 400
#define MODULE_NAME_MAX 96

/* Text: one frame line. */
static void text_frame(struct outbuf *ob, int index,
                       const struct frame_name *f, uintptr_t ip)
{
    ob_str(ob, "\n    #");
    ob_int(ob, index);
    ob_char(ob, ' ');
    ob_hex(ob, ip);
    ob_char(ob, ' ');
    if (f->func[0] != '\0') {
        ob_escaped(ob, f->func, sizeof f->func);
        ob_char(ob, '+');
        ob_hex(ob, f->func_offset);
    } else {
        ob_str(ob, "??");
    }
    ob_str(ob, " (");
    ob_escaped(ob, f->module, MODULE_NAME_MAX);
    ob_char(ob, ')');
}

/* JSON: one frame object. */
static void json_frame(struct outbuf *ob, const struct frame_name *f,
                       uintptr_t ip)
{
    ob_str(ob, "{\"ip\":\"");
    ob_hex(ob, ip);
    ob_str(ob, "\",\"module\":");
    ob_json_strn(ob, f->module, MODULE_NAME_MAX);
    ob_str(ob, ",\"offset\":\"");
    ob_hex(ob, f->module_offset);
    ob_str(ob, "\",\"func\":");
    if (f->func[0] != '\0') {
        ob_json_strn(ob, f->func, sizeof f->func);
        ob_str(ob, ",\"func_offset\":\"");
        ob_hex(ob, f->func_offset);
        ob_str(ob, "\"}");
    } else {
        ob_str(ob, "null}");
    }
}

void event_stack(struct event *ev, const char *key, const char *label,
                 uint32_t id)
{
    const uintptr_t *ips;
    int n = stack_frames(id, &ips);
    if (n == 0)
        return;
    struct outbuf *ob = &ev->ob;
    if (ev->json) {
        json_key(ev, key);
        ob_char(ob, '[');
    } else {
        ob_str(ob, "\n    ");
        ob_str(ob, label);
        ob_char(ob, ':');
    }
    int shown = 0;
    for (; shown < n && ob->cap - ob->len > FRAME_ROOM_MAX; shown++) {
        struct frame_name f;
        symbols_name(ips[shown], &f);
        if (ev->json) {
            if (shown > 0)
                ob_char(ob, ',');
            json_frame(ob, &f, ips[shown]);
        } else {
            text_frame(ob, shown, &f, ips[shown]);
        }
    }
    if (ev->json) {
        ob_char(ob, ']');
        if (shown < n) {
            char truncated_key[64];
            struct outbuf k;
            ob_init(&k, truncated_key, sizeof truncated_key);
            ob_str(&k, key);
            ob_str(&k, "_truncated");
            event_int(ev, truncated_key, n - shown);
        }
    } else if (shown < n) {
        ob_str(ob, "\n    ... ");
        ob_int(ob, n - shown);
        ob_str(ob, " more frames");
    }
}

void event_why(struct event *ev, const char *sentence)
{
    if (ev->json) {
        event_str(ev, "why", sentence);
        return;
    }
    ob_str(&ev->ob, " -- ");
    ob_str(&ev->ob, sentence);
}

void event_end(struct event *ev)
{
    /* The two bytes reserved in event_begin always fit. */
    ev->ob.cap += 2;
    if (ev->json)
        ob_char(&ev->ob, '}');
    ob_char(&ev->ob, '\n');
    if (settings.dest != DEST_SYSLOG) {
        log_write(ev->ob.buf, ev->ob.len);
        event_line_busy = 0;
        return;
    }
    /* syslog: "<PRI>" in the room left before the line, and no newline:
     * facility user (8) + severity err (3), warning (4) or info (6). */
    enum log_level level = ev->level;
    char prefix = level == LEVEL_ERROR ? '1' : level == LEVEL_WARN ? '2' : '4';
    char *start = ev->ob.buf - 4;
    memcpy(start, "<1", 2);
    start[2] = prefix;
    start[3] = '>';
    log_write(start, ev->ob.len + 4 - 1);
    event_line_busy = 0;
}

void log_config_error(const char *where, const char *value,
                      const char *problem, const char *accepted)
{
    struct event ev;
    if (!event_begin(&ev, EV_CONFIG_ERROR, -1))
        return;
    if (ev.json) {
        event_str(&ev, "where", where);
        if (value != NULL)
            event_str(&ev, "value", value);
        event_str(&ev, "problem", problem);
        event_str(&ev, "accepted", accepted);
    } else {
        ob_char(&ev.ob, ' ');
        ob_escaped(&ev.ob, where, EVENT_VALUE_MAX);
        if (value != NULL) {
            ob_char(&ev.ob, '=');
            ob_quoted(&ev.ob, value, 80);
        }
        ob_str(&ev.ob, ": ");
        ob_str(&ev.ob, problem);
        ob_str(&ev.ob, "; accepted: ");
        ob_str(&ev.ob, accepted);
        ob_str(&ev.ob, "; ignored");
    }
    event_end(&ev);
}
