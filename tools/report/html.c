/*
 * html.c — the report as one self-contained HTML page (see output.h):
 * no script, no external style sheet or font, so that it can be mailed
 * or attached to a CI run as it is. A chart of the open_sockets groups'
 * counts over time (inline SVG drawn here, a tooltip per point by
 * <title>), then a table of findings, worst first, each with its
 * stacks in a <details> block.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}"
    ".chart text{font-size:11px;fill:#444}.chart .grid{stroke:#e4e4e4}"
    ".legend{list-style:none;padding:0}.legend li{margin:.2em 0}"
    ".swatch{display:inline-block;width:1.6em;height:.7em;"
    "margin-right:.5em}";

/* The chart: at most CHART_SERIES series (the first open_sockets
 * findings, worst first), in a W x H box around the plot. */
enum { CHART_SERIES = 10 };
static const int W = 760, H = 260, LEFT = 52, RIGHT = 24, TOP = 12, BOTTOM = 34;
/* Tableau 10: told apart by most readers, colour-blind ones included. */
static const char *const palette[CHART_SERIES] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* One series of the chart: a finding and its totals over time. */
struct chart_series {
    const struct finding *f;
    struct series_point *p;
    size_t n;
};

/* MS as "HH:MM:SS" (UTC), with tenths when TENTHS; into BUF. */
static void clock_label(char *buf, size_t cap, int64_t ms, int tenths) {
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&sec, &tm) == NULL) {
        snprintf(buf, cap, "?");
        return;
    }
    size_t n = strftime(buf, cap, "%H:%M:%S", &tm);
    if (tenths && n < cap)
        snprintf(buf + n, cap - n, ".%d", (int)(ms % 1000 / 100));
}

/* The step between the y axis' ticks: 1, 2 or 5 times a power of ten,
 * giving about four of them up to MAX. */
static long tick_step(long max) {
    long step = 1;
    while (step * 4 < max) {
        if (step * 2 * 4 >= max)
            return step * 2;
        if (step * 5 * 4 >= max)
            return step * 5;
        step *= 10;
    }
    return step;
}

/* The axes, their grid and labels for counts up to YMAX (a multiple of
 * STEP) over the times T0..T1. */
static void chart_axes(FILE *out, long ymax, long step, int64_t t0,
                       int64_t t1) {
    const int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
    for (long v = 0; v <= ymax; v += step) {
        double y = TOP + ph - (double)v * ph / (double)ymax;
        fprintf(out,
                "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
                "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\" "
                "text-anchor=\"end\">%ld</text>\n",
                LEFT, y, LEFT + pw, y, LEFT - 6, y + 4, v);
    }
    /* Five times along the x axis; tenths when the span is short. */
    int ticks = t1 > t0 ? 5 : 1;
    for (int i = 0; i < ticks; i++) {
        int64_t t = ticks > 1 ? t0 + (t1 - t0) * i / (ticks - 1) : t0;
        double x =
            ticks > 1 ? LEFT + (double)pw * i / (ticks - 1) : LEFT + pw / 2.0;
        char label[32];
        clock_label(label, sizeof label, t, t1 - t0 < 10000);
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n",
                x, H - BOTTOM + 16,
                ticks == 1       ? "middle"
                : i == 0         ? "start"
                : i == ticks - 1 ? "end"
                                 : "middle",
                label);
    }
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
            "stroke=\"#888\"/>\n<text x=\"%d\" y=\"%d\" "
            "text-anchor=\"middle\">time (UTC)</text>\n",
            LEFT, TOP, LEFT, TOP + ph, LEFT, TOP + ph, LEFT + pw, TOP + ph,
            LEFT + pw / 2, H - 4);
}

/* Series S in COLOUR: a line through its points, and a dot per point
 * whose <title> gives its time and count. */
static void chart_line(FILE *out, const struct chart_series *s,
                       const char *colour, long ymax, int64_t t0, int64_t t1) {
    const int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
    fprintf(out,
            "<g class=\"series\" data-signature=\"%s\" data-points=\"%zu\">"
            "<title>",
            s->f->signature, s->n);
    put_escaped(out, s->f->kind);
    if (s->f->detail != NULL) {
        fputc(' ', out);
        put_escaped(out, s->f->detail);
    }
    fprintf(out,
            " %s</title>\n<polyline fill=\"none\" stroke=\"%s\" "
            "stroke-width=\"2\" points=\"",
            s->f->signature, colour);
    struct strbuf dots = {0};
    for (size_t i = 0; i < s->n; i++) {
        double x =
            t1 > t0 ? LEFT + (double)(s->p[i].ms - t0) * pw / (double)(t1 - t0)
                    : LEFT + pw / 2.0;
        double y = TOP + ph - (double)s->p[i].count * ph / (double)ymax;
        fprintf(out, "%s%.1f,%.1f", i > 0 ? " " : "", x, y);
        time_t sec = (time_t)(s->p[i].ms / 1000);
        struct tm tm;
        char when[32] = "?";
        if (gmtime_r(&sec, &tm) != NULL)
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        strbuf_printf(&dots,
                      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
                      "<title>%s.%03dZ: %ld</title></circle>\n",
                      x, y, colour, when, (int)(s->p[i].ms % 1000),
                      s->p[i].count);
    }
    fprintf(out, "\"/>\n%s</g>\n", strbuf_str(&dots));
    free(dots.s);
}

/* The chart of the open_sockets findings of LIST that have points, and
 * its legend; nothing when none has. */
static void html_chart(FILE *out, struct finding *const *list, size_t n) {
    struct chart_series s[CHART_SERIES];
    size_t ns = 0, more = 0;
    long max = 0;
    int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (list[i]->series.seen == 0)
            continue;
        if (ns == CHART_SERIES) {
            more++;
            continue;
        }
        s[ns].f = list[i];
        s[ns].p = series_totals(&list[i]->series, &s[ns].n);
        for (size_t k = 0; k < s[ns].n; k++) {
            if (s[ns].p[k].count > max)
                max = s[ns].p[k].count;
            if (s[ns].p[k].ms < t0)
                t0 = s[ns].p[k].ms;
            if (s[ns].p[k].ms > t1)
                t1 = s[ns].p[k].ms;
        }
        ns += s[ns].n > 0;
    }
    if (ns == 0)
        return;
    long step = tick_step(max);
    long ymax = (max + step - 1) / step * step;
    if (ymax == 0)
        ymax = step;
    fputs("<h2>Open sockets over time</h2>\n<p>Each line is a group of "
          "sockets by creation stack: its count in each open_sockets "
          "report, summed over the processes that report it.",
          out);
    if (more > 0)
        fprintf(out,
                " The first %d groups, worst first; %zu more in the "
                "table.",
                CHART_SERIES, more);
    fprintf(out,
            "</p>\n<svg class=\"chart\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"open sockets "
            "over time\">\n",
            W, H, W, H);
    chart_axes(out, ymax, step, t0, t1);
    for (size_t i = 0; i < ns; i++)
        chart_line(out, &s[i], palette[i], ymax, t0, t1);
    fputs("</svg>\n<ul class=\"legend\">\n", out);
    for (size_t i = 0; i < ns; i++) {
        const struct finding *f = s[i].f;
        fprintf(out,
                "<li><span class=\"swatch\" style=\"background:%s\"></span>"
                "<a href=\"#f-%s\">",
                palette[i], f->signature);
        put_escaped(out, f->kind);
        if (f->detail != NULL) {
            fputc(' ', out);
            put_escaped(out, f->detail);
        }
        long peak = 0;
        for (size_t k = 0; k < s[i].n; k++)
            if (s[i].p[k].count > peak)
                peak = s[i].p[k].count;
        fprintf(out, "</a> (%s): last %ld, peak %ld</li>\n", f->signature,
                s[i].p[s[i].n - 1].count, peak);
        free(s[i].p);
    }
    fputs("</ul>\n", out);
}

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
    html_chart(out, list, n);
    fputs("<h2>Findings</h2>\n<table id=\"findings\"><tr><th>level</th>"
          "<th>kind</th><th>events</th><th>processes</th><th>hosts</th>"
          "<th>details</th></tr>\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = list[i];
        /* The kind is the log's word: escaped like any logged text. */
        fprintf(out, "<tr id=\"f-%s\" class=\"finding\" data-kind=\"",
                f->signature);
        put_escaped(out, f->kind);
        fprintf(out, "\"><td class=\"%s\">%s</td><td>", level_name(f->level),
                level_name(f->level));
        put_escaped(out, f->kind);
        fprintf(out,
                "</td><td>%lu</td><td>%zu</td><td>%zu</td><td><details>"
                "<summary>",
                f->events, finding_processes(f), f->hosts.len);
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
