/*
 * sockdiag.c — sock_diag netlink queries (see sockdiag.h).
 *
 * Our netlink sockets are made with real_socket() (never tracked) and
 * O_CLOEXEC.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/sockdiag.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/errno_scope.h"
#include "base/privfd.h"
#include "base/real.h"

int sockdiag_open(void) {
    int nl =
        real_socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -1;
    struct timeval limit = {1, 0};
    real_setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return nl;
}

/* Send the dump request for the TCP sockets of FAMILY in STATES. AF_UNSPEC
 * uses the older TCPDIAG_GETSOCK request, the one the kernel answers for
 * both families in a single walk of its connection hash (a v2 request
 * names one family, and each one walks the whole hash again). */
static int send_request(int nl, int family, uint32_t states, uint32_t seq) {
    union {
        struct {
            struct nlmsghdr nlh;
            struct inet_diag_req_v2 req;
        } v2;
        struct {
            struct nlmsghdr nlh;
            struct inet_diag_req req;
        } both;
    } msg;
    memset(&msg, 0, sizeof msg);
    size_t len;
    if (family == AF_UNSPEC) {
        len = sizeof msg.both;
        msg.both.nlh.nlmsg_type = TCPDIAG_GETSOCK;
        msg.both.req.idiag_states = states;
    } else {
        len = sizeof msg.v2;
        msg.v2.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        msg.v2.req.sdiag_family = (unsigned char)family;
        msg.v2.req.sdiag_protocol = IPPROTO_TCP;
        msg.v2.req.idiag_states = states;
    }
    msg.v2.nlh.nlmsg_len = (uint32_t)len;
    msg.v2.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.v2.nlh.nlmsg_seq = seq;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    return real_sendto(nl, &msg, len, 0, (struct sockaddr *)&kernel,
                       sizeof kernel) == (ssize_t)len
               ? 0
               : -1;
}

/* The kernel's answers are read into one static buffer, not the stack:
 * an addr_in_use check may run in a signal handler on a small alternate
 * stack. One dump at a time holds it; another one meanwhile (a second
 * thread, or a handler interrupting the first) finds it busy and reports
 * that the kernel could not be asked. */
static char answer[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
static int answer_busy;

/* Dump the TCP sockets of FAMILY (AF_INET, AF_INET6, or AF_UNSPEC for
 * both) whose state is in STATES through NL, calling FN for each and
 * counting them in *DELIVERED. Returns 0, or -1 when the kernel could not
 * be asked. */
static int dump(int nl, int family, uint32_t states, sockdiag_fn fn, void *data,
                long *delivered) {
    /* Each request has its own number: the rest of an answer abandoned
     * earlier (a receive timeout) may still be queued on a kept socket. */
    static uint32_t last_seq;
    uint32_t seq = __atomic_add_fetch(&last_seq, 1, __ATOMIC_RELAXED);
    PRESERVE_ERRNO;
    int rc = -1;
    if (__atomic_exchange_n(&answer_busy, 1, __ATOMIC_ACQUIRE))
        return -1;
    char *buf = answer;
    if (send_request(nl, family, states, seq) != 0)
        goto out;
    for (;;) {
        ssize_t n = real_recv(nl, buf, sizeof answer, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != seq)
                continue;
            if (h->nlmsg_type == NLMSG_DONE) {
                rc = 0;
                goto out;
            }
            if (h->nlmsg_type == NLMSG_ERROR)
                goto out;
            if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
                fn(NLMSG_DATA(h), data);
                ++*delivered;
            }
        }
    }
out:
    __atomic_store_n(&answer_busy, 0, __ATOMIC_RELEASE);
    return rc;
}

int sockdiag_dump_all(int nl, uint32_t states, sockdiag_fn fn, void *data) {
    /* A kernel without the older request answers it with an error before
     * any socket: then one v2 dump per family. A failure after some
     * sockets came is a failure (asking again would count them twice). */
    static int older_refused;
    long delivered = 0;
    if (!__atomic_load_n(&older_refused, __ATOMIC_RELAXED)) {
        if (dump(nl, AF_UNSPEC, states, fn, data, &delivered) == 0)
            return 0;
        if (delivered > 0)
            return -1;
    }
    if (dump(nl, AF_INET, states, fn, data, &delivered) != 0)
        return -1;
    /* Refused, and the newer request works: do not ask again. */
    __atomic_store_n(&older_refused, 1, __ATOMIC_RELAXED);
    return dump(nl, AF_INET6, states, fn, data, &delivered);
}

struct port_count {
    unsigned local_port, remote_port;
    long count;
};

static void count_ports(const struct inet_diag_msg *m, void *data) {
    struct port_count *pc = data;
    if ((pc->local_port == 0 || ntohs(m->id.idiag_sport) == pc->local_port) &&
        (pc->remote_port == 0 || ntohs(m->id.idiag_dport) == pc->remote_port))
        pc->count++;
}

long sockdiag_count_time_wait(unsigned local_port, unsigned remote_port) {
    PRESERVE_ERRNO;
    struct port_count pc = {local_port, remote_port, 0};
    /* Out of the program's way while it is open: another thread's
     * socket() must get the number it would get without sockshim. */
    int nl = privfd_move(sockdiag_open());
    long result = -1;
    if (nl >= 0) {
        if (sockdiag_dump_all(nl, 1u << TCP_TIME_WAIT, count_ports, &pc) == 0)
            result = pc.count;
        real_close(nl);
    }
    return result;
}
