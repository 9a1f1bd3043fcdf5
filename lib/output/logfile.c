/*
 * logfile.c — resolving the log file's directory without trusting links
 * others can plant, and opening the file through it (see logfile.h).
 *
 * The resolution runs at start-up, where there is room and time: the
 * directory path is walked one component at a time with lstat(); a
 * symbolic link is read and its target walked in turn, but only when the
 * directory holding it belongs to root or to this user and no one else
 * may write to it (group or others: a sticky /tmp lets anyone add a
 * link). The outcome is a path of real directories. Opening later, at
 * the first line, walks that path again with O_NOFOLLOW on every
 * component, so a directory swapped for a link in between is refused.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/real.h"
#include "output/outbuf.h"

/* The resolved directory (absolute, no links) and the file's name. */
static char resolved_dir[LOGFILE_PATH_MAX];
static char file_name[NAME_MAX + 1];
/* Why the last resolution failed, with the place named. */
static char failure[LOGFILE_PATH_MAX + 96];

/* Links followed at most while resolving, as the kernel's limit. */
#define LINKS_MAX 40

void logfile_path(struct outbuf *ob) {
    ob_str(ob, resolved_dir);
    if (ob->len == 0 || resolved_dir[strlen(resolved_dir) - 1] != '/')
        ob_char(ob, '/');
    ob_str(ob, file_name);
}

/* Record why resolving failed (PROBLEM at PLACE) and ERR in errno. */
static int fail(const char *problem, const char *place, int err,
                const char **why) {
    struct outbuf ob;
    ob_init(&ob, failure, sizeof failure);
    ob_str(&ob, problem);
    if (place != NULL) {
        ob_str(&ob, ": ");
        ob_str(&ob, place[0] != '\0' ? place : "/");
    }
    *why = failure;
    errno = err;
    return -1;
}

/* May a link in the directory DIR be trusted: only root or this user can
 * have put it there? */
static int trusted_dir(const char *dir) {
    struct stat st;
    return stat(dir[0] != '\0' ? dir : "/", &st) == 0 &&
           (st.st_uid == 0 || st.st_uid == geteuid()) &&
           !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* Append "/NAME" (LEN bytes) to OUT, a path of SIZE bytes at most. */
static int append_component(char *out, size_t size, const char *name,
                            size_t len) {
    size_t have = strlen(out);
    if (have + 1 + len >= size)
        return -1;
    out[have] = '/';
    memcpy(out + have + 1, name, len);
    out[have + 1 + len] = '\0';
    return 0;
}

/* Walk DIR (a directory path) into OUT, which starts as the absolute
 * path it is relative to ("" for the root): links resolved, each only
 * where trusted_dir() allows. 0, or -1 with *WHY and errno set. */
static int resolve_dir(const char *dir, char *out, const char **why) {
    /* What is left to walk; a link's target is put in front of it. */
    static char pending[2 * LOGFILE_PATH_MAX], next[2 * LOGFILE_PATH_MAX];
    static char target[LOGFILE_PATH_MAX];
    if (strlen(dir) >= sizeof pending)
        return fail("path too long", NULL, ENAMETOOLONG, why);
    strcpy(pending, dir);
    int links = 0;
    const char *p = pending;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            return 0;
        size_t len = strcspn(p, "/");
        if (len == 1 && p[0] == '.') {
            p += len;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            /* OUT holds no link: its parent is textual. */
            char *slash = strrchr(out, '/');
            if (slash != NULL)
                *slash = '\0';
            p += len;
            continue;
        }
        size_t before = strlen(out);
        if (append_component(out, LOGFILE_PATH_MAX, p, len) != 0)
            return fail("path too long", NULL, ENAMETOOLONG, why);
        struct stat st;
        if (lstat(out, &st) != 0)
            return fail("a directory on the way is missing", out, errno, why);
        if (S_ISDIR(st.st_mode)) {
            p += len;
            continue;
        }
        if (!S_ISLNK(st.st_mode))
            return fail("not a directory", out, ENOTDIR, why);
        out[before] = '\0';
        if (!trusted_dir(out)) {
            out[before] = '/';
            return fail("a symbolic link in a directory others can write", out,
                        EPERM, why);
        }
        out[before] = '/';
        ssize_t n = readlink(out, target, sizeof target - 1);
        if (n <= 0 || (size_t)n >= sizeof target - 1 || ++links > LINKS_MAX)
            return fail("a link that cannot be followed", out,
                        n < 0 ? errno : ELOOP, why);
        target[n] = '\0';
        /* Go on from the link's directory, or from the root. */
        out[before] = '\0';
        if (target[0] == '/')
            out[0] = '\0';
        p += len;
        if ((size_t)n + 1 + strlen(p) >= sizeof next)
            return fail("path too long", NULL, ENAMETOOLONG, why);
        strcpy(next, target);
        strcat(next, "/");
        strcat(next, p);
        strcpy(pending, next);
        p = pending;
    }
}

int logfile_resolve(const char *path, const char **why) {
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    size_t name_len = strlen(name);
    if (name_len == 0 || name_len > NAME_MAX || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return fail("no file name", NULL, EINVAL, why);
    static char dir[LOGFILE_PATH_MAX];
    size_t dir_len = slash != NULL ? (size_t)(slash - path) : 0;
    if (dir_len >= sizeof dir)
        return fail("path too long", NULL, ENAMETOOLONG, why);
    memcpy(dir, path, dir_len);
    dir[dir_len] = '\0';
    char *out = resolved_dir;
    out[0] = '\0';
    if (path[0] != '/') {
        if (getcwd(out, LOGFILE_PATH_MAX) == NULL)
            return fail("no current directory", NULL, errno, why);
        if (strcmp(out, "/") == 0)
            out[0] = '\0';
    }
    if (resolve_dir(dir, out, why) != 0) {
        resolved_dir[0] = '\0';
        file_name[0] = '\0';
        return -1;
    }
    memcpy(file_name, name, name_len + 1);
    return 0;
}

/* The resolved file's full path in OUT; 0, or -1 when it does not fit. */
static int full_path(char *out, size_t size) {
    struct outbuf ob;
    ob_init(&ob, out, size);
    ob_str(&ob, resolved_dir);
    ob_char(&ob, '/');
    ob_str(&ob, file_name);
    return ob.len + 1 < size ? 0 : -1;
}

int logfile_exists(void) {
    char path[LOGFILE_PATH_MAX + NAME_MAX + 2];
    return full_path(path, sizeof path) == 0 &&
           faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int logfile_creatable(void) {
    return faccessat(AT_FDCWD, resolved_dir[0] != '\0' ? resolved_dir : "/",
                     W_OK | X_OK, AT_EACCESS) == 0;
}

int logfile_open(void) {
    if (file_name[0] == '\0') {
        errno = ENOENT;
        return -1;
    }
    int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    char component[NAME_MAX + 1];
    for (const char *p = resolved_dir; dir >= 0 && *p != '\0';) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0)
            break;
        if (len > NAME_MAX) {
            real_close(dir);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(component, p, len);
        component[len] = '\0';
        int inner = openat(dir, component,
                           O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        real_close(dir);
        errno = err;
        dir = inner;
        p += len;
    }
    if (dir < 0)
        return -1;
    int fd = openat(dir, file_name,
                    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
                        O_NOCTTY | O_NONBLOCK,
                    0600);
    int err = errno;
    real_close(dir);
    if (fd < 0) {
        errno = err;
        return -1;
    }
    /* A hard link planted to another file would be written through. */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        st.st_nlink != 1) {
        real_close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}
