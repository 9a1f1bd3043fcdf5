/*
 * countio.c — a preload library that counts the recv(), send(),
 * connect(), accept() calls and the close() of sockets reaching it, for
 * t/e2e/direct.sh.
 *
 * Placed after sockshim in LD_PRELOAD it is "next in line" for sockshim's
 * wrappers: sockshim must then leave its direct system calls off
 * (lib/base/direct.h) and call through, so that this library sees every call
 * the program makes. It prints "countio recv=N send=N connect=N accept=N
 * close=N" on stderr at exit. Only sockets' closes are counted: sockshim
 * closes files of its own through the next close() in line too.
 * Built a second time with COUNT_CONNECTIONS_ONLY (libcountconn.so): no
 * recv() and send() of its own, so that connect(), accept() and close()
 * alone must keep sockshim from calling the kernel directly.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long recvs, sends, connects, accepts, closes;

#ifndef COUNT_CONNECTIONS_ONLY

ssize_t recv(int fd, void *buf, size_t n, int flags) {
    ssize_t (*next)(int, void *, size_t, int) =
        (ssize_t(*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
    __atomic_fetch_add(&recvs, 1, __ATOMIC_RELAXED);
    return next(fd, buf, n, flags);
}

ssize_t send(int fd, const void *buf, size_t n, int flags) {
    ssize_t (*next)(int, const void *, size_t, int) =
        (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
    __atomic_fetch_add(&sends, 1, __ATOMIC_RELAXED);
    return next(fd, buf, n, flags);
}

#endif

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    int (*next)(int, const struct sockaddr *, socklen_t) =
        (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT,
                                                                "connect");
    __atomic_fetch_add(&connects, 1, __ATOMIC_RELAXED);
    return next(fd, addr, len);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    int (*next)(int, struct sockaddr *, socklen_t *) =
        (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT,
                                                            "accept");
    __atomic_fetch_add(&accepts, 1, __ATOMIC_RELAXED);
    return next(fd, addr, len);
}

int close(int fd) {
    int (*next)(int) = (int (*)(int))dlsym(RTLD_NEXT, "close");
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
        __atomic_fetch_add(&closes, 1, __ATOMIC_RELAXED);
    return next(fd);
}

__attribute__((destructor)) static void countio_report(void) {
    char line[160];
    int len = snprintf(line, sizeof line,
                       "countio recv=%lu send=%lu connect=%lu accept=%lu "
                       "close=%lu\n",
                       recvs, sends, connects, accepts, closes);
    if (len > 0 && write(2, line, (size_t)len) < 0)
        return;
}
