/*
 * settings.c — parsers of the log and diagnostic settings (see
 * settings.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "config/settings.h"

#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "config/options.h"
#include "output/event.h"

/* At most a day: longer would never be reached by a service's sockets in
 * a staging run, and is more likely a typo (5000 meaning 5000ms). */
#define DIAG_DURATION_MAX_MS (24u * 3600 * 1000)
/* sockaddr_un's sun_path, with its terminating NUL. */
#define SYSLOG_SOCKET_PATH_MAX 108

/* Scanning more often than this would cost more than it finds. */
#define SCAN_PERIOD_MIN_MS 10

void settings_defaults(struct log_settings *log, struct diag_settings *diag) {
    memset(log, 0, sizeof *log);
    memset(diag, 0, sizeof *diag);
    log->dest = DEST_STDERR;
    log->format = FORMAT_TEXT;
    log->level = LEVEL_WARN;
    log->syslog_facility = LOG_USER;
    diag->checks = CHECKS_ALL;
    diag->stacks = 1;
    diag->summary = 1;
    diag->stack_depth = 16;
    diag->close_wait_ms = 5000;
    diag->scan_ms = 1000;
    diag->report_ms = 60000;
    diag->fd_warn = 80;
    diag->fd_warn_percent = 1;
}

static int parse_dest(const char *text, struct log_settings *s,
                      struct diag_settings *d) {
    (void)d;
    static const char file_prefix[] = "file:", syslog_prefix[] = "syslog:";
    const size_t prefix_len = sizeof file_prefix - 1;
    const size_t syslog_len = sizeof syslog_prefix - 1;
    if (strcasecmp(text, "stderr") == 0) {
        s->dest = DEST_STDERR;
    } else if (strcasecmp(text, "syslog") == 0) {
        s->dest = DEST_SYSLOG;
        s->path[0] = '\0';
    } else if (strncasecmp(text, syslog_prefix, syslog_len) == 0 &&
               text[syslog_len] == '/' &&
               strlen(text + syslog_len) < SYSLOG_SOCKET_PATH_MAX) {
        s->dest = DEST_SYSLOG;
        strcpy(s->path, text + syslog_len);
    } else if (strncasecmp(text, file_prefix, prefix_len) == 0 &&
               text[prefix_len] != '\0' &&
               strlen(text + prefix_len) < sizeof s->path) {
        s->dest = DEST_FILE;
        strcpy(s->path, text + prefix_len);
    } else {
        return -1;
    }
    return 0;
}

/* An ident as a syslog TAG may hold it: 1 to 32 printable characters,
 * no space, '[' or ':' (they end the TAG for the daemon's parser). */
static int parse_syslog_ident(const char *text, struct log_settings *s,
                              struct diag_settings *d) {
    (void)d;
    size_t len = strlen(text);
    if (len == 0 || len > SYSLOG_IDENT_MAX ||
        text[strcspn(text, " [:")] != '\0')
        return -1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] <= ' ' || (unsigned char)text[i] >= 0x7f)
            return -1;
    memcpy(s->syslog_ident, text, len + 1);
    return 0;
}

static const struct {
    const char *name;
    int facility;
} facilities[] = {
    {"user", LOG_USER},         {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},
    {"authpriv", LOG_AUTHPRIV}, {"mail", LOG_MAIL},     {"cron", LOG_CRON},
    {"syslog", LOG_SYSLOG},     {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2},     {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5},     {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

static int parse_syslog_facility(const char *text, struct log_settings *s,
                                 struct diag_settings *d) {
    (void)d;
    for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++) {
        if (strcasecmp(text, facilities[i].name) == 0) {
            s->syslog_facility = facilities[i].facility;
            return 0;
        }
    }
    return -1;
}

static int parse_color(const char *text, struct log_settings *s,
                       struct diag_settings *d) {
    (void)d;
    static const char *const words[] = {"auto", "always", "never"};
    for (int c = COLOR_AUTO; c <= COLOR_NEVER; c++) {
        if (strcasecmp(text, words[c]) == 0) {
            s->color = (enum log_color)c;
            return 0;
        }
    }
    return -1;
}

static int parse_format(const char *text, struct log_settings *s,
                        struct diag_settings *d) {
    (void)d;
    if (strcasecmp(text, "text") == 0)
        s->format = FORMAT_TEXT;
    else if (strcasecmp(text, "json") == 0)
        s->format = FORMAT_JSON;
    else
        return -1;
    return 0;
}

static int parse_level(const char *text, struct log_settings *s,
                       struct diag_settings *d) {
    (void)d;
    for (int l = LEVEL_ERROR; l <= LEVEL_DEBUG; l++) {
        if (strcasecmp(text, log_level_name((enum log_level)l)) == 0) {
            s->level = (enum log_level)l;
            return 0;
        }
    }
    return -1;
}

int settings_parse_checks(const char *text, uint32_t *mask) {
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

static int parse_checks(const char *text, struct log_settings *s,
                        struct diag_settings *d) {
    (void)s;
    return settings_parse_checks(text, &d->checks);
}

static int parse_stacks(const char *text, struct log_settings *s,
                        struct diag_settings *d) {
    (void)s;
    return parse_bool(text, &d->stacks);
}

static int parse_summary(const char *text, struct log_settings *s,
                         struct diag_settings *d) {
    (void)s;
    return parse_bool(text, &d->summary);
}

static int parse_stack_depth(const char *text, struct log_settings *s,
                             struct diag_settings *d) {
    (void)s;
    long depth;
    if (parse_int_range(text, 1, STACK_DEPTH_LIMIT, &depth) != 0)
        return -1;
    d->stack_depth = (int)depth;
    return 0;
}

static int parse_close_wait(const char *text, struct log_settings *s,
                            struct diag_settings *d) {
    (void)s;
    unsigned ms;
    if (parse_duration_ms(text, DIAG_DURATION_MAX_MS, &ms) != 0)
        return -1;
    d->close_wait_ms = ms;
    return 0;
}

/* A period of the scan thread's: 0 (none), or at least
 * SCAN_PERIOD_MIN_MS. 0 and *MS set, or -1. */
static int parse_period(const char *text, unsigned *ms) {
    unsigned value;
    if (parse_duration_ms(text, DIAG_DURATION_MAX_MS, &value) != 0 ||
        (value != 0 && value < SCAN_PERIOD_MIN_MS))
        return -1;
    *ms = value;
    return 0;
}

static int parse_scan(const char *text, struct log_settings *s,
                      struct diag_settings *d) {
    (void)s;
    return parse_period(text, &d->scan_ms);
}

static int parse_report(const char *text, struct log_settings *s,
                        struct diag_settings *d) {
    (void)s;
    return parse_period(text, &d->report_ms);
}

/* The most descriptors a process can have open: the kernel's ceiling for
 * nr_open. */
#define FD_COUNT_MAX (1L << 30)

static int parse_fd_warn(const char *text, struct log_settings *s,
                         struct diag_settings *d) {
    (void)s;
    size_t len = strlen(text);
    int percent = len > 1 && text[len - 1] == '%';
    char number[16];
    if (len - percent >= sizeof number)
        return -1;
    memcpy(number, text, len - percent);
    number[len - percent] = '\0';
    long value;
    if (parse_int_range(number, 0, percent ? 100 : FD_COUNT_MAX, &value) != 0)
        return -1;
    d->fd_warn = (unsigned)value;
    d->fd_warn_percent = (uint8_t)percent;
    return 0;
}

static int parse_suppress(const char *text, struct log_settings *s,
                          struct diag_settings *d) {
    (void)s;
    size_t len = strlen(text);
    if (len >= sizeof d->suppress_path)
        return -1;
    memcpy(d->suppress_path, text, len + 1);
    return 0;
}

const struct setting_desc setting_descs[] = {
    {SETTING_LOG, "SOCKSHIM_LOG", "log",
     "stderr, syslog, syslog:/SOCKET/PATH, or file:PATH (%p = pid, %n = "
     "program)",
     parse_dest},
    {SETTING_LOG, "SOCKSHIM_COLOR", "color",
     "auto (on a terminal, unless NO_COLOR is set), always or never",
     parse_color},
    {SETTING_LOG, "SOCKSHIM_SYSLOG_IDENT", "syslog_ident",
     "1 to 32 printable characters without space, '[' or ':'",
     parse_syslog_ident},
    {SETTING_LOG, "SOCKSHIM_SYSLOG_FACILITY", "syslog_facility",
     "user, daemon, auth, authpriv, mail, cron, syslog, local0 ... local7",
     parse_syslog_facility},
    {SETTING_LOG, "SOCKSHIM_LOG_FORMAT", "log_format", "text or json",
     parse_format},
    {SETTING_LOG, "SOCKSHIM_LOG_LEVEL", "log_level",
     "error, warn, info or debug", parse_level},
    {SETTING_DIAG, "SOCKSHIM_CHECKS", "checks",
     "all, none, or a comma list of event kinds (-kind removes one)",
     parse_checks},
    {SETTING_DIAG, "SOCKSHIM_STACKS", "stacks", "on or off", parse_stacks},
    {SETTING_DIAG, "SOCKSHIM_STACK_DEPTH", "stack_depth", "1 to 64",
     parse_stack_depth},
    {SETTING_DIAG, "SOCKSHIM_CLOSE_WAIT", "close_wait",
     "a duration (5s, 500ms, 2m), at most 1440m (24 hours)", parse_close_wait},
    {SETTING_DIAG, "SOCKSHIM_SCAN", "scan",
     "0 (no scan) or a duration of at least 10ms (1s, 250ms), at most 1440m "
     "(24 hours)",
     parse_scan},
    {SETTING_DIAG, "SOCKSHIM_SUPPRESS", "suppress",
     "the path of a file of KIND:PATTERN lines (shorter than 1024 bytes)",
     parse_suppress},
    {SETTING_DIAG, "SOCKSHIM_SUMMARY", "summary", "on or off", parse_summary},
    {SETTING_DIAG, "SOCKSHIM_REPORT", "report",
     "0 (no report) or a duration of at least 10ms (1m, 30s), at most 1440m "
     "(24 hours)",
     parse_report},
    {SETTING_DIAG, "SOCKSHIM_FD_WARN", "fd_warn",
     "0 (off), a percent of the soft descriptor limit (80%), or a number of "
     "descriptors",
     parse_fd_warn},
};
const size_t setting_desc_count =
    sizeof setting_descs / sizeof setting_descs[0];

const struct setting_desc *setting_by_key(const char *key) {
    for (size_t i = 0; i < setting_desc_count; i++)
        if (strcmp(key, setting_descs[i].key) == 0)
            return &setting_descs[i];
    return NULL;
}
