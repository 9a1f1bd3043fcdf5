/*
 * output.c — the text and JSON reports (see output.h; html.c has the
 * page). Symbolization happens here, per frame shown, through
 * symbolize.c's per-module cache.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "output.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize.h"

static int by_string(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **output_sorted_keys(const struct strmap *set, size_t *n) {
    const char **keys = xcalloc(set->len, sizeof *keys);
    *n = 0;
    for (size_t i = 0; i < set->cap; i++)
        if (set->keys[i] != NULL)
            keys[(*n)++] = set->keys[i];
    qsort(keys, *n, sizeof *keys, by_string);
    return keys;
}

/* The file name without its directories: what a reader looks for. */
const char *output_short_file(const char *file) {
    const char *slash = strrchr(file, '/');
    return slash != NULL ? slash + 1 : file;
}

char *output_headline(const struct finding *f, int utf8) {
    struct strbuf b = {0};
    size_t procs = finding_processes(f), hosts = f->hosts.len;
    strbuf_printf(&b, "%s %s%s%s %s%lu in %zu process%s on %zu host%s",
                  level_name(f->level), f->kind, f->detail ? " " : "",
                  f->detail ? f->detail : "", utf8 ? "\xc3\x97" : "x",
                  f->events, procs, procs == 1 ? "" : "es", hosts,
                  hosts == 1 ? "" : "s");
    size_t n;
    const char **progs = output_sorted_keys(&f->progs, &n);
    strbuf_add(&b, " (", 2);
    for (size_t i = 0; i < n && i < 5; i++)
        strbuf_printf(&b, "%s%s", i > 0 ? ", " : "", progs[i]);
    if (n > 5)
        strbuf_printf(&b, ", and %zu more", n - 5);
    strbuf_add(&b, ")", 1);
    free(progs);
    if (f->first[0] != '\0')
        strbuf_printf(&b, " %s..%s", f->first, f->last);
    return b.s;
}

char *output_details(const struct finding *f) {
    struct strbuf b = {0};
    strbuf_add(&b, "", 0);
    if (f->ages > 0)
        strbuf_printf(&b, "age_ms min %ld, median %ld, max %ld\n", f->age_min,
                      finding_age_median(f), f->age_max);
    if (f->is_group)
        strbuf_printf(&b, "sockets first %ld, last %ld, max %ld%s\n",
                      f->count_first, f->count_last, f->count_max,
                      f->rising ? ", growing within a process" : "");
    return b.s;
}

/* Frame I of a stack: "#I func (file:line) module+0xoff", then a line
 * per function it was inlined into. */
static void text_frame(FILE *out, size_t i, const struct frame *fr) {
    struct symbol syms[SYMBOLIZE_MAX_INLINE];
    size_t n = symbolize_frame(fr, syms, SYMBOLIZE_MAX_INLINE);
    if (n == 0) {
        /* Unresolved: the library's own name for it, when it had one, and
         * what a later symbolizer needs. */
        fprintf(out, "    #%zu %s%s%s+0x%lx\n", i, fr->func ? fr->func : "",
                fr->func ? " " : "", fr->module, fr->offset);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        const char *func = syms[k].func         ? syms[k].func
                           : k == 0 && fr->func ? fr->func
                                                : "??";
        if (k == 0)
            fprintf(out, "    #%zu %s", i, func);
        else
            fprintf(out, "        inlined in %s", func);
        if (syms[k].file != NULL)
            fprintf(out, " (%s:%d)", output_short_file(syms[k].file),
                    syms[k].line);
        if (k == 0)
            fprintf(out, " %s+0x%lx", fr->module, fr->offset);
        fputc('\n', out);
    }
}

void output_text(FILE *out, struct finding *const *list, size_t n,
                 const struct totals *t) {
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = list[i];
        char *head = output_headline(f, 1);
        fprintf(out, "%s\n", head);
        free(head);
        char *details = output_details(f);
        for (char *p = details, *nl; (nl = strchr(p, '\n')); p = nl + 1)
            fprintf(out, "    %.*s\n", (int)(nl - p), p);
        free(details);
        for (int r = 0; r < STACK_ROLES; r++) {
            const struct stack *s = &f->stacks[r];
            if (s->n == 0)
                continue;
            fprintf(out, "  %s:\n", stack_role_field[r]);
            for (size_t k = 0; k < s->n; k++)
                text_frame(out, k, &s->frames[k]);
        }
        fputc('\n', out);
    }
    const struct input *in = t->input;
    fprintf(out,
            "%zu finding%s from %lu event%s (%lu line%s not events); "
            "%lu suppressed, %lu in the baseline, %lu events filtered out\n",
            n, n == 1 ? "" : "s", in->events, in->events == 1 ? "" : "s",
            in->bad, in->bad == 1 ? "" : "s", t->suppressed, t->known,
            t->filtered);
    output_summary_line(out, list, n);
}

/* Count each key of a finding's set once, across findings. */
static void count_key(const char *key, void *value, void *ctx) {
    (void)value;
    (void)strmap_slot(ctx, key);
}

void output_summary_line(FILE *out, struct finding *const *list, size_t n) {
    size_t levels[4] = {0};
    struct strmap procs = {0}, hosts = {0};
    for (size_t i = 0; i < n; i++) {
        levels[list[i]->level < 0 || list[i]->level > 3 ? 3 : list[i]->level]++;
        strmap_each(&list[i]->procs, count_key, &procs);
        strmap_each(&list[i]->hosts, count_key, &hosts);
    }
    /* As LeakSanitizer ends its report: one line for a CI log's grep. */
    fprintf(out,
            "SUMMARY: sockshim-report: %zu finding%s (%zu error%s, %zu "
            "warning%s, %zu info) in %zu process%s on %zu host%s\n",
            n, n == 1 ? "" : "s", levels[0], levels[0] == 1 ? "" : "s",
            levels[1], levels[1] == 1 ? "" : "s", levels[2] + levels[3],
            procs.len, procs.len == 1 ? "" : "es", hosts.len,
            hosts.len == 1 ? "" : "s");
    strmap_free(&procs);
    strmap_free(&hosts);
}

/* SET's keys as a sorted JSON list: the same input, the same output. */
static json_t *json_set(const struct strmap *set) {
    size_t n;
    const char **keys = output_sorted_keys(set, &n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(keys[i]));
    free(keys);
    return a;
}

static json_t *json_frame(const struct frame *fr) {
    char offset[32];
    snprintf(offset, sizeof offset, "0x%lx", fr->offset);
    json_t *o = json_pack("{s:s, s:s}", "module", fr->module, "offset", offset);
    if (fr->func != NULL)
        json_object_set_new(o, "func", json_string(fr->func));
    if (fr->build_id != NULL)
        json_object_set_new(o, "build_id", json_string(fr->build_id));
    struct symbol syms[SYMBOLIZE_MAX_INLINE];
    size_t n = symbolize_frame(fr, syms, SYMBOLIZE_MAX_INLINE);
    if (n > 0) {
        json_t *inl = json_array();
        for (size_t k = 0; k < n; k++) {
            json_t *s = json_object();
            if (syms[k].func != NULL)
                json_object_set_new(s, "func", json_string(syms[k].func));
            if (syms[k].file != NULL) {
                json_object_set_new(s, "file", json_string(syms[k].file));
                json_object_set_new(s, "line", json_integer(syms[k].line));
            }
            json_array_append_new(inl, s);
        }
        /* [0] the frame's function, then those it was inlined into. */
        json_object_set_new(o, "symbols", inl);
    }
    return o;
}

/* A group's growth: its counts, and over time the points the page's
 * chart draws (each the sum of every process's latest count). */
static json_t *json_growth(const struct finding *f) {
    json_t *g =
        json_pack("{s:I, s:I, s:I, s:b}", "first", (json_int_t)f->count_first,
                  "last", (json_int_t)f->count_last, "max",
                  (json_int_t)f->count_max, "rising", f->rising);
    size_t n = 0;
    struct series_point *p = series_totals(&f->series, &n);
    json_t *points = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(points,
                              json_pack("{s:I, s:I}", "ms", (json_int_t)p[i].ms,
                                        "count", (json_int_t)p[i].count));
    free(p);
    json_object_set_new(g, "series", points);
    return g;
}

/* One finding as --json gives it; fields that do not apply (ages, growth,
 * empty stacks) are left out rather than zero. */
static json_t *json_finding(const struct finding *f) {
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:s, s:s}", "kind", f->kind,
        "level", level_name(f->level), "signature", f->signature, "events",
        (json_int_t)f->events, "processes", (json_int_t)finding_processes(f),
        "hosts", json_set(&f->hosts), "programs", json_set(&f->progs), "first",
        f->first, "last", f->last);
    if (f->detail != NULL)
        json_object_set_new(o, "detail", json_string(f->detail));
    if (f->ages > 0)
        json_object_set_new(o, "age_ms",
                            json_pack("{s:I, s:I, s:I}", "min",
                                      (json_int_t)f->age_min, "median",
                                      (json_int_t)finding_age_median(f), "max",
                                      (json_int_t)f->age_max));
    if (f->is_group)
        json_object_set_new(o, "growth", json_growth(f));
    json_object_set_new(o, "new", json_boolean(f->is_new));
    for (int r = 0; r < STACK_ROLES; r++) {
        if (f->stacks[r].n == 0)
            continue;
        json_t *frames = json_array();
        for (size_t k = 0; k < f->stacks[r].n; k++)
            json_array_append_new(frames, json_frame(&f->stacks[r].frames[k]));
        json_object_set_new(o, stack_role_field[r], frames);
    }
    return o;
}

int output_json(FILE *out, struct finding *const *list, size_t n,
                const struct totals *t) {
    json_t *findings = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(findings, json_finding(list[i]));
    const struct input *in = t->input;
    json_t *doc = json_pack(
        "{s:i, s:{s:I, s:I, s:I}, s:I, s:I, s:I, s:o}", "version", 1, "input",
        "lines", (json_int_t)in->lines, "events", (json_int_t)in->events,
        "bad_lines", (json_int_t)in->bad, "suppressed",
        (json_int_t)t->suppressed, "in_baseline", (json_int_t)t->known,
        "filtered", (json_int_t)t->filtered, "findings", findings);
    /* Sorted keys: a diff of two reports shows what changed, not the
     * order jansson's hash table chose. */
    int rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_SORT_KEYS);
    fputc('\n', out);
    json_decref(doc);
    return rc;
}
