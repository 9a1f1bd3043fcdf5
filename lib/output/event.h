/*
 * event.h — building sockshim's events: one line of text or one JSON
 * object each, field by field.
 *
 * An event is built in a per-thread buffer, not on the stack (events are
 * emitted from signal handlers running on small alternate stacks), with
 * no malloc or stdio, and handed whole to output/log.h, which writes it
 * with one write(2). Which kinds are shown is decided here: the level,
 * SOCKSHIM_CHECKS, and whether the log has a destination at all.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_EVENT_H
#define SOCKSHIM_EVENT_H

#include <stdint.h>
#include <sys/socket.h>

#include "output/log.h"
#include "output/outbuf.h"

struct fd_slot;

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
    EV_OPEN_SOCKETS,
    EV_FD_EXHAUSTED,
    EV_FD_PRESSURE,
    EV_MODULE,
    EV_COUNT
};

/* Every event kind selectable by SOCKSHIM_CHECKS (config_error is always
 * shown). */
#define CHECKS_ALL ((uint32_t)((1u << EV_COUNT) - 1) & ~(1u << EV_CONFIG_ERROR))

/* The event kind's name ("close_wait"). */
const char *event_kind_name(enum event_kind kind);

/* The kind's level (its most severe, for leak_at_exit). */
enum log_level event_kind_level(enum event_kind kind);

/* The kind named NAME[0..LEN) ("close_wait", any case), or EV_COUNT. */
enum event_kind event_kind_by_name(const char *name, size_t len);

/* Show only the event kinds in CHECKS (bit 1 << kind) at LEVEL and more
 * severe, in FORMAT. Call at start-up (the host's name is read then, for
 * every JSON line's "host"). */
void event_configure(uint32_t checks, enum log_level level,
                     enum log_format format);

/* The kinds the level and SOCKSHIM_CHECKS let through, one bit per kind:
 * event.c keeps it, global only so that event_enabled() is inline, since
 * every socket call asks it. */
extern uint32_t event_kinds_shown __attribute__((visibility("hidden")));

/* True when events of KIND may be written (its level, the checks, a
 * destination). A kind whose events vary in level (leak_at_exit) counts
 * with its most severe one; event_begin_at() filters the others. */
static inline int event_enabled(enum event_kind kind) {
    return (__atomic_load_n(&event_kinds_shown, __ATOMIC_RELAXED) &
            (1u << kind)) != 0 &&
           log_has_destination();
}

/* True when events at LEVEL pass SOCKSHIM_LOG_LEVEL. */
int event_level_shown(enum log_level level);

/* Modules an event's frames may name for the first time. */
#define EVENT_MODULES_MAX 16

struct event {
    struct outbuf ob;
    enum event_kind kind;
    enum log_level level;
    int json;
    int object_fresh; /* JSON: just opened an object, no comma needed */
    /* JSON: the modules its frames named (symbols_module ids), each
     * announced by a module event after it the first time. */
    int module_count;
    uint16_t modules[EVENT_MODULES_MAX];
};

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
int event_begin_at(struct event *ev, enum event_kind kind, enum log_level level,
                   int fd) __attribute__((warn_unused_result));

/* The same, built in BUF (SIZE bytes, the first LOG_PREFIX_ROOM of them
 * kept for output/log.h) instead of the thread's line of LOG_LINE_MAX:
 * for the reports whose groups of stacks need more room. */
int event_begin_in(struct event *ev, enum event_kind kind, enum log_level level,
                   int fd, char *buf, size_t size)
    __attribute__((warn_unused_result));

/* The same whatever SOCKSHIM_LOG_LEVEL says of LEVEL (the kind must be
 * shown): for an event the user asked for, such as a report on demand.
 * BUF NULL: the thread's own line. */
int event_begin_asked(struct event *ev, enum event_kind kind,
                      enum log_level level, int fd, char *buf, size_t size)
    __attribute__((warn_unused_result));

/* Add the socket's family, role, local and peer address. PEER_HINT, when
 * not NULL, stands for the peer of a socket not yet connected. */
void event_socket(struct event *ev, int fd, const struct fd_slot *slot,
                  const struct sockaddr *peer_hint, socklen_t hint_len);

/* Add the field KEY with VALUE: at most 512 bytes of VALUE, then "..."
 * when it was longer. In text, KEY=VALUE, VALUE in quotes and escaped
 * when it holds a space, a quote or a control byte; in JSON, a string,
 * control bytes and bytes that are not UTF-8 as \u00XX. */
/* JSON: the separator and "KEY": of the next field, for the writers of
 * fields of their own (output/eventstack.c). */
void event_json_key(struct event *ev, const char *key);

void event_str(struct event *ev, const char *key, const char *value);
void event_int(struct event *ev, const char *key, long long value);

/* A yes/no field: in text KEY=YES or KEY=NO (the words the reader knows
 * it by: "on"/"off", "yes"/"no"), in JSON a boolean. */
void event_bool(struct event *ev, const char *key, int value, const char *yes,
                const char *no);

/* A duration of MS milliseconds: in text KEY=12.0s, in JSON a number
 * "KEY_ms":12000. */
void event_ms(struct event *ev, const char *key, long long ms);

/* N integers: in text KEY=5,6,7 (",..." after them when MORE), in JSON
 * a list [5,6,7] and, when MORE, "KEY_more":true. */
void event_int_list(struct event *ev, const char *key, const int *values, int n,
                    int more);

/* Group the next fields under KEY: a nested object in JSON, plain fields
 * in text. */
void event_object_begin(struct event *ev, const char *key);
void event_object_end(struct event *ev);

/* A list of objects under KEY: in JSON "KEY":[{...},...]; in text each
 * item is a block of its own after the event's line, starting with a
 * line "    LABEL" that the item's fields follow (its stack, if any, last).
 * In text, event_why() must come before the list. */
void event_list_begin(struct event *ev, const char *key);
void event_item_begin(struct event *ev, const char *label);
void event_item_end(struct event *ev);
void event_list_end(struct event *ev);

/* Add stack ID under KEY: in text, a line "    LABEL:" then one line per
 * frame "    #N 0xIP func+0xOFF (module)"; in JSON, a list of
 * {ip, module, module_id, offset, ret, func, func_offset}, each module
 * announced by a module event (path, build-id, base, size) after the
 * first event that names it in this process. Frames that would not fit in
 * the line are left out and counted ("KEY_truncated" in JSON). Must come
 * after every other field in text (the frames follow the event's line).
 * Nothing for id 0. */
void event_stack(struct event *ev, const char *key, const char *label,
                 uint32_t id);

/* Write the module events of MODULES (N symbols_module ids) not yet
 * announced in this process: event_end() calls it, after the event that
 * named them (output/eventstack.c). */
void event_announce_modules(const uint16_t *modules, int n);

/* Add the one-sentence explanation: text " -- SENTENCE", JSON "why". */
void event_why(struct event *ev, const char *sentence);

/* Finish and write the event. */
void event_end(struct event *ev);

/* One configuration warning: WHERE (variable, or file:line) had VALUE,
 * which is wrong because PROBLEM; ACCEPTED says what would do; the
 * setting is ignored. VALUE may be NULL. Shown whatever the level and
 * the checks: it is the user's only sign that a setting is ignored. */
void event_config_error(const char *where, const char *value,
                        const char *problem, const char *accepted);

/* Report a fall-back of the log to stderr (output/log.h), if one
 * happened since the last report. */
void event_report_log_fallback(void);

#endif
