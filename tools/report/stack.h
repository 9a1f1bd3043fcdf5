/*
 * stack.h — stacks as the library logs them ("stack", "created_at",
 * "closed_at": lists of frames; stacktext.c reads them), and the signature
 * that says when two stacks from different processes are the same code:
 * per frame the module's basename and the offset in it, never the
 * address (ASLR moves every process).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_STACK_H
#define SOCKSHIM_REPORT_STACK_H

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

/* Fill F, frame INDEX of its stack, from the fields logged for it:
 * MODULE, OFFSET and FUNC (NULL when absent or not strings), MODULE_ID
 * (-1 when absent or not an integer) and RET (1 true, 0 any other
 * value, -1 absent). */
void frame_set(struct frame *f, size_t index, const char *module,
               const char *offset, const char *func, long module_id, int ret)
    ATTR_NONNULL(1);
/* Free S's frames; S is empty after. */
void stack_free(struct stack *s) ATTR_NONNULL(1);
/* Append S's signature to B: "MODULE+0xOFF" per frame, comma-separated
 * (MODULE being the basename as logged). */
void stack_signature(struct strbuf *b, const struct stack *s)
    ATTR_NONNULL(1, 2);

#endif
