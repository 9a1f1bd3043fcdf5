/*
 * init.h — when the wrappers are allowed to do their work.
 *
 * Initialisation (reading the configuration, opening the log) runs once,
 * from the constructor or from the first wrapped call, whichever comes
 * first. Until it has finished, and in mode off, wrappers only forward.
 * The state is a plain atomic, not pthread_once, so that a wrapper called
 * from a signal handler that interrupted initialisation forwards instead of
 * deadlocking.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_INIT_H
#define SOCKSHIM_INIT_H

enum init_state { INIT_NONE, INIT_RUNNING, INIT_READY_ACTIVE, INIT_READY_OFF };

extern int init_state __attribute__((visibility("hidden")));

/* Run initialisation if nobody has started it yet. */
void init_now(void);

/* Set on a thread that called vfork(), until the parent runs on
 * (wrappers.c): while it is set, the code running on that thread is the
 * vfork child, which borrows the parent's memory, fd table included,
 * until it calls exec or _exit. */
extern __thread int vfork_child
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* True when a wrapper should do its bookkeeping: initialised, mode not
 * off, and not in a vfork child (its dup2() and close() must not
 * rewrite the parent's table). (sockshim's own socket calls go to
 * real_<name>() directly, so no re-entry guard is needed.) */
static inline int shim_active(void) {
    int state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
    if (__builtin_expect(state == INIT_NONE, 0)) {
        init_now();
        state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
    }
    return state == INIT_READY_ACTIVE && !vfork_child;
}

#endif
