/*
 * logfile.h — the log file's path, resolved safely once, and the file
 * opened when the first line is written.
 *
 * O_NOFOLLOW guards only a path's last component. A symbolic link that
 * another user planted in a directory on the way (/tmp, a shared
 * directory: /shared/logs -> /home/victim/.ssh) would lead sockshim's
 * lines into a file of the victim's choosing, say authorized_keys. So the
 * directory part of the path is resolved here component by component at
 * start-up: a link is followed only when it sits in a directory that
 * only root or this user can write; the result, a path without links,
 * is what the file is opened through later, each directory opened in
 * turn without following links.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_LOGFILE_H
#define SOCKSHIM_LOGFILE_H

#include <stddef.h>

#include "output/outbuf.h"

/* Room for a resolved path (SOCKSHIM_LOG's limit, and some). */
#define LOGFILE_PATH_MAX 1152

/* Resolve PATH (%p and %n already expanded): its directory without
 * links, kept for logfile_open(). Returns 0, or -1 with *WHY set to a
 * phrase saying what was wrong (an unsafe link, a missing directory ...)
 * and errno set. Start-up only (or a forked child): not thread-safe. */
int logfile_resolve(const char *path, const char **why);

/* The resolved file's path, into OB. */
void logfile_path(struct outbuf *ob);

/* Is the resolved file there already (then it is opened at start-up)? */
int logfile_exists(void);

/* May a new file be created in the resolved directory? */
int logfile_creatable(void);

/* Open the resolved file for appending: through the resolved directories,
 * none of them a link now, created 0600 if missing, and only a regular
 * file owned by this user with one link. Returns the descriptor, or -1
 * with errno set. No malloc, small stack: safe in a signal handler. */
int logfile_open(void);

#endif
