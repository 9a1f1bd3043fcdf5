/*
 * series.c — an open_sockets group's count over time (see series.h):
 * bounded by halving, summed over processes only when the chart is
 * drawn, since logs of concurrent processes are read one after another.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "series.h"

#include <stdlib.h>
#include <string.h>

/* The N digits at S as a number into *V: 1, or 0 if one is not a digit. */
static int digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil): no time zone, no locale. */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int series_parse_ts(const char *ts, int64_t *ms) {
    int y, mo, d, h, mi, s;
    if (strlen(ts) < 19 || !digits(ts, 4, &y) || ts[4] != '-' ||
        !digits(ts + 5, 2, &mo) || ts[7] != '-' || !digits(ts + 8, 2, &d) ||
        ts[10] != 'T' || !digits(ts + 11, 2, &h) || ts[13] != ':' ||
        !digits(ts + 14, 2, &mi) || ts[16] != ':' || !digits(ts + 17, 2, &s))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    const char *p = ts + 19;
    int frac = 0, scale = 1000;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
    if (*p == 'Z')
        p++;
    if (*p != '\0')
        return -1;
    *ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s;
    *ms = *ms * 1000 + frac;
    return 0;
}

void series_add(struct series *s, const char *ts, long count, const char *host,
                long pid) {
    struct series_point p = {.count = count, .pid = pid};
    if (series_parse_ts(ts, &p.ms) != 0)
        return;
    p.host_hash = util_hash(host);
    if (s->stride == 0)
        s->stride = 1;
    s->latest = p;
    s->latest_dropped = (s->seen++ % s->stride) != 0;
    if (s->latest_dropped)
        return;
    if (s->points == NULL)
        s->points = xmalloc(SERIES_MAX * sizeof *s->points);
    if (s->n == SERIES_MAX) {
        /* Keep points 0, 2, 4...: the reports 0, 2 stride, 4 stride... */
        for (size_t i = 0; 2 * i < SERIES_MAX; i++)
            s->points[i] = s->points[2 * i];
        s->n = SERIES_MAX / 2;
        /* The report at hand, SERIES_MAX old strides, is the next to
         * keep at the new one. */
        s->stride *= 2;
    }
    s->points[s->n++] = p;
}

static int by_time(const void *a, const void *b) {
    const struct series_point *x = a, *y = b;
    return (x->ms > y->ms) - (x->ms < y->ms);
}

struct series_point *series_totals(const struct series *s, size_t *n) {
    *n = s->n + (s->latest_dropped ? 1 : 0);
    if (*n == 0)
        return NULL;
    struct series_point *out = xmalloc(*n * sizeof *out);
    if (s->n > 0)
        memcpy(out, s->points, s->n * sizeof *out);
    if (s->latest_dropped)
        out[s->n] = s->latest;
    /* Reading order is each file's own order; the chart's is time's.
     * qsort is not stable, but points of one time are drawn together. */
    qsort(out, *n, sizeof *out, by_time);
    /* Each process's latest count, the points being SERIES_MAX + 1 at
     * most: a linear search is enough. */
    struct series_point *last = xmalloc(*n * sizeof *last);
    size_t procs = 0;
    long total = 0;
    for (size_t i = 0; i < *n; i++) {
        size_t k = 0;
        while (k < procs && (last[k].host_hash != out[i].host_hash ||
                             last[k].pid != out[i].pid))
            k++;
        if (k == procs)
            last[procs++] = (struct series_point){.host_hash = out[i].host_hash,
                                                  .pid = out[i].pid};
        total += out[i].count - last[k].count;
        last[k].count = out[i].count;
        out[i].count = total;
    }
    free(last);
    return out;
}
