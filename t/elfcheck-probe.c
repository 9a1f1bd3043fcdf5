/*
 * elfcheck-probe.c — manual test driver for tools/elfcheck.c.
 *
 * Usage: elfcheck-probe CMD...
 * Prints "CMD: VERDICT_NAME path" for each CMD, resolved as execvp would.
 * Build: gcc -std=gnu11 -Wall -Wextra -O2 -Itools \
 *            -o elfcheck-probe t/elfcheck-probe.c tools/elfcheck.c
 */
#include "elfcheck.h"

#include <stdio.h>

/* The enumerator name for V, as written in elfcheck.h. */
static const char *verdict_name(enum elfcheck_verdict v)
{
    switch (v) {
    case ELFCHECK_OK:
        return "OK";
    case ELFCHECK_NOT_FOUND:
        return "NOT_FOUND";
    case ELFCHECK_NOT_ELF:
        return "NOT_ELF";
    case ELFCHECK_STATIC:
        return "STATIC";
    case ELFCHECK_NO_LIBC:
        return "NO_LIBC";
    case ELFCHECK_GO:
        return "GO";
    case ELFCHECK_SETID:
        return "SETID";
    }
    return "UNKNOWN";
}

int main(int argc, char **argv)
{
    /* Static: the result holds a 4 KiB path buffer. */
    static struct elfcheck_result result;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CMD...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        elfcheck_command(argv[i], &result);
        printf("%s: %s %s\n", argv[i], verdict_name(result.verdict),
               result.path);
    }
    return 0;
}
