/*
 * privfd.c — the registry of sockshim's own descriptors (see privfd.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "base/privfd.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/real.h"

static int slots[PRIVFD_COUNT] = {-1, -1, -1, -1, -1};
_Static_assert(PRIVFD_COUNT == 5, "slots[] initialises every slot to -1");

static const struct privfd_handlers *handlers[PRIVFD_COUNT];

/* Numbers programs commonly reach when the soft limit is the usual 1024
 * or more: private descriptors start above them. */
#define PRIVFD_FLOOR_LARGE 1000
/* With a smaller limit: this far below it, while that leaves room. */
#define PRIVFD_BELOW_LIMIT 24

void privfd_set_handlers(enum privfd_slot slot,
                         const struct privfd_handlers *h) {
    __atomic_store_n(&handlers[slot], h, __ATOMIC_RELEASE);
}

int privfd_floor(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 3;
    if (rl.rlim_cur > 1024)
        return PRIVFD_FLOOR_LARGE;
    if (rl.rlim_cur > 2 * PRIVFD_BELOW_LIMIT)
        return (int)rl.rlim_cur - PRIVFD_BELOW_LIMIT;
    /* A tiny limit: the upper half, still above the numbers programs
     * reach first. */
    return rl.rlim_cur > 6 ? (int)rl.rlim_cur / 2 : 3;
}

int privfd_move(int fd) {
    if (fd < 0)
        return -1;
    int high = real_fcntl(fd, F_DUPFD_CLOEXEC, privfd_floor());
    real_close(fd);
    return high;
}

int privfd_get(enum privfd_slot slot) {
    return __atomic_load_n(&slots[slot], __ATOMIC_ACQUIRE);
}

int privfd_exchange(enum privfd_slot slot, int fd) {
    return __atomic_exchange_n(&slots[slot], fd, __ATOMIC_ACQ_REL);
}

int privfd_publish(enum privfd_slot slot, int fd) {
    int expected = -1;
    return __atomic_compare_exchange_n(&slots[slot], &expected, fd, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int privfd_forget(enum privfd_slot slot, int fd) {
    if (fd < 0)
        return 0;
    return __atomic_compare_exchange_n(&slots[slot], &fd, -1, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

enum privfd_slot privfd_owner(int fd) {
    if (fd < 0)
        return PRIVFD_COUNT;
    for (int s = 0; s < PRIVFD_COUNT; s++)
        if (__atomic_load_n(&slots[s], __ATOMIC_RELAXED) == fd)
            return (enum privfd_slot)s;
    return PRIVFD_COUNT;
}

int privfd_list(int out[PRIVFD_COUNT]) {
    int n = 0;
    for (int s = 0; s < PRIVFD_COUNT; s++) {
        int fd = privfd_get((enum privfd_slot)s);
        if (fd < 0)
            continue;
        /* Five numbers at most: insertion as they come. */
        int j = n++;
        for (; j > 0 && out[j - 1] > fd; j--)
            out[j] = out[j - 1];
        out[j] = fd;
    }
    return n;
}

void privfd_taken(int fd) {
    enum privfd_slot slot = privfd_owner(fd);
    if (slot == PRIVFD_COUNT)
        return;
    const struct privfd_handlers *h =
        __atomic_load_n(&handlers[slot], __ATOMIC_ACQUIRE);
    if (h != NULL && h->taken != NULL)
        h->taken(fd);
    else
        privfd_forget(slot, fd);
}

void privfd_closed_from(unsigned lo) {
    /* Each owner once, however many of its descriptors are concerned. */
    const struct privfd_handlers *told[PRIVFD_COUNT];
    int told_count = 0;
    for (int s = 0; s < PRIVFD_COUNT; s++) {
        int fd = privfd_get((enum privfd_slot)s);
        if (fd < 0 || (unsigned)fd < lo)
            continue;
        const struct privfd_handlers *h =
            __atomic_load_n(&handlers[s], __ATOMIC_ACQUIRE);
        if (h == NULL || h->closed_from == NULL) {
            privfd_forget((enum privfd_slot)s, fd);
            continue;
        }
        int seen = 0;
        for (int i = 0; i < told_count; i++)
            seen |= told[i] == h;
        if (!seen) {
            told[told_count++] = h;
            h->closed_from(lo);
        }
    }
}
