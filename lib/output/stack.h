/*
 * stack.h — call stacks: captured cheaply, stored once, named on demand.
 *
 * A capture records raw instruction pointers with libunwind's fast path
 * (unw_backtrace), skipping sockshim's own frames, and hands back a small
 * id from a lock-free store where each distinct stack is kept exactly
 * once. The fd table keeps ids; frames are only symbolized (symbols.h)
 * when an event is written. Nothing here takes a lock or calls malloc:
 * captures happen in wrappers that may run in signal handlers.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_STACK_H
#define SOCKSHIM_STACK_H

#include <stddef.h>
#include <stdint.h>

/* Frames kept per stack at most (SOCKSHIM_STACK_DEPTH is 1..64). */
#define STACK_DEPTH_MAX 64
/* Distinct stacks the store holds; later new stacks get id 0. */
#define STACK_STORE_MAX 65535

/* Turn capture on, keeping DEPTH frames (1..STACK_DEPTH_MAX). libunwind
 * itself is set up at the first capture (its first use costs ~200 us and
 * opens a pipe, which is moved out of the program's way), so a process
 * that captures nothing holds nothing. Call once, at start-up. Returns
 * 0, or -1 when the store cannot be mapped (then every capture gives id
 * 0). */
int stack_init(int depth);

/* True while this thread is inside libunwind: the wrappers then let its
 * own calls (pipe2, read, write, close on its pipe) through untouched. */
int stack_capturing(void);

/* Capture the calling thread's stack from the first frame outside
 * sockshim, store it, and return its id: 1.., or 0 when capture is off,
 * re-entered, or the store is full. */
uint32_t stack_capture(void);

/* The frames of stack ID: sets *IPS and returns their count (0 for id 0
 * or an unknown id). The frames stay valid for the life of the process. */
int stack_frames(uint32_t id, const uintptr_t **ips);

/* Store the IPS[0..N) as a stack and return its id (0 when the store is
 * full). stack_capture() uses it; exposed for tests and benchmarks. */
uint32_t stack_store(const uintptr_t *ips, int n);

/* The program installed a signal stack: captures check their room first. */
void stack_note_altstack(void);

/* Distinct stacks stored so far, and captures that got no id (store full,
 * or too little stack room in a signal handler). */
unsigned stack_count(void);
unsigned long stack_dropped(void);

/* libunwind checks that an address is readable by writing one byte of it
 * into its pipe with syscall(SYS_write): a byte that may be uninitialised
 * stack, which valgrind's memcheck then blames on the program, and a
 * system call for every word it reads past a signal frame. While a
 * capture runs, a write of LEN bytes from ADDR to FD that is libunwind's
 * is answered here, nothing written (libunwind drains the pipe before
 * each check, and takes an empty one as fine): an address on this
 * thread's stack is readable, any other is probed with process_vm_readv()
 * (no byte of it judged). Returns what the write would (1, or -1 with
 * EFAULT), or STACK_NOT_UNWIND when the call is not that one (or cannot
 * be probed): then it is made as asked. */
#define STACK_NOT_UNWIND (-2L)
long stack_unwind_write(int fd, const void *addr, size_t len);

/* pipe2() for libunwind while it captures: the pipe is created at private
 * high numbers, O_CLOEXEC, and remembered as ours. */
int stack_private_pipe(int fds[2], int flags);

#endif
