/*
 * configuration.c — the environment layer of the configuration.
 *
 * No malloc: values are parsed in place into the static `config`.
 */
#define _GNU_SOURCE
#include "config.h"

#include "configuration.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "outbuf.h"
#include "real.h"

struct config config;

/* Variables that belong to later features or to the launcher; known, so
 * not reported as typos. */
static const char *const other_variables[] = {
    "SOCKSHIM_CONFIG",     "SOCKSHIM_RULES",      "SOCKSHIM_CHECKS",
    "SOCKSHIM_STACKS",     "SOCKSHIM_STACK_DEPTH", "SOCKSHIM_CLOSE_WAIT",
    "SOCKSHIM_SCAN",       "SOCKSHIM_SUPPRESS",   "SOCKSHIM_SUMMARY",
    "SOCKSHIM_LIBRARY",
};

/* Keys of the config file that belong to later features: accepted (so a
 * file written for them is not an error) but not acted on yet. */
static const char *const later_keys[] = {
    "checks", "stacks", "stack_depth", "close_wait", "scan", "suppress",
    "summary",
};

void config_defaults(struct config *cfg)
{
    /* The rule table is not cleared: only rule_count says what is valid,
     * and its pages stay untouched (no memory) when there are no rules. */
    memset(cfg, 0, offsetof(struct config, rules));
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

/* The log settings: variable, file key, accepted values, parser. */
static const struct {
    const char *env, *key, *accepted;
    int (*parse)(const char *, struct log_settings *);
} log_settings_table[] = {
    {"SOCKSHIM_LOG", "log",
     "stderr, syslog, or file:PATH (%p = pid, %n = program)", log_parse_dest},
    {"SOCKSHIM_LOG_FORMAT", "log_format", "text or json", log_parse_format},
    {"SOCKSHIM_LOG_LEVEL", "log_level", "error, warn, info or debug",
     log_parse_level},
};
#define LOG_SETTINGS_COUNT                                                    \
    (sizeof log_settings_table / sizeof log_settings_table[0])

void config_read_log_env(struct config *cfg, config_getenv_fn get,
                         config_report_fn report)
{
    for (size_t i = 0; i < LOG_SETTINGS_COUNT; i++) {
        const char *name = log_settings_table[i].env;
        const char *accepted = log_settings_table[i].accepted;
        const char *value = get_value(get, report, name, accepted);
        if (value != NULL && log_settings_table[i].parse(value, &cfg->log) != 0)
            report(name, value, "not a valid value", accepted);
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

/* True when NAME (LEN bytes, not terminated) is exactly WORD. */
static int same_name(const char *word, const char *name, size_t len)
{
    return strlen(word) == len && memcmp(word, name, len) == 0;
}

static int is_known_variable(const char *name, size_t len)
{
    if (same_name("SOCKSHIM_MODE", name, len))
        return 1;
    for (int opt = 0; opt < OPT_COUNT; opt++)
        if (same_name(option_descs[opt].env, name, len))
            return 1;
    for (size_t i = 0; i < LOG_SETTINGS_COUNT; i++)
        if (same_name(log_settings_table[i].env, name, len))
            return 1;
    for (size_t i = 0; i < sizeof other_variables / sizeof other_variables[0];
         i++)
        if (same_name(other_variables[i], name, len))
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

/* Add the rule LINE found at WHERE. */
static void add_rule(struct config *cfg, const char *line, const char *where,
                     config_report_fn report)
{
    if (cfg->rule_count == RULES_MAX) {
        report(where, line, "too many rules", "at most 64 rules in all");
        return;
    }
    struct rule *r = &cfg->rules[cfg->rule_count];
    if (rule_parse(line, where, r, report) != 0)
        return;
    cfg->rule_count++;
    if (rule_needs_address(r))
        cfg->rules_need_address = 1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One "key = value" line of the file. */
static void file_setting(struct config *cfg, char *line, const char *where,
                         config_report_fn report)
{
    static const char keys_accepted[] =
        "mode, log, log_format, log_level, a policy option (keepalive, "
        "nodelay, ...), or a rule line starting with listen, accept, "
        "connect or any";
    char *eq = strchr(line, '=');
    if (eq == NULL) {
        report(where, line, "neither a KEY = VALUE setting nor a rule",
               keys_accepted);
        return;
    }
    *eq = '\0';
    char *key = trim(line), *value = trim(eq + 1);
    if (strpbrk(key, " \t") != NULL) { /* "lisen port=80 ...": a rule? */
        key[strcspn(key, " \t")] = '\0';
        report(where, key, "not a role, so the line is not a rule",
               "a rule starts with listen, accept, connect or any");
        return;
    }
    if (*value == '\0') {
        report(where, key, "empty value", keys_accepted);
        return;
    }
    for (size_t i = 0; i < LOG_SETTINGS_COUNT; i++) {
        if (strcmp(key, log_settings_table[i].key) == 0) {
            if (log_settings_table[i].parse(value, &cfg->log) != 0)
                report(where, value, "not a valid value",
                       log_settings_table[i].accepted);
            return;
        }
    }
    if (strcmp(key, "mode") == 0) {
        if (parse_mode(value, &cfg->mode) != 0)
            report(where, value, "not a valid mode",
                   "enforce, force, audit or off");
        return;
    }
    enum policy_option opt = option_by_key(key);
    if (opt != OPT_COUNT) {
        if (option_descs[opt].parse(value, &cfg->global) != 0)
            report(where, value, "not a valid value",
                   option_descs[opt].accepted);
        return;
    }
    for (size_t i = 0; i < sizeof later_keys / sizeof later_keys[0]; i++)
        if (strcmp(key, later_keys[i]) == 0)
            return;
    report(where, key, "unknown key", keys_accepted);
}

/* WHERE as "PATH:LINE". */
static void file_where(char *where, size_t size, const char *path, int line)
{
    struct outbuf ob;
    ob_init(&ob, where, size);
    ob_str(&ob, path);
    ob_char(&ob, ':');
    ob_uint(&ob, (unsigned)line);
}

void config_read_file(struct config *cfg, const char *path,
                      config_report_fn report)
{
    static char text[64 * 1024 + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        report("SOCKSHIM_CONFIG", path, strerrordesc_np(errno),
               "a readable config file");
        return;
    }
    size_t len = 0;
    ssize_t n;
    while (len < sizeof text - 1 &&
           (n = read(fd, text + len, sizeof text - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) { /* a directory, say: nothing of it is read */
            report("SOCKSHIM_CONFIG", path, strerrordesc_np(errno),
                   "a readable config file");
            real_close(fd);
            return;
        }
        len += (size_t)n;
    }
    char extra;
    int too_long = len == sizeof text - 1 && read(fd, &extra, 1) == 1;
    real_close(fd);
    text[len] = '\0';
    if (too_long)
        report("SOCKSHIM_CONFIG", path, "larger than 64 KiB",
               "a smaller file; only its first 64 KiB are read");

    int line_no = 0;
    for (char *line = text; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line_no++;
        /* A comment starts with # at the start of a line or after a blank
         * (values such as file:/a#b keep their #). */
        for (char *hash = strchr(line, '#'); hash != NULL;
             hash = strchr(hash + 1, '#')) {
            if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
                *hash = '\0';
                break;
            }
        }
        char *content = trim(line);
        if (*content != '\0') {
            char where[RULE_WHERE_MAX];
            file_where(where, sizeof where, path, line_no);
            if (rule_line_is_rule(content))
                add_rule(cfg, content, where, report);
            else
                file_setting(cfg, content, where, report);
        }
        line = next;
    }
}

void config_read_rules(struct config *cfg, const char *text,
                       config_report_fn report)
{
    int index = 0;
    while (*text != '\0') {
        const char *semicolon = strchr(text, ';');
        size_t len = semicolon ? (size_t)(semicolon - text) : strlen(text);
        char rule[1024];
        if (len >= sizeof rule)
            len = sizeof rule - 1;
        memcpy(rule, text, len);
        rule[len] = '\0';
        char *content = trim(rule);
        if (*content != '\0') {
            char where[RULE_WHERE_MAX];
            struct outbuf ob;
            ob_init(&ob, where, sizeof where);
            ob_str(&ob, "SOCKSHIM_RULES #");
            ob_uint(&ob, (unsigned)++index);
            add_rule(cfg, content, where, report);
        }
        text = semicolon ? semicolon + 1 : text + len;
    }
}

void config_load(struct config *cfg, config_getenv_fn get,
                 config_report_fn report)
{
    config_defaults(cfg);
    const char *path = get("SOCKSHIM_CONFIG");
    if (path != NULL && *path != '\0')
        config_read_file(cfg, path, report);
    config_read_log_env(cfg, get, report);
    config_read_policy_env(cfg, get, report);
    const char *rules = get("SOCKSHIM_RULES");
    if (rules != NULL)
        config_read_rules(cfg, rules, report);
}
