/*
 * options.c — policy options: parsing, merging, and their sockopt items.
 *
 * Every value is validated in full (no atoi): a value is accepted only if
 * all of it is understood and in range. The limits mirror the kernel's
 * (TCP_KEEPIDLE and TCP_KEEPINTVL at most 32767 s, TCP_KEEPCNT at most
 * 127), so that a policy we accept is one setsockopt() accepts.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include "config/options.h"
#include "output/outbuf.h"

#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <strings.h>

#define MAX_KEEP_SECS 32767
#define MAX_KEEP_CNT 127
#define MAX_LINGER_SECS 65535
#define MAX_TIMEOUT_MS ((unsigned)INT_MAX)

const struct item_desc item_descs[ITEM_COUNT] = {
    [ITEM_REUSEADDR] = {"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR,
                        OPT_REUSEADDR},
    [ITEM_REUSEPORT] = {"SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT,
                        OPT_REUSEPORT},
    [ITEM_LINGER] = {"SO_LINGER", SOL_SOCKET, SO_LINGER, OPT_LINGER},
    [ITEM_KEEPALIVE] = {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE,
                        OPT_KEEPALIVE},
    [ITEM_KEEPIDLE] = {"TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE,
                       OPT_KEEPALIVE},
    [ITEM_KEEPINTVL] = {"TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL,
                        OPT_KEEPALIVE},
    [ITEM_KEEPCNT] = {"TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, OPT_KEEPALIVE},
    [ITEM_USER_TIMEOUT] = {"TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT,
                           OPT_USER_TIMEOUT},
    [ITEM_RCVTIMEO] = {"SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, OPT_RCVTIMEO},
    [ITEM_SNDTIMEO] = {"SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, OPT_SNDTIMEO},
    [ITEM_NODELAY] = {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, OPT_NODELAY},
};

int parse_bool(const char *text, uint8_t *out) {
    static const char *const yes[] = {"on", "1", "yes", "true"};
    static const char *const no[] = {"off", "0", "no", "false"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Digits of TEXT up to the first non-digit into *OUT (saturating above
 * LIMIT); returns the end, or NULL when there is no digit or it exceeds
 * LIMIT. */
static const char *parse_digits(const char *text, unsigned long long limit,
                                unsigned long long *out) {
    unsigned long long v = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (limit - digit) / 10) /* checked before it can wrap */
            return NULL;
        v = v * 10 + digit;
    }
    if (p == text)
        return NULL;
    *out = v;
    return p;
}

int parse_duration_ms(const char *text, unsigned max_ms, unsigned *out_ms) {
    unsigned long long v, scale;
    const char *unit = parse_digits(text, ULLONG_MAX / 60000, &v);
    if (unit == NULL)
        return -1;
    if (*unit == '\0' || strcmp(unit, "s") == 0)
        scale = 1000;
    else if (strcmp(unit, "ms") == 0)
        scale = 1;
    else if (strcmp(unit, "m") == 0)
        scale = 60000;
    else
        return -1;
    if (v * scale > max_ms)
        return -1;
    *out_ms = (unsigned)(v * scale);
    return 0;
}

int parse_int_range(const char *text, long min, long max, long *out) {
    unsigned long long v;
    int negative = (*text == '-' && min < 0);
    const char *end =
        parse_digits(text + negative, (unsigned long long)LONG_MAX, &v);
    if (end == NULL || *end != '\0')
        return -1;
    long value = negative ? -(long)v : (long)v;
    if (value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

/* A duration that must be whole seconds in [MIN_S, MAX_S]. */
static int parse_seconds(const char *text, int min_s, int max_s, int *out) {
    unsigned ms;
    if (parse_duration_ms(text, (unsigned)max_s * 1000u, &ms) != 0 ||
        ms % 1000 != 0 || ms / 1000 < (unsigned)min_s)
        return -1;
    *out = (int)(ms / 1000);
    return 0;
}

static int parse_opt_bool(const char *text, uint8_t *field, struct policy *p,
                          enum policy_option opt) {
    if (parse_bool(text, field) != 0)
        return -1;
    p->set |= 1u << opt;
    return 0;
}

static int parse_reuseaddr(const char *text, struct policy *p) {
    return parse_opt_bool(text, &p->reuseaddr, p, OPT_REUSEADDR);
}

static int parse_reuseport(const char *text, struct policy *p) {
    return parse_opt_bool(text, &p->reuseport, p, OPT_REUSEPORT);
}

static int parse_nodelay(const char *text, struct policy *p) {
    return parse_opt_bool(text, &p->nodelay, p, OPT_NODELAY);
}

static int parse_linger(const char *text, struct policy *p) {
    int secs = -1;
    if (strcasecmp(text, "off") != 0 &&
        parse_seconds(text, 0, MAX_LINGER_SECS, &secs) != 0)
        return -1;
    p->linger_secs = secs;
    p->set |= 1u << OPT_LINGER;
    return 0;
}

/* "off", "on", or IDLE[:INTVL[:CNT]]. */
static int parse_keepalive(const char *text, struct policy *p) {
    int idle = 0, intvl = 0, cnt = 0, on = 1;
    if (strcasecmp(text, "off") == 0) {
        on = 0;
    } else if (strcasecmp(text, "on") != 0) {
        char part[3][32];
        int parts = 0;
        const char *start = text;
        for (;;) {
            const char *colon = strchr(start, ':');
            size_t len = colon ? (size_t)(colon - start) : strlen(start);
            if (parts == 3 || len == 0 || len >= sizeof part[0])
                return -1;
            memcpy(part[parts], start, len);
            part[parts++][len] = '\0';
            if (colon == NULL)
                break;
            start = colon + 1;
        }
        long count = 0;
        if (parse_seconds(part[0], 1, MAX_KEEP_SECS, &idle) != 0 ||
            (parts > 1 &&
             parse_seconds(part[1], 1, MAX_KEEP_SECS, &intvl) != 0) ||
            (parts > 2 &&
             parse_int_range(part[2], 1, MAX_KEEP_CNT, &count) != 0))
            return -1;
        cnt = (int)count;
    }
    p->keepalive_on = (uint8_t)on;
    p->keep_idle = idle;
    p->keep_intvl = intvl;
    p->keep_cnt = cnt;
    p->set |= 1u << OPT_KEEPALIVE;
    return 0;
}

static int parse_timeout(const char *text, unsigned *field, struct policy *p,
                         enum policy_option opt) {
    if (parse_duration_ms(text, MAX_TIMEOUT_MS, field) != 0)
        return -1;
    p->set |= 1u << opt;
    return 0;
}

static int parse_user_timeout(const char *text, struct policy *p) {
    return parse_timeout(text, &p->user_timeout_ms, p, OPT_USER_TIMEOUT);
}

static int parse_rcvtimeo(const char *text, struct policy *p) {
    return parse_timeout(text, &p->rcvtimeo_ms, p, OPT_RCVTIMEO);
}

static int parse_sndtimeo(const char *text, struct policy *p) {
    return parse_timeout(text, &p->sndtimeo_ms, p, OPT_SNDTIMEO);
}

static int parse_connect_timeout(const char *text, struct policy *p) {
    return parse_timeout(text, &p->connect_timeout_ms, p, OPT_CONNECT_TIMEOUT);
}

static int parse_backlog(const char *text, struct policy *p) {
    long v;
    if (parse_int_range(text, 1, INT_MAX, &v) != 0)
        return -1;
    p->backlog = (int)v;
    p->set |= 1u << OPT_BACKLOG;
    return 0;
}

#define DURATION_WORDS "an integer with optional unit ms, s (default) or m"

const struct option_desc option_descs[OPT_COUNT] = {
    [OPT_REUSEADDR] = {"reuseaddr", "SOCKSHIM_REUSEADDR", "reuseaddr",
                       "on|off (also 1/0, yes/no, true/false)",
                       parse_reuseaddr},
    [OPT_REUSEPORT] = {"reuseport", "SOCKSHIM_REUSEPORT", "reuseport",
                       "on|off (also 1/0, yes/no, true/false)",
                       parse_reuseport},
    [OPT_LINGER] = {"linger", "SOCKSHIM_LINGER", "linger",
                    "off or whole SECONDS 0..65535 (0 = abortive close)",
                    parse_linger},
    [OPT_KEEPALIVE] = {"keepalive", "SOCKSHIM_KEEPALIVE", "keepalive",
                       "off, on, or IDLE[:INTVL[:CNT]] with IDLE and INTVL "
                       "whole seconds 1..32767 and CNT 1..127, e.g. 60:10:5",
                       parse_keepalive},
    [OPT_USER_TIMEOUT] = {"user_timeout", "SOCKSHIM_USER_TIMEOUT",
                          "user-timeout",
                          "a duration: " DURATION_WORDS ", e.g. 10s",
                          parse_user_timeout},
    [OPT_RCVTIMEO] = {"rcvtimeo", "SOCKSHIM_RCVTIMEO", "rcvtimeo",
                      "a duration: " DURATION_WORDS ", e.g. 30s",
                      parse_rcvtimeo},
    [OPT_SNDTIMEO] = {"sndtimeo", "SOCKSHIM_SNDTIMEO", "sndtimeo",
                      "a duration: " DURATION_WORDS ", e.g. 30s",
                      parse_sndtimeo},
    [OPT_CONNECT_TIMEOUT] = {"connect_timeout", "SOCKSHIM_CONNECT_TIMEOUT",
                             "connect-timeout",
                             "a duration: " DURATION_WORDS ", e.g. 2s "
                             "(0 = none)",
                             parse_connect_timeout},
    [OPT_NODELAY] = {"nodelay", "SOCKSHIM_NODELAY", "nodelay",
                     "on|off (also 1/0, yes/no, true/false)", parse_nodelay},
    [OPT_BACKLOG] = {"backlog", "SOCKSHIM_BACKLOG", "backlog",
                     "an integer 1..2147483647 (the kernel caps it at "
                     "net.core.somaxconn)",
                     parse_backlog},
};

enum policy_option option_by_key(const char *key) {
    for (int opt = 0; opt < OPT_COUNT; opt++)
        if (strcmp(option_descs[opt].key, key) == 0)
            return (enum policy_option)opt;
    return OPT_COUNT;
}

static const char *const mode_names[] = {
    [MODE_ENFORCE] = "enforce",
    [MODE_FORCE] = "force",
    [MODE_AUDIT] = "audit",
    [MODE_OFF] = "off",
};

int parse_mode(const char *text, enum policy_mode *out) {
    for (int m = MODE_ENFORCE; m <= MODE_OFF; m++) {
        if (strcasecmp(text, mode_names[m]) == 0) {
            *out = (enum policy_mode)m;
            return 0;
        }
    }
    return -1;
}

const char *mode_name(enum policy_mode mode) { return mode_names[mode]; }

void policy_merge(struct policy *dst, const struct policy *src) {
    uint32_t set = src->set;
    if (set & (1u << OPT_REUSEADDR))
        dst->reuseaddr = src->reuseaddr;
    if (set & (1u << OPT_REUSEPORT))
        dst->reuseport = src->reuseport;
    if (set & (1u << OPT_NODELAY))
        dst->nodelay = src->nodelay;
    if (set & (1u << OPT_LINGER))
        dst->linger_secs = src->linger_secs;
    if (set & (1u << OPT_KEEPALIVE)) {
        dst->keepalive_on = src->keepalive_on;
        dst->keep_idle = src->keep_idle;
        dst->keep_intvl = src->keep_intvl;
        dst->keep_cnt = src->keep_cnt;
    }
    if (set & (1u << OPT_USER_TIMEOUT))
        dst->user_timeout_ms = src->user_timeout_ms;
    if (set & (1u << OPT_RCVTIMEO))
        dst->rcvtimeo_ms = src->rcvtimeo_ms;
    if (set & (1u << OPT_SNDTIMEO))
        dst->sndtimeo_ms = src->sndtimeo_ms;
    if (set & (1u << OPT_CONNECT_TIMEOUT))
        dst->connect_timeout_ms = src->connect_timeout_ms;
    if (set & (1u << OPT_BACKLOG))
        dst->backlog = src->backlog;
    dst->set |= set;
}

static void item_int(struct item_value *v, enum sockopt_item item, int value) {
    v->item = item;
    v->len = sizeof v->u.i;
    v->u.i = value;
}

static void item_timeval(struct item_value *v, enum sockopt_item item,
                         unsigned ms) {
    v->item = item;
    v->len = sizeof v->u.tv;
    v->u.tv.tv_sec = ms / 1000;
    v->u.tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

int policy_items(const struct policy *p, struct item_value *out) {
    int n = 0;
    uint32_t set = p->set;
    if (set & (1u << OPT_REUSEADDR))
        item_int(&out[n++], ITEM_REUSEADDR, p->reuseaddr);
    if (set & (1u << OPT_REUSEPORT))
        item_int(&out[n++], ITEM_REUSEPORT, p->reuseport);
    if (set & (1u << OPT_LINGER)) {
        out[n].item = ITEM_LINGER;
        out[n].len = sizeof out[n].u.linger;
        out[n].u.linger.l_onoff = p->linger_secs >= 0;
        out[n].u.linger.l_linger = p->linger_secs >= 0 ? p->linger_secs : 0;
        n++;
    }
    if (set & (1u << OPT_KEEPALIVE)) {
        item_int(&out[n++], ITEM_KEEPALIVE, p->keepalive_on);
        if (p->keep_idle > 0)
            item_int(&out[n++], ITEM_KEEPIDLE, p->keep_idle);
        if (p->keep_intvl > 0)
            item_int(&out[n++], ITEM_KEEPINTVL, p->keep_intvl);
        if (p->keep_cnt > 0)
            item_int(&out[n++], ITEM_KEEPCNT, p->keep_cnt);
    }
    if (set & (1u << OPT_USER_TIMEOUT))
        item_int(&out[n++], ITEM_USER_TIMEOUT, (int)p->user_timeout_ms);
    if (set & (1u << OPT_RCVTIMEO))
        item_timeval(&out[n++], ITEM_RCVTIMEO, p->rcvtimeo_ms);
    if (set & (1u << OPT_SNDTIMEO))
        item_timeval(&out[n++], ITEM_SNDTIMEO, p->sndtimeo_ms);
    if (set & (1u << OPT_NODELAY))
        item_int(&out[n++], ITEM_NODELAY, p->nodelay);
    return n;
}

enum sockopt_item item_lookup(int level, int optname) {
    for (int i = 0; i < ITEM_COUNT; i++)
        if (item_descs[i].level == level && item_descs[i].optname == optname)
            return (enum sockopt_item)i;
    return ITEM_COUNT;
}

void item_format(enum sockopt_item item, const void *value, socklen_t len,
                 char *buf, size_t size) {
    struct outbuf ob;
    ob_init(&ob, buf, size);
    int i = 0;
    if (value == NULL)
        len = 0;
    if (item == ITEM_LINGER) {
        struct linger l = {0, 0};
        if (len >= sizeof l)
            memcpy(&l, value, sizeof l);
        if (!l.l_onoff) {
            ob_str(&ob, "off");
        } else {
            ob_str(&ob, "on:");
            ob_int(&ob, l.l_linger);
            ob_char(&ob, 's');
        }
        return;
    }
    if (item == ITEM_RCVTIMEO || item == ITEM_SNDTIMEO) {
        struct timeval tv = {0, 0};
        if (len >= sizeof tv)
            memcpy(&tv, value, sizeof tv);
        ob_duration_ms(&ob, (unsigned long long)tv.tv_sec * 1000 +
                                (unsigned long long)tv.tv_usec / 1000);
        return;
    }
    if (len >= sizeof i)
        memcpy(&i, value, sizeof i);
    switch (item) {
    case ITEM_KEEPIDLE:
    case ITEM_KEEPINTVL:
        ob_int(&ob, i);
        ob_char(&ob, 's');
        break;
    case ITEM_KEEPCNT:
        ob_int(&ob, i);
        break;
    case ITEM_USER_TIMEOUT:
        ob_duration_ms(&ob, (unsigned)i);
        break;
    default: /* booleans */
        ob_str(&ob, i ? "on" : "off");
        break;
    }
}

void option_format(const struct policy *p, enum policy_option opt, char *buf,
                   size_t size) {
    struct outbuf ob;
    ob_init(&ob, buf, size);
    switch (opt) {
    case OPT_REUSEADDR:
        ob_str(&ob, p->reuseaddr ? "on" : "off");
        break;
    case OPT_REUSEPORT:
        ob_str(&ob, p->reuseport ? "on" : "off");
        break;
    case OPT_NODELAY:
        ob_str(&ob, p->nodelay ? "on" : "off");
        break;
    case OPT_LINGER:
        if (p->linger_secs < 0) {
            ob_str(&ob, "off");
        } else {
            ob_int(&ob, p->linger_secs);
            ob_char(&ob, 's');
        }
        break;
    case OPT_KEEPALIVE:
        if (!p->keepalive_on) {
            ob_str(&ob, "off");
        } else if (p->keep_idle == 0) {
            ob_str(&ob, "on");
        } else {
            ob_int(&ob, p->keep_idle);
            if (p->keep_intvl > 0) {
                ob_char(&ob, ':');
                ob_int(&ob, p->keep_intvl);
                if (p->keep_cnt > 0) {
                    ob_char(&ob, ':');
                    ob_int(&ob, p->keep_cnt);
                }
            }
        }
        break;
    case OPT_USER_TIMEOUT:
        ob_duration_ms(&ob, p->user_timeout_ms);
        break;
    case OPT_RCVTIMEO:
        ob_duration_ms(&ob, p->rcvtimeo_ms);
        break;
    case OPT_SNDTIMEO:
        ob_duration_ms(&ob, p->sndtimeo_ms);
        break;
    case OPT_CONNECT_TIMEOUT:
        ob_duration_ms(&ob, p->connect_timeout_ms);
        break;
    case OPT_BACKLOG:
        ob_int(&ob, p->backlog);
        break;
    case OPT_COUNT:
        break;
    }
}
