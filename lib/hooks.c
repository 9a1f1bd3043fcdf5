/*
 * hooks.c — socket lifecycle bookkeeping and the policy's moments.
 *
 * Creation (socket, socketpair, accept) fills the fd slot; bind, listen,
 * accept and connect are where options are decided (policy.c); close and
 * the dup family keep the table in step with the kernel's. Sockets we did
 * not see created (inherited, made before we were loaded, or by a path we
 * do not wrap) are classified on first use with getsockopt(SO_DOMAIN...).
 */
#define _GNU_SOURCE
#include "config.h"

#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "checks.h"
#include "configuration.h"
#include "direct.h"
#include "fdtab.h"
#include "leaks.h"
#include "log.h"
#include "policy.h"
#include "real.h"
#include "sockaddr.h"
#include "stack.h"
#include "timeout.h"

/* close(), accept4() and connect() as libc makes them, made directly
 * while direct.h allows it: glibc brackets these cancellable calls too,
 * once sockshim's scan thread exists. Same system call, same result and
 * errno. (libc's accept() makes SYS_accept, not accept4: so do we.) */
static int close_call(int fd)
{
    if (direct_now())
        return (int)direct_result(direct_syscall3(SYS_close, fd, 0, 0));
    return real_close(fd);
}

static int accept_call(int fd, struct sockaddr *addr, socklen_t *len,
                       int flags, int with_flags)
{
    if (direct_now())
        return (int)direct_result(
            with_flags ? direct_syscall6(SYS_accept4, fd, (long)addr,
                                         (long)len, flags, 0, 0)
                       : direct_syscall3(SYS_accept, fd, (long)addr,
                                         (long)len));
    return with_flags ? real_accept4(fd, addr, len, flags)
                      : real_accept(fd, addr, len);
}

static int connect_call(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (direct_now())
        return (int)direct_result(
            direct_syscall3(SYS_connect, fd, (long)addr, (long)len));
    return real_connect(fd, addr, len);
}

/* Record a new socket of DOMAIN/TYPE/PROTOCOL at FD in ROLE, with the
 * extra FD_* bits FLAGS and the items the program already chose APP_SET. */
static struct fd_slot *track_socket(int fd, int domain, int type, int protocol,
                                    int role, uint32_t flags, uint16_t app_set)
{
    struct fd_slot *slot = fdtab_slot(fd);
    if (slot == NULL)
        return NULL;
    int base_type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    flags |= FD_TRACKED;
    if ((domain == AF_INET || domain == AF_INET6) &&
        base_type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        flags |= FD_TCP;
    fdtab_set_flags(slot, 0);
    __atomic_fetch_add(&slot->gen, 1, __ATOMIC_RELEASE);
    slot->eof_stack = 0;
    slot->inode = 0;
    slot->fork_pid = 0;
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
static uint32_t observed_flags(int fd)
{
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
static struct fd_slot *socket_slot(int fd)
{
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
                        (flags & FD_LISTENING) ? ROLE_LISTEN : ROLE_NONE,
                        flags, 0);
}

static void context_init(struct sock_context *ctx, int fd,
                         struct fd_slot *slot, int role)
{
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
                                const struct policy *p)
{
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
                                   struct sockaddr_storage *out)
{
    if (addr == NULL || len < sizeof(sa_family_t) || len > sizeof *out)
        return 0;
    struct iovec local = {out, len}, remote = {(void *)addr, len};
    ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? len : 0;
}

/* The connect timeout as a would_apply event (audit mode). */
static __attribute__((noinline)) void report_timeout_audit(const struct sock_context *ctx,
                                 const struct policy *p)
{
    struct event ev;
    if (!event_begin(&ev, EV_WOULD_APPLY, ctx->fd))
        return;
    char text[32];
    event_socket(&ev, ctx->fd, ctx->slot, ctx->peer, ctx->peer_len);
    event_str(&ev, "option", "connect_timeout");
    option_format(p, OPT_CONNECT_TIMEOUT, text, sizeof text);
    event_str(&ev, "value", text);
    event_str(&ev, "current", "none");
    event_end(&ev);
}

int hook_socket(int domain, int type, int protocol)
{
    int fd = real_socket(domain, type, protocol);
    if (fd >= 0) {
        int saved_errno = errno;
        struct fd_slot *slot =
            track_socket(fd, domain, type, protocol, ROLE_NONE, 0, 0);
        if (slot != NULL)
            checks_socket_created(slot);
        errno = saved_errno;
    }
    return fd;
}

int hook_socketpair(int domain, int type, int protocol, int sv[2])
{
    int rc = real_socketpair(domain, type, protocol, sv);
    if (rc == 0) {
        int saved_errno = errno;
        for (int i = 0; i < 2; i++) {
            struct fd_slot *slot = track_socket(sv[i], domain, type, protocol,
                                                ROLE_NONE, FD_BOUND, 0);
            if (slot != NULL)
                checks_socket_created(slot);
        }
        errno = saved_errno;
    }
    return rc;
}

int hook_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    int saved_errno = errno;
    struct fd_slot *slot = socket_slot(fd);
    struct sockaddr_storage local;
    struct sock_context ctx;
    context_init(&ctx, fd, slot, ROLE_NONE);
    if (slot != NULL) {
        struct policy p;
        if (config.rules_need_address) {
            ctx.local_len = copy_user_address(addr, len, &local);
            ctx.local = ctx.local_len ? (struct sockaddr *)&local : NULL;
        }
        policy_for_socket(&ctx, &p);
        policy_apply(&ctx, &p, ITEMS_BEFORE_BIND);
    }
    errno = saved_errno;
    int rc = real_bind(fd, addr, len);
    if (rc == 0 && slot != NULL)
        __atomic_fetch_or(&slot->flags, FD_BOUND, __ATOMIC_RELEASE);
    if (rc < 0 && slot != NULL &&
        (errno == EADDRINUSE || errno == EADDRNOTAVAIL)) {
        saved_errno = errno;
        if (ctx.local == NULL) {
            ctx.local_len = copy_user_address(addr, len, &local);
            ctx.local = ctx.local_len ? (struct sockaddr *)&local : NULL;
        }
        checks_addr_in_use(fd, "bind", saved_errno, ctx.local, ctx.local_len);
        errno = saved_errno;
    }
    return rc;
}

/* SO_RCVTIMEO on a listener would make a blocking accept() fail with
 * EAGAIN; accepted sockets get it at accept() instead. */
#define ITEMS_AT_LISTEN                                                       \
    ((uint16_t)(ITEMS_ALL & ~ITEMS_BEFORE_BIND & ~ITEM_BIT(ITEM_RCVTIMEO)))

int hook_listen(int fd, int backlog)
{
    int saved_errno = errno;
    struct fd_slot *slot = socket_slot(fd);
    errno = saved_errno;
    if (slot == NULL)
        return real_listen(fd, backlog);

    struct sock_context ctx;
    struct policy p;
    context_init(&ctx, fd, slot, ROLE_LISTEN);
    policy_for_socket(&ctx, &p);
    /* listen() on an unbound socket binds it implicitly: the reuse options
     * still have their moment. */
    if (!(fdtab_flags(slot) & FD_BOUND))
        policy_apply(&ctx, &p, ITEMS_BEFORE_BIND);
    errno = saved_errno;
    int rc = real_listen(fd, policy_backlog(&p, backlog));
    if (rc == 0) {
        saved_errno = errno;
        fdtab_set_role(slot, ROLE_LISTEN);
        ctx.at_listen = 1;
        ctx.backlog_asked = backlog;
        __atomic_fetch_or(&slot->flags, FD_BOUND | FD_LISTENING,
                          __ATOMIC_RELEASE);
        policy_apply(&ctx, &p, ITEMS_AT_LISTEN);
        errno = saved_errno;
    }
    return rc;
}

int hook_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags,
                 int with_flags)
{
    int newfd = accept_call(fd, addr, len, flags, with_flags);
    if (newfd >= 0)
        hook_accepted(fd, newfd);
    return newfd;
}

void hook_accepted(int fd, int newfd)
{
    int saved_errno = errno;
    struct fd_slot *listener = socket_slot(fd);
    /* The kernel copies the listener's options to the accepted socket:
     * what the program set on the listener it has set here too. */
    struct fd_slot *slot =
        listener != NULL
            ? track_socket(newfd, listener->family, listener->sock_type,
                           (fdtab_flags(listener) & FD_TCP) ? IPPROTO_TCP
                                                            : -1,
                           ROLE_ACCEPT, FD_BOUND, fdtab_app_set(listener))
            : NULL;
    if (slot != NULL) {
        struct sock_context ctx;
        struct policy p;
        context_init(&ctx, newfd, slot, ROLE_ACCEPT);
        policy_for_socket(&ctx, &p);
        ctx.inherited = inherited_items(fd, listener, &p);
        fdtab_claim_decided(slot, ITEMS_BEFORE_BIND);
        checks_socket_created(slot);
        policy_apply(&ctx, &p, ITEMS_ALL);
        checks_after_accept(fd, listener);
    }
    errno = saved_errno;
}

/* Options decided when connect() starts: SO_SNDTIMEO waits until it has
 * returned, because Linux ends a blocking connect() with EINPROGRESS when
 * SO_SNDTIMEO expires (a send timeout must not become a connect timeout). */
#define ITEMS_AT_CONNECT ((uint16_t)(ITEMS_ALL & ~ITEM_BIT(ITEM_SNDTIMEO)))

int hook_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    int saved_errno = errno;
    struct fd_slot *slot = socket_slot(fd);
    int role = slot != NULL ? fdtab_role(slot) : ROLE_NONE;
    if (slot == NULL || (role != ROLE_NONE && role != ROLE_CONNECT)) {
        errno = saved_errno;
        return connect_call(fd, addr, len);
    }
    struct sockaddr_storage peer;
    struct sock_context ctx;
    struct policy p;
    context_init(&ctx, fd, slot, ROLE_CONNECT);
    /* The target is needed to match rules, and shown in events. */
    if (config.rules_need_address || log_enabled(EV_POLICY)) {
        ctx.peer_len = copy_user_address(addr, len, &peer);
        ctx.peer = ctx.peer_len ? (struct sockaddr *)&peer : NULL;
    }
    policy_for_socket(&ctx, &p);
    /* Options are decided at the first connect(); the timeout bounds every
     * blocking one (a program may retry on the same socket). */
    int first = role == ROLE_NONE;
    if (first) {
        fdtab_set_role(slot, ROLE_CONNECT);
        /* connect() binds an unbound socket: the reuse options apply now;
         * a socket bound earlier is past their moment. */
        int bound = (fdtab_flags(slot) & FD_BOUND) != 0;
        if (bound)
            policy_too_late(&ctx, &p, ITEMS_BEFORE_BIND);
        policy_apply(&ctx, &p,
                     bound ? (uint16_t)(ITEMS_AT_CONNECT & ~ITEMS_BEFORE_BIND)
                           : ITEMS_AT_CONNECT);
    }
    unsigned timeout = (p.set & (1u << OPT_CONNECT_TIMEOUT))
                           ? p.connect_timeout_ms
                           : 0;
    if (timeout != 0 && config.mode == MODE_AUDIT) {
        if (first)
            report_timeout_audit(&ctx, &p);
        timeout = 0;
    }
    int blocking = 0;
    if (timeout != 0) {
        int flags = real_fcntl(fd, F_GETFL, 0);
        blocking = flags >= 0 && !(flags & O_NONBLOCK);
    }
    errno = saved_errno;
    int rc = blocking ? connect_with_timeout(fd, addr, len, timeout)
                      : connect_call(fd, addr, len);
    saved_errno = errno;
    if (first && (p.set & (1u << OPT_SNDTIMEO)))
        policy_apply(&ctx, &p, ITEM_BIT(ITEM_SNDTIMEO));
    if (rc < 0 &&
        (saved_errno == EADDRINUSE || saved_errno == EADDRNOTAVAIL)) {
        if (ctx.peer == NULL) {
            ctx.peer_len = copy_user_address(addr, len, &peer);
            ctx.peer = ctx.peer_len ? (struct sockaddr *)&peer : NULL;
        }
        checks_addr_in_use(fd, "connect", saved_errno, ctx.peer, ctx.peer_len);
    }
    errno = saved_errno;
    return rc;
}

int hook_setsockopt(int fd, int level, int optname, const void *value,
                    socklen_t len)
{
    if (item_lookup(level, optname) == ITEM_COUNT)
        return real_setsockopt(fd, level, optname, value, len);
    int saved_errno = errno;
    struct fd_slot *slot = socket_slot(fd);
    errno = saved_errno;
    if (slot == NULL)
        return real_setsockopt(fd, level, optname, value, len);
    struct sock_context ctx;
    context_init(&ctx, fd, slot, fdtab_role(slot));
    return policy_on_setsockopt(&ctx, level, optname, value, len);
}

/* Is FD one of sockshim's own descriptors (the log, libunwind's pipe)?
 * As far as the program knows, they do not exist. */
static int private_fd(int fd)
{
    return log_owns_fd(fd) || (stack_owns_fd(fd) && !stack_capturing()) ||
           leaks_owns_fd(fd);
}

/* close(FD) made by CLOSE_FN, with the bookkeeping around it. */
static int close_with(int fd, int (*close_fn)(int))
{
    int saved_errno = errno;
    if (private_fd(fd)) {
        checks_close_failed(fd, EBADF, 0);
        errno = EBADF;
        return -1;
    }
    struct fd_slot *slot = fdtab_peek(fd);
    /* Where this number was last closed, if it is not open as far as we
     * know: a failing close() is then a double close. */
    uint32_t earlier = slot != NULL && fdtab_flags(slot) == 0
                           ? slot->close_stack
                           : 0;
    checks_before_close(fd, slot);
    /* Forget the slot first: once the kernel has released the number,
     * another thread's socket() may get it and fill the slot anew. */
    fdtab_clear(fd);
    errno = saved_errno;
    int rc = close_fn(fd);
    if (rc < 0) {
        saved_errno = errno;
        checks_close_failed(fd, saved_errno, earlier);
        errno = saved_errno;
    }
    return rc;
}

int hook_close(int fd)
{
    return close_with(fd, close_call);
}

/* syscall(SYS_close, FD): the system call alone, no cancellation point. */
static int close_nocancel(int fd)
{
    return (int)real_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

long hook_syscall(long number, long a1, long a2, long a3, long a4, long a5,
                  long a6)
{
    /* Made as the program asked (libc's functions of these numbers make
     * the very same system call, but accept() and close() are
     * cancellation points, which syscall() is not), and then booked. */
    switch (number) {
    case SYS_close:
        return close_with((int)a1, close_nocancel);
#ifdef SYS_accept
    case SYS_accept:
#endif
    case SYS_accept4: {
        long fd = real_syscall(number, a1, a2, a3, a4, a5, a6);
        if (fd >= 0)
            hook_accepted((int)a1, (int)fd);
        return fd;
    }
    case SYS_socket:
        return hook_socket((int)a1, (int)a2, (int)a3);
    case SYS_socketpair:
        return hook_socketpair((int)a1, (int)a2, (int)a3, (int *)a4);
    case SYS_shutdown:
        return hook_shutdown((int)a1, (int)a2);
    case SYS_dup:
        return hook_dup((int)a1);
#ifdef SYS_dup2
    case SYS_dup2:
        return hook_dup3((int)a1, (int)a2, 0, 0);
#endif
    case SYS_dup3:
        return hook_dup3((int)a1, (int)a2, (int)a3, 1);
    case SYS_close_range:
        return hook_close_range((unsigned)a1, (unsigned)a2, (int)a3);
    case SYS_fcntl:
        if (a2 == F_DUPFD || a2 == F_DUPFD_CLOEXEC)
            return hook_fcntl((int)a1, (int)a2, a3, 0);
        break;
    case SYS_write: {
        long rc = stack_unwind_write((int)a1, (const void *)a2, (size_t)a3);
        if (rc != STACK_NOT_UNWIND)
            return rc;
        break;
    }
    }
    return real_syscall(number, a1, a2, a3, a4, a5, a6);
}

int hook_shutdown(int fd, int how)
{
    int saved_errno = errno;
    /* Classify a socket we did not see created (is it listening?). */
    socket_slot(fd);
    errno = saved_errno;
    int rc = real_shutdown(fd, how);
    saved_errno = errno;
    checks_shutdown(fd, how, rc, saved_errno);
    errno = saved_errno;
    return rc;
}

void hook_write_before(int fd, const char *call)
{
    uint32_t flags = fdtab_flags(fdtab_peek(fd));
    if ((flags & FD_TRACKED) && (flags & FD_SHUT_WR)) {
        int saved_errno = errno;
        checks_write(fd, flags, call, 1);
        errno = saved_errno;
    }
}

void hook_write_failed(int fd, const char *call)
{
    int saved_errno = errno;
    if (saved_errno != EPIPE)
        return;
    uint32_t flags = 0;
    if (socket_slot(fd) != NULL)
        flags = fdtab_flags(fdtab_peek(fd));
    /* A write after SHUT_WR was reported before the call; its EPIPE is the
     * same event. */
    if ((flags & FD_TRACKED) && !(flags & FD_SHUT_WR))
        checks_write(fd, flags, call, 0);
    errno = saved_errno;
}

void hook_read_eof(int fd)
{
    leaks_eof(fd);
}

void hook_forked(pid_t child)
{
    int saved_errno = errno;
    leaks_after_fork(child);
    errno = saved_errno;
}

int hook_pipe2_for_unwind(int fds[2], int flags)
{
    return stack_private_pipe(fds, flags);
}

int hook_dup(int fd)
{
    int newfd = real_dup(fd);
    if (newfd >= 0) {
        int saved_errno = errno;
        fdtab_copy(fd, newfd);
        errno = saved_errno;
    }
    return newfd;
}

int hook_dup3(int fd, int newfd, int flags, int with_flags)
{
    int saved_errno = errno;
    log_vacate_fd(newfd);
    stack_fd_taken(newfd);
    leaks_fd_taken(newfd);
    errno = saved_errno;
    int rc = with_flags ? real_dup3(fd, newfd, flags) : real_dup2(fd, newfd);
    if (rc >= 0 && fd != newfd) {
        saved_errno = errno;
        fdtab_copy(fd, newfd);
        errno = saved_errno;
    }
    return rc;
}

int hook_fcntl(int fd, int cmd, long arg, int large)
{
    int rc = large ? real_fcntl64(fd, cmd, arg) : real_fcntl(fd, cmd, arg);
    if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
        int saved_errno = errno;
        fdtab_copy(fd, rc);
        errno = saved_errno;
    }
    return rc;
}


/* sockshim's own descriptors, ascending, in OUT[PRIVATE_FDS_MAX];
 * returns how many. */
#define PRIVATE_FDS_MAX 5
static int private_fds(int out[PRIVATE_FDS_MAX])
{
    int n = 0, fd = log_private_fd();
    if (fd >= 0)
        out[n++] = fd;
    n += stack_private_fds(out + n);
    n += leaks_private_fds(out + n);
    /* Five numbers: a little insertion sort. */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

int hook_close_range(unsigned lo, unsigned hi, int flags)
{
    int ours[PRIVATE_FDS_MAX];
    int n = lo <= hi ? private_fds(ours) : 0;
    int hit = 0;
    for (int i = 0; i < n; i++)
        hit |= (unsigned)ours[i] >= lo && (unsigned)ours[i] <= hi;
    /* CLOSE_RANGE_CLOEXEC only marks descriptors (ours are marked already);
     * a range without our descriptors needs no care. */
    if ((flags & CLOSE_RANGE_CLOEXEC) || !hit) {
        int rc = real_close_range(lo, hi, flags);
        if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC)) {
            int saved_errno = errno;
            fdtab_clear_range(lo, hi);
            errno = saved_errno;
        }
        return rc;
    }
    /* Close the pieces around our descriptors: they stay open and
     * invisible. */
    int rc = 0;
    unsigned from = lo;
    for (int i = 0; i < n && rc == 0; i++) {
        unsigned own = (unsigned)ours[i];
        if (own < lo || own > hi)
            continue;
        if (own > from)
            rc = real_close_range(from, own - 1, flags);
        from = own + 1;
    }
    /* FROM wraps to 0 when our descriptor was the very last number. */
    if (rc == 0 && from != 0 && from <= hi)
        rc = real_close_range(from, hi, flags);
    int saved_errno = errno;
    fdtab_clear_range(lo, hi);
    errno = saved_errno;
    return rc;
}

void hook_closefrom(int lowfd)
{
    unsigned lo = lowfd > 0 ? (unsigned)lowfd : 0;
    int saved_errno = errno;
    /* glibc's closefrom() is close_range() with a /proc fallback; going
     * through our close_range keeps the log descriptor out of it. */
    if (hook_close_range(lo, ~0U, 0) != 0) {
        /* No close_range() (a kernel before 5.9, or a seccomp filter):
         * libc's fallback closes sockshim's descriptors as well. Their
         * numbers may be the program's from now on: forgotten, never
         * closed again, and opened anew when needed. */
        real_closefrom(lowfd);
        fdtab_clear_range(lo, ~0U);
        log_fds_closed_from(lo);
        stack_fds_closed_from(lo);
        leaks_fds_closed_from(lo);
    }
    errno = saved_errno;
}
