/*
 * init.h — when the wrappers are allowed to do their work.
 *
 * Initialisation (reading the configuration, opening the log) runs once,
 * from the constructor or from the first wrapped call, whichever comes
 * first. Until it has finished, and in mode off, wrappers only forward.
 * The state is a plain atomic, not pthread_once, so that a wrapper called
 * from a signal handler that interrupted initialisation forwards instead of
 * deadlocking.
 */
#ifndef SOCKSHIM_INIT_H
#define SOCKSHIM_INIT_H

enum init_state { INIT_NONE, INIT_RUNNING, INIT_READY_ACTIVE, INIT_READY_OFF };

extern int init_state;

/* Run initialisation if nobody has started it yet. */
void init_now(void);

/* Per-thread guard: set while sockshim itself is inside a wrapper, so that
 * calls our own code makes (libunwind reading a pipe, say) forward. */
extern __thread int in_wrapper __attribute__((tls_model("initial-exec")));

/* True when a wrapper should do its bookkeeping: initialised, mode not
 * off, and not re-entered from our own code. */
static inline int shim_active(void)
{
    int state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
    if (__builtin_expect(state == INIT_NONE, 0)) {
        init_now();
        state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
    }
    return state == INIT_READY_ACTIVE && !in_wrapper;
}

#endif
