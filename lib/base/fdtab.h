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
 * is already a bug in the program). A new socket's fields are written
 * before `flags` is published with release order, and readers load `flags`
 * with acquire. Later changes (role, app_set, decided) go through the
 * atomic helpers below, since two threads may call setsockopt() on one
 * socket at once.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
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
    FD_TRACKED = 1u << 0,   /* a socket sockshim saw created */
    FD_TCP = 1u << 1,       /* AF_INET/AF_INET6 stream TCP */
    FD_BOUND = 1u << 2,     /* bind() succeeded (or implicit) */
    FD_LISTENING = 1u << 3, /* listen() succeeded */
    FD_SHUT_RD = 1u << 4,   /* the program called shutdown(SHUT_RD/RDWR) */
    FD_SHUT_WR = 1u << 5,   /* the program called shutdown(SHUT_WR/RDWR) */
    /* Another descriptor may refer to the same socket (dup, or a fork):
     * closing this one does not close the connection. */
    FD_SHARED = 1u << 6,
    FD_PEER_CLOSED = 1u << 7, /* EOF read, or the kernel said CLOSE_WAIT */
    FD_CW_REPORTED = 1u << 8, /* close_wait was reported for it */
    FD_FORK_PARENT = 1u << 9, /* open when this process forked a child */
    FD_FORK_CHILD = 1u << 10, /* inherited from the parent at fork */
    FD_CREATED = 1u << 11,    /* made here: socket, socketpair, accept */
    /* The program read the peer's EOF: nothing can be left unread. */
    FD_EOF_READ = 1u << 12
};

/* Largest fd number tracked (exclusive); higher fds pass through. */
#define FDTAB_MAX_FD (1 << 30)

struct fd_slot {
    /* FD_* bits (0 means "not a tracked socket"), and a count bumped each
     * time the slot describes a new socket: the background scan reads
     * slots without a lock and checks it did not change. Side by side so
     * that fdtab_forget_if() can compare and clear both in one atomic. */
    union {
        struct {
            uint32_t flags;
            uint32_t gen;
        };
        uint64_t flags_gen;
    };
    uint8_t family;        /* AF_INET, AF_INET6, AF_UNIX, ... */
    uint8_t role;          /* enum sock_role */
    uint16_t sock_type;    /* SOCK_STREAM, SOCK_DGRAM, ... without flags */
    uint16_t app_set;      /* sockopt items the program set itself (bitmask) */
    uint16_t decided;      /* items whose moment passed (applied or not) */
    uint16_t policy_set;   /* items the policy's setsockopt() set on it */
    uint32_t create_stack; /* stack id where the socket was created */
    /* Stack id of the last close() sockshim saw of this number; kept
     * after the slot is cleared, for a later double close. */
    uint32_t close_stack;
    uint32_t eof_stack; /* where the peer's EOF was read (0: not seen) */
    uint32_t eof_ms;    /* when the peer closed (checks_now_ms clock) */
    /* The socket's inode on sockfs (one device holds every socket, so the
     * inode alone names it), 0 until identity.c has looked. */
    uint32_t inode;
    uint32_t fork_pid; /* the child (FD_FORK_PARENT) or the parent */
    /* When the scan thread first saw the socket (clock_now_ms clock, 0:
     * not yet): its age in the reports, within one scan period, at no
     * cost to the program's calls. */
    uint32_t seen_ms;
};

#define FDTAB_CHUNK_SHIFT 10
#define FDTAB_CHUNK_SLOTS (1u << FDTAB_CHUNK_SHIFT)

/* The top level of the table (fdtab.c); read through fdtab_peek(). */
/* (Declared hidden, as are the other globals the wrappers read: a plain
 * extern is reached through the GOT, one more load on every call.) */
extern struct fd_slot *fdtab_chunks[FDTAB_MAX_FD >> FDTAB_CHUNK_SHIFT]
    __attribute__((visibility("hidden")));

/* The slot for FD if its chunk exists, else NULL. Never allocates: safe on
 * every hot path and in signal handlers. Inline, since every read and
 * write of the program goes through it: a compare and two loads. */
static inline struct fd_slot *fdtab_peek(int fd) {
    if ((unsigned)fd >= FDTAB_MAX_FD)
        return 0;
    struct fd_slot *chunk = __atomic_load_n(
        &fdtab_chunks[(unsigned)fd >> FDTAB_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
    return chunk ? &chunk[(unsigned)fd & (FDTAB_CHUNK_SLOTS - 1)] : 0;
}

/* The slot for FD, mapping its chunk on first use. NULL when FD is out of
 * range or memory is exhausted (the fd is then simply not tracked). */
struct fd_slot *fdtab_slot(int fd);

/* Forget FD (closed, or its number reused by something we did not see).
 * Its close_stack stays. */
void fdtab_clear(int fd);

/* Forget every fd in [LO, HI] (close_range). */
void fdtab_clear_range(unsigned lo, unsigned hi);

/* Forget SLOT if it still holds FLAGS at generation GEN (as read before
 * the caller looked at the descriptor): returns 1 when forgotten, 0 when
 * the slot changed meanwhile (a new socket there is left alone). For a
 * slot found stale by another thread than the program's own. */
int fdtab_forget_if(struct fd_slot *slot, uint32_t flags, uint32_t gen);

/* Make NEWFD describe the same socket as OLDFD (dup family); both are
 * then FD_SHARED. */
void fdtab_copy(int oldfd, int newfd);

/* Load FLAGS of SLOT with acquire order (0 for a NULL slot). */
static inline uint32_t fdtab_flags(const struct fd_slot *slot) {
    return slot ? __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE) : 0;
}

/* How many slots have FD_SHUT_WR. While it is 0 (nearly every program,
 * nearly all the time), the write family skips the table altogether. Kept
 * by fdtab_set_flags() and fdtab_add_flags(), the only writers of that
 * bit. */
extern unsigned fdtab_write_shut_count __attribute__((visibility("hidden")));

static inline void fdtab_count_write_shut(uint32_t old, uint32_t now) {
    if ((old ^ now) & FD_SHUT_WR)
        __atomic_fetch_add(&fdtab_write_shut_count,
                           (now & FD_SHUT_WR) ? 1u : (unsigned)-1,
                           __ATOMIC_RELEASE);
}

/* Publish FLAGS on SLOT with release order, after its other fields. */
static inline void fdtab_set_flags(struct fd_slot *slot, uint32_t flags) {
    uint32_t old = __atomic_exchange_n(&slot->flags, flags, __ATOMIC_ACQ_REL);
    fdtab_count_write_shut(old, flags);
}

/* Add the bits BITS to SLOT's flags; returns the flags before. */
static inline uint32_t fdtab_add_flags(struct fd_slot *slot, uint32_t bits) {
    uint32_t old = __atomic_fetch_or(&slot->flags, bits, __ATOMIC_ACQ_REL);
    fdtab_count_write_shut(old, old | bits);
    return old;
}

/* "none", "listen", "accept" or "connect". */
const char *role_name(int role);

/* Record that the program set the sockopt items BITS itself. */
static inline void fdtab_mark_app_set(struct fd_slot *slot, uint16_t bits) {
    __atomic_fetch_or(&slot->app_set, bits, __ATOMIC_RELAXED);
}

static inline uint16_t fdtab_app_set(const struct fd_slot *slot) {
    return __atomic_load_n(&slot->app_set, __ATOMIC_RELAXED);
}

/* Claim the decision on items BITS: returns those of BITS no one decided
 * before (each item is decided exactly once per socket). */
static inline uint16_t fdtab_claim_decided(struct fd_slot *slot,
                                           uint16_t bits) {
    return bits &
           (uint16_t)~__atomic_fetch_or(&slot->decided, bits, __ATOMIC_ACQ_REL);
}

/* Record that the policy set the items BITS on SLOT. */
static inline void fdtab_mark_policy_set(struct fd_slot *slot, uint16_t bits) {
    __atomic_fetch_or(&slot->policy_set, bits, __ATOMIC_RELAXED);
}

static inline uint16_t fdtab_policy_set(const struct fd_slot *slot) {
    return __atomic_load_n(&slot->policy_set, __ATOMIC_RELAXED);
}

static inline uint16_t fdtab_decided(const struct fd_slot *slot) {
    return __atomic_load_n(&slot->decided, __ATOMIC_ACQUIRE);
}

static inline int fdtab_role(const struct fd_slot *slot) {
    return __atomic_load_n(&slot->role, __ATOMIC_RELAXED);
}

static inline void fdtab_set_role(struct fd_slot *slot, int role) {
    __atomic_store_n(&slot->role, (uint8_t)role, __ATOMIC_RELAXED);
}

/* Is SLOT (with FLAGS) a TCP connection, accepted or connected: the
 * sockets whose close and CLOSE_WAIT the diagnostics judge? */
static inline int fdtab_is_connection(uint32_t flags,
                                      const struct fd_slot *slot) {
    if (!(flags & FD_TCP) || (flags & FD_LISTENING))
        return 0;
    int role = fdtab_role(slot);
    return role == ROLE_ACCEPT || role == ROLE_CONNECT;
}

/* Call FN(fd, slot, DATA) for every tracked slot, in fd order, until it
 * returns non-zero. Lock-free: slots may change meanwhile (check `gen`). */
void fdtab_for_each(int (*fn)(int fd, struct fd_slot *slot, void *data),
                    void *data);

/* Count of tracked sockets (for tests and the summary). */
unsigned long fdtab_count_tracked(void);

#endif
