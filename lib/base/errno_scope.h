/*
 * errno_scope.h — errno saved and restored for a scope, in one line.
 *
 * sockshim's bookkeeping runs around the program's calls, and the program
 * must see in errno exactly what libc left there. Writing
 *
 *     PRESERVE_ERRNO;
 *
 * at the top of a block saves errno and restores it when the block is
 * left, by any return (the cleanup attribute of GCC and Clang).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_ERRNO_SCOPE_H
#define SOCKSHIM_ERRNO_SCOPE_H

#include <errno.h>

static inline void errno_scope_restore(const int *saved) { errno = *saved; }

#define ERRNO_SCOPE_CONCAT_(a, b) a##b
#define ERRNO_SCOPE_NAME_(line) ERRNO_SCOPE_CONCAT_(saved_errno_, line)

/* Save errno now; restore it when the enclosing block ends. */
#define PRESERVE_ERRNO                                                         \
    const int ERRNO_SCOPE_NAME_(__LINE__)                                      \
        __attribute__((cleanup(errno_scope_restore), unused)) = errno

#endif
