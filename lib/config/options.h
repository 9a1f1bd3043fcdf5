/*
 * options.h — the policy options (README "Policy options"), their
 * values, and the socket options (sockopt items) they turn into.
 *
 * A policy option is what the user writes (keepalive=60:10:5); a sockopt
 * item is one setsockopt() call it implies (SO_KEEPALIVE, TCP_KEEPIDLE,
 * ...). Policies are applied, audited and overridden item by item. The
 * parsers here are shared by the library and the launcher, so that a value
 * the launcher accepts is one the library accepts.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_OPTIONS_H
#define SOCKSHIM_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

enum policy_option {
    OPT_REUSEADDR,
    OPT_REUSEPORT,
    OPT_LINGER,
    OPT_KEEPALIVE,
    OPT_USER_TIMEOUT,
    OPT_RCVTIMEO,
    OPT_SNDTIMEO,
    OPT_CONNECT_TIMEOUT,
    OPT_NODELAY,
    OPT_BACKLOG,
    OPT_COUNT
};

enum sockopt_item {
    ITEM_REUSEADDR,
    ITEM_REUSEPORT,
    ITEM_LINGER,
    ITEM_KEEPALIVE,
    ITEM_KEEPIDLE,
    ITEM_KEEPINTVL,
    ITEM_KEEPCNT,
    ITEM_USER_TIMEOUT,
    ITEM_RCVTIMEO,
    ITEM_SNDTIMEO,
    ITEM_NODELAY,
    ITEM_COUNT
};

#define ITEM_BIT(item) ((uint16_t)(1u << (item)))
/* Items that only mean something before bind(). */
#define ITEMS_BEFORE_BIND (ITEM_BIT(ITEM_REUSEADDR) | ITEM_BIT(ITEM_REUSEPORT))
#define ITEMS_ALL ((uint16_t)((1u << ITEM_COUNT) - 1))

enum policy_mode { MODE_ENFORCE, MODE_FORCE, MODE_AUDIT, MODE_OFF };

/* A set of policy options; `set` has bit (1 << OPT_x) for each present. */
struct policy {
    uint32_t set;
    uint8_t reuseaddr, reuseport, nodelay;
    int linger_secs;           /* -1: SO_LINGER {0,0}; else {1,secs} */
    int keep_idle, keep_intvl; /* seconds; 0 = leave the kernel's */
    int keep_cnt;              /* probes; 0 = leave the kernel's */
    uint8_t keepalive_on;
    unsigned user_timeout_ms;
    unsigned rcvtimeo_ms, sndtimeo_ms;
    unsigned connect_timeout_ms;
    int backlog;
};

/* The value of one sockopt item, in the form setsockopt() takes it. */
struct item_value {
    enum sockopt_item item;
    socklen_t len;
    union {
        int i;
        struct linger linger;
        struct timeval tv;
    } u;
};

/* How an item is reached: level, name and the policy option behind it. */
struct item_desc {
    const char *name; /* "SO_KEEPALIVE" */
    int level, optname;
    enum policy_option option;
};

extern const struct item_desc item_descs[ITEM_COUNT];

/* Static description of a policy option: names and accepted values. */
struct option_desc {
    const char *key;      /* rule/file key: "keepalive" */
    const char *env;      /* "SOCKSHIM_KEEPALIVE" */
    const char *flag;     /* launcher flag: "keepalive" for --keepalive */
    const char *accepted; /* one phrase for error messages */
    /* Parse TEXT into P (setting its bit in P->set); 0 on success, -1 when
     * TEXT is not acceptable (P untouched). */
    int (*parse)(const char *text, struct policy *p);
};

extern const struct option_desc option_descs[OPT_COUNT];

/* The option named KEY (e.g. "keepalive"), or OPT_COUNT when unknown. */
enum policy_option option_by_key(const char *key);

/* Value parsers shared by the config layers. Each returns 0 and stores the
 * result, or -1 when TEXT is not entirely acceptable. */
int parse_bool(const char *text, uint8_t *out);
/* Duration: integer with optional unit ms, s (default) or m; result in ms,
 * at most MAX_MS. */
int parse_duration_ms(const char *text, unsigned max_ms, unsigned *out_ms);
/* Decimal integer in [MIN, MAX], no sign unless MIN < 0, no junk. */
int parse_int_range(const char *text, long min, long max, long *out);
int parse_mode(const char *text, enum policy_mode *out);
const char *mode_name(enum policy_mode mode);

/* Overlay: every option set in SRC replaces the one in DST. */
void policy_merge(struct policy *dst, const struct policy *src);

/* The sockopt items policy P implies, in OUT (room for ITEM_COUNT);
 * returns their count. Options that are not socket options (backlog,
 * connect timeout) yield none. */
int policy_items(const struct policy *p, struct item_value *out);

/* The item for setsockopt(LEVEL, OPTNAME), or ITEM_COUNT if not policed. */
enum sockopt_item item_lookup(int level, int optname);

/* Write VALUE (LEN bytes as getsockopt/setsockopt see item ITEM) in the
 * policy's notation ("on", "off", "60s", "on:5s", "1500ms") into BUF. */
void item_format(enum sockopt_item item, const void *value, socklen_t len,
                 char *buf, size_t size);

/* Format option OPT of policy P in the config notation into BUF. */
void option_format(const struct policy *p, enum policy_option opt, char *buf,
                   size_t size);

#endif
