/*
 * logtail.c — the log file's new bytes for the C unit tests (see
 * logtail.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "logtail.h"

#include <stdio.h>

const char *log_tail(const char *path, long *read_to) {
    static char text[65536];
    size_t n = 0;
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        if (fseek(f, *read_to, SEEK_SET) == 0)
            n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
    }
    text[n] = '\0';
    *read_to += (long)n;
    return text;
}

int line_count(const char *text) {
    int n = 0;
    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}
