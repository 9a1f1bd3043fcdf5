/*
 * logtail.h — what the C unit tests read of the log file the library
 * writes to: the bytes it received since the last look.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_TAP_LOGTAIL_H
#define SOCKSHIM_TAP_LOGTAIL_H

/*
 * The bytes the file at PATH received past *READ_TO (64 KiB at most),
 * NUL-terminated in a static buffer that the next call reuses; *READ_TO
 * moves past them. A missing file reads as "".
 */
const char *log_tail(const char *path, long *read_to);

/* How many lines TEXT holds (its newlines). */
int line_count(const char *text);

#endif
