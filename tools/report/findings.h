/*
 * findings.h — events grouped into findings: one per kind and stack
 * signature, across processes and hosts; for the reports of open
 * sockets (open_sockets, fd_pressure, fd_exhausted) one per group's
 * creation stack, with its growth. Memory grows with the number of
 * distinct findings and processes, not with the number of lines.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_FINDINGS_H
#define SOCKSHIM_REPORT_FINDINGS_H

#include "scan.h"
#include "series.h"
#include "stack.h"
#include "util.h"

/* The close_wait ages kept for the median: a uniform sample, exact up
 * to this many. */
enum { AGE_SAMPLE = 1001 };

/* Room for a timestamp as logged (longer ones are cut). */
enum { FINDING_TS = 40 };

struct finding {
    const char *kind;   /* interned */
    int level;          /* the worst seen: 0 error .. 3 debug */
    char *key;          /* kind + signatures, the grouping key */
    char signature[17]; /* hex hash of key: stable across runs */
    const char *detail; /* config_error's variable, a group's role, or NULL */
    struct stack stacks[STACK_ROLES];
    const char *host; /* the process the stacks come from */
    long pid;
    unsigned long events; /* repeats included */
    struct strmap procs;  /* "host\npid" -> last group count + 1 */
    struct strmap hosts, progs;
    /* The process and program counted last: an event of the same adds
     * nothing to the sets above, and most events follow one of theirs. */
    const char *last_proc, *last_prog;
    char first[FINDING_TS], last[FINDING_TS]; /* timestamps as logged */
    /* close_wait's age_ms */
    unsigned long ages;
    long age_min, age_max;
    long *age_sample;
    /* a group of open sockets */
    int is_group;
    long count_first, count_last, count_max;
    int rising; /* count grew between reports of one process */
    /* open_sockets: the group's count over time, for the HTML chart */
    struct series series;
    /* set by the caller */
    int is_new, suppressed;
};

struct filters {
    struct strmap kinds;        /* --kind: only these (empty: all) */
    struct strmap progs, hosts; /* --prog, --host: globs */
    const char *since;          /* --since: ts at least this */
    const char *until; /* --until: ts at most this (a prefix: its end) */
    int min_level;     /* --min-level: 0 error .. 3 debug */
};

/* In the word-keyed maps below, a process is its interned "host\npid"
 * (from procs), a kind its interned name, a stack its struct
 * stack_text: the maps cost a hash of a few words per event. */
struct findings {
    struct filters filters;
    struct strmap by_key; /* key -> struct finding */
    struct strmap procs;  /* "host\npid" -> its own key, interned */
    /* kind, detail and the stacks' struct cached_stack -> the finding:
     * the key is built only the first time */
    struct wordmap by_stacks;
    struct wordmap repeats;    /* process, kind, stack_id -> repeat */
    struct wordmap last_found; /* process, kind -> struct finding */
    /* process, stack -> struct cached_stack: each distinct stack of a
     * process is parsed and signed once. */
    struct wordmap stack_cache;
    struct strbuf scratch; /* keys being built */
    struct finding **list;
    size_t n, cap;
    unsigned long filtered; /* events the filters left out */
};

/* Count EVENT (a sockshim event object) into its finding(s); module
 * events go to the module table, summary events nowhere. */
void findings_add(struct findings *fs, const struct event *event)
    ATTR_NONNULL(1, 2);

/* Free what only reading needed (the stacks read per process, the
 * look-up maps, the kept stack texts), before the findings are sorted
 * and written: symbolization then reuses that memory. No event may be
 * added after. */
void findings_end_input(struct findings *fs) ATTR_NONNULL(1);

/* Sort fs->list worst first: error, warn, info, then more processes,
 * then more events; first fill in the findings' frames from the module
 * events read after them. Call once every event has been added. */
void findings_sort(struct findings *fs) ATTR_NONNULL(1);

/* The median of F's close_wait ages (exact for up to AGE_SAMPLE). */
long finding_age_median(const struct finding *f) ATTR_NONNULL(1);

/* The number of processes of F. */
size_t finding_processes(const struct finding *f) ATTR_NONNULL(1);

#endif
