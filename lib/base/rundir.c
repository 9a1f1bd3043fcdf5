/*
 * rundir.c — the request directory's rule (see rundir.h). Shared by the
 * library and the launcher, so that the two cannot disagree.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include "base/rundir.h"

#include <stdio.h>

int rundir_path(char *out, size_t cap, const char *xdg, uid_t uid) {
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(out, cap, "%s/sockshim", xdg);
    else if (uid == 0)
        n = snprintf(out, cap, "/run/sockshim");
    else
        n = snprintf(out, cap, "/tmp/sockshim-%u", (unsigned)uid);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int rundir_file(char *out, size_t cap, const char *dir, pid_t pid,
                const char *suffix) {
    int n = snprintf(out, cap, "%s/%d.%s", dir, (int)pid, suffix);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}
