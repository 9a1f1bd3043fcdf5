/*
 * fdtab.h — what sockshim knows about each file descriptor.
 *
 * A two-level table indexed by fd number: a fixed top level of chunk
 * pointers (untouched pages of it cost no memory) and chunks of slots
 * mapped on first use. Reading a slot is two loads and takes no lock, so
 * the read/write wrappers can afford it. Any fd the kernel can hand out
 * (up to 2^30, the kernel's own ceiling for nr_open) has a slot.
 *
 * Concurrency: a slot describes one fd number; the program owns the
 * ordering of calls on one number (closing an fd another thread is using
 * is already a bug in the program). Fields are written before `flags` is
 * published with release order, and readers load `flags` with acquire.
 */
#ifndef SOCKSHIM_FDTAB_H
#define SOCKSHIM_FDTAB_H

#include <stdint.h>

enum sock_role {
    ROLE_NONE = 0, /* created, not yet bound/listening/connecting */
    ROLE_LISTEN,
    ROLE_ACCEPT,
    ROLE_CONNECT,
    ROLE_COUNT
};

/* Bits of fd_slot.flags. */
enum {
    FD_TRACKED = 1u << 0,    /* a socket sockshim saw created */
    FD_TCP = 1u << 1,        /* AF_INET/AF_INET6 stream TCP */
    FD_BOUND = 1u << 2,      /* bind() succeeded (or implicit) */
    FD_LISTENING = 1u << 3,  /* listen() succeeded */
    FD_POLICY_DONE = 1u << 4 /* role options applied (or audited) */
};

struct fd_slot {
    uint32_t flags;     /* FD_* bits; 0 means "not a tracked socket" */
    uint8_t family;     /* AF_INET, AF_INET6, AF_UNIX, ... */
    uint8_t role;       /* enum sock_role */
    uint16_t sock_type; /* SOCK_STREAM, SOCK_DGRAM, ... without flags */
    uint16_t app_set;   /* sockopt items the program set itself (bitmask) */
    uint16_t applied;   /* sockopt items sockshim set (bitmask) */
    uint16_t decided;   /* items whose moment passed (applied or not) */
    uint16_t reserved;
};

/* Largest fd number tracked (exclusive); higher fds pass through. */
#define FDTAB_MAX_FD (1 << 30)

/* The slot for FD if its chunk exists, else NULL. Never allocates: safe on
 * every hot path and in signal handlers. */
struct fd_slot *fdtab_peek(int fd);

/* The slot for FD, mapping its chunk on first use. NULL when FD is out of
 * range or memory is exhausted (the fd is then simply not tracked). */
struct fd_slot *fdtab_slot(int fd);

/* Forget FD (closed, or its number reused by something we did not see). */
void fdtab_clear(int fd);

/* Forget every fd in [LO, HI] (close_range). */
void fdtab_clear_range(unsigned lo, unsigned hi);

/* Make NEWFD describe the same socket as OLDFD (dup family). */
void fdtab_copy(int oldfd, int newfd);

/* Load FLAGS of SLOT with acquire order (0 for a NULL slot). */
static inline uint32_t fdtab_flags(const struct fd_slot *slot)
{
    return slot ? __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE) : 0;
}

/* Publish FLAGS on SLOT with release order, after its other fields. */
static inline void fdtab_set_flags(struct fd_slot *slot, uint32_t flags)
{
    __atomic_store_n(&slot->flags, flags, __ATOMIC_RELEASE);
}

/* "none", "listen", "accept" or "connect". */
const char *role_name(int role);

/* Count of tracked sockets (for tests and the summary). */
unsigned long fdtab_count_tracked(void);

#endif
