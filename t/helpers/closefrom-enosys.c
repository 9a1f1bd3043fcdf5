/*
 * closefrom-enosys — closefrom() where close_range() is unavailable, for
 * t/e2e/unseen-closes.sh.
 *
 *   closefrom-enosys
 *
 * A seccomp filter makes the close_range system call fail with ENOSYS
 * (as on kernels before 5.9, or in sandboxes that do not know it), so
 * that glibc's closefrom() falls back to closing every number listed in
 * /proc/self/fd, one by one, with its internal close: a preloading library
 * cannot keep its own descriptors out of that, nor see the closes. The
 * sequence, one line of output per step:
 *
 *   close_range rc=-1 errno=ENOSYS     the filter works (a range holding
 *                                      no descriptor: 0 without the filter)
 *   close_never_opened rc=-1 errno=EBADF   close(900): sockshim reports a
 *                                      double_close (an event in its log)
 *   closefrom done                     closefrom(3)
 *   dupfd rc=FD errno=...              fcntl(0, F_DUPFD, FLOOR): FLOOR is
 *                                      where sockshim puts its private
 *                                      descriptors (1000 when the soft
 *                                      RLIMIT_NOFILE is above 1024, raised
 *                                      here if the hard one allows), so FD
 *                                      is a number sockshim held before
 *                                      closefrom
 *   close_dup rc=0 errno=...           close(FD): the program's own
 *                                      descriptor; it must close
 *   close_never_opened_after rc=-1 errno=EBADF   close(901): a second
 *                                      double_close, after closefrom
 *
 * Without sockshim every line is what libc gives; under it the output must
 * be the same, and both double_close events must reach sockshim's log.
 *
 * An ordinary program: it never links sockshim, tests run it under
 * LD_PRELOAD. Exit status 0 when the sequence ran, 77 (a line "skip:
 * WHY") when it cannot run here (no seccomp, another architecture, a hard
 * RLIMIT_NOFILE of 1024 or less), 2 on a set-up error.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#if defined(__x86_64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

static const char *errname(int e) {
    if (e == 0)
        return "0";
    const char *name = strerrorname_np(e);
    return name ? name : "?";
}

static int skip(const char *why) {
    printf("skip: %s\n", why);
    return 77;
}

/* Print "LABEL rc=RC errno=NAME", errno set to EDOM before the call. */
#define CALL(label, expr)                                                      \
    do {                                                                       \
        errno = EDOM;                                                          \
        long rc_ = (long)(expr);                                               \
        int e_ = errno;                                                        \
        printf("%s rc=%ld errno=%s\n", label, rc_, errname(e_));               \
    } while (0)

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
#ifndef THIS_AUDIT_ARCH
    return skip("no seccomp architecture known for this build");
#else
    /* sockshim's private numbers start at 1000 above a soft limit of
     * 1024 (lib/base/privfd.c, privfd_floor): aim there. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 2;
    if (rl.rlim_cur <= 1024) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= 1024)
            return skip("hard RLIMIT_NOFILE <= 1024: sockshim's private "
                        "descriptors are not at 1000");
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 4096
                          ? 4096
                          : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            return 2;
    }
    const int low = 1000;

    /* close_range -> ENOSYS on this architecture; every other call, and
     * calls of another architecture (x32, i386 entry), allowed. */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_AUDIT_ARCH, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & 0xffff)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0],
                              .filter = code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return skip("prctl(PR_SET_NO_NEW_PRIVS) refused");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
        return skip("seccomp filters not available");

    /* A range with nothing in it: 0 unless the filter answers. */
    CALL("close_range", close_range(100000U, 100001U, 0));
    CALL("close_never_opened", close(900));
    closefrom(3);
    printf("closefrom done\n");
    int fd = fcntl(0, F_DUPFD, low);
    int e = errno;
    printf("dupfd rc=%d errno=%s\n", fd, fd < 0 ? errname(e) : "0");
    if (fd >= 0)
        CALL("close_dup", close(fd));
    CALL("close_never_opened_after", close(901));
    return 0;
#endif
}
