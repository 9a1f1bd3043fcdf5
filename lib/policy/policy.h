/*
 * policy.h — applying the configured policy to a socket, by mode.
 *
 * Items are decided once per socket at their moment (reuse options before
 * bind, the rest when the role is known: listen, accept, connect). The
 * per-slot `decided` set records which moments have passed, so a later
 * setsockopt() of the program is recognised as an override, and an
 * earlier one (app_set) is respected in enforce mode.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_POLICY_H
#define SOCKSHIM_POLICY_H

#include <sys/socket.h>

#include "base/fdtab.h"
#include "config/options.h"

/* Where a socket stands when its policy is looked up. */
struct sock_context {
    int fd;
    struct fd_slot *slot;
    int role;                    /* enum sock_role */
    const struct sockaddr *peer; /* connect target, or NULL */
    socklen_t peer_len;
    const struct sockaddr *local; /* bind address, or NULL */
    socklen_t local_len;
    int at_listen;     /* deciding at listen(): report the backlog */
    int backlog_asked; /* then: the program's backlog argument */
    /* Items the socket already holds with the policy's value (inherited
     * from its listener at accept()): applied without a setsockopt(). */
    uint16_t inherited;
};

/* The policy for the socket in CTX: the global options (TCP sockets only),
 * then every matching rule in order, option by option. */
void policy_for_socket(const struct sock_context *ctx, struct policy *out);

/* Items among ITEMS that A and B both set, to the same value. */
uint16_t policy_same_items(const struct policy *a, const struct policy *b,
                           uint16_t items);

/* Decide the items of P selected by WHICH that are still undecided on the
 * socket, according to the mode: set them (enforce, force), log what
 * would be set (audit). Emits policy / policy_failed / would_apply /
 * app_override events; at listen() (ctx->at_listen) it reports the backlog
 * too. Preserves errno. */
void policy_apply(const struct sock_context *ctx, const struct policy *p,
                  uint16_t which);

/* Items of P among ITEMS whose moment has passed (reuse options of a socket
 * bound before its rule could match): decided as not applied, with a
 * policy_failed event saying why. */
void policy_too_late(const struct sock_context *ctx, const struct policy *p,
                     uint16_t items);

/* The program calls setsockopt(LEVEL, OPTNAME) on the socket in CTX.
 * Returns what the program's call returns, errno as libc left it; once the
 * item's moment passed, force mode then replaces the value by the
 * policy's (policy_failed when refused), the other modes report it kept. */
int policy_on_setsockopt(const struct sock_context *ctx, int level, int optname,
                         const void *value, socklen_t len);

/* The backlog listen() passes to the kernel for the program's REQUESTED
 * under P (unchanged in audit mode). policy_apply() reports it. */
int policy_backlog(const struct policy *p, int requested);

#endif
