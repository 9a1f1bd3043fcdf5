/*
 * configuration.c — the environment layer of the configuration.
 *
 * No malloc: values are parsed in place into the static `config`.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "config/configuration.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/real.h"
#include "config/settings.h"
#include "output/event.h"
#include "output/outbuf.h"

struct config config;

/* Variables read elsewhere (here, or by the launcher); known, so not
 * reported as typos. */
static const char *const other_variables[] = {
    "SOCKSHIM_CONFIG",
    "SOCKSHIM_RULES",
    "SOCKSHIM_LIBRARY",
};

void config_defaults(struct config *cfg) {
    /* The rule table is not cleared: only rule_count says what is valid,
     * and its pages stay untouched (no memory) when there are no rules. */
    memset(cfg, 0, offsetof(struct config, rules));
    cfg->mode = MODE_ENFORCE;
    cfg->global.linger_secs = -1;
    settings_defaults(&cfg->log, &cfg->diag);
}

/* NULL for unset; reports and returns NULL for a set but empty value. */
static const char *get_value(config_getenv_fn get, config_report_fn report,
                             const char *name, const char *accepted) {
    const char *value = get(name);
    if (value != NULL && value[0] == '\0') {
        report(name, value, "empty value", accepted);
        return NULL;
    }
    return value;
}

/* Read the settings of GROUP from the environment. */
static void read_settings_env(struct config *cfg, enum setting_group group,
                              config_getenv_fn get, config_report_fn report) {
    for (size_t i = 0; i < setting_desc_count; i++) {
        const struct setting_desc *d = &setting_descs[i];
        if (d->group != group)
            continue;
        const char *value = get_value(get, report, d->env, d->accepted);
        if (value != NULL && d->parse(value, &cfg->log, &cfg->diag) != 0)
            report(d->env, value, "not a valid value", d->accepted);
    }
}

void config_read_diag_env(struct config *cfg, config_getenv_fn get,
                          config_report_fn report) {
    read_settings_env(cfg, SETTING_DIAG, get, report);
}

void config_read_log_env(struct config *cfg, config_getenv_fn get,
                         config_report_fn report) {
    read_settings_env(cfg, SETTING_LOG, get, report);
}

/* What SOCKSHIM_MODE and the file's mode key accept. */
static const char mode_accepted[] = "enforce, force, audit or off";

void config_read_policy_env(struct config *cfg, config_getenv_fn get,
                            config_report_fn report) {
    const char *mode = get_value(get, report, "SOCKSHIM_MODE", mode_accepted);
    if (mode != NULL && parse_mode(mode, &cfg->mode) != 0)
        report("SOCKSHIM_MODE", mode, "not a valid value", mode_accepted);

    for (int opt = 0; opt < OPT_COUNT; opt++) {
        const struct option_desc *d = &option_descs[opt];
        const char *value = get_value(get, report, d->env, d->accepted);
        if (value != NULL && d->parse(value, &cfg->global) != 0)
            report(d->env, value, "not a valid value", d->accepted);
    }
}

/* True when NAME (LEN bytes, not terminated) is exactly WORD. */
static int same_name(const char *word, const char *name, size_t len) {
    return strlen(word) == len && memcmp(word, name, len) == 0;
}

static int is_known_variable(const char *name, size_t len) {
    if (same_name("SOCKSHIM_MODE", name, len))
        return 1;
    for (int opt = 0; opt < OPT_COUNT; opt++)
        if (same_name(option_descs[opt].env, name, len))
            return 1;
    for (size_t i = 0; i < setting_desc_count; i++)
        if (same_name(setting_descs[i].env, name, len))
            return 1;
    for (size_t i = 0; i < sizeof other_variables / sizeof other_variables[0];
         i++)
        if (same_name(other_variables[i], name, len))
            return 1;
    return 0;
}

void config_check_unknown_env(char *const *envp, config_report_fn report) {
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
                     config_report_fn report) {
    if (cfg->rule_count == RULES_MAX) {
        if (cfg->rules_dropped++ == 0) {
            strcpy(cfg->first_dropped_at, where);
            snprintf(cfg->first_dropped, sizeof cfg->first_dropped, "%s", line);
        }
        return;
    }
    struct rule *r = &cfg->rules[cfg->rule_count];
    if (rule_parse(line, where, r, report) != 0)
        return;
    cfg->rule_count++;
    if (rule_needs_address(r))
        cfg->rules_need_address = 1;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* What the file's KEY accepts; NULL when KEY is not a key. */
static const char *key_accepted(const char *key) {
    const struct setting_desc *setting = setting_by_key(key);
    if (setting != NULL)
        return setting->accepted;
    if (strcmp(key, "mode") == 0)
        return mode_accepted;
    enum policy_option opt = option_by_key(key);
    return opt != OPT_COUNT ? option_descs[opt].accepted : NULL;
}

/* One "key = value" line of the file. */
static void file_setting(struct config *cfg, char *line, const char *where,
                         config_report_fn report) {
    static const char keys_accepted[] =
        "mode, log, log_format, log_level, a diagnostic setting (checks, "
        "stacks, stack_depth, close_wait, scan, suppress, summary), a "
        "policy option (keepalive, nodelay, ...), or a rule line starting "
        "with listen, accept, connect or any";
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
        /* The value is what is missing: say what this key takes. Only an
         * unknown key gets the list of keys. */
        const char *accepted = key_accepted(key);
        report(where, key, "empty value",
               accepted != NULL ? accepted : keys_accepted);
        return;
    }
    const struct setting_desc *setting = setting_by_key(key);
    if (setting != NULL) {
        if (setting->parse(value, &cfg->log, &cfg->diag) != 0)
            report(where, value, "not a valid value", setting->accepted);
        return;
    }
    if (strcmp(key, "mode") == 0) {
        if (parse_mode(value, &cfg->mode) != 0)
            report(where, value, "not a valid mode", mode_accepted);
        return;
    }
    enum policy_option opt = option_by_key(key);
    if (opt != OPT_COUNT) {
        if (option_descs[opt].parse(value, &cfg->global) != 0)
            report(where, value, "not a valid value",
                   option_descs[opt].accepted);
        return;
    }
    report(where, key, "unknown key", keys_accepted);
}

/* WHERE as "PATH:LINE". */
static void file_where(char *where, size_t size, const char *path, int line) {
    struct outbuf ob;
    ob_init(&ob, where, size);
    ob_str(&ob, path);
    ob_char(&ob, ':');
    ob_uint(&ob, (unsigned)line);
}

/* Report the file at PATH (variable VAR) as longer than LIMIT bytes, a
 * multiple of 1 KiB, saying what of it is read. */
static void report_too_large(const char *var, const char *path, size_t limit,
                             config_report_fn report) {
    char accepted[160];
    struct outbuf ob;
    ob_init(&ob, accepted, sizeof accepted);
    ob_str(&ob, "at most ");
    ob_uint(&ob, limit / 1024);
    ob_str(&ob, " KiB; its whole lines up to the limit are read, the line "
                "the limit cuts is not");
    report(var, path, "too large", ob.buf);
}

/* Read the file at PATH (named by variable VAR) into TEXT[SIZE], NUL
 * terminated, its length in *LEN (a NUL byte inside is the file's, not
 * its end); returns 0, or -1 after reporting why nothing was read. A file
 * longer than SIZE - 1 bytes is reported and read up to its last whole
 * line within that limit. */
static int read_text_file(const char *path, const char *var, char *text,
                          size_t size, size_t *len_out,
                          config_report_fn report) {
    /* Non-blocking and regular files only: a FIFO would hang the program
     * at start-up, and /dev/stdin would eat its input (the configuration
     * is read twice, at start-up and again once the log is open). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        report(var, path, strerrordesc_np(errno), "a readable file");
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        report(var, path, "not a regular file", "a regular file");
        real_close(fd);
        return -1;
    }
    size_t len = 0;
    ssize_t n;
    while (len < size - 1 &&
           (n = real_read(fd, text + len, size - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) { /* a directory, say: nothing of it is read */
            report(var, path, strerrordesc_np(errno), "a readable file");
            real_close(fd);
            return -1;
        }
        len += (size_t)n;
    }
    char extra;
    int too_long = len == size - 1 && real_read(fd, &extra, 1) == 1;
    real_close(fd);
    /* The limit may cut a line: applied, "backlog = 4096" would become
     * "backlog = 40" without a word. Drop the cut part, unless the byte
     * past the limit ends the line and nothing of it is missing. */
    if (too_long && extra != '\n')
        while (len > 0 && text[len - 1] != '\n')
            len--;
    text[len] = '\0';
    if (too_long)
        report_too_large(var, path, size - 1, report);
    *len_out = len;
    return 0;
}

/* Cut the next line of the text [*CURSOR, END): returns it without its
 * comment (# at the start of a line or after a blank; values such as
 * file:/a#b keep their #), trimmed, and advances *CURSOR; NULL at the
 * end. *NUL says whether the line held a NUL byte (read by length, so
 * that one does not hide the lines after it). */
static char *next_line(char **cursor, const char *end, int *nul) {
    char *line = *cursor;
    if (line >= end)
        return NULL;
    char *next = memchr(line, '\n', (size_t)(end - line));
    char *stop = next != NULL ? next : (char *)end;
    *nul = memchr(line, '\0', (size_t)(stop - line)) != NULL;
    *stop = '\0';
    *cursor = next != NULL ? next + 1 : (char *)end;
    for (char *hash = strchr(line, '#'); hash != NULL;
         hash = strchr(hash + 1, '#')) {
        if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
            *hash = '\0';
            break;
        }
    }
    return trim(line);
}

/* What to do with one non-empty line CONTENT of a file, found at WHERE
 * (FILE:LINE). */
typedef void (*line_fn)(struct config *cfg, char *content, const char *where,
                        config_report_fn report);

/* Read the file at PATH (variable VAR) into TEXT[SIZE] and hand each
 * non-empty line to FN. A line holding a NUL byte is reported and
 * skipped; the lines after it are read on. */
static void read_lines(struct config *cfg, const char *path, const char *var,
                       char *text, size_t size, line_fn fn,
                       config_report_fn report) {
    size_t len;
    if (read_text_file(path, var, text, size, &len, report) != 0)
        return;
    int line_no = 0, nul;
    char *cursor = text, *content;
    while ((content = next_line(&cursor, text + len, &nul)) != NULL) {
        line_no++;
        char where[RULE_WHERE_MAX];
        file_where(where, sizeof where, path, line_no);
        if (nul)
            report(where, NULL, "a NUL byte in the line",
                   "text lines; this one is skipped, the next ones read");
        else if (*content != '\0')
            fn(cfg, content, where, report);
    }
}

/* One line of the config file: a rule or a KEY = VALUE setting. */
static void config_line(struct config *cfg, char *content, const char *where,
                        config_report_fn report) {
    if (rule_line_is_rule(content))
        add_rule(cfg, content, where, report);
    else
        file_setting(cfg, content, where, report);
}

void config_read_file(struct config *cfg, const char *path,
                      config_report_fn report) {
    static char text[64 * 1024 + 1];
    read_lines(cfg, path, "SOCKSHIM_CONFIG", text, sizeof text, config_line,
               report);
}

/* One KIND:PATTERN line of the suppressions file, found at WHERE. */
static void add_suppression(struct config *cfg, char *line, const char *where,
                            config_report_fn report) {
    static const char accepted[] =
        "KIND:PATTERN, KIND an event kind or *, PATTERN a glob (* and ?) "
        "on a frame's function or module, shorter than 128 bytes";
    char *colon = strchr(line, ':');
    if (colon == NULL || colon == line || colon[1] == '\0') {
        report(where, line, "not a KIND:PATTERN line", accepted);
        return;
    }
    *colon = '\0';
    char *kind_text = trim(line), *pattern = trim(colon + 1);
    enum event_kind kind = EV_COUNT;
    if (strcmp(kind_text, "*") != 0) {
        kind = event_kind_by_name(kind_text, strlen(kind_text));
        if (kind == EV_COUNT || kind == EV_CONFIG_ERROR) {
            report(where, kind_text, "not an event kind", accepted);
            return;
        }
    }
    if (*pattern == '\0' || strlen(pattern) >= SUPPRESS_PATTERN_MAX) {
        report(where, pattern, "empty or too long pattern", accepted);
        return;
    }
    if (cfg->suppression_count == SUPPRESSIONS_MAX) {
        report(where, pattern, "too many suppressions", "at most 64 lines");
        return;
    }
    struct suppression *s = &cfg->suppressions[cfg->suppression_count++];
    s->kind = kind;
    strcpy(s->pattern, pattern);
}

void config_read_suppressions(struct config *cfg, config_report_fn report) {
    static char text[16 * 1024 + 1];
    const char *path = cfg->diag.suppress_path;
    cfg->suppression_count = 0;
    if (*path != '\0')
        read_lines(cfg, path, "SOCKSHIM_SUPPRESS", text, sizeof text,
                   add_suppression, report);
}

void config_read_rules(struct config *cfg, const char *text,
                       config_report_fn report) {
    int index = 0;
    while (*text != '\0') {
        const char *semicolon = strchr(text, ';');
        size_t len = semicolon ? (size_t)(semicolon - text) : strlen(text);
        char rule[1024];
        char where[RULE_WHERE_MAX];
        struct outbuf ob;
        ob_init(&ob, where, sizeof where);
        ob_str(&ob, "SOCKSHIM_RULES #");
        ob_uint(&ob, (unsigned)++index);
        if (len >= sizeof rule) {
            /* One warning for the whole rule, not one per piece of it. */
            char start[48];
            memcpy(start, text, sizeof start - 4);
            strcpy(start + sizeof start - 4, "...");
            report(where, start, "a rule longer than 1023 bytes",
                   "shorter rules, separated by ';'");
        } else {
            memcpy(rule, text, len);
            rule[len] = '\0';
            char *content = trim(rule);
            if (*content != '\0')
                add_rule(cfg, content, where, report);
            else
                index--;
        }
        text = semicolon ? semicolon + 1 : text + len;
    }
}

void config_load(struct config *cfg, config_getenv_fn get,
                 config_report_fn report) {
    config_defaults(cfg);
    cfg->rules_dropped = 0;
    const char *path =
        get_value(get, report, "SOCKSHIM_CONFIG", "the path of a config file");
    if (path != NULL)
        config_read_file(cfg, path, report);
    config_read_log_env(cfg, get, report);
    config_read_diag_env(cfg, get, report);
    config_read_policy_env(cfg, get, report);
    const char *rules =
        get_value(get, report, "SOCKSHIM_RULES", "rules separated by ';'");
    if (rules != NULL)
        config_read_rules(cfg, rules, report);
    if (cfg->rules_dropped > 0) {
        char problem[64];
        struct outbuf ob;
        ob_init(&ob, problem, sizeof problem);
        ob_str(&ob, "too many rules: ");
        ob_uint(&ob, (unsigned)cfg->rules_dropped);
        ob_str(&ob, " from here on ignored");
        report(cfg->first_dropped_at, cfg->first_dropped, ob.buf,
               "at most 64 rules in all");
    }
    config_read_suppressions(cfg, report);
}
