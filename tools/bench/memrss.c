/*
 * memrss.c — resident memory, at start and per socket.
 *
 * Run plain and under LD_PRELOAD; the differences are sockshim's:
 *
 *   memrss N    prints "rss_start_kib rss_after_kib N": VmRSS at the start
 *               of main() (the library's constructor has run), then after
 *               N TCP sockets made with socket(), each tracked (and its
 *               creation stack captured) under sockshim. The sockets stay
 *               open; kernel memory for them is not in RSS either way.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = atol(line + 6);
    if (f != NULL)
        fclose(f);
    return kib;
}

int main(int argc, char **argv) {
    long start = rss_kib();
    long n = argc > 1 ? atol(argv[1]) : 10000;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)n + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)n + 64)
            n = (long)rl.rlim_cur - 64;
    }
    for (long i = 0; i < n; i++)
        if (socket(AF_INET, SOCK_STREAM, 0) < 0) {
            perror("memrss: socket");
            return 1;
        }
    printf("%ld %ld %ld\n", start, rss_kib(), n);
    return 0;
}
