/*
 * log.h — where sockshim's lines go, and writing them safely.
 *
 * The destination (stderr, a file, syslog) is one of sockshim's own
 * descriptors (base/privfd.h), opened when first needed and checked to
 * still be ours before every write: sockshim never writes to a
 * descriptor of the program's. A line is written with one write(2), so
 * that lines from several threads or processes never interleave. What a
 * line says is built by output/event.h.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_LOG_H
#define SOCKSHIM_LOG_H

#include <stddef.h>

#include "output/outbuf.h"

enum log_level { LEVEL_ERROR, LEVEL_WARN, LEVEL_INFO, LEVEL_DEBUG };
enum log_format { FORMAT_TEXT, FORMAT_JSON };
enum log_dest { DEST_STDERR, DEST_FILE, DEST_SYSLOG };
enum log_color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

#define LOG_PATH_MAX 1024
/* RFC 3164's bound on a syslog TAG, and glibc's. */
#define SYSLOG_IDENT_MAX 32

struct log_settings {
    enum log_dest dest;
    /* DEST_FILE: may hold %p (pid), %n (program). DEST_SYSLOG: the
     * daemon's socket, "" for /dev/log. */
    char path[LOG_PATH_MAX];
    enum log_format format;
    enum log_level level;
    char syslog_ident[SYSLOG_IDENT_MAX + 1]; /* "" for the program's name */
    int syslog_facility;                     /* LOG_USER, LOG_DAEMON ... */
    /* The level word of a text line in colour: on stderr, when it is a
     * terminal (auto, unless NO_COLOR is set), or always. */
    enum log_color color;
};

/* Room for one line: PIPE_BUF, so that a line written to a pipe is never
 * split. */
#define LOG_LINE_MAX 4096
/* Bytes a line's buffer must keep writable before the line: syslog's
 * header "<PRI>Mmm dd hh:mm:ss TAG[PID]: @cee:" goes there. */
#define LOG_PREFIX_ROOM (48 + SYSLOG_IDENT_MAX)

/* The level's name ("warn"). */
const char *log_level_name(enum log_level level);

/* Install S as the log configuration. Nothing is opened before it is
 * needed: a file that does not exist yet is created when the first line
 * is written (a process with nothing to say leaves no empty file
 * behind), stderr and syslog are opened at the first line or the first
 * socket; a file's path is resolved now (output/logfile.h), and an
 * existing file opened now, so that a bad path is found at start-up.
 * Falls back to stderr when a file cannot be opened safely (see
 * log_take_fallback). */
void log_configure(const struct log_settings *s);

/* The settings installed (the destination may have fallen back). */
const struct log_settings *log_current(void);

/* Where lines go, as a user would name it: "stderr", "syslog", or
 * "file:PATH" with the resolved path. */
void log_describe(struct outbuf *ob);

/* 1 when text lines colour their level word (see log_settings.color),
 * as decided when stderr was opened. */
int log_in_color(void);

/* 1 while there is a destination, open or to be opened at the next
 * line: global only so that the check is one load inline, since every
 * socket call asks it. */
extern int log_available __attribute__((visibility("hidden")));

static inline int log_has_destination(void) {
    return __atomic_load_n(&log_available, __ATOMIC_RELAXED);
}

/* Open the destination if it is pending: 1 when a line can be written. */
int log_ready(void);

/* Write LINE (LEN bytes, ending in a newline) at LEVEL. For syslog the
 * line gets the header daemons parse (RFC 3164, as glibc's syslog()
 * sends it: "<PRI>Mmm dd hh:mm:ss TAG[PID]: ", the time in UTC; "@cee:"
 * after it for a JSON line, the cookie rsyslog's mmjsonparse looks for)
 * in the LOG_PREFIX_ROOM bytes before LINE, which must be writable, and
 * loses its newline. Errors are dropped: a full
 * disk or a closed pipe must not disturb the program. */
void log_write_line(char *line, size_t len, enum log_level level);

/* The destination fell back to stderr since the last call: 1 with
 * *WHERE (the path, or "/dev/log") and *PROBLEM set, once; else 0. The
 * event layer reports it as a configuration error. */
int log_take_fallback(const char **where, const char **problem);

/* The process made its first socket: stderr or syslog, if still to be
 * opened, is opened now, while it is the program's original one (a
 * daemon may redirect its stderr later). */
void log_first_socket(void);

/* In a forked child: a per-process log file (path with %p) is the
 * child's own, opened at its first line. */
void log_after_fork_child(void);

#endif
