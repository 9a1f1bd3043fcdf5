/*
 * fdtab-t.c — the lock-free fd table: lookup, lazy chunks, copy, clear,
 * the high end of the fd range, and racing threads.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "lib/base/fdtab.h"
#include "t/tap/basic.h"

#define THREADS 8

static void mark(int fd, uint8_t family) {
    struct fd_slot *slot = fdtab_slot(fd);
    slot->family = family;
    slot->role = ROLE_CONNECT;
    fdtab_set_flags(slot, FD_TRACKED | FD_TCP);
}

static void *racer(void *arg) {
    /* Every thread maps the same fresh chunk and marks its own slots. */
    int base = 5000000 + (int)(long)arg;
    for (int i = 0; i < 64; i++)
        mark(base + i * THREADS, 2);
    return NULL;
}

int main(void) {
    plan(19);

    ok(fdtab_peek(3) == NULL, "no slot before first use (nothing mapped)");
    ok(fdtab_slot(-1) == NULL && fdtab_slot(FDTAB_MAX_FD) == NULL,
       "out-of-range fds have no slot");
    mark(3, 10);
    ok(fdtab_peek(3) != NULL && (fdtab_flags(fdtab_peek(3)) & FD_TRACKED),
       "slot 3 tracked");
    is_int(0, fdtab_flags(fdtab_peek(4)), "neighbour slot 4 untouched");

    mark(FDTAB_MAX_FD - 1, 2);
    ok(fdtab_flags(fdtab_peek(FDTAB_MAX_FD - 1)) & FD_TRACKED,
       "the highest fd (2^30 - 1) is tracked");
    mark(1048575, 2);
    ok(fdtab_flags(fdtab_peek(1048575)) & FD_TRACKED,
       "fd 1048575 (a common hard RLIMIT_NOFILE - 1) is tracked");

    fdtab_copy(3, 70000);
    struct fd_slot *copy = fdtab_peek(70000);
    ok(copy != NULL && copy->family == 10 && copy->role == ROLE_CONNECT &&
           (fdtab_flags(copy) & FD_TCP),
       "copy carries family, role and flags");
    fdtab_copy(4, 70000);
    is_int(0, fdtab_flags(fdtab_peek(70000)),
           "copying an untracked fd over a tracked one clears it");
    fdtab_copy(3, 3);
    ok(fdtab_flags(fdtab_peek(3)) & FD_TRACKED, "dup2(s, s) keeps tracking");

    is_int(3, (long long)fdtab_count_tracked(), "three tracked sockets");
    fdtab_clear_range(1000000, 2000000);
    is_int(0, fdtab_flags(fdtab_peek(1048575)), "clear_range clears inside");
    is_int(2, (long long)fdtab_count_tracked(), "and nothing outside");
    fdtab_clear(3);
    is_int(0, fdtab_flags(fdtab_peek(3)), "clear forgets the fd");

    /* The count that lets the write family skip the table. */
    is_int(0, fdtab_write_shut_count, "no socket shut down for writing");
    struct fd_slot *w = fdtab_slot(40);
    fdtab_set_flags(w, FD_TRACKED | FD_TCP);
    fdtab_add_flags(w, FD_SHUT_WR);
    fdtab_add_flags(w, FD_SHUT_WR | FD_SHUT_RD);
    is_int(1, fdtab_write_shut_count, "shutdown(SHUT_WR), twice: counted once");
    fdtab_copy(40, 41);
    is_int(2, fdtab_write_shut_count, "a dup() of it is counted too");
    fdtab_copy(7, 41);
    is_int(1, fdtab_write_shut_count, "dup2() of another fd over the copy");
    fdtab_clear(40);
    fdtab_clear(41);
    is_int(0, fdtab_write_shut_count, "closed: back to 0");

    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, racer, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    int seen = 0;
    for (int fd = 5000000; fd < 5000000 + 64 * THREADS; fd++)
        seen += (fdtab_flags(fdtab_peek(fd)) & FD_TRACKED) != 0;
    is_int(64 * THREADS, seen, "threads racing to map one chunk lose no slot");
    return 0;
}
