/*
 * startup.c — wall time sockshim adds to starting a program.
 *
 * fork()+execve() of PROGRAM (default /bin/true) and waitpid(), RUNS
 * times each way, alternated: plain, then with LD_PRELOAD=LIB (the rest of
 * the environment, SOCKSHIM_* included, is the same both ways). Prints
 * the medians and their difference in microseconds:
 *
 *   startup LIB [RUNS [PROGRAM]]      RUNS default 300
 *   -> "plain_us shim_us added_us"
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double run(const char *prog, char **envp) {
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)prog, NULL};
        execve(prog, argv, envp);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) == 127) {
        fprintf(stderr, "startup: %s failed\n", prog);
        exit(1);
    }
    return now_us() - t0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: startup LIB [RUNS [PROGRAM]]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 300;
    const char *prog = argc > 3 ? argv[3] : "/bin/true";
    if (runs < 1)
        return 2;
    /* Two environments: ours without LD_PRELOAD, and the same with it. */
    int n = 0;
    while (environ[n] != NULL)
        n++;
    char **plain = calloc((size_t)n + 1, sizeof *plain);
    char **shim = calloc((size_t)n + 2, sizeof *shim);
    double *a = calloc((size_t)runs, sizeof *a);
    double *b = calloc((size_t)runs, sizeof *b);
    char *pre = malloc(strlen(argv[1]) + 16);
    if (!plain || !shim || !a || !b || !pre)
        return 1;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            plain[k] = shim[k] = environ[i], k++;
    sprintf(pre, "LD_PRELOAD=%s", argv[1]);
    shim[k] = pre;
    for (int i = 0; i < 20; i++) /* warm the page cache up */
        run(prog, i % 2 ? shim : plain);
    for (int i = 0; i < runs; i++) {
        a[i] = run(prog, plain);
        b[i] = run(prog, shim);
    }
    double ma = median(a, runs), mb = median(b, runs);
    printf("%.0f %.0f %.0f\n", ma, mb, mb - ma);
    return 0;
}
