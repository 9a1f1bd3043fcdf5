/*
 * elfcheck.h — tell whether sockshim's LD_PRELOAD library can see a
 * command's socket calls.
 *
 * "sockshim -- COMMAND" works by interposing libc's socket functions.  That
 * only works when COMMAND is a dynamically linked program that calls them
 * through libc.  This module resolves COMMAND the way execvp(3) would
 * (PATH search, #! scripts followed to their interpreter) and classifies the
 * ELF file it ends up at, so the launcher can warn before running it.
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
    ELFCHECK_SETID,     /* setuid or setgid file: the loader ignores
                           LD_PRELOAD from untrusted paths */
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
 * with open/pread/fstat only and allocates at most a few MiB.
 */
enum elfcheck_verdict elfcheck_command(const char *command,
                                       struct elfcheck_result *out);

/*
 * A one-sentence explanation for a verdict, meant to follow the command
 * name, e.g. for ELFCHECK_STATIC: "is statically linked: LD_PRELOAD has no
 * effect, sockshim cannot see its sockets".  Static string, never NULL.
 */
const char *elfcheck_explain(enum elfcheck_verdict v);

#endif /* SOCKSHIM_ELFCHECK_H */
