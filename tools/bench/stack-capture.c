/*
 * stack-capture.c — what a stack costs: capture, store, naming.
 *
 * Not a test: a benchmark of lib/output/stack.c and lib/output/symbols.c,
 * linked against the (unsanitized, optimised) core library, printing a small
 * table of median nanoseconds per call over ROUNDS rounds:
 *
 *   (a) stack_capture() from a call chain about 20 frames deep, 16 kept
 *       (libunwind's walk of 24 frames, then a store lookup: the stack is
 *       already known, as it is for a socket made at a known site);
 *   (b) stack_store() finding a stored 16-frame stack;
 *   (c) stack_store() inserting a new 16-frame stack;
 *   (d) unw_backtrace(buf, 24) alone, from the same place as (a);
 *   (e) symbols_name() per frame: cold (the first frame named in a module
 *       maps its file) and warm;
 *   (f) the first stack_capture() in a new thread, which finds the
 *       thread's stack in /proc/self/maps (then a second one).
 *
 * The library's code is linked into this program, so stack_capture()
 * skips the program's leading frames as its own: the captures are made
 * from an action called by libc's twalk(), below libc's frame, as
 * t/stack-t.c does.
 *
 *   stack-capture [ROUNDS [CALLS]]   defaults 15 and 20000
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <pthread.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "lib/output/stack.h"
#include "lib/output/symbols.h"

#define DEPTH 16
#define CHAIN 20
#define UNWIND_FRAMES 24
#define ROUNDS_MAX 101
/* New stacks inserted per round for (c): the store holds 65535 in all. */
#define INSERTS_PER_ROUND 3000
/* Names per round for (e), warm: each walks a symbol table. */
#define NAMES_PER_ROUND 2000
/* The budget per new socket, for (a). */
#define TARGET_NS 1500.0

static int rounds = 15;
static long calls = 20000;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of V[0..N), reordering V. */
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Keep the compiler from dropping a result. */
static volatile uintptr_t sink;

/* --- (a) and (d): timed loops run below libc's twalk() -------------------- */

enum { RUN_CAPTURE, RUN_UNWIND };
static int run_what;
static double capture_ns[ROUNDS_MAX], unwind_ns[ROUNDS_MAX];
static uint32_t capture_id;
static int unwound; /* frames unw_backtrace() gave in (d) */

static void timed_rounds(void) {
    void *buf[UNWIND_FRAMES];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        if (run_what == RUN_CAPTURE) {
            for (long i = 0; i < calls; i++)
                sink += stack_capture();
        } else {
            for (long i = 0; i < calls; i++)
                unwound = unw_backtrace(buf, UNWIND_FRAMES);
        }
        double per = (now_ns() - t0) / (double)calls;
        if (run_what == RUN_CAPTURE)
            capture_ns[r] = per;
        else
            unwind_ns[r] = per;
    }
}

/* A tree of two nodes: twalk() calls the action for the root from libc's
 * own frame (for a leaf, it would be a tail call). */
static void *walk_root;

static int compare_ints(const void *a, const void *b) {
    return (*(const int *)a > *(const int *)b) -
           (*(const int *)a < *(const int *)b);
}

/* The action twalk() calls: on its first call, the timed loops, so that
 * libc's frame sits between them and this program's. */
static int walk_done;

static void run_action(const void *node, VISIT which, int level) {
    (void)node, (void)which, (void)level;
    if (walk_done)
        return;
    walk_done = 1;
    if (run_what == RUN_CAPTURE)
        capture_id = stack_capture(); /* warm-up, and the id */
    timed_rounds();
}

/* CHAIN frames of this function, then twalk(): the stack is deep. */
static __attribute__((noinline)) int chain(int n) {
    int rc = n;
    if (n == 0)
        twalk(walk_root, run_action);
    else
        rc = chain(n - 1);
    __asm__ volatile("" : "+r"(rc)); /* no tail call: keep the frame */
    return rc;
}

/* Run the timed loops for WHAT CHAIN frames deep. */
static void run_deep(int what) {
    static int keys[2] = {1, 2};
    if (walk_root == NULL) {
        tsearch(&keys[0], &walk_root, compare_ints);
        tsearch(&keys[1], &walk_root, compare_ints);
    }
    run_what = what;
    walk_done = 0;
    chain(CHAIN);
}

/* --- (b) and (c): the store ---------------------------------------------- */

/* Frames of synthetic stack K (never real code addresses). */
static void synthetic(uintptr_t *ips, unsigned long k) {
    for (int j = 0; j < DEPTH; j++)
        ips[j] = 0x7e0000000000u + (uintptr_t)k * 0x1000u +
                 (uintptr_t)j * 0x40u + 5u;
}

static double bench_lookup(void) {
    uintptr_t ips[DEPTH];
    double ns[ROUNDS_MAX];
    synthetic(ips, 1);
    uint32_t id = stack_store(ips, DEPTH);
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (long i = 0; i < calls; i++)
            sink += stack_store(ips, DEPTH) != id;
        ns[r] = (now_ns() - t0) / (double)calls;
    }
    return median(ns, rounds);
}

static double bench_insert(unsigned *inserted) {
    static uintptr_t ips[INSERTS_PER_ROUND][DEPTH];
    double ns[ROUNDS_MAX];
    unsigned long next = 100;
    int zero = 0;
    unsigned before = stack_count();
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < INSERTS_PER_ROUND; i++)
            synthetic(ips[i], next++);
        double t0 = now_ns();
        for (int i = 0; i < INSERTS_PER_ROUND; i++)
            zero += stack_store(ips[i], DEPTH) == 0;
        ns[r] = (now_ns() - t0) / INSERTS_PER_ROUND;
    }
    *inserted = stack_count() - before;
    if (zero != 0)
        fprintf(stderr, "stack-capture: %d inserts found the store full\n",
                zero);
    return median(ns, rounds);
}

/* --- (e): naming ---------------------------------------------------------- */

static void bench_names(uint32_t id, double *cold, double *warm) {
    const uintptr_t *ips;
    int n = stack_frames(id, &ips);
    struct frame_name f;
    double ns[ROUNDS_MAX];
    /* Cold: the first name asked for maps the module's file and finds its
     * symbol table; the median over the stack's frames, each named for the
     * first time, mixes first-in-module and later frames, so the slowest
     * (the first of a module) is shown. */
    *cold = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_ns();
        symbols_name(ips[i], &f);
        double t = now_ns() - t0;
        if (t > *cold)
            *cold = t;
    }
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (long i = 0; i < NAMES_PER_ROUND; i++) {
            symbols_name(ips[i % n], &f);
            sink += (uintptr_t)f.func[0];
        }
        ns[r] = (now_ns() - t0) / NAMES_PER_ROUND;
    }
    *warm = median(ns, rounds);
}

/* --- (f): a new thread's first capture --------------------------------- */

static double first_ns, second_ns;

static void *fresh_thread(void *arg) {
    (void)arg;
    double t0 = now_ns();
    sink += stack_capture();
    double t1 = now_ns();
    sink += stack_capture();
    double t2 = now_ns();
    first_ns = t1 - t0;
    second_ns = t2 - t1;
    return NULL;
}

static void bench_fresh_threads(double *first, double *second) {
    double a[ROUNDS_MAX], b[ROUNDS_MAX];
    for (int r = 0; r < rounds; r++) {
        pthread_t t;
        if (pthread_create(&t, NULL, fresh_thread, NULL) != 0) {
            fprintf(stderr, "stack-capture: pthread_create failed\n");
            exit(1);
        }
        pthread_join(t, NULL);
        a[r] = first_ns;
        b[r] = second_ns;
    }
    *first = median(a, rounds);
    *second = median(b, rounds);
}

int main(int argc, char **argv) {
    if (argc > 1)
        rounds = atoi(argv[1]);
    if (argc > 2)
        calls = atol(argv[2]);
    if (rounds < 1 || rounds > ROUNDS_MAX || calls < 1) {
        fprintf(stderr, "usage: stack-capture [ROUNDS (1..%d) [CALLS]]\n",
                ROUNDS_MAX);
        return 2;
    }
    double start = now_ns();
    if (stack_init(DEPTH) != 0) {
        fprintf(stderr, "stack-capture: stack_init failed\n");
        return 1;
    }

    run_deep(RUN_UNWIND); /* also warms libunwind's caches up */
    double unwind = median(unwind_ns, rounds);
    run_deep(RUN_CAPTURE);
    double capture = median(capture_ns, rounds);
    const uintptr_t *ips;
    int kept = stack_frames(capture_id, &ips);

    double lookup = bench_lookup();
    unsigned inserted;
    double insert = bench_insert(&inserted);
    double cold, warm;
    bench_names(capture_id, &cold, &warm);
    double first, second;
    bench_fresh_threads(&first, &second);

    printf("stack-capture: median of %d rounds (%ld calls; %d inserts, "
           "%d names per round)\n",
           rounds, calls, INSERTS_PER_ROUND, NAMES_PER_ROUND);
    printf("%-52s %10s\n", "figure", "median ns");
    printf("%-52s %10.0f\n", "(a) stack_capture(), chain of ~20, 16 kept",
           capture);
    printf("%-52s %10.0f\n", "(b) stack_store() lookup, 16 frames", lookup);
    printf("%-52s %10.0f\n", "(c) stack_store() insert, new 16-frame stack",
           insert);
    printf("%-52s %10.0f\n", "(d) unw_backtrace(buf, 24), same place", unwind);
    printf("%-52s %10.0f\n", "(e) symbols_name() per frame, cold (slowest)",
           cold);
    printf("%-52s %10.0f\n", "(e) symbols_name() per frame, warm", warm);
    printf("%-52s %10.0f\n", "(f) first stack_capture() in a new thread",
           first);
    printf("%-52s %10.0f\n", "(f) ... its second one", second);
    /* (a) is the figure: stack_capture() ends in the store lookup. */
    printf("%-52s %10.0f   target <= %.0f ns per new socket "
           "(capture + store): %s\n",
           "per socket: capture + store, (a)", capture, TARGET_NS,
           capture <= TARGET_NS ? "met" : "NOT met");
    printf("frames walked by (d): %d; kept by (a): %d; stacks inserted by "
           "(c): %u; run time %.1f s\n",
           unwound, kept, inserted, (now_ns() - start) / 1e9);
    return 0;
}
