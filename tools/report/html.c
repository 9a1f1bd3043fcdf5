/*
 * html.c — the report as one self-contained HTML page (see output.h):
 * no script, no external style sheet or font, so that it can be mailed
 * or attached to a CI run as it is. A table of findings, worst first,
 * each with its stacks in a <details> block.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "symbolize.h"

/* S with &, <, >, " escaped. */
static void put_escaped(FILE *out, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static void html_frame(FILE *out, size_t i, const struct frame *fr) {
    struct symbol syms[SYMBOLIZE_MAX_INLINE];
    size_t n = symbolize_frame(fr, syms, SYMBOLIZE_MAX_INLINE);
    fprintf(out, "#%zu ", i);
    put_escaped(out, n > 0 && syms[0].func ? syms[0].func
                     : fr->func            ? fr->func
                                           : "??");
    if (n > 0 && syms[0].file != NULL) {
        fputs(" (", out);
        put_escaped(out, output_short_file(syms[0].file));
        fprintf(out, ":%d)", syms[0].line);
    }
    fputc(' ', out);
    put_escaped(out, fr->module);
    fprintf(out, "+0x%lx\n", fr->offset);
    for (size_t k = 1; k < n; k++) {
        fputs("      inlined in ", out);
        put_escaped(out, syms[k].func ? syms[k].func : "??");
        if (syms[k].file != NULL) {
            fputs(" (", out);
            put_escaped(out, output_short_file(syms[k].file));
            fprintf(out, ":%d)", syms[k].line);
        }
        fputc('\n', out);
    }
}

static const char style[] =
    "body{font-family:sans-serif;margin:2em}"
    "table{border-collapse:collapse}td,th{padding:.2em .6em;"
    "border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    ".error{color:#b00}.warn{color:#a60}.info{color:#06a}"
    "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}";

void output_html(FILE *out, struct finding *const *list, size_t n,
                 const struct totals *t) {
    fprintf(out,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<title>sockshim report</title><style>%s</style></head>"
            "<body>\n<h1>sockshim report</h1>\n",
            style);
    fprintf(out,
            "<p>%zu findings from %lu events (%lu lines not events); %lu "
            "suppressed, %lu in the baseline.</p>\n",
            n, t->input->events, t->input->bad, t->suppressed, t->known);
    fputs("<table><tr><th>level</th><th>kind</th><th>events</th>"
          "<th>processes</th><th>hosts</th><th>details</th></tr>\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = list[i];
        fprintf(out,
                "<tr><td class=\"%s\">%s</td><td>%s</td><td>%lu</td>"
                "<td>%zu</td><td>%zu</td><td><details><summary>",
                level_name(f->level), level_name(f->level), f->kind, f->events,
                finding_processes(f), f->hosts.len);
        char *head = output_headline(f, 1);
        put_escaped(out, head);
        free(head);
        fputs("</summary>\n", out);
        char *details = output_details(f);
        if (details[0] != '\0') {
            fputs("<pre>", out);
            put_escaped(out, details);
            fputs("</pre>\n", out);
        }
        free(details);
        for (int r = 0; r < STACK_ROLES; r++) {
            if (f->stacks[r].n == 0)
                continue;
            fprintf(out, "<p>%s:</p><pre>", stack_role_field[r]);
            for (size_t k = 0; k < f->stacks[r].n; k++)
                html_frame(out, k, &f->stacks[r].frames[k]);
            fputs("</pre>\n", out);
        }
        fputs("</details></td></tr>\n", out);
    }
    fputs("</table>\n</body></html>\n", out);
}
