/*
 * log.c — the log's destination and its safe write (see log.h).
 *
 * Our descriptor lives at a high number with O_CLOEXEC. Before each write
 * we check with fstat that the number still refers to what we opened: a
 * program that closed or dup2()'d over it must not receive our lines.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/errno_scope.h"
#include "base/privfd.h"
#include "base/real.h"
#include "output/logfile.h"
#include "output/outbuf.h"

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static struct log_settings settings = {.dest = DEST_STDERR,
                                       .format = FORMAT_TEXT,
                                       .level = LEVEL_WARN,
                                       .syslog_facility = LOG_USER};
/* How a line reaches our descriptor: plainly (file, terminal), as to a
 * pipe (never raising SIGPIPE in the program), or as a datagram/stream to
 * a socket (MSG_NOSIGNAL | MSG_DONTWAIT). */
enum write_method { WRITE_PLAIN, WRITE_PIPE, WRITE_SOCKET };

/* 1 while the destination is to be opened at the next line: a log file
 * not created yet, or a destination whose descriptor closefrom() took. */
static int log_pending;
int log_available;
static enum write_method log_method;
static dev_t log_dev;
static ino_t log_ino;
/* Threads inside write_line(): moving the descriptor away waits for
 * them before it closes the old one, so a line can never land in the
 * program's descriptor that dup2() puts at that number. */
static int log_writers;
static __thread int log_writing __attribute__((tls_model("initial-exec")));
/* How long a move waits for writers, in yields: a writer is one write(2)
 * away from done, unless it is stopped (then the move goes on). */
#define WRITERS_WAIT_YIELDS 100000

/* A fallback to stderr not yet reported (log_take_fallback). */
static int fallback_pending;
static const char *fallback_where;
static const char *fallback_problem;

const char *log_level_name(enum log_level level) { return level_names[level]; }

const struct log_settings *log_current(void) { return &settings; }

void log_describe(struct outbuf *ob) {
    switch (settings.dest) {
    case DEST_STDERR:
        ob_str(ob, "stderr");
        break;
    case DEST_SYSLOG:
        ob_str(ob, "syslog");
        if (settings.path[0] != '\0') {
            ob_char(ob, ':');
            ob_str(ob, settings.path);
        }
        break;
    case DEST_FILE:
        ob_str(ob, "file:");
        logfile_path(ob);
        break;
    }
}

static void update_available(void) {
    int available = privfd_get(PRIVFD_LOG) >= 0 ||
                    __atomic_load_n(&log_pending, __ATOMIC_ACQUIRE);
    __atomic_store_n(&log_available, available, __ATOMIC_RELAXED);
}

static void set_pending(int pending) {
    __atomic_store_n(&log_pending, pending, __ATOMIC_RELEASE);
    update_available();
}

/* Expand %p and %n of the file path into OUT. */
static void expand_path(const char *pattern, char *out, size_t size) {
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

/* The syslog daemon's socket. */
static const char *syslog_path(void) {
    return settings.path[0] != '\0' ? settings.path : "/dev/log";
}

static int open_syslog(void) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(syslog_path()) >= sizeof addr.sun_path)
        return -1;
    strcpy(addr.sun_path, syslog_path());
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
/* Whether the level word is coloured: decided at log_configure() for a
 * setting of always or never, when stderr is opened for auto. */
static int in_color;
/* NO_COLOR (no-color.org) was set when the log was configured. */
static int no_color_asked;

int log_in_color(void) { return __atomic_load_n(&in_color, __ATOMIC_RELAXED); }

static int open_stderr(void) {
    struct stat st;
    if (fstat(STDERR_FILENO, &st) != 0)
        return -1;
    if (settings.color == COLOR_AUTO)
        __atomic_store_n(&in_color, no_color_asked ? 0 : isatty(STDERR_FILENO),
                         __ATOMIC_RELAXED);
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
            return privfd_move(fd);
    }
    return real_fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, privfd_floor());
}

static int open_destination(void) {
    log_method = WRITE_PLAIN;
    switch (settings.dest) {
    case DEST_FILE:
        return privfd_move(logfile_open());
    case DEST_SYSLOG:
        log_method = WRITE_SOCKET;
        return privfd_move(open_syslog());
    case DEST_STDERR:
    default:
        return open_stderr();
    }
}

/* Publish FD (with its identity) as the log's descriptor, unless a
 * racing thread published one first (then FD is closed). */
static void publish_fd(int fd) {
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            real_close(fd);
        return;
    }
    /* Racing openers open the same destination: the same identity. */
    log_dev = st.st_dev;
    log_ino = st.st_ino;
    if (!privfd_publish(PRIVFD_LOG, fd))
        real_close(fd);
}

/* The log file's path, %p and %n expanded (start-up, or a forked
 * child): what the warnings name. */
static char log_path[LOG_PATH_MAX + 64];

/* Give up on the log file or syslog: stderr instead, with PROBLEM to be
 * reported there (log_take_fallback). */
static void fall_back_to_stderr(const char *problem) {
    fallback_where = settings.dest == DEST_FILE ? log_path : syslog_path();
    fallback_problem = problem;
    __atomic_store_n(&fallback_pending, 1, __ATOMIC_RELEASE);
    settings.dest = DEST_STDERR;
    publish_fd(open_destination());
    set_pending(0);
}

int log_take_fallback(const char **where, const char **problem) {
    if (!__atomic_exchange_n(&fallback_pending, 0, __ATOMIC_ACQ_REL))
        return 0;
    *where = fallback_where;
    *problem = fallback_problem;
    return 1;
}

/* Open the destination and publish it; a file or syslog that cannot be
 * opened falls back to stderr. */
static void open_and_publish(void) {
    int fd = open_destination();
    if (fd < 0 && settings.dest != DEST_STDERR) {
        fall_back_to_stderr(strerrordesc_np(errno));
        return;
    }
    publish_fd(fd);
    set_pending(0);
}

/* Resolve the log file's path (logfile.h): 0, or -1 after falling back
 * to stderr with the reason. */
static int resolve_file(void) {
    const char *why;
    expand_path(settings.path, log_path, sizeof log_path);
    if (logfile_resolve(log_path, &why) == 0)
        return 0;
    fall_back_to_stderr(why);
    return -1;
}

/* Close the log's descriptor, if any; nothing is pending after. */
static void log_close(void) {
    int fd = privfd_exchange(PRIVFD_LOG, -1);
    if (fd >= 0)
        real_close(fd);
    set_pending(0);
}

/* Wait (bounded) until no thread is inside write_line(), unless this very
 * thread is (a signal handler interrupting it must not wait for itself). */
static void wait_for_writers(void) {
    if (log_writing)
        return;
    for (int spins = 0; spins < WRITERS_WAIT_YIELDS &&
                        __atomic_load_n(&log_writers, __ATOMIC_ACQUIRE) > 0;
         spins++)
        sched_yield();
}

/* The program is about to dup2() onto FD, the log's: move away from it. */
static void vacate(int fd) {
    int moved = real_fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
    if (privfd_exchange(PRIVFD_LOG, moved) != fd) {
        /* Another thread replaced it meanwhile: keep theirs. */
        privfd_forget(PRIVFD_LOG, moved);
        if (moved >= 0)
            real_close(moved);
        return;
    }
    update_available();
    wait_for_writers();
    real_close(fd);
}

/* closefrom() without close_range() took the log's descriptor: forget
 * the number without closing it (it may be the program's by now) and
 * open the destination again at the next line. */
static void closed_behind(unsigned lo) {
    int fd = privfd_get(PRIVFD_LOG);
    if (fd >= 0 && (unsigned)fd >= lo && privfd_forget(PRIVFD_LOG, fd))
        set_pending(1);
}

static const struct privfd_handlers log_handlers = {vacate, closed_behind};

void log_configure(const struct log_settings *s) {
    privfd_set_handlers(PRIVFD_LOG, &log_handlers);
    settings = *s;
    const char *no_color = getenv("NO_COLOR");
    no_color_asked = no_color != NULL && no_color[0] != '\0';
    /* Colour only ever on the program's stderr, a terminal's. */
    in_color = settings.dest == DEST_STDERR && settings.color == COLOR_ALWAYS;
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
    set_pending(1);
}

void log_first_socket(void) {
    if (settings.dest != DEST_FILE &&
        __atomic_load_n(&log_pending, __ATOMIC_ACQUIRE) &&
        privfd_get(PRIVFD_LOG) < 0)
        open_and_publish();
}

void log_after_fork_child(void) {
    if (settings.dest != DEST_FILE || strstr(settings.path, "%p") == NULL)
        return;
    /* The parent's file is the parent's: the child's own is created at
     * its first line, if it ever has one. */
    log_close();
    if (resolve_file() != 0)
        return;
    set_pending(1);
}

int log_ready(void) {
    if (privfd_get(PRIVFD_LOG) >= 0)
        return 1;
    if (__atomic_load_n(&log_pending, __ATOMIC_ACQUIRE))
        open_and_publish();
    return privfd_get(PRIVFD_LOG) >= 0;
}

/* write(2) to a pipe without SIGPIPE reaching the program when the reader
 * is gone: block it, and take back a SIGPIPE our write raised. */
static void write_to_pipe(int fd, const char *line, size_t len) {
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

/* Write LINE to our descriptor if it is still ours. */
static void write_line(const char *line, size_t len) {
    PRESERVE_ERRNO;
    log_writing = 1;
    __atomic_fetch_add(&log_writers, 1, __ATOMIC_ACQ_REL);
    int fd = privfd_get(PRIVFD_LOG);
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
}

/* The syslog severity of LEVEL. */
static int syslog_severity(enum log_level level) {
    switch (level) {
    case LEVEL_ERROR:
        return LOG_ERR;
    case LEVEL_WARN:
        return LOG_WARNING;
    case LEVEL_INFO:
        return LOG_INFO;
    default:
        return LOG_DEBUG;
    }
}

static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};

/* Syslog's header for a line at LEVEL, into OB. */
static void syslog_header(struct outbuf *ob, enum log_level level) {
    ob_char(ob, '<');
    ob_uint(ob, (unsigned)(settings.syslog_facility | syslog_severity(level)));
    ob_char(ob, '>');
    struct civil_time t;
    clock_civil_now(&t);
    ob_str(ob, month_names[t.month - 1]);
    ob_char(ob, ' ');
    /* The day is space-padded ("Dec  4"). */
    if (t.day < 10)
        ob_char(ob, ' ');
    ob_uint(ob, (unsigned)t.day);
    ob_char(ob, ' ');
    ob_uint_pad(ob, (unsigned)t.hour, 2);
    ob_char(ob, ':');
    ob_uint_pad(ob, (unsigned)t.minute, 2);
    ob_char(ob, ':');
    ob_uint_pad(ob, (unsigned)t.second, 2);
    ob_char(ob, ' ');
    const char *tag = settings.syslog_ident[0] != '\0'
                          ? settings.syslog_ident
                          : program_invocation_short_name;
    ob_strn(ob, tag, SYSLOG_IDENT_MAX);
    ob_char(ob, '[');
    ob_uint(ob, (unsigned long long)getpid());
    ob_str(ob, "]: ");
    if (settings.format == FORMAT_JSON)
        ob_str(ob, "@cee:");
}

void log_write_line(char *line, size_t len, enum log_level level) {
    if (settings.dest != DEST_SYSLOG) {
        write_line(line, len);
        return;
    }
    /* The header right before the line, and no newline: syslog daemons
     * take a datagram as one message. */
    char header[LOG_PREFIX_ROOM];
    struct outbuf ob;
    ob_init(&ob, header, sizeof header);
    syslog_header(&ob, level);
    char *start = line - ob.len;
    memcpy(start, header, ob.len);
    write_line(start, ob.len + len - 1);
}
