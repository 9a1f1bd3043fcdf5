/*
 * real.c — lazy, non-recursive lookup of the libc functions we wrap.
 *
 * Why not pthread_once: a wrapper may run in a signal handler that
 * interrupted this very lookup, and pthread_once would deadlock there.
 * Instead each slot is looked up with dlsym(RTLD_NEXT) and published with
 * an atomic store; racing threads store the same pointer. A thread-local
 * flag catches re-entry from inside dlsym (dlsym -> calloc -> interposer ->
 * socket()), which then fails with ENOSYS instead of looping.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "base/real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

static const char *const real_names[REAL_COUNT] = {
#define REAL_NAME(name, ret, params, args) #name,
    REAL_FUNCTIONS(REAL_NAME)
#undef REAL_NAME
};

/* What each lookup found: NULL until looked up, then the function or
 * REAL_MISSING. real_table (what the inline real_<name>() calls) changes
 * from the pending function to libc's only when one was found. */
static char real_missing_marker;
#define REAL_MISSING ((void *)&real_missing_marker)
static void *real_found[REAL_COUNT];

#define REAL_PENDING_SLOT(name, ret, params, args)                             \
    [REAL_##name] = (void *)real_pending_##name,
void *real_table[REAL_COUNT] = {REAL_FIXED_ARITY(REAL_PENDING_SLOT)};
#undef REAL_PENDING_SLOT

/* The first call of each function, before its lookup (and every call of a
 * function libc lacks). */
#define REAL_PENDING(name, ret, params, args)                                  \
    ret real_pending_##name params {                                           \
        ret(*fn) params = (ret(*) params)real_lookup(REAL_##name);             \
        if (fn == NULL) {                                                      \
            errno = ENOSYS;                                                    \
            return -1;                                                         \
        }                                                                      \
        return fn args;                                                        \
    }
REAL_FIXED_ARITY(REAL_PENDING)
#undef REAL_PENDING
static __thread int real_resolving __attribute__((tls_model("initial-exec")));

const void *real_module_of(const void *addr) {
#if HAVE__DL_FIND_OBJECT
    struct dl_find_object found;
    return _dl_find_object((void *)addr, &found) == 0 ? found.dlfo_map_start
                                                      : NULL;
#else
    Dl_info info;
    return dladdr(addr, &info) != 0 ? info.dli_fbase : NULL;
#endif
}

/* True when FN lies in our own library: dlsym answers that point back at
 * us (a broken RTLD_NEXT order) would otherwise recurse forever. */
static int is_own_symbol(void *fn) {
    const void *ours = real_module_of((void *)is_own_symbol);
    return ours != NULL && real_module_of(fn) == ours;
}

void *real_lookup(enum real_index i) {
    void *fn = __atomic_load_n(&real_found[i], __ATOMIC_ACQUIRE);
    if (__builtin_expect(fn != NULL, 1))
        return fn == REAL_MISSING ? NULL : fn;
    if (real_resolving)
        return NULL;
    real_resolving = 1;
    fn = dlsym(RTLD_NEXT, real_names[i]);
    if (fn == NULL || is_own_symbol(fn))
        fn = REAL_MISSING;
    __atomic_store_n(&real_found[i], fn, __ATOMIC_RELEASE);
    if (fn != REAL_MISSING)
        __atomic_store_n(&real_table[i], fn, __ATOMIC_RELEASE);
    real_resolving = 0;
    return fn == REAL_MISSING ? NULL : fn;
}

void real_resolve_all(void) {
    for (int i = 0; i < REAL_COUNT; i++)
        (void)real_lookup((enum real_index)i);
}

/* fcntl64 only exists in glibc >= 2.28; fall back to fcntl. */
int real_fcntl64(int fd, int cmd, long arg) {
    int (*fn)(int, int, ...) =
        (int (*)(int, int, ...))real_lookup(REAL_fcntl64);
    if (fn == NULL)
        return real_fcntl(fd, cmd, arg);
    return fn(fd, cmd, arg);
}

int real_fcntl(int fd, int cmd, long arg) {
    int (*fn)(int, int, ...) = (int (*)(int, int, ...))real_lookup(REAL_fcntl);
    if (fn == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return fn(fd, cmd, arg);
}

void real_closefrom(int lowfd) {
    void (*fn)(int) = (void (*)(int))real_lookup(REAL_closefrom);
    if (fn != NULL)
        fn(lowfd);
}
