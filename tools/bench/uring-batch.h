/*
 * uring-batch.h — connloop's --uring reference: the system calls sockshim
 * adds to a connection, batched through one io_uring (Linux 6.7+). Single
 * threaded; one ring per process.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_BENCH_URING_BATCH_H
#define SOCKSHIM_BENCH_URING_BATCH_H

/* Sets up the ring. Returns 0, or -errno (io_uring missing or disabled). */
int uring_batch_open(void);

/* The benchmark policy on fd (SO_KEEPALIVE, TCP_KEEPIDLE 60, TCP_NODELAY)
 * in one io_uring_enter(). Returns 0 or the first failure as -errno. */
int uring_batch_set_options(int fd);

/* FIONREAD (SIOCINQ) then close(fd), linked, in one io_uring_enter().
 * Returns the unread byte count, or -errno (-EOPNOTSUPP before Linux 6.7,
 * which lacks the socket commands). */
int uring_batch_unread_close(int fd);

#endif
