/*
 * stack.h — stacks as the library logs them ("stack", "created_at",
 * "closed_at": lists of frames), read from an event, and the signature
 * that says when two stacks from different processes are the same code:
 * per frame the module's basename and the offset in it, never the
 * address (ASLR moves every process).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_STACK_H
#define SOCKSHIM_REPORT_STACK_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

struct frame {
    const char *module;   /* basename as logged (interned), never NULL */
    const char *build_id; /* hex (interned), or NULL */
    const char *path;     /* the module's path from a module event, or NULL */
    const char *func;     /* the name the library found, or NULL */
    unsigned long offset; /* from the module's load address */
    long module_id;       /* schema 1's module_id, or -1 */
    int ret;              /* a return address: look up offset - 1 */
};

struct stack {
    size_t n;
    struct frame *frames; /* malloc'd */
};

/* The stacks a finding keeps, by the event field they come from. */
enum stack_role { STACK_CALL, STACK_CREATED, STACK_CLOSED, STACK_ROLES };
extern const char *const stack_role_field[STACK_ROLES];

/* Where a process's modules are: host + pid + module_id to the build-id
 * and path of schema 1's module events. */
void modules_add(const char *host, long pid, long module_id, const char *path,
                 const char *build_id);
/* Fill in build_id and path of the frames of S that carry a module_id
 * and lack them, from HOST and PID's module events. */
void modules_resolve(struct stack *s, const char *host, long pid)
    ATTR_NONNULL(1);

/*
 * Read the frames of V (a JSON list; anything else gives an empty
 * stack) into *OUT, which the caller frees with stack_free(). A frame
 * with "ret" is a return address when it is true; without it, every
 * frame but #0 is one. HOST and PID name the process, whose module
 * events give the frames' build-ids and paths.
 */
void stack_read(struct stack *out, const json_t *v, const char *host, long pid)
    ATTR_NONNULL(1);
void stack_free(struct stack *s) ATTR_NONNULL(1);
/* Append S's signature to B: "MODULE+0xOFF" per frame, comma-separated
 * (MODULE being the basename as logged). */
void stack_signature(struct strbuf *b, const struct stack *s)
    ATTR_NONNULL(1, 2);

#endif
