/*
 * log.h — sockshim's event log: where events go and how they read.
 *
 * An event is built field by field into a buffer on the caller's stack and
 * written with one write(2), so that lines from several threads or
 * processes never interleave, and no malloc or stdio is used (events are
 * emitted from wrappers that may run in signal handlers). The destination
 * is one of our own descriptors, high-numbered and O_CLOEXEC, checked to
 * still be ours before every write: sockshim never writes to a descriptor
 * of the program's.
 */
#ifndef SOCKSHIM_LOG_H
#define SOCKSHIM_LOG_H

#include <stdint.h>
#include <sys/socket.h>

#include "outbuf.h"

struct fd_slot;

enum log_level { LEVEL_ERROR, LEVEL_WARN, LEVEL_INFO, LEVEL_DEBUG };
enum log_format { FORMAT_TEXT, FORMAT_JSON };
enum log_dest { DEST_STDERR, DEST_FILE, DEST_SYSLOG };

enum event_kind {
    EV_POLICY,
    EV_POLICY_FAILED,
    EV_WOULD_APPLY,
    EV_APP_OVERRIDE,
    EV_CLOSE_UNREAD,
    EV_ABORTIVE_CLOSE,
    EV_DOUBLE_CLOSE,
    EV_SHUTDOWN_MISUSE,
    EV_WRITE_AFTER_SHUTDOWN,
    EV_CLOSE_WAIT,
    EV_LATE_CLOSE,
    EV_LEAK_AT_EXIT,
    EV_ADDR_IN_USE,
    EV_ACCEPT_OVERFLOW,
    EV_SUMMARY,
    EV_CONFIG_ERROR,
    EV_COUNT
};

/* Every event kind selectable by SOCKSHIM_CHECKS (config_error is always
 * shown). */
#define CHECKS_ALL ((uint32_t)((1u << EV_COUNT) - 1) & ~(1u << EV_CONFIG_ERROR))

struct log_settings {
    enum log_dest dest;
    char path[1024]; /* DEST_FILE: may hold %p (pid) and %n (program) */
    enum log_format format;
    enum log_level level;
};

/* The event kind's name ("close_wait"). */
const char *event_kind_name(enum event_kind kind);

/* The kind's level (its most severe, for leak_at_exit). */
enum log_level event_kind_level(enum event_kind kind);

/* The kind named NAME ("close_wait"), or EV_COUNT. */
enum event_kind event_kind_by_name(const char *name, size_t len);

/* SOCKSHIM_CHECKS: "all", "none", or a comma list of kinds, where "-kind"
 * removes one (a list starting with a removal starts from all). 0 and
 * *MASK set, or -1 (*MASK untouched). */
int log_parse_checks(const char *text, uint32_t *mask);

/* Show only the event kinds in MASK (bit 1 << kind). */
void log_set_checks(uint32_t mask);

/* The lowest number sockshim's own descriptors take (see log.c). */
int private_fd_floor(void);

/* Move FD to a private high number with O_CLOEXEC; returns the new fd
 * (FD itself is closed) or -1 (also for a negative FD). */
int private_fd_move(int fd);

/* Parsers for SOCKSHIM_LOG, _LOG_FORMAT and _LOG_LEVEL: 0 and update S, or
 * -1 (S untouched). */
int log_parse_dest(const char *text, struct log_settings *s);
int log_parse_format(const char *text, struct log_settings *s);
int log_parse_level(const char *text, struct log_settings *s);

/* Install S as the log configuration. Nothing is opened before it is
 * needed: a file that does not exist yet is created when the first line
 * is written (a process with nothing to say leaves no empty file
 * behind), stderr and syslog are opened at the first line or the first
 * socket; a file's path is resolved now (logfile.h), and an existing
 * file opened now, so that a bad path is reported at start-up. Falls
 * back to stderr (with a warning there) when a file cannot be opened
 * safely. */
void log_configure(const struct log_settings *s);

/* The process made its first socket: stderr or syslog, if still to be
 * opened, is opened now, while it is the program's original one (a
 * daemon may redirect its stderr later). */
void log_first_socket(void);

/* In a forked child: a per-process log file (path with %p) is the
 * child's own, opened at its first line. */
void log_after_fork_child(void);

/* Descriptors from LO up were closed behind sockshim's back (closefrom()
 * without close_range()): if the log's was among them, forget the number
 * without closing it (it may be the program's by now) and open the
 * destination again at the next line. */
void log_fds_closed_from(unsigned lo);

/* True when descriptor FD is one of the log's own (the program must not
 * be allowed to see or close it). */
int log_owns_fd(int fd);

/* The log's own descriptor, or -1. */
int log_private_fd(void);

/* Move the log's descriptor away from number FD (the program is about to
 * dup2() onto it). */
void log_vacate_fd(int fd);

/* Room for one event line: PIPE_BUF, so that a line written to a pipe is
 * never split. The line is built in a per-thread buffer, not on the stack:
 * events are emitted from signal handlers running on small alternate
 * stacks. */
#define EVENT_LINE_MAX 4096
/* Room kept before the line for syslog's "<PRI>". */
#define SYSLOG_PREFIX_MAX 8

struct event {
    struct outbuf ob;
    enum event_kind kind;
    enum log_level level;
    int json;
    int object_fresh; /* JSON: just opened an object, no comma needed */
};

/* The kinds the level and SOCKSHIM_CHECKS let through, one bit per kind,
 * 0 for every kind while there is no destination: log.c keeps it, global
 * only so that log_enabled() is one load inline, since every socket call
 * asks it. */
extern uint32_t log_kinds_shown __attribute__((visibility("hidden")));

/* True when events of KIND may be written (its level, the checks, a
 * destination). A kind whose events vary in level (leak_at_exit) counts
 * with its most severe one; event_begin_at() filters the others. */
static inline int log_enabled(enum event_kind kind)
{
    return (__atomic_load_n(&log_kinds_shown, __ATOMIC_RELAXED) &
            (1u << kind)) != 0;
}

/* True when events at LEVEL pass SOCKSHIM_LOG_LEVEL. */
int log_level_shown(enum log_level level);

/* Start an event of KIND about descriptor FD (-1 for none), at the kind's
 * level. Returns 0 when the event is filtered out by level, or when this
 * thread is already building one (a signal handler interrupted it: the
 * nested event is dropped); then build nothing. After 1, event_end()
 * must follow. */
int event_begin(struct event *ev, enum event_kind kind, int fd)
    __attribute__((warn_unused_result));

/* The same at LEVEL, for a kind whose events are not all equally severe
 * (leak_at_exit: a socket the peer closed is a warning, one merely still
 * open is information). */
int event_begin_at(struct event *ev, enum event_kind kind,
                   enum log_level level, int fd)
    __attribute__((warn_unused_result));

/* Add the socket's family, role, local and peer address. PEER_HINT, when
 * not NULL, stands for the peer of a socket not yet connected. */
void event_socket(struct event *ev, int fd, const struct fd_slot *slot,
                  const struct sockaddr *peer_hint, socklen_t hint_len);

void event_str(struct event *ev, const char *key, const char *value);
void event_int(struct event *ev, const char *key, long long value);

/* Group the next fields under KEY: a nested object in JSON, plain fields
 * in text. */
void event_object_begin(struct event *ev, const char *key);
void event_object_end(struct event *ev);

/* Add stack ID under KEY: in text, a line "    LABEL:" then one line per
 * frame "    #N 0xIP func+0xOFF (module)"; in JSON, a list of
 * {ip, module, offset, func, func_offset}. Frames that would not fit in
 * the line are left out and counted ("KEY_truncated" in JSON). Must come
 * after every other field in text (the frames follow the event's line).
 * Nothing for id 0. */
void event_stack(struct event *ev, const char *key, const char *label,
                 uint32_t id);

/* Add the one-sentence explanation: text " — SENTENCE", JSON "why". */
void event_why(struct event *ev, const char *sentence);

/* Finish and write the event. */
void event_end(struct event *ev);

/* One configuration warning: WHERE (variable, or file:line) had VALUE,
 * which is wrong because PROBLEM; ACCEPTED says what would do; the
 * setting is ignored. VALUE may be NULL. */
void log_config_error(const char *where, const char *value,
                      const char *problem, const char *accepted);

#endif
