/*
 * rundir.h — where `sockshim report PID` and a process under sockshim
 * meet: a directory of the user's own, holding one request file per
 * process asked.
 *
 * Both sides compute it with the same rule from the process's
 * environment and user: $XDG_RUNTIME_DIR/sockshim when that variable
 * holds an absolute path, else /run/sockshim for root, else
 * /tmp/sockshim-UID. The launcher creates it (mode 0700) and a request
 * file PID.request (mode 0600); the process's scan thread takes a request
 * owned by its own user, writes the report, and answers with a symbolic
 * link PID.done whose target names the log destination.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_RUNDIR_H
#define SOCKSHIM_RUNDIR_H

#include <stddef.h>
#include <sys/types.h>

#define RUNDIR_PATH_MAX 512

/* The directory for a process of user UID whose XDG_RUNTIME_DIR is
 * XDG (NULL when unset) into OUT (CAP bytes). 0, or -1 when it does not
 * fit. */
int rundir_path(char *out, size_t cap, const char *xdg, uid_t uid);

/* DIR/PID.SUFFIX into OUT (CAP bytes): SUFFIX "request" or "done". 0, or
 * -1 when it does not fit. */
int rundir_file(char *out, size_t cap, const char *dir, pid_t pid,
                const char *suffix);

#endif
