/*
 * known.c — suppressions and baselines (see known.h). Matching follows
 * the library: a glob against each frame's function name as logged and
 * its module's basename, so that a line works in SOCKSHIM_SUPPRESS and
 * in --suppress alike.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "known.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int known_read_suppressions(struct known *k, const char *path) {
    FILE *in = fopen(path, "re");
    if (in == NULL) {
        fprintf(stderr, "%s: %s: %s\n", util_progname, path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        char *p = line + strspn(line, " \t");
        if (*p == '\0' || *p == '#')
            continue;
        char *colon = strchr(p, ':');
        if (colon == NULL || colon == p || colon[1] == '\0') {
            fprintf(stderr, "%s: %s:%lu: not KIND:PATTERN, skipped: %s\n",
                    util_progname, path, lineno, p);
            continue;
        }
        *colon = '\0';
        k->sup = xrealloc(k->sup, (k->nsup + 1) * sizeof *k->sup);
        k->sup[k->nsup].kind = strcmp(p, "*") == 0 ? NULL : intern(p);
        k->sup[k->nsup].pattern = xstrdup(colon + 1);
        k->nsup++;
    }
    free(line);
    fclose(in);
    return 0;
}

int known_read_baseline(struct known *k, const char *path) {
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    json_t *list = json_object_get(doc, "findings");
    if (!json_is_array(list)) {
        fprintf(stderr, "%s: %s: not a sockshim-report --json output%s%s\n",
                util_progname, path, doc == NULL ? ": " : "",
                doc == NULL ? err.text : "");
        json_decref(doc);
        return -1;
    }
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f) {
        const char *kind = json_string_value(json_object_get(f, "kind"));
        const char *sig = json_string_value(json_object_get(f, "signature"));
        if (kind == NULL || sig == NULL)
            continue;
        char *key = xasprintf("%s\n%s", kind, sig);
        (void)strmap_slot(&k->baseline, key);
        free(key);
    }
    json_decref(doc);
    return 0;
}

static int stack_matches(const struct stack *s, const char *pattern) {
    for (size_t i = 0; i < s->n; i++) {
        const struct frame *fr = &s->frames[i];
        if ((fr->func != NULL && fnmatch(pattern, fr->func, 0) == 0) ||
            fnmatch(pattern, fr->module, 0) == 0)
            return 1;
    }
    return 0;
}

int known_suppressed(const struct known *k, const struct finding *f) {
    for (size_t i = 0; i < k->nsup; i++) {
        if (k->sup[i].kind != NULL && strcmp(k->sup[i].kind, f->kind) != 0)
            continue;
        /* "KIND:*" is the whole kind, findings without a stack too. */
        if (strcmp(k->sup[i].pattern, "*") == 0)
            return 1;
        for (int r = 0; r < STACK_ROLES; r++)
            if (stack_matches(&f->stacks[r], k->sup[i].pattern))
                return 1;
    }
    return 0;
}

int known_in_baseline(const struct known *k, const struct finding *f) {
    char *key = xasprintf("%s\n%s", f->kind, f->signature);
    int found = strmap_key(&k->baseline, key) != NULL;
    free(key);
    return found;
}

void known_write_suppression(FILE *out, const struct finding *f) {
    /* The innermost named frame: where the event happened (else where
     * the socket was made), the narrowest pattern that still catches
     * the finding in every process. */
    const struct frame *best = NULL;
    for (int r = 0; r < STACK_ROLES && best == NULL; r++)
        for (size_t i = 0; i < f->stacks[r].n && best == NULL; i++)
            if (f->stacks[r].frames[i].func != NULL)
                best = &f->stacks[r].frames[i];
    const char *pattern = best != NULL         ? best->func
                          : f->stacks[0].n > 0 ? f->stacks[0].frames[0].module
                          : f->stacks[1].n > 0 ? f->stacks[1].frames[0].module
                                               : "*";
    fprintf(out, "# %s %s x%lu (signature %s)\n%s:%s\n", level_name(f->level),
            f->kind, f->events, f->signature, f->kind, pattern);
}
