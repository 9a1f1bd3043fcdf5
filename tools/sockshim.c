/*
 * sockshim — run a command with libsockshim.so preloaded and a policy set.
 *
 *   sockshim [options] [--] COMMAND [ARGS]
 *
 * Every option becomes a SOCKSHIM_* environment variable (the launcher is
 * the configuration's last layer); LD_PRELOAD gets the library prepended,
 * never replaced. Values are checked with the library's own parsers
 * before anything runs, so a launch either has a valid policy or does not
 * happen; the library is checked too (its ELF header), so a launch never
 * runs the program without it. Every message starts "sockshim: error: " or
 * "sockshim: warning: " (-q silences the warnings).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/configuration.h"
#include "elfcheck.h"
#include "request.h"

#ifndef PKGLIBDIR
#define PKGLIBDIR "/usr/local/lib/sockshim"
#endif

enum {
    FLAG_MODE = 1000,
    FLAG_LOG,
    FLAG_LOG_FORMAT,
    FLAG_LOG_LEVEL,
    FLAG_JSON,
    FLAG_DRY_RUN,
    FLAG_CONFIG,
    FLAG_RULES,
    FLAG_CHECK,
    FLAG_QUIET,
    FLAG_HELP,
    FLAG_VERSION,
    FLAG_POLICY_BASE = 2000, /* + enum policy_option */
    FLAG_DIAG_BASE = 3000    /* + index in diag_flags */
};

/* Diagnostic flags: each sets one variable (to its argument, or to VALUE
 * for the flags that take none). */
static const struct {
    const char *flag, *env, *value;
    const char *arg, *help; /* --help: "--FLAG ARG", then HELP */
} diag_flags[] = {
    {"checks", "SOCKSHIM_CHECKS", NULL, "LIST",
     "all (default), none, or event kinds (-kind removes one)"},
    {"stacks", "SOCKSHIM_STACKS", NULL, "on|off",
     "capture stacks (default on)"},
    {"no-stacks", "SOCKSHIM_STACKS", "off", "", "same as --stacks off"},
    {"stack-depth", "SOCKSHIM_STACK_DEPTH", NULL, "N",
     "frames kept per stack, 1..64 (default 16)"},
    {"close-wait", "SOCKSHIM_CLOSE_WAIT", NULL, "D",
     "open after the peer's FIN before close_wait (default 5s)"},
    {"scan", "SOCKSHIM_SCAN", NULL, "D",
     "period of the background scan; 0 = none (default 1s)"},
    {"suppress", "SOCKSHIM_SUPPRESS", NULL, "FILE",
     "KIND:PATTERN lines: events to leave out"},
    {"summary", "SOCKSHIM_SUMMARY", NULL, "on|off",
     "one summary event at exit, level info (default on)"},
    {"report", "SOCKSHIM_REPORT", NULL, "D",
     "report of open sockets while running; 0 = none (1m)"},
    {"fd-warn", "SOCKSHIM_FD_WARN", NULL, "N|N%",
     "fd_pressure at N open descriptors (80% of limit)"},
};
#define DIAG_FLAG_COUNT (sizeof diag_flags / sizeof diag_flags[0])

/* What the flags set: variable name -> value, in flag order. */
#define MAX_SETTINGS 32
static struct {
    const char *name;
    const char *value;
} settings[MAX_SETTINGS];
static int setting_count;
static int launch_errors;
static int quiet; /* -q: no warnings */

/* One message line on stderr: "sockshim: KIND: " and FORMAT. */
static void say(const char *kind, const char *format, va_list args) {
    fprintf(stderr, "sockshim: %s: ", kind);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

/* An error line: what stops the launch (or fails --check). */
__attribute__((format(printf, 1, 2))) static void say_error(const char *format,
                                                            ...) {
    va_list args;
    va_start(args, format);
    say("error", format, args);
    va_end(args);
}

/* A warning line, unless -q: the launch goes on, perhaps unobserved. */
__attribute__((format(printf, 1, 2))) static void
say_warning(const char *format, ...) {
    va_list args;
    if (quiet)
        return;
    va_start(args, format);
    say("warning", format, args);
    va_end(args);
}

static void set_variable(const char *name, const char *value) {
    for (int i = 0; i < setting_count; i++) {
        if (strcmp(settings[i].name, name) == 0) {
            settings[i].value = value;
            return;
        }
    }
    if (setting_count < MAX_SETTINGS) {
        settings[setting_count].name = name;
        settings[setting_count++].value = value;
    }
}

/* The config layer reads flags through this, as if from the environment. */
static const char *flag_value(const char *name) {
    for (int i = 0; i < setting_count; i++)
        if (strcmp(settings[i].name, name) == 0)
            return settings[i].value;
    return NULL;
}

/* The environment as the program will see it: flags over the caller's. */
static const char *launch_value(const char *name) {
    const char *value = flag_value(name);
    return value != NULL ? value : getenv(name);
}

/* Map a variable back to the flag that set it, for error messages. */
static const char *flag_for_variable(const char *name) {
    static char flag[64];
    for (int opt = 0; opt < OPT_COUNT; opt++) {
        if (strcmp(option_descs[opt].env, name) == 0) {
            snprintf(flag, sizeof flag, "--%s", option_descs[opt].flag);
            return flag;
        }
    }
    for (size_t i = 0; i < DIAG_FLAG_COUNT; i++) {
        if (strcmp(diag_flags[i].env, name) == 0) {
            snprintf(flag, sizeof flag, "--%s", diag_flags[i].flag);
            return flag;
        }
    }
    if (strcmp(name, "SOCKSHIM_MODE") == 0)
        return "--mode";
    if (strcmp(name, "SOCKSHIM_LOG") == 0)
        return "--log";
    if (strcmp(name, "SOCKSHIM_LOG_FORMAT") == 0)
        return "--log-format";
    if (strcmp(name, "SOCKSHIM_LOG_LEVEL") == 0)
        return "--log-level";
    if (strncmp(name, "SOCKSHIM_RULES", 14) == 0)
        return "--rules";
    if (strcmp(name, "SOCKSHIM_CONFIG") == 0)
        return "--config";
    return name;
}

static void report_flag_error(const char *where, const char *value,
                              const char *problem, const char *accepted) {
    say_error("%s '%s': %s; accepted: %s", flag_for_variable(where),
              value ? value : "", problem, accepted);
    launch_errors++;
}

/* --check: errors anywhere in file, environment or flags, by origin. */
static void report_check_error(const char *where, const char *value,
                               const char *problem, const char *accepted) {
    /* An error in what a flag set is named after the flag. */
    const char *variable =
        strncmp(where, "SOCKSHIM_RULES", 14) == 0 ? "SOCKSHIM_RULES" : where;
    const char *origin =
        flag_value(variable) != NULL ? flag_for_variable(variable) : where;
    if (value != NULL)
        printf("error: %s: '%s': %s; accepted: %s\n", origin, value, problem,
               accepted);
    else
        printf("error: %s: %s; accepted: %s\n", origin, problem, accepted);
    launch_errors++;
}

/* The diagnostic settings, one line each, under mode and log. */
static void print_diagnostics(const struct config *cfg) {
    const struct diag_settings *d = &cfg->diag;
    printf("checks: ");
    if (d->checks == CHECKS_ALL) {
        printf("all");
    } else if (d->checks == 0) {
        printf("none");
    } else {
        const char *sep = "";
        for (int k = 0; k < EV_COUNT; k++) {
            if (d->checks & (1u << k)) {
                printf("%s%s", sep, event_kind_name((enum event_kind)k));
                sep = ",";
            }
        }
    }
    printf("\nstacks: ");
    if (d->stacks)
        printf("on, %d frames", d->stack_depth);
    else
        printf("off");
    printf("\nclose_wait: %gs, scan: ", d->close_wait_ms / 1000.0);
    if (d->scan_ms != 0)
        printf("every %gs", d->scan_ms / 1000.0);
    else
        printf("off");
    printf("\nsuppress: ");
    if (d->suppress_path[0] != '\0')
        printf("%s (%d patterns)", d->suppress_path, cfg->suppression_count);
    else
        printf("none");
    printf("\nsummary: %s\n\n", d->summary ? "on" : "off");
}

/* Print the effective configuration: mode, log, and one line per rule
 * (the global options first) with its source, scope and options. */
static void print_policy_table(const struct config *cfg) {
    static const char *const dests[] = {"stderr", "file", "syslog"};
    static const char *const formats[] = {"text", "json"};
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    printf("mode: %s\nlog:  %s%s%s, %s, level %s\n\n", mode_name(cfg->mode),
           dests[cfg->log.dest], cfg->log.dest == DEST_FILE ? ":" : "",
           cfg->log.dest == DEST_FILE ? cfg->log.path : "",
           formats[cfg->log.format], levels[cfg->log.level]);
    print_diagnostics(cfg);
    printf("%-28s %-36s %s\n", "SOURCE", "APPLIES TO", "OPTIONS");
    char options[512], match[512];
    policy_format_options(&cfg->global, options, sizeof options);
    printf("%-28s %-36s %s\n", "global (file, environment)", "any TCP socket",
           options[0] ? options : "(none)");
    for (int i = 0; i < cfg->rule_count; i++) {
        rule_format_match(&cfg->rules[i], match, sizeof match);
        policy_format_options(&cfg->rules[i].policy, options, sizeof options);
        printf("%-28s %-36s %s\n", cfg->rules[i].where, match, options);
    }
    printf("\nRules apply in this order after the global options; a later "
           "one overrides\nan earlier one option by option. Without family=, "
           "a rule applies to TCP\nsockets only.\n");
}

#define HELP_WIDTH 80  /* no --help line is longer */
#define HELP_INDENT 21 /* where the descriptions start */

/* One item of --help: "  LEFT" padded to HELP_INDENT, then TEXT wrapped at
 * spaces so that no line passes HELP_WIDTH columns. */
static void help_item(FILE *out, const char *left, const char *text) {
    int column = fprintf(out, "  %-*s", HELP_INDENT - 3, left);
    int fresh = 0; /* at the start of a continuation line */
    for (const char *p = text + strspn(text, " "); *p != '\0';) {
        int length = (int)strcspn(p, " ");
        if (!fresh && column + 1 + length > HELP_WIDTH) {
            column = fprintf(out, "\n%*s", HELP_INDENT, "") - 1;
            fresh = 1;
        }
        column += fprintf(out, "%s%.*s", fresh ? "" : " ", length, p);
        fresh = 0;
        p += length;
        p += strspn(p, " ");
    }
    fputc('\n', out);
}

/* The one line for a launch without COMMAND or with a bad option. */
static void short_usage(void) {
    fprintf(stderr, "usage: sockshim [options] [--] COMMAND [ARGS]\n"
                    "Try 'sockshim --help'.\n");
}

static void usage(FILE *out) {
    fprintf(out, "usage: sockshim [options] [--] COMMAND [ARGS]\n"
                 "       sockshim --check [options]\n"
                 "       sockshim report [--timeout DURATION] PID\n"
                 "Run COMMAND with libsockshim.so preloaded: socket-option "
                 "policies and\nsocket misuse diagnostics for an unmodified "
                 "program.\n\n"
                 "Policy (each sets the SOCKSHIM_* variable of the same "
                 "name):\n");
    for (int opt = 0; opt < OPT_COUNT; opt++) {
        char flag[32];
        snprintf(flag, sizeof flag, "--%s", option_descs[opt].flag);
        help_item(out, flag, option_descs[opt].accepted);
    }
    help_item(out, "--mode MODE",
              "enforce (default), force, audit (dry run: log only), off");
    fprintf(out, "\nLog:\n");
    help_item(out, "--log DEST",
              "stderr (default), syslog, file:PATH (%p pid, %n program)");
    help_item(out, "--log-format F", "text (default) or json");
    help_item(out, "--json", "same as --log-format json");
    help_item(out, "--log-level L", "error, warn (default), info, debug");
    fprintf(out, "\nDiagnostics:\n");
    for (size_t i = 0; i < DIAG_FLAG_COUNT; i++) {
        char flag[32];
        snprintf(flag, sizeof flag, "--%s %s", diag_flags[i].flag,
                 diag_flags[i].arg);
        help_item(out, flag, diag_flags[i].help);
    }
    fprintf(out, "\nScoped policies:\n");
    help_item(out, "--config FILE",
              "config file: global settings and rules (SOCKSHIM_CONFIG)");
    help_item(out, "--rules 'R; R...'",
              "rules such as 'connect port=6379 keepalive=30' "
              "(SOCKSHIM_RULES)");
    fprintf(out, "\nLauncher:\n");
    help_item(out, "--check",
              "validate the library, file, environment, flags and the "
              "suppressions file; print the effective policy per rule and "
              "the diagnostic settings; exit 0 when clean, 1 on any error");
    help_item(out, "--dry-run",
              "print the command that would run, environment included, as a "
              "shell command line; run nothing");
    help_item(out, "-q, --quiet",
              "no warnings from the launcher (errors are still printed)");
    help_item(out, "-h, --help", "this help");
    help_item(out, "--version", "the version");
    fprintf(out,
            "\nLD_PRELOAD is prepended to, never replaced. The library is "
            "looked for next to\nthis program in a build tree first, then "
            "in\n%s; SOCKSHIM_LIBRARY=PATH overrides both.\n"
            "Exit status: COMMAND's, or 2 for a bad option or a missing "
            "library, 126/127\nwhen COMMAND cannot run.\n"
            "Report bugs at %s\n",
            PKGLIBDIR, PACKAGE_BUGREPORT);
}

static int file_exists(const char *path) { return access(path, R_OK) == 0; }

/* Is DIR, this program's directory, the tools/ of a build tree? Only
 * there is the library looked for next to it: an installed launcher
 * (in BINDIR, or staged under a DESTDIR) must preload the installed
 * library, never one a build tree happens to leave beside it. libtool's
 * lib/libsockshim.la marks a build tree; it is never installed there. */
static int in_build_tree(const char *dir) {
    char bindir[PATH_MAX], marker[PATH_MAX + 32];
    if (realpath(BINDIR, bindir) != NULL && strcmp(bindir, dir) == 0)
        return 0;
    snprintf(marker, sizeof marker, "%s/../lib/libsockshim.la", dir);
    return file_exists(marker);
}

/* The library to preload: $SOCKSHIM_LIBRARY, the build tree's when this
 * program runs from one (tools/../lib/.libs), or the installed one. */
static const char *find_library(void) {
    static char path[PATH_MAX + 64];
    const char *forced = getenv("SOCKSHIM_LIBRARY");
    if (forced != NULL && *forced != '\0')
        return forced;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    /* -Wformat-truncation cannot see that EXE is shorter than PATH. */
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(path, sizeof path, "%s/../lib/.libs/libsockshim.so", exe);
            /* Without the "..": LD_PRELOAD and --dry-run show it. */
            static char resolved[PATH_MAX];
            if (in_build_tree(exe) && file_exists(path))
                return realpath(path, resolved) ? resolved : path;
        }
    }
    snprintf(path, sizeof path, "%s/libsockshim.so", PKGLIBDIR);
    return path;
}

/* What to do about a library that is missing or cannot be loaded. */
static const char *library_advice(const char *library) {
    const char *forced = getenv("SOCKSHIM_LIBRARY");
    if (forced != NULL && *forced != '\0' && strcmp(forced, library) == 0)
        return "SOCKSHIM_LIBRARY must name libsockshim.so (unset it to use "
               "the installed one)";
    return "install sockshim, or set SOCKSHIM_LIBRARY to the path of "
           "libsockshim.so";
}

/* Write WORD to stdout as one word of a POSIX shell command line: as it is
 * when every byte is safe, else in single quotes (a quote as '\\''). */
static void print_shell_word(const char *word) {
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                               "vwxyz0123456789_@%+=:,./-";
    if (*word != '\0' && word[strspn(word, safe)] == '\0') {
        fputs(word, stdout);
        return;
    }
    putchar('\'');
    for (const char *p = word; *p != '\0'; p++) {
        if (*p == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*p);
    }
    putchar('\'');
}

/* --dry-run: the launch as one shell command line, "env VAR=VALUE ...
 * LD_PRELOAD=... COMMAND ARGS", each word quoted where the shell needs it;
 * run with sh -c, it does what the launcher would have done. */
static void print_command(const char *preload, char *const command[]) {
    fputs("env", stdout);
    for (int i = 0; i < setting_count; i++) {
        printf(" %s=", settings[i].name);
        print_shell_word(settings[i].value);
    }
    fputs(" LD_PRELOAD=", stdout);
    print_shell_word(preload);
    /* env would take a COMMAND with '=' in it for one more variable. */
    if (strchr(command[0], '=') != NULL)
        fputs(" sh -c 'exec \"$0\" \"$@\"'", stdout);
    for (int i = 0; command[i] != NULL; i++) {
        putchar(' ');
        print_shell_word(command[i]);
    }
    putchar('\n');
}

static char *preload_value(const char *library) {
    const char *old = getenv("LD_PRELOAD");
    size_t size = strlen(library) + (old ? strlen(old) : 0) + 2;
    char *value = malloc(size);
    if (value == NULL)
        return NULL;
    if (old != NULL && *old != '\0')
        snprintf(value, size, "%s %s", library, old);
    else
        snprintf(value, size, "%s", library);
    return value;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return request_report(argc - 1, argv + 1);
    static struct option long_options[OPT_COUNT + DIAG_FLAG_COUNT + 16];
    int n = 0, dry_run = 0, check = 0;
    for (int opt = 0; opt < OPT_COUNT; opt++)
        long_options[n++] =
            (struct option){option_descs[opt].flag, required_argument, NULL,
                            FLAG_POLICY_BASE + opt};
    for (size_t i = 0; i < DIAG_FLAG_COUNT; i++)
        long_options[n++] = (struct option){
            diag_flags[i].flag,
            diag_flags[i].value ? no_argument : required_argument, NULL,
            FLAG_DIAG_BASE + (int)i};
    long_options[n++] =
        (struct option){"mode", required_argument, NULL, FLAG_MODE};
    long_options[n++] =
        (struct option){"log", required_argument, NULL, FLAG_LOG};
    long_options[n++] =
        (struct option){"log-format", required_argument, NULL, FLAG_LOG_FORMAT};
    long_options[n++] =
        (struct option){"log-level", required_argument, NULL, FLAG_LOG_LEVEL};
    long_options[n++] = (struct option){"json", no_argument, NULL, FLAG_JSON};
    long_options[n++] =
        (struct option){"dry-run", no_argument, NULL, FLAG_DRY_RUN};
    long_options[n++] =
        (struct option){"config", required_argument, NULL, FLAG_CONFIG};
    long_options[n++] =
        (struct option){"rules", required_argument, NULL, FLAG_RULES};
    long_options[n++] = (struct option){"check", no_argument, NULL, FLAG_CHECK};
    long_options[n++] = (struct option){"quiet", no_argument, NULL, FLAG_QUIET};
    long_options[n++] = (struct option){"help", no_argument, NULL, FLAG_HELP};
    long_options[n++] =
        (struct option){"version", no_argument, NULL, FLAG_VERSION};
    long_options[n] = (struct option){NULL, 0, NULL, 0};

    int c;
    /* "+": stop at the first non-option, which is COMMAND; ":" and no
     * opterr: the messages are ours, under one program name. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:hq", long_options, NULL)) != -1) {
        switch (c) {
        case FLAG_MODE:
            set_variable("SOCKSHIM_MODE", optarg);
            break;
        case FLAG_LOG:
            set_variable("SOCKSHIM_LOG", optarg);
            break;
        case FLAG_LOG_FORMAT:
            set_variable("SOCKSHIM_LOG_FORMAT", optarg);
            break;
        case FLAG_JSON:
            set_variable("SOCKSHIM_LOG_FORMAT", "json");
            break;
        case FLAG_LOG_LEVEL:
            set_variable("SOCKSHIM_LOG_LEVEL", optarg);
            break;
        case FLAG_DRY_RUN:
            dry_run = 1;
            break;
        case FLAG_CONFIG:
            set_variable("SOCKSHIM_CONFIG", optarg);
            break;
        case FLAG_RULES:
            set_variable("SOCKSHIM_RULES", optarg);
            break;
        case FLAG_CHECK:
            check = 1;
            break;
        case 'q':
        case FLAG_QUIET:
            quiet = 1;
            break;
        case ':':
            say_error("option '%s' needs an argument", argv[optind - 1]);
            short_usage();
            return 2;
        case '?':
            if (optopt != 0)
                say_error("unknown option '-%c'", optopt);
            else
                say_error("unknown option '%s'", argv[optind - 1]);
            short_usage();
            return 2;
        case 'h':
        case FLAG_HELP:
            usage(stdout);
            return 0;
        case FLAG_VERSION:
            printf("sockshim %s\n", PACKAGE_VERSION);
            return 0;
        default:
            if (c >= FLAG_POLICY_BASE && c < FLAG_POLICY_BASE + OPT_COUNT) {
                set_variable(option_descs[c - FLAG_POLICY_BASE].env, optarg);
                break;
            }
            if (c >= FLAG_DIAG_BASE &&
                c < FLAG_DIAG_BASE + (int)DIAG_FLAG_COUNT) {
                int i = c - FLAG_DIAG_BASE;
                set_variable(diag_flags[i].env, diag_flags[i].value
                                                    ? diag_flags[i].value
                                                    : optarg);
                break;
            }
            short_usage(); /* not reached: every flag is handled */
            return 2;
        }
    }

    const char *library = find_library();
    enum elfcheck_library library_state = elfcheck_library(library);
    static struct config cfg;
    if (check) {
        /* Everything the program would read: file, environment, flags. */
        config_load(&cfg, launch_value, report_check_error);
        extern char **environ;
        config_check_unknown_env(environ, report_check_error);
        /* And the library that would read it. */
        if (library_state != ELFLIB_OK) {
            printf("error: library %s %s; %s\n", library,
                   elfcheck_library_explain(library_state),
                   library_advice(library));
            launch_errors++;
        } else {
            printf("library: %s\n", library);
        }
        print_policy_table(&cfg);
        printf("\n%d error%s\n", launch_errors, launch_errors == 1 ? "" : "s");
        return launch_errors > 0 ? 1 : 0;
    }

    /* Validate the flags with the library's own parsers (a config file is
     * read by the library itself, which reports its errors; --check
     * validates it beforehand). */
    config_defaults(&cfg);
    config_read_log_env(&cfg, flag_value, report_flag_error);
    config_read_policy_env(&cfg, flag_value, report_flag_error);
    config_read_diag_env(&cfg, flag_value, report_flag_error);
    if (flag_value("SOCKSHIM_RULES") != NULL)
        config_read_rules(&cfg, flag_value("SOCKSHIM_RULES"),
                          report_flag_error);
    if (launch_errors > 0)
        return 2;
    if (optind >= argc) {
        short_usage();
        return 2;
    }

    /* Without its library the command would run unobserved, its policy
     * silently not applied: no launch at all is the honest outcome. */
    if (library_state != ELFLIB_OK) {
        say_error("library %s %s; %s", library,
                  elfcheck_library_explain(library_state),
                  library_advice(library));
        return 2;
    }
    char *preload = preload_value(library);
    if (preload == NULL) {
        say_error("%s", strerror(errno));
        return 2;
    }

    struct elfcheck_result verdict;
    if (elfcheck_command(argv[optind], &verdict) != ELFCHECK_OK &&
        verdict.verdict != ELFCHECK_NOT_FOUND)
        say_warning("%s %s: not interposed", verdict.path,
                    elfcheck_explain(verdict.verdict));

    if (dry_run) {
        print_command(preload, argv + optind);
        return 0;
    }

    for (int i = 0; i < setting_count; i++)
        setenv(settings[i].name, settings[i].value, 1);
    setenv("LD_PRELOAD", preload, 1);
    execvp(argv[optind], argv + optind);
    int exec_error = errno;
    say_error("%s: %s", argv[optind], strerror(exec_error));
    return exec_error == ENOENT ? 127 : 126;
}
