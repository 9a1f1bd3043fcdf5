/*
 * configuration-t.c — the whole configuration as config_load() builds it
 * (lib/configuration.c): every SOCKSHIM_* variable with good values and
 * their effect on struct config, bad values with the one error each must
 * give, config files (good and bad lines, FILE:LINE, NUL bytes, size),
 * the file < environment precedence, rules from the file and from
 * SOCKSHIM_RULES, suppressions files and misspelt variables.
 *
 * The environment is a table handed to config_load() (no process per
 * value), and every configuration error is captured, so each case checks
 * exactly what a user would be told: which variable or FILE:LINE, the
 * value, and what is accepted. That the warning reaches stderr, a log file
 * or JSON in a real process is t/e2e/malformed-env.sh's part.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/real.h"
#include "lib/config/configuration.h"
#include "t/tap/basic.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- a fake environment -------------------------------------------------- */

static struct { const char *name, *value; } env[32];
static int env_count;

static const char *fake_getenv(const char *name) {
    for (int i = 0; i < env_count; i++)
        if (strcmp(env[i].name, name) == 0)
            return env[i].value;
    return NULL;
}

static void env_clear(void) { env_count = 0; }

/* Set NAME to VALUE, replacing an earlier value. */
static void env_set(const char *name, const char *value) {
    for (int i = 0; i < env_count; i++) {
        if (strcmp(env[i].name, name) == 0) {
            env[i].value = value;
            return;
        }
    }
    if (env_count == (int)ARRAY_SIZE(env))
        bail("fake environment full");
    env[env_count].name = name;
    env[env_count].value = value;
    env_count++;
}

/* --- captured configuration errors --------------------------------------- */

struct error {
    char *where, *value; /* value NULL when the report had none */
    char *problem, *accepted;
};
static struct error errors[80];
static int error_count;

static char *copy(const char *s) {
    char *c = s != NULL ? strdup(s) : NULL;
    if (s != NULL && c == NULL)
        bail("out of memory");
    return c;
}

static void capture(const char *where, const char *value, const char *problem,
                    const char *accepted) {
    if (error_count < (int)ARRAY_SIZE(errors)) {
        struct error *e = &errors[error_count];
        e->where = copy(where);
        e->value = copy(value);
        e->problem = copy(problem);
        e->accepted = copy(accepted);
    }
    error_count++;
}

static void errors_clear(void) {
    int n = error_count < (int)ARRAY_SIZE(errors) ? error_count
                                                  : (int)ARRAY_SIZE(errors);
    for (int i = 0; i < n; i++) {
        free(errors[i].where);
        free(errors[i].value);
        free(errors[i].problem);
        free(errors[i].accepted);
    }
    error_count = 0;
}

/* A printable form of S for test names and diagnostics. */
static const char *show(const char *s) {
    static char buf[4][96];
    static int next;
    char *out = buf[next++ % 4];
    if (s == NULL)
        return "(none)";
    size_t len = strlen(s);
    if (len == 0)
        return "(empty)";
    size_t o = 0;
    if (len > 40)
        o += (size_t)snprintf(out, sizeof buf[0], "<%zu bytes> ", len);
    for (size_t i = 0; i < len && o < 60; i++) {
        if (s[i] == '\n') {
            memcpy(out + o, "<NL>", 4);
            o += 4;
        } else if ((unsigned char)s[i] < 0x20) {
            o += (size_t)snprintf(out + o, 5, "\\x%02x", (unsigned char)s[i]);
        } else {
            out[o++] = s[i];
        }
    }
    if (o >= 60 && len > 40)
        memcpy(out + o, "...", 4);
    else
        out[o] = '\0';
    return out;
}

static void diag_errors(void) {
    for (int i = 0; i < error_count && i < (int)ARRAY_SIZE(errors); i++)
        diag("error %d: where=%s value=%s problem=%s accepted=%s", i + 1,
             show(errors[i].where), show(errors[i].value),
             show(errors[i].problem), show(errors[i].accepted));
}

/* --- what a variable's setting turned into ------------------------------- */

static struct config cfg;

static void load(void) {
    errors_clear();
    config_load(&cfg, fake_getenv, capture);
}

static const char *const mode_words[] = {"enforce", "force", "audit", "off"};
static const char *const level_words[] = {"error", "warn", "info", "debug"};

/* The checks mask as "all", "none", "all-k1-k2" or "k1,k2". */
static void describe_checks(uint32_t mask, char *out, size_t size) {
    int shown = 0;
    for (int k = 0; k < EV_COUNT; k++)
        shown += (CHECKS_ALL >> k & 1) && (mask >> k & 1);
    size_t o = 0;
    if (mask == 0) {
        snprintf(out, size, "none");
        return;
    }
    int from_all = shown * 2 > __builtin_popcount(CHECKS_ALL);
    o += (size_t)snprintf(out, size, "%s", from_all ? "all" : "");
    for (int k = 0; k < EV_COUNT && o < size; k++) {
        if (!(CHECKS_ALL >> k & 1))
            continue;
        int in = mask >> k & 1;
        if (from_all && !in)
            o += (size_t)snprintf(out + o, size - o, "-%s",
                                  event_kind_name((enum event_kind)k));
        else if (!from_all && in)
            o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "," : "",
                                  event_kind_name((enum event_kind)k));
    }
}

/* The part of C that VAR sets, written from the struct's fields (not
 * with the library's own formatters): "unset", "on", "60s", ... */
static const char *describe(const struct config *c, const char *var) {
    static char bufs[4][1200]; /* several may be in one printf */
    static int next;
    char *buf = bufs[next++ % 4];
    const struct policy *g = &c->global;
    const char *name = var + strlen("SOCKSHIM_");

    if (strcmp(name, "MODE") == 0)
        return mode_words[c->mode];
    if (strcmp(name, "LOG") == 0) {
        if (c->log.dest == DEST_FILE)
            snprintf(buf, sizeof bufs[0], "file:%s", c->log.path);
        else if (c->log.dest == DEST_SYSLOG && c->log.path[0] != '\0')
            snprintf(buf, sizeof bufs[0], "syslog:%s", c->log.path);
        else
            snprintf(buf, sizeof bufs[0], "%s",
                     c->log.dest == DEST_STDERR ? "stderr" : "syslog");
        return buf;
    }
    if (strcmp(name, "LOG_FORMAT") == 0)
        return c->log.format == FORMAT_JSON ? "json" : "text";
    if (strcmp(name, "LOG_LEVEL") == 0)
        return level_words[c->log.level];
    if (strcmp(name, "CHECKS") == 0) {
        describe_checks(c->diag.checks, buf, sizeof bufs[0]);
        return buf;
    }
    if (strcmp(name, "STACKS") == 0)
        return c->diag.stacks ? "on" : "off";
    if (strcmp(name, "SUMMARY") == 0)
        return c->diag.summary ? "on" : "off";
    if (strcmp(name, "STACK_DEPTH") == 0) {
        snprintf(buf, sizeof bufs[0], "%d", c->diag.stack_depth);
        return buf;
    }
    if (strcmp(name, "CLOSE_WAIT") == 0 || strcmp(name, "SCAN") == 0) {
        snprintf(buf, sizeof bufs[0], "%ums",
                 name[0] == 'S' ? c->diag.scan_ms : c->diag.close_wait_ms);
        return buf;
    }
    if (strcmp(name, "COLOR") == 0) {
        static const char *const colors[] = {"auto", "always", "never"};
        return colors[c->log.color];
    }
    if (strcmp(name, "SYSLOG_IDENT") == 0)
        return c->log.syslog_ident[0] != '\0' ? c->log.syslog_ident
                                              : "(program)";
    if (strcmp(name, "SYSLOG_FACILITY") == 0) {
        snprintf(buf, sizeof bufs[0], "%d", c->log.syslog_facility >> 3);
        return buf;
    }
    if (strcmp(name, "REPORT") == 0) {
        snprintf(buf, sizeof bufs[0], "%ums", c->diag.report_ms);
        return buf;
    }
    if (strcmp(name, "FD_WARN") == 0) {
        snprintf(buf, sizeof bufs[0], "%u%s", c->diag.fd_warn,
                 c->diag.fd_warn_percent ? "%" : "");
        return buf;
    }
    if (strcmp(name, "SUPPRESS") == 0) {
        snprintf(buf, sizeof bufs[0], "%s",
                 c->diag.suppress_path[0] != '\0' ? c->diag.suppress_path
                                                  : "(none)");
        return buf;
    }

    static const struct {
        const char *name;
        enum policy_option opt;
    } options[] = {
        {"REUSEADDR", OPT_REUSEADDR},
        {"REUSEPORT", OPT_REUSEPORT},
        {"LINGER", OPT_LINGER},
        {"KEEPALIVE", OPT_KEEPALIVE},
        {"USER_TIMEOUT", OPT_USER_TIMEOUT},
        {"RCVTIMEO", OPT_RCVTIMEO},
        {"SNDTIMEO", OPT_SNDTIMEO},
        {"CONNECT_TIMEOUT", OPT_CONNECT_TIMEOUT},
        {"NODELAY", OPT_NODELAY},
        {"BACKLOG", OPT_BACKLOG},
    };
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        if (strcmp(name, options[i].name) != 0)
            continue;
        if (!(g->set & (1u << options[i].opt)))
            return "unset";
        switch (options[i].opt) {
        case OPT_REUSEADDR:
            return g->reuseaddr ? "on" : "off";
        case OPT_REUSEPORT:
            return g->reuseport ? "on" : "off";
        case OPT_NODELAY:
            return g->nodelay ? "on" : "off";
        case OPT_LINGER:
            if (g->linger_secs < 0)
                return "off";
            snprintf(buf, sizeof bufs[0], "%ds", g->linger_secs);
            return buf;
        case OPT_KEEPALIVE:
            if (!g->keepalive_on)
                return "off";
            snprintf(buf, sizeof bufs[0], "on idle=%d intvl=%d cnt=%d",
                     g->keep_idle, g->keep_intvl, g->keep_cnt);
            return buf;
        case OPT_USER_TIMEOUT:
            snprintf(buf, sizeof bufs[0], "%ums", g->user_timeout_ms);
            return buf;
        case OPT_RCVTIMEO:
            snprintf(buf, sizeof bufs[0], "%ums", g->rcvtimeo_ms);
            return buf;
        case OPT_SNDTIMEO:
            snprintf(buf, sizeof bufs[0], "%ums", g->sndtimeo_ms);
            return buf;
        case OPT_CONNECT_TIMEOUT:
            snprintf(buf, sizeof bufs[0], "%ums", g->connect_timeout_ms);
            return buf;
        case OPT_BACKLOG:
            snprintf(buf, sizeof bufs[0], "%d", g->backlog);
            return buf;
        case OPT_COUNT:
            break;
        }
    }
    bail("describe: no such variable %s", var);
}

/* What VAR is with nothing configured. */
static const char *default_of(const char *var) {
    static struct config defaults;
    static char buf[1200];
    config_defaults(&defaults);
    snprintf(buf, sizeof buf, "%s", describe(&defaults, var));
    return buf;
}

/* Every variable that takes a value, in the order of sockshim(7). */
static const char *const variables[] = {
    "SOCKSHIM_MODE",
    "SOCKSHIM_REUSEADDR",
    "SOCKSHIM_REUSEPORT",
    "SOCKSHIM_LINGER",
    "SOCKSHIM_KEEPALIVE",
    "SOCKSHIM_USER_TIMEOUT",
    "SOCKSHIM_RCVTIMEO",
    "SOCKSHIM_SNDTIMEO",
    "SOCKSHIM_CONNECT_TIMEOUT",
    "SOCKSHIM_NODELAY",
    "SOCKSHIM_BACKLOG",
    "SOCKSHIM_LOG",
    "SOCKSHIM_LOG_FORMAT",
    "SOCKSHIM_LOG_LEVEL",
    "SOCKSHIM_CHECKS",
    "SOCKSHIM_STACKS",
    "SOCKSHIM_STACK_DEPTH",
    "SOCKSHIM_CLOSE_WAIT",
    "SOCKSHIM_SCAN",
    "SOCKSHIM_SUPPRESS",
    "SOCKSHIM_SUMMARY",
    "SOCKSHIM_REPORT",
    "SOCKSHIM_FD_WARN",
    "SOCKSHIM_SYSLOG_IDENT",
    "SOCKSHIM_SYSLOG_FACILITY",
    "SOCKSHIM_COLOR",
};

/* --- temporary files ----------------------------------------------------- */

static char tmpdir[256];

static void remove_tmpdir(void) {
    char cmd[PATH_MAX + 16];
    if (tmpdir[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
}

/* Write LEN bytes of TEXT to the file NAME in the temporary directory;
 * returns its path (valid until the next call with the same slot). */
static const char *write_file_n(const char *name, const char *text,
                                size_t len) {
    static char paths[4][PATH_MAX];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        bail("cannot write %s: %s", path, strerror(errno));
    return path;
}

static const char *write_file(const char *name, const char *text) {
    return write_file_n(name, text, strlen(text));
}

/* --- environment variables ----------------------------------------------- */

/* One value of one variable: EFFECT is what the variable then reads as
 * (describe()), NULL when the value must be rejected. */
struct env_case {
    const char *var, *value, *effect;
};

static const struct env_case env_cases[] = {
    /* The mode. */
    {"SOCKSHIM_MODE", "enforce", "enforce"},
    {"SOCKSHIM_MODE", "force", "force"},
    {"SOCKSHIM_MODE", "audit", "audit"},
    {"SOCKSHIM_MODE", "off", "off"},
    {"SOCKSHIM_MODE", "AUDIT", "audit"},
    {"SOCKSHIM_MODE", "fast", NULL},
    {"SOCKSHIM_MODE", "enforced", NULL},
    {"SOCKSHIM_MODE", "on", NULL},
    {"SOCKSHIM_MODE", "enforce,audit", NULL},
    {"SOCKSHIM_MODE", "audit\noff", NULL},

    /* Booleans: every spelling the documentation promises, any case. */
    {"SOCKSHIM_REUSEADDR", "on", "on"},
    {"SOCKSHIM_REUSEADDR", "off", "off"},
    {"SOCKSHIM_REUSEADDR", "1", "on"},
    {"SOCKSHIM_REUSEADDR", "0", "off"},
    {"SOCKSHIM_REUSEADDR", "yes", "on"},
    {"SOCKSHIM_REUSEADDR", "no", "off"},
    {"SOCKSHIM_REUSEADDR", "true", "on"},
    {"SOCKSHIM_REUSEADDR", "false", "off"},
    {"SOCKSHIM_REUSEADDR", "ON", "on"},
    {"SOCKSHIM_REUSEPORT", "True", "on"},
    {"SOCKSHIM_REUSEPORT", "no", "off"},
    {"SOCKSHIM_NODELAY", "yes", "on"},
    {"SOCKSHIM_NODELAY", "OFF", "off"},
#define BAD_BOOL(var)                                                          \
    {var, "maybe", NULL}, {var, "2", NULL}, {var, "enabled", NULL},            \
        {var, "0x1", NULL}, {var, "o n", NULL}, {var, "onn", NULL},            \
        {var, " on", NULL}, {                                                  \
        var, "on\noff", NULL                                                   \
    }
    BAD_BOOL("SOCKSHIM_REUSEADDR"),
    BAD_BOOL("SOCKSHIM_REUSEPORT"),
    BAD_BOOL("SOCKSHIM_NODELAY"),

    /* Linger: off, or whole seconds (0 = abortive close). */
    {"SOCKSHIM_LINGER", "off", "off"},
    {"SOCKSHIM_LINGER", "OFF", "off"},
    {"SOCKSHIM_LINGER", "0", "0s"},
    {"SOCKSHIM_LINGER", "5", "5s"},
    {"SOCKSHIM_LINGER", "5s", "5s"},
    {"SOCKSHIM_LINGER", "2m", "120s"},
    {"SOCKSHIM_LINGER", "3000ms", "3s"},
    {"SOCKSHIM_LINGER", "65535", "65535s"},
    {"SOCKSHIM_LINGER", "500ms", NULL},
    {"SOCKSHIM_LINGER", "1500ms", NULL},
    {"SOCKSHIM_LINGER", "65536", NULL},
    {"SOCKSHIM_LINGER", "1093m", NULL}, /* 65580 s: just above the limit */
    {"SOCKSHIM_LINGER", "1.5", NULL},
    {"SOCKSHIM_LINGER", "on", NULL},
    {"SOCKSHIM_LINGER", "5x", NULL},
    {"SOCKSHIM_LINGER", "5\n0", NULL},

    /* Keepalive: on, off, IDLE[:INTVL[:CNT]]. */
    {"SOCKSHIM_KEEPALIVE", "60:10:5", "on idle=60 intvl=10 cnt=5"},
    {"SOCKSHIM_KEEPALIVE", "60:10", "on idle=60 intvl=10 cnt=0"},
    {"SOCKSHIM_KEEPALIVE", "60", "on idle=60 intvl=0 cnt=0"},
    {"SOCKSHIM_KEEPALIVE", "2m:30s:3", "on idle=120 intvl=30 cnt=3"},
    {"SOCKSHIM_KEEPALIVE", "1:1:1", "on idle=1 intvl=1 cnt=1"},
    {"SOCKSHIM_KEEPALIVE", "32767:32767:127",
     "on idle=32767 intvl=32767 cnt=127"},
    {"SOCKSHIM_KEEPALIVE", "on", "on idle=0 intvl=0 cnt=0"},
    {"SOCKSHIM_KEEPALIVE", "ON", "on idle=0 intvl=0 cnt=0"},
    {"SOCKSHIM_KEEPALIVE", "off", "off"},
    {"SOCKSHIM_KEEPALIVE", "60:", NULL},
    {"SOCKSHIM_KEEPALIVE", ":10", NULL},
    {"SOCKSHIM_KEEPALIVE", ":", NULL},
    {"SOCKSHIM_KEEPALIVE", "60::5", NULL},
    {"SOCKSHIM_KEEPALIVE", "60:10:5:1", NULL},
    {"SOCKSHIM_KEEPALIVE", "0", NULL},
    {"SOCKSHIM_KEEPALIVE", "32768", NULL},
    {"SOCKSHIM_KEEPALIVE", "60:10:128", NULL},
    {"SOCKSHIM_KEEPALIVE", "60:0", NULL},
    {"SOCKSHIM_KEEPALIVE", "60:10:0", NULL},
    {"SOCKSHIM_KEEPALIVE", "1500ms", NULL},
    {"SOCKSHIM_KEEPALIVE", "60:10:5s", NULL},
    {"SOCKSHIM_KEEPALIVE", "onx", NULL},
    {"SOCKSHIM_KEEPALIVE", "-60", NULL},
    {"SOCKSHIM_KEEPALIVE", "60:10:-1", NULL},
    {"SOCKSHIM_KEEPALIVE", "60\n:10", NULL},

    /* Durations: ms, s (the default) or m, up to INT_MAX ms. */
    {"SOCKSHIM_USER_TIMEOUT", "10s", "10000ms"},
    {"SOCKSHIM_USER_TIMEOUT", "0", "0ms"},
    {"SOCKSHIM_USER_TIMEOUT", "2147483647ms", "2147483647ms"},
    {"SOCKSHIM_RCVTIMEO", "30", "30000ms"},
    {"SOCKSHIM_RCVTIMEO", "250ms", "250ms"},
    {"SOCKSHIM_RCVTIMEO", "2147483s", "2147483000ms"},
    {"SOCKSHIM_SNDTIMEO", "2m", "120000ms"},
    {"SOCKSHIM_SNDTIMEO", "35791m", "2147460000ms"},
    {"SOCKSHIM_CONNECT_TIMEOUT", "2s", "2000ms"},
    {"SOCKSHIM_CONNECT_TIMEOUT", "0", "0ms"},
#define BAD_DURATION(var)                                                      \
    {var, "1.5s", NULL}, {var, "10h", NULL}, {var, "5 s", NULL},               \
        {var, "ms", NULL}, {var, "s", NULL}, {var, "2147483648ms", NULL},      \
        {var, "2147484s", NULL}, {var, "35792m", NULL}, {var, "+5", NULL},     \
        {var, "0x10", NULL}, {var, "-5s", NULL}, {var, "5sec", NULL}, {        \
        var, "10\ns", NULL                                                     \
    }
    BAD_DURATION("SOCKSHIM_USER_TIMEOUT"),
    BAD_DURATION("SOCKSHIM_RCVTIMEO"),
    BAD_DURATION("SOCKSHIM_SNDTIMEO"),
    BAD_DURATION("SOCKSHIM_CONNECT_TIMEOUT"),

    /* Backlog: a positive int. */
    {"SOCKSHIM_BACKLOG", "1", "1"},
    {"SOCKSHIM_BACKLOG", "4096", "4096"},
    {"SOCKSHIM_BACKLOG", "2147483647", "2147483647"},
    {"SOCKSHIM_BACKLOG", "0", NULL},
    {"SOCKSHIM_BACKLOG", "2147483648", NULL},
    {"SOCKSHIM_BACKLOG", "1k", NULL},
    {"SOCKSHIM_BACKLOG", "+5", NULL},
    {"SOCKSHIM_BACKLOG", "0x10", NULL},
    {"SOCKSHIM_BACKLOG", " 5", NULL},
    {"SOCKSHIM_BACKLOG", "128\n1", NULL},

    /* The log's destination, format and level. */
    {"SOCKSHIM_LOG", "stderr", "stderr"},
    {"SOCKSHIM_LOG", "syslog", "syslog"},
    {"SOCKSHIM_LOG", "SYSLOG", "syslog"},
    {"SOCKSHIM_LOG", "syslog:/run/rsyslog/x.sock",
     "syslog:/run/rsyslog/x.sock"},
    {"SOCKSHIM_LOG", "syslog:relative.sock", NULL},
    {"SOCKSHIM_LOG", "syslog:", NULL},
    {"SOCKSHIM_SYSLOG_IDENT", "nginx-front", "nginx-front"},
    {"SOCKSHIM_SYSLOG_IDENT", "a23456789012345678901234567890bc",
     "a23456789012345678901234567890bc"},
    {"SOCKSHIM_SYSLOG_IDENT", "a23456789012345678901234567890bcd", NULL},
    {"SOCKSHIM_SYSLOG_IDENT", "a b", NULL},
    {"SOCKSHIM_SYSLOG_IDENT", "a[1]", NULL},
    {"SOCKSHIM_SYSLOG_IDENT", "a:b", NULL},
    {"SOCKSHIM_COLOR", "auto", "auto"},
    {"SOCKSHIM_COLOR", "ALWAYS", "always"},
    {"SOCKSHIM_COLOR", "never", "never"},
    {"SOCKSHIM_COLOR", "yes", NULL},
    {"SOCKSHIM_SYSLOG_FACILITY", "user", "1"},
    {"SOCKSHIM_SYSLOG_FACILITY", "daemon", "3"},
    {"SOCKSHIM_SYSLOG_FACILITY", "LOCAL7", "23"},
    {"SOCKSHIM_SYSLOG_FACILITY", "local8", NULL},
    {"SOCKSHIM_SYSLOG_FACILITY", "kern", NULL},
    {"SOCKSHIM_LOG", "file:/var/log/%n.%p.log", "file:/var/log/%n.%p.log"},
    {"SOCKSHIM_LOG", "file:relative/a#b", "file:relative/a#b"},
    {"SOCKSHIM_LOG", "file:", NULL},
    {"SOCKSHIM_LOG", "tcp:1.2.3.4", NULL},
    {"SOCKSHIM_LOG", "fil:/tmp/x", NULL},
    {"SOCKSHIM_LOG", "stdout", NULL},
    {"SOCKSHIM_LOG", "syslog:", NULL},
    {"SOCKSHIM_LOG", "stderr ", NULL},
    {"SOCKSHIM_LOG", "stderr\nsyslog", NULL},
    {"SOCKSHIM_LOG_FORMAT", "text", "text"},
    {"SOCKSHIM_LOG_FORMAT", "json", "json"},
    {"SOCKSHIM_LOG_FORMAT", "JSON", "json"},
    {"SOCKSHIM_LOG_FORMAT", "xml", NULL},
    {"SOCKSHIM_LOG_FORMAT", "jsonl", NULL},
    {"SOCKSHIM_LOG_FORMAT", "txt", NULL},
    {"SOCKSHIM_LOG_FORMAT", "json\ntext", NULL},
    {"SOCKSHIM_LOG_LEVEL", "error", "error"},
    {"SOCKSHIM_LOG_LEVEL", "warn", "warn"},
    {"SOCKSHIM_LOG_LEVEL", "info", "info"},
    {"SOCKSHIM_LOG_LEVEL", "debug", "debug"},
    {"SOCKSHIM_LOG_LEVEL", "Debug", "debug"},
    {"SOCKSHIM_LOG_LEVEL", "verbose", NULL},
    {"SOCKSHIM_LOG_LEVEL", "warning", NULL},
    {"SOCKSHIM_LOG_LEVEL", "trace", NULL},
    {"SOCKSHIM_LOG_LEVEL", "3", NULL},
    {"SOCKSHIM_LOG_LEVEL", "info\ndebug", NULL},

    /* Which diagnostics are shown. */
    {"SOCKSHIM_CHECKS", "all", "all"},
    {"SOCKSHIM_CHECKS", "none", "none"},
    {"SOCKSHIM_CHECKS", "close_wait", "close_wait"},
    {"SOCKSHIM_CHECKS", "close_wait,double_close", "double_close,close_wait"},
    {"SOCKSHIM_CHECKS", "CLOSE_WAIT", "close_wait"},
    {"SOCKSHIM_CHECKS", "-policy", "all-policy"},
    {"SOCKSHIM_CHECKS", "all,-summary,-late_close", "all-late_close-summary"},
    {"SOCKSHIM_CHECKS", "none,summary", "summary"},
    {"SOCKSHIM_CHECKS", "close_wiat", NULL},
    {"SOCKSHIM_CHECKS", "close_wait,", NULL},
    {"SOCKSHIM_CHECKS", ",close_wait", NULL},
    {"SOCKSHIM_CHECKS", "config_error", NULL}, /* always shown, not a check */
    {"SOCKSHIM_CHECKS", "-all", NULL},
    {"SOCKSHIM_CHECKS", "close_wait double_close", NULL},
    {"SOCKSHIM_STACKS", "off", "off"},
    {"SOCKSHIM_STACKS", "no", "off"},
    {"SOCKSHIM_STACKS", "on", "on"},
    {"SOCKSHIM_STACKS", "sometimes", NULL},
    {"SOCKSHIM_SUMMARY", "false", "off"},
    {"SOCKSHIM_SUMMARY", "1", "on"},
    {"SOCKSHIM_SUMMARY", "at_exit", NULL},
    {"SOCKSHIM_STACK_DEPTH", "1", "1"},
    {"SOCKSHIM_STACK_DEPTH", "32", "32"},
    {"SOCKSHIM_STACK_DEPTH", "64", "64"},
    {"SOCKSHIM_STACK_DEPTH", "0", NULL},
    {"SOCKSHIM_STACK_DEPTH", "65", NULL},
    {"SOCKSHIM_STACK_DEPTH", "+5", NULL},
    {"SOCKSHIM_STACK_DEPTH", " 5", NULL},
    {"SOCKSHIM_CLOSE_WAIT", "5s", "5000ms"},
    {"SOCKSHIM_CLOSE_WAIT", "500ms", "500ms"},
    {"SOCKSHIM_CLOSE_WAIT", "2m", "120000ms"},
    {"SOCKSHIM_CLOSE_WAIT", "1440m", "86400000ms"},
    {"SOCKSHIM_CLOSE_WAIT", "1441m", NULL}, /* more than a day: a typo */
    {"SOCKSHIM_CLOSE_WAIT", "86400001ms", NULL},
    {"SOCKSHIM_CLOSE_WAIT", "10h", NULL},
    {"SOCKSHIM_CLOSE_WAIT", "5 s", NULL},
    {"SOCKSHIM_REPORT", "0", "0ms"},
    {"SOCKSHIM_REPORT", "1m", "60000ms"},
    {"SOCKSHIM_REPORT", "30s", "30000ms"},
    {"SOCKSHIM_REPORT", "10ms", "10ms"},
    {"SOCKSHIM_REPORT", "9ms", NULL},
    {"SOCKSHIM_REPORT", "1441m", NULL},
    {"SOCKSHIM_REPORT", "often", NULL},
    {"SOCKSHIM_FD_WARN", "80%", "80%"},
    {"SOCKSHIM_FD_WARN", "100%", "100%"},
    {"SOCKSHIM_FD_WARN", "0", "0"},
    {"SOCKSHIM_FD_WARN", "0%", "0%"},
    {"SOCKSHIM_FD_WARN", "900", "900"},
    {"SOCKSHIM_FD_WARN", "101%", NULL},
    {"SOCKSHIM_FD_WARN", "%", NULL},
    {"SOCKSHIM_FD_WARN", "-1", NULL},
    {"SOCKSHIM_FD_WARN", "80 %", NULL},
    {"SOCKSHIM_FD_WARN", "1073741825", NULL},
    {"SOCKSHIM_SCAN", "0", "0ms"},
    {"SOCKSHIM_SCAN", "0ms", "0ms"},
    {"SOCKSHIM_SCAN", "10ms", "10ms"},
    {"SOCKSHIM_SCAN", "250ms", "250ms"},
    {"SOCKSHIM_SCAN", "1440m", "86400000ms"},
    {"SOCKSHIM_SCAN", "9ms", NULL}, /* more often than 10 ms costs too much */
    {"SOCKSHIM_SCAN", "1ms", NULL},
    {"SOCKSHIM_SCAN", "1441m", NULL},
    {"SOCKSHIM_SCAN", "fast", NULL},
};

/* Values no variable takes (the free-text ones are apart). */
static const char *const bad_everywhere[] = {"", "10x", "-1",
                                             "99999999999999999999"};

/* A path or a name: any word is a value (their own cases are in the
 * table above). */
static int free_text(const char *var) {
    return strcmp(var, "SOCKSHIM_SUPPRESS") == 0 ||
           strcmp(var, "SOCKSHIM_SYSLOG_IDENT") == 0;
}
#define FREE_TEXT_VARIABLES 2

/* Load with VAR=VALUE alone; one test. EFFECT as in env_case. */
static void check_env(const char *var, const char *value, const char *effect) {
    env_clear();
    env_set(var, value);
    load();
    const char *seen = describe(&cfg, var);
    char d[256];
    snprintf(d, sizeof d, "%s=%s", var, show(value));
    if (effect != NULL) {
        int good = error_count == 0 && strcmp(seen, effect) == 0;
        if (!ok(good, "%s: reads as %s", d, show(effect))) {
            diag("reads as %s, %d errors", seen, error_count);
            diag_errors();
        }
        return;
    }
    /* Rejected: one error naming the variable and the whole value, saying
     * what would do; the setting stays at its default. */
    const char *want_problem =
        value[0] == '\0' ? "empty value" : "not a valid value";
    const char *why = NULL;
    char dflt[1200];
    snprintf(dflt, sizeof dflt, "%s", default_of(var));
    if (error_count != 1)
        why = "not exactly one error";
    else if (strcmp(errors[0].where, var) != 0)
        why = "the error does not name the variable";
    else if (errors[0].value == NULL || strcmp(errors[0].value, value) != 0)
        why = "the error does not carry the value";
    else if (strcmp(errors[0].problem, want_problem) != 0)
        why = "the problem is not the expected one";
    else if (errors[0].accepted == NULL || errors[0].accepted[0] == '\0')
        why = "no accepted values given";
    else if (strcmp(seen, dflt) != 0)
        why = "the setting changed";
    if (!ok(why == NULL, "%s: one error, %s stays %s", d, var, dflt)) {
        diag("%s (want problem '%s'); reads as %s, %d errors:", why,
             want_problem, seen, error_count);
        diag_errors();
    }
}

/* For every policy option of the library, the accepted text its error
 * gives is its own (not another option's). */
static void check_accepted_texts(void) {
    int all = 1;
    for (int opt = 0; opt < OPT_COUNT; opt++) {
        env_clear();
        env_set(option_descs[opt].env, "10x");
        load();
        if (error_count != 1 ||
            strcmp(errors[0].accepted, option_descs[opt].accepted) != 0) {
            all = 0;
            diag("%s=10x: %d errors", option_descs[opt].env, error_count);
            diag_errors();
        }
    }
    ok(all, "each policy option's error says what that option accepts");
}

static int tested_variable(const char *var) {
    for (size_t i = 0; i < ARRAY_SIZE(variables); i++)
        if (strcmp(variables[i], var) == 0)
            return 1;
    return 0;
}

static int env_case_count(const char *var, int good) {
    int n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(env_cases); i++)
        n += strcmp(env_cases[i].var, var) == 0 &&
             (env_cases[i].effect != NULL) == good;
    return n;
}

/* Every option the library has is covered here with good and bad values:
 * a new option without tests fails this. */
static void check_coverage(void) {
    int covered = 1;
    for (int opt = 0; opt < OPT_COUNT; opt++) {
        const char *var = option_descs[opt].env;
        if (!tested_variable(var) || env_case_count(var, 1) == 0 ||
            env_case_count(var, 0) == 0) {
            covered = 0;
            diag("%s has no good or no bad values here", var);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(variables); i++) {
        if (strcmp(variables[i], "SOCKSHIM_SUPPRESS") == 0)
            continue; /* a path: its own tests below */
        if (env_case_count(variables[i], 1) == 0 ||
            env_case_count(variables[i], 0) == 0) {
            covered = 0;
            diag("%s has no good or no bad values here", variables[i]);
        }
    }
    ok(covered, "every policy option and setting has good and bad values");

    /* ... and none is reported as unknown (a typo) when set. */
    char *envp[ARRAY_SIZE(variables) + 4];
    char entries[ARRAY_SIZE(variables)][64];
    size_t n = 0;
    for (; n < ARRAY_SIZE(variables); n++) {
        snprintf(entries[n], sizeof entries[n], "%s=1", variables[n]);
        envp[n] = entries[n];
    }
    envp[n++] = (char *)"SOCKSHIM_CONFIG=/x";
    envp[n++] = (char *)"SOCKSHIM_RULES=x";
    envp[n++] = (char *)"SOCKSHIM_LIBRARY=/x.so";
    envp[n] = NULL;
    errors_clear();
    config_check_unknown_env(envp, capture);
    if (!is_int(0, error_count, "no known variable is reported unknown"))
        diag_errors();
}

static int test_environment(void) {
    int n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(env_cases); i++, n++)
        check_env(env_cases[i].var, env_cases[i].value, env_cases[i].effect);

    /* The values no variable takes, and the largest value a process can
     * be given (one environment string, NAME=VALUE and its NUL, is at most
     * 128 KiB), whose error still carries it all: the log bounds it. */
    static char huge[131072];
    for (size_t v = 0; v < ARRAY_SIZE(variables); v++) {
        if (free_text(variables[v]))
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(bad_everywhere); i++, n++)
            check_env(variables[v], bad_everywhere[i], NULL);
        size_t len = sizeof huge - strlen(variables[v]) - 2;
        memset(huge, '1', len);
        huge[len] = '\0';
        check_env(variables[v], huge, NULL);
        n++;
    }
    /* A log file path longer than a path may be. */
    memcpy(huge, "file:/", 6);
    check_env("SOCKSHIM_LOG", huge, NULL);
    /* The longest path that fits the setting, and one byte more. */
    memset(huge, 'a', 6 + 1023);
    memcpy(huge, "file:/", 6);
    huge[5 + 1023] = '\0';
    check_env("SOCKSHIM_LOG", huge, huge);
    huge[5 + 1023] = 'a';
    huge[5 + 1024] = '\0';
    check_env("SOCKSHIM_LOG", huge, NULL);
    n += 3;

    /* Several bad variables at once: one error each, and a good one set
     * next to them still applies. */
    env_clear();
    for (size_t v = 0; v < ARRAY_SIZE(variables); v++)
        if (!free_text(variables[v]))
            env_set(variables[v], "10x");
    load();
    int named_once =
        error_count == (int)ARRAY_SIZE(variables) - FREE_TEXT_VARIABLES;
    for (size_t v = 0; named_once && v < ARRAY_SIZE(variables); v++) {
        int times = 0;
        for (int e = 0; e < error_count; e++)
            times += strcmp(errors[e].where, variables[v]) == 0;
        named_once = times == !free_text(variables[v]);
    }
    if (!ok(named_once, "every variable bad at once: one error naming each"))
        diag_errors();
    env_clear();
    env_set("SOCKSHIM_NODELAY", "on");
    env_set("SOCKSHIM_KEEPALIVE", "bogus");
    env_set("SOCKSHIM_LOG_LEVEL", "verbose");
    env_set("SOCKSHIM_LINGER", "5");
    load();
    char seen[128];
    snprintf(seen, sizeof seen, "%d %s %s %s %s", error_count,
             describe(&cfg, "SOCKSHIM_NODELAY"),
             describe(&cfg, "SOCKSHIM_LINGER"),
             describe(&cfg, "SOCKSHIM_KEEPALIVE"),
             describe(&cfg, "SOCKSHIM_LOG_LEVEL"));
    is_string("2 on 5s unset warn", seen,
              "good values next to bad ones apply; the bad ones do not");
    n += 2;

    check_accepted_texts();
    check_coverage();
    return n + 3;
}

/* --- misspelt variables -------------------------------------------------- */

static void test_unknown_variables(void) {
    char long_name[200];
    memset(long_name, 'X', sizeof long_name - 1);
    memcpy(long_name, "SOCKSHIM_", 9);
    long_name[sizeof long_name - 1] = '\0';
    char *envp[] = {
        (char *)"SOCKSHIM_KEEPALVE=60", /* the typo */
        (char *)"SOCKSHIM_KEEPALIVE=60",
        (char *)"PATH=/bin",
        (char *)"SOCKSHIM_RULE=listen port=80 backlog=9",
        (char *)"SOCKSHIM_NODELAY", /* no '=' */
        (char *)"sockshim_nodelay=on",
        long_name,
        NULL,
    };
    errors_clear();
    config_check_unknown_env(envp, capture);
    char want_long[64];
    snprintf(want_long, sizeof want_long, "%.63s", long_name);
    int good = error_count == 3 &&
               strcmp(errors[0].where, "SOCKSHIM_KEEPALVE") == 0 &&
               strcmp(errors[1].where, "SOCKSHIM_RULE") == 0 &&
               strcmp(errors[2].where, want_long) == 0;
    for (int i = 0; good && i < error_count; i++)
        good = errors[i].value == NULL &&
               strcmp(errors[i].problem, "unknown variable") == 0 &&
               errors[i].accepted[0] != '\0';
    if (!ok(good, "misspelt SOCKSHIM_ variables: one 'unknown variable' "
                  "each, long names cut to 63 bytes; others left alone"))
        diag_errors();
}

/* --- config files -------------------------------------------------------- */

/* One line of a config file: VAR reads as EFFECT afterwards, or, when
 * BAD_VALUE is set, the line gives one error at FILE:LINE carrying it
 * (and PROBLEM) and VAR keeps its default. */
struct file_case {
    const char *line, *var, *effect, *bad_value, *problem;
};

static const struct file_case file_cases[] = {
    {"mode = audit", "SOCKSHIM_MODE", "audit", NULL, NULL},
    {"mode=FORCE", "SOCKSHIM_MODE", "force", NULL, NULL},
    {"keepalive = 60:10:5", "SOCKSHIM_KEEPALIVE", "on idle=60 intvl=10 cnt=5",
     NULL, NULL},
    {"keepalive=off", "SOCKSHIM_KEEPALIVE", "off", NULL, NULL},
    {"\t nodelay = on   # for the proxy", "SOCKSHIM_NODELAY", "on", NULL, NULL},
    {"reuseaddr = yes", "SOCKSHIM_REUSEADDR", "on", NULL, NULL},
    {"reuseport = false", "SOCKSHIM_REUSEPORT", "off", NULL, NULL},
    {"linger = 5\r", "SOCKSHIM_LINGER", "5s", NULL, NULL}, /* CRLF file */
    {"user_timeout = 10s", "SOCKSHIM_USER_TIMEOUT", "10000ms", NULL, NULL},
    {"rcvtimeo = 30", "SOCKSHIM_RCVTIMEO", "30000ms", NULL, NULL},
    {"sndtimeo = 1500ms", "SOCKSHIM_SNDTIMEO", "1500ms", NULL, NULL},
    {"connect_timeout = 2m", "SOCKSHIM_CONNECT_TIMEOUT", "120000ms", NULL,
     NULL},
    {"backlog = 4096", "SOCKSHIM_BACKLOG", "4096", NULL, NULL},
    {"log = syslog", "SOCKSHIM_LOG", "syslog", NULL, NULL},
    /* '#' starts a comment only at the line's start or after a blank. */
    {"log = file:/tmp/a#b.log", "SOCKSHIM_LOG", "file:/tmp/a#b.log", NULL,
     NULL},
    {"log_format = json", "SOCKSHIM_LOG_FORMAT", "json", NULL, NULL},
    {"log_level = debug", "SOCKSHIM_LOG_LEVEL", "debug", NULL, NULL},
    {"checks = close_wait,double_close", "SOCKSHIM_CHECKS",
     "double_close,close_wait", NULL, NULL},
    {"stacks = off", "SOCKSHIM_STACKS", "off", NULL, NULL},
    {"stack_depth = 32", "SOCKSHIM_STACK_DEPTH", "32", NULL, NULL},
    {"close_wait = 2m", "SOCKSHIM_CLOSE_WAIT", "120000ms", NULL, NULL},
    {"scan = 250ms", "SOCKSHIM_SCAN", "250ms", NULL, NULL},
    {"summary = no", "SOCKSHIM_SUMMARY", "off", NULL, NULL},

    {"keepalive = bogus", "SOCKSHIM_KEEPALIVE", NULL, "bogus",
     "not a valid value"},
    {"linger = 500ms", "SOCKSHIM_LINGER", NULL, "500ms", "not a valid value"},
    {"nodelay = on#glued", "SOCKSHIM_NODELAY", NULL, "on#glued",
     "not a valid value"},
    {"mode = fast", "SOCKSHIM_MODE", NULL, "fast", "not a valid mode"},
    {"log = stdout", "SOCKSHIM_LOG", NULL, "stdout", "not a valid value"},
    {"log_level = verbose", "SOCKSHIM_LOG_LEVEL", NULL, "verbose",
     "not a valid value"},
    {"stack_depth = 65", "SOCKSHIM_STACK_DEPTH", NULL, "65",
     "not a valid value"},
    {"scan = 5ms", "SOCKSHIM_SCAN", NULL, "5ms", "not a valid value"},
    {"keepalive =", "SOCKSHIM_KEEPALIVE", NULL, "keepalive", "empty value"},
    {"keepalive = # nothing", "SOCKSHIM_KEEPALIVE", NULL, "keepalive",
     "empty value"},
    {"keepalive_idle = 60", "SOCKSHIM_KEEPALIVE", NULL, "keepalive_idle",
     "unknown key"},
    {"KEEPALIVE = 60", "SOCKSHIM_KEEPALIVE", NULL, "KEEPALIVE", "unknown key"},
    {"= 60", "SOCKSHIM_KEEPALIVE", NULL, "", "unknown key"},
    {"nodelay on", "SOCKSHIM_NODELAY", NULL, "nodelay on",
     "neither a KEY = VALUE setting nor a rule"},
    {"lisen port=80 nodelay=on", "SOCKSHIM_NODELAY", NULL, "lisen",
     "not a role, so the line is not a rule"},
    /* Rule lines: an error names the bad term; the rule is skipped. */
    {"listen port=0 nodelay=on", "SOCKSHIM_NODELAY", NULL, "port=0",
     "not a valid match term"},
    {"connect keepalive=abc", "SOCKSHIM_KEEPALIVE", NULL, "keepalive=abc",
     "not a valid value"},
    {"connect port=80 nodelay=on nodelay=off", "SOCKSHIM_NODELAY", NULL,
     "nodelay=off", "option given twice in one rule"},
    {"listen", "SOCKSHIM_NODELAY", NULL, "listen",
     "a rule without options does nothing"},
};

/* Line 3 of a file (after a comment and a blank line) is the case's. */
static void check_file_line(const struct file_case *c) {
    char text[512];
    snprintf(text, sizeof text, "# sockshim settings\n\n%s\n", c->line);
    const char *path = write_file("line.conf", text);
    char where[PATH_MAX + 16];
    snprintf(where, sizeof where, "%s:3", path);
    env_clear();
    env_set("SOCKSHIM_CONFIG", path);
    load();
    const char *seen = describe(&cfg, c->var);
    if (c->bad_value == NULL) {
        int good = error_count == 0 && strcmp(seen, c->effect) == 0 &&
                   cfg.rule_count == 0;
        if (!ok(good, "file line '%s': %s reads as %s", show(c->line), c->var,
                c->effect)) {
            diag("reads as %s, %d errors, %d rules", seen, error_count,
                 cfg.rule_count);
            diag_errors();
        }
        return;
    }
    char dflt[1200];
    snprintf(dflt, sizeof dflt, "%s", default_of(c->var));
    const char *why = NULL;
    if (error_count != 1)
        why = "not exactly one error";
    else if (strcmp(errors[0].where, where) != 0)
        why = "the error is not at FILE:3";
    else if (errors[0].value == NULL ||
             strcmp(errors[0].value, c->bad_value) != 0)
        why = "the error does not carry the bad part";
    else if (strcmp(errors[0].problem, c->problem) != 0)
        why = "the problem is not the expected one";
    else if (errors[0].accepted[0] == '\0')
        why = "no accepted values given";
    else if (cfg.rule_count != 0)
        why = "a rule was kept";
    else if (strcmp(seen, dflt) != 0)
        why = "the setting changed";
    if (!ok(why == NULL, "file line '%s': one error at FILE:3 naming %s",
            show(c->line), show(c->bad_value))) {
        diag("%s (want %s, problem '%s'); %s reads as %s:", why, where,
             c->problem, c->var, seen);
        diag_errors();
    }
}

/* Does the rule list read as WANT ("where: match | options; ...")? */
static const char *rules_text(const struct config *c) {
    static char buf[4096];
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->rule_count && o < sizeof buf - 200; i++) {
        char match[256], options[256];
        rule_format_match(&c->rules[i], match, sizeof match);
        policy_format_options(&c->rules[i].policy, options, sizeof options);
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s: %s | %s",
                              i ? "; " : "", c->rules[i].where, match, options);
    }
    return buf;
}

static int test_files(void) {
    int n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(file_cases); i++, n++)
        check_file_line(&file_cases[i]);

    /* An empty value: the key is right, its value is what is missing, so
     * the error says what that key accepts, as the environment's does.
     * Only an unknown key gets the list of keys. */
    const struct {
        const char *line, *accepted;
    } empty[] = {
        {"keepalive =", option_descs[OPT_KEEPALIVE].accepted},
        {"mode =", "enforce, force, audit or off"},
        {"log_level =", setting_by_key("log_level")->accepted},
        {"colour =", NULL},
    };
    const char *path;
    for (size_t i = 0; i < ARRAY_SIZE(empty); i++, n++) {
        path = write_file("empty-value.conf", empty[i].line);
        env_clear();
        env_set("SOCKSHIM_CONFIG", path);
        load();
        const char *accepted = error_count == 1 ? errors[0].accepted : "";
        int good = error_count == 1 &&
                   strcmp(errors[0].problem, "empty value") == 0 &&
                   (empty[i].accepted != NULL
                        ? strcmp(accepted, empty[i].accepted) == 0
                        : strstr(accepted, "a policy option") != NULL);
        if (!ok(good, "file line '%s': the error says what %s", empty[i].line,
                empty[i].accepted != NULL ? "this key accepts"
                                          : "the keys are"))
            diag_errors();
    }

    /* A whole file: settings, rules, comments and blank lines; the bad
     * lines are reported by number and the lines after them still read. */
    static const char whole[] =
        "# web server\n"                               /* 1 */
        "mode = audit\n"                               /* 2 */
        "keepalive = 60:10:5\n"                        /* 3 */
        "keepalive = bogus\n"                          /* 4: error */
        "\n"                                           /* 5 */
        "listen port=8080 reuseaddr=on backlog=4096\n" /* 6 */
        "   # indented comment\n"                      /* 7 */
        "connect port=6379 keepalive=30:5:3\n"         /* 8 */
        "listen port=99999 backlog=1\n"                /* 9: error */
        "nodelay = on\n"                               /* 10 */
        "log_format = json";                           /* 11, no newline */
    path = write_file("whole.conf", whole);
    env_clear();
    env_set("SOCKSHIM_CONFIG", path);
    load();
    char seen[1024], want[1024];
    snprintf(seen, sizeof seen, "%s %s %s %s | %d errors: %s %s, %s %s",
             describe(&cfg, "SOCKSHIM_MODE"),
             describe(&cfg, "SOCKSHIM_KEEPALIVE"),
             describe(&cfg, "SOCKSHIM_NODELAY"),
             describe(&cfg, "SOCKSHIM_LOG_FORMAT"), error_count,
             error_count > 0 ? errors[0].where : "-",
             error_count > 0 ? show(errors[0].value) : "-",
             error_count > 1 ? errors[1].where : "-",
             error_count > 1 ? show(errors[1].value) : "-");
    snprintf(want, sizeof want,
             "audit on idle=60 intvl=10 cnt=5 on json | 2 errors: "
             "%s:4 bogus, %s:9 port=99999",
             path, path);
    is_string(want, seen,
              "a whole file: settings apply, bad lines reported "
              "by FILE:LINE, the rest read on");
    snprintf(want, sizeof want,
             "%s:6: listen port=8080 | reuseaddr=on backlog=4096; "
             "%s:8: connect port=6379 | keepalive=30:5:3",
             path, path);
    is_string(want, rules_text(&cfg),
              "a whole file: its rules, in order, "
              "each knowing its FILE:LINE");
    ok(cfg.rules_need_address, "rules with port= need the address");
    n += 3;

    /* A NUL byte hides nothing: its line is reported and skipped, the
     * next lines are read (a C string would have ended at it). */
    static const char with_nul[] = "nodelay = on\n"
                                   "keepalive = 6\0"
                                   "0\n"
                                   "linger = 5\n"
                                   "connect port=1\0 nodelay=off\n"
                                   "backlog = 7\n";
    path = write_file_n("nul.conf", with_nul, sizeof with_nul - 1);
    env_clear();
    env_set("SOCKSHIM_CONFIG", path);
    load();
    snprintf(
        seen, sizeof seen, "%s %s %s %s rules=%d | %d errors: %s %s, %s %s",
        describe(&cfg, "SOCKSHIM_NODELAY"),
        describe(&cfg, "SOCKSHIM_KEEPALIVE"), describe(&cfg, "SOCKSHIM_LINGER"),
        describe(&cfg, "SOCKSHIM_BACKLOG"), cfg.rule_count, error_count,
        error_count > 0 ? errors[0].where : "-",
        error_count > 0 ? show(errors[0].value) : "-",
        error_count > 1 ? errors[1].where : "-",
        error_count > 1 ? show(errors[1].value) : "-");
    snprintf(want, sizeof want,
             "on unset 5s 7 rules=0 | 2 errors: %s:2 (none), %s:4 (none)", path,
             path);
    is_string(want, seen,
              "NUL bytes: each such line one error at "
              "FILE:LINE, skipped; the others apply");
    n++;

    /* The file's size: 64 KiB are read; one byte more is reported once,
     * and the settings at its start still apply. */
    static char big[64 * 1024 + 64];
    static const char head[] = "nodelay = on\n";
    memset(big, '#', sizeof big);
    memcpy(big, head, sizeof head - 1);
    for (size_t i = 100; i < sizeof big; i += 100)
        big[i] = '\n';
    path = write_file_n("64k.conf", big, 64 * 1024);
    env_clear();
    env_set("SOCKSHIM_CONFIG", path);
    load();
    ok(error_count == 0 &&
           strcmp(describe(&cfg, "SOCKSHIM_NODELAY"), "on") == 0,
       "a 64 KiB file is read without complaint");
    if (error_count != 0)
        diag_errors();
    path = write_file_n("big.conf", big, 64 * 1024 + 1);
    env_set("SOCKSHIM_CONFIG", path);
    load();
    if (!ok(error_count == 1 &&
                strcmp(errors[0].where, "SOCKSHIM_CONFIG") == 0 &&
                strcmp(errors[0].value, path) == 0 &&
                strcmp(errors[0].problem, "too large") == 0 &&
                strcmp(describe(&cfg, "SOCKSHIM_NODELAY"), "on") == 0,
            "64 KiB + 1 byte: one 'too large' error naming the file; "
            "its start applies"))
        diag_errors();
    n += 2;

    /* The line cut at the 64 KiB limit is dropped, not applied as though
     * it were whole (its value silently changed), and the one warning
     * says so. */
    memset(big, '#', sizeof big);
    for (size_t i = 100; i < sizeof big; i += 100)
        big[i] = '\n';
    static const char cut[] = "\nbacklog = 4096\n";
    /* "backlog = 40" ends the part that is read; "96\n" lies beyond. */
    memcpy(big + 64 * 1024 - (sizeof cut - 1) + 3, cut, sizeof cut - 1);
    path = write_file_n("cut.conf", big, sizeof big);
    env_set("SOCKSHIM_CONFIG", path);
    load();
    const char *backlog = describe(&cfg, "SOCKSHIM_BACKLOG");
    if (!ok(strcmp(backlog, "unset") == 0 && error_count == 1 &&
                strcmp(errors[0].problem, "too large") == 0 &&
                strstr(errors[0].accepted, "the line the limit cuts is "
                                           "not") != NULL,
            "a line cut by the 64 KiB limit is not applied, and the "
            "warning says so")) {
        diag("backlog = 4096 straddles the limit and reads as %s", backlog);
        diag_errors();
    }
    /* A line whose newline is the first byte past the limit is whole. */
    memset(big, '#', sizeof big);
    for (size_t i = 100; i < sizeof big; i += 100)
        big[i] = '\n';
    memcpy(big + 64 * 1024 - (sizeof cut - 1) + 1, cut, sizeof cut - 1);
    path = write_file_n("whole-at-limit.conf", big, sizeof big);
    env_set("SOCKSHIM_CONFIG", path);
    load();
    backlog = describe(&cfg, "SOCKSHIM_BACKLOG");
    if (!ok(strcmp(backlog, "4096") == 0 && error_count == 1,
            "a line ending right at the 64 KiB limit applies whole"))
        diag("backlog reads as %s; %d errors", backlog, error_count);
    n += 2;

    /* What cannot be read at all: one error naming SOCKSHIM_CONFIG and the
     * path, never a hang (a FIFO would block an open() for reading). */
    char fifo[PATH_MAX], missing[PATH_MAX];
    snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
    snprintf(missing, sizeof missing, "%s/missing.conf", tmpdir);
    if (mkfifo(fifo, 0600) != 0)
        bail("mkfifo: %s", strerror(errno));
    const struct {
        const char *path, *problem, *what;
    } unreadable[] = {
        {missing, "No such file or directory", "a missing file"},
        {tmpdir, "not a regular file", "a directory"},
        {fifo, "not a regular file", "a FIFO"},
        {"/dev/null", "not a regular file", "a device"},
        {"", "empty value", "an empty SOCKSHIM_CONFIG"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(unreadable); i++, n++) {
        env_clear();
        env_set("SOCKSHIM_CONFIG", unreadable[i].path);
        env_set("SOCKSHIM_NODELAY", "on");
        load();
        if (!ok(error_count == 1 &&
                    strcmp(errors[0].where, "SOCKSHIM_CONFIG") == 0 &&
                    strcmp(errors[0].value, unreadable[i].path) == 0 &&
                    strcmp(errors[0].problem, unreadable[i].problem) == 0 &&
                    strcmp(describe(&cfg, "SOCKSHIM_NODELAY"), "on") == 0,
                "%s as config file: one error naming it; the environment "
                "still applies",
                unreadable[i].what))
            diag_errors();
    }
    path = write_file("empty.conf", "");
    env_clear();
    env_set("SOCKSHIM_CONFIG", path);
    load();
    if (!is_int(0, error_count, "an empty config file is fine"))
        diag_errors();
    return n + 1;
}

/* --- the file < environment precedence ----------------------------------- */

/* FILE_LINE in the config file, VAR=VALUE (VALUE NULL: unset) in the
 * environment: VAR reads as EFFECT, with ERRORS errors, the first at
 * WHERE ("FILE" for the file's line). */
static const struct {
    const char *file_line, *var, *value, *effect;
    int errors;
    const char *where;
} precedence_cases[] = {
    {"keepalive = 60", "SOCKSHIM_KEEPALIVE", NULL, "on idle=60 intvl=0 cnt=0",
     0, NULL},
    {"keepalive = 60", "SOCKSHIM_KEEPALIVE", "30:5:3",
     "on idle=30 intvl=5 cnt=3", 0, NULL},
    {"keepalive = 60:10:5", "SOCKSHIM_KEEPALIVE", "off", "off", 0, NULL},
    /* A bad value in the environment leaves the file's in force. */
    {"keepalive = 60", "SOCKSHIM_KEEPALIVE", "bogus",
     "on idle=60 intvl=0 cnt=0", 1, "SOCKSHIM_KEEPALIVE"},
    {"keepalive = 60", "SOCKSHIM_KEEPALIVE", "", "on idle=60 intvl=0 cnt=0", 1,
     "SOCKSHIM_KEEPALIVE"},
    {"keepalive = bogus", "SOCKSHIM_KEEPALIVE", "45",
     "on idle=45 intvl=0 cnt=0", 1, "FILE"},
    {"mode = audit", "SOCKSHIM_MODE", "force", "force", 0, NULL},
    {"mode = audit", "SOCKSHIM_MODE", "forced", "audit", 1, "SOCKSHIM_MODE"},
    {"linger = 5", "SOCKSHIM_LINGER", "off", "off", 0, NULL},
    {"nodelay = on", "SOCKSHIM_NODELAY", "0", "off", 0, NULL},
    {"backlog = 128", "SOCKSHIM_BACKLOG", "0", "128", 1, "SOCKSHIM_BACKLOG"},
    {"rcvtimeo = 1s", "SOCKSHIM_RCVTIMEO", "250ms", "250ms", 0, NULL},
    {"log = syslog", "SOCKSHIM_LOG", "stderr", "stderr", 0, NULL},
    {"log_format = json", "SOCKSHIM_LOG_FORMAT", "text", "text", 0, NULL},
    {"log_level = debug", "SOCKSHIM_LOG_LEVEL", "loud", "debug", 1,
     "SOCKSHIM_LOG_LEVEL"},
    {"checks = none", "SOCKSHIM_CHECKS", "close_wait", "close_wait", 0, NULL},
    {"scan = 0", "SOCKSHIM_SCAN", "5ms", "0ms", 1, "SOCKSHIM_SCAN"},
    {"stack_depth = 8", "SOCKSHIM_STACK_DEPTH", "64", "64", 0, NULL},
};

static int test_precedence(void) {
    for (size_t i = 0; i < ARRAY_SIZE(precedence_cases); i++) {
        char text[256];
        snprintf(text, sizeof text, "%s\n", precedence_cases[i].file_line);
        const char *path = write_file("layers.conf", text);
        char file_where[PATH_MAX + 8];
        snprintf(file_where, sizeof file_where, "%s:1", path);
        env_clear();
        env_set("SOCKSHIM_CONFIG", path);
        if (precedence_cases[i].value != NULL)
            env_set(precedence_cases[i].var, precedence_cases[i].value);
        load();
        const char *where = precedence_cases[i].where;
        if (where != NULL && strcmp(where, "FILE") == 0)
            where = file_where;
        const char *seen = describe(&cfg, precedence_cases[i].var);
        int good = strcmp(seen, precedence_cases[i].effect) == 0 &&
                   error_count == precedence_cases[i].errors &&
                   (where == NULL || strcmp(errors[0].where, where) == 0);
        if (!ok(good, "file '%s', environment %s=%s: reads as %s",
                precedence_cases[i].file_line, precedence_cases[i].var,
                show(precedence_cases[i].value), precedence_cases[i].effect)) {
            diag("reads as %s; %d errors (want %d at %s)", seen, error_count,
                 precedence_cases[i].errors, where ? where : "-");
            diag_errors();
        }
    }

    /* Options the environment does not mention keep the file's values. */
    const char *path = write_file("layers.conf", "nodelay = on\nlinger = 5\n"
                                                 "log_format = json\n");
    env_clear();
    env_set("SOCKSHIM_CONFIG", path);
    env_set("SOCKSHIM_LINGER", "0");
    load();
    char seen[128];
    snprintf(seen, sizeof seen, "%s %s %s", describe(&cfg, "SOCKSHIM_NODELAY"),
             describe(&cfg, "SOCKSHIM_LINGER"),
             describe(&cfg, "SOCKSHIM_LOG_FORMAT"));
    is_string("on 0s json", seen,
              "the environment overrides the file option "
              "by option, not wholesale");
    return (int)ARRAY_SIZE(precedence_cases) + 1;
}

/* --- rules --------------------------------------------------------------- */

static const struct {
    const char *rules, *want, *error_where, *error_value;
} rules_cases[] = {
    {"listen port=8080 backlog=4096; connect port=6379 keepalive=30:5:3",
     "SOCKSHIM_RULES #1: listen port=8080 | backlog=4096; "
     "SOCKSHIM_RULES #2: connect port=6379 | keepalive=30:5:3",
     NULL, NULL},
    /* Empty pieces are not rules and take no number. */
    {";; any family=unix sndtimeo=2s ;  ;",
     "SOCKSHIM_RULES #1: any family=unix | sndtimeo=2s", NULL, NULL},
    {";;;", "", NULL, NULL},
    /* A bad rule is skipped whole, the others kept, numbered as written. */
    {"listen port=80 nodelay=on; listen port=0 nodelay=on; connect "
     "proc=curl nodelay=off",
     "SOCKSHIM_RULES #1: listen port=80 | nodelay=on; "
     "SOCKSHIM_RULES #3: connect proc=curl | nodelay=off",
     "SOCKSHIM_RULES #2", "port=0"},
    {"connect port=80", "", "SOCKSHIM_RULES #1", "connect"},
    {"lisen port=80 nodelay=on", "", "SOCKSHIM_RULES #1",
     "lisen port=80 nodelay=on"},
    {"accept addr=10.0.0.0/33 linger=5", "", "SOCKSHIM_RULES #1",
     "addr=10.0.0.0/33"},
    {"any family=ipx nodelay=on", "", "SOCKSHIM_RULES #1", "family=ipx"},
    {"listen port=80 backlog=1\nconnect nodelay=on", "", "SOCKSHIM_RULES #1",
     "backlog=1\nconnect"},
    {"", "", "SOCKSHIM_RULES", ""},
};

static int test_rules(void) {
    int n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(rules_cases); i++, n++) {
        env_clear();
        env_set("SOCKSHIM_RULES", rules_cases[i].rules);
        load();
        const char *seen = rules_text(&cfg);
        int good = strcmp(seen, rules_cases[i].want) == 0;
        if (rules_cases[i].error_where == NULL)
            good = good && error_count == 0;
        else
            good = good && error_count == 1 &&
                   strcmp(errors[0].where, rules_cases[i].error_where) == 0 &&
                   errors[0].value != NULL &&
                   strcmp(errors[0].value, rules_cases[i].error_value) == 0 &&
                   errors[0].accepted[0] != '\0';
        if (!ok(good, "SOCKSHIM_RULES=%s: %s", show(rules_cases[i].rules),
                rules_cases[i].error_where ? "one error, the rest kept"
                                           : "parsed")) {
            diag("rules: %s", seen);
            diag_errors();
        }
    }

    /* The file's rules come first, then the environment's: a later rule
     * overrides an earlier one, so the environment has the last word. */
    const char *path =
        write_file("rules.conf", "connect port=6379 keepalive=60\n");
    env_clear();
    env_set("SOCKSHIM_CONFIG", path);
    env_set("SOCKSHIM_RULES", "connect port=6379 keepalive=30");
    load();
    char want[1024];
    snprintf(want, sizeof want,
             "%s:1: connect port=6379 | keepalive=60; "
             "SOCKSHIM_RULES #1: connect port=6379 | keepalive=30",
             path);
    is_string(want, rules_text(&cfg), "file rules first, then SOCKSHIM_RULES");
    n++;

    env_clear();
    env_set("SOCKSHIM_RULES", "connect proc=curl family=unix nodelay=on");
    load();
    ok(cfg.rule_count == 1 && !cfg.rules_need_address,
       "rules without port= or addr= do not need addresses looked up");
    env_set("SOCKSHIM_RULES", "connect addr=::1 nodelay=on");
    load();
    ok(cfg.rule_count == 1 && cfg.rules_need_address,
       "a rule with addr= needs addresses looked up");
    n += 2;

    /* More rules than kept: one error for them all, at the first one
     * dropped, whichever layer it is in. */
    static char many[80 * 40];
    size_t o = 0;
    for (int i = 1; i <= 70; i++)
        o += (size_t)snprintf(many + o, sizeof many - o,
                              "connect port=%d nodelay=on;", i);
    env_clear();
    env_set("SOCKSHIM_RULES", many);
    load();
    if (!ok(cfg.rule_count == RULES_MAX && error_count == 1 &&
                strcmp(errors[0].where, "SOCKSHIM_RULES #65") == 0 &&
                strcmp(errors[0].value, "connect port=65 nodelay=on") == 0 &&
                strcmp(errors[0].problem,
                       "too many rules: 6 from here on ignored") == 0,
            "70 rules: 64 kept, one error at #65 counting the 6 dropped"))
        diag_errors();
    static char file_rules[40 * 40];
    o = 0;
    for (int i = 1; i <= 40; i++)
        o += (size_t)snprintf(file_rules + o, sizeof file_rules - o,
                              "connect port=%d nodelay=on\n", i);
    path = write_file("40rules.conf", file_rules);
    o = 0;
    for (int i = 41; i <= 70; i++)
        o += (size_t)snprintf(many + o, sizeof many - o,
                              "connect port=%d nodelay=on;", i);
    env_set("SOCKSHIM_CONFIG", path);
    load();
    if (!ok(cfg.rule_count == RULES_MAX && error_count == 1 &&
                strcmp(errors[0].where, "SOCKSHIM_RULES #25") == 0 &&
                strcmp(errors[0].problem,
                       "too many rules: 6 from here on ignored") == 0 &&
                strcmp(cfg.rules[39].where + strlen(path), ":40") == 0,
            "40 rules in the file, 30 in SOCKSHIM_RULES: one error at "
            "SOCKSHIM_RULES #25"))
        diag_errors();
    n += 2;

    /* A rule longer than a rule may be: one error for it (not one per
     * piece), quoting its start; the next rule is read. */
    static char rules[3000];
    memset(rules, 'x', sizeof rules);
    memcpy(rules, "connect proc=", 13);
    strcpy(rules + 2000, "; listen port=80 backlog=9");
    env_clear();
    env_set("SOCKSHIM_RULES", rules);
    load();
    char start[64];
    snprintf(start, sizeof start, "%.44s...", rules);
    if (!ok(error_count == 1 &&
                strcmp(errors[0].where, "SOCKSHIM_RULES #1") == 0 &&
                strcmp(errors[0].value, start) == 0 &&
                strcmp(rules_text(&cfg),
                       "SOCKSHIM_RULES #2: listen port=80 | backlog=9") == 0,
            "a 2000-byte rule: one error quoting its start; the next rule "
            "kept"))
        diag_errors();
    /* The longest rule there is room for: 1023 bytes. */
    memset(rules, ' ', sizeof rules);
    memcpy(rules, "connect nodelay=on", 18);
    rules[1023] = '\0';
    env_set("SOCKSHIM_RULES", rules);
    load();
    ok(error_count == 0 && cfg.rule_count == 1, "a 1023-byte rule is read");
    rules[1023] = ' ';
    rules[1024] = '\0';
    load();
    ok(error_count == 1 && cfg.rule_count == 0, "a 1024-byte rule is not");
    n += 3;
    return n;
}

/* --- suppressions -------------------------------------------------------- */

static int test_suppressions(void) {
    const char *path = write_file(
        "ok.supp", "# known leaks\n"
                   "close_wait:leaky_handler\n"
                   "\n"
                   "*:libthirdparty.so*\n"
                   "  double_close : free_conn  # trailing comment\n");
    env_clear();
    env_set("SOCKSHIM_SUPPRESS", path);
    load();
    int good = error_count == 0 && cfg.suppression_count == 3 &&
               cfg.suppressions[0].kind == EV_CLOSE_WAIT &&
               strcmp(cfg.suppressions[0].pattern, "leaky_handler") == 0 &&
               cfg.suppressions[1].kind == EV_COUNT &&
               strcmp(cfg.suppressions[1].pattern, "libthirdparty.so*") == 0 &&
               cfg.suppressions[2].kind == EV_DOUBLE_CLOSE &&
               strcmp(cfg.suppressions[2].pattern, "free_conn") == 0;
    if (!ok(good, "a suppressions file: KIND:PATTERN lines, * for any kind"))
        diag_errors();

    /* Named in the config file instead: the same. */
    char text[PATH_MAX + 32];
    snprintf(text, sizeof text, "suppress = %s\n", path);
    const char *conf = write_file("supp.conf", text);
    env_clear();
    env_set("SOCKSHIM_CONFIG", conf);
    load();
    if (!ok(error_count == 0 && cfg.suppression_count == 3,
            "suppress = FILE in the config file reads it"))
        diag_errors();
    env_clear();

    char pattern128[160];
    memset(pattern128, 'p', sizeof pattern128);
    memcpy(pattern128, "close_wait:", 11);
    pattern128[11 + 128] = '\0';
    const struct {
        const char *line, *value, *problem;
    } bad[] = {
        {"leaky_handler", "leaky_handler", "not a KIND:PATTERN line"},
        {":leaky_handler", ":leaky_handler", "not a KIND:PATTERN line"},
        {"close_wait:", "close_wait:", "not a KIND:PATTERN line"},
        {"close_wiat:f", "close_wiat", "not an event kind"},
        {"config_error:f", "config_error", "not an event kind"},
        {pattern128, pattern128 + 11, "empty or too long pattern"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        snprintf(text, sizeof text, "close_wait:a\n%s\nsummary:b\n",
                 bad[i].line);
        path = write_file("bad.supp", text);
        env_set("SOCKSHIM_SUPPRESS", path);
        load();
        char where[PATH_MAX + 8];
        snprintf(where, sizeof where, "%s:2", path);
        if (!ok(error_count == 1 && strcmp(errors[0].where, where) == 0 &&
                    strcmp(errors[0].value, bad[i].value) == 0 &&
                    strcmp(errors[0].problem, bad[i].problem) == 0 &&
                    errors[0].accepted[0] != '\0' && cfg.suppression_count == 2,
                "suppression line '%s': one error at FILE:2, the others kept",
                show(bad[i].line)))
            diag_errors();
    }

    static char lots[70 * 20];
    size_t o = 0;
    for (int i = 1; i <= 66; i++)
        o += (size_t)snprintf(lots + o, sizeof lots - o, "*:f%d\n", i);
    path = write_file("lots.supp", lots);
    env_set("SOCKSHIM_SUPPRESS", path);
    load();
    ok(cfg.suppression_count == SUPPRESSIONS_MAX && error_count == 2,
       "66 suppressions: 64 kept, one error for each line beyond");

    static char long_path[1100];
    memset(long_path, 'd', sizeof long_path);
    long_path[0] = '/';
    long_path[1023] = '\0';
    const struct {
        const char *value, *problem, *what;
    } unusable[] = {
        {"/nonexistent/sockshim.supp", "No such file or directory",
         "a missing suppressions file"},
        {tmpdir, "not a regular file", "a directory"},
        {long_path, "File name too long", "a 1023-byte path"},
        {"", "empty value", "an empty SOCKSHIM_SUPPRESS"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(unusable); i++) {
        env_set("SOCKSHIM_SUPPRESS", unusable[i].value);
        load();
        if (!ok(error_count == 1 &&
                    strcmp(errors[0].where, "SOCKSHIM_SUPPRESS") == 0 &&
                    strcmp(errors[0].value, unusable[i].value) == 0 &&
                    strcmp(errors[0].problem, unusable[i].problem) == 0 &&
                    cfg.suppression_count == 0,
                "%s: one error naming SOCKSHIM_SUPPRESS", unusable[i].what))
            diag_errors();
    }
    long_path[1023] = 'd';
    long_path[1024] = '\0';
    env_set("SOCKSHIM_SUPPRESS", long_path);
    load();
    if (!ok(error_count == 1 &&
                strcmp(errors[0].problem, "not a valid value") == 0 &&
                strcmp(describe(&cfg, "SOCKSHIM_SUPPRESS"), "(none)") == 0,
            "a 1024-byte SOCKSHIM_SUPPRESS is refused as too long"))
        diag_errors();
    return 2 + (int)ARRAY_SIZE(bad) + 1 + (int)ARRAY_SIZE(unusable) + 1;
}

/* ------------------------------------------------------------------------- */

int main(void) {
    /* The counts of the table-driven parts. */
    int n_env = (int)ARRAY_SIZE(env_cases) +
                (int)(ARRAY_SIZE(variables) - FREE_TEXT_VARIABLES) *
                    (int)(ARRAY_SIZE(bad_everywhere) + 1) +
                3 + 2 + 3;
    int n_files = (int)ARRAY_SIZE(file_cases) + 4 + 3 + 1 + 2 + 2 + 5 + 1;
    int n_precedence = (int)ARRAY_SIZE(precedence_cases) + 1;
    int n_rules = 10 + 1 + 2 + 2 + 3;
    int n_supp = 2 + 6 + 1 + 4 + 1;
    plan(n_env + 1 + n_files + n_precedence + n_rules + n_supp);

    real_resolve_all();
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/configuration-t.XXXXXX",
             base != NULL && *base != '\0' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL)
        bail("mkdtemp: %s", strerror(errno));
    atexit(remove_tmpdir);

    int run = test_environment();
    if (run != n_env)
        diag("environment: ran %d tests, counted %d", run, n_env);
    test_unknown_variables();
    run = test_files();
    if (run != n_files)
        diag("files: ran %d tests, counted %d", run, n_files);
    test_precedence();
    run = test_rules();
    if (run != n_rules)
        diag("rules: ran %d tests, counted %d", run, n_rules);
    test_suppressions();
    errors_clear();
    return 0;
}
