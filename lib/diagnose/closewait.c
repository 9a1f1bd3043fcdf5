/*
 * closewait.c — CLOSE_WAIT bookkeeping and its events (see closewait.h).
 *
 * Readers of the fd table take no lock: a slot's `gen` is read before
 * and checked after anything that takes time, so a socket closed (and
 * its number reused) meanwhile is never reported under another socket's
 * name.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/closewait.h"

#include <signal.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/errno_scope.h"
#include "config/configuration.h"
#include "diagnose/identity.h"
#include "diagnose/report.h"
#include "output/event.h"
#include "output/outbuf.h"
#include "output/stack.h"

int closewait_eof(int fd) {
    struct fd_slot *slot = fdtab_peek(fd);
    uint32_t flags = fdtab_flags(slot);
    /* After the program's own shutdown(SHUT_RD) reads return 0 while the
     * peer may still be sending: that 0 is no EOF from the peer. */
    if ((flags & FD_SHUT_RD) || !fdtab_is_connection(flags, slot))
        return 0;
    if (!(flags & FD_EOF_READ))
        fdtab_add_flags(slot, FD_EOF_READ);
    /* Once per socket; but an EOF read after the scan saw the kernel's
     * CLOSE_WAIT (and before any report) still gives its stack. */
    if ((flags & FD_CW_REPORTED) ||
        ((flags & FD_PEER_CLOSED) && slot->eof_stack != 0))
        return 0;
    PRESERVE_ERRNO;
    if (!(flags & FD_PEER_CLOSED))
        slot->eof_ms = clock_now_ms();
    slot->eof_stack = event_enabled(EV_CLOSE_WAIT) ? stack_capture() : 0;
    __atomic_fetch_or(&slot->flags, FD_PEER_CLOSED, __ATOMIC_RELEASE);
    return 1;
}

/* "12.0s" for MS milliseconds. */
static void format_age(char *buf, size_t size, uint32_t ms) {
    struct outbuf ob;
    ob_init(&ob, buf, size);
    ob_uint(&ob, ms / 1000);
    ob_char(&ob, '.');
    ob_uint(&ob, ms % 1000 / 100);
    ob_char(&ob, 's');
}

/* The fork note of a close_wait: which copy this is, and why it matters. */
static const char *fork_note(struct event *ev, uint32_t flags,
                             const struct fd_slot *slot) {
    pid_t other = (pid_t)slot->fork_pid;
    if (flags & FD_FORK_PARENT) {
        event_str(ev, "fork", "parent");
        event_int(ev, "child_pid", other);
        event_bool(ev, "child_alive", other > 0 && kill(other, 0) == 0, "yes",
                   "no");
        return "still open in the parent after fork(): the child got its own "
               "copy, and a parent that does not close(connfd) after fork() "
               "keeps every connection in CLOSE_WAIT even once the child has "
               "closed its copy";
    }
    if (flags & FD_FORK_CHILD) {
        event_str(ev, "fork", "child");
        event_int(ev, "parent_pid", other);
        return "inherited from the parent at fork(): the connection stays in "
               "CLOSE_WAIT until every copy is closed, this one and the "
               "parent's";
    }
    return "the peer closed its side (FIN) and the program keeps the socket "
           "open: it sits in CLOSE_WAIT holding a descriptor, and enough of "
           "them end in \"too many open files\"";
}

static void report_close_wait(int fd, struct fd_slot *slot, uint32_t now) {
    uint32_t flags = fdtab_flags(slot);
    uint32_t eof_stack = slot->eof_stack, create_stack = slot->create_stack;
    int32_t signed_age = (int32_t)(now - slot->eof_ms);
    uint32_t age = signed_age > 0 ? (uint32_t)signed_age : 0;
    __atomic_fetch_or(&slot->flags, FD_CW_REPORTED, __ATOMIC_RELEASE);
    struct event ev;
    if (!report_begin(&ev, EV_CLOSE_WAIT, fd, eof_stack, create_stack))
        return;
    event_socket(&ev, fd, slot, NULL, 0);
    char text[32];
    format_age(text, sizeof text, age);
    if (ev.json) {
        event_int(&ev, "age_ms", age);
    } else {
        ob_str(&ev.ob, " open ");
        ob_str(&ev.ob, text);
        ob_str(&ev.ob, " after peer FIN");
    }
    /* What happened, not whether a stack was captured (stacks off, or
     * under valgrind, a read EOF has none). */
    event_str(&ev, "eof", (flags & FD_EOF_READ) ? "read" : "kernel");
    const char *why = fork_note(&ev, flags, slot);
    event_why(&ev, why);
    event_stack(&ev, "stack", "peer's EOF read at", eof_stack);
    event_stack(&ev, "created_at", "socket created at", create_stack);
    event_end(&ev);
}

/* The kernel says SLOT's socket is in CLOSE_WAIT: mark it peer-closed as
 * of NOW, if the slot still holds the socket of generation GEN. Returns
 * 1 when marked. A slot closed meanwhile is cleared (flags, then gen
 * moves on) before a new socket's flags are set: the bit set on the
 * wrong socket, or on a cleared slot, is taken back. */
int closewait_mark_kernel(struct fd_slot *slot, uint32_t gen, uint32_t now) {
    uint32_t flags = fdtab_flags(slot);
    if (!fdtab_is_connection(flags, slot) || (flags & FD_PEER_CLOSED) ||
        __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) != gen)
        return 0;
    /* First seen by the kernel: the FIN came since the last pass. */
    slot->eof_ms = now;
    uint32_t old =
        __atomic_fetch_or(&slot->flags, FD_PEER_CLOSED, __ATOMIC_ACQ_REL);
    if (!(old & FD_PEER_CLOSED) &&
        (!(old & FD_TRACKED) ||
         __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) != gen)) {
        __atomic_fetch_and(&slot->flags, ~(uint32_t)FD_PEER_CLOSED,
                           __ATOMIC_ACQ_REL);
        return 0;
    }
    return !(old & FD_PEER_CLOSED);
}

void closewait_report_if_due(int fd, struct fd_slot *slot, uint32_t gen,
                             uint32_t now) {
    /* Signed: an EOF read while this pass ran is younger than its clock. */
    int32_t age = (int32_t)(now - slot->eof_ms);
    if (age >= 0 && (uint32_t)age >= config.diag.close_wait_ms &&
        __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) == gen &&
        identity_confirm(fd, slot))
        report_close_wait(fd, slot, now);
}

void closewait_before_close(int fd, struct fd_slot *slot) {
    uint32_t flags = fdtab_flags(slot);
    if (!(flags & FD_PEER_CLOSED) || !event_enabled(EV_LATE_CLOSE))
        return;
    int32_t signed_sat = (int32_t)(clock_now_ms() - slot->eof_ms);
    uint32_t sat = signed_sat > 0 ? (uint32_t)signed_sat : 0;
    if ((!(flags & FD_CW_REPORTED) && sat < config.diag.close_wait_ms) ||
        !identity_confirm(fd, slot))
        return;
    struct event ev;
    if (!report_begin(&ev, EV_LATE_CLOSE, fd, 0, slot->create_stack))
        return;
    event_socket(&ev, fd, slot, NULL, 0);
    event_ms(&ev, "after", sat);
    event_why(&ev, "closed, but only after sitting in CLOSE_WAIT past "
                   "SOCKSHIM_CLOSE_WAIT");
    event_stack(&ev, "created_at", "socket created at", slot->create_stack);
    event_end(&ev);
}

/* What a fork means for every tracked socket: marked shared, with the
 * process on the other side. */
struct fork_mark {
    uint32_t bit;   /* FD_FORK_PARENT or FD_FORK_CHILD */
    uint32_t other; /* the child's pid, or the parent's */
};

static int mark_fork(int fd, struct fd_slot *slot, void *data) {
    (void)fd;
    const struct fork_mark *mark = data;
    uint32_t old = __atomic_fetch_or(&slot->flags, mark->bit | FD_SHARED,
                                     __ATOMIC_RELEASE);
    /* The first fork that shared it is the one that matters (when the
     * parent forgot close(connfd), every later child inherits it too). */
    if (mark->bit == FD_FORK_CHILD || !(old & FD_FORK_PARENT))
        slot->fork_pid = mark->other;
    return 0;
}

void closewait_after_fork(pid_t child) {
    struct fork_mark mark = {FD_FORK_PARENT, (uint32_t)child};
    if (child == 0)
        mark = (struct fork_mark){FD_FORK_CHILD, (uint32_t)getppid()};
    fdtab_for_each(mark_fork, &mark);
}
