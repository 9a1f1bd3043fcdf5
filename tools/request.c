/*
 * request.c — `sockshim report PID` (see request.h).
 *
 * The launcher leaves a request file where the process's scan thread
 * looks once a second (base/rundir.h), and waits for the answer: a
 * symbolic link naming where the report was written. Nothing is sent to
 * the process and nothing in it changes but the report it writes.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "request.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/rundir.h"
#include "config/options.h"

#define DEFAULT_TIMEOUT_MS 5000
#define WAIT_STEP_MS 20

static void usage(FILE *out) {
    fprintf(out,
            "usage: sockshim report [--timeout DURATION] PID\n"
            "  asks process PID, running under sockshim, to write an\n"
            "  open_sockets report to its log (within a second), and says\n"
            "  where it went; waits at most DURATION (default 5s)\n");
}

/* VAR's value in process PID's environment into OUT, or NULL. */
static const char *process_env(pid_t pid, const char *var, char *out,
                               size_t cap) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    size_t len = strlen(var);
    const char *found = NULL;
    char entry[4096];
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF) {
        if (c != '\0') {
            if (n + 1 < sizeof entry)
                entry[n++] = (char)c;
            continue;
        }
        entry[n] = '\0';
        n = 0;
        if (strncmp(entry, var, len) == 0 && entry[len] == '=' &&
            strlen(entry + len + 1) < cap) {
            strcpy(out, entry + len + 1);
            found = out;
            break;
        }
    }
    fclose(f);
    return found;
}

/* Does process PID have libsockshim.so mapped? -1 when it cannot be
 * told. */
static int runs_sockshim(pid_t pid) {
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, "libsockshim") != NULL;
    fclose(f);
    return found;
}

/* The request directory DIR, made if missing, owned by UID and writable
 * by no one else. 0, or -1 with a message printed. */
static int prepare_dir(const char *dir, uid_t uid, gid_t gid) {
    if (mkdir(dir, 0700) == 0 && geteuid() != uid &&
        chown(dir, uid, gid) != 0) {
        fprintf(stderr, "sockshim: error: report: %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(dir, &st) != 0) {
        fprintf(stderr, "sockshim: error: report: %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != uid ||
        (st.st_mode & (S_IWGRP | S_IWOTH))) {
        fprintf(
            stderr,
            "sockshim: error: report: %s is not a directory of user %u's that "
            "only it can write: requests are not left there\n",
            dir, (unsigned)uid);
        return -1;
    }
    return 0;
}

/* Leave the request file REQUEST for a process of UID. */
static int leave_request(const char *request, uid_t uid) {
    int fd = open(request, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0 && errno == EEXIST) {
        /* One left by a request that timed out: this one replaces it. */
        unlink(request);
        fd = open(request, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    }
    if (fd < 0 || (geteuid() != uid && fchown(fd, uid, (gid_t)-1) != 0)) {
        fprintf(stderr, "sockshim: error: report: %s: %s\n", request,
                strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(request);
        }
        return -1;
    }
    close(fd);
    return 0;
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Where the process's standard error goes, for a report sent there. */
static void print_stderr_target(pid_t pid) {
    char path[64], target[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/fd/2", (int)pid);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n > 0) {
        target[n] = '\0';
        printf(" (its fd 2: %s)", target);
    }
}

int request_report(int argc, char **argv) {
    unsigned timeout_ms = DEFAULT_TIMEOUT_MS;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            if (parse_duration_ms(argv[++i], 3600 * 1000, &timeout_ms) != 0 ||
                timeout_ms == 0) {
                fprintf(stderr,
                        "sockshim: error: report: --timeout %s: not a duration "
                        "(accepted: 5s, 500ms, 1m; at most 60m)\n",
                        argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    char *end;
    long pid_value = i + 1 == argc ? strtol(argv[i], &end, 10) : 0;
    if (i + 1 != argc || *end != '\0' || pid_value <= 0 ||
        pid_value > INT_MAX) {
        usage(stderr);
        return 2;
    }
    pid_t pid = (pid_t)pid_value;
    char proc[64];
    struct stat st;
    snprintf(proc, sizeof proc, "/proc/%d", (int)pid);
    if (stat(proc, &st) != 0) {
        fprintf(stderr, "sockshim: error: report: no process %d\n", (int)pid);
        return 1;
    }
    if (geteuid() != 0 && st.st_uid != geteuid()) {
        fprintf(
            stderr,
            "sockshim: error: report: process %d belongs to user %u, not to "
            "you: refused\n",
            (int)pid, (unsigned)st.st_uid);
        return 1;
    }
    if (runs_sockshim(pid) == 0) {
        fprintf(
            stderr,
            "sockshim: error: report: process %d does not run under sockshim "
            "(no libsockshim.so in its memory map)\n",
            (int)pid);
        return 1;
    }
    char xdg[PATH_MAX], dir[RUNDIR_PATH_MAX], request[RUNDIR_PATH_MAX + 32],
        done[RUNDIR_PATH_MAX + 32];
    if (rundir_path(dir, sizeof dir,
                    process_env(pid, "XDG_RUNTIME_DIR", xdg, sizeof xdg),
                    st.st_uid) != 0 ||
        rundir_file(request, sizeof request, dir, pid, "request") != 0 ||
        rundir_file(done, sizeof done, dir, pid, "done") != 0) {
        fprintf(stderr, "sockshim: error: report: request path too long\n");
        return 1;
    }
    if (prepare_dir(dir, st.st_uid, st.st_gid) != 0)
        return 1;
    unlink(done);
    if (leave_request(request, st.st_uid) != 0)
        return 1;
    for (unsigned waited = 0; waited < timeout_ms; waited += WAIT_STEP_MS) {
        char where[PATH_MAX + 16];
        ssize_t n = readlink(done, where, sizeof where - 1);
        if (n > 0) {
            where[n] = '\0';
            unlink(done);
            printf("sockshim: process %d wrote an open_sockets report to %s",
                   (int)pid, where);
            if (strcmp(where, "stderr") == 0)
                print_stderr_target(pid);
            printf("\n");
            return 0;
        }
        sleep_ms(WAIT_STEP_MS);
    }
    unlink(request);
    fprintf(
        stderr,
        "sockshim: error: report: no answer from process %d within %u ms: its "
        "scan thread is not running (no TCP socket made yet, or "
        "SOCKSHIM_SCAN=0), or open_sockets is "
        "left out (SOCKSHIM_CHECKS, SOCKSHIM_LOG_LEVEL=error)\n",
        (int)pid, timeout_ms);
    return 1;
}
