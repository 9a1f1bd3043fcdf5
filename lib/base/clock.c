/*
 * clock.c — reading and sleeping on the kernel's monotonic clock without
 * going through symbols another library may wrap (see clock.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "base/clock.h"

#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/direct.h"
#include "base/errno_scope.h"

/* A system call no preloaded library can wrap (not even one wrapping
 * syscall()): made directly where direct.h can. */
static long raw_syscall2(long nr, long a1, long a2) {
    if (DIRECT_POSSIBLE)
        return direct_result(direct_syscall3(nr, a1, a2, 0));
    return syscall(nr, a1, a2);
}

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

/* The vDSO's clock_gettime, or NULL (then the system call). */
static clock_gettime_fn vdso_clock_gettime;

/* clock_monotonic_ms() when clock_init() ran: clock_now_ms()'s zero. */
static int64_t epoch_ms;

void clock_init(void) {
    epoch_ms = clock_monotonic_ms();
    /* glibc lists the vDSO among the loaded objects under this name. */
    void *vdso = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (vdso == NULL)
        return;
    static const char *const names[] = {"__vdso_clock_gettime",
                                        "__kernel_clock_gettime"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *fn = dlsym(vdso, names[i]);
        if (fn != NULL) {
            __atomic_store_n(&vdso_clock_gettime, (clock_gettime_fn)fn,
                             __ATOMIC_RELEASE);
            break;
        }
    }
    dlclose(vdso);
}

int64_t clock_monotonic_ms(void) {
    struct timespec now = {0, 0};
    clock_gettime_fn fn =
        __atomic_load_n(&vdso_clock_gettime, __ATOMIC_ACQUIRE);
    PRESERVE_ERRNO;
    if (fn == NULL || fn(CLOCK_MONOTONIC, &now) != 0)
        raw_syscall2(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void clock_sleep_ms(unsigned ms) {
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000};
    PRESERVE_ERRNO;
    while (raw_syscall2(SYS_nanosleep, (long)&left, (long)&left) != 0 &&
           errno == EINTR)
        ;
}

uint32_t clock_now_ms(void) {
    return (uint32_t)(clock_monotonic_ms() - epoch_ms);
}

void clock_civil_now(struct civil_time *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* Civil date from days since the epoch (Howard Hinnant's algorithm). */
    long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
    days += 719468;
    long long era = days / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    out->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    out->year = (int)((long long)yoe + era * 400 + (out->month <= 2));
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->microsecond = ts.tv_nsec / 1000;
}
