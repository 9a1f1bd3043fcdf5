/*
 * direct.c — when sockshim may make the wrapped calls' system calls
 * itself (see direct.h for why, which calls, and the conditions).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "base/direct.h"

#include <gnu/libc-version.h>

#include "base/real.h"

int direct_syscalls;

/* Set for good once the program has a thread or cancels one: a later
 * direct_syscalls_begin() (init after another library's constructor
 * started a thread) must not turn direct calls back on. */
static int direct_forbidden;

/* Why direct calls are off, for the summary: set by begin. */
static const char *direct_not_begun = "off:inactive";

/* Is every function direct.h stands in for libc's own? */
static int next_in_line_is_libc(void) {
    /* The calls wrappers.c and hooks.c make directly. */
    static const enum real_index stood_in[] = {
        REAL_read,  REAL_readv,  REAL_recv,    REAL_recvfrom, REAL_recvmsg,
        REAL_write, REAL_writev, REAL_send,    REAL_sendto,   REAL_sendmsg,
        REAL_close, REAL_accept, REAL_accept4, REAL_connect,
    };
    const void *libc = real_module_of((void *)gnu_get_libc_version);
    if (libc == NULL)
        return 0;
    for (size_t i = 0; i < sizeof stood_in / sizeof stood_in[0]; i++) {
        void *fn = real_lookup(stood_in[i]);
        if (fn == NULL || real_module_of(fn) != libc)
            return 0;
    }
    return 1;
}

void direct_syscalls_begin(void) {
#if defined(__x86_64__)
    if (__atomic_load_n(&direct_forbidden, __ATOMIC_SEQ_CST))
        return;
    if (!next_in_line_is_libc()) {
        direct_not_begun = "off:interposed";
        return;
    }
    __atomic_store_n(&direct_syscalls, 1, __ATOMIC_SEQ_CST);
    /* A thread that started meanwhile wins. */
    if (__atomic_load_n(&direct_forbidden, __ATOMIC_SEQ_CST))
        __atomic_store_n(&direct_syscalls, 0, __ATOMIC_SEQ_CST);
#else
    direct_not_begun = "off:arch";
#endif
}

int direct_program_has_threads(void) {
    return __atomic_load_n(&direct_forbidden, __ATOMIC_SEQ_CST);
}

const char *direct_syscalls_state(void) {
    if (__atomic_load_n(&direct_syscalls, __ATOMIC_SEQ_CST))
        return "on";
    if (__atomic_load_n(&direct_forbidden, __ATOMIC_SEQ_CST))
        return "off:threads";
    return direct_not_begun;
}

void direct_syscalls_end(void) {
    __atomic_store_n(&direct_forbidden, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&direct_syscalls, 0, __ATOMIC_SEQ_CST);
}
