/*
 * sockaddr.c — address formatting for events (see sockaddr.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include "output/sockaddr.h"

#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>

static void format_ipv4(struct outbuf *ob, const unsigned char *b) {
    for (int i = 0; i < 4; i++) {
        if (i)
            ob_char(ob, '.');
        ob_uint(ob, b[i]);
    }
}

/* RFC 5952 text: lower-case hex, the longest run (>= 2) of zero groups
 * folded to "::", IPv4-mapped addresses as ::ffff:a.b.c.d. */
static void format_ipv6(struct outbuf *ob, const unsigned char *b) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, sizeof mapped) == 0) {
        ob_str(ob, "::ffff:");
        format_ipv4(ob, b + 12);
        return;
    }
    unsigned group[8];
    for (int i = 0; i < 8; i++)
        group[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && group[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = (j == i) ? i + 1 : j;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            ob_str(ob, "::");
            i += best_len - 1;
            continue;
        }
        if (i && i != best + best_len)
            ob_char(ob, ':');
        char hex[5];
        int n = 0;
        unsigned g = group[i];
        do {
            hex[n++] = "0123456789abcdef"[g & 15];
            g >>= 4;
        } while (g);
        while (n)
            ob_char(ob, hex[--n]);
    }
}

/* The abstract name NAME, LEN bytes with NAME[LEN] a NUL, escaped as
 * ob_escaped() does, its NUL bytes too: the kernel reads the name by
 * length, so a NUL in it is as much the name's as any other byte, and
 * stopping there would show two different sockets as the same. */
static void format_abstract_name(struct outbuf *ob, const char *name,
                                 size_t len) {
    for (size_t i = 0; i < len;) {
        if (name[i] == '\0') {
            ob_str(ob, "\\x00");
            i++;
        } else {
            size_t run = strlen(name + i); /* up to the next NUL */
            ob_escaped(ob, name + i, run);
            i += run;
        }
    }
}

void sockaddr_format(struct outbuf *ob, const struct sockaddr *addr,
                     socklen_t len) {
    if (addr == NULL || len < sizeof(sa_family_t)) {
        ob_char(ob, '?');
        return;
    }
    if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        format_ipv4(ob, (const unsigned char *)&in->sin_addr);
        ob_char(ob, ':');
        ob_uint(ob, ntohs(in->sin_port));
    } else if (addr->sa_family == AF_INET6 &&
               len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        ob_char(ob, '[');
        format_ipv6(ob, in6->sin6_addr.s6_addr);
        ob_str(ob, "]:");
        ob_uint(ob, ntohs(in6->sin6_port));
    } else if (addr->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)addr;
        size_t path_len = len - offsetof(struct sockaddr_un, sun_path);
        if (len <= offsetof(struct sockaddr_un, sun_path) || path_len == 0) {
            ob_str(ob, "unnamed");
        } else {
            /* A path may hold any byte but NUL, and ends at its first
             * NUL; an abstract name holds any byte. Escape them, so that
             * no address can forge a log line. The copy adds the NUL a
             * path filling sun_path lacks. */
            char path[sizeof un->sun_path + 1];
            int abstract = un->sun_path[0] == '\0';
            if (path_len > sizeof un->sun_path)
                path_len = sizeof un->sun_path;
            size_t name_len = path_len - abstract;
            memcpy(path, un->sun_path + abstract, name_len);
            path[name_len] = '\0';
            if (abstract) {
                ob_char(ob, '@');
                format_abstract_name(ob, path, name_len);
            } else {
                ob_escaped(ob, path, sizeof path);
            }
        }
    } else {
        ob_char(ob, '?');
    }
}

int sockaddr_port(const struct sockaddr *addr, socklen_t len) {
    if (addr == NULL || len < sizeof(sa_family_t))
        return -1;
    if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
        return ntohs(((const struct sockaddr_in *)addr)->sin_port);
    if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
        return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
    return -1;
}

const char *family_name(int family) {
    switch (family) {
    case AF_INET:
        return "inet";
    case AF_INET6:
        return "inet6";
    case AF_UNIX:
        return "unix";
    default:
        return "other";
    }
}
