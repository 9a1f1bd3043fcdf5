/*
 * hooks.c — socket lifecycle bookkeeping and the policy's moments.
 *
 * Creation (socket, socketpair, accept) fills the fd slot; bind, listen,
 * accept and connect are where options are decided (policy.c); close and
 * the dup family keep the table in step with the kernel's. Sockets we did
 * not see created (inherited, made before we were loaded, or by a path we
 * do not wrap) are classified on first use with getsockopt(SO_DOMAIN...).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "interpose/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/direct.h"
#include "base/errno_scope.h"
#include "base/fdtab.h"
#include "base/real.h"
#include "config/configuration.h"
#include "diagnose/checks.h"
#include "diagnose/closewait.h"
#include "diagnose/fdlimit.h"
#include "diagnose/scan.h"
#include "output/event.h"
#include "output/sockaddr.h"
#include "policy/policy.h"
#include "policy/timeout.h"

/* accept(), accept4() and connect() as libc makes them, made directly
 * while direct.h allows it: glibc brackets these cancellable calls too,
 * once sockshim's scan thread exists. Same system call, same result and
 * errno. (libc's accept() makes SYS_accept, not accept4: so do we.) */
static int accept_call(int fd, struct sockaddr *addr, socklen_t *len) {
    if (direct_now())
        return (int)direct_result(
            direct_syscall3(SYS_accept, fd, (long)addr, (long)len));
    return real_accept(fd, addr, len);
}

static int accept4_call(int fd, struct sockaddr *addr, socklen_t *len,
                        int flags) {
    if (direct_now())
        return (int)direct_result(direct_syscall6(SYS_accept4, fd, (long)addr,
                                                  (long)len, flags, 0, 0));
    return real_accept4(fd, addr, len, flags);
}

static int connect_call(int fd, const struct sockaddr *addr, socklen_t len) {
    if (direct_now())
        return (int)direct_result(
            direct_syscall3(SYS_connect, fd, (long)addr, (long)len));
    return real_connect(fd, addr, len);
}

/* Record a new socket of DOMAIN/TYPE/PROTOCOL at FD in ROLE, with the
 * extra FD_* bits FLAGS and the items the program already chose APP_SET. */
static struct fd_slot *track_socket(int fd, int domain, int type, int protocol,
                                    int role, uint32_t flags,
                                    uint16_t app_set) {
    struct fd_slot *slot = fdtab_slot(fd);
    if (slot == NULL)
        return NULL;
    int base_type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    flags |= FD_TRACKED;
    if ((domain == AF_INET || domain == AF_INET6) && base_type == SOCK_STREAM &&
        (protocol == 0 || protocol == IPPROTO_TCP))
        flags |= FD_TCP;
    fdtab_set_flags(slot, 0);
    __atomic_fetch_add(&slot->gen, 1, __ATOMIC_RELEASE);
    slot->eof_stack = 0;
    slot->inode = 0;
    slot->fork_pid = 0;
    slot->seen_ms = 0;
    slot->family = (uint8_t)domain;
    slot->sock_type = (uint16_t)base_type;
    slot->role = (uint8_t)role;
    slot->app_set = app_set;
    slot->decided = 0;
    slot->policy_set = 0;
    fdtab_set_flags(slot, flags);
    return slot;
}

/* Where an fd we did not see created stands: bound (a local port or
 * path), listening. */
static uint32_t observed_flags(int fd) {
    uint32_t flags = 0;
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &len) == 0 &&
        (sockaddr_port((struct sockaddr *)&local, len) > 0 ||
         (local.ss_family == AF_UNIX && len > sizeof(sa_family_t))))
        flags |= FD_BOUND;
    int listening = 0;
    len = sizeof listening;
    if (real_getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
        listening)
        flags |= FD_BOUND | FD_LISTENING;
    return flags;
}

/* The slot of socket FD, classifying it if we did not see it created
 * (inherited, made before we were loaded, or by a path we do not wrap);
 * NULL when FD is not a socket (or cannot be tracked). */
static struct fd_slot *socket_slot(int fd) {
    struct fd_slot *slot = fdtab_peek(fd);
    if (fdtab_flags(slot) & FD_TRACKED)
        return slot;
    int domain, type, protocol;
    socklen_t len = sizeof(int);
    if (real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
        real_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
        real_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0)
        return NULL;
    uint32_t flags = observed_flags(fd);
    return track_socket(fd, domain, type, protocol,
                        (flags & FD_LISTENING) ? ROLE_LISTEN : ROLE_NONE, flags,
                        0);
}

static void context_init(struct sock_context *ctx, int fd, struct fd_slot *slot,
                         int role) {
    ctx->fd = fd;
    ctx->slot = slot;
    ctx->role = role;
    ctx->peer = NULL;
    ctx->peer_len = 0;
    ctx->local = NULL;
    ctx->local_len = 0;
    ctx->at_listen = 0;
    ctx->backlog_asked = 0;
    ctx->inherited = 0;
}

/* Items of P (an accepted socket's policy) that the socket already holds:
 * Linux copies a TCP listener's options to the connections it accepts (a
 * UNIX one's are not: its accepted sockets are made afresh), so an
 * item the policy set on LISTENER (FD), with the same value, and that the
 * program has not touched there since, needs no setsockopt() of its own.
 * Items only: the policy event still lists them. */
static uint16_t inherited_items(int fd, struct fd_slot *listener,
                                const struct policy *p) {
    uint16_t candidates =
        fdtab_policy_set(listener) & (uint16_t)~fdtab_app_set(listener);
    /* A listener shared with another descriptor or process may have had
     * its options changed through the other copy, unseen here. (Nothing
     * is marked policy_set in audit mode.) */
    uint32_t flags = fdtab_flags(listener);
    if (candidates == 0 || !(flags & FD_TCP) || (flags & FD_SHARED))
        return 0;
    /* Without rules both are the global policy. */
    if (config.rule_count == 0)
        return candidates;
    struct sock_context lctx;
    struct policy lp;
    context_init(&lctx, fd, listener, ROLE_LISTEN);
    policy_for_socket(&lctx, &lp);
    return policy_same_items(p, &lp, candidates);
}

/* Copy the program's address into OUT without trusting the pointer: a bad
 * one must give the program EFAULT from connect(), not crash sockshim, so
 * the kernel does the copy. Returns the length copied, or 0 (then the
 * address is not used: also when a sandbox forbids process_vm_readv). */
static socklen_t copy_user_address(const struct sockaddr *addr, socklen_t len,
                                   struct sockaddr_storage *out) {
    if (addr == NULL || len < sizeof(sa_family_t) || len > sizeof *out)
        return 0;
    struct iovec local = {out, len}, remote = {(void *)addr, len};
    ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? len : 0;
}

/* The connect target ADDR (LEN bytes) into CTX, through STORAGE. */
static void context_copy_peer(struct sock_context *ctx,
                              const struct sockaddr *addr, socklen_t len,
                              struct sockaddr_storage *storage) {
    ctx->peer_len = copy_user_address(addr, len, storage);
    ctx->peer = ctx->peer_len ? (struct sockaddr *)storage : NULL;
}

/* The bind address ADDR (LEN bytes) into CTX, through STORAGE. */
static void context_copy_local(struct sock_context *ctx,
                               const struct sockaddr *addr, socklen_t len,
                               struct sockaddr_storage *storage) {
    ctx->local_len = copy_user_address(addr, len, storage);
    ctx->local = ctx->local_len ? (struct sockaddr *)storage : NULL;
}

/* A socket was made at SLOT (NULL: not tracked): where, and for a TCP
 * one, the scan that will watch it. */
static void socket_created(struct fd_slot *slot) {
    if (slot == NULL)
        return;
    checks_socket_created(slot);
    if (fdtab_flags(slot) & FD_TCP)
        scan_start();
}

int hook_socket(int domain, int type, int protocol) {
    int fd = real_socket(domain, type, protocol);
    if (fd >= 0) {
        PRESERVE_ERRNO;
        socket_created(
            track_socket(fd, domain, type, protocol, ROLE_NONE, 0, 0));
        fdlimit_new_fd(fd);
    } else {
        fdlimit_call_failed("socket", errno);
    }
    return fd;
}

int hook_socketpair(int domain, int type, int protocol, int sv[2]) {
    int rc = real_socketpair(domain, type, protocol, sv);
    if (rc == 0) {
        PRESERVE_ERRNO;
        for (int i = 0; i < 2; i++)
            socket_created(track_socket(sv[i], domain, type, protocol,
                                        ROLE_NONE, FD_BOUND, 0));
        fdlimit_new_fd(sv[0] > sv[1] ? sv[0] : sv[1]);
    } else {
        fdlimit_call_failed("socketpair", errno);
    }
    return rc;
}

int hook_bind(int fd, const struct sockaddr *addr, socklen_t len) {
    struct fd_slot *slot;
    struct sockaddr_storage local;
    struct sock_context ctx;
    {
        PRESERVE_ERRNO;
        slot = socket_slot(fd);
        context_init(&ctx, fd, slot, ROLE_NONE);
        if (slot != NULL) {
            struct policy p;
            if (config.rules_need_address)
                context_copy_local(&ctx, addr, len, &local);
            policy_for_socket(&ctx, &p);
            policy_apply(&ctx, &p, ITEMS_BEFORE_BIND);
        }
    }
    int rc = real_bind(fd, addr, len);
    if (rc == 0 && slot != NULL)
        __atomic_fetch_or(&slot->flags, FD_BOUND, __ATOMIC_RELEASE);
    if (rc < 0 && slot != NULL &&
        (errno == EADDRINUSE || errno == EADDRNOTAVAIL)) {
        PRESERVE_ERRNO;
        int err = errno;
        if (ctx.local == NULL)
            context_copy_local(&ctx, addr, len, &local);
        checks_addr_in_use(fd, "bind", err, ctx.local, ctx.local_len);
    }
    return rc;
}

/* SO_RCVTIMEO on a listener would make a blocking accept() fail with
 * EAGAIN; accepted sockets get it at accept() instead. */
#define ITEMS_AT_LISTEN                                                        \
    ((uint16_t)(ITEMS_ALL & ~ITEMS_BEFORE_BIND & ~ITEM_BIT(ITEM_RCVTIMEO)))

int hook_listen(int fd, int backlog) {
    struct fd_slot *slot;
    struct sock_context ctx;
    struct policy p;
    {
        PRESERVE_ERRNO;
        slot = socket_slot(fd);
        if (slot != NULL) {
            context_init(&ctx, fd, slot, ROLE_LISTEN);
            policy_for_socket(&ctx, &p);
            /* listen() on an unbound socket binds it implicitly: the
             * reuse options still have their moment. */
            if (!(fdtab_flags(slot) & FD_BOUND))
                policy_apply(&ctx, &p, ITEMS_BEFORE_BIND);
        }
    }
    if (slot == NULL)
        return real_listen(fd, backlog);
    int rc = real_listen(fd, policy_backlog(&p, backlog));
    if (rc == 0) {
        PRESERVE_ERRNO;
        fdtab_set_role(slot, ROLE_LISTEN);
        ctx.at_listen = 1;
        ctx.backlog_asked = backlog;
        __atomic_fetch_or(&slot->flags, FD_BOUND | FD_LISTENING,
                          __ATOMIC_RELEASE);
        policy_apply(&ctx, &p, ITEMS_AT_LISTEN);
    }
    return rc;
}

int hook_accept(int fd, struct sockaddr *addr, socklen_t *len) {
    int newfd = accept_call(fd, addr, len);
    if (newfd >= 0)
        hook_accepted(fd, newfd);
    else
        fdlimit_call_failed("accept", errno);
    return newfd;
}

int hook_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    int newfd = accept4_call(fd, addr, len, flags);
    if (newfd >= 0)
        hook_accepted(fd, newfd);
    else
        fdlimit_call_failed("accept4", errno);
    return newfd;
}

void hook_accepted(int fd, int newfd) {
    PRESERVE_ERRNO;
    fdlimit_new_fd(newfd);
    struct fd_slot *listener = socket_slot(fd);
    /* The kernel copies the listener's options to the accepted socket:
     * what the program set on the listener it has set here too. */
    struct fd_slot *slot =
        listener != NULL
            ? track_socket(newfd, listener->family, listener->sock_type,
                           (fdtab_flags(listener) & FD_TCP) ? IPPROTO_TCP : -1,
                           ROLE_ACCEPT, FD_BOUND, fdtab_app_set(listener))
            : NULL;
    if (slot != NULL) {
        struct sock_context ctx;
        struct policy p;
        context_init(&ctx, newfd, slot, ROLE_ACCEPT);
        policy_for_socket(&ctx, &p);
        ctx.inherited = inherited_items(fd, listener, &p);
        fdtab_claim_decided(slot, ITEMS_BEFORE_BIND);
        socket_created(slot);
        policy_apply(&ctx, &p, ITEMS_ALL);
        checks_after_accept(fd, listener);
    }
}

/* Options decided when connect() starts: SO_SNDTIMEO waits until it has
 * returned, because Linux ends a blocking connect() with EINPROGRESS when
 * SO_SNDTIMEO expires (a send timeout must not become a connect timeout). */
#define ITEMS_AT_CONNECT ((uint16_t)(ITEMS_ALL & ~ITEM_BIT(ITEM_SNDTIMEO)))

int hook_connect(int fd, const struct sockaddr *addr, socklen_t len) {
    struct fd_slot *slot;
    struct sockaddr_storage peer;
    struct sock_context ctx;
    struct policy p;
    int first = 0;
    unsigned timeout = 0;
    {
        PRESERVE_ERRNO;
        slot = socket_slot(fd);
        int role = slot != NULL ? fdtab_role(slot) : ROLE_NONE;
        if (slot == NULL || (role != ROLE_NONE && role != ROLE_CONNECT))
            slot = NULL;
        else {
            context_init(&ctx, fd, slot, ROLE_CONNECT);
            /* The target is needed to match rules, and shown in events. */
            if (config.rules_need_address || event_enabled(EV_POLICY))
                context_copy_peer(&ctx, addr, len, &peer);
            policy_for_socket(&ctx, &p);
            /* Options are decided at the first connect(); the timeout
             * bounds every blocking one (a program may retry on the same
             * socket). */
            first = role == ROLE_NONE;
            if (first) {
                fdtab_set_role(slot, ROLE_CONNECT);
                /* connect() binds an unbound socket: the reuse options
                 * apply now; a socket bound earlier is past their moment. */
                int bound = (fdtab_flags(slot) & FD_BOUND) != 0;
                if (bound)
                    policy_too_late(&ctx, &p, ITEMS_BEFORE_BIND);
                policy_apply(
                    &ctx, &p,
                    bound ? (uint16_t)(ITEMS_AT_CONNECT & ~ITEMS_BEFORE_BIND)
                          : ITEMS_AT_CONNECT);
            }
            timeout = timeout_for_connect(&ctx, &p, first);
        }
    }
    if (slot == NULL)
        return connect_call(fd, addr, len);
    int rc = timeout != 0 ? connect_with_timeout(fd, addr, len, timeout)
                          : connect_call(fd, addr, len);
    PRESERVE_ERRNO;
    int err = errno;
    if (first && (p.set & (1u << OPT_SNDTIMEO)))
        policy_apply(&ctx, &p, ITEM_BIT(ITEM_SNDTIMEO));
    if (rc < 0 && (err == EADDRINUSE || err == EADDRNOTAVAIL)) {
        if (ctx.peer == NULL)
            context_copy_peer(&ctx, addr, len, &peer);
        checks_addr_in_use(fd, "connect", err, ctx.peer, ctx.peer_len);
    }
    return rc;
}

int hook_setsockopt(int fd, int level, int optname, const void *value,
                    socklen_t len) {
    if (item_lookup(level, optname) == ITEM_COUNT)
        return real_setsockopt(fd, level, optname, value, len);
    struct fd_slot *slot;
    {
        PRESERVE_ERRNO;
        slot = socket_slot(fd);
    }
    if (slot == NULL)
        return real_setsockopt(fd, level, optname, value, len);
    struct sock_context ctx;
    context_init(&ctx, fd, slot, fdtab_role(slot));
    return policy_on_setsockopt(&ctx, level, optname, value, len);
}

int hook_shutdown(int fd, int how) {
    {
        PRESERVE_ERRNO;
        /* Classify a socket we did not see created (is it listening?). */
        socket_slot(fd);
    }
    int rc = real_shutdown(fd, how);
    PRESERVE_ERRNO;
    checks_shutdown(fd, how, rc, errno);
    return rc;
}

void hook_write_before(int fd, const char *call) {
    uint32_t flags = fdtab_flags(fdtab_peek(fd));
    if ((flags & FD_TRACKED) && (flags & FD_SHUT_WR)) {
        PRESERVE_ERRNO;
        checks_write_after_shutdown(fd, flags, call);
    }
}

void hook_write_failed(int fd, const char *call) {
    if (errno != EPIPE)
        return;
    PRESERVE_ERRNO;
    uint32_t flags = 0;
    if (socket_slot(fd) != NULL)
        flags = fdtab_flags(fdtab_peek(fd));
    /* A write after SHUT_WR was reported before the call; its EPIPE is the
     * same event. */
    if ((flags & FD_TRACKED) && !(flags & FD_SHUT_WR))
        checks_write_epipe(fd, flags, call);
}

void hook_read_eof(int fd) {
    if (closewait_eof(fd))
        scan_start();
}

void hook_forked(pid_t child) {
    PRESERVE_ERRNO;
    closewait_after_fork(child);
}
