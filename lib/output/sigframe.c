/*
 * sigframe.c — finding a signal frame on the current stack (see
 * sigframe.h for why).
 *
 * When the kernel runs a handler on the thread's own stack it pushes a
 * signal frame there: the return address of the handler (glibc's signal
 * return trampoline, its "restorer", the same for every handler glibc
 * installs), then the interrupted context (struct ucontext). So a
 * handler is running when, above our own frame, a word equals the
 * restorer and what follows reads as a saved context. A handler on the
 * alternate stack is simpler: sigaltstack() says SS_ONSTACK.
 *
 * The answer errs on the safe side: stale bytes of an old signal frame
 * left in a caller's unused stack slots may read as a live one, and then
 * the work waits for another call.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/sigframe.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "output/stackmap.h"

/* The kernel's flag for a handler with its own return trampoline, which
 * glibc sets on every handler it installs (not in glibc's headers). */
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* The kernel's ucontext flags on x86_64: UC_FP_XSTATE, UC_SIGCONTEXT_SS,
 * UC_STRICT_RESTORE_SS. */
#define UC_FLAGS_KNOWN 7ul

/* glibc's signal return trampoline, once a handler showed it (0: none
 * seen yet). The same for every handler installed through glibc. */
static uintptr_t restorer;

/* The restorer of the first signal that has a handler, or 0 when no
 * handler is installed at all (then none can be running). */
static uintptr_t find_restorer(void) {
    uintptr_t known = __atomic_load_n(&restorer, __ATOMIC_RELAXED);
    if (known != 0)
        return known;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP ||
            sigaction(sig, NULL, &sa) != 0 || sa.sa_handler == SIG_DFL ||
            sa.sa_handler == SIG_IGN || !(sa.sa_flags & SA_RESTORER) ||
            sa.sa_restorer == NULL)
            continue;
        known = (uintptr_t)sa.sa_restorer;
        __atomic_store_n(&restorer, known, __ATOMIC_RELAXED);
        return known;
    }
    return 0;
}

#if defined(__x86_64__)
/* Does the signal frame whose return address sits at P (below END, the
 * top of the stack's mapping) hold a plausible interrupted context? */
__attribute__((no_sanitize_address)) static int
plausible_frame(const uintptr_t *p, uintptr_t end) {
    const ucontext_t *uc = (const ucontext_t *)(p + 1);
    if ((uintptr_t)(uc + 1) > end)
        return 0;
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    return uc->uc_link == NULL && (uc->uc_flags & ~UC_FLAGS_KNOWN) == 0 &&
           sp > (uintptr_t)p && uc->uc_mcontext.gregs[REG_RIP] != 0;
}
#endif

__attribute__((no_sanitize_address)) int sigframe_in_handler(void) {
    stack_t current;
    if (syscall(SYS_sigaltstack, NULL, &current) == 0 &&
        (current.ss_flags & SS_ONSTACK))
        return 1;
    uintptr_t want = find_restorer();
    if (want == 0)
        return 0;
#if defined(__x86_64__)
    struct stack_mapping map;
    if (!stackmap_current(&map))
        return 1;
    uintptr_t end = map.end;
    /* The kernel aligns the frame so that the handler starts as a called
     * function would: the return address at 8 mod 16. */
    uintptr_t at =
        ((uintptr_t)__builtin_frame_address(0) + 15) & ~(uintptr_t)15;
    for (at += 8; at + sizeof(uintptr_t) <= end; at += 16) {
        const uintptr_t *p = (const uintptr_t *)at;
        if (*p == want && plausible_frame(p, end))
            return 1;
    }
    return 0;
#else
    /* The frame layout is x86_64's: elsewhere only a handler on the
     * alternate stack is recognised (README, limits). */
    return 0;
#endif
}
