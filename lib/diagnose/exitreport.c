/*
 * exitreport.c — leak_at_exit, grouped by creation stack (see
 * exitreport.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/exitreport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "base/fdtab.h"
#include "base/real.h"
#include "diagnose/identity.h"
#include "diagnose/report.h"
#include "output/event.h"
#include "output/outbuf.h"

#define LEAK_GROUPS_MAX 64
#define LEAK_FDS_SHOWN 8
struct leak_group {
    uint32_t stack;
    /* The peer closed these and the program never did (CLOSE_WAIT, or
     * its EOF read): definitely leaked. Otherwise merely still open. */
    int peer_closed;
    unsigned count;
    uint32_t roles; /* bit 1 << role */
    int fds[LEAK_FDS_SHOWN];
};
struct leak_report {
    struct leak_group groups[LEAK_GROUPS_MAX];
    int group_count;
    /* Sockets from call sites beyond the first LEAK_GROUPS_MAX: still
     * reported, together, without a stack: [0] still open, [1] leaked. */
    struct leak_group others[2];
};

/* Is connection FD in CLOSE_WAIT (EOF read, or the kernel says so)? */
static int closing_peer(int fd, uint32_t flags) {
    if (flags & FD_PEER_CLOSED)
        return 1;
    if (!(flags & FD_TCP))
        return 0;
    struct tcp_info info;
    socklen_t len = sizeof info;
    return real_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
           info.tcpi_state == TCP_CLOSE_WAIT;
}

static int group_socket(int fd, struct fd_slot *slot, void *data) {
    struct leak_report *r = data;
    uint32_t flags = fdtab_flags(slot);
    /* Sockets we did not see made (inherited through exec or fork) are
     * not this program's leaks. */
    if (!(flags & FD_CREATED) || (flags & FD_FORK_CHILD))
        return 0;
    int peer_closed = closing_peer(fd, flags);
    /* A socket merely still open is information, not shown at the
     * default level: no need to confirm it then. */
    if ((!peer_closed && !event_level_shown(LEVEL_INFO)) ||
        !identity_confirm(fd, slot))
        return 0;
    struct leak_group *g = NULL;
    for (int i = 0; i < r->group_count; i++)
        if (r->groups[i].stack == slot->create_stack &&
            r->groups[i].peer_closed == peer_closed)
            g = &r->groups[i];
    if (g == NULL) {
        if (r->group_count == LEAK_GROUPS_MAX) {
            g = &r->others[peer_closed];
        } else {
            g = &r->groups[r->group_count++];
            memset(g, 0, sizeof *g);
            g->stack = slot->create_stack;
        }
        g->peer_closed = peer_closed;
    }
    if (g->count < LEAK_FDS_SHOWN)
        g->fds[g->count] = fd;
    g->count++;
    g->roles |= 1u << fdtab_role(slot);
    return 0;
}

/* Is group A to be reported before group B: leaked ones first, then the
 * larger? */
static int group_before(const struct leak_group *a,
                        const struct leak_group *b) {
    if (a->peer_closed != b->peer_closed)
        return a->peer_closed;
    return a->count > b->count;
}

static void report_group(const struct leak_group *g) {
    struct event ev;
    if (!report_begin_at(&ev, EV_LEAK_AT_EXIT,
                         g->peer_closed ? LEVEL_WARN : LEVEL_INFO, -1, 0,
                         g->stack))
        return;
    event_int(&ev, "count", g->count);
    event_int(&ev, "close_wait", g->peer_closed ? g->count : 0);
    char text[160];
    struct outbuf ob;
    ob_init(&ob, text, sizeof text);
    for (int role = 0; role < ROLE_COUNT; role++) {
        if (g->roles & (1u << role)) {
            if (ob.len > 0)
                ob_char(&ob, ',');
            ob_str(&ob, role_name(role));
        }
    }
    event_str(&ev, "role", text);
    event_int_list(&ev, "fds", g->fds,
                   g->count < LEAK_FDS_SHOWN ? (int)g->count : LEAK_FDS_SHOWN,
                   g->count > LEAK_FDS_SHOWN);
    event_why(&ev, g->peer_closed
                       ? "leaked: the peer closed these connections and the "
                         "program never did; they sat in CLOSE_WAIT, each "
                         "holding a descriptor, until exit"
                       : "still open at exit: the kernel closes them now "
                         "(normal for a listener, or a connection kept for "
                         "the life of the process)");
    ob_init(&ob, text, sizeof text);
    ob_uint(&ob, g->count);
    ob_str(&ob, g->count == 1 ? " socket created at" : " sockets created at");
    event_stack(&ev, "created_at", text, g->stack);
    event_end(&ev);
}

void exitreport_leaks(void) {
    if (!event_enabled(EV_LEAK_AT_EXIT))
        return;
    static struct leak_report report;
    memset(&report, 0, sizeof report);
    report.others[1].peer_closed = 1;
    fdtab_for_each(group_socket, &report);
    for (int i = 1; i < report.group_count; i++)
        for (int j = i;
             j > 0 && group_before(&report.groups[j], &report.groups[j - 1]);
             j--) {
            struct leak_group t = report.groups[j];
            report.groups[j] = report.groups[j - 1];
            report.groups[j - 1] = t;
        }
    for (int i = 0; i < report.group_count; i++)
        report_group(&report.groups[i]);
    for (int leaked = 1; leaked >= 0; leaked--)
        if (report.others[leaked].count > 0)
            report_group(&report.others[leaked]);
}
