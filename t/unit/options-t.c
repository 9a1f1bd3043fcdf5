/*
 * options-t.c — the value parsers and formatters of lib/config/options.c.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "lib/config/options.h"
#include "t/tap/basic.h"

static void test_durations(void) {
    static const struct {
        const char *text;
        int ok;
        unsigned ms;
    } cases[] = {
        {"0", 1, 0},        {"5", 1, 5000},
        {"5s", 1, 5000},    {"250ms", 1, 250},
        {"2m", 1, 120000},  {"2147483647ms", 1, INT_MAX},
        {"2147484s", 0, 0}, {"", 0, 0},
        {"s", 0, 0},        {"10x", 0, 0},
        {"-1", 0, 0},       {"1.5s", 0, 0},
        {"5 s", 0, 0},      {" 5", 0, 0},
        {"10h", 0, 0},      {"99999999999999999999", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned ms = 12345;
        int rc = parse_duration_ms(cases[i].text, INT_MAX, &ms);
        if (cases[i].ok)
            ok(rc == 0 && ms == cases[i].ms, "duration \"%s\" = %u ms",
               cases[i].text, cases[i].ms);
        else
            ok(rc == -1 && ms == 12345, "duration \"%s\" rejected, untouched",
               cases[i].text);
    }
}

static void test_booleans(void) {
    const char *yes[] = {"on", "1", "yes", "true", "ON", "True"};
    const char *no[] = {"off", "0", "no", "false", "OFF"};
    const char *bad[] = {"", "2", "maybe", "onn", " on"};
    uint8_t v;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ok(parse_bool(yes[i], &v) == 0 && v == 1, "bool \"%s\" is on", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ok(parse_bool(no[i], &v) == 0 && v == 0, "bool \"%s\" is off", no[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(parse_bool(bad[i], &v) == -1, "bool \"%s\" rejected", bad[i]);
}

/* Parse TEXT as option OPT; return the formatted value or "REJECTED". */
static const char *roundtrip(enum policy_option opt, const char *text) {
    static char out[64];
    struct policy p;
    memset(&p, 0, sizeof p);
    if (option_descs[opt].parse(text, &p) != 0)
        return "REJECTED";
    if (!(p.set & (1u << opt)))
        return "NOT SET";
    option_format(&p, opt, out, sizeof out);
    return out;
}

static void test_option_values(void) {
    static const struct {
        enum policy_option opt;
        const char *text, *expected;
    } cases[] = {
        {OPT_KEEPALIVE, "60:10:5", "60:10:5"},
        {OPT_KEEPALIVE, "2m:30s", "120:30"},
        {OPT_KEEPALIVE, "60", "60"},
        {OPT_KEEPALIVE, "on", "on"},
        {OPT_KEEPALIVE, "off", "off"},
        {OPT_KEEPALIVE, "0", "REJECTED"},
        {OPT_KEEPALIVE, "32768", "REJECTED"},
        {OPT_KEEPALIVE, "60:10:128", "REJECTED"},
        {OPT_KEEPALIVE, "60:", "REJECTED"},
        {OPT_KEEPALIVE, ":10", "REJECTED"},
        {OPT_KEEPALIVE, "60:10:5:1", "REJECTED"},
        {OPT_KEEPALIVE, "1500ms", "REJECTED"},
        {OPT_LINGER, "0", "0s"},
        {OPT_LINGER, "5s", "5s"},
        {OPT_LINGER, "off", "off"},
        {OPT_LINGER, "500ms", "REJECTED"},
        {OPT_LINGER, "65536", "REJECTED"},
        {OPT_LINGER, "-1", "REJECTED"},
        {OPT_BACKLOG, "4096", "4096"},
        {OPT_BACKLOG, "0", "REJECTED"},
        {OPT_BACKLOG, "2147483648", "REJECTED"},
        {OPT_BACKLOG, "+5", "REJECTED"},
        /* 2^64 + 4: wraps to 4 if overflow is checked after the multiply */
        {OPT_BACKLOG, "18446744073709551620", "REJECTED"},
        {OPT_KEEPALIVE, "60:10:18446744073709551620", "REJECTED"},
        {OPT_USER_TIMEOUT, "10s", "10s"},
        {OPT_USER_TIMEOUT, "1500ms", "1500ms"},
        {OPT_RCVTIMEO, "2m", "2m"},
        {OPT_SNDTIMEO, "30", "30s"},
        {OPT_CONNECT_TIMEOUT, "0", "0s"},
        {OPT_NODELAY, "yes", "on"},
        {OPT_REUSEADDR, "false", "off"},
        {OPT_REUSEPORT, "2", "REJECTED"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        is_string(cases[i].expected, roundtrip(cases[i].opt, cases[i].text),
                  "%s=%s", option_descs[cases[i].opt].key, cases[i].text);
}

static void test_items_and_merge(void) {
    struct policy global, rule;
    memset(&global, 0, sizeof global);
    memset(&rule, 0, sizeof rule);
    option_descs[OPT_KEEPALIVE].parse("120:30:4", &global);
    option_descs[OPT_NODELAY].parse("on", &global);
    option_descs[OPT_KEEPALIVE].parse("30", &rule);
    option_descs[OPT_LINGER].parse("0", &rule);
    policy_merge(&global, &rule);

    char text[32];
    option_format(&global, OPT_KEEPALIVE, text, sizeof text);
    is_string("30", text,
              "merge: the later keepalive replaces the earlier whole");
    option_format(&global, OPT_NODELAY, text, sizeof text);
    is_string("on", text, "merge: options the later rule lacks stay");

    struct item_value items[ITEM_COUNT];
    int n = policy_items(&global, items);
    /* SO_LINGER, SO_KEEPALIVE, TCP_KEEPIDLE, TCP_NODELAY */
    is_int(4, n, "policy_items: keepalive with IDLE only sets 2 items");
    int linger_seen = 0;
    for (int i = 0; i < n; i++)
        if (items[i].item == ITEM_LINGER)
            linger_seen = items[i].u.linger.l_onoff == 1 &&
                          items[i].u.linger.l_linger == 0;
    ok(linger_seen, "linger=0 is SO_LINGER {1,0} (abortive close)");

    is_int(ITEM_KEEPIDLE,
           item_lookup(item_descs[ITEM_KEEPIDLE].level,
                       item_descs[ITEM_KEEPIDLE].optname),
           "item_lookup finds TCP_KEEPIDLE");
    is_int(ITEM_COUNT, item_lookup(SOL_SOCKET, SO_BROADCAST),
           "item_lookup: SO_BROADCAST is not policed");
    is_int(OPT_USER_TIMEOUT, option_by_key("user_timeout"), "option_by_key");
    is_int(OPT_COUNT, option_by_key("keepalve"), "option_by_key: typo unknown");

    enum policy_mode mode;
    ok(parse_mode("audit", &mode) == 0 && mode == MODE_AUDIT, "mode audit");
    ok(parse_mode("fast", &mode) == -1, "mode fast rejected");
}

int main(void) {
    plan(16 + 15 + 32 + 11);
    test_durations();
    test_booleans();
    test_option_values();
    test_items_and_merge();
    return 0;
}
