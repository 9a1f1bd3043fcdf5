/*
 * stackmap.c — where this thread's stack is mapped, read from
 * /proc/self/maps without malloc (see stackmap.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/stackmap.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/real.h"

/* The mapping that holds this thread's stack, found on first use
 * (0, 0: not yet), and the lowest address a capture may use in it (its
 * end when the limit is unknown: then no capture, without reading the
 * maps again each time). */
static __thread uintptr_t thread_map_lo, thread_map_hi,
    thread_stack_lo __attribute__((tls_model("initial-exec")));

/* Parse a hexadecimal number at *P, advancing it. */
static uintptr_t parse_hex(const char **p, const char *end) {
    uintptr_t v = 0;
    for (; *p < end; (*p)++) {
        char c = **p;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0)
            break;
        v = v << 4 | (uintptr_t)d;
    }
    return v;
}

/* Find the mapping of /proc/self/maps that holds ADDR: sets *START and
 * *HI to its bounds, *LO to the lowest usable address, and returns 1, or
 * 0. The main thread's "[stack]" grows on demand, so its LO is taken as 0
 * (room enough). A small buffer on the stack and
 * plain system calls: this runs on the stacks it is measuring. */
static int find_mapping(uintptr_t addr, uintptr_t *start_out, uintptr_t *lo,
                        uintptr_t *hi) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[512];
    size_t have = 0;
    int found = 0;
    /* The mapping before the current line: its end, and whether it was a
     * guard page (no access), as below every thread stack glibc makes. */
    uintptr_t prev_end = 0;
    int prev_guard = 0;
    for (;;) {
        ssize_t n = real_read(fd, buf + have, sizeof buf - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        char *line = buf, *end = buf + have, *nl;
        while ((nl = memchr(line, '\n', (size_t)(end - line))) != NULL) {
            const char *p = line;
            uintptr_t start = parse_hex(&p, nl);
            p++; /* '-' */
            uintptr_t stop = parse_hex(&p, nl);
            const char *perms = p + 1;
            if (addr >= start && addr < stop) {
                /* The main stack grows on demand: room enough. A mapping
                 * with a guard page right below is a thread stack (or a
                 * coroutine stack made the same way): its start is the
                 * limit. Anything else (a stack carved out of the heap or
                 * an arena) has an unknown limit: no room is assumed. */
                if (memmem(line, (size_t)(nl - line), "[stack]", 7))
                    *lo = 0;
                else if (prev_guard && prev_end == start)
                    *lo = start;
                else
                    *lo = stop;
                *start_out = start;
                *hi = stop;
                found = 1;
                break;
            }
            prev_end = stop;
            prev_guard = nl - perms > 4 && memcmp(perms, "---p", 4) == 0;
            line = nl + 1;
        }
        if (found)
            break;
        /* Keep the unfinished line; a line longer than the buffer (a
         * long path) only matters up to its addresses. A short read with
         * no newline yet keeps all it has. */
        if (line == buf && have == sizeof buf)
            line = buf + have - 64;
        have = (size_t)(end - line);
        memmove(buf, line, have);
    }
    real_close(fd);
    return found;
}

/* Make the per-thread cache describe the mapping that holds HERE (an
 * address on this thread's stack): 1, or 0 when it cannot be found. */
static int cache_mapping(uintptr_t here) {
    if (here >= thread_map_lo && here < thread_map_hi)
        return 1;
    uintptr_t start, lo, hi;
    if (!find_mapping(here, &start, &lo, &hi))
        return 0;
    thread_map_lo = start;
    thread_map_hi = hi;
    thread_stack_lo = lo;
    return 1;
}

int stackmap_current(struct stack_mapping *map) {
    if (!cache_mapping((uintptr_t)__builtin_frame_address(0)))
        return 0;
    return stackmap_cached(map);
}

int stackmap_cached(struct stack_mapping *map) {
    if (thread_map_hi == 0)
        return 0;
    map->start = thread_map_lo;
    map->end = thread_map_hi;
    map->lowest = thread_stack_lo;
    return 1;
}
