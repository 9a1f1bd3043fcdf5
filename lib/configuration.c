/*
 * configuration.c — the environment layer of the configuration.
 *
 * No malloc: values are parsed in place into the static `config`.
 */
#include "config.h"

#include "configuration.h"

#include <string.h>

struct config config;

/* Variables that belong to later features or to the launcher; known, so
 * not reported as typos. */
static const char *const other_variables[] = {
    "SOCKSHIM_CONFIG",     "SOCKSHIM_RULES",      "SOCKSHIM_CHECKS",
    "SOCKSHIM_STACKS",     "SOCKSHIM_STACK_DEPTH", "SOCKSHIM_CLOSE_WAIT",
    "SOCKSHIM_SCAN",       "SOCKSHIM_SUPPRESS",   "SOCKSHIM_SUMMARY",
    "SOCKSHIM_LIBRARY",
};

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = MODE_ENFORCE;
    cfg->global.linger_secs = -1;
    cfg->log.dest = DEST_STDERR;
    cfg->log.format = FORMAT_TEXT;
    cfg->log.level = LEVEL_WARN;
}

/* NULL for unset; reports and returns NULL for a set but empty value. */
static const char *get_value(config_getenv_fn get, config_report_fn report,
                             const char *name, const char *accepted)
{
    const char *value = get(name);
    if (value != NULL && value[0] == '\0') {
        report(name, value, "empty value", accepted);
        return NULL;
    }
    return value;
}

void config_read_log_env(struct config *cfg, config_getenv_fn get,
                         config_report_fn report)
{
    static const struct {
        const char *name, *accepted;
        int (*parse)(const char *, struct log_settings *);
    } vars[] = {
        {"SOCKSHIM_LOG", "stderr, syslog, or file:PATH (%p = pid, %n = program)",
         log_parse_dest},
        {"SOCKSHIM_LOG_FORMAT", "text or json", log_parse_format},
        {"SOCKSHIM_LOG_LEVEL", "error, warn, info or debug", log_parse_level},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *value = get_value(get, report, vars[i].name,
                                      vars[i].accepted);
        if (value != NULL && vars[i].parse(value, &cfg->log) != 0)
            report(vars[i].name, value, "not a valid value",
                   vars[i].accepted);
    }
}

void config_read_policy_env(struct config *cfg, config_getenv_fn get,
                            config_report_fn report)
{
    static const char mode_words[] = "enforce, force, audit or off";
    const char *mode = get_value(get, report, "SOCKSHIM_MODE", mode_words);
    if (mode != NULL && parse_mode(mode, &cfg->mode) != 0)
        report("SOCKSHIM_MODE", mode, "not a valid value", mode_words);

    for (int opt = 0; opt < OPT_COUNT; opt++) {
        const struct option_desc *d = &option_descs[opt];
        const char *value = get_value(get, report, d->env, d->accepted);
        if (value != NULL && d->parse(value, &cfg->global) != 0)
            report(d->env, value, "not a valid value", d->accepted);
    }
}

static int is_known_variable(const char *name, size_t len)
{
    static const char *const log_vars[] = {
        "SOCKSHIM_LOG", "SOCKSHIM_LOG_FORMAT", "SOCKSHIM_LOG_LEVEL",
        "SOCKSHIM_MODE"};
    for (int opt = 0; opt < OPT_COUNT; opt++)
        if (strlen(option_descs[opt].env) == len &&
            memcmp(option_descs[opt].env, name, len) == 0)
            return 1;
    for (size_t i = 0; i < sizeof log_vars / sizeof log_vars[0]; i++)
        if (strlen(log_vars[i]) == len && memcmp(log_vars[i], name, len) == 0)
            return 1;
    for (size_t i = 0; i < sizeof other_variables / sizeof other_variables[0];
         i++)
        if (strlen(other_variables[i]) == len &&
            memcmp(other_variables[i], name, len) == 0)
            return 1;
    return 0;
}

void config_check_unknown_env(char *const *envp, config_report_fn report)
{
    for (; envp != NULL && *envp != NULL; envp++) {
        const char *entry = *envp;
        if (strncmp(entry, "SOCKSHIM_", 9) != 0)
            continue;
        const char *eq = strchr(entry, '=');
        size_t len = eq ? (size_t)(eq - entry) : strlen(entry);
        if (is_known_variable(entry, len))
            continue;
        char name[64];
        size_t n = len < sizeof name - 1 ? len : sizeof name - 1;
        memcpy(name, entry, n);
        name[n] = '\0';
        report(name, NULL, "unknown variable",
               "the SOCKSHIM_* variables listed in sockshim(7)");
    }
}
