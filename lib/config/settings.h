/*
 * settings.h — the log and diagnostic settings: for each, its variable,
 * its key in the config file, what it accepts, and its parser.
 *
 * The policy options have their own table (config/options.h); both are
 * read by config/configuration.c, from the environment and the file.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_SETTINGS_H
#define SOCKSHIM_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "output/log.h"

#define SUPPRESS_PATH_MAX 1024

/* The diagnostic settings (SOCKSHIM_CHECKS, _STACKS, ...). */
struct diag_settings {
    uint32_t checks;        /* bit (1 << kind) for each event kind shown */
    uint8_t stacks;         /* capture stacks */
    uint8_t summary;        /* one summary event at exit */
    int stack_depth;        /* frames kept, 1..STACK_DEPTH_LIMIT */
    unsigned close_wait_ms; /* how long after the peer's FIN is a leak */
    unsigned scan_ms;       /* background scan period; 0 = none */
    unsigned report_ms;     /* open_sockets report period; 0 = none */
    /* fd_pressure at this many open descriptors, or this percent of the
     * soft RLIMIT_NOFILE when fd_warn_percent; 0 = off. */
    unsigned fd_warn;
    uint8_t fd_warn_percent;
    char suppress_path[SUPPRESS_PATH_MAX]; /* KIND:PATTERN lines, or "" */
};

/* The most frames a stack keeps (SOCKSHIM_STACK_DEPTH). */
#define STACK_DEPTH_LIMIT 64

enum setting_group { SETTING_LOG, SETTING_DIAG };

struct setting_desc {
    enum setting_group group;
    const char *env;      /* "SOCKSHIM_LOG_LEVEL" */
    const char *key;      /* "log_level" */
    const char *accepted; /* for the error line */
    /* Parse TEXT into LOG or DIAG: 0, or -1 with both untouched. */
    int (*parse)(const char *text, struct log_settings *log,
                 struct diag_settings *diag);
};

extern const struct setting_desc setting_descs[];
extern const size_t setting_desc_count;

/* The setting whose file key is KEY, or NULL. */
const struct setting_desc *setting_by_key(const char *key);

/* The defaults: warnings and errors of every check to stderr, as text;
 * stacks of 16 frames; CLOSE_WAIT after 5 s, scanned every second; a
 * report of open sockets every minute; fd_pressure at 80% of the limit. */
void settings_defaults(struct log_settings *log, struct diag_settings *diag);

/* SOCKSHIM_CHECKS: "all", "none", or a comma list of kinds, where "-kind"
 * removes one (a list starting with a removal starts from all). 0 and
 * *MASK set, or -1 (*MASK untouched). */
int settings_parse_checks(const char *text, uint32_t *mask);

#endif
