/*
 * stackmap.h — the mapping that holds the current thread's stack, and
 * how low in it a function may still go.
 *
 * Found once per thread in /proc/self/maps (a small buffer on the stack,
 * plain system calls, no malloc: this runs in signal handlers and on the
 * stacks it measures), then cached per thread. Used to decide whether a
 * stack capture has room (output/stack.c) and whether the program is in
 * a signal handler (output/sigframe.c).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_STACKMAP_H
#define SOCKSHIM_STACKMAP_H

#include <stdint.h>

struct stack_mapping {
    uintptr_t start, end; /* the mapping's bounds [start, end) */
    /* The lowest address usable: 0 for the main thread's stack (it grows
     * on demand), start for a thread stack with a guard page below, end
     * when the limit is unknown (a stack carved from the heap). */
    uintptr_t lowest;
};

/* The mapping holding the caller's stack frame, looked up again when the
 * frame is outside the cached one: 1 with *MAP set, or 0 when it cannot
 * be found. */
int stackmap_current(struct stack_mapping *map);

/* The mapping this thread last found, without looking again (a signal
 * handler on an alternate stack must still see the thread's own): 1 with
 * *MAP set, or 0 before the first lookup. */
int stackmap_cached(struct stack_mapping *map);

#endif
