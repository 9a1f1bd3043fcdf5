/*
 * sockdiag.c — sock_diag netlink queries (see sockdiag.h).
 *
 * The netlink socket is ours for the length of one query: made with
 * real_socket() (never tracked), O_CLOEXEC, closed before returning.
 */
#define _GNU_SOURCE
#include "config.h"

#include "sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "real.h"

/* Send the dump request for FAMILY's TCP sockets in TIME_WAIT. */
static int request_time_wait(int nl, int family)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } msg;
    memset(&msg, 0, sizeof msg);
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.req.sdiag_family = (unsigned char)family;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    msg.req.idiag_states = 1u << TCP_TIME_WAIT;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    return real_sendto(nl, &msg, sizeof msg, 0, (struct sockaddr *)&kernel,
                       sizeof kernel) == (ssize_t)sizeof msg
               ? 0
               : -1;
}

/* Count the answers to the request sent on NL that match the ports;
 * -1 on error. */
static long count_answers(int nl, unsigned local_port, unsigned remote_port)
{
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    long count = 0;
    for (;;) {
        ssize_t n = real_recv(nl, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE)
                return count;
            if (h->nlmsg_type == NLMSG_ERROR)
                return -1;
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                continue;
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            if ((local_port == 0 || ntohs(m->id.idiag_sport) == local_port) &&
                (remote_port == 0 || ntohs(m->id.idiag_dport) == remote_port))
                count++;
        }
    }
}

long sockdiag_count_time_wait(unsigned local_port, unsigned remote_port)
{
    int saved_errno = errno;
    long total = 0;
    static const int families[] = {AF_INET, AF_INET6};
    for (unsigned i = 0; i < sizeof families / sizeof families[0]; i++) {
        int nl = real_socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
                             NETLINK_SOCK_DIAG);
        if (nl < 0) {
            total = -1;
            break;
        }
        /* A receive timeout: a kernel that never answers must not hang
         * the program's failed bind(). */
        struct timeval limit = {1, 0};
        real_setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        long n = request_time_wait(nl, families[i]) == 0
                     ? count_answers(nl, local_port, remote_port)
                     : -1;
        real_close(nl);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    errno = saved_errno;
    return total;
}
