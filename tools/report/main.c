/*
 * main.c — sockshim-report: read the JSON logs of many processes or
 * hosts, group their events into findings, and print them worst first,
 * symbolized (see doc/sockshim-report.1). This file holds the options
 * and the order of work; input.c and unwrap.c read, findings.c groups,
 * known.c leaves out what is known, symbolize.c names frames, output.c
 * and html.c write.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "findings.h"
#include "input.h"
#include "known.h"
#include "output.h"
#include "symbolize.h"
#include "util.h"

/* The event kinds the library writes: --kind and --fail-on accept
 * these only, so that a typo is an error, not a gate that never shuts. */
static const char *const kinds[] = {
    "policy",       "policy_failed",   "would_apply",
    "app_override", "close_unread",    "abortive_close",
    "double_close", "shutdown_misuse", "write_after_shutdown",
    "close_wait",   "late_close",      "leak_at_exit",
    "addr_in_use",  "accept_overflow", "summary",
    "config_error", "open_sockets",    "fd_exhausted",
    "fd_pressure",  "module"};

static const char usage_text[] =
    "Usage: sockshim-report [OPTION]... [FILE|DIR|-]...\n"
    "Group the events of sockshim JSON logs into findings, worst first.\n"
    "Reads files (plain or gzip), directories (*.jsonl, *.log, *.gz below\n"
    "them) and standard input (- or no operand); also journalctl -o json,\n"
    "@cee: and TAG[PID]: syslog lines, and exports with --field.\n"
    "\n"
    "Output:\n"
    "  --json               one JSON document instead of text\n"
    "  --html FILE          also write a self-contained HTML page to FILE\n"
    "                       (findings, stacks, open sockets over time)\n"
    "  --gen-suppressions   print suppression lines for the findings\n"
    "Gating:\n"
    "  --fail-on LIST       exit 1 if a finding is of a LEVEL (or worse) or\n"
    "                       KIND of LIST (comma-separated), e.g. error\n"
    "  --baseline FILE      leave out the findings of an earlier --json\n"
    "  --suppress FILE      leave out findings that KIND:PATTERN lines match\n"
    "Filters (repeatable where it makes sense):\n"
    "  --kind KIND[,KIND]   only these event kinds\n"
    "  --prog GLOB          only events of programs matching GLOB\n"
    "  --host GLOB          only events of hosts matching GLOB\n"
    "  --since TS           only events at TS (ISO 8601 UTC) or later\n"
    "  --until TS           only events at TS or earlier (a prefix: its end)\n"
    "  --min-level LEVEL    only events of LEVEL or worse (default debug)\n"
    "Input and symbols:\n"
    "  --field NAME         the string field holding the event in a JSON\n"
    "                       wrapper (line, _source.message)\n"
    "  --debug-dir DIR      look for debug files (DIR/.build-id/) there too\n"
    "  --local              find modules without a module event by name\n"
    "                       on this machine ($PATH, library directories)\n"
    "  --help               print this help and exit\n"
    "\n"
    "Exit status: 0 done, 1 a finding matches --fail-on, 2 usage error or\n"
    "an input that could not be read.\n";

enum opt {
    OPT_JSON = 256,
    OPT_HTML,
    OPT_GEN,
    OPT_FAIL_ON,
    OPT_BASELINE,
    OPT_SUPPRESS,
    OPT_KIND,
    OPT_PROG,
    OPT_HOST,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_MIN_LEVEL,
    OPT_FIELD,
    OPT_DEBUG_DIR,
    OPT_LOCAL,
    OPT_HELP,
};

static const struct option options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"html", required_argument, NULL, OPT_HTML},
    {"gen-suppressions", no_argument, NULL, OPT_GEN},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"suppress", required_argument, NULL, OPT_SUPPRESS},
    {"kind", required_argument, NULL, OPT_KIND},
    {"prog", required_argument, NULL, OPT_PROG},
    {"host", required_argument, NULL, OPT_HOST},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"min-level", required_argument, NULL, OPT_MIN_LEVEL},
    {"field", required_argument, NULL, OPT_FIELD},
    {"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
    {"local", no_argument, NULL, OPT_LOCAL},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

struct settings {
    int json, gen, local;
    const char *html;
    struct strmap fail_kinds;
    int fail_level; /* -1: no level gate */
    const char **debug_dirs;
    size_t ndebug;
};

/* Say what is wrong with WHAT and exit 2. */
__attribute__((noreturn)) static void usage_error(const char *what,
                                                  const char *problem) {
    fprintf(stderr, "%s: %s: %s\nTry '%s --help'.\n", util_progname, what,
            problem, util_progname);
    exit(2);
}

static int is_kind(const char *s) {
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(kinds[i], s) == 0)
            return 1;
    return 0;
}

/* Split the comma-separated LIST into kinds (into SET) and, when LEVEL
 * is not NULL, a level (the mildest named goes into *LEVEL). */
static void parse_list(const char *list, struct strmap *set, int *level,
                       const char *option) {
    char *copy = xstrdup(list);
    char *save;
    for (char *w = strtok_r(copy, ",", &save); w != NULL;
         w = strtok_r(NULL, ",", &save)) {
        int l = level != NULL ? level_from_name(w) : -1;
        if (l >= 0 && l > *level)
            *level = l;
        else if (l < 0 && is_kind(w))
            (void)strmap_slot(set, w);
        else if (l < 0)
            usage_error(w, "not an event kind or level");
    }
    free(copy);
    (void)option;
}

static void parse_options(int argc, char **argv, struct settings *s,
                          struct findings *fs, struct known *k,
                          struct input *in) {
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            s->json = 1;
            break;
        case OPT_HTML:
            s->html = optarg;
            break;
        case OPT_GEN:
            s->gen = 1;
            break;
        case OPT_FAIL_ON:
            parse_list(optarg, &s->fail_kinds, &s->fail_level, "--fail-on");
            break;
        case OPT_BASELINE:
            if (known_read_baseline(k, optarg) != 0)
                exit(2);
            break;
        case OPT_SUPPRESS:
            if (known_read_suppressions(k, optarg) != 0)
                exit(2);
            break;
        case OPT_KIND:
            parse_list(optarg, &fs->filters.kinds, NULL, "--kind");
            break;
        case OPT_PROG:
            (void)strmap_slot(&fs->filters.progs, optarg);
            break;
        case OPT_HOST:
            (void)strmap_slot(&fs->filters.hosts, optarg);
            break;
        case OPT_SINCE:
        case OPT_UNTIL:
            /* Compared as text with the events' ts: a year first, or the
             * comparison means nothing. */
            if (strspn(optarg, "0123456789") < 4 ||
                optarg[strspn(optarg, "0123456789-T:.Z")] != '\0')
                usage_error(optarg, "not an ISO 8601 UTC time "
                                    "(2026-12-04T10:00:00Z or a prefix)");
            if (c == OPT_SINCE)
                fs->filters.since = optarg;
            else
                fs->filters.until = optarg;
            break;
        case OPT_MIN_LEVEL:
            fs->filters.min_level = level_from_name(optarg);
            if (fs->filters.min_level < 0)
                usage_error(optarg, "not error, warn, info or debug");
            break;
        case OPT_FIELD:
            in->field = optarg;
            break;
        case OPT_DEBUG_DIR:
            s->debug_dirs = xrealloc(s->debug_dirs,
                                     (s->ndebug + 1) * sizeof *s->debug_dirs);
            s->debug_dirs[s->ndebug++] = optarg;
            break;
        case OPT_LOCAL:
            s->local = 1;
            break;
        case OPT_HELP:
            fputs(usage_text, stdout);
            exit(0);
        default:
            fprintf(stderr, "Try '%s --help'.\n", util_progname);
            exit(2);
        }
    }
}

static void take_event(const struct event *event, void *ctx) {
    findings_add(ctx, event);
}

int main(int argc, char **argv) {
    struct settings s = {.fail_level = -1};
    struct findings fs = {.filters.min_level = 3};
    struct known k = {0};
    struct input in = {.on_event = take_event, .ctx = &fs};
    parse_options(argc, argv, &s, &fs, &k, &in);
    /* Without operands the logs come from a pipe; a terminal would only
     * wait for them. */
    if (optind == argc && isatty(STDIN_FILENO))
        usage_error("no input", "give FILE, DIR or - (standard input)");
    symbolize_setup(s.debug_dirs, s.ndebug, s.local);

    /* Every input is read even when one cannot be: the report of the
     * rest is still worth having, and the exit status says it is partial. */
    int status = 0;
    if (optind == argc && input_read(&in, "-") != 0)
        status = 2;
    for (int i = optind; i < argc; i++)
        if (input_read(&in, argv[i]) != 0)
            status = 2;

    findings_end_input(&fs);

    /* Leave out what is known; what stays is shown and gated. */
    findings_sort(&fs);
    struct totals t = {.input = &in, .filtered = fs.filtered};
    size_t shown = 0;
    int failing = 0;
    for (size_t i = 0; i < fs.n; i++) {
        struct finding *f = fs.list[i];
        if (known_suppressed(&k, f)) {
            t.suppressed++;
            continue;
        }
        if (known_in_baseline(&k, f)) {
            t.known++;
            continue;
        }
        /* "new" means something only against a baseline. */
        f->is_new = k.baseline.len > 0;
        if (f->level <= s.fail_level ||
            strmap_key(&s.fail_kinds, f->kind) != NULL)
            failing = 1;
        fs.list[shown++] = f;
    }

    if (s.gen) {
        for (size_t i = 0; i < shown; i++)
            known_write_suppression(stdout, fs.list[i]);
    } else if (s.json) {
        if (output_json(stdout, fs.list, shown, &t) != 0)
            status = 2;
    } else {
        output_text(stdout, fs.list, shown, &t);
    }
    if (s.html != NULL) {
        FILE *out = fopen(s.html, "we");
        if (out == NULL) {
            perror(s.html);
            status = 2;
        } else {
            output_html(out, fs.list, shown, &t);
            if (fclose(out) != 0) {
                perror(s.html);
                status = 2;
            }
        }
    }
    input_report_bad(&in);
    symbolize_end();
    if (fflush(stdout) != 0)
        status = 2;
    /* A usage or input error outranks the gate: a CI job must not pass
     * on a report that read nothing. */
    return status != 0 ? status : failing;
}
