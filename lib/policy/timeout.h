/*
 * timeout.h — the connect timeout policy.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_TIMEOUT_H
#define SOCKSHIM_TIMEOUT_H

#include <sys/socket.h>

#include "policy/policy.h"

/* The connect timeout policy P sets for the socket of CTX, in ms, when
 * that socket is blocking; 0 for none. In audit mode nothing is bounded:
 * the FIRST connect() of the socket reports the timeout (would_apply)
 * instead. */
unsigned timeout_for_connect(const struct sock_context *ctx,
                             const struct policy *p, int first);

/* connect() on blocking socket FD, failing with ETIMEDOUT once TIMEOUT_MS
 * have passed (the attempt is then aborted). Everything else is the
 * kernel's own behaviour: success, refusal, EINTR for a signal whose
 * handler does not restart system calls, and the program's own
 * SO_SNDTIMEO when it is the shorter one. */
int connect_with_timeout(int fd, const struct sockaddr *addr, socklen_t len,
                         unsigned timeout_ms);

#endif
