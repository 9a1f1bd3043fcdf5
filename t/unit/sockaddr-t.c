/*
 * sockaddr-t.c — socket addresses as events show them (lib/sockaddr.c):
 * IPv4 and IPv6 with their ports, UNIX paths (abstract, unnamed, hostile
 * bytes), lengths too short for the family, and real loopback sockets.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/output/sockaddr.h"
#include "t/tap/basic.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ADDR (LEN bytes) as sockaddr_format() writes it. */
static const char *format(const void *addr, socklen_t len) {
    static char buf[512];
    struct outbuf ob;
    ob_init(&ob, buf, sizeof buf);
    sockaddr_format(&ob, (const struct sockaddr *)addr, len);
    return buf;
}

static struct sockaddr_in inet4(const char *text, int port) {
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, text, &in.sin_addr) != 1)
        bail("bad IPv4 literal in the test: %s", text);
    return in;
}

static struct sockaddr_in6 inet6(const char *text, int port) {
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons((unsigned short)port);
    if (inet_pton(AF_INET6, text, &in6.sin6_addr) != 1)
        bail("bad IPv6 literal in the test: %s", text);
    return in6;
}

static void test_inet(void) {
    static const struct {
        const char *addr;
        int port;
        const char *want;
    } v4[] = {
        {"127.0.0.1", 8080, "127.0.0.1:8080"},
        {"0.0.0.0", 0, "0.0.0.0:0"},
        {"255.255.255.255", 65535, "255.255.255.255:65535"},
        {"10.20.30.40", 1, "10.20.30.40:1"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(v4); i++) {
        struct sockaddr_in in = inet4(v4[i].addr, v4[i].port);
        is_string(v4[i].want, format(&in, sizeof in), "IPv4 %s port %d",
                  v4[i].addr, v4[i].port);
    }

    /* The text a reader can paste back: brackets around the address,
     * RFC 5952's shortest form (lower case, the longest run of zero
     * groups as ::, the first of equally long runs, never a single
     * group), IPv4-mapped addresses in dotted form. */
    static const struct {
        const char *addr;
        int port;
        const char *want;
    } v6[] = {
        {"::1", 443, "[::1]:443"},
        {"::", 0, "[::]:0"},
        {"2001:DB8::ABCD", 80, "[2001:db8::abcd]:80"},
        {"2001:db8:0:0:1:0:0:1", 80, "[2001:db8::1:0:0:1]:80"},
        {"2001:0:0:1:0:0:0:1", 80, "[2001:0:0:1::1]:80"},
        {"2001:db8:0:1:1:1:1:1", 80, "[2001:db8:0:1:1:1:1:1]:80"},
        {"1:0:0:0:0:0:0:0", 80, "[1::]:80"},
        {"0:0:0:0:0:0:0:8", 80, "[::8]:80"},
        {"fe80::1:2:3:4", 22, "[fe80::1:2:3:4]:22"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
         "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
        {"::ffff:192.0.2.7", 8080, "[::ffff:192.0.2.7]:8080"},
        {"1:2:3:4:5:6:7:0", 9, "[1:2:3:4:5:6:7:0]:9"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(v6); i++) {
        struct sockaddr_in6 in6 = inet6(v6[i].addr, v6[i].port);
        is_string(v6[i].want, format(&in6, sizeof in6), "IPv6 %s port %d",
                  v6[i].addr, v6[i].port);
    }

    /* The port of each, and none for other families. */
    struct sockaddr_in in = inet4("192.0.2.1", 6379);
    struct sockaddr_in6 in6 = inet6("2001:db8::1", 26379);
    struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/run/x"};
    is_int(6379, sockaddr_port((struct sockaddr *)&in, sizeof in),
           "sockaddr_port: IPv4");
    is_int(26379, sockaddr_port((struct sockaddr *)&in6, sizeof in6),
           "sockaddr_port: IPv6");
    is_int(-1, sockaddr_port((struct sockaddr *)&un, sizeof un),
           "sockaddr_port: a UNIX address has none");
    is_int(-1, sockaddr_port(NULL, 0), "sockaddr_port: no address");
}

/* A sockaddr_un holding PATH (PATH_LEN bytes) and its length as the
 * kernel would give it (EXTRA bytes beyond, e.g. 1 for the NUL). */
static socklen_t unix_addr(struct sockaddr_un *un, const char *path,
                           size_t path_len, size_t extra) {
    memset(un, 0, sizeof *un);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, path_len);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len +
                       extra);
}

static void test_unix(void) {
    struct sockaddr_un un;
    socklen_t len;
    static const struct {
        const char *path;
        size_t path_len, extra;
        const char *want, *what;
    } cases[] = {
        {"/run/app.sock", 13, 1, "/run/app.sock", "a path, NUL counted"},
        {"/run/app.sock", 13, 0, "/run/app.sock", "a path, NUL not counted"},
        {"\0app", 4, 0, "@app", "abstract: @ and the name"},
        {"\0"
         "0001f",
         6, 0, "@0001f", "abstract, autobound name"},
        /* An abstract name is read by length: each NUL in it counts, so
         * two different sockets never read the same. */
        {"\0a\0b", 4, 0, "@a\\x00b",
         "abstract, a NUL inside: told apart from @a"},
        {"\0app\0", 5, 0, "@app\\x00",
         "abstract, a trailing NUL is part of the name"},
        {"", 0, 0, "unnamed", "no path at all (socketpair, unbound)"},
        /* A path may hold any byte but NUL: none can forge a log line. */
        {"/tmp/a\nb", 8, 1, "/tmp/a\\x0ab", "a newline in the path"},
        {"/tmp/\"q\"\\", 9, 1, "/tmp/\\x22q\\x22\\x5c",
         "quotes and backslashes"},
        {"/tmp/\xc3\xa9", 7, 1, "/tmp/\\xc3\\xa9", "bytes above ASCII"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        len = unix_addr(&un, cases[i].path, cases[i].path_len, cases[i].extra);
        is_string(cases[i].want, format(&un, len), "UNIX: %s", cases[i].what);
    }

    /* A path filling sun_path without a NUL, and a length claiming more
     * than sun_path holds: never read past it. */
    char full[sizeof un.sun_path + 1];
    memset(full, 'p', sizeof un.sun_path);
    full[0] = '/';
    full[sizeof un.sun_path] = '\0';
    len = unix_addr(&un, full, sizeof un.sun_path, 0);
    is_string(full, format(&un, len), "UNIX: a %zu-byte path, no NUL",
              sizeof un.sun_path);
    char big[sizeof un + 64];
    memset(big, 'q', sizeof big);
    memcpy(big, &un, sizeof un);
    is_string(full, format(big, sizeof big),
              "UNIX: a length past sun_path is cut to it");

    /* So is an abstract name's, though it is read by length, NULs and
     * all: the bytes past sun_path are never shown. */
    char want[1 + 4 * sizeof un.sun_path];
    struct outbuf ob;
    ob_init(&ob, want, sizeof want);
    ob_str(&ob, "@x");
    for (size_t i = 2; i < sizeof un.sun_path; i++)
        ob_str(&ob, "\\x00");
    unix_addr(&un, "\0x", 2, 0);
    memcpy(big, &un, sizeof un);
    is_string(want, format(big, sizeof big),
              "UNIX: an abstract name's length past sun_path is cut to it");
}

static void test_short_and_unknown(void) {
    struct sockaddr_in in = inet4("127.0.0.1", 80);
    struct sockaddr_in6 in6 = inet6("::1", 80);
    struct sockaddr_un un;
    unix_addr(&un, "/x", 2, 1);
    struct sockaddr other = {.sa_family = AF_NETLINK};
    static const char *const want = "?";
    is_string(want, format(NULL, 0), "no address: ?");
    is_string(want, format(&in, 1), "a length shorter than the family: ?");
    is_string(want, format(&in, sizeof in - 1), "IPv4, one byte short: ?");
    is_string(want, format(&in6, 24), "IPv6 without scope id (24 bytes): ?");
    is_string(want, format(&other, sizeof other), "another family: ?");
    is_string("unnamed", format(&un, 2), "UNIX with only the family: unnamed");
    is_int(-1, sockaddr_port((struct sockaddr *)&in, sizeof in - 1),
           "sockaddr_port: IPv4, one byte short: none");
    is_int(-1, sockaddr_port((struct sockaddr *)&in6, 24),
           "sockaddr_port: IPv6, short: none");

    is_string("inet", family_name(AF_INET), "family_name: inet");
    is_string("inet6", family_name(AF_INET6), "family_name: inet6");
    is_string("unix", family_name(AF_UNIX), "family_name: unix");
    is_string("other", family_name(AF_NETLINK), "family_name: other");

    /* A small buffer: cut, marked truncated, still a C string. */
    char small[8];
    struct outbuf ob;
    ob_init(&ob, small, sizeof small);
    sockaddr_format(&ob, (struct sockaddr *)&in6, sizeof in6);
    ok(ob.truncated && strcmp(small, "[::1]:8") == 0,
       "an address longer than the buffer is cut and marked truncated");
}

/* Addresses the kernel hands back for real loopback sockets. */
static void test_real_sockets(void) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    struct sockaddr_in any = inet4("127.0.0.1", 0);
    char want[64];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&any, sizeof any) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        bail("loopback socket: %s", strerror(errno));
    int port = sockaddr_port((struct sockaddr *)&ss, len);
    snprintf(want, sizeof want, "127.0.0.1:%d",
             ntohs(((struct sockaddr_in *)&ss)->sin_port));
    ok(port > 0, "a bound loopback socket has its port (%d)", port);
    is_string(want, format(&ss, len), "a bound IPv4 loopback socket");
    close(fd);

    fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 lo6 = inet6("::1", 0);
    len = sizeof ss;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&lo6, sizeof lo6) == 0 &&
        getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
        snprintf(want, sizeof want, "[::1]:%d",
                 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
        is_string(want, format(&ss, len), "a bound IPv6 loopback socket");
    } else {
        ok(1, "a bound IPv6 loopback socket # SKIP no IPv6 loopback here");
    }
    if (fd >= 0)
        close(fd);

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
        bail("socketpair: %s", strerror(errno));
    len = sizeof ss;
    if (getsockname(pair[0], (struct sockaddr *)&ss, &len) != 0)
        bail("getsockname: %s", strerror(errno));
    is_string("unnamed", format(&ss, len), "a socketpair end is unnamed");
    close(pair[0]);
    close(pair[1]);

    /* Autobind: binding only the family gets an abstract name. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    len = sizeof ss;
    if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(sa_family_t)) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        bail("autobind: %s", strerror(errno));
    const char *seen = format(&ss, len);
    ok(seen[0] == '@' && strlen(seen) == 6,
       "an autobound UNIX socket: @ and its 5-character name (%s)", seen);
    close(fd);
}

int main(void) {
    plan(4 + 12 + 4 + 10 + 3 + 8 + 4 + 1 + 2 + 1 + 1 + 1);
    test_inet();
    test_unix();
    test_short_and_unknown();
    test_real_sockets();
    return 0;
}
