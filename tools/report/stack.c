/*
 * stack.c — stacks from events, their signatures, and the module table
 * of schema 1's module events (see stack.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "stack.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const stack_role_field[STACK_ROLES] = {"stack", "created_at",
                                                   "closed_at"};

struct module_info {
    const char *path, *build_id; /* interned */
};

/* One entry per module per process: the words of the key are the
 * interned host, the pid and the module_id. */
static struct wordmap modules;

void modules_add(const char *host, long pid, long module_id, const char *path,
                 const char *build_id) {
    const uint64_t key[WORDMAP_KEY] = {(uint64_t)(uintptr_t)intern(host),
                                       (uint64_t)pid, (uint64_t)module_id};
    struct module_info *m = wordmap_get(&modules, key);
    if (m == NULL) {
        m = xcalloc(1, sizeof *m);
        wordmap_put(&modules, key, m);
    }
    if (path != NULL && path[0] != '\0')
        m->path = intern(path);
    if (build_id != NULL && build_id[0] != '\0')
        m->build_id = intern(build_id);
}

void modules_resolve(struct stack *s, const char *host, long pid) {
    const char *host_id = intern(host);
    for (size_t i = 0; i < s->n; i++) {
        struct frame *f = &s->frames[i];
        if (f->module_id < 0 || (f->build_id != NULL && f->path != NULL))
            continue;
        const uint64_t key[WORDMAP_KEY] = {(uint64_t)(uintptr_t)host_id,
                                           (uint64_t)pid,
                                           (uint64_t)f->module_id};
        const struct module_info *m = wordmap_get(&modules, key);
        if (m == NULL)
            continue;
        if (f->build_id == NULL)
            f->build_id = m->build_id;
        if (f->path == NULL)
            f->path = m->path;
    }
}

/* The last component of PATH. */
static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

void frame_set(struct frame *f, size_t index, const char *module,
               const char *offset, const char *func, long module_id, int ret) {
    f->module = intern(module != NULL ? base_name(module) : "?");
    f->offset = offset != NULL ? strtoul(offset, NULL, 16) : 0;
    f->func = func != NULL && func[0] != '\0' ? intern(func) : NULL;
    f->module_id = module_id;
    /* A frame that says whether it is a return address is taken at its
     * word; of the others, every one but #0 is. */
    f->ret = ret >= 0 ? ret : index > 0;
}

void stack_free(struct stack *s) {
    free(s->frames);
    *s = (struct stack){0};
}

void stack_signature(struct strbuf *b, const struct stack *s) {
    /* The basename, never the build-id: a process's module event comes
     * after its first stack naming the module, so whether a build-id is
     * known yet depends on the order of the lines, and the same stack
     * would sign two ways. "%s+0x%lx" by hand: a signature is made for
     * every stack of every process. */
    for (size_t i = 0; i < s->n; i++) {
        const struct frame *f = &s->frames[i];
        char hex[2 * sizeof f->offset];
        size_t h = sizeof hex;
        unsigned long v = f->offset;
        do
            hex[--h] = "0123456789abcdef"[v & 15];
        while ((v >>= 4) != 0);
        if (i > 0)
            strbuf_add(b, ",", 1);
        strbuf_add(b, f->module, strlen(f->module));
        strbuf_add(b, "+0x", 3);
        strbuf_add(b, hex + h, sizeof hex - h);
    }
}
