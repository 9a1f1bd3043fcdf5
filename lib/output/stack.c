/*
 * stack.c — stack capture and the stack store (see stack.h).
 *
 * The store is an append-only arena of fixed-size entries and an
 * open-addressing hash table of entry ids, both mapped once with mmap
 * (pages cost memory only when touched). Insertion is lock-free: a thread
 * fills a fresh entry, then publishes its id into an empty bucket with a
 * compare-and-swap. Two threads inserting the same new stack race for the
 * bucket; the loser finds the winner's equal entry and returns its id, so
 * a stack has exactly one id (the loser's arena entry is never handed out).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/stack.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "base/errno_scope.h"
#include "base/privfd.h"
#include "base/real.h"
#include "output/stackmap.h"

struct stack_entry {
    uint64_t hash;
    uint32_t depth;
    uint32_t unused;
    uintptr_t ips[]; /* `frames_kept` slots */
};

/* Twice as many buckets as entries keeps probe sequences short. */
#define BUCKET_COUNT (1u << 17)

static int frames_kept;       /* 0: capture off */
static size_t entry_size;     /* bytes per arena entry */
static unsigned char *arena;  /* STACK_STORE_MAX entries */
static uint32_t *buckets;     /* BUCKET_COUNT ids, 0 = empty */
static uint32_t next_entry;   /* entries handed out (ids 1..) */
static unsigned stored;       /* distinct stacks published */
static unsigned long dropped; /* captures that found the store full */

/* Our own code's address range: frames inside it are not shown. */
static uintptr_t own_start, own_end;

/* libunwind's validation pipe is registered in base/privfd.h; the flags
 * it was made with. */
static const enum privfd_slot unwind_pipe[2] = {PRIVFD_UNWIND_READ,
                                                PRIVFD_UNWIND_WRITE};
static int unwind_pipe_flags;

static __thread int capturing __attribute__((tls_model("initial-exec")));

/* Set once the program installs a signal stack (sigaltstack wrapper):
 * from then on a capture first checks it has room. */
static int altstack_in_use;
/* Captures skipped for lack of stack room. */
static unsigned long skipped;

int stack_capturing(void) { return capturing; }

static struct stack_entry *entry_at(uint32_t id) {
    return (struct stack_entry *)(arena + (size_t)(id - 1) * entry_size);
}

/* FNV-1a over the frames: cheap, and good enough to spread return
 * addresses, which differ in their low bits. */
static uint64_t hash_frames(const uintptr_t *ips, int n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < n; i++) {
        h ^= (uint64_t)ips[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

uint32_t stack_store(const uintptr_t *ips, int n) {
    int kept = __atomic_load_n(&frames_kept, __ATOMIC_RELAXED);
    if (n > kept)
        n = kept;
    if (arena == NULL || n <= 0)
        return 0;
    uint64_t hash = hash_frames(ips, n);
    uint32_t mine = 0; /* our filled, unpublished entry */
    for (uint32_t probe = 0, b = (uint32_t)hash & (BUCKET_COUNT - 1);
         probe < BUCKET_COUNT; probe++, b = (b + 1) & (BUCKET_COUNT - 1)) {
        uint32_t id = __atomic_load_n(&buckets[b], __ATOMIC_ACQUIRE);
        if (id == 0) {
            if (mine == 0) {
                /* Full: stop counting too, or ~2^32 unseen stacks later
                 * the ids would wrap and overwrite stored ones. (Racing
                 * threads pass it at most once each.) */
                if (__atomic_load_n(&next_entry, __ATOMIC_RELAXED) >=
                    STACK_STORE_MAX)
                    mine = STACK_STORE_MAX + 1;
                else
                    mine =
                        __atomic_fetch_add(&next_entry, 1, __ATOMIC_RELAXED) +
                        1;
                if (mine > STACK_STORE_MAX) {
                    __atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
                    return 0;
                }
                struct stack_entry *e = entry_at(mine);
                e->hash = hash;
                e->depth = (uint32_t)n;
                memcpy(e->ips, ips, (size_t)n * sizeof *ips);
            }
            if (__atomic_compare_exchange_n(&buckets[b], &id, mine, 0,
                                            __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                __atomic_fetch_add(&stored, 1, __ATOMIC_RELAXED);
                return mine;
            }
            /* Lost the bucket: ID now holds the winner; compare below. */
        }
        const struct stack_entry *e = entry_at(id);
        if (e->hash == hash && e->depth == (uint32_t)n &&
            memcmp(e->ips, ips, (size_t)n * sizeof *ips) == 0)
            return id;
    }
    __atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
    return 0;
}

/* Frames of sockshim itself (the wrapper, the hook, this function) sit on
 * top of every capture: room for them beyond the depth kept. */
#define OWN_FRAMES_MAX 8

/* Stack a capture needs: unw_backtrace() alone takes ~5.6 KiB (its cursor
 * and context), more on a cold cache. */
#define CAPTURE_STACK_NEED (12 * 1024)

void stack_note_altstack(void) {
    __atomic_store_n(&altstack_in_use, 1, __ATOMIC_RELAXED);
}

/* Is there room on this stack for a capture? Small thread stacks (16 KiB
 * with PTHREAD_STACK_MIN, less our TLS) and small signal stacks (8 KiB)
 * would overflow inside libunwind. */
static int room_to_capture(void) {
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (__atomic_load_n(&altstack_in_use, __ATOMIC_RELAXED)) {
        stack_t current;
        if (syscall(SYS_sigaltstack, NULL, &current) == 0 &&
            (current.ss_flags & SS_ONSTACK)) {
            uintptr_t base = (uintptr_t)current.ss_sp;
            return here > base && here - base >= CAPTURE_STACK_NEED;
        }
    }
    struct stack_mapping map;
    return stackmap_current(&map) && here >= map.lowest &&
           here - map.lowest >= CAPTURE_STACK_NEED;
}

/* libunwind sets itself up on first use, opening its pipe (through our
 * pipe2(), at private numbers: capturing is set), and that first use
 * costs ~200 us. Done at the first capture, not at start-up: a process
 * that never makes a socket holds no descriptor of sockshim's. Per-thread
 * caches: unwinding in one thread never waits for another (nor for
 * itself, in a signal handler). Call with capturing set. */
static void warm_up_once(void) {
    static int warm;
    if (__atomic_load_n(&warm, __ATOMIC_ACQUIRE))
        return;
    void *frames[4];
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    unw_backtrace(frames, 4);
    __atomic_store_n(&warm, 1, __ATOMIC_RELEASE);
}

/* The raw frames of a capture. */
uint32_t stack_capture(void) {
    int depth = __atomic_load_n(&frames_kept, __ATOMIC_RELAXED);
    if (depth == 0 || capturing)
        return 0;
    PRESERVE_ERRNO;
    if (!room_to_capture()) {
        __atomic_fetch_add(&skipped, 1, __ATOMIC_RELAXED);
        return 0;
    }
    void *raw[STACK_DEPTH_MAX + OWN_FRAMES_MAX];
    capturing = 1;
    warm_up_once();
    int n = unw_backtrace(raw, depth + OWN_FRAMES_MAX);
    capturing = 0;
    int first = 0;
    while (first < n && (uintptr_t)raw[first] >= own_start &&
           (uintptr_t)raw[first] < own_end)
        first++;
    uint32_t id = stack_store((const uintptr_t *)(raw + first),
                              n - first < depth ? n - first : depth);
    return id;
}

int stack_frames(uint32_t id, const uintptr_t **ips) {
    if (id == 0 || id > __atomic_load_n(&next_entry, __ATOMIC_ACQUIRE) ||
        id > STACK_STORE_MAX)
        return 0;
    const struct stack_entry *e = entry_at(id);
    *ips = e->ips;
    return (int)e->depth;
}

unsigned stack_count(void) {
    return __atomic_load_n(&stored, __ATOMIC_RELAXED);
}

unsigned long stack_dropped(void) {
    return __atomic_load_n(&dropped, __ATOMIC_RELAXED) +
           __atomic_load_n(&skipped, __ATOMIC_RELAXED);
}

/* dl_iterate_phdr callback: the executable segment of the object holding
 * stack_init, i.e. sockshim's own code. */
static int find_own_code(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size, (void)data;
    uintptr_t self = (uintptr_t)stack_init;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && self >= start &&
            self < start + ph->p_memsz) {
            own_start = start;
            own_end = start + ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

/* Is FD one end of libunwind's pipe? */
static int unwind_owns_fd(int fd) {
    return fd >= 0 && (fd == privfd_get(unwind_pipe[0]) ||
                       fd == privfd_get(unwind_pipe[1]));
}

/* Stop capturing for good: libunwind keeps its pipe's numbers in
 * variables of its own that we cannot change, and must not read or write
 * a descriptor of the program's. The pipe's numbers are forgotten. */
static void stop_capture(void) {
    __atomic_store_n(&frames_kept, 0, __ATOMIC_RELAXED);
    privfd_exchange(unwind_pipe[0], -1);
    privfd_exchange(unwind_pipe[1], -1);
}

/* The program is about to dup2() onto FD, one end of libunwind's pipe:
 * capture stops, the other end is closed; the taken one is the
 * program's now. */
static void unwind_fd_taken(int fd) {
    int other = privfd_get(unwind_pipe[0]) == fd ? privfd_get(unwind_pipe[1])
                                                 : privfd_get(unwind_pipe[0]);
    stop_capture();
    if (other >= 0)
        real_close(other);
}

int stack_private_pipe(int fds[2], int flags) {
    int low[2];
    if (real_pipe2(low, flags | O_CLOEXEC) != 0)
        return -1;
    for (int i = 0; i < 2; i++)
        fds[i] = privfd_move(low[i]);
    if (fds[0] < 0 || fds[1] < 0) {
        if (fds[0] >= 0)
            real_close(fds[0]);
        if (fds[1] >= 0)
            real_close(fds[1]);
        errno = EMFILE;
        return -1;
    }
    unwind_pipe_flags = flags;
    privfd_exchange(unwind_pipe[0], fds[0]);
    privfd_exchange(unwind_pipe[1], fds[1]);
    return 0;
}

long stack_unwind_write(int fd, const void *addr, size_t len) {
    if (!capturing || !unwind_owns_fd(fd) || len != 1)
        return STACK_NOT_UNWIND;
    /* This thread's own stack is readable: no system call for it (past a
     * signal frame libunwind checks every word it reads, one write each,
     * and a signal handler firing faster than that starves the program).
     * Nothing need go into the pipe: libunwind drains it before each
     * check and takes an empty pipe as fine. */
    uintptr_t at = (uintptr_t)addr;
    struct stack_mapping map;
    if (stackmap_cached(&map) && at >= map.start && at < map.end)
        return 1;
    char probe;
    struct iovec local = {&probe, 1}, remote = {(void *)addr, 1};
    ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (n < 0 && errno != EFAULT)
        return STACK_NOT_UNWIND; /* no probe here: the write itself */
    if (n != 1) {
        errno = EFAULT;
        return -1;
    }
    return 1;
}

/* Descriptors from LO up were closed behind sockshim's back (closefrom()
 * without close_range()): libunwind's pipe, if it was among them, is
 * made again at the same numbers, or capture stops when the program has
 * taken one of them already. */
static void unwind_fds_closed_from(unsigned lo) {
    int old[2] = {privfd_get(unwind_pipe[0]), privfd_get(unwind_pipe[1])};
    if (old[0] < 0 || old[1] < 0 ||
        ((unsigned)old[0] < lo && (unsigned)old[1] < lo))
        return;
    for (int i = 0; i < 2; i++)
        if ((unsigned)old[i] < lo)
            real_close(old[i]); /* the end left open: still ours */
    /* libunwind keeps these numbers in variables of its own: a fresh
     * pipe must take exactly them again. F_DUPFD gives the lowest free
     * number from the one asked, so another number means the program got
     * there first; then capture stops, as in unwind_fd_taken(), and the
     * program's descriptor is never touched. */
    int fresh[2], placed = 0;
    if (real_pipe2(fresh, unwind_pipe_flags | O_CLOEXEC) == 0) {
        for (; placed < 2; placed++) {
            int moved = real_fcntl(fresh[placed], F_DUPFD_CLOEXEC, old[placed]);
            if (moved != old[placed]) {
                if (moved >= 0)
                    real_close(moved);
                break;
            }
        }
        real_close(fresh[0]);
        real_close(fresh[1]);
    }
    if (placed == 2)
        return;
    stop_capture();
    for (int i = 0; i < placed; i++)
        real_close(old[i]);
}

static const struct privfd_handlers unwind_handlers = {unwind_fd_taken,
                                                       unwind_fds_closed_from};

int stack_init(int depth) {
    privfd_set_handlers(unwind_pipe[0], &unwind_handlers);
    privfd_set_handlers(unwind_pipe[1], &unwind_handlers);
    if (depth < 1 || depth > STACK_DEPTH_MAX)
        depth = 16;
    entry_size = sizeof(struct stack_entry) + (size_t)depth * sizeof(uintptr_t);
    void *a = mmap(NULL, entry_size * STACK_STORE_MAX, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *b =
        mmap(NULL, BUCKET_COUNT * sizeof(uint32_t), PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (a == MAP_FAILED || b == MAP_FAILED) {
        if (a != MAP_FAILED)
            munmap(a, entry_size * STACK_STORE_MAX);
        if (b != MAP_FAILED)
            munmap(b, BUCKET_COUNT * sizeof(uint32_t));
        return -1;
    }
    arena = a;
    buckets = b;
    dl_iterate_phdr(find_own_code, NULL);
    __atomic_store_n(&frames_kept, depth, __ATOMIC_RELEASE);
    return 0;
}
