/*
 * policy.c — decide, apply, audit and override socket options by mode.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "policy/policy.h"

#include <errno.h>
#include <string.h>

#include "base/errno_scope.h"
#include "base/real.h"
#include "config/configuration.h"
#include "output/event.h"

static void report_failure(const struct sock_context *ctx,
                           const struct item_value *v, int error);

/* What the rules match against for the socket in CTX: port= looks at the
 * local port (bind, listen, accept) or the remote one (connect); addr= at
 * the local address (bind, listen) or the peer's (accept, connect). */
static void rule_subject_for(const struct sock_context *ctx,
                             struct rule_subject *s) {
    s->role = ctx->role;
    s->family = ctx->slot->family;
    s->is_tcp = (fdtab_flags(ctx->slot) & FD_TCP) != 0;
    s->port = -1;
    s->addr_len = 0;
    if (!config.rules_need_address)
        return;
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    switch (ctx->role) {
    case ROLE_NONE:
        rule_subject_address(s, ctx->local, ctx->local_len);
        break;
    case ROLE_CONNECT:
        rule_subject_address(s, ctx->peer, ctx->peer_len);
        break;
    case ROLE_LISTEN:
        if (getsockname(ctx->fd, (struct sockaddr *)&addr, &len) == 0)
            rule_subject_address(s, (struct sockaddr *)&addr, len);
        break;
    case ROLE_ACCEPT:
        if (getpeername(ctx->fd, (struct sockaddr *)&addr, &len) == 0)
            rule_subject_address(s, (struct sockaddr *)&addr, len);
        len = sizeof addr;
        if (getsockname(ctx->fd, (struct sockaddr *)&addr, &len) == 0) {
            struct rule_subject local;
            rule_subject_address(&local, (struct sockaddr *)&addr, len);
            s->port = local.port;
        }
        break;
    }
}

/* A policy that sets nothing. */
static const struct policy no_policy = {.linger_secs = -1};

void policy_for_socket(const struct sock_context *ctx, struct policy *out) {
    /* config.global is a whole policy over no_policy's values (they are
     * config_defaults()'s, and each option's parser writes all of its
     * fields), so a TCP socket starts from a copy of it, not a merge. */
    *out = (fdtab_flags(ctx->slot) & FD_TCP) ? config.global : no_policy;
    if (config.rule_count == 0)
        return;
    struct rule_subject subject;
    rule_subject_for(ctx, &subject);
    for (int i = 0; i < config.rule_count; i++)
        if (rule_matches(&config.rules[i], &subject,
                         program_invocation_short_name))
            policy_merge(out, &config.rules[i].policy);
}

void policy_too_late(const struct sock_context *ctx, const struct policy *p,
                     uint16_t items) {
    struct item_value values[ITEM_COUNT];
    int n = policy_items(p, values);
    for (int i = 0; i < n; i++) {
        uint16_t bit = ITEM_BIT(values[i].item);
        if ((items & bit) && fdtab_claim_decided(ctx->slot, bit))
            report_failure(ctx, &values[i], 0);
    }
}

/* The value P gives ITEM, in OUT; 0 when P does not set ITEM. */
static int policy_item_value(const struct policy *p, enum sockopt_item item,
                             struct item_value *out) {
    struct item_value items[ITEM_COUNT];
    int n = policy_items(p, items);
    for (int i = 0; i < n; i++) {
        if (items[i].item == item) {
            *out = items[i];
            return 1;
        }
    }
    return 0;
}

uint16_t policy_same_items(const struct policy *a, const struct policy *b,
                           uint16_t items) {
    struct item_value va[ITEM_COUNT], vb[ITEM_COUNT];
    int na = policy_items(a, va), nb = policy_items(b, vb);
    uint16_t same = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            if (va[i].item == vb[j].item && va[i].len == vb[j].len &&
                memcmp(&va[i].u, &vb[j].u, va[i].len) == 0)
                same |= ITEM_BIT(va[i].item);
    return same & items;
}

/* The socket's current value of ITEM, formatted into BUF. */
static void current_value(int fd, enum sockopt_item item, char *buf,
                          size_t size) {
    struct item_value now;
    now.len = sizeof now.u;
    if (real_getsockopt(fd, item_descs[item].level, item_descs[item].optname,
                        &now.u, &now.len) != 0) {
        struct outbuf ob;
        ob_init(&ob, buf, size);
        ob_str(&ob, "unknown (");
        ob_str(&ob, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
        ob_char(&ob, ')');
        return;
    }
    item_format(item, &now.u, now.len, buf, size);
}

/* Start an event about the socket in CTX naming ITEM of its option. */
static int item_event_begin(struct event *ev, enum event_kind kind,
                            const struct sock_context *ctx,
                            enum sockopt_item item) {
    if (!event_begin(ev, kind, ctx->fd))
        return 0;
    event_socket(ev, ctx->fd, ctx->slot, ctx->peer, ctx->peer_len);
    event_str(ev, "option", option_descs[item_descs[item].option].key);
    event_str(ev, "sockopt", item_descs[item].name);
    return 1;
}

/* The reporters are kept out of line: each holds an event buffer, which
 * must not sit in the frame of every caller (signal stacks are small). */
static __attribute__((noinline)) void
report_would_apply(const struct sock_context *ctx, const struct item_value *v) {
    struct event ev;
    char want[32], now[48];
    if (!item_event_begin(&ev, EV_WOULD_APPLY, ctx, v->item))
        return;
    item_format(v->item, &v->u, v->len, want, sizeof want);
    current_value(ctx->fd, v->item, now, sizeof now);
    event_str(&ev, "value", want);
    event_str(&ev, "current", now);
    event_end(&ev);
}

/* app_override: the program's value APP (already formatted) against the
 * policy's V; OVERRIDDEN says which one the socket keeps. */
static __attribute__((noinline)) void
report_override(const struct sock_context *ctx, const struct item_value *v,
                const char *app, int overridden) {
    struct event ev;
    char want[32];
    item_format(v->item, &v->u, v->len, want, sizeof want);
    /* Replacing a value by the same one overrides nothing (an accepted
     * socket inherits the listener's value, already the policy's). */
    if (overridden && strcmp(app, want) == 0)
        return;
    if (!item_event_begin(&ev, EV_APP_OVERRIDE, ctx, v->item))
        return;
    event_str(&ev, "policy", want);
    event_str(&ev, "app", app);
    event_str(&ev, "action", overridden ? "overridden" : "kept");
    event_end(&ev);
}

/* policy_failed: setsockopt() refused V with ERROR, or (ERROR 0) the
 * option's moment had passed. */
static __attribute__((noinline)) void
report_failure(const struct sock_context *ctx, const struct item_value *v,
               int error) {
    struct event ev;
    char want[32];
    if (!item_event_begin(&ev, EV_POLICY_FAILED, ctx, v->item))
        return;
    item_format(v->item, &v->u, v->len, want, sizeof want);
    event_str(&ev, "value", want);
    if (error == 0) {
        event_str(&ev, "reason", "too_late");
        event_why(&ev, "the socket was bound before this rule could match; "
                       "the option only works if set before bind()");
    } else {
        const char *name = strerrorname_np(error);
        event_str(&ev, "errno", name ? name : "?");
        event_why(&ev, "setsockopt() refused the policy's value; the "
                       "program is unaffected and the socket keeps its "
                       "own value");
    }
    event_end(&ev);
}

static void report_backlog_audit(const struct sock_context *ctx,
                                 const struct policy *p);
static void report_applied(const struct sock_context *ctx,
                           const struct policy *p,
                           const struct item_value *applied, int n_applied,
                           int backlog_changed);

/* Item V, which the program set on the socket itself: force replaces the
 * program's value, the other modes keep it. Returns 1 when the policy's
 * value was set. Out of line: the program's value is formatted in a
 * buffer the common path has no use for. The program's value is read back
 * from the kernel, never from its pointer: a bad pointer must give EFAULT,
 * not crash us. */
static __attribute__((noinline)) int
apply_over_program(const struct sock_context *ctx, const struct item_value *v) {
    char app[48];
    current_value(ctx->fd, v->item, app, sizeof app);
    if (config.mode != MODE_FORCE) {
        report_override(ctx, v, app, 0);
        return 0;
    }
    if (real_setsockopt(ctx->fd, item_descs[v->item].level,
                        item_descs[v->item].optname, &v->u, v->len) != 0) {
        report_failure(ctx, v, errno);
        return 0;
    }
    report_override(ctx, v, app, 1);
    return 1;
}

void policy_apply(const struct sock_context *ctx, const struct policy *p,
                  uint16_t which) {
    PRESERVE_ERRNO;
    struct fd_slot *slot = ctx->slot;
    struct item_value items[ITEM_COUNT], applied[ITEM_COUNT];
    int n = policy_items(p, items), n_applied = 0;
    uint16_t wanted = 0;
    for (int i = 0; i < n; i++)
        wanted |= ITEM_BIT(items[i].item);
    wanted &= which;
    /* Every item's moment is claimed at once: one atomic per socket, not
     * one per item (each item is still decided exactly once). */
    uint16_t mine = wanted != 0 ? fdtab_claim_decided(slot, wanted) : 0;
    uint16_t app_set = mine != 0 ? fdtab_app_set(slot) : 0, set_here = 0;

    for (int i = 0; i < n; i++) {
        const struct item_value *v = &items[i];
        uint16_t bit = ITEM_BIT(v->item);
        if (!(mine & bit))
            continue;
        if (config.mode == MODE_AUDIT) {
            report_would_apply(ctx, v);
            continue;
        }
        if (app_set & bit) {
            if (!apply_over_program(ctx, v))
                continue;
        } else if (!(ctx->inherited & bit) &&
                   real_setsockopt(ctx->fd, item_descs[v->item].level,
                                   item_descs[v->item].optname, &v->u,
                                   v->len) != 0) {
            report_failure(ctx, v, errno);
            continue;
        }
        set_here |= bit;
        applied[n_applied++] = *v;
    }
    if (set_here != 0)
        fdtab_mark_policy_set(slot, set_here);

    int backlog_changed = ctx->at_listen && (p->set & (1u << OPT_BACKLOG)) &&
                          p->backlog != ctx->backlog_asked;
    if (backlog_changed && config.mode == MODE_AUDIT) {
        report_backlog_audit(ctx, p);
        backlog_changed = 0;
    }
    if ((n_applied > 0 || backlog_changed) && event_enabled(EV_POLICY))
        report_applied(ctx, p, applied, n_applied, backlog_changed);
}

/* The policy event: what was set on the socket. */
static __attribute__((noinline)) void
report_applied(const struct sock_context *ctx, const struct policy *p,
               const struct item_value *applied, int n_applied,
               int backlog_changed) {
    struct event ev;
    if (!event_begin(&ev, EV_POLICY, ctx->fd))
        return;
    event_socket(&ev, ctx->fd, ctx->slot, ctx->peer, ctx->peer_len);
    event_object_begin(&ev, "applied");
    for (int i = 0; i < n_applied; i++) {
        char text[32];
        item_format(applied[i].item, &applied[i].u, applied[i].len, text,
                    sizeof text);
        event_str(&ev, item_descs[applied[i].item].name, text);
    }
    if (backlog_changed)
        event_int(&ev, "backlog", p->backlog);
    event_object_end(&ev);
    if (backlog_changed)
        event_int(&ev, "app_backlog", ctx->backlog_asked);
    event_end(&ev);
}

int policy_on_setsockopt(const struct sock_context *ctx, int level, int optname,
                         const void *value, socklen_t len) {
    int rc = real_setsockopt(ctx->fd, level, optname, value, len);
    if (rc != 0) /* the program's own call failed: it sees that failure */
        return rc;
    /* The program's call succeeded, and that is what it sees, with errno
     * as libc left it: force mode replacing its value, or failing to
     * (policy_failed), changes the socket and the log, not the result. */
    PRESERVE_ERRNO;
    enum sockopt_item item = item_lookup(level, optname);
    uint16_t bit = ITEM_BIT(item);
    /* Only a setsockopt() that succeeded counts as the program's choice;
     * before the item's moment, policy_apply() finds it there. */
    fdtab_mark_app_set(ctx->slot, bit);
    if (!(fdtab_decided(ctx->slot) & bit))
        return 0;
    struct policy p;
    struct item_value v;
    policy_for_socket(ctx, &p);
    if (policy_item_value(&p, item, &v))
        apply_over_program(ctx, &v);
    return 0;
}

int policy_backlog(const struct policy *p, int requested) {
    if (!(p->set & (1u << OPT_BACKLOG)) || config.mode == MODE_AUDIT)
        return requested;
    return p->backlog;
}

/* The backlog as a would_apply event (audit mode). */
static __attribute__((noinline)) void
report_backlog_audit(const struct sock_context *ctx, const struct policy *p) {
    struct event ev;
    if (!event_begin(&ev, EV_WOULD_APPLY, ctx->fd))
        return;
    event_socket(&ev, ctx->fd, ctx->slot, NULL, 0);
    event_str(&ev, "option", "backlog");
    event_int(&ev, "value", p->backlog);
    event_int(&ev, "current", ctx->backlog_asked);
    event_end(&ev);
}
