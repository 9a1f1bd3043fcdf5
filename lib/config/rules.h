/*
 * rules.h — scoped policies: "ROLE match-terms options" lines.
 *
 *   listen  port=8080            reuseaddr=on backlog=4096
 *   connect port=6379,26379      keepalive=30:5:3 nodelay=on
 *   accept  addr=10.0.0.0/8      linger=5
 *   connect proc=curl            connect_timeout=2s
 *   any     family=unix          sndtimeo=2s
 *
 * Rules are compiled once at start-up into fixed-size structures (no
 * malloc) and matched only where options are decided: bind, listen,
 * accept, connect. All matching rules apply in order, a later one
 * overriding an earlier one option by option.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_RULES_H
#define SOCKSHIM_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/options.h"

#define RULES_MAX 64
#define RULE_PORTS_MAX 16
#define RULE_ADDRS_MAX 8
#define RULE_PROCS_MAX 4
#define RULE_PROC_NAME_MAX 64
#define RULE_WHERE_MAX 64

enum rule_role { RULE_LISTEN, RULE_ACCEPT, RULE_CONNECT, RULE_ANY };

/* Bits of rule.families. */
enum { FAMILY_INET = 1, FAMILY_INET6 = 2, FAMILY_UNIX = 4 };

struct port_range {
    uint16_t lo, hi;
};

/* An address block; IPv4 blocks are stored as 4 bytes, IPv6 as 16. */
struct cidr {
    uint8_t len; /* 4 or 16 */
    uint8_t prefix;
    uint8_t bytes[16];
};

struct rule {
    uint8_t role;     /* enum rule_role */
    uint8_t families; /* FAMILY_* bits; 0 = no family term: TCP only */
    uint8_t n_ports, n_addrs, n_procs;
    struct port_range ports[RULE_PORTS_MAX];
    struct cidr addrs[RULE_ADDRS_MAX];
    char procs[RULE_PROCS_MAX][RULE_PROC_NAME_MAX];
    struct policy policy;
    char where[RULE_WHERE_MAX]; /* "file:line" or "SOCKSHIM_RULES #N" */
};

/* What a socket offers to match against, at one moment. */
struct rule_subject {
    int role;   /* enum sock_role; ROLE_NONE = at bind() */
    int family; /* AF_INET, AF_INET6, AF_UNIX, ... */
    int is_tcp;
    int port; /* local (bind/listen/accept) or remote (connect); -1 */
    /* local (bind/listen) or peer (accept/connect) address, IPv4-mapped
     * IPv6 already turned into IPv4; addr_len 0 when unknown */
    uint8_t addr[16];
    uint8_t addr_len;
};

typedef void (*rules_report_fn)(const char *where, const char *value,
                                const char *problem, const char *accepted);

/* Parse one rule LINE (already stripped of comments) found at WHERE into
 * OUT. Returns 0, or -1 after one report naming the bad term (the rule is
 * then to be skipped whole). */
int rule_parse(const char *line, const char *where, struct rule *out,
               rules_report_fn report);

/* True when LINE starts with a role word (so it is a rule line). */
int rule_line_is_rule(const char *line);

/* True when RULE applies to SUBJECT run by program PROG. */
int rule_matches(const struct rule *rule, const struct rule_subject *subject,
                 const char *prog);

/* True when RULE needs the subject's port or address. */
int rule_needs_address(const struct rule *rule);

/* Fill SUBJECT's port and address from ADDR (LEN bytes). */
void rule_subject_address(struct rule_subject *subject,
                          const struct sockaddr *addr, socklen_t len);

/* Write RULE's role and match terms ("listen port=8080 family=inet6"), and
 * its options ("reuseaddr=on backlog=4096"), for sockshim --check. */
void rule_format_match(const struct rule *rule, char *buf, size_t size);
void policy_format_options(const struct policy *p, char *buf, size_t size);

#endif
