/*
 * stack-t.c — the stack store (ids, frames, depth, racing threads), stack
 * capture from named functions, small stacks and deep recursion, and the
 * naming of frames through .symtab.
 *
 * The core library is linked into this program, so the whole of its code
 * counts as "sockshim's own" to stack_capture(), which skips the leading
 * frames that lie in it. The captures below are therefore made from an
 * action called by libc's twalk(): libc's frames stop the skipping, and
 * the test's own functions follow them. Under LD_PRELOAD the program's
 * frames come first; that is t/e2e/stacks.sh's part.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "lib/output/stack.h"
#include "lib/output/symbols.h"
#include "t/tap/basic.h"

#define DEPTH 16
#define THREADS 8
#define RACE_STACKS 500

/* Synthetic frames: stack K, frame J. Never a real code address, so no
 * capture can produce them. */
static uintptr_t synthetic(unsigned k, unsigned j) {
    return 0x7e0000000000u + (uintptr_t)k * 0x10000u + (uintptr_t)j * 8u + 5u;
}

/* Fill IPS with N frames of stack K. */
static void fill(uintptr_t *ips, unsigned k, int n) {
    for (int j = 0; j < n; j++)
        ips[j] = synthetic(k, (unsigned)j);
}

/* Does stack ID hold exactly IPS[0..N)? */
static int holds(uint32_t id, const uintptr_t *ips, int n) {
    const uintptr_t *got;
    int have = stack_frames(id, &got);
    return have == n && memcmp(got, ips, (size_t)n * sizeof *ips) == 0;
}

/* --- racing threads ------------------------------------------------------ */

static pthread_barrier_t start_line;
static uint32_t race_ids[THREADS][RACE_STACKS];

/* The length of race stack K: 1..DEPTH, so lengths differ too. */
static int race_len(unsigned k) { return 1 + (int)(k % DEPTH); }

static void *racer(void *arg) {
    unsigned t = (unsigned)(long)arg;
    /* Strides coprime to 500 visit every stack once, each thread in its
     * own order. */
    static const unsigned strides[THREADS] = {1, 3, 7, 9, 11, 13, 17, 499};
    uintptr_t ips[DEPTH];
    pthread_barrier_wait(&start_line);
    for (unsigned i = 0; i < RACE_STACKS; i++) {
        unsigned k = (i * strides[t] + t * 61u) % RACE_STACKS;
        fill(ips, 1000 + k, race_len(k));
        race_ids[t][k] = stack_store(ips, race_len(k));
    }
    return NULL;
}

/* --- captures from named functions ---------------------------------------- */

static uint32_t captured;
static int capture_armed;
/* A tree of two nodes, for twalk(): libc calls the action below from its
 * own frames, which sanitizers leave alone (unlike qsort's comparator).
 * Two, because the action is a tail call for a leaf: its first call, for
 * the root, leaves libc's frame on the stack. */
static void *walk_root;

static int compare_ints(const void *a, const void *b) {
    return (*(const int *)a > *(const int *)b) -
           (*(const int *)a < *(const int *)b);
}

/* twalk() action that captures once: its caller is libc, so the
 * capture's first frames are there and the test's functions follow. */
static void capture_action(const void *node, VISIT which, int level) {
    (void)node, (void)which, (void)level;
    if (capture_armed) {
        capture_armed = 0;
        captured = stack_capture();
    }
}

/* Capture through twalk() from the calling function, into `captured`. */
#define CAPTURE_HERE()                                                         \
    do {                                                                       \
        capture_armed = 1;                                                     \
        captured = 0;                                                          \
        twalk(walk_root, capture_action);                                      \
        __asm__ volatile("" ::: "memory");                                     \
    } while (0)

/* The function whose name the capture and the naming must find: static,
 * so only .symtab knows it. */
static __attribute__((noinline)) uint32_t stack_t_named_caller(void) {
    CAPTURE_HERE();
    return captured;
}

static __attribute__((noinline)) uintptr_t return_address(void) {
    uintptr_t ra = (uintptr_t)__builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
    return ra;
}

/* A return address inside a static function, as a captured frame is. */
static __attribute__((noinline)) uintptr_t stack_t_static_site(void) {
    uintptr_t ra = return_address();
    __asm__ volatile("" ::: "memory");
    return ra;
}

static __attribute__((noinline)) uint32_t stack_t_recurse(int n) {
    uint32_t id;
    if (n == 0) {
        CAPTURE_HERE();
        id = captured;
    } else {
        id = stack_t_recurse(n - 1);
    }
    /* Not a tail call: every level keeps its frame. */
    __asm__ volatile("" : "+r"(id));
    return id;
}

/* Is IP inside this test program (not libc, not the sanitizer)? */
static int in_this_program(uintptr_t ip) {
    Dl_info self, info;
    if (dladdr((void *)(uintptr_t)in_this_program, &self) == 0 ||
        dladdr((void *)(ip - 1), &info) == 0)
        return 0;
    return info.dli_fbase == self.dli_fbase;
}

/* The index of the first frame of stack ID inside this program, or -1. */
static int first_own_frame(uint32_t id) {
    const uintptr_t *ips;
    int n = stack_frames(id, &ips);
    for (int i = 0; i < n; i++)
        if (in_this_program(ips[i]))
            return i;
    return -1;
}

/* The function name of frame I of stack ID ("" when none). */
static const char *frame_func(uint32_t id, int i, struct frame_name *f) {
    const uintptr_t *ips;
    f->func[0] = '\0';
    if (i >= 0 && i < stack_frames(id, &ips))
        symbols_name(ips[i], f);
    return f->func;
}

static uint32_t small_thread_id;
static int small_thread_done;

static void *small_thread(void *arg) {
    (void)arg;
    small_thread_id = stack_capture();
    small_thread_done = 1;
    return NULL;
}

int main(void) {
    uintptr_t a[24], b[24];
    const uintptr_t *ips;

    plan(43);

    /* --- before stack_init ---------------------------------------------- */
    fill(a, 1, 8);
    is_int(0, stack_store(a, 8), "stack_store before stack_init gives id 0");
    is_int(0, stack_capture(), "stack_capture before stack_init gives id 0");
    is_int(0, stack_frames(1, &ips), "no stack 1 before stack_init");

    is_int(0, stack_init(DEPTH), "stack_init(16) succeeds");
    unsigned base = stack_count();
    is_int(0, base, "no stack stored by stack_init itself");

    /* --- the store, one thread -------------------------------------------- */
    uint32_t id_a = stack_store(a, 8);
    is_int(1, id_a, "the first stack gets id 1");
    fill(b, 2, 8);
    uint32_t id_b = stack_store(b, 8);
    is_int(2, id_b, "a second, different stack gets id 2");
    is_int(id_a, stack_store(a, 8), "the same frames again: the same id");
    uintptr_t copy[8];
    memcpy(copy, a, sizeof copy);
    is_int(id_a, stack_store(copy, 8),
           "equal frames at another address: the same id");
    uint32_t id_short = stack_store(a, 5);
    ok(id_short != 0 && id_short != id_a,
       "a prefix of a stored stack (5 of 8 frames) gets an id of its own");
    memcpy(copy, a, sizeof copy);
    copy[7] ^= 0x10;
    uint32_t id_last = stack_store(copy, 8);
    ok(id_last != 0 && id_last != id_a, "one frame differing: another id");
    ok(holds(id_a, a, 8) && holds(id_b, b, 8) && holds(id_short, a, 5) &&
           holds(id_last, copy, 8),
       "stack_frames gives back exactly the frames stored");
    is_int(4, stack_count() - base, "four distinct stacks counted");
    is_int(0, stack_frames(0, &ips), "id 0 has no frames");
    is_int(0, stack_frames(60000, &ips), "an id never handed out has none");
    is_int(0, stack_frames(STACK_STORE_MAX + 1, &ips),
           "an id beyond the store has none");
    is_int(0, stack_frames(UINT32_MAX, &ips), "nor has UINT32_MAX");
    is_int(0, stack_store(a, 0), "an empty stack gets id 0");

    /* --- depth ------------------------------------------------------------ */
    fill(a, 3, 20);
    uint32_t id_deep = stack_store(a, 20);
    is_int(DEPTH, stack_frames(id_deep, &ips),
           "20 frames stored at depth 16: 16 kept");
    ok(holds(id_deep, a, DEPTH), "... the first 16, in order");
    is_int(id_deep, stack_store(a, DEPTH),
           "the same 16 frames alone: the same id");
    a[18] ^= 0x10;
    is_int(id_deep, stack_store(a, 20),
           "frames differing beyond the depth: still the same id");
    is_int(5, id_deep, "ids stay small: the fifth distinct stack is id 5");

    /* --- racing threads --------------------------------------------------- */
    unsigned before = stack_count();
    pthread_t threads[THREADS];
    pthread_barrier_init(&start_line, NULL, THREADS);
    for (long t = 0; t < THREADS; t++)
        pthread_create(&threads[t], NULL, racer, (void *)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    pthread_barrier_destroy(&start_line);
    int disagree = 0, zero = 0, wrong = 0, dupes = 0;
    uint32_t max_id = 0;
    static unsigned char seen_id[STACK_STORE_MAX + 1];
    for (unsigned k = 0; k < RACE_STACKS; k++) {
        uint32_t id = race_ids[0][k];
        zero += id == 0;
        for (int t = 1; t < THREADS; t++)
            disagree += race_ids[t][k] != id;
        uintptr_t want[DEPTH];
        fill(want, 1000 + k, race_len(k));
        wrong += !holds(id, want, race_len(k));
        if (id <= STACK_STORE_MAX)
            dupes += seen_id[id]++ != 0;
        if (id > max_id)
            max_id = id;
    }
    is_int(0, disagree, "8 racing threads: the same id for the same stack");
    is_int(0, zero, "... none got id 0");
    is_int(0, dupes, "... 500 distinct ids for 500 distinct stacks");
    is_int(0, wrong, "... each id holds its stack's frames");
    is_int(RACE_STACKS, stack_count() - before,
           "... stack_count() grew by exactly 500");
    ok(max_id <= before + RACE_STACKS * THREADS,
       "... ids stay below the number of insertions (max %u)",
       (unsigned)max_id);
    is_int(0, (long long)stack_dropped(), "nothing dropped so far");

    /* --- captures from named functions ------------------------------------ */
    static int keys[2] = {1, 2};
    tsearch(&keys[0], &walk_root, compare_ints);
    tsearch(&keys[1], &walk_root, compare_ints);
    /* One call site, run twice (volatile: the loop is not unrolled). */
    uint32_t twice[2];
    for (volatile int i = 0; i < 2; i++)
        twice[i] = stack_t_named_caller();
    uint32_t id_named = twice[0];
    ok(id_named != 0, "stack_capture() from a named function: an id");
    int own = first_own_frame(id_named);
    ok(own >= 1,
       "leading frames in the linked-in library skipped (the "
       "first of the test's frames is #%d, after libc's)",
       own);
    struct frame_name f;
    is_string("stack_t_named_caller", frame_func(id_named, own, &f),
              "that frame names the static function (from .symtab)");
    is_string("main", frame_func(id_named, own + 1, &f),
              "... and the next names its caller, main");
    is_int(id_named, twice[1],
           "a second capture from the same place: the same id");

    symbols_name(stack_t_static_site(), &f);
    is_string("stack_t_static_site", f.func,
              "symbols_name: a return address inside a static function");
    ok(f.func_offset > 0 &&
           strcmp(f.module, program_invocation_short_name) == 0,
       "... in this program, at a positive offset (%s+%#lx)", f.module,
       (unsigned long)f.func_offset);
    symbols_name((uintptr_t)twalk + 1, &f);
    ok(strstr(f.func, "twalk") != NULL && strstr(f.module, "libc") != NULL,
       "symbols_name: a libc function (%s in %s)", f.func, f.module);

    /* --- small stacks and deep recursion ---------------------------------- */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    size_t small = PTHREAD_STACK_MIN > 16384 ? PTHREAD_STACK_MIN : 16384;
    int rc = pthread_attr_setstacksize(&attr, small);
    pthread_t tiny;
    if (rc == 0)
        rc = pthread_create(&tiny, &attr, small_thread, NULL);
    if (rc == 0)
        pthread_join(tiny, NULL);
    pthread_attr_destroy(&attr);
    ok(rc == 0 && small_thread_done,
       "capture on a %zu-byte thread stack returns (id %u)", small,
       (unsigned)small_thread_id);
    ok(small_thread_id != 0 || stack_dropped() == 1,
       "... and a capture skipped for lack of room counts as dropped");

    uint32_t id_rec = stack_t_recurse(1000);
    ok(id_rec != 0, "capture under 1000 recursive calls: an id");
    is_int(DEPTH, stack_frames(id_rec, &ips), "... truncated to 16 frames");
    own = first_own_frame(id_rec);
    int all_recurse = own >= 1;
    for (int i = own; all_recurse && i < DEPTH; i++)
        all_recurse = strcmp(frame_func(id_rec, i, &f), "stack_t_recurse") == 0;
    ok(all_recurse, "... the test's frames all name stack_t_recurse");
    return 0;
}
