/*
 * sockaddr.h — socket addresses as text, without inet_ntop (which is not
 * async-signal-safe by contract) and without malloc.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_SOCKADDR_H
#define SOCKSHIM_SOCKADDR_H

#include <sys/socket.h>

#include "output/outbuf.h"

/* Append ADDR as "1.2.3.4:80", "[::1]:80", the UNIX path ("@name" for the
 * abstract namespace, every byte of the name, NULs too; "unnamed" when
 * empty) or "?" when unknown. Quotes, backslashes and bytes that are not
 * printable ASCII show as \xNN. */
void sockaddr_format(struct outbuf *ob, const struct sockaddr *addr,
                     socklen_t len);

/* The port of an AF_INET/AF_INET6 address in host order, else -1. */
int sockaddr_port(const struct sockaddr *addr, socklen_t len);

/* "inet", "inet6", "unix", or "other". */
const char *family_name(int family);

#endif
