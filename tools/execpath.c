/*
 * execpath.c — find the file execvp(3) would run (see execpath.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "execpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* True if PATH is a regular file we may execute. */
static bool is_executable_file(const char *path) {
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

bool execpath_resolve(const char *name, bool search_path, char *out,
                      size_t out_size) {
    const char *dir;

    if (name[0] == '\0')
        return false;
    if (!search_path || strchr(name, '/') != NULL) {
        if (strlen(name) >= out_size)
            return false;
        strcpy(out, name);
        return is_executable_file(out);
    }
    dir = getenv("PATH");
    if (dir == NULL)
        dir = "/bin:/usr/bin"; /* glibc's default, confstr(_CS_PATH) */
    for (;;) {
        const char *end = strchrnul(dir, ':');
        size_t dir_len = (size_t)(end - dir);
        int n = -1;

        /* An empty PATH element means the current directory. */
        if (dir_len == 0)
            n = snprintf(out, out_size, "%s", name);
        else if (dir_len < out_size)
            n = snprintf(out, out_size, "%.*s/%s", (int)dir_len, dir, name);
        if (n >= 0 && (size_t)n < out_size && is_executable_file(out))
            return true;
        if (*end == '\0')
            return false;
        dir = end + 1;
    }
}

/* Length of the word at S (up to a space, tab or NUL). */
static size_t word_length(const char *s) { return strcspn(s, " \t"); }

/* S advanced past spaces and tabs. */
static const char *skip_blanks(const char *s) { return s + strspn(s, " \t"); }

bool execpath_shebang(const unsigned char *head, size_t head_len, char *next,
                      size_t next_size, bool *search_path) {
    char line[EXECPATH_HEAD_SIZE + 1];
    size_t line_len = 0;
    const char *interp, *word;
    size_t interp_len, len;

    /* The line ends at a newline or, as in the kernel, at the buffer end. */
    while (2 + line_len < head_len && head[2 + line_len] != '\n' &&
           head[2 + line_len] != '\0' && line_len < EXECPATH_HEAD_SIZE)
        line_len++;
    memcpy(line, head + 2, line_len);
    line[line_len] = '\0';

    interp = skip_blanks(line);
    interp_len = word_length(interp);
    if (interp_len == 0)
        return false;
    word = interp + interp_len;

    /* "env" is only a launcher: the real interpreter is its argument. */
    if (interp_len >= 3 && memcmp(interp + interp_len - 3, "env", 3) == 0 &&
        (interp_len == 3 || interp[interp_len - 4] == '/')) {
        /*
         * Linux passes the rest of the line as one argument; we split it
         * anyway so "env -S prog -x" and "env VAR=1 prog" resolve to prog.
         */
        for (word = skip_blanks(word); *word != '\0';
             word = skip_blanks(word + len)) {
            len = word_length(word);
            if (word[0] != '-' && memchr(word, '=', len) == NULL)
                break;
            /* These env options consume the following word. */
            if (len == 2 && (word[1] == 'u' || word[1] == 'C')) {
                word = skip_blanks(word + len);
                len = word_length(word);
            }
        }
        if (*word != '\0') {
            len = word_length(word);
            if (len >= next_size)
                return false;
            memcpy(next, word, len);
            next[len] = '\0';
            *search_path = true;
            return true;
        }
    }
    /* The kernel uses the interpreter path as written, without $PATH. */
    if (interp_len >= next_size)
        return false;
    memcpy(next, interp, interp_len);
    next[interp_len] = '\0';
    *search_path = false;
    return true;
}
