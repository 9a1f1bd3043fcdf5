/*
 * execpath.h — find the file execvp(3) would run for a command name: the
 * $PATH search, and the interpreter a "#!" line names.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_EXECPATH_H
#define SOCKSHIM_EXECPATH_H

#include <stdbool.h>
#include <stddef.h>

/* The kernel reads this much of a file to find "#!" (BINPRM_BUF_SIZE). */
#define EXECPATH_HEAD_SIZE 256

/*
 * Find the executable file for NAME into OUT (OUT_SIZE bytes).  Like
 * execvp, search $PATH only when SEARCH_PATH is set and NAME has no '/'.
 */
bool execpath_resolve(const char *name, bool search_path, char *out,
                      size_t out_size);

/*
 * Parse the "#!" line at the start of HEAD (HEAD_LEN bytes) into the next
 * program to look at, stored in NEXT (NEXT_SIZE bytes).  *SEARCH_PATH says
 * whether NEXT must be looked up in $PATH (only for "#!/usr/bin/env NAME").
 * False when the line names no program.
 */
bool execpath_shebang(const unsigned char *head, size_t head_len, char *next,
                      size_t next_size, bool *search_path);

#endif
