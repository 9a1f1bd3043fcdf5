/*
 * elfcheck.h — tell whether sockshim's LD_PRELOAD library can see a
 * command's socket calls.
 *
 * "sockshim -- COMMAND" works by interposing libc's socket functions.  That
 * only works when COMMAND is a dynamically linked program that calls them
 * through libc.  This module resolves COMMAND the way execvp(3) would
 * (PATH search, #! scripts followed to their interpreter) and classifies the
 * ELF file it ends up at, so the launcher can warn before running it.  It
 * also checks, from its ELF header, that the library to preload is one the
 * loader can load.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_ELFCHECK_H
#define SOCKSHIM_ELFCHECK_H

enum elfcheck_verdict {
    ELFCHECK_OK = 0,    /* dynamically linked against libc: interposable */
    ELFCHECK_NOT_FOUND, /* command not found / not executable */
    ELFCHECK_NOT_ELF,   /* not an ELF file and not a #! script we could
                           follow */
    ELFCHECK_STATIC,    /* no PT_INTERP: statically linked, LD_PRELOAD
                           ignored */
    ELFCHECK_NO_LIBC,   /* dynamic but no DT_NEEDED libc.so.*: calls are
                           not through libc */
    ELFCHECK_GO,        /* a Go program (has a .note.go.buildid or
                           .go.buildinfo section, or a "Go build ID"
                           note): Go makes raw syscalls */
    /* The three below make the kernel set AT_SECURE, and ld.so then
       ignores LD_PRELOAD (all but setuid libraries in its own
       directories).  Only a real change counts: root running a
       root-owned setuid file, a file on a nosuid mount, or a caller
       under no_new_privs gives none. */
    ELFCHECK_SETUID, /* setuid to an owner other than the caller's real
                        uid */
    ELFCHECK_SETGID, /* setgid (with group execute) to a group other
                        than the caller's real gid */
    ELFCHECK_CAPS,   /* file capabilities (security.capability) that a
                        caller other than root gains */
};

struct elfcheck_result {
    enum elfcheck_verdict verdict;
    char path[4096]; /* the file that was inspected (the interpreter
                        for a #! script); for ELFCHECK_NOT_FOUND, the
                        name that could not be found */
};

/*
 * Inspect COMMAND as execvp would run it; fill *out.  Returns out->verdict.
 * A name without '/' is searched in $PATH; #! scripts are followed to their
 * interpreter ("#!/usr/bin/env NAME" to NAME in $PATH).  Malformed or
 * truncated files give ELFCHECK_NOT_ELF (or a verdict from the parts that
 * could be read), never a crash.  Never exits, never prints; reads the file
 * with open/pread/fstat/fstatvfs/fgetxattr only and allocates at most a few
 * MiB.  The identity checks compare with the calling process's real uid and
 * gid: the launcher execs COMMAND itself, so it is the caller.
 */
enum elfcheck_verdict elfcheck_command(const char *command,
                                       struct elfcheck_result *out);

/*
 * A one-sentence explanation for a verdict, meant to follow the command
 * name, e.g. for ELFCHECK_STATIC: "is statically linked: LD_PRELOAD has no
 * effect, sockshim cannot see its sockets".  Static string, never NULL.
 */
const char *elfcheck_explain(enum elfcheck_verdict v);

/* What the ELF header of the library to preload says, worst first found. */
enum elfcheck_library {
    ELFLIB_OK = 0,
    ELFLIB_MISSING,    /* no such file */
    ELFLIB_UNREADABLE, /* not a regular file, or cannot be opened */
    ELFLIB_NOT_ELF,    /* no ELF identification */
    ELFLIB_NOT_SHARED, /* ELF, but not a shared object (ET_DYN) */
    ELFLIB_WRONG_ARCH, /* class, byte order or machine differ from the
                          launcher's own */
};

/*
 * Check that PATH looks loadable as LD_PRELOAD: a readable regular file
 * whose ELF header says shared object for the launcher's own class, byte
 * order and machine (read from /proc/self/exe; compared with the build's
 * constants if that cannot be read).  A header check only: it does not
 * resolve symbols or run constructors, so a library that passes may still
 * fail in ld.so (a missing dependency, say).  Reads 64 bytes; never prints.
 */
enum elfcheck_library elfcheck_library(const char *path);

/*
 * What went wrong with a library, meant to follow its path, e.g. for
 * ELFLIB_NOT_SHARED: "is an ELF file but not a shared library".  Static
 * string, never NULL.
 */
const char *elfcheck_library_explain(enum elfcheck_library v);

#endif /* SOCKSHIM_ELFCHECK_H */
