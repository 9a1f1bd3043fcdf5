/*
 * rules-t.c — rule parsing and matching (lib/config/rules.c).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/base/fdtab.h"
#include "lib/config/rules.h"
#include "t/tap/basic.h"

static int errors;
static char last_value[256];

static void count_error(const char *where, const char *value,
                        const char *problem, const char *accepted) {
    (void)where, (void)problem, (void)accepted;
    errors++;
    strncpy(last_value, value ? value : "", sizeof last_value - 1);
}

/* Parse LINE; 0 on success. */
static int parse(const char *line, struct rule *r) {
    errors = 0;
    last_value[0] = '\0';
    return rule_parse(line, "test:1", r, count_error);
}

static struct rule_subject subject(int role, int family, const char *addr,
                                   int port) {
    struct rule_subject s;
    memset(&s, 0, sizeof s);
    s.role = role;
    s.family = family;
    s.is_tcp = family == AF_INET || family == AF_INET6;
    s.port = port;
    if (addr != NULL && inet_pton(AF_INET, addr, s.addr) == 1) {
        s.addr_len = 4;
    } else if (addr != NULL) {
        struct sockaddr_in6 in6;
        memset(&in6, 0, sizeof in6);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((unsigned short)port);
        inet_pton(AF_INET6, addr, &in6.sin6_addr);
        rule_subject_address(&s, (struct sockaddr *)&in6, sizeof in6);
    }
    return s;
}

int main(void) {
    struct rule r;
    struct rule_subject s;
    char text[256];

    plan(26);

    ok(parse("listen port=8080,9000-9100 reuseaddr=on backlog=4096", &r) == 0,
       "a listen rule parses");
    rule_format_match(&r, text, sizeof text);
    is_string("listen port=8080,9000-9100", text, "its match terms");
    policy_format_options(&r.policy, text, sizeof text);
    is_string("reuseaddr=on backlog=4096", text, "its options");

    s = subject(ROLE_LISTEN, AF_INET, "127.0.0.1", 9050);
    ok(rule_matches(&r, &s, "prog"), "port in a range matches");
    s.port = 8081;
    ok(!rule_matches(&r, &s, "prog"), "a port outside does not");
    s = subject(ROLE_NONE, AF_INET, "0.0.0.0", 8080);
    ok(rule_matches(&r, &s, "prog"), "listen rules match at bind()");
    s = subject(ROLE_ACCEPT, AF_INET, "127.0.0.1", 8080);
    ok(!rule_matches(&r, &s, "prog"), "a listen rule does not match accept");
    s = subject(ROLE_LISTEN, AF_UNIX, NULL, -1);
    ok(!rule_matches(&r, &s, "prog"), "no family= means TCP only");

    ok(parse("accept addr=10.0.0.0/8,2001:db8::/32 linger=5", &r) == 0,
       "an addr rule parses");
    s = subject(ROLE_ACCEPT, AF_INET, "10.200.3.4", 80);
    ok(rule_matches(&r, &s, "p"), "IPv4 inside the /8");
    s = subject(ROLE_ACCEPT, AF_INET, "11.0.0.1", 80);
    ok(!rule_matches(&r, &s, "p"), "IPv4 outside");
    s = subject(ROLE_ACCEPT, AF_INET6, "::ffff:10.1.1.1", 80);
    ok(rule_matches(&r, &s, "p"), "an IPv4-mapped IPv6 peer matches IPv4");
    s = subject(ROLE_ACCEPT, AF_INET6, "2001:db8:ffff::1", 80);
    ok(rule_matches(&r, &s, "p"), "IPv6 inside the /32");
    s = subject(ROLE_ACCEPT, AF_INET6, "2001:db9::1", 80);
    ok(!rule_matches(&r, &s, "p"), "IPv6 outside");

    ok(parse("any family=unix,inet6 proc=nginx,curl sndtimeo=2s", &r) == 0,
       "family and proc parse");
    s = subject(ROLE_CONNECT, AF_UNIX, NULL, -1);
    ok(rule_matches(&r, &s, "curl"), "a unix socket of curl matches");
    ok(!rule_matches(&r, &s, "wget"), "another program does not");
    s = subject(ROLE_CONNECT, AF_INET, "127.0.0.1", 80);
    ok(!rule_matches(&r, &s, "curl"), "an inet socket is not in the families");

    static const char *const bad[] = {
        "lisen port=80 nodelay=on",
        "listen colour=red",
        "listen port=0 nodelay=on",
        "listen port=9-3 nodelay=on",
        "listen port=80, nodelay=on",
        "accept addr=10.0.0.0/33 linger=5",
        "accept addr=example.com linger=5",
        "any family=ipx nodelay=on",
        "connect keepalive=abc",
    };
    int all_rejected = 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(bad[i], &r) != -1 || errors != 1)
            all_rejected = 0;
    ok(all_rejected, "each malformed rule: rejected with exactly one report");
    parse("connect port=80 nodelay=on nodelay=off", &r);
    is_string("nodelay=off", last_value, "an option given twice is named");
    ok(parse("connect port=80", &r) == -1, "a rule without options");
    ok(parse("listen port = 80 nodelay=on", &r) == -1, "spaces around =");
    parse("connect port=70000 nodelay=on", &r);
    is_string("port=70000", last_value, "the report names the bad term");

    ok(rule_line_is_rule("  connect port=1 nodelay=on") == 0 &&
           rule_line_is_rule("connect port=1 nodelay=on") == 1 &&
           rule_line_is_rule("keepalive = 60") == 0,
       "rule lines are told from settings by their first word");
    ok(parse("ANY nodelay=on", &r) == 0, "role words are case-insensitive");
    ok(parse("connect addr=[::1] nodelay=on", &r) == 0 &&
           r.addrs[0].len == 16 && r.addrs[0].prefix == 128,
       "an IPv6 address in brackets is a /128");
    return 0;
}
