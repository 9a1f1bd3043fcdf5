/*
 * event-t.c — events as lines (lib/output/event.c) and the writing of
 * those lines (lib/output/log.c).
 *
 * Every event is built through the public calls (event_begin,
 * event_str, event_int, event_object_*, event_why, event_socket,
 * event_stack, event_end) into a log file under $TMPDIR, read back and
 * compared with the line it must be: exactly in text; in JSON exactly
 * from "pid" on (the timestamp is checked on its own), and with a small
 * JSON checker where a line comes near the 4 KiB bound, since a cut line
 * is what goes wrong there. Stacks are stored with stack_store() from
 * real return addresses in this program, so that their names are known.
 *
 * Then configuration errors, which kinds the level and SOCKSHIM_CHECKS
 * let through, the bound on values, events begun while another is built
 * (by a signal handler, by another thread), and the log's destination:
 * a %p/%n path, a pipe as stderr (one write per line, no SIGPIPE), and a
 * fallback to stderr reported once.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/fdtab.h"
#include "lib/base/real.h"
#include "lib/config/configuration.h"
#include "lib/output/event.h"
#include "lib/output/log.h"
#include "lib/output/stack.h"
#include "lib/output/symbols.h"
#include "t/tap/basic.h"
#include "t/tap/logtail.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* event.c's bound on one value (not exported: a test of the bound must
 * know it). */
#define EVENT_VALUE_MAX 512

/* --- configuration through a fake environment ---------------------------- */

static char log_path[256], log_setting[270];

static const char *fake_getenv(const char *name) {
    if (strcmp(name, "SOCKSHIM_LOG") == 0)
        return log_setting;
    if (strcmp(name, "SOCKSHIM_LOG_LEVEL") == 0)
        return "info";
    return NULL;
}

static void report_error(const char *where, const char *value,
                         const char *problem, const char *accepted) {
    bail("the test's configuration has an error: %s=%s: %s (%s)", where,
         value ? value : "", problem, accepted);
}

/* Events from now on in FORMAT, every kind, info and more severe: the
 * configuration most tests below write under. */
static void use_format(enum log_format format) {
    event_configure(CHECKS_ALL, LEVEL_INFO, format);
}

/* --- the log file -------------------------------------------------------- */

static long log_read_to;

/* The bytes the log file received since the last call. */
static const char *new_log_text(void) {
    return log_tail(log_path, &log_read_to);
}

/* The "sockshim[PID]: " every text line starts with. */
static const char *head(void) {
    static char h[64];
    snprintf(h, sizeof h, "sockshim[%d]: ", (int)getpid());
    return h;
}

/* TEXT with its control bytes shown as \n or \xNN: a diagnostic of a
 * multi-line event must stay one TAP comment line. */
static const char *visible(const char *text) {
    static char out[4][20000];
    static int turn;
    char *o = out[turn++ % 4];
    size_t n = 0;
    for (; *text != '\0' && n < sizeof out[0] - 8; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '\n')
            n += (size_t)sprintf(o + n, "\\n");
        else if (c < 0x20 || c == 0x7f)
            n += (size_t)sprintf(o + n, "\\x%02x", c);
        else
            o[n++] = (char)c;
    }
    o[n] = '\0';
    return o;
}

/* is_string() for text that may hold newlines. */
static int is_text(const char *expected, const char *seen, const char *fmt,
                   ...) {
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int same = strcmp(expected, seen) == 0;
    ok(same, "%s", what);
    if (!same) {
        diag("expected '%s'", visible(expected));
        diag("seen     '%s'", visible(seen));
    }
    return same;
}

/* The one text line expected: "sockshim[PID]: " BODY "\n". */
static const char *text_line(const char *body) {
    static char line[8192];
    snprintf(line, sizeof line, "%s%s\n", head(), body);
    return line;
}

/* The JSON line expected after its timestamp: "pid":PID,"tid":PID,
 * "prog":PROG, then REST (the main thread's tid is the pid). */
static const char *json_after_ts(const char *rest) {
    static char line[8192];
    snprintf(line, sizeof line, "\"pid\":%d,\"tid\":%d,\"prog\":\"%s\",%s\n",
             (int)getpid(), (int)getpid(), program_invocation_short_name, rest);
    return line;
}

/* Every JSON line starts {"schema":1,"ts":"2024-01-02T03:04:05.123456Z",
 * then "host":"NAME", (this machine's nodename). */
static const char schema_prefix[] = "{\"schema\":1,";
#define SCHEMA_PREFIX_LEN (sizeof schema_prefix - 1)
/* Length of "ts":"2024-01-02T03:04:05.123456Z", */
#define TS_FIELD_LEN 35

/* LINE's "ts" field, or NULL when LINE does not start with the schema. */
static const char *ts_field(const char *line) {
    if (strncmp(line, schema_prefix, SCHEMA_PREFIX_LEN) != 0)
        return NULL;
    return line + SCHEMA_PREFIX_LEN;
}

/* LINE past its schema, ts and host fields, or "" when it has none of
 * that shape. */
static const char *skip_ts(const char *line) {
    const char *ts = ts_field(line);
    if (ts == NULL || strncmp(ts, "\"ts\":\"", 6) != 0 ||
        strlen(ts) < TS_FIELD_LEN ||
        strncmp(ts + TS_FIELD_LEN - 3, "Z\",", 3) != 0)
        return "";
    static char host_field[128];
    struct utsname names;
    if (uname(&names) != 0)
        return "";
    snprintf(host_field, sizeof host_field, "\"host\":\"%s\",", names.nodename);
    const char *rest = ts + TS_FIELD_LEN;
    if (strncmp(rest, host_field, strlen(host_field)) != 0)
        return "";
    return rest + strlen(host_field);
}

/* --- a minimal JSON checker ---------------------------------------------- */
/* Just enough of RFC 8259 to tell whether a line is one whole object: a
 * line cut at the buffer's end stops inside a string or an object, and
 * raw control bytes or bytes that are not UTF-8 in a string are what an
 * escaping bug leaves. */

static const char *json_value(const char *p, int depth);

static const char *json_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* The length of the character at P when it is well-formed UTF-8 (RFC
 * 3629: shortest form, no surrogate, at most U+10FFFF), else 0: a strict
 * parser rejects a string holding anything else. */
static int utf8_char(const unsigned char *p) {
    static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
    int n = p[0] >= 0xf8   ? 0
            : p[0] >= 0xf0 ? 4
            : p[0] >= 0xe0 ? 3
            : p[0] >= 0xc0 ? 2
                           : 0;
    if (n == 0)
        return 0;
    unsigned long code = p[0] & (0x7fu >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        code = code << 6 | (p[i] & 0x3fu);
    }
    if (code < least[n] || code > 0x10ffff ||
        (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return n;
}

static const char *json_string(const char *p) {
    if (*p++ != '"')
        return NULL;
    for (;;) {
        unsigned char c = (unsigned char)*p++;
        if (c == '"')
            return p;
        if (c < 0x20) /* the terminating NUL too */
            return NULL;
        if (c >= 0x80) {
            int n = utf8_char((const unsigned char *)p - 1);
            if (n == 0)
                return NULL;
            p += n - 1;
            continue;
        }
        if (c != '\\')
            continue;
        c = (unsigned char)*p++;
        if (c == 'u') {
            for (int i = 0; i < 4; i++, p++)
                if (!isxdigit((unsigned char)*p))
                    return NULL;
        } else if (c == '\0' || strchr("\"\\/bfnrt", c) == NULL) {
            return NULL;
        }
    }
}

/* '{' members '}' or '[' elements ']'. */
static const char *json_container(const char *p, int depth) {
    char close = *p == '{' ? '}' : ']';
    int object = *p == '{';
    p = json_space(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (object) {
            p = json_string(json_space(p));
            if (p == NULL || *(p = json_space(p)) != ':')
                return NULL;
            p++;
        }
        p = json_value(p, depth + 1);
        if (p == NULL)
            return NULL;
        p = json_space(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *json_value(const char *p, int depth) {
    p = json_space(p);
    if (depth > 16)
        return NULL;
    if (*p == '{' || *p == '[')
        return json_container(p, depth);
    if (*p == '"')
        return json_string(p);
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    const char *start = p;
    if (*p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return NULL;
    while (isdigit((unsigned char)*p))
        p++;
    return p > start ? p : NULL;
}

/* Is TEXT exactly one JSON object and its newline? */
static int json_object_line(const char *text) {
    if (*text != '{')
        return 0;
    const char *end = json_value(text, 0);
    return end != NULL && strcmp(end, "\n") == 0;
}

/* --- lines of text ------------------------------------------------------- */

/* A string of N bytes C (N < 4096). */
static const char *repeated(char c, size_t n) {
    static char s[2][4096];
    static int turn;
    char *o = s[turn++ % 2];
    memset(o, c, n);
    o[n] = '\0';
    return o;
}

static void test_text(void) {
    struct event ev;
    use_format(FORMAT_TEXT);
    new_log_text();

    /* The fields in the order given, the explanation after them. */
    int began = event_begin(&ev, EV_CLOSE_UNREAD, 7);
    ok(began, "close_unread is begun");
    if (began) {
        event_int(&ev, "unread", 12);
        event_str(&ev, "call", "close");
        event_why(&ev, "the kernel sends RST");
        event_end(&ev);
    }
    is_text(text_line("warn: close_unread fd=7 unread=12 call=close -- the "
                      "kernel sends RST"),
            new_log_text(), "text: level, kind, fd, fields, then why");

    /* No descriptor: no fd=; each kind at its own level. */
    if (event_begin(&ev, EV_DOUBLE_CLOSE, -1))
        event_end(&ev);
    if (event_begin(&ev, EV_POLICY, -1))
        event_end(&ev);
    if (event_begin_at(&ev, EV_LEAK_AT_EXIT, LEVEL_INFO, -1))
        event_end(&ev);
    char want[512];
    snprintf(want, sizeof want,
             "%serror: double_close\n%sinfo: policy\n"
             "%sinfo: leak_at_exit\n",
             head(), head(), head());
    is_text(want, new_log_text(),
            "text: fd -1 gives no fd=; the kind's level, or the one "
            "event_begin_at is given");

    /* Integers at their extremes. */
    if (event_begin(&ev, EV_POLICY, 0)) {
        event_int(&ev, "min", LLONG_MIN);
        event_int(&ev, "max", LLONG_MAX);
        event_int(&ev, "zero", 0);
        event_end(&ev);
    }
    is_text(text_line("info: policy fd=0 min=-9223372036854775808 "
                      "max=9223372036854775807 zero=0"),
            new_log_text(), "text: integers, LLONG_MIN and LLONG_MAX whole");

    /* An object is flat in text: its fields follow as any other. */
    if (event_begin(&ev, EV_POLICY, 3)) {
        event_object_begin(&ev, "applied");
        event_str(&ev, "SO_KEEPALIVE", "on");
        event_int(&ev, "backlog", 4096);
        event_object_end(&ev);
        event_int(&ev, "app_backlog", 128);
        event_end(&ev);
    }
    is_text(text_line("info: policy fd=3 SO_KEEPALIVE=on backlog=4096 "
                      "app_backlog=128"),
            new_log_text(), "text: an object's fields flat, no key for it");
}

/* Values as text shows them: bare when they cannot be misread, else in
 * quotes (a space no longer ends the field), with every byte that could
 * end the quotes or the line (quote, backslash, control bytes, DEL) as
 * \xNN. JSON escapes what RFC 8259 requires, and DEL. */
static const struct {
    const char *what, *value, *text, *json;
} values[] = {
    {"a plain word", "close", "close", "\"close\""},
    {"empty", "", "\"\"", "\"\""},
    {"a space", "a b", "\"a b\"", "\"a b\""},
    {"a quote", "say \"hi\"", "\"say \\x22hi\\x22\"", "\"say \\\"hi\\\"\""},
    {"a backslash", "C:\\dir", "\"C:\\x5cdir\"", "\"C:\\\\dir\""},
    {"a newline (a forged second line)", "x\nsockshim[1]: error: double_close",
     "\"x\\x0asockshim[1]: error: double_close\"",
     "\"x\\u000asockshim[1]: error: double_close\""},
    {"a tab and a carriage return", "a\tb\r", "\"a\\x09b\\x0d\"",
     "\"a\\u0009b\\u000d\""},
    {"DEL and an escape byte", "\x7f\x1b[31m", "\"\\x7f\\x1b[31m\"",
     "\"\\u007f\\u001b[31m\""},
    {"'=' and ':' need no quotes", "a=b:c", "a=b:c", "\"a=b:c\""},
};

static void test_values(void) {
    struct event ev;
    char body[512], rest[512];
    for (int json = 0; json <= 1; json++) {
        use_format(json ? FORMAT_JSON : FORMAT_TEXT);
        for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
            new_log_text();
            if (event_begin(&ev, EV_POLICY, -1)) {
                event_str(&ev, "v", values[i].value);
                event_end(&ev);
            }
            const char *seen = new_log_text();
            if (json) {
                snprintf(rest, sizeof rest,
                         "\"level\":\"info\",\"kind\":\"policy\",\"v\":%s}",
                         values[i].json);
                is_text(json_after_ts(rest), skip_ts(seen), "JSON: %s",
                        values[i].what);
            } else {
                snprintf(body, sizeof body, "info: policy v=%s",
                         values[i].text);
                is_text(text_line(body), seen, "text: %s", values[i].what);
            }
        }
    }
}

static pid_t thread_tid;
static char thread_line[4096];

/* An event from a second thread: its own tid. */
static void *event_from_thread(void *arg) {
    (void)arg;
    struct event ev;
    thread_tid = (pid_t)syscall(SYS_gettid);
    if (event_begin(&ev, EV_POLICY, -1))
        event_end(&ev);
    return NULL;
}

static void test_json(void) {
    struct event ev;
    use_format(FORMAT_JSON);
    new_log_text();

    /* The fields every line has, then the event's own. */
    /* The same clock event.c reads: time() may lag it by a tick. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t before = now.tv_sec;
    if (event_begin(&ev, EV_CLOSE_UNREAD, 7)) {
        event_int(&ev, "unread", 12);
        event_str(&ev, "call", "close");
        event_why(&ev, "the kernel sends RST");
        event_end(&ev);
    }
    clock_gettime(CLOCK_REALTIME, &now);
    time_t after = now.tv_sec;
    const char *line = new_log_text();
    is_text(json_after_ts("\"level\":\"warn\",\"kind\":\"close_unread\","
                          "\"fd\":7,\"unread\":12,\"call\":\"close\","
                          "\"why\":\"the kernel sends RST\"}"),
            skip_ts(line),
            "JSON: pid, tid, prog, level, kind, fd, fields, why");

    /* The timestamp: UTC to the microsecond, between the clock's reading
     * before and after (event.c computes the civil date itself). */
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    unsigned usec = 0;
    char z = 0;
    const char *ts = ts_field(line);
    int fields = ts == NULL
                     ? 0
                     : sscanf(ts, "\"ts\":\"%4d-%2d-%2dT%2d:%2d:%2d.%6u%c",
                              &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                              &tm.tm_min, &tm.tm_sec, &usec, &z);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t when = timegm(&tm);
    if (!ok(fields == 8 && z == 'Z' && ts != NULL && ts[25] == '.' &&
                when >= before && when <= after,
            "JSON: ts is UTC ISO 8601 with microseconds, and now"))
        diag("line: %s; now: %lld..%lld", visible(line), (long long)before,
             (long long)after);

    /* Another thread's event carries that thread's id. */
    pthread_t t;
    if (pthread_create(&t, NULL, event_from_thread, NULL) != 0)
        bail("pthread_create: %s", strerror(errno));
    pthread_join(t, NULL);
    snprintf(thread_line, sizeof thread_line,
             "\"pid\":%d,\"tid\":%d,\"prog\":\"%s\",\"level\":\"info\","
             "\"kind\":\"policy\"}\n",
             (int)getpid(), (int)thread_tid, program_invocation_short_name);
    line = new_log_text();
    ok(thread_tid != getpid(), "the second thread has a tid of its own");
    is_text(thread_line, skip_ts(line), "JSON: tid is the writing thread's");

    /* Objects nest; a field after one follows with its comma; an empty
     * one is {}; keys are escaped like values. */
    if (event_begin(&ev, EV_POLICY, 3)) {
        event_object_begin(&ev, "applied");
        event_str(&ev, "SO_KEEPALIVE", "on");
        event_object_begin(&ev, "keepalive");
        event_int(&ev, "idle", 60);
        event_int(&ev, "cnt", 5);
        event_object_end(&ev);
        event_int(&ev, "backlog", 4096);
        event_object_end(&ev);
        event_object_begin(&ev, "none");
        event_object_end(&ev);
        event_int(&ev, "k\"ey", LLONG_MIN);
        event_end(&ev);
    }
    line = new_log_text();
    is_text(json_after_ts("\"level\":\"info\",\"kind\":\"policy\",\"fd\":3,"
                          "\"applied\":{\"SO_KEEPALIVE\":\"on\","
                          "\"keepalive\":{\"idle\":60,\"cnt\":5},"
                          "\"backlog\":4096},\"none\":{},"
                          "\"k\\\"ey\":-9223372036854775808}"),
            skip_ts(line),
            "JSON: nested objects, an empty one, an escaped "
            "key");
    ok(json_object_line(line), "... and the line is one JSON object");

    /* An object right after the fixed fields, as the summary's counts
     * come: a comma before its key, none before its first member. */
    if (event_begin(&ev, EV_SUMMARY, -1)) {
        event_object_begin(&ev, "counts");
        event_int(&ev, "close_unread", 2);
        event_object_end(&ev);
        event_end(&ev);
    }
    is_text(json_after_ts("\"level\":\"info\",\"kind\":\"summary\","
                          "\"counts\":{\"close_unread\":2}}"),
            skip_ts(new_log_text()),
            "JSON: an object right after the "
            "fixed fields");
}

/* --- sockets ------------------------------------------------------------- */

/* Describe FD in the fd table as the hooks would: FLAGS, family, type,
 * role. */
static struct fd_slot *track(int fd, int family, int type, uint32_t flags,
                             int role) {
    struct fd_slot *slot = fdtab_slot(fd);
    if (slot == NULL)
        bail("fdtab_slot(%d) failed", fd);
    slot->family = (uint8_t)family;
    slot->sock_type = (uint16_t)type;
    slot->role = ROLE_NONE;
    fdtab_set_flags(slot, flags);
    fdtab_set_role(slot, role);
    return slot;
}

static int port_of(int fd) {
    struct sockaddr_in in;
    socklen_t len = sizeof in;
    if (getsockname(fd, (struct sockaddr *)&in, &len) != 0)
        bail("getsockname: %s", strerror(errno));
    return ntohs(in.sin_port);
}

/* One event of kind policy about FD with event_socket(), in the current
 * format; the line the log got. */
static const char *socket_event(int fd, const struct fd_slot *slot,
                                const struct sockaddr *hint, socklen_t len) {
    struct event ev;
    new_log_text();
    if (event_begin(&ev, EV_POLICY, fd)) {
        event_socket(&ev, fd, slot, hint, len);
        event_end(&ev);
    }
    return new_log_text();
}

static void test_socket(void) {
    const uint32_t tcp = FD_TRACKED | FD_CREATED | FD_TCP;
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 ||
        bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 4) != 0)
        bail("loopback listener: %s", strerror(errno));
    addr.sin_port = htons((unsigned short)port_of(listener));
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 ||
        connect(client, (struct sockaddr *)&addr, sizeof addr) != 0)
        bail("connect: %s", strerror(errno));
    int accepted = accept(listener, NULL, NULL);
    if (accepted < 0)
        bail("accept: %s", strerror(errno));
    int lport = port_of(listener), cport = port_of(client);
    struct fd_slot *ls =
        track(listener, AF_INET, SOCK_STREAM, tcp, ROLE_LISTEN);
    struct fd_slot *as =
        track(accepted, AF_INET, SOCK_STREAM, tcp, ROLE_ACCEPT);
    struct fd_slot *cs = track(client, AF_INET, SOCK_STREAM, tcp, ROLE_CONNECT);
    char body[512], rest[512];

    /* Text: protocol, local address, then the peer: "<-" for an
     * accepted connection, "->" for the client. */
    use_format(FORMAT_TEXT);
    snprintf(body, sizeof body,
             "info: policy fd=%d tcp 127.0.0.1:%d "
             "<- 127.0.0.1:%d role=accept",
             accepted, lport, cport);
    is_text(text_line(body), socket_event(accepted, as, NULL, 0),
            "text: an accepted connection, peer after <-");
    snprintf(body, sizeof body,
             "info: policy fd=%d tcp 127.0.0.1:%d "
             "-> 127.0.0.1:%d role=connect",
             client, cport, lport);
    is_text(text_line(body), socket_event(client, cs, NULL, 0),
            "text: a client, peer after ->");
    snprintf(body, sizeof body,
             "info: policy fd=%d tcp 127.0.0.1:%d "
             "role=listen",
             listener, lport);
    is_text(text_line(body), socket_event(listener, ls, NULL, 0),
            "text: a listener, no peer");

    /* JSON: each part a field of its own. */
    use_format(FORMAT_JSON);
    snprintf(rest, sizeof rest,
             "\"level\":\"info\",\"kind\":\"policy\","
             "\"fd\":%d,\"family\":\"inet\",\"proto\":\"tcp\","
             "\"role\":\"accept\",\"local\":\"127.0.0.1:%d\","
             "\"peer\":\"127.0.0.1:%d\"}",
             accepted, lport, cport);
    is_text(json_after_ts(rest), skip_ts(socket_event(accepted, as, NULL, 0)),
            "JSON: family, proto, role, local, peer of an accepted "
            "connection");
    snprintf(rest, sizeof rest,
             "\"level\":\"info\",\"kind\":\"policy\","
             "\"fd\":%d,\"family\":\"inet\",\"proto\":\"tcp\","
             "\"role\":\"listen\",\"local\":\"127.0.0.1:%d\"}",
             listener, lport);
    is_text(json_after_ts(rest), skip_ts(socket_event(listener, ls, NULL, 0)),
            "JSON: a listener has no peer field");

    /* A UDP socket not connected yet: the peer it is about to be given
     * stands in (connect() is reported before the call). */
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    struct fd_slot *us =
        track(udp, AF_INET, SOCK_DGRAM, FD_TRACKED | FD_CREATED, ROLE_CONNECT);
    struct sockaddr_in hint = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "192.0.2.1", &hint.sin_addr);
    snprintf(rest, sizeof rest,
             "\"level\":\"info\",\"kind\":\"policy\","
             "\"fd\":%d,\"family\":\"inet\",\"proto\":\"udp\","
             "\"role\":\"connect\",\"local\":\"0.0.0.0:0\","
             "\"peer\":\"192.0.2.1:53\"}",
             udp);
    is_text(
        json_after_ts(rest),
        skip_ts(socket_event(udp, us, (struct sockaddr *)&hint, sizeof hint)),
        "JSON: UDP, not connected: the peer hint is the peer");

    /* A UNIX socketpair: proto unix, unnamed ends. */
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
        bail("socketpair: %s", strerror(errno));
    struct fd_slot *ps =
        track(sp[0], AF_UNIX, SOCK_STREAM, FD_TRACKED | FD_CREATED, ROLE_NONE);
    use_format(FORMAT_TEXT);
    snprintf(body, sizeof body,
             "info: policy fd=%d unix unnamed -> "
             "unnamed role=none",
             sp[0]);
    is_text(text_line(body), socket_event(sp[0], ps, NULL, 0),
            "text: a socketpair end, unix, unnamed on both sides");

    int fds[] = {listener, accepted, client, udp, sp[0]};
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
        fdtab_clear(fds[i]);
        close(fds[i]);
    }
    close(sp[1]);
}

/* --- stacks -------------------------------------------------------------- */

static __attribute__((noinline)) uintptr_t return_address(void) {
    uintptr_t ra = (uintptr_t)__builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
    return ra;
}

/* Return addresses inside three static functions: frames as a capture
 * would hold them, named only through .symtab. Each keeps a mark of its
 * own, so that the compiler cannot merge them into one. */
static __attribute__((noinline)) uintptr_t event_t_site_a(void) {
    volatile int mark = 1;
    uintptr_t ra = return_address();
    __asm__ volatile("" ::: "memory");
    return ra + (uintptr_t)(mark - 1);
}

static __attribute__((noinline)) uintptr_t event_t_site_b(void) {
    volatile int mark = 2;
    uintptr_t ra = return_address();
    __asm__ volatile("" ::: "memory");
    return ra + (uintptr_t)(mark - 2);
}

static __attribute__((noinline)) uintptr_t event_t_site_c(void) {
    volatile int mark = 3;
    uintptr_t ra = return_address();
    __asm__ volatile("" ::: "memory");
    return ra + (uintptr_t)(mark - 3);
}

struct site {
    uintptr_t ip, func, base;
    const char *name;
};

static struct site site(uintptr_t ip, uintptr_t (*func)(void),
                        const char *name) {
    Dl_info info;
    struct site s = {ip, (uintptr_t)func, 0, name};
    if (dladdr((void *)(ip - 1), &info) == 0)
        bail("dladdr(%#lx) failed", (unsigned long)ip);
    s.base = (uintptr_t)info.dli_fbase;
    return s;
}

/* The text line of frame N at S. */
static void text_frame(char *out, size_t size, int n, const struct site *s) {
    snprintf(out, size, "\n    #%d %#lx %s+%#lx (%s)", n, (unsigned long)s->ip,
             s->name, (unsigned long)(s->ip - s->func),
             program_invocation_short_name);
}

/* The module id symbols.c gave this program. */
static unsigned own_module_id(const struct site *s) {
    struct frame_name f;
    symbols_name(s->ip, &f);
    return f.module_id;
}

/* The JSON object of the frame at S: every frame kept is a return
 * address ("ret"). */
static void json_frame(char *out, size_t size, const struct site *s) {
    snprintf(out, size,
             "{\"ip\":\"%#lx\",\"module\":\"%s\",\"module_id\":%u,"
             "\"offset\":\"%#lx\",\"ret\":true,"
             "\"func\":\"%s\",\"func_offset\":\"%#lx\"}",
             (unsigned long)s->ip, program_invocation_short_name,
             own_module_id(s), (unsigned long)(s->ip - s->base), s->name,
             (unsigned long)(s->ip - s->func));
}

/* TEXT's first line, and in *REST what follows it. */
static const char *first_line(const char *text, const char **rest) {
    static char line[8192];
    const char *nl = strchr(text, '\n');
    size_t len = nl != NULL ? (size_t)(nl - text) + 1 : strlen(text);
    if (len >= sizeof line)
        len = sizeof line - 1;
    memcpy(line, text, len);
    line[len] = '\0';
    *rest = text + len;
    return line;
}

/* How often NEEDLE occurs in TEXT. */
static int occurrences(const char *text, const char *needle) {
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL;
         p += strlen(needle))
        n++;
    return n;
}

static void test_stack(void) {
    struct event ev;
    struct site a = site(event_t_site_a(), event_t_site_a, "event_t_site_a");
    struct site b = site(event_t_site_b(), event_t_site_b, "event_t_site_b");
    struct site c = site(event_t_site_c(), event_t_site_c, "event_t_site_c");
    uintptr_t ab[] = {a.ip, b.ip}, cc[] = {c.ip};
    uint32_t id_ab = stack_store(ab, 2), id_c = stack_store(cc, 1);
    if (id_ab == 0 || id_c == 0)
        bail("stack_store failed");
    char fa[512], fb[512], fc[512], want[4096];

    /* Text: after the explanation, one labelled block per stack. */
    use_format(FORMAT_TEXT);
    new_log_text();
    if (event_begin(&ev, EV_CLOSE_UNREAD, 5)) {
        event_int(&ev, "unread", 3);
        event_why(&ev, "the kernel sends RST");
        event_stack(&ev, "stack", "close() at", id_ab);
        event_stack(&ev, "created_at", "socket created at", id_c);
        event_end(&ev);
    }
    text_frame(fa, sizeof fa, 0, &a);
    text_frame(fb, sizeof fb, 1, &b);
    text_frame(fc, sizeof fc, 0, &c);
    snprintf(want, sizeof want,
             "%swarn: close_unread fd=5 unread=3 -- the kernel sends RST\n"
             "    close() at:%s%s\n    socket created at:%s\n",
             head(), fa, fb, fc);
    is_text(want, new_log_text(),
            "text: each stack a label line and one "
            "line per frame: ip, func+offset, module");

    /* JSON: a list of frame objects per stack. */
    use_format(FORMAT_JSON);
    if (event_begin(&ev, EV_CLOSE_UNREAD, 5)) {
        event_stack(&ev, "stack", "close() at", id_ab);
        event_stack(&ev, "created_at", "socket created at", id_c);
        event_end(&ev);
    }
    json_frame(fa, sizeof fa, &a);
    json_frame(fb, sizeof fb, &b);
    json_frame(fc, sizeof fc, &c);
    char rest[4096];
    snprintf(rest, sizeof rest,
             "\"level\":\"warn\",\"kind\":\"close_unread\","
             "\"fd\":5,\"stack\":[%s,%s],\"created_at\":[%s]}",
             fa, fb, fc);
    const char *after;
    const char *first = first_line(new_log_text(), &after);
    is_text(json_after_ts(rest), skip_ts(first),
            "JSON: each stack a list of {ip, module, module_id, offset, "
            "ret, func, func_offset}");
    /* Then, the first time this program's module is named: its module
     * event, with what a symbolizer elsewhere needs. */
    char exe[512], module[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    snprintf(module, sizeof module,
             "\"kind\":\"module\",\"module_id\":%u,\"path\":\"%s\","
             "\"build_id\":\"",
             own_module_id(&a), exe);
    const char *m = strstr(after, module);
    size_t hex = m != NULL ? strspn(m + strlen(module), "0123456789abcdef") : 0;
    if (!ok(m != NULL && hex == 40 &&
                strncmp(m + strlen(module) + hex, "\",\"base\":\"0x", 11) ==
                    0 &&
                strstr(after, "\"size\":") != NULL && line_count(after) == 1,
            "JSON: then one module event: id, path, 40-digit build-id, "
            "base, size"))
        diag("seen '%s'", visible(after));
    if (event_begin(&ev, EV_CLOSE_UNREAD, 5)) {
        event_stack(&ev, "stack", "close() at", id_ab);
        event_end(&ev);
    }
    is_int(1, line_count(new_log_text()),
           "JSON: a module is announced once per process");

    /* Id 0 (no stack captured) adds nothing at all. */
    for (int json = 0; json <= 1; json++) {
        use_format(json ? FORMAT_JSON : FORMAT_TEXT);
        if (event_begin(&ev, EV_POLICY, -1)) {
            event_stack(&ev, "stack", "close() at", 0);
            event_end(&ev);
        }
        const char *line = new_log_text();
        is_text(json ? json_after_ts("\"level\":\"info\",\"kind\":\"policy\"}")
                     : text_line("info: policy"),
                json ? skip_ts(line) : line, "%s: stack id 0 adds nothing",
                json ? "JSON" : "text");
    }

    /* A frame no module holds: "??" and module "?" in text, func null
     * (and no func_offset) in JSON. */
    uintptr_t nowhere[] = {0x10};
    uint32_t id_nowhere = stack_store(nowhere, 1);
    use_format(FORMAT_TEXT);
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_stack(&ev, "stack", "at", id_nowhere);
        event_end(&ev);
    }
    is_text(text_line("info: policy\n    at:\n    #0 0x10 ?? (?)"),
            new_log_text(), "text: an address in no module is ?? (?)");
    use_format(FORMAT_JSON);
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_stack(&ev, "stack", "at", id_nowhere);
        event_end(&ev);
    }
    is_text(json_after_ts("\"level\":\"info\",\"kind\":\"policy\","
                          "\"stack\":[{\"ip\":\"0x10\",\"module\":\"?\","
                          "\"offset\":\"0x10\",\"ret\":true,"
                          "\"func\":null}]}"),
            skip_ts(new_log_text()), "JSON: ... func null, no func_offset");

    /* 64 frames after three values at the bound: the frames that do not
     * fit are left out and counted, and the line stays whole. */
    uintptr_t deep[STACK_DEPTH_MAX];
    for (int i = 0; i < STACK_DEPTH_MAX; i++)
        deep[i] = i % 3 == 0 ? a.ip : i % 3 == 1 ? b.ip : c.ip;
    uint32_t id_deep = stack_store(deep, STACK_DEPTH_MAX);
    const uintptr_t *ips;
    if (stack_frames(id_deep, &ips) != STACK_DEPTH_MAX)
        bail("the store keeps %d frames, not 64", stack_frames(id_deep, &ips));
    for (int json = 0; json <= 1; json++) {
        use_format(json ? FORMAT_JSON : FORMAT_TEXT);
        if (event_begin(&ev, EV_CLOSE_UNREAD, 5)) {
            event_str(&ev, "a", repeated('a', EVENT_VALUE_MAX));
            event_str(&ev, "b", repeated('b', EVENT_VALUE_MAX));
            event_str(&ev, "c", repeated('c', EVENT_VALUE_MAX));
            event_stack(&ev, "stack", "close() at", id_deep);
            event_end(&ev);
        }
        const char *line = new_log_text();
        size_t len = strlen(line);
        int shown, more = -1;
        const char *tail;
        if (json) {
            shown = occurrences(line, "{\"ip\":");
            tail = strstr(line, "],\"stack_truncated\":");
            if (tail != NULL)
                sscanf(tail, "],\"stack_truncated\":%d}", &more);
            if (!ok(json_object_line(line) && len <= LOG_LINE_MAX &&
                        shown > 0 && more > 0 && shown + more == 64,
                    "JSON: 64 frames with three 512-byte values: %d shown, "
                    "stack_truncated %d, one whole object of %zu bytes",
                    shown, more, len))
                diag("line: %s", visible(line));
        } else {
            shown = occurrences(line, "\n    #");
            char last[64];
            snprintf(last, sizeof last, "\n    #%d ", shown - 1);
            tail = strstr(line, "\n    ... ");
            if (tail != NULL)
                sscanf(tail, "\n    ... %d more frames\n", &more);
            char end[64];
            snprintf(end, sizeof end, "\n    ... %d more frames\n", more);
            if (!ok(len <= LOG_LINE_MAX && shown > 0 && more > 0 &&
                        shown + more == 64 && strstr(line, last) != NULL &&
                        tail != NULL && strcmp(tail, end) == 0 &&
                        line_count(line) == 1 + 1 + shown + 1,
                    "text: 64 frames with three 512-byte values: %d shown "
                    "(#0..#%d), then '... %d more frames'; %zu bytes",
                    shown, shown - 1, more, len))
                diag("line: %s", visible(line));
        }
    }
}

/* --- configuration errors ------------------------------------------------ */

static void test_config_error(void) {
    struct event ev;
    static const char accepted[] = "off, audit, enforce or force";

    /* Every kind off by SOCKSHIM_CHECKS and the level at error: warnings
     * and checks are filtered, a configuration error is not (it is the
     * only sign that a setting was ignored). */
    event_configure(0, LEVEL_ERROR, FORMAT_TEXT);
    new_log_text();
    int began = event_begin(&ev, EV_DOUBLE_CLOSE, 3);
    if (began)
        event_end(&ev);
    ok(!began && !event_enabled(EV_CONFIG_ERROR) &&
           !event_level_shown(LEVEL_WARN),
       "checks none, level error: double_close is not begun, warn not "
       "shown");
    event_config_error("SOCKSHIM_MODE", "bogus", "not a mode", accepted);
    is_text(text_line("warn: config_error SOCKSHIM_MODE=\"bogus\": not a "
                      "mode; accepted: off, audit, enforce or force; "
                      "ignored"),
            new_log_text(),
            "text: config_error shown all the same: where, "
            "quoted value, problem, accepted");

    /* No value (a bad line as a whole): no "=". */
    event_config_error("/etc/sockshim.conf:3", NULL, "a NUL byte in the line",
                       "text lines");
    is_text(text_line("warn: config_error /etc/sockshim.conf:3: a NUL byte "
                      "in the line; accepted: text lines; ignored"),
            new_log_text(), "text: config_error without a value");

    /* A hostile value: escaped, and cut at 80 bytes with "..." after the
     * quotes; the place escaped too. */
    char value[128];
    snprintf(value, sizeof value, "x\n%s", repeated('y', 100));
    event_config_error("SOCKSHIM_\"X\"", value, "unknown variable",
                       "the SOCKSHIM_* variables");
    char body[512];
    snprintf(body, sizeof body,
             "warn: config_error SOCKSHIM_\\x22X\\x22="
             "\"x\\x0a%s\"...: unknown variable; accepted: the SOCKSHIM_* "
             "variables; ignored",
             repeated('y', 78));
    is_text(text_line(body), new_log_text(),
            "text: a value with a newline escaped and cut at 80 bytes, the "
            "place escaped");

    /* JSON: the same fields by name. */
    event_configure(0, LEVEL_ERROR, FORMAT_JSON);
    event_config_error("SOCKSHIM_MODE", "bogus", "not a mode", accepted);
    is_text(json_after_ts("\"level\":\"warn\",\"kind\":\"config_error\","
                          "\"where\":\"SOCKSHIM_MODE\",\"value\":\"bogus\","
                          "\"problem\":\"not a mode\",\"accepted\":\"off, "
                          "audit, enforce or force\"}"),
            skip_ts(new_log_text()),
            "JSON: config_error with where, value, problem, accepted");
    event_config_error("SOCKSHIM_RULES #2", NULL, "no role", "a role");
    is_text(json_after_ts("\"level\":\"warn\",\"kind\":\"config_error\","
                          "\"where\":\"SOCKSHIM_RULES #2\","
                          "\"problem\":\"no role\",\"accepted\":\"a role\"}"),
            skip_ts(new_log_text()),
            "JSON: config_error without a value has "
            "no value field");
}

/* --- which kinds are shown ----------------------------------------------- */

/* The kinds event_enabled() says yes to, by name. */
static const char *enabled_kinds(void) {
    static char out[512];
    size_t n = 0;
    out[0] = '\0';
    for (int k = 0; k < EV_COUNT; k++)
        if (event_enabled((enum event_kind)k))
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? " " : "",
                                  event_kind_name((enum event_kind)k));
    return out;
}

static const char *levels_shown(void) {
    static char out[64];
    size_t n = 0;
    out[0] = '\0';
    for (int l = LEVEL_ERROR; l <= LEVEL_DEBUG; l++)
        if (event_level_shown((enum log_level)l))
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? " " : "",
                                  log_level_name((enum log_level)l));
    return out;
}

#define BIT(k) (1u << (k))

static void test_enabled(void) {
    static const struct {
        const char *what;
        uint32_t checks;
        enum log_level level;
        const char *kinds, *levels;
    } cases[] = {
        {"all checks at warn", CHECKS_ALL, LEVEL_WARN,
         "policy_failed close_unread abortive_close double_close "
         "shutdown_misuse write_after_shutdown close_wait leak_at_exit "
         "addr_in_use accept_overflow open_sockets fd_exhausted fd_pressure",
         "error warn"},
        {"all checks at info", CHECKS_ALL, LEVEL_INFO,
         "policy policy_failed would_apply app_override close_unread "
         "abortive_close double_close shutdown_misuse write_after_shutdown "
         "close_wait late_close leak_at_exit addr_in_use accept_overflow "
         "summary open_sockets fd_exhausted fd_pressure",
         "error warn info"},
        {"all checks at error", CHECKS_ALL, LEVEL_ERROR,
         "double_close close_wait fd_exhausted", "error"},
        {"close_wait alone at debug", BIT(EV_CLOSE_WAIT), LEVEL_DEBUG,
         "close_wait", "error warn info debug"},
        {"all but double_close and policy at info",
         CHECKS_ALL & ~BIT(EV_DOUBLE_CLOSE) & ~BIT(EV_POLICY), LEVEL_INFO,
         "policy_failed would_apply app_override close_unread "
         "abortive_close shutdown_misuse write_after_shutdown close_wait "
         "late_close leak_at_exit addr_in_use accept_overflow summary "
         "open_sockets fd_exhausted fd_pressure",
         "error warn info"},
        {"none at debug", 0, LEVEL_DEBUG, "", "error warn info debug"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        event_configure(cases[i].checks, cases[i].level, FORMAT_TEXT);
        is_string(cases[i].kinds, enabled_kinds(), "event_enabled: %s",
                  cases[i].what);
        is_string(cases[i].levels, levels_shown(), "event_level_shown: %s",
                  cases[i].what);
        /* event_begin agrees with event_enabled for every kind but
         * config_error, and writes exactly the kinds begun. */
        new_log_text();
        int disagree = 0, begun = 0;
        for (int k = 0; k < EV_COUNT; k++) {
            if (k == EV_CONFIG_ERROR)
                continue;
            struct event ev;
            int b = event_begin(&ev, (enum event_kind)k, -1);
            if (b) {
                begun++;
                event_end(&ev);
            }
            disagree += b != event_enabled((enum event_kind)k);
        }
        int lines = line_count(new_log_text());
        ok(disagree == 0 && lines == begun,
           "event_begin: %s: begun as enabled (%d disagree), %d lines for "
           "%d begun",
           cases[i].what, disagree, lines, begun);
    }

    /* leak_at_exit is enabled at its most severe level, warn; its info
     * events pass only at info. */
    struct event ev;
    event_configure(CHECKS_ALL, LEVEL_WARN, FORMAT_TEXT);
    new_log_text();
    int info = event_begin_at(&ev, EV_LEAK_AT_EXIT, LEVEL_INFO, -1);
    if (info)
        event_end(&ev);
    int warn = event_begin_at(&ev, EV_LEAK_AT_EXIT, LEVEL_WARN, -1);
    if (warn)
        event_end(&ev);
    ok(!info && warn && line_count(new_log_text()) == 1,
       "at warn: leak_at_exit begun at warn, not at info");
}

/* --- the bound on values ------------------------------------------------- */

static void test_bound(void) {
    struct event ev;
    char rest[8192], body[8192];
    const char *line;

    /* JSON: a long value is cut at 512 bytes, "..." inside the quotes. */
    use_format(FORMAT_JSON);
    new_log_text();
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_str(&ev, "v", repeated('a', 600));
        event_end(&ev);
    }
    snprintf(rest, sizeof rest,
             "\"level\":\"info\",\"kind\":\"policy\","
             "\"v\":\"%s...\"}",
             repeated('a', EVENT_VALUE_MAX));
    is_text(json_after_ts(rest), skip_ts(new_log_text()),
            "JSON: a 600-byte value is cut to 512 and marked ... inside the "
            "string");

    /* The worst case of escaping: 512 control bytes become 3072 bytes;
     * the line is still whole, and so with a place of control bytes too
     * (the longest a config_error can have: 63 bytes). */
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_str(&ev, "v", repeated('\x01', 600));
        event_end(&ev);
    }
    line = new_log_text();
    ok(json_object_line(line) && strlen(line) <= LOG_LINE_MAX &&
           occurrences(line, "\\u0001") == EVENT_VALUE_MAX &&
           strstr(line, "\\u0001...\"}\n") != NULL,
       "JSON: 600 control bytes: 512 escaped, then ..., one whole object "
       "(%zu bytes)",
       strlen(line));
    event_config_error(repeated('\x02', 63), repeated('\x03', 600),
                       "not a number", "a number from 1 to 64");
    line = new_log_text();
    ok(json_object_line(line) && strlen(line) <= LOG_LINE_MAX,
       "JSON: config_error with a place and a value of control bytes: one "
       "whole object (%zu bytes)",
       strlen(line));

    /* Several values at the bound, quotes doubling them: still whole. */
    if (event_begin(&ev, EV_POLICY, -1)) {
        for (int i = 0; i < 3; i++)
            event_str(&ev, "q", repeated('"', 600));
        event_end(&ev);
    }
    line = new_log_text();
    ok(json_object_line(line) && strlen(line) <= LOG_LINE_MAX,
       "JSON: three values of 600 quotes: one whole object (%zu bytes)",
       strlen(line));

    /* Text: a value in quotes is cut at 512 bytes, "..." after them. */
    use_format(FORMAT_TEXT);
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_str(&ev, "v", repeated(' ', 600));
        event_end(&ev);
    }
    snprintf(body, sizeof body, "info: policy v=\"%s\"...",
             repeated(' ', EVENT_VALUE_MAX));
    is_text(text_line(body), new_log_text(),
            "text: 600 spaces: 512 in quotes, then ...");

    /* A bare value (nothing to quote) is cut at 512 bytes and marked
     * "..." after it; one of exactly 512 bytes is whole, unmarked. */
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_str(&ev, "v", repeated('a', 600));
        event_end(&ev);
    }
    snprintf(body, sizeof body, "info: policy v=%s...",
             repeated('a', EVENT_VALUE_MAX));
    is_text(text_line(body), new_log_text(),
            "text: a bare 600-byte value: 512 bytes, then ...");
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_str(&ev, "v", repeated('a', EVENT_VALUE_MAX));
        event_end(&ev);
    }
    snprintf(body, sizeof body, "info: policy v=%s",
             repeated('a', EVENT_VALUE_MAX));
    is_text(text_line(body), new_log_text(),
            "text: a bare value of exactly 512 bytes: whole, no mark");
}

/* --- bytes that are not UTF-8 ------------------------------------------- */

/* Bytes that are not UTF-8 in a JSON string: each as \u00XX, so that a
 * strict parser takes the line; well-formed characters pass as they are. */
static const struct {
    const char *what, *value, *json;
} utf8_values[] = {
    {"2-, 3- and 4-byte characters pass as they are",
     "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
     "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"U+0080, U+0800, U+FFFF and U+10FFFF pass",
     "\xc2\x80\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf",
     "\xc2\x80\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf"},
    {"a Latin-1 byte in a path", "/tmp/caf\xe9/x", "/tmp/caf\\u00e9/x"},
    {"overlong forms of 2, 3 and 4 bytes",
     "\xc0\xaf\xe0\x9f\xbf\xf0\x8f\xbf\xbf",
     "\\u00c0\\u00af\\u00e0\\u009f\\u00bf\\u00f0\\u008f\\u00bf\\u00bf"},
    {"a surrogate, a code point above U+10FFFF", "\xed\xa0\x80\xf4\x90\x80\x80",
     "\\u00ed\\u00a0\\u0080\\u00f4\\u0090\\u0080\\u0080"},
    {"a lone continuation byte, 0xff, a character the end cuts",
     "\x80\xff\xe2\x82", "\\u0080\\u00ff\\u00e2\\u0082"},
    {"a lead byte without its character, then a whole one", "\xe2\xc3\xa9",
     "\\u00e2\xc3\xa9"},
};

/* Is LINE the JSON event expected after its timestamp (REST after the
 * fixed fields), and one object a strict parser takes? */
static int is_json_line(const char *rest, const char *line, const char *what) {
    const char *expected = json_after_ts(rest), *seen = skip_ts(line);
    int same = strcmp(expected, seen) == 0, valid = json_object_line(line);
    ok(same && valid, "JSON: %s", what);
    if (!same) {
        diag("expected '%s'", visible(expected));
        diag("seen     '%s'", visible(seen));
    }
    if (!valid)
        diag("not one JSON object a strict parser takes");
    return same && valid;
}

/* The line of a policy event with one string field KEY = VALUE. */
static const char *line_with_str(const char *key, const char *value) {
    struct event ev;
    if (event_begin(&ev, EV_POLICY, -1)) {
        event_str(&ev, key, value);
        event_end(&ev);
    }
    return new_log_text();
}

/* Characters at the bound: PAD bytes 'a', then TAIL; the JSON string
 * shows the PAD bytes, then SHOWN. */
static const struct {
    const char *what;
    size_t pad;
    const char *tail, *shown;
} utf8_cuts[] = {
    {"a 2-byte character across the bound: left out, then ...",
     EVENT_VALUE_MAX - 1,
     "\xc3\xa9"
     "b",
     "..."},
    {"a 4-byte one across it", EVENT_VALUE_MAX - 3, "\xf0\x9f\x98\x80", "..."},
    {"one ending exactly at the bound: whole, no mark", EVENT_VALUE_MAX - 2,
     "\xc3\xa9", "\xc3\xa9"},
};

static void test_utf8(void) {
    struct event ev;
    char rest[4096], value[1024];
    use_format(FORMAT_JSON);
    new_log_text();
    for (size_t i = 0; i < ARRAY_SIZE(utf8_values); i++) {
        snprintf(rest, sizeof rest,
                 "\"level\":\"info\",\"kind\":\"policy\",\"path\":\"%s\"}",
                 utf8_values[i].json);
        is_json_line(rest, line_with_str("path", utf8_values[i].value),
                     utf8_values[i].what);
    }

    /* The program's name is the program's bytes too. */
    char *name = program_invocation_short_name;
    program_invocation_short_name = (char *)"sh\xffim\xc3\xa9";
    if (event_begin(&ev, EV_POLICY, -1))
        event_end(&ev);
    /* The line expected has the name escaped. */
    program_invocation_short_name = (char *)"sh\\u00ffim\xc3\xa9";
    is_json_line("\"level\":\"info\",\"kind\":\"policy\"}", new_log_text(),
                 "a byte that is not UTF-8 in prog");
    program_invocation_short_name = name;

    /* The bound never cuts a character in two: one across the 512th
     * byte is left out whole and "..." marks the cut. */
    for (size_t i = 0; i < ARRAY_SIZE(utf8_cuts); i++) {
        snprintf(value, sizeof value, "%s%s", repeated('a', utf8_cuts[i].pad),
                 utf8_cuts[i].tail);
        snprintf(rest, sizeof rest,
                 "\"level\":\"info\",\"kind\":\"policy\",\"v\":\"%s%s\"}",
                 repeated('a', utf8_cuts[i].pad), utf8_cuts[i].shown);
        is_json_line(rest, line_with_str("v", value), utf8_cuts[i].what);
    }

    /* The worst case of these escapes: 512 of 600 bytes 0xff, each six
     * bytes long, in one whole line. */
    const char *line = line_with_str("v", repeated('\xff', 600));
    ok(json_object_line(line) && strlen(line) <= LOG_LINE_MAX &&
           occurrences(line, "\\u00ff") == EVENT_VALUE_MAX &&
           strstr(line, "\\u00ff...\"}\n") != NULL,
       "JSON: 600 bytes 0xff: 512 escaped, then ..., one whole object (%zu "
       "bytes)",
       strlen(line));
}

/* --- an event begun while another is built ------------------------------- */

static int handler_began = -1;

/* A signal handler that reports something while the interrupted code is
 * building its own event: its event is dropped, not mixed in. */
static void busy_handler(int sig) {
    (void)sig;
    struct event ev;
    handler_began = event_begin(&ev, EV_DOUBLE_CLOSE, 9);
    if (handler_began)
        event_end(&ev);
    event_config_error("SOCKSHIM_MODE", "x", "nested", "none");
}

static void *whole_event_thread(void *arg) {
    (void)arg;
    struct event ev;
    if (event_begin(&ev, EV_DOUBLE_CLOSE, 11)) {
        event_str(&ev, "from", "thread");
        event_end(&ev);
    }
    return NULL;
}

static void test_nested(void) {
    struct event ev, inner;
    use_format(FORMAT_TEXT);
    new_log_text();

    int outer = event_begin(&ev, EV_CLOSE_UNREAD, 4);
    event_int(&ev, "unread", 1);
    int nested = event_begin(&inner, EV_DOUBLE_CLOSE, 8);
    if (nested)
        event_end(&inner);
    event_str(&ev, "call", "close");
    if (outer)
        event_end(&ev);
    ok(outer && !nested, "event_begin while this thread builds an event: 0");
    is_text(text_line("warn: close_unread fd=4 unread=1 call=close"),
            new_log_text(),
            "... and the outer event is written whole, "
            "alone");
    int again = event_begin(&ev, EV_DOUBLE_CLOSE, 8);
    if (again)
        event_end(&ev);
    is_text(text_line("error: double_close fd=8"), new_log_text(),
            "after event_end, event_begin works again");

    /* A signal handler's event (and configuration error) while the
     * thread builds one. */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = busy_handler;
    sigaction(SIGUSR1, &sa, &old);
    if (event_begin(&ev, EV_CLOSE_UNREAD, 4)) {
        event_int(&ev, "unread", 2);
        raise(SIGUSR1);
        event_str(&ev, "call", "close");
        event_end(&ev);
    }
    sigaction(SIGUSR1, &old, NULL);
    ok(handler_began == 0, "a signal handler's event_begin during one: 0");
    is_text(text_line("warn: close_unread fd=4 unread=2 call=close"),
            new_log_text(),
            "... its event and config_error dropped, the "
            "interrupted one whole");

    /* Another thread builds its own at the same time: the buffer is per
     * thread, both are written. */
    pthread_t t;
    if (event_begin(&ev, EV_CLOSE_UNREAD, 4)) {
        event_int(&ev, "unread", 3);
        if (pthread_create(&t, NULL, whole_event_thread, NULL) != 0)
            bail("pthread_create: %s", strerror(errno));
        pthread_join(t, NULL);
        event_end(&ev);
    }
    char want[512];
    snprintf(want, sizeof want,
             "%serror: double_close fd=11 from=thread\n"
             "%swarn: close_unread fd=4 unread=3\n",
             head(), head());
    is_text(want, new_log_text(),
            "another thread's event while this one "
            "builds: both whole");
}

/* --- the log's destination ----------------------------------------------- */

static volatile sig_atomic_t sigpipes;

static void count_sigpipe(int sig) {
    (void)sig;
    sigpipes++;
}

/* What the pipe holds now (without waiting: the write is done when the
 * event returns). */
static const char *pipe_text(int fd) {
    static char text[8192];
    ssize_t n = read(fd, text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    return text;
}

static void test_destinations(void) {
    struct event ev;
    struct log_settings s = config.log;

    /* %p and %n in the path: this process's pid and name. */
    char pattern[300], expanded[300];
    const char *dir = strrchr(log_path, '/');
    snprintf(pattern, sizeof pattern, "%.*s/event-t-%%p-%%n.log",
             (int)(dir - log_path), log_path);
    snprintf(expanded, sizeof expanded, "%.*s/event-t-%d-%s.log",
             (int)(dir - log_path), log_path, (int)getpid(),
             program_invocation_short_name);
    unlink(expanded);
    snprintf(s.path, sizeof s.path, "%s", pattern);
    s.dest = DEST_FILE;
    log_configure(&s);
    use_format(FORMAT_TEXT);
    if (event_begin(&ev, EV_POLICY, -1))
        event_end(&ev);
    char got[256] = "";
    FILE *f = fopen(expanded, "r");
    if (f != NULL) {
        if (fgets(got, sizeof got, f) == NULL)
            got[0] = '\0';
        fclose(f);
    }
    is_text(text_line("info: policy"), got,
            "file:DIR/event-t-%%p-%%n.log "
            "is written as %s",
            expanded);
    unlink(expanded);

    /* stderr a pipe: each event is one write(2) of one whole line. */
    int p[2], saved = dup(STDERR_FILENO);
    if (saved < 0 || pipe(p) != 0)
        bail("pipe: %s", strerror(errno));
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    dup2(p[1], STDERR_FILENO);
    close(p[1]);
    s.dest = DEST_STDERR;
    log_configure(&s);
    if (event_begin(&ev, EV_CLOSE_UNREAD, 6)) {
        event_int(&ev, "unread", 1);
        event_end(&ev);
    }
    is_text(text_line("warn: close_unread fd=6 unread=1"), pipe_text(p[0]),
            "stderr a pipe: the line arrives whole in one read");

    /* The reader gone: no SIGPIPE reaches the program. */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_sigpipe;
    sigaction(SIGPIPE, &sa, &old);
    close(p[0]);
    errno = 0;
    if (event_begin(&ev, EV_CLOSE_UNREAD, 6))
        event_end(&ev);
    int err = errno;
    sigset_t pending;
    sigpending(&pending);
    ok(sigpipes == 0 && !sigismember(&pending, SIGPIPE) && err == 0,
       "stderr a pipe with no reader: no SIGPIPE, errno kept (%d SIGPIPE, "
       "errno %d)",
       (int)sigpipes, err);
    sigaction(SIGPIPE, &old, NULL);

    /* A log file that cannot be opened: stderr instead, and the first
     * event there is preceded by one config_error saying why. */
    if (pipe(p) != 0)
        bail("pipe: %s", strerror(errno));
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    dup2(p[1], STDERR_FILENO);
    close(p[1]);
    s.dest = DEST_FILE;
    snprintf(s.path, sizeof s.path, "/nonexistent-%d/x.log", (int)getpid());
    log_configure(&s);
    if (event_begin(&ev, EV_CLOSE_UNREAD, 6))
        event_end(&ev);
    const char *text = pipe_text(p[0]);
    char first[1200];
    snprintf(first, sizeof first,
             "%swarn: config_error SOCKSHIM_LOG=\"%s\": ", head(), s.path);
    const char *second = strchr(text, '\n');
    if (!ok(strncmp(text, first, strlen(first)) == 0 && second != NULL &&
                strstr(text, "; ignored\n") == second - strlen("; ignored") &&
                strcmp(second + 1, text_line("warn: close_unread fd=6")) == 0,
            "log file in a missing directory: config_error naming it, then "
            "the event, on stderr"))
        diag("stderr: %s", visible(text));
    if (event_begin(&ev, EV_CLOSE_UNREAD, 6))
        event_end(&ev);
    is_text(text_line("warn: close_unread fd=6"), pipe_text(p[0]),
            "... the fallback reported once: the next event comes alone");
    close(p[0]);
    dup2(saved, STDERR_FILENO);
    close(saved);
    log_configure(&config.log);
}

int main(void) {
    plan(105);
    real_resolve_all();

    const char *tmp = getenv("TMPDIR");
    snprintf(log_path, sizeof log_path, "%s/event-t-%d.log",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp", (int)getpid());
    snprintf(log_setting, sizeof log_setting, "file:%s", log_path);
    unlink(log_path);

    /* Before event_configure nothing is shown: events may come before
     * the configuration is read. */
    struct event ev;
    int early = event_begin(&ev, EV_DOUBLE_CLOSE, 3);
    if (early)
        event_end(&ev);
    ok(!early && !event_enabled(EV_DOUBLE_CLOSE),
       "before event_configure: nothing enabled, nothing begun");

    config_load(&config, fake_getenv, report_error);
    log_configure(&config.log);
    event_configure(config.diag.checks, config.log.level, config.log.format);
    if (stack_init(STACK_DEPTH_MAX) != 0)
        bail("stack_init failed");

    /* The file is created by the first line, not by log_configure. */
    ok(access(log_path, F_OK) != 0 && errno == ENOENT,
       "no log file before the first line");
    test_text();
    ok(access(log_path, F_OK) == 0, "the first line created the log file");

    test_values();
    test_utf8();
    test_json();
    test_socket();
    test_stack();
    test_config_error();
    test_enabled();
    test_bound();
    test_nested();
    test_destinations();

    unlink(log_path);
    return 0;
}
