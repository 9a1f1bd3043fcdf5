/*
 * event.c — building text and JSON events (see event.h for the
 * contract); output/log.c writes them.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/event.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fdtab.h"
#include "output/sockaddr.h"

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
    [EV_OPEN_SOCKETS] = {"open_sockets", LEVEL_WARN},
    [EV_FD_EXHAUSTED] = {"fd_exhausted", LEVEL_ERROR},
    [EV_FD_PRESSURE] = {"fd_pressure", LEVEL_WARN},
    [EV_MODULE] = {"module", LEVEL_INFO},
};

/* The longest value an event field shows: every field bounded keeps a
 * whole event inside LOG_LINE_MAX, so JSON lines are never cut. */
#define EVENT_VALUE_MAX 512
/* A bad configuration value is echoed back at most this long. */
#define CONFIG_VALUE_SHOWN_MAX 80

/* The kinds shown (SOCKSHIM_CHECKS and the level); 0 until configured:
 * nothing is shown before there is a log. */
uint32_t event_kinds_shown;
static enum log_level shown_level = LEVEL_WARN;
static enum log_format format = FORMAT_TEXT;

const char *event_kind_name(enum event_kind kind) { return kinds[kind].name; }

enum log_level event_kind_level(enum event_kind kind) {
    return kinds[kind].level;
}

enum event_kind event_kind_by_name(const char *name, size_t len) {
    for (int k = 0; k < EV_COUNT; k++)
        if (strlen(kinds[k].name) == len &&
            strncasecmp(kinds[k].name, name, len) == 0)
            return (enum event_kind)k;
    return EV_COUNT;
}
/* The host's name (uname's nodename), read at event_configure(). */
static char host[65] = "";

void event_configure(uint32_t checks, enum log_level level,
                     enum log_format fmt) {
    uint32_t shown = 0;
    for (int k = 0; k < EV_COUNT; k++)
        if (kinds[k].level <= level && (checks & (1u << k)))
            shown |= 1u << k;
    /* Module events serve programs reading JSON, at any level, and are
     * left out of text. */
    shown &= ~(1u << EV_MODULE);
    if (fmt == FORMAT_JSON && (checks & (1u << EV_MODULE)))
        shown |= 1u << EV_MODULE;
    shown_level = level;
    format = fmt;
    struct utsname names;
    if (uname(&names) == 0) {
        size_t len = strnlen(names.nodename, sizeof host - 1);
        memcpy(host, names.nodename, len);
        host[len] = '\0';
    }
    __atomic_store_n(&event_kinds_shown, shown, __ATOMIC_RELAXED);
}

int event_level_shown(enum log_level level) { return level <= shown_level; }

/* The version of the JSON lines' fields (sockshim(7)). */
#define JSON_SCHEMA 1

static void append_timestamp(struct outbuf *ob) {
    struct civil_time t;
    clock_civil_now(&t);
    ob_char(ob, '"');
    ob_uint_pad(ob, (unsigned long long)t.year, 4);
    ob_char(ob, '-');
    ob_uint_pad(ob, (unsigned long long)t.month, 2);
    ob_char(ob, '-');
    ob_uint_pad(ob, (unsigned long long)t.day, 2);
    ob_char(ob, 'T');
    ob_uint_pad(ob, (unsigned long long)t.hour, 2);
    ob_char(ob, ':');
    ob_uint_pad(ob, (unsigned long long)t.minute, 2);
    ob_char(ob, ':');
    ob_uint_pad(ob, (unsigned long long)t.second, 2);
    ob_char(ob, '.');
    ob_uint_pad(ob, (unsigned long long)t.microsecond, 6);
    ob_str(ob, "Z\"");
}

/* The thread's event line, and whether an event is being built in it.
 * LOG_PREFIX_ROOM bytes before the line are kept for log_write_line(). */
static __thread char event_line[LOG_PREFIX_ROOM + LOG_LINE_MAX]
    __attribute__((tls_model("initial-exec")));
static __thread int event_line_busy __attribute__((tls_model("initial-exec")));
/* Bytes kept at the end of the line for event_end()'s "}\n". */
#define EVENT_END_ROOM 2

/* The level's name, in colour when the log is a terminal's: bold red
 * error, yellow warn, the others plain. */
static void level_word(struct outbuf *ob, enum log_level level) {
    const char *color = !log_in_color()        ? NULL
                        : level == LEVEL_ERROR ? "\033[1;31m"
                        : level == LEVEL_WARN  ? "\033[33m"
                                               : NULL;
    if (color != NULL)
        ob_str(ob, color);
    ob_str(ob, log_level_name(level));
    if (color != NULL)
        ob_str(ob, "\033[0m");
}

int event_begin(struct event *ev, enum event_kind kind, int fd) {
    return event_begin_at(ev, kind, kinds[kind].level, fd);
}

int event_begin_at(struct event *ev, enum event_kind kind, enum log_level level,
                   int fd) {
    return event_begin_in(ev, kind, level, fd, event_line, sizeof event_line);
}

int event_begin_in(struct event *ev, enum event_kind kind, enum log_level level,
                   int fd, char *buf, size_t size) {
    if (level > shown_level && kind != EV_CONFIG_ERROR)
        return 0;
    return event_begin_asked(ev, kind, level, fd, buf, size);
}

int event_begin_asked(struct event *ev, enum event_kind kind,
                      enum log_level level, int fd, char *buf, size_t size) {
    if (buf == NULL) {
        buf = event_line;
        size = sizeof event_line;
    }
    /* Bad configuration is always reported. */
    if ((kind != EV_CONFIG_ERROR && !(event_kinds_shown & (1u << kind))) ||
        event_line_busy || !log_ready())
        return 0;
    /* A log that had to fall back to stderr says so first (once: the
     * notice is taken before it is reported). */
    event_report_log_fallback();
    event_line_busy = 1;
    ev->kind = kind;
    ev->level = level;
    ev->json = format == FORMAT_JSON;
    ev->object_fresh = 0;
    ev->module_count = 0;
    ob_init(&ev->ob, buf + LOG_PREFIX_ROOM,
            size - LOG_PREFIX_ROOM - EVENT_END_ROOM);
    struct outbuf *ob = &ev->ob;
    if (ev->json) {
        ob_str(ob, "{\"schema\":");
        ob_int(ob, JSON_SCHEMA);
        ob_str(ob, ",\"ts\":");
        append_timestamp(ob);
        ob_str(ob, ",\"host\":");
        ob_json_str(ob, host);
        ob_str(ob, ",\"pid\":");
        ob_int(ob, getpid());
        ob_str(ob, ",\"tid\":");
        ob_int(ob, syscall(SYS_gettid));
        ob_str(ob, ",\"prog\":");
        ob_json_strn(ob, program_invocation_short_name, SIZE_MAX);
        ob_str(ob, ",\"level\":\"");
        ob_str(ob, log_level_name(level));
        ob_str(ob, "\",\"kind\":\"");
        ob_str(ob, kinds[kind].name);
        ob_char(ob, '"');
        if (fd >= 0)
            event_int(ev, "fd", fd);
    } else {
        if (log_current()->dest == DEST_SYSLOG) {
            /* The daemon has the pid from the header (output/log.h). */
            ob_str(ob, "sockshim: ");
        } else {
            ob_str(ob, "sockshim[");
            ob_int(ob, getpid());
            ob_str(ob, "]: ");
        }
        level_word(ob, level);
        ob_str(ob, ": ");
        ob_str(ob, kinds[kind].name);
        if (fd >= 0) {
            ob_str(ob, " fd=");
            ob_int(ob, fd);
        }
    }
    return 1;
}

static const char *protocol_word(const struct fd_slot *slot, int family) {
    if (slot != NULL && (fdtab_flags(slot) & FD_TCP))
        return "tcp";
    if (family == AF_UNIX)
        return "unix";
    if (slot != NULL && slot->sock_type == SOCK_DGRAM)
        return "udp";
    return family_name(family);
}

void event_socket(struct event *ev, int fd, const struct fd_slot *slot,
                  const struct sockaddr *peer_hint, socklen_t hint_len) {
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
static int needs_quotes(const char *value) {
    if (*value == '\0')
        return 1;
    for (; *value != '\0'; value++)
        if (*value <= ' ' || *value == '"' || *value == '\\' || *value == 0x7f)
            return 1;
    return 0;
}

void event_json_key(struct event *ev, const char *key) {
    if (!ev->object_fresh)
        ob_char(&ev->ob, ',');
    ev->object_fresh = 0;
    ob_json_strn(&ev->ob, key, SIZE_MAX);
    ob_char(&ev->ob, ':');
}

void event_object_begin(struct event *ev, const char *key) {
    if (ev->json) {
        event_json_key(ev, key);
        ob_char(&ev->ob, '{');
        ev->object_fresh = 1;
    }
}

void event_object_end(struct event *ev) {
    if (ev->json) {
        ob_char(&ev->ob, '}');
        ev->object_fresh = 0;
    }
}

void event_list_begin(struct event *ev, const char *key) {
    if (ev->json) {
        event_json_key(ev, key);
        ob_char(&ev->ob, '[');
        ev->object_fresh = 1;
    }
}

void event_item_begin(struct event *ev, const char *label) {
    if (ev->json) {
        if (!ev->object_fresh)
            ob_char(&ev->ob, ',');
        ob_char(&ev->ob, '{');
        ev->object_fresh = 1;
        return;
    }
    ob_str(&ev->ob, "\n    ");
    ob_str(&ev->ob, label);
}

void event_item_end(struct event *ev) { event_object_end(ev); }

void event_list_end(struct event *ev) {
    if (ev->json) {
        ob_char(&ev->ob, ']');
        ev->object_fresh = 0;
    }
}

void event_str(struct event *ev, const char *key, const char *value) {
    if (ev->json) {
        event_json_key(ev, key);
        ob_json_strn(&ev->ob, value, EVENT_VALUE_MAX);
        return;
    }
    ob_char(&ev->ob, ' ');
    ob_str(&ev->ob, key);
    ob_char(&ev->ob, '=');
    if (needs_quotes(value)) {
        ob_quoted(&ev->ob, value, EVENT_VALUE_MAX);
        return;
    }
    /* Marked as ob_quoted marks a cut: else a cut value reads as whole. */
    ob_strn(&ev->ob, value, EVENT_VALUE_MAX);
    if (value[strnlen(value, EVENT_VALUE_MAX)] != '\0')
        ob_str(&ev->ob, "...");
}

void event_bool(struct event *ev, const char *key, int value, const char *yes,
                const char *no) {
    if (ev->json) {
        event_json_key(ev, key);
        ob_str(&ev->ob, value ? "true" : "false");
        return;
    }
    event_str(ev, key, value ? yes : no);
}

void event_ms(struct event *ev, const char *key, long long ms) {
    if (ev->json) {
        if (!ev->object_fresh)
            ob_char(&ev->ob, ',');
        ev->object_fresh = 0;
        ob_char(&ev->ob, '"');
        ob_str(&ev->ob, key);
        ob_str(&ev->ob, "_ms\":");
        ob_int(&ev->ob, ms);
        return;
    }
    ob_char(&ev->ob, ' ');
    ob_str(&ev->ob, key);
    ob_char(&ev->ob, '=');
    ob_int(&ev->ob, ms / 1000);
    ob_char(&ev->ob, '.');
    ob_int(&ev->ob, ms % 1000 / 100);
    ob_char(&ev->ob, 's');
}

void event_int_list(struct event *ev, const char *key, const int *values, int n,
                    int more) {
    if (ev->json)
        event_json_key(ev, key);
    else {
        ob_char(&ev->ob, ' ');
        ob_str(&ev->ob, key);
        ob_char(&ev->ob, '=');
    }
    if (ev->json)
        ob_char(&ev->ob, '[');
    for (int i = 0; i < n; i++) {
        if (i > 0)
            ob_char(&ev->ob, ',');
        ob_int(&ev->ob, values[i]);
    }
    if (ev->json) {
        ob_char(&ev->ob, ']');
        if (more) {
            ob_str(&ev->ob, ",\"");
            ob_str(&ev->ob, key);
            ob_str(&ev->ob, "_more\":true");
        }
    } else if (more) {
        ob_str(&ev->ob, ",...");
    }
}

void event_int(struct event *ev, const char *key, long long value) {
    if (ev->json) {
        event_json_key(ev, key);
    } else {
        ob_char(&ev->ob, ' ');
        ob_str(&ev->ob, key);
        ob_char(&ev->ob, '=');
    }
    ob_int(&ev->ob, value);
}

void event_why(struct event *ev, const char *sentence) {
    if (ev->json) {
        event_str(ev, "why", sentence);
        return;
    }
    ob_str(&ev->ob, " -- ");
    ob_str(&ev->ob, sentence);
}

void event_end(struct event *ev) {
    /* The bytes reserved in event_begin always fit. */
    ev->ob.cap += EVENT_END_ROOM;
    if (ev->json)
        ob_char(&ev->ob, '}');
    ob_char(&ev->ob, '\n');
    log_write_line(ev->ob.buf, ev->ob.len, ev->level);
    event_line_busy = 0;
    if (ev->module_count > 0) {
        uint16_t modules[EVENT_MODULES_MAX];
        int n = ev->module_count;
        memcpy(modules, ev->modules, (size_t)n * sizeof modules[0]);
        event_announce_modules(modules, n);
    }
}

void event_config_error(const char *where, const char *value,
                        const char *problem, const char *accepted) {
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
            ob_quoted(&ev.ob, value, CONFIG_VALUE_SHOWN_MAX);
        }
        ob_str(&ev.ob, ": ");
        ob_str(&ev.ob, problem);
        ob_str(&ev.ob, "; accepted: ");
        ob_str(&ev.ob, accepted);
        ob_str(&ev.ob, "; ignored");
    }
    event_end(&ev);
}

/* What the user can do about a log that fell back to stderr. */
#define LOG_FALLBACK_ACCEPTED                                                  \
    "an existing directory reached through no link that others could have "    \
    "planted, and a regular file owned by this user, not a link; logging "     \
    "to stderr instead"

void event_report_log_fallback(void) {
    const char *where, *problem;
    if (log_take_fallback(&where, &problem))
        event_config_error("SOCKSHIM_LOG", where, problem,
                           LOG_FALLBACK_ACCEPTED);
}
