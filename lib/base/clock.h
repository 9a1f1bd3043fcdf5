/*
 * clock.h — sockshim's own time: the kernel's monotonic clock, read so
 * that no other preloaded library can change it.
 *
 * libfaketime (and its kind) wraps clock_gettime() and nanosleep() to
 * freeze or speed up the program's clocks: a CLOSE_WAIT age counted on a
 * frozen clock never reaches its threshold. So sockshim reads the clock
 * through the vDSO's own clock_gettime (looked up once in the vDSO, not
 * through the symbol the program's libraries resolve; a system call where
 * there is no vDSO), and its scan thread sleeps with the system call.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_CLOCK_H
#define SOCKSHIM_CLOCK_H

#include <stdint.h>

/* Find the vDSO's clock_gettime and start clock_now_ms() at 0. Call once, at
 * start-up (it may allocate); before it, and without a vDSO, the system call is
 * used. */
void clock_init(void);

/* Milliseconds on CLOCK_MONOTONIC. No lock, no allocation: safe in a
 * signal handler. */
int64_t clock_monotonic_ms(void);

/* Milliseconds since clock_init(), wrapping after 49 days: the clock of
 * the socket table's timestamps (fd_slot.eof_ms), compared by signed
 * difference. */
uint32_t clock_now_ms(void);

/* The wall clock's time of day in UTC, as a calendar has it. */
struct civil_time {
    int year, month, day; /* month 1..12 */
    int hour, minute, second;
    long microsecond;
};

/* Now, in UTC. No lock, no allocation (gmtime_r is not async-signal-safe):
 * safe in a signal handler. */
void clock_civil_now(struct civil_time *out);

/* Sleep MS milliseconds (the whole time, through interruptions). */
void clock_sleep_ms(unsigned ms);

#endif
