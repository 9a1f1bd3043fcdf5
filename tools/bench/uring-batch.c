/*
 * uring-batch.c — the connection loop's extra system calls batched through
 * io_uring, as a reference for connloop --uring (see uring-batch.h).
 *
 * The question it answers: could a preload library pass the ceiling that
 * --same-syscalls measures by batching its calls, one io_uring_enter() for
 * a socket's three setsockopt()s, one for FIONREAD and close()? Linux 6.7
 * added the socket commands that make that possible (SIOCINQ, SETSOCKOPT
 * through IORING_OP_URING_CMD). Raw system calls, no liburing: the bench
 * has no dependency beyond libc, and Debian 12's headers predate the
 * socket-command fields, which are written at their uapi offsets below.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "uring-batch.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* include/uapi/linux/io_uring.h, Linux 6.7: the socket commands (cmd_op)
 * and where their arguments sit in the 64-byte SQE. */
enum { SOCKET_CMD_SIOCINQ = 0, SOCKET_CMD_SETSOCKOPT = 3 };
enum {
    SQE_LEVEL_AT = 16,   /* __u32 level, in the union with addr */
    SQE_OPTNAME_AT = 20, /* __u32 optname */
    SQE_OPTLEN_AT = 44,  /* __u32 optlen, in the union with splice_fd_in */
    SQE_OPTVAL_AT = 48,  /* __u64 optval, in the union with addr3 */
};

static struct {
    int fd;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
} ring = {.fd = -1};

int uring_batch_open(void) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int fd = (int)syscall(SYS_io_uring_setup, 8, &p);
    if (fd < 0)
        return -errno;
    size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
        close(fd);
        return -ENOSYS; /* before 5.4: far older than the socket commands */
    }
    size_t size = sq_size > cq_size ? sq_size : cq_size;
    char *rings = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    void *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
                      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                      IORING_OFF_SQES);
    if (rings == MAP_FAILED || sqes == MAP_FAILED) {
        close(fd);
        return -ENOMEM;
    }
    ring.fd = fd;
    ring.sq_head = (unsigned *)(rings + p.sq_off.head);
    ring.sq_tail = (unsigned *)(rings + p.sq_off.tail);
    ring.sq_mask = (unsigned *)(rings + p.sq_off.ring_mask);
    ring.sq_array = (unsigned *)(rings + p.sq_off.array);
    ring.cq_head = (unsigned *)(rings + p.cq_off.head);
    ring.cq_tail = (unsigned *)(rings + p.cq_off.tail);
    ring.cq_mask = (unsigned *)(rings + p.cq_off.ring_mask);
    ring.cqes = (struct io_uring_cqe *)(rings + p.cq_off.cqes);
    ring.sqes = sqes;
    return 0;
}

/* The next free SQE, zeroed and queued (the kernel sees it at the next
 * io_uring_enter). The loop never queues more than the ring holds. */
static struct io_uring_sqe *queue_sqe(uint8_t opcode, int fd) {
    unsigned tail = *ring.sq_tail, index = tail & *ring.sq_mask;
    struct io_uring_sqe *sqe = &ring.sqes[index];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = opcode;
    sqe->fd = fd;
    ring.sq_array[index] = index;
    __atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
    return sqe;
}

static void put_u32(struct io_uring_sqe *sqe, size_t at, uint32_t value) {
    memcpy((char *)sqe + at, &value, sizeof value);
}

static void queue_setsockopt(int fd, int level, int name, const int *value) {
    struct io_uring_sqe *sqe = queue_sqe(IORING_OP_URING_CMD, fd);
    sqe->cmd_op = SOCKET_CMD_SETSOCKOPT;
    put_u32(sqe, SQE_LEVEL_AT, (uint32_t)level);
    put_u32(sqe, SQE_OPTNAME_AT, (uint32_t)name);
    put_u32(sqe, SQE_OPTLEN_AT, sizeof *value);
    uint64_t optval = (uintptr_t)value;
    memcpy((char *)sqe + SQE_OPTVAL_AT, &optval, sizeof optval);
}

/* Submit the n queued SQEs and wait for their n completions, in one
 * system call. Returns the first negative result (-errno), else the first
 * completion's result. */
static int submit_and_reap(unsigned n) {
    if (syscall(SYS_io_uring_enter, ring.fd, n, n, IORING_ENTER_GETEVENTS, NULL,
                0) < 0)
        return -errno;
    int first = 0, failed = 0;
    unsigned head = *ring.cq_head;
    for (unsigned i = 0; i < n; i++, head++) {
        while (head == __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE))
            ; /* GETEVENTS returned: they are there */
        int res = ring.cqes[head & *ring.cq_mask].res;
        if (i == 0)
            first = res;
        if (res < 0 && failed == 0)
            failed = res;
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
    return failed < 0 ? failed : first;
}

int uring_batch_set_options(int fd) {
    static const int on = 1, idle = 60;
    queue_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on);
    queue_setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle);
    queue_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on);
    return submit_and_reap(3);
}

int uring_batch_unread_close(int fd) {
    /* Linked: the close starts only once the unread count is taken. */
    queue_sqe(IORING_OP_URING_CMD, fd)->flags = IOSQE_IO_LINK;
    queue_sqe(IORING_OP_CLOSE, fd);
    return submit_and_reap(2);
}
