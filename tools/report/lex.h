/*
 * lex.h — JSON read in place, without building a tree: the pieces the
 * event scanner (scan.c) and the stack texts (stacktext.c) share. The
 * grammar is JSON's, narrowed to what the library writes (printable
 * ASCII, integers of at most 18 digits, nesting of at most
 * LEX_MAX_NEST): anything else is refused, and jansson decides.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_REPORT_LEX_H
#define SOCKSHIM_REPORT_LEX_H

#include <stddef.h>

/* Nesting deeper than this is not the library's: jansson decides. */
enum { LEX_MAX_NEST = 32 };

/* Every function takes the text from P to END (P <= END) and returns
 * where what it read ends, or NULL when it is refused. */

/* The bytes a string holds as they are: printable ASCII but the quote
 * and the backslash (1; the others 0). */
extern const unsigned char lex_plain[256];

/* Past the blanks JSON allows at P. Never NULL. Inline: it runs between
 * any two tokens. */
static inline const char *lex_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* The string whose opening quote is at P. NULL when it is not one the
 * scanner takes (a byte outside printable ASCII, a bad escape, \u0000,
 * a lone surrogate). With OUT, the decoded text goes there,
 * NUL-terminated (it is never longer than the raw text). */
const char *lex_string(const char *p, const char *end, char *out);

/* A number at P. *IS_INT is set when it is an integer (then *VALUE
 * holds it); an integer that does not fit is refused, as jansson
 * refuses it. */
const char *lex_number(const char *p, const char *end, int *is_int,
                       long long *value);

/* The value at P, checked against the grammar; DEPTH is its nesting
 * (1 for a value of the line's object). A stack (the array of a key
 * "stack", "created_at" or "closed_at") goes to stack_text_skip(). */
const char *lex_value(const char *p, const char *end, int depth);

/* The end of the array or object at P (its bracket) by its shape
 * alone: strings and brackets are followed, nothing else is checked.
 * *NEST gets how deep containers nest in it, itself included. NULL when
 * it does not close before END. */
const char *lex_shape_end(const char *p, const char *end, int *nest);

/* The end of the value at P, inside text that lex_value() has checked
 * already: its shape is enough. */
const char *lex_skip_checked(const char *p, const char *end);

#endif
