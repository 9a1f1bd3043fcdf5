/*
 * countio.c — a preload library that counts the recv() and send() calls
 * reaching it, for t/direct.sh.
 *
 * Placed after sockshim in LD_PRELOAD it is "next in line" for sockshim's
 * wrappers: sockshim must then leave its direct system calls off
 * (lib/direct.h) and call through, so that this library sees every call
 * the program makes. It prints "countio recv=N send=N" on stderr at exit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned long recvs, sends;

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    ssize_t (*next)(int, void *, size_t, int) =
        (ssize_t(*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
    __atomic_fetch_add(&recvs, 1, __ATOMIC_RELAXED);
    return next(fd, buf, n, flags);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    ssize_t (*next)(int, const void *, size_t, int) =
        (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
    __atomic_fetch_add(&sends, 1, __ATOMIC_RELAXED);
    return next(fd, buf, n, flags);
}

__attribute__((destructor)) static void countio_report(void)
{
    char line[80];
    int len = snprintf(line, sizeof line, "countio recv=%lu send=%lu\n",
                       recvs, sends);
    if (len > 0 && write(2, line, (size_t)len) < 0)
        return;
}
