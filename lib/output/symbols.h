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
 */
#ifndef SOCKSHIM_SYMBOLS_H
#define SOCKSHIM_SYMBOLS_H

#include <stdint.h>

struct frame_name {
    const char *module;      /* basename of the object ("libc.so.6"), or "?" */
    uintptr_t module_offset; /* IP - the object's load address */
    char func[192];          /* "" when unknown */
    uintptr_t func_offset;   /* IP - the function's start */
};

/* Name the return address IP (looked up at IP-1, inside the call). */
void symbols_name(uintptr_t ip, struct frame_name *out);

#endif
