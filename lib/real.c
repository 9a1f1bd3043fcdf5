/*
 * real.c — lazy, non-recursive lookup of the libc functions we wrap.
 *
 * Why not pthread_once: a wrapper may run in a signal handler that
 * interrupted this very lookup, and pthread_once would deadlock there.
 * Instead each slot is looked up with dlsym(RTLD_NEXT) and published with
 * an atomic store; racing threads store the same pointer. A thread-local
 * flag catches re-entry from inside dlsym (dlsym -> calloc -> interposer ->
 * socket()), which then fails with ENOSYS instead of looping.
 */
#define _GNU_SOURCE
#include "config.h"

#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

static const char *const real_names[REAL_COUNT] = {
#define REAL_NAME(name, ret, params, args) #name,
    REAL_FUNCTIONS(REAL_NAME)
#undef REAL_NAME
};

/* Sentinel for "looked up, not present": distinct from NULL = not yet. */
char real_missing_marker;

void *real_table[REAL_COUNT];
static __thread int real_resolving __attribute__((tls_model("initial-exec")));

/* True when FN lies in our own library: dlsym answers that point back at
 * us (a broken RTLD_NEXT order) would otherwise recurse forever. */
static int is_own_symbol(void *fn)
{
    Dl_info ours, theirs;
    return dladdr((void *)is_own_symbol, &ours) != 0 &&
           dladdr(fn, &theirs) != 0 && ours.dli_fbase == theirs.dli_fbase;
}

void *real_lookup(enum real_index i)
{
    void *fn = __atomic_load_n(&real_table[i], __ATOMIC_ACQUIRE);
    if (__builtin_expect(fn != NULL, 1))
        return fn == REAL_MISSING ? NULL : fn;
    if (real_resolving)
        return NULL;
    real_resolving = 1;
    fn = dlsym(RTLD_NEXT, real_names[i]);
    if (fn == NULL || is_own_symbol(fn))
        fn = REAL_MISSING;
    __atomic_store_n(&real_table[i], fn, __ATOMIC_RELEASE);
    real_resolving = 0;
    return fn == REAL_MISSING ? NULL : fn;
}

void real_resolve_all(void)
{
    for (int i = 0; i < REAL_COUNT; i++)
        (void)real_lookup((enum real_index)i);
}

/* fcntl64 only exists in glibc >= 2.28; fall back to fcntl. */
int real_fcntl64(int fd, int cmd, long arg)
{
    int (*fn)(int, int, ...) =
        (int (*)(int, int, ...))real_lookup(REAL_fcntl64);
    if (fn == NULL)
        return real_fcntl(fd, cmd, arg);
    return fn(fd, cmd, arg);
}

int real_fcntl(int fd, int cmd, long arg)
{
    int (*fn)(int, int, ...) = (int (*)(int, int, ...))real_lookup(REAL_fcntl);
    if (fn == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return fn(fd, cmd, arg);
}

void real_closefrom(int lowfd)
{
    void (*fn)(int) = (void (*)(int))real_lookup(REAL_closefrom);
    if (fn != NULL)
        fn(lowfd);
}
