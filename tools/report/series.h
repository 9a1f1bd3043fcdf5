/*
 * series.h — an open_sockets group's count over time, for the HTML
 * page's chart: a point per report of the group (its time, the count,
 * the process that reported it), at most SERIES_MAX of them kept. Past
 * that, every other point is dropped and from then on only every
 * stride-th report is kept (stride doubling each time), the latest
 * report always being kept besides: memory is bounded per group, the
 * whole span stays covered, and the last count is never lost.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_SERIES_H
#define SOCKSHIM_REPORT_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The points a series keeps at most (plus the latest report). */
enum { SERIES_MAX = 256 };

struct series_point {
    int64_t ms;         /* the report's ts, milliseconds since the epoch */
    long count;         /* the group's count in that report */
    uint64_t host_hash; /* util_hash() of the host: with pid, the process */
    long pid;
};

/* Zero-initialised is empty. */
struct series {
    struct series_point *points; /* malloc'd, SERIES_MAX of them */
    size_t n;                    /* kept in points */
    unsigned long seen;          /* reports offered */
    unsigned long stride;        /* keep every stride-th (0 means 1) */
    struct series_point latest;  /* the last report offered ... */
    int latest_dropped;          /* ... when it is not in points */
};

/* Offer a report of the group: TS as logged (ISO 8601 UTC; a report
 * without a readable one is not a point), COUNT, and its process. */
void series_add(struct series *s, const char *ts, long count, const char *host,
                long pid) ATTR_NONNULL(1, 2, 4);

/*
 * The points of S in time order, each with its count replaced by the sum
 * over the processes that reported the group of their latest count at
 * that time (one process: its own counts). A malloc'd array of *N that
 * the caller frees; NULL when S has no point.
 */
struct series_point *series_totals(const struct series *s, size_t *n)
    ATTR_NONNULL(1, 2);

/* TS ("2026-12-04T10:00:00.123456Z", fraction and Z optional) as
 * milliseconds since the epoch into *MS: 0, or -1 when TS is not such a
 * time. */
int series_parse_ts(const char *ts, int64_t *ms) ATTR_NONNULL(1, 2);

#endif
