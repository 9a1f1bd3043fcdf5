/*
 * configuration.h — sockshim's configuration, read once and then read-only.
 *
 * Layers, later wins: the config file (SOCKSHIM_CONFIG), the environment
 * (SOCKSHIM_<OPTION>, SOCKSHIM_RULES), launcher flags (which the launcher
 * turns into environment variables). Every value is validated; a bad one
 * is reported through the caller's report function and ignored (a bad rule
 * is skipped whole).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_CONFIGURATION_H
#define SOCKSHIM_CONFIGURATION_H

#include "config/options.h"
#include "config/rules.h"
#include "config/settings.h"
#include "output/event.h"
#include "output/log.h"

/* One SOCKSHIM_SUPPRESS line: events of KIND (EV_COUNT: any kind) with a
 * frame whose function or module matches the glob PATTERN. */
#define SUPPRESSIONS_MAX 64
#define SUPPRESS_PATTERN_MAX 128
struct suppression {
    enum event_kind kind;
    char pattern[SUPPRESS_PATTERN_MAX];
};

struct config {
    enum policy_mode mode;
    struct policy global; /* the global rule: every TCP socket */
    struct log_settings log;
    struct diag_settings diag;
    int suppression_count;
    struct suppression suppressions[SUPPRESSIONS_MAX];
    int rule_count;
    int rules_need_address; /* some rule has port= or addr= */
    /* Rules past RULES_MAX, reported once at the end of the load, naming
     * where the first of them was. */
    int rules_dropped;
    char first_dropped_at[RULE_WHERE_MAX];
    char first_dropped[96];       /* its start */
    struct rule rules[RULES_MAX]; /* last: left untouched when unused */
};

/* Where configuration errors go: WHERE had VALUE, wrong because PROBLEM;
 * ACCEPTED says what would do. */
typedef void (*config_report_fn)(const char *where, const char *value,
                                 const char *problem, const char *accepted);

/* Reads one variable (getenv, or a test's table); NULL when unset. */
typedef const char *(*config_getenv_fn)(const char *name);

/* The configuration in force (valid once the library is initialised). */
extern struct config config;

/* Fill CFG with the defaults: enforce mode, no policy, warnings to stderr
 * as text. */
void config_defaults(struct config *cfg);

/* Read SOCKSHIM_LOG, _LOG_FORMAT, _LOG_LEVEL into CFG->log. */
void config_read_log_env(struct config *cfg, config_getenv_fn get,
                         config_report_fn report);

/* Read SOCKSHIM_CHECKS, _STACKS, _STACK_DEPTH, _CLOSE_WAIT, _SCAN,
 * _SUPPRESS and _SUMMARY into CFG->diag. */
void config_read_diag_env(struct config *cfg, config_getenv_fn get,
                          config_report_fn report);

/* Read SOCKSHIM_MODE and every policy option variable into CFG. */
void config_read_policy_env(struct config *cfg, config_getenv_fn get,
                            config_report_fn report);

/* Read the config file at PATH (global "key = value" lines and rule lines)
 * into CFG. No malloc: the file is read into a static buffer (64 KiB); of a
 * longer file, reported, the whole lines within the limit are read. */
void config_read_file(struct config *cfg, const char *path,
                      config_report_fn report);

/* Read the suppressions file CFG->diag.suppress_path (KIND:PATTERN lines,
 * # comments) into CFG. */
void config_read_suppressions(struct config *cfg, config_report_fn report);

/* Read the rules of TEXT, separated by ";" (SOCKSHIM_RULES), into CFG. */
void config_read_rules(struct config *cfg, const char *text,
                       config_report_fn report);

/* The whole configuration: defaults, then the file named by
 * SOCKSHIM_CONFIG, then the environment (options, mode, log), then
 * SOCKSHIM_RULES, all read through GET. */
void config_load(struct config *cfg, config_getenv_fn get,
                 config_report_fn report);

/* Report every SOCKSHIM_* variable of ENVP that sockshim does not know
 * (a typo would otherwise silently do nothing). */
void config_check_unknown_env(char *const *envp, config_report_fn report);

#endif
