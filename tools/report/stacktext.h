/*
 * stacktext.h — the stacks of a log as text, each distinct one kept
 * once for the whole run. A log repeats a few hundred stacks across
 * millions of lines: a line's stack is found among the kept texts by
 * its first bytes and compared whole with memcmp, so that it is
 * checked against the grammar and read into frames once, not on every
 * line.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_STACKTEXT_H
#define SOCKSHIM_REPORT_STACKTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "stack.h"

/* A stack's JSON text (an array that passed lex_value()), kept until
 * the program ends. */
struct stack_text {
    uint64_t hash; /* of its first bytes: where the table keeps it */
    size_t n;
    int nest;    /* how deep containers nest in it, itself included */
    char text[]; /* N bytes and a NUL */
};

/*
 * The stack (an array) at P, at nesting DEPTH, skipped as lex_value()
 * would skip it: a text met before is taken as checked, a new one is
 * checked once and kept. Returns its end, or NULL when it is refused;
 * *TEXT gets the kept text (NULL when refused).
 */
const char *stack_text_skip(const char *p, const char *end, int depth,
                            const struct stack_text **text)
    ATTR_NONNULL(1, 2, 4);

/* The kept text that the array at P (up to END) is, or NULL when it has
 * not been kept. */
const struct stack_text *stack_text_at(const char *p, const char *end)
    ATTR_NONNULL(1, 2);

/*
 * The frames of T into *OUT (the caller frees it with stack_free()), as
 * jansson would read them from the same text, module ids not yet
 * resolved: an object that repeats a key anywhere in T (which jansson
 * refuses) gives an empty stack, as does an empty array.
 */
void stack_text_read(const struct stack_text *t, struct stack *out)
    ATTR_NONNULL(1, 2);

/* Free every kept text, once the last line is read: the spans and
 * struct stack_text pointers handed out are then gone. */
void stack_text_free_all(void);

#endif
