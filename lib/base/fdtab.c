/*
 * fdtab.c — the lock-free fd table (see fdtab.h for the contract).
 *
 * Why chunks from mmap and not malloc: the table is filled from wrappers
 * that may run in signal handlers or before malloc is usable.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include "base/fdtab.h"

#include <string.h>
#include <sys/mman.h>

#define CHUNK_SHIFT FDTAB_CHUNK_SHIFT
#define CHUNK_SLOTS FDTAB_CHUNK_SLOTS
#define CHUNK_COUNT (FDTAB_MAX_FD >> CHUNK_SHIFT)

/* 2^20 pointers = 8 MiB of virtual space in .bss; only the pages that hold
 * pointers to live chunks are ever touched. */
struct fd_slot *fdtab_chunks[CHUNK_COUNT];
/* One past the highest chunk ever mapped: bounds every walk of the table
 * so that walking never touches the untouched part of `fdtab_chunks`. */
static unsigned chunks_used;
unsigned fdtab_write_shut_count;

struct fd_slot *fdtab_slot(int fd) {
    struct fd_slot *slot = fdtab_peek(fd);
    if (slot != NULL || (unsigned)fd >= FDTAB_MAX_FD)
        return slot;
    struct fd_slot *fresh =
        mmap(NULL, CHUNK_SLOTS * sizeof(struct fd_slot), PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fresh == MAP_FAILED)
        return NULL;
    struct fd_slot *expected = NULL;
    unsigned index = (unsigned)fd >> CHUNK_SHIFT;
    /* Two threads may race to map the same chunk: the loser unmaps. */
    if (!__atomic_compare_exchange_n(&fdtab_chunks[index], &expected, fresh, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        munmap(fresh, CHUNK_SLOTS * sizeof(struct fd_slot));
    unsigned used = __atomic_load_n(&chunks_used, __ATOMIC_RELAXED);
    while (used <= index &&
           !__atomic_compare_exchange_n(&chunks_used, &used, index + 1, 0,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        ;
    return fdtab_peek(fd);
}

void fdtab_clear(int fd) {
    struct fd_slot *slot = fdtab_peek(fd);
    if (slot != NULL && fdtab_flags(slot) != 0) {
        fdtab_set_flags(slot, 0);
        slot->app_set = 0;
        slot->decided = 0;
        slot->policy_set = 0;
        slot->create_stack = 0;
        slot->eof_stack = 0;
        slot->inode = 0;
        __atomic_fetch_add(&slot->gen, 1, __ATOMIC_RELEASE);
    }
}

int fdtab_forget_if(struct fd_slot *slot, uint32_t flags, uint32_t gen) {
    union {
        struct {
            uint32_t flags, gen;
        };
        uint64_t both;
    } seen = {{flags, gen}}, cleared = {{0, gen + 1}};
    if (!__atomic_compare_exchange_n(&slot->flags_gen, &seen.both, cleared.both,
                                     0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return 0;
    fdtab_count_write_shut(flags, 0);
    /* The other fields are left as they are: a socket tracked here from
     * now on may already be writing them, and sets every one itself. */
    return 1;
}

void fdtab_clear_range(unsigned lo, unsigned hi) {
    unsigned used = __atomic_load_n(&chunks_used, __ATOMIC_ACQUIRE);
    unsigned end = used << CHUNK_SHIFT; /* no slot exists at or past it */
    if (hi >= end)
        hi = end - 1;
    for (unsigned fd = lo; used != 0 && fd <= hi; fd++)
        fdtab_clear((int)fd);
}

void fdtab_copy(int oldfd, int newfd) {
    struct fd_slot *from = fdtab_peek(oldfd);
    uint32_t flags = fdtab_flags(from);
    if (flags == 0) {
        fdtab_clear(newfd);
        return;
    }
    struct fd_slot *to = fdtab_slot(newfd);
    if (to == NULL || to == from)
        return;
    fdtab_set_flags(to, 0);
    to->family = from->family;
    to->role = (uint8_t)fdtab_role(from);
    to->sock_type = from->sock_type;
    to->app_set = fdtab_app_set(from);
    to->decided = fdtab_decided(from);
    to->policy_set = fdtab_policy_set(from);
    to->create_stack = from->create_stack;
    to->close_stack = 0;
    to->eof_stack = from->eof_stack;
    to->eof_ms = from->eof_ms;
    to->inode = from->inode;
    to->fork_pid = from->fork_pid;
    __atomic_fetch_add(&to->gen, 1, __ATOMIC_RELEASE);
    __atomic_fetch_or(&from->flags, FD_SHARED, __ATOMIC_RELEASE);
    fdtab_set_flags(to, flags | FD_SHARED);
}

void fdtab_for_each(int (*fn)(int fd, struct fd_slot *slot, void *data),
                    void *data) {
    unsigned used = __atomic_load_n(&chunks_used, __ATOMIC_ACQUIRE);
    for (unsigned c = 0; c < used; c++) {
        struct fd_slot *chunk =
            __atomic_load_n(&fdtab_chunks[c], __ATOMIC_ACQUIRE);
        if (chunk == NULL)
            continue;
        for (unsigned i = 0; i < CHUNK_SLOTS; i++)
            if ((fdtab_flags(&chunk[i]) & FD_TRACKED) &&
                fn((int)(c << CHUNK_SHIFT | i), &chunk[i], data) != 0)
                return;
    }
}

unsigned long fdtab_count_tracked(void) {
    unsigned long n = 0;
    unsigned used = __atomic_load_n(&chunks_used, __ATOMIC_ACQUIRE);
    for (unsigned c = 0; c < used; c++) {
        struct fd_slot *chunk =
            __atomic_load_n(&fdtab_chunks[c], __ATOMIC_ACQUIRE);
        if (chunk == NULL)
            continue;
        for (unsigned i = 0; i < CHUNK_SLOTS; i++)
            n += (fdtab_flags(&chunk[i]) & FD_TRACKED) != 0;
    }
    return n;
}

const char *role_name(int role) {
    static const char *const names[ROLE_COUNT] = {"none", "listen", "accept",
                                                  "connect"};
    return role >= 0 && role < ROLE_COUNT ? names[role] : "none";
}
