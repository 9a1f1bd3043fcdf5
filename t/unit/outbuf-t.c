/*
 * outbuf-t.c — bounded formatting (lib/output/outbuf.c) and address text
 * (lib/output/sockaddr.c).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>

#include "lib/output/outbuf.h"
#include "lib/output/sockaddr.h"
#include "t/tap/basic.h"

static const char *ipv6_text(const char *address, int port) {
    static char text[128];
    struct sockaddr_in6 in6;
    struct outbuf ob;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons((unsigned short)port);
    inet_pton(AF_INET6, address, &in6.sin6_addr);
    ob_init(&ob, text, sizeof text);
    sockaddr_format(&ob, (struct sockaddr *)&in6, sizeof in6);
    return text;
}

int main(void) {
    char buf[16];
    struct outbuf ob;

    plan(17);

    ob_init(&ob, buf, sizeof buf);
    ob_str(&ob, "0123456789");
    ob_str(&ob, "abcdefghij");
    is_string("0123456789abcde", buf, "appends stop at the capacity");
    ok(ob.truncated, "and say so");

    char big[256];
    ob_init(&ob, big, sizeof big);
    ob_json_str(&ob, "a\"b\\c\n\x01");
    is_string("\"a\\\"b\\\\c\\u000a\\u0001\"", big, "JSON string escaping");

    ob_init(&ob, big, sizeof big);
    ob_quoted(&ob, "10x\nrm", 80);
    is_string("\"10x\\x0arm\"", big, "quoted: control bytes shown as \\xNN");
    ob_init(&ob, big, sizeof big);
    ob_quoted(&ob, "abcdefgh", 4);
    is_string("\"abcd\"...", big, "quoted: long values cut with ...");

    ob_init(&ob, big, sizeof big);
    ob_int(&ob, -42);
    ob_char(&ob, ' ');
    ob_uint_pad(&ob, 7, 3);
    ob_char(&ob, ' ');
    ob_hex(&ob, 0x7f1a);
    is_string("-42 007 0x7f1a", big, "integers");

    ob_init(&ob, big, sizeof big);
    ob_duration_ms(&ob, 120000);
    ob_char(&ob, ' ');
    ob_duration_ms(&ob, 5000);
    ob_char(&ob, ' ');
    ob_duration_ms(&ob, 1500);
    ob_char(&ob, ' ');
    ob_duration_ms(&ob, 0);
    is_string("2m 5s 1500ms 0s", big, "durations in their shortest unit");

    is_string("[::1]:80", ipv6_text("::1", 80), "IPv6 loopback");
    is_string("[::]:0", ipv6_text("::", 0), "IPv6 any");
    is_string("[2001:db8::1:0:0:1]:443", ipv6_text("2001:db8:0:0:1:0:0:1", 443),
              "IPv6: the first longest zero run is folded");
    is_string("[2001:db8:0:1:1:1:1:1]:1", ipv6_text("2001:db8:0:1:1:1:1:1", 1),
              "IPv6: a single zero group is not folded");
    is_string("[::ffff:10.1.2.3]:8080", ipv6_text("::ffff:10.1.2.3", 8080),
              "IPv4-mapped IPv6");
    is_string("[fe80::1]:22", ipv6_text("fe80::1", 22), "IPv6 link-local");

    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(6379);
    inet_pton(AF_INET, "10.0.0.254", &in.sin_addr);
    ob_init(&ob, big, sizeof big);
    sockaddr_format(&ob, (struct sockaddr *)&in, sizeof in);
    is_string("10.0.0.254:6379", big, "IPv4 address and port");
    is_int(6379, sockaddr_port((struct sockaddr *)&in, sizeof in), "port");

    struct sockaddr_un un = {.sun_family = AF_UNIX};
    memcpy(un.sun_path, "\0abstract", 9);
    ob_init(&ob, big, sizeof big);
    sockaddr_format(&ob, (struct sockaddr *)&un,
                    offsetof(struct sockaddr_un, sun_path) + 9);
    is_string("@abstract", big, "abstract UNIX address");
    ob_init(&ob, big, sizeof big);
    sockaddr_format(&ob, NULL, 0);
    is_string("?", big, "no address");
    return 0;
}
