/*
 * symbolize.h — frames to function, file and line with elfutils'
 * libdwfl, inline frames expanded. A module is found by its build-id
 * (under /usr/lib/debug/.build-id and each --debug-dir), else at the
 * path its module event gave, else (--local only) by its basename on
 * this machine; its DWARF by libdwfl's standard search (.gnu_debuglink,
 * build-id, and debuginfod when DEBUGINFOD_URLS is set). One libdwfl
 * session per module, kept for the whole run.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_SYMBOLIZE_H
#define SOCKSHIM_REPORT_SYMBOLIZE_H

#include <stddef.h>

#include "stack.h"

/* Inline levels worth showing per frame: deeper chains are rare and
 * unreadable. */
enum { SYMBOLIZE_MAX_INLINE = 16 };

/* One function at one frame: the frame's own, then the functions it
 * was inlined into, outward. Strings live as long as the program. */
struct symbol {
    const char *func; /* NULL when unknown */
    const char *file; /* the source file, as addr2line names it, or NULL */
    int line;         /* 0 when unknown */
};

/*
 * Set where modules are looked for: DIRS (N of them, searched before
 * /usr/lib/debug; copied, a relative one taken from the current
 * directory) and, when LOCAL, modules of the same basename on this
 * machine ($PATH and the library directories).
 */
void symbolize_setup(const char *const *dirs, size_t n, int local);

/*
 * Resolve F into OUT (at most MAX entries, innermost first). Returns the
 * number filled: 0 when the frame's module or its debugging information
 * cannot be found (print it as module+offset).
 */
size_t symbolize_frame(const struct frame *f, struct symbol *out, size_t max)
    ATTR_NONNULL(1, 2);

/* End every libdwfl session. */
void symbolize_end(void);

#endif
