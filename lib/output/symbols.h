/*
 * symbols.h — naming an instruction pointer: module, offset, function.
 *
 * Used only when an event is written, never on capture. The function name
 * comes from the module's ELF symbol table (.symtab when the file has one,
 * so static functions of a program built with -g are named; else .dynsym),
 * read from the file mapped once per module. No malloc, no stdio; a module
 * cache guarded by a try-lock: a thread that finds it busy (another thread,
 * or a signal handler interrupting this one) names the frame from dladdr()
 * alone instead of waiting.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_SYMBOLS_H
#define SOCKSHIM_SYMBOLS_H

#include <stdint.h>

struct frame_name {
    const char *module; /* basename of the object ("libc.so.6"), or "?" */
    /* IP in the object's own terms, its ELF virtual address: IP - the
     * load bias (link_map l_addr), what addr2line and libdwfl take. */
    uintptr_t module_offset;
    unsigned module_id;    /* symbols_module()'s id, 0 when unknown */
    char func[192];        /* "" when unknown */
    uintptr_t func_offset; /* IP - the function's start */
};

/* Name the return address IP (looked up at IP-1, inside the call). */
void symbols_name(uintptr_t ip, struct frame_name *out);

/* What a symbolizer elsewhere needs of a module: its file, its GNU
 * build-id (read from the file's PT_NOTE, "" when it has none), its load
 * bias and the size of its mapped span. */
struct module_info {
    const char *path;
    const char *build_id; /* lowercase hex */
    uintptr_t base;
    uintptr_t size;
};

/* The module of id ID (from a frame_name): 1 and *OUT, or 0. */
int symbols_module(unsigned id, struct module_info *out);

/* 1 for the first caller that asks for module ID (its announcement is
 * the caller's to make), 0 after. */
int symbols_first_mention(unsigned id);

/* In a forked child: every module is to be announced again, in the
 * child's own log. */
void symbols_after_fork_child(void);

#endif
