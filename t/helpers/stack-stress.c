/*
 * stack-stress — many threads capturing the same few stacks at once, for
 * t/e2e/stacks.sh: every distinct call path must get exactly one stack id.
 *
 *   stack-stress [stress]   8 threads x 2000 rounds. Even rounds make a TCP
 *                           socket at call site A (stress_create_a, called
 *                           by stress_round_a), odd rounds a UDP socket at
 *                           site B (stress_create_b, by stress_round_b);
 *                           every socket is closed at site C
 *                           (stress_close). Every fourth round, A's socket
 *                           is first dup()ed and the copy closed at C too,
 *                           from its own call in stress_round_a. Prints
 *                           "sockets=N" (socket() calls that succeeded)
 *                           and "dups=N". 5 distinct call paths reach
 *                           socket() or close() (A, B; C from round A's
 *                           dup, round A and round B), 3 of them differ in
 *                           their first frame (A, B, C): t/e2e/stacks.sh
 *                           expects those counts of stacks.
 *   stack-stress named      one TCP socket made at site A, shut down
 *                           unconnected at stress_shutdown (ENOTCONN: a
 *                           shutdown_misuse event with both stacks),
 *                           closed at C, all called from cmd_named;
 *                           prints "named done".
 *   stack-stress heap-stack a coroutine (makecontext) on a 6 KiB stack
 *                           carved out of a heap block, as green-thread
 *                           libraries do, makes a TCP socket; the 32 KiB
 *                           of the block below the stack are filled with a
 *                           pattern first. Prints "overflow_bytes=N": how
 *                           far below the stack the pattern was
 *                           overwritten (0: the stack sufficed). Without
 *                           sockshim the call needs about 3.2 KiB.
 *
 * Exit status 0 when every call did what it should, 1 otherwise (the
 * reason on stderr, prefixed "stack-stress:"). The helper is built with -g
 * and without sockshim; the test preloads the library. The call-site
 * functions are noinline, differ in their bodies (no identical code
 * folding) and do work after each call (no tail calls), so that each call
 * path keeps its own frames.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#define THREADS 8
#define ROUNDS 2000
#define DUP_EVERY 4

#if defined(__GNUC__) && !defined(__clang__)
#define CALL_SITE __attribute__((noinline, noclone))
#else
#define CALL_SITE __attribute__((noinline))
#endif
/* Keep V live after the call that made it: no tail call, no merging. */
#define KEEP(v) __asm__ volatile("" : "+r"(v))

static unsigned long sockets_made, dups_made, failures;
static pthread_barrier_t start_line;

static void fail(const char *what) {
    fprintf(stderr, "stack-stress: %s: %s\n", what, strerror(errno));
    __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
}

/* Site A: a TCP socket. */
static CALL_SITE int stress_create_a(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    KEEP(fd);
    return fd;
}

/* Site B: a UDP socket. */
static CALL_SITE int stress_create_b(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    KEEP(fd);
    return fd;
}

/* Site C: every close. */
static CALL_SITE int stress_close(int fd) {
    int rc = close(fd);
    KEEP(rc);
    return rc;
}

static CALL_SITE void stress_round_a(int with_dup) {
    int fd = stress_create_a();
    if (fd < 0) {
        fail("socket (site A)");
        return;
    }
    __atomic_fetch_add(&sockets_made, 1, __ATOMIC_RELAXED);
    if (with_dup) {
        int copy = dup(fd);
        if (copy < 0) {
            fail("dup");
        } else {
            __atomic_fetch_add(&dups_made, 1, __ATOMIC_RELAXED);
            if (stress_close(copy) != 0)
                fail("close (dup)");
        }
    }
    if (stress_close(fd) != 0)
        fail("close (site A's socket)");
    KEEP(fd);
}

static CALL_SITE void stress_round_b(void) {
    int fd = stress_create_b();
    if (fd < 0) {
        fail("socket (site B)");
        return;
    }
    __atomic_fetch_add(&sockets_made, 1, __ATOMIC_RELAXED);
    if (stress_close(fd) != 0)
        fail("close (site B's socket)");
    KEEP(fd);
}

static void *stress_thread(void *arg) {
    (void)arg;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < ROUNDS; i++) {
        if (i % 2 == 0)
            stress_round_a(i % DUP_EVERY == 0);
        else
            stress_round_b();
    }
    return NULL;
}

static int cmd_stress(void) {
    pthread_t threads[THREADS];
    int e;
    pthread_barrier_init(&start_line, NULL, THREADS);
    for (int t = 0; t < THREADS; t++)
        if ((e = pthread_create(&threads[t], NULL, stress_thread, NULL)) != 0) {
            errno = e;
            fail("pthread_create");
            return 1;
        }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    pthread_barrier_destroy(&start_line);
    printf("sockets=%lu\ndups=%lu\n", sockets_made, dups_made);
    return failures != 0;
}

/* The call whose stack the shutdown_misuse event shows first. */
static CALL_SITE int stress_shutdown(int fd) {
    int rc = shutdown(fd, SHUT_RDWR);
    KEEP(rc);
    return rc;
}

static CALL_SITE int cmd_named(void) {
    int fd = stress_create_a();
    if (fd < 0) {
        fail("socket");
        return 1;
    }
    if (stress_shutdown(fd) != -1 || errno != ENOTCONN)
        fail("shutdown of an unconnected socket did not fail ENOTCONN");
    if (stress_close(fd) != 0)
        fail("close");
    printf("named done\n");
    return failures != 0;
}

#define HEAP_BELOW 32768
#define HEAP_STACK 6144
#define PATTERN 0xa5

static ucontext_t main_context, coroutine_context;
static int coroutine_fd = -1;

static void coroutine(void) { coroutine_fd = stress_create_a(); }

static int cmd_heap_stack(void) {
    unsigned char *block = malloc(HEAP_BELOW + HEAP_STACK);
    if (block == NULL || getcontext(&coroutine_context) != 0) {
        fail("malloc/getcontext");
        return 1;
    }
    memset(block, PATTERN, HEAP_BELOW + HEAP_STACK);
    coroutine_context.uc_stack.ss_sp = block + HEAP_BELOW;
    coroutine_context.uc_stack.ss_size = HEAP_STACK;
    coroutine_context.uc_link = &main_context;
    makecontext(&coroutine_context, coroutine, 0);
    if (swapcontext(&main_context, &coroutine_context) != 0) {
        fail("swapcontext");
        return 1;
    }
    size_t lowest = HEAP_BELOW;
    for (size_t i = 0; i < HEAP_BELOW; i++)
        if (block[i] != PATTERN) {
            lowest = i;
            break;
        }
    if (coroutine_fd < 0)
        fail("socket (coroutine)");
    else
        stress_close(coroutine_fd);
    printf("overflow_bytes=%zu\n", (size_t)HEAP_BELOW - lowest);
    return failures != 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "stress") == 0)
        return cmd_stress();
    if (strcmp(argv[1], "named") == 0)
        return cmd_named();
    if (strcmp(argv[1], "heap-stack") == 0)
        return cmd_heap_stack();
    fprintf(stderr, "usage: stack-stress [stress | named | heap-stack]\n");
    return 2;
}
