/*
 * input.c — files, directories and standard input to lines to events
 * (see input.h). zlib's gz* functions read plain and gzip'd files alike,
 * so one loop serves both. Lines are cut out of a large buffer in place:
 * a line is copied only when it straddles two reads.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "unwrap.h"
#include "util.h"

/* The library's lines are a few KiB; a longer one is not its, and is
 * not kept in memory whole. */
enum { MAX_LINE = 1 << 20 };

static void count_bad(struct input *in, const char *name,
                      unsigned long lineno) {
    if (in->bad++ == 0) {
        in->first_bad_file = xstrdup(name);
        in->first_bad_line = lineno;
    }
}

/* One line of NAME at LINENO: an event goes to the callback, anything
 * else but a blank line is counted as bad. */
static void take_line(struct input *in, const char *name, unsigned long lineno,
                      const char *line, size_t len) {
    size_t blank = 0;
    while (blank < len &&
           (line[blank] == ' ' || line[blank] == '\t' || line[blank] == '\r'))
        blank++;
    if (blank == len)
        return;
    in->lines++;
    if (!unwrap_line(line, len, in->field, &in->event)) {
        count_bad(in, name, lineno);
        return;
    }
    in->events++;
    in->on_event(&in->event, in->ctx);
}

/* Read the open stream GZ (called NAME) to its end. Returns 0, or -1 on
 * a read error (a truncated gzip file, for one), after the lines before
 * it were taken. */
static int read_stream(struct input *in, gzFile gz, const char *name) {
    enum { CHUNK = 1 << 20 };
    char *buf = xmalloc(CHUNK);
    struct strbuf part = {0}; /* a line begun in an earlier read */
    unsigned long lineno = 0;
    int status = 0, too_long = 0;
    for (;;) {
        int got = gzread(gz, buf, CHUNK);
        if (got < 0) {
            int err;
            const char *msg = gzerror(gz, &err);
            /* Z_BUF_ERROR: a gzip stream cut short, its lines taken. */
            if (err != Z_OK && err != Z_BUF_ERROR) {
                fprintf(stderr, "%s: %s: %s\n", util_progname, name, msg);
                status = -1;
            }
            break;
        }
        if (got == 0)
            break;
        const char *p = buf, *end = buf + got;
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl != NULL ? nl : end;
            size_t n = (size_t)(stop - p);
            if (part.len + n > MAX_LINE)
                too_long = 1;
            else if (nl == NULL || part.len > 0)
                strbuf_add(&part, p, n);
            if (nl == NULL)
                break; /* the rest of the line comes with the next read */
            lineno++;
            if (too_long) {
                in->lines++;
                count_bad(in, name, lineno);
            } else if (part.len > 0) {
                take_line(in, name, lineno, part.s, part.len);
            } else {
                take_line(in, name, lineno, p, n);
            }
            part.len = 0;
            too_long = 0;
            p = nl + 1;
        }
    }
    if (part.len > 0 || too_long) {
        lineno++;
        if (too_long) {
            in->lines++;
            count_bad(in, name, lineno);
        } else {
            take_line(in, name, lineno, part.s, part.len);
        }
    }
    free(part.s);
    free(buf);
    return status;
}

static int read_file(struct input *in, const char *path) {
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO)
                                    : open(path, O_RDONLY | O_CLOEXEC);
    gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
    if (gz == NULL) {
        fprintf(stderr, "%s: %s: %s\n", util_progname, path,
                strerror(errno != 0 ? errno : ENOMEM));
        if (fd >= 0)
            close(fd);
        in->unreadable++;
        return -1;
    }
    gzbuffer(gz, 131072);
    const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
    int status = read_stream(in, gz, name);
    gzclose(gz);
    if (status != 0)
        in->unreadable++;
    return status;
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Log files in a directory: what the library and the usual rotations
 * name them. */
static int is_log_name(const char *name) {
    return ends_with(name, ".jsonl") || ends_with(name, ".log") ||
           ends_with(name, ".gz");
}

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int read_dir(struct input *in, const char *dir, int depth) {
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "%s: %s: %s\n", util_progname, dir, strerror(errno));
        in->unreadable++;
        return -1;
    }
    int status = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char *path = NULL;
        struct stat st;
        if (name[0] == '.')
            goto next; /* ".", "..", and hidden files: not logs */
        path = xasprintf("%s/%s", dir, name);
        /* lstat: a link loop or a link out of the tree is not followed. */
        if (lstat(path, &st) != 0)
            goto next;
        if (S_ISDIR(st.st_mode) && depth < 64) {
            if (read_dir(in, path, depth + 1) != 0)
                status = -1;
        } else if (S_ISREG(st.st_mode) && is_log_name(name)) {
            if (read_file(in, path) != 0)
                status = -1;
        }
    next:
        free(path);
        free(names[i]);
    }
    free(names);
    return status;
}

int input_read(struct input *in, const char *arg) {
    struct stat st;
    if (strcmp(arg, "-") != 0 && stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        return read_dir(in, arg, 0);
    return read_file(in, arg);
}

void input_report_bad(const struct input *in) {
    if (in->bad == 0)
        return;
    fprintf(stderr, "%s: %lu %s (first at %s:%lu)\n", util_progname, in->bad,
            in->bad == 1 ? "line was not a sockshim JSON event"
                         : "lines were not sockshim JSON events",
            in->first_bad_file, in->first_bad_line);
}
