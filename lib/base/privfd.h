/*
 * privfd.h — sockshim's own descriptors: the log's, libunwind's pipe, the
 * scan thread's netlink socket and /proc/self/stat.
 *
 * They live at high numbers with O_CLOEXEC (privfd_move), out of the way
 * of the small numbers programs use, and are registered here, one slot
 * per owner, so that the hooks ask one place whether a descriptor is
 * sockshim's (privfd_owner): as far as the program knows, these numbers
 * are not open. When the program takes one of them anyway (dup2() onto
 * it, or closefrom() without close_range()), the owner is told through
 * the handlers it registered, and decides: move away, forget, or stop.
 *
 * Every function is lock-free and allocation-free: called from wrappers
 * that may run in signal handlers.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_PRIVFD_H
#define SOCKSHIM_PRIVFD_H

enum privfd_slot {
    PRIVFD_LOG,          /* the log's destination */
    PRIVFD_UNWIND_READ,  /* libunwind's validation pipe, read end */
    PRIVFD_UNWIND_WRITE, /* and write end */
    PRIVFD_NETLINK,      /* the scan thread's sock_diag socket */
    PRIVFD_PROC_STAT,    /* the scan thread's /proc/self/stat */
    PRIVFD_COUNT
};

/* How an owner reacts when its number is no longer its own. */
struct privfd_handlers {
    /* The program is about to dup2() onto FD, one of the owner's. */
    void (*taken)(int fd);
    /* Descriptors from LO up were closed behind sockshim's back
     * (closefrom() without close_range()); called once per owner when
     * any of its descriptors is at LO or above. */
    void (*closed_from)(unsigned lo);
};

/* Register HANDLERS (static storage) for SLOT. Without handlers a taken
 * number is simply forgotten. */
void privfd_set_handlers(enum privfd_slot slot,
                         const struct privfd_handlers *handlers);

/* The lowest number sockshim's descriptors take: high enough to stay out
 * of the way of the numbers programs use and dup2() onto, low enough not
 * to make the kernel grow a huge descriptor table. */
int privfd_floor(void);

/* Move FD to a private high number with O_CLOEXEC; returns the new
 * descriptor (FD itself is closed), or -1 (also for a negative FD). */
int privfd_move(int fd);

/* The descriptor registered in SLOT, or -1. */
int privfd_get(enum privfd_slot slot);

/* Register FD (-1 to clear) in SLOT; returns the descriptor it held. */
int privfd_exchange(enum privfd_slot slot, int fd);

/* Register FD in SLOT if the slot is empty: 1, or 0 when another thread
 * registered one first (then FD is not registered). */
int privfd_publish(enum privfd_slot slot, int fd);

/* Clear SLOT if it still holds FD: 1 when cleared. The number is
 * forgotten, never closed (it may be the program's by now). */
int privfd_forget(enum privfd_slot slot, int fd);

/* The slot holding FD, or PRIVFD_COUNT when FD is not sockshim's. */
enum privfd_slot privfd_owner(int fd);

/* sockshim's descriptors, ascending, in OUT; returns how many. */
int privfd_list(int out[PRIVFD_COUNT]);

/* The program is about to dup2() onto FD: its owner, if any, vacates it. */
void privfd_taken(int fd);

/* Descriptors from LO up were closed behind sockshim's back: each owner
 * concerned is told. */
void privfd_closed_from(unsigned lo);

#endif
