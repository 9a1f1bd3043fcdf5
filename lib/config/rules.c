/*
 * rules.c — parsing and matching scoped policy rules (see rules.h).
 *
 * Parsing runs once at start-up; matching runs at bind, listen, accept and
 * connect, never on the read/write paths.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "config/rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "base/fdtab.h"
#include "output/outbuf.h"

static const char *const role_words[] = {
    [RULE_LISTEN] = "listen",
    [RULE_ACCEPT] = "accept",
    [RULE_CONNECT] = "connect",
    [RULE_ANY] = "any",
};

static const char ports_accepted[] =
    "port=N or N-M, comma-separated, ports 1..65535 (at most 16)";
static const char addrs_accepted[] =
    "addr=CIDR, comma-separated: 10.0.0.0/8, 192.168.1.7, 2001:db8::/32, ::1 "
    "(at most 8)";
static const char families_accepted[] =
    "family=inet, inet6 or unix, comma-separated";
static const char procs_accepted[] =
    "proc=NAME, comma-separated program names (at most 4, 63 bytes each)";

/* The next comma-separated item of *LIST into ITEM (at most SIZE - 1
 * bytes); returns 0 at the end, -1 for an empty or too long item. */
static int next_item(const char **list, char *item, size_t size) {
    const char *start = *list;
    if (*start == '\0')
        return 0;
    const char *comma = strchr(start, ',');
    size_t len = comma ? (size_t)(comma - start) : strlen(start);
    if (len == 0 || len >= size)
        return -1;
    memcpy(item, start, len);
    item[len] = '\0';
    *list = comma ? comma + 1 : start + len;
    if (comma && **list == '\0')
        return -1; /* trailing comma */
    return 1;
}

static int parse_port_number(const char *text, uint16_t *out) {
    long v;
    if (parse_int_range(text, 1, 65535, &v) != 0)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

static int parse_ports(const char *list, struct rule *r) {
    char item[32];
    int rc;
    while ((rc = next_item(&list, item, sizeof item)) == 1) {
        if (r->n_ports == RULE_PORTS_MAX)
            return -1;
        struct port_range *range = &r->ports[r->n_ports++];
        char *dash = strchr(item, '-');
        if (dash != NULL)
            *dash = '\0';
        if (parse_port_number(item, &range->lo) != 0)
            return -1;
        range->hi = range->lo;
        if (dash != NULL && (parse_port_number(dash + 1, &range->hi) != 0 ||
                             range->hi < range->lo))
            return -1;
    }
    return rc;
}

static int parse_cidr(char *text, struct cidr *out) {
    char *slash = strchr(text, '/');
    long prefix = -1;
    if (slash != NULL) {
        *slash = '\0';
        if (parse_int_range(slash + 1, 0, 128, &prefix) != 0)
            return -1;
    }
    /* An IPv6 address may come in brackets, as in URLs. */
    size_t len = strlen(text);
    if (len > 2 && text[0] == '[' && text[len - 1] == ']') {
        text[len - 1] = '\0';
        text++;
    }
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->len = 4;
    } else if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->len = 16;
        /* An IPv4-mapped block is an IPv4 block: peers are normalised. */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                           0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(out->bytes, mapped, 12) == 0 &&
            (prefix < 0 || prefix >= 96)) {
            memmove(out->bytes, out->bytes + 12, 4);
            out->len = 4;
            if (prefix >= 96)
                prefix -= 96;
        }
    } else {
        return -1;
    }
    if (prefix > out->len * 8)
        return -1;
    out->prefix = (uint8_t)(prefix < 0 ? out->len * 8 : prefix);
    return 0;
}

static int parse_addrs(const char *list, struct rule *r) {
    char item[64];
    int rc;
    while ((rc = next_item(&list, item, sizeof item)) == 1) {
        if (r->n_addrs == RULE_ADDRS_MAX ||
            parse_cidr(item, &r->addrs[r->n_addrs++]) != 0)
            return -1;
    }
    return rc;
}

static int parse_families(const char *list, struct rule *r) {
    static const struct {
        const char *word;
        uint8_t bit;
    } words[] = {
        {"inet", FAMILY_INET}, {"inet6", FAMILY_INET6}, {"unix", FAMILY_UNIX}};
    char item[16];
    int rc;
    while ((rc = next_item(&list, item, sizeof item)) == 1) {
        size_t i;
        for (i = 0; i < sizeof words / sizeof words[0]; i++)
            if (strcasecmp(item, words[i].word) == 0)
                break;
        if (i == sizeof words / sizeof words[0])
            return -1;
        r->families |= words[i].bit;
    }
    return rc;
}

static int parse_procs(const char *list, struct rule *r) {
    int rc;
    for (;;) {
        char item[RULE_PROC_NAME_MAX];
        rc = next_item(&list, item, sizeof item);
        if (rc != 1)
            break;
        if (r->n_procs == RULE_PROCS_MAX)
            return -1;
        strcpy(r->procs[r->n_procs++], item);
    }
    return rc;
}

/* Length of the word at the start of TEXT (up to blank or end). */
static size_t word_length(const char *text) {
    size_t n = 0;
    while (text[n] != '\0' && text[n] != ' ' && text[n] != '\t')
        n++;
    return n;
}

static int role_from_word(const char *word, size_t len) {
    for (int r = RULE_LISTEN; r <= RULE_ANY; r++)
        if (strlen(role_words[r]) == len &&
            strncasecmp(word, role_words[r], len) == 0)
            return r;
    return -1;
}

int rule_line_is_rule(const char *line) {
    return role_from_word(line, word_length(line)) >= 0;
}

/* Apply one TERM ("key=value") to R; returns 0, or -1 after reporting. */
static int rule_term(char *term, const char *where, struct rule *r,
                     uint32_t *seen, rules_report_fn report) {
    static const struct {
        const char *key;
        int (*parse)(const char *, struct rule *);
        const char *accepted;
    } matches[] = {
        {"port", parse_ports, ports_accepted},
        {"addr", parse_addrs, addrs_accepted},
        {"family", parse_families, families_accepted},
        {"proc", parse_procs, procs_accepted},
    };
    char *eq = strchr(term, '=');
    if (eq == NULL || eq == term) {
        report(where, term, "not a KEY=VALUE term",
               "match terms port=, addr=, family=, proc= and option terms "
               "such as keepalive=60:10:5 (no spaces around =)");
        return -1;
    }
    *eq = '\0';
    const char *key = term, *value = eq + 1;
    for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
        if (strcmp(key, matches[i].key) != 0)
            continue;
        *eq = '=';
        if (*seen & (1u << (OPT_COUNT + i))) {
            report(where, term, "match term given twice",
                   "one port=, addr=, family=, proc= per rule, with "
                   "comma-separated values");
            return -1;
        }
        *seen |= 1u << (OPT_COUNT + i);
        if (matches[i].parse(value, r) != 0) {
            report(where, term, "not a valid match term", matches[i].accepted);
            return -1;
        }
        return 0;
    }
    enum policy_option opt = option_by_key(key);
    *eq = '=';
    if (opt == OPT_COUNT) {
        report(where, term, "unknown key",
               "port, addr, family, proc, reuseaddr, reuseport, linger, "
               "keepalive, user_timeout, rcvtimeo, sndtimeo, "
               "connect_timeout, nodelay, backlog");
        return -1;
    }
    if (*seen & (1u << opt)) {
        report(where, term, "option given twice in one rule",
               option_descs[opt].accepted);
        return -1;
    }
    *seen |= 1u << opt;
    if (option_descs[opt].parse(value, &r->policy) != 0) {
        report(where, term, "not a valid value", option_descs[opt].accepted);
        return -1;
    }
    return 0;
}

int rule_parse(const char *line, const char *where, struct rule *out,
               rules_report_fn report) {
    memset(out, 0, sizeof *out);
    out->policy.linger_secs = -1;
    struct outbuf ob;
    ob_init(&ob, out->where, sizeof out->where);
    ob_str(&ob, where);

    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = word_length(line);
    int role = role_from_word(line, len);
    if (role < 0) {
        report(where, line, "a rule starts with its role",
               "listen, accept, connect or any");
        return -1;
    }
    out->role = (uint8_t)role;
    uint32_t seen = 0;
    for (line += len;;) {
        while (*line == ' ' || *line == '\t')
            line++;
        len = word_length(line);
        if (len == 0)
            break;
        char term[512];
        if (len >= sizeof term) {
            report(where, line, "term too long", "terms of at most 511 bytes");
            return -1;
        }
        memcpy(term, line, len);
        term[len] = '\0';
        if (rule_term(term, where, out, &seen, report) != 0)
            return -1;
        line += len;
    }
    if (out->policy.set == 0) {
        report(where, role_words[role], "a rule without options does nothing",
               "at least one option, e.g. listen port=8080 backlog=4096");
        return -1;
    }
    return 0;
}

static int role_matches(int rule_role, int role) {
    switch (rule_role) {
    case RULE_ANY:
        return 1;
    case RULE_LISTEN:
        /* At bind() a socket is taken to be a future listener. */
        return role == ROLE_LISTEN || role == ROLE_NONE;
    case RULE_ACCEPT:
        return role == ROLE_ACCEPT;
    case RULE_CONNECT:
        return role == ROLE_CONNECT;
    default:
        return 0;
    }
}

static int family_matches(const struct rule *r, const struct rule_subject *s) {
    if (r->families == 0)
        return s->is_tcp; /* no family term: TCP sockets only */
    uint8_t bit = s->family == AF_INET    ? FAMILY_INET
                  : s->family == AF_INET6 ? FAMILY_INET6
                  : s->family == AF_UNIX  ? FAMILY_UNIX
                                          : 0;
    return (r->families & bit) != 0;
}

static int cidr_contains(const struct cidr *c, const uint8_t *addr,
                         uint8_t len) {
    if (c->len != len)
        return 0;
    unsigned full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->bytes, addr, full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->bytes[full] & mask) == (addr[full] & mask);
}

int rule_matches(const struct rule *r, const struct rule_subject *s,
                 const char *prog) {
    if (!role_matches(r->role, s->role) || !family_matches(r, s))
        return 0;
    if (r->n_ports > 0) {
        int hit = 0;
        for (int i = 0; i < r->n_ports && !hit; i++)
            hit = s->port >= r->ports[i].lo && s->port <= r->ports[i].hi;
        if (!hit)
            return 0;
    }
    if (r->n_addrs > 0) {
        int hit = 0;
        for (int i = 0; i < r->n_addrs && !hit; i++)
            hit = s->addr_len != 0 &&
                  cidr_contains(&r->addrs[i], s->addr, s->addr_len);
        if (!hit)
            return 0;
    }
    if (r->n_procs > 0) {
        int hit = 0;
        for (int i = 0; i < r->n_procs && !hit; i++)
            hit = strcmp(r->procs[i], prog) == 0;
        if (!hit)
            return 0;
    }
    return 1;
}

int rule_needs_address(const struct rule *r) {
    return r->n_ports > 0 || r->n_addrs > 0;
}

void rule_subject_address(struct rule_subject *s, const struct sockaddr *addr,
                          socklen_t len) {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};
    s->port = -1;
    s->addr_len = 0;
    if (addr == NULL)
        return;
    if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        s->port = ntohs(in->sin_port);
        memcpy(s->addr, &in->sin_addr, 4);
        s->addr_len = 4;
    } else if (addr->sa_family == AF_INET6 &&
               len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        s->port = ntohs(in6->sin6_port);
        if (memcmp(in6->sin6_addr.s6_addr, mapped, 12) == 0) {
            memcpy(s->addr, in6->sin6_addr.s6_addr + 12, 4);
            s->addr_len = 4;
        } else {
            memcpy(s->addr, in6->sin6_addr.s6_addr, 16);
            s->addr_len = 16;
        }
    }
}

void rule_format_match(const struct rule *r, char *buf, size_t size) {
    struct outbuf ob;
    ob_init(&ob, buf, size);
    ob_str(&ob, role_words[r->role]);
    if (r->n_ports > 0) {
        ob_str(&ob, " port=");
        for (int i = 0; i < r->n_ports; i++) {
            if (i)
                ob_char(&ob, ',');
            ob_uint(&ob, r->ports[i].lo);
            if (r->ports[i].hi != r->ports[i].lo) {
                ob_char(&ob, '-');
                ob_uint(&ob, r->ports[i].hi);
            }
        }
    }
    if (r->n_addrs > 0) {
        ob_str(&ob, " addr=");
        for (int i = 0; i < r->n_addrs; i++) {
            char text[INET6_ADDRSTRLEN];
            if (i)
                ob_char(&ob, ',');
            inet_ntop(r->addrs[i].len == 4 ? AF_INET : AF_INET6,
                      r->addrs[i].bytes, text, sizeof text);
            ob_str(&ob, text);
            ob_char(&ob, '/');
            ob_uint(&ob, r->addrs[i].prefix);
        }
    }
    if (r->families != 0) {
        static const char *const names[] = {"inet", "inet6", "unix"};
        const char *sep = " family=";
        for (int i = 0; i < 3; i++) {
            if (r->families & (1 << i)) {
                ob_str(&ob, sep);
                ob_str(&ob, names[i]);
                sep = ",";
            }
        }
    }
    for (int i = 0; i < r->n_procs; i++) {
        ob_str(&ob, i ? "," : " proc=");
        ob_str(&ob, r->procs[i]);
    }
}

void policy_format_options(const struct policy *p, char *buf, size_t size) {
    struct outbuf ob;
    ob_init(&ob, buf, size);
    for (int opt = 0; opt < OPT_COUNT; opt++) {
        if (!(p->set & (1u << opt)))
            continue;
        char value[64];
        option_format(p, (enum policy_option)opt, value, sizeof value);
        if (ob.len > 0)
            ob_char(&ob, ' ');
        ob_str(&ob, option_descs[opt].key);
        ob_char(&ob, '=');
        ob_str(&ob, value);
    }
}
