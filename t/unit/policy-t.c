/*
 * policy-t.c — which options a socket gets, and how they are applied by
 * mode (lib/policy.c).
 *
 * policy_for_socket(): one configuration (a global option and a dozen
 * rules, read by config_load() as from the environment) against a table
 * of sockets in each role, port, address, family and program. Then
 * policy_same_items() and policy_backlog() by table, and policy_apply(),
 * policy_on_setsockopt() and policy_too_late() on real loopback sockets:
 * what the socket holds afterwards (getsockopt) and which events the log
 * file received.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/base/fdtab.h"
#include "lib/base/real.h"
#include "lib/config/configuration.h"
#include "lib/output/event.h"
#include "lib/output/log.h"
#include "lib/policy/policy.h"
#include "t/tap/basic.h"
#include "t/tap/logtail.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- configuration through a fake environment ---------------------------- */

static char log_path[256], log_setting[270], rules[2048];
static const char *global_nodelay, *mode;

static const char *fake_getenv(const char *name) {
    if (strcmp(name, "SOCKSHIM_LOG") == 0)
        return log_setting;
    if (strcmp(name, "SOCKSHIM_LOG_LEVEL") == 0)
        return "debug";
    if (strcmp(name, "SOCKSHIM_STACKS") == 0)
        return "off";
    if (strcmp(name, "SOCKSHIM_RULES") == 0)
        return rules[0] != '\0' ? rules : NULL;
    if (strcmp(name, "SOCKSHIM_NODELAY") == 0)
        return global_nodelay;
    if (strcmp(name, "SOCKSHIM_MODE") == 0)
        return mode;
    return NULL;
}

static int config_errors;

static void report_error(const char *where, const char *value,
                         const char *problem, const char *accepted) {
    config_errors++;
    diag("configuration: %s=%s: %s (%s)", where, value ? value : "", problem,
         accepted);
}

/* The whole configuration: MODE, SOCKSHIM_NODELAY=NODELAY (NULL: unset)
 * and SOCKSHIM_RULES=RULES. */
static void configure(const char *m, const char *nodelay, const char *r) {
    mode = m;
    global_nodelay = nodelay;
    snprintf(rules, sizeof rules, "%s", r);
    config_load(&config, fake_getenv, report_error);
    if (config_errors != 0)
        bail("the test's configuration has errors");
}

/* --- the log file -------------------------------------------------------- */

static long log_read_to;

/* The lines the log received since the last call. */
static const char *new_log_lines(void) {
    return log_tail(log_path, &log_read_to);
}

/* How many lines of TEXT are events of KIND holding every one of the
 * NULL-terminated strings after it. */
static int events(const char *text, const char *kind, ...) {
    char head[64];
    snprintf(head, sizeof head, ": %s fd=", kind);
    int count = 0;
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char copy[4096];
        snprintf(copy, sizeof copy, "%.*s", (int)len, line);
        int match = strstr(copy, head) != NULL;
        va_list ap;
        va_start(ap, kind);
        for (const char *s; match && (s = va_arg(ap, const char *)) != NULL;)
            match = strstr(copy, s) != NULL;
        va_end(ap);
        count += match;
        line += len + (end != NULL);
    }
    return count;
}

/* --- sockets the library tracks ------------------------------------------ */

/* A new socket, tracked as the socket() hook tracks one: the policy
 * reads its family and whether it is TCP from its slot. */
static int tracked_socket(int domain, int type) {
    int fd = socket(domain, type, 0);
    if (fd < 0)
        return -1;
    struct fd_slot *slot = fdtab_slot(fd);
    if (slot == NULL)
        bail("fdtab_slot(%d) failed", fd);
    uint32_t flags = FD_TRACKED | FD_CREATED;
    if ((domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM)
        flags |= FD_TCP;
    fdtab_set_flags(slot, 0);
    slot->family = (uint8_t)domain;
    slot->sock_type = (uint16_t)type;
    slot->role = ROLE_NONE;
    slot->app_set = slot->decided = slot->policy_set = 0;
    fdtab_set_flags(slot, flags);
    return fd;
}

static void untrack_close(int fd) {
    if (fd >= 0) {
        fdtab_clear(fd);
        close(fd);
    }
}

static struct sock_context context(int fd, int role) {
    struct sock_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.fd = fd;
    ctx.slot = fdtab_slot(fd);
    ctx.role = role;
    fdtab_set_role(ctx.slot, role);
    return ctx;
}

static struct sockaddr_storage address(const char *text, int port,
                                       socklen_t *len) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    struct sockaddr_un *un = (struct sockaddr_un *)&ss;
    if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)port);
        *len = sizeof *in;
    } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)port);
        *len = sizeof *in6;
    } else {
        un->sun_family = AF_UNIX;
        snprintf(un->sun_path, sizeof un->sun_path, "%s", text);
        *len = (socklen_t)sizeof *un;
    }
    return ss;
}

static int get_int(int fd, int level, int name) {
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) != 0)
        return -1;
    return v;
}

/* --- policy_for_socket --------------------------------------------------- */

/* A listener on 127.0.0.1, a connection accepted from it, and (where the
 * host has IPv6) a dual-stack listener with an IPv4 connection accepted:
 * its peer reads ::ffff:127.0.0.1. Ports are the kernel's choice. */
static int listener = -1, accepted = -1, client = -1;
static int listener6 = -1, accepted6 = -1, client6 = -1;
static int port, port6;

static int listen_on(int domain, const char *addr, int *out_port) {
    int fd = tracked_socket(domain, SOCK_STREAM);
    socklen_t len;
    struct sockaddr_storage ss = address(addr, 0, &len);
    int off = 0;
    if (fd < 0)
        return -1;
    if (domain == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 8) != 0) {
        untrack_close(fd);
        return -1;
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *out_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* Connect to 127.0.0.1:P and return the accepted end (tracked). */
static int accept_from(int lfd, int p, int *client_fd) {
    socklen_t len;
    struct sockaddr_storage ss = address("127.0.0.1", p, &len);
    *client_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (*client_fd < 0 || connect(*client_fd, (struct sockaddr *)&ss, len))
        bail("connect to 127.0.0.1:%d: %s", p, strerror(errno));
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        bail("accept: %s", strerror(errno));
    struct fd_slot *slot = fdtab_slot(fd);
    struct fd_slot *lslot = fdtab_slot(lfd);
    slot->family = lslot->family;
    slot->sock_type = SOCK_STREAM;
    slot->app_set = slot->decided = slot->policy_set = 0;
    fdtab_set_flags(slot, FD_TRACKED | FD_CREATED | FD_TCP);
    return fd;
}

enum kind { TCP4, TCP6, UDP4, UNIX_STREAM };

/* The options a socket gets. PORT stands for the listener's port, PORT6
 * for the dual-stack one's (in RULES and in the addresses). */
static const struct {
    const char *what;
    int role;
    enum kind kind;
    const char *addr; /* bind: local; connect: peer; NULL: the socket's */
    int port;         /* -1: PORT, -2: PORT6 */
    int fd_kind;      /* 0 fresh socket, 1 listener, 2 accepted, 3 listener6,
                         4 accepted6 */
    const char *want;
} socket_cases[] = {
    {"listener on 127.0.0.1:PORT", ROLE_LISTEN, TCP4, NULL, 0, 1,
     "reuseaddr=on nodelay=on backlog=4096"},
    {"bind() to 127.0.0.1:PORT: listen rules already match", ROLE_NONE, TCP4,
     "127.0.0.1", -1, 0, "reuseaddr=on nodelay=on backlog=4096"},
    {"bind() to 0.0.0.0:PORT: not addr=127.0.0.1", ROLE_NONE, TCP4, "0.0.0.0",
     -1, 0, "nodelay=on backlog=4096"},
    {"bind() to 127.0.0.1:1: not port=PORT", ROLE_NONE, TCP4, "127.0.0.1", 1, 0,
     "reuseaddr=on nodelay=on"},
    {"accepted on PORT from 127.0.0.1: local port, peer address", ROLE_ACCEPT,
     TCP4, NULL, 0, 2, "linger=5s keepalive=60 nodelay=on"},
    {"accepted on dual-stack PORT6 from ::ffff:127.0.0.1: matches "
     "127.0.0.0/8",
     ROLE_ACCEPT, TCP6, NULL, 0, 4, "reuseport=on keepalive=60 nodelay=on"},
    {"dual-stack listener on [::]:PORT6: no listen rule", ROLE_LISTEN, TCP6,
     NULL, 0, 3, "reuseport=on nodelay=on"},
    {"connect to 192.0.2.10:6379: later rules override option by option",
     ROLE_CONNECT, TCP4, "192.0.2.10", 6379, 0,
     "keepalive=off user_timeout=10s rcvtimeo=1s connect_timeout=2s "
     "nodelay=on"},
    {"connect to 198.51.100.1:26379: second port of the list", ROLE_CONNECT,
     TCP4, "198.51.100.1", 26379, 0,
     "keepalive=30:5:3 connect_timeout=2s nodelay=on"},
    {"connect to 198.51.100.1:80: only the proc= rule", ROLE_CONNECT, TCP4,
     "198.51.100.1", 80, 0, "connect_timeout=2s nodelay=on"},
    {"connect to [2001:db8::5]:80: IPv6 CIDR, family=inet6", ROLE_CONNECT, TCP6,
     "2001:db8::5", 80, 0,
     "reuseport=on rcvtimeo=1s connect_timeout=2s nodelay=on"},
    {"connect to [::ffff:192.0.2.9]:80: IPv4-mapped matches the IPv4 CIDR",
     ROLE_CONNECT, TCP6, "::ffff:192.0.2.9", 80, 0,
     "reuseport=on rcvtimeo=1s connect_timeout=2s nodelay=on"},
    {"connect to [2001:db9::5]:80: outside the IPv6 CIDR", ROLE_CONNECT, TCP6,
     "2001:db9::5", 80, 0, "reuseport=on connect_timeout=2s nodelay=on"},
    {"UDP to 192.0.2.10:6379: not TCP, no global, no TCP-only rules",
     ROLE_CONNECT, UDP4, "192.0.2.10", 6379, 0, ""},
    {"UNIX connect: only family=unix rules", ROLE_CONNECT, UNIX_STREAM,
     "/run/app.sock", 0, 0, "sndtimeo=2s"},
    {"UNIX accept: family=unix rules match any role", ROLE_ACCEPT, UNIX_STREAM,
     NULL, 0, 0, "sndtimeo=2s"},
};

static void test_policy_for_socket(void) {
    listener = listen_on(AF_INET, "127.0.0.1", &port);
    if (listener < 0)
        bail("IPv4 loopback listener: %s", strerror(errno));
    accepted = accept_from(listener, port, &client);
    listener6 = listen_on(AF_INET6, "::", &port6);
    if (listener6 >= 0)
        accepted6 = accept_from(listener6, port6, &client6);

    char r[1024];
    snprintf(r, sizeof r,
             "listen port=%d backlog=4096;"
             "accept port=%d linger=5;"
             "accept addr=127.0.0.0/8 keepalive=60;"
             "connect port=6379,26379 keepalive=30:5:3;"
             "connect port=6379 user_timeout=10s;"
             "connect addr=192.0.2.0/24,2001:db8::/32 rcvtimeo=1s;"
             "connect proc=%s connect_timeout=2s;"
             "connect proc=not-%s sndtimeo=9s;"
             "any family=unix sndtimeo=2s;"
             "any family=inet6 reuseport=on;"
             "connect port=6379 keepalive=off;"
             "listen addr=127.0.0.1 reuseaddr=on",
             port, port, program_invocation_short_name,
             program_invocation_short_name);
    configure(NULL, "on", r);

    for (size_t i = 0; i < ARRAY_SIZE(socket_cases); i++) {
        int fd, own = 0;
        switch (socket_cases[i].fd_kind) {
        case 1:
            fd = listener;
            break;
        case 2:
            fd = accepted;
            break;
        case 3:
            fd = listener6;
            break;
        case 4:
            fd = accepted6;
            break;
        default:
            own = 1;
            fd = tracked_socket(socket_cases[i].kind == TCP6          ? AF_INET6
                                : socket_cases[i].kind == UNIX_STREAM ? AF_UNIX
                                                                      : AF_INET,
                                socket_cases[i].kind == UDP4 ? SOCK_DGRAM
                                                             : SOCK_STREAM);
        }
        if (fd < 0) {
            ok(1, "%s # SKIP no such socket here (IPv6?)",
               socket_cases[i].what);
            continue;
        }
        struct sock_context ctx = context(fd, socket_cases[i].role);
        socklen_t len = 0;
        struct sockaddr_storage ss;
        if (socket_cases[i].addr != NULL) {
            int p = socket_cases[i].port == -1   ? port
                    : socket_cases[i].port == -2 ? port6
                                                 : socket_cases[i].port;
            ss = address(socket_cases[i].addr, p, &len);
            if (socket_cases[i].role == ROLE_NONE) {
                ctx.local = (struct sockaddr *)&ss;
                ctx.local_len = len;
            } else {
                ctx.peer = (struct sockaddr *)&ss;
                ctx.peer_len = len;
            }
        }
        struct policy p;
        char seen[256];
        policy_for_socket(&ctx, &p);
        policy_format_options(&p, seen, sizeof seen);
        is_string(socket_cases[i].want, seen, "%s", socket_cases[i].what);
        if (own)
            untrack_close(fd);
    }

    /* Without rules: the global options, TCP sockets only. */
    configure(NULL, "on", "");
    int tcp = tracked_socket(AF_INET, SOCK_STREAM);
    int udp = tracked_socket(AF_INET, SOCK_DGRAM);
    struct sock_context ctx = context(tcp, ROLE_CONNECT);
    struct policy p;
    char seen[256];
    policy_for_socket(&ctx, &p);
    policy_format_options(&p, seen, sizeof seen);
    is_string("nodelay=on", seen,
              "no rules: a TCP socket gets the global "
              "options");
    ctx = context(udp, ROLE_CONNECT);
    policy_for_socket(&ctx, &p);
    policy_format_options(&p, seen, sizeof seen);
    is_string("", seen, "no rules: a UDP socket gets nothing");
    untrack_close(tcp);
    untrack_close(udp);
}

/* --- policy_same_items --------------------------------------------------- */

/* The policy written as "key=value ..." (the notation of rules). */
static struct policy policy_from(const char *text) {
    struct policy p;
    memset(&p, 0, sizeof p);
    p.linger_secs = -1;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", text);
    for (char *save = NULL, *term = strtok_r(copy, " ", &save); term != NULL;
         term = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(term, '=');
        if (eq == NULL)
            bail("bad term in the test: %s", term);
        *eq = '\0';
        enum policy_option opt = option_by_key(term);
        if (opt == OPT_COUNT || option_descs[opt].parse(eq + 1, &p) != 0)
            bail("bad option in the test: %s=%s", term, eq + 1);
    }
    return p;
}

static const char *item_names(uint16_t items) {
    static char buf[256];
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < ITEM_COUNT; i++)
        if (items & ITEM_BIT(i))
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", o ? " " : "",
                                  item_descs[i].name);
    return buf;
}

static void test_same_items(void) {
    static const struct {
        const char *a, *b;
        uint16_t items;
        const char *want;
    } cases[] = {
        {"keepalive=60:10:5", "keepalive=60:10:5", ITEMS_ALL,
         "SO_KEEPALIVE TCP_KEEPIDLE TCP_KEEPINTVL TCP_KEEPCNT"},
        {"keepalive=60", "keepalive=60:10:5", ITEMS_ALL,
         "SO_KEEPALIVE TCP_KEEPIDLE"},
        {"keepalive=off", "keepalive=on", ITEMS_ALL, ""},
        {"keepalive=60:10:5", "keepalive=61:10:5", ITEMS_ALL,
         "SO_KEEPALIVE TCP_KEEPINTVL TCP_KEEPCNT"},
        {"linger=5", "linger=6", ITEMS_ALL, ""},
        {"linger=off", "linger=off", ITEMS_ALL, "SO_LINGER"},
        {"linger=0", "linger=off", ITEMS_ALL, ""},
        {"nodelay=on reuseaddr=on", "nodelay=on reuseaddr=off", ITEMS_ALL,
         "TCP_NODELAY"},
        {"nodelay=on reuseaddr=on", "reuseaddr=on nodelay=on",
         ITEMS_BEFORE_BIND, "SO_REUSEADDR"},
        {"rcvtimeo=1500ms sndtimeo=2s", "rcvtimeo=1500ms sndtimeo=3s",
         ITEMS_ALL, "SO_RCVTIMEO"},
        {"rcvtimeo=1s", "sndtimeo=1s", ITEMS_ALL, ""},
        {"user_timeout=10s", "user_timeout=10000ms", ITEMS_ALL,
         "TCP_USER_TIMEOUT"},
        {"backlog=10 connect_timeout=2s", "backlog=10 connect_timeout=2s",
         ITEMS_ALL, ""},
        {"nodelay=on", "", ITEMS_ALL, ""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct policy a = policy_from(cases[i].a), b = policy_from(cases[i].b);
        is_string(cases[i].want,
                  item_names(policy_same_items(&a, &b, cases[i].items)),
                  "same items of '%s' and '%s'%s", cases[i].a, cases[i].b,
                  cases[i].items == ITEMS_ALL ? "" : " (reuse options only)");
    }
}

/* --- policy_backlog ------------------------------------------------------ */

static void test_backlog(void) {
    static const struct {
        const char *mode, *options;
        int requested, want;
    } cases[] = {
        {"enforce", "backlog=4096", 128, 4096},
        {"force", "backlog=4096", 128, 4096},
        {"enforce", "backlog=16", 1024, 16}, /* lowered too */
        {"audit", "backlog=4096", 128, 128}, /* audit changes nothing */
        {"enforce", "nodelay=on", 128, 128},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        configure(cases[i].mode, NULL, "");
        struct policy p = policy_from(cases[i].options);
        is_int(cases[i].want, policy_backlog(&p, cases[i].requested),
               "listen(%d) with %s in %s mode: the kernel gets %d",
               cases[i].requested, cases[i].options, cases[i].mode,
               cases[i].want);
    }
}

/* --- applying, by mode --------------------------------------------------- */

static void test_apply(void) {
    const int one = 1, zero = 0;
    struct policy p;
    struct sock_context ctx;
    const char *log;

    /* enforce: every item set; one policy event saying what. The policy
     * is the configuration's (a later setsockopt() looks it up again). */
    configure("enforce", "on", "connect keepalive=60:10:5");
    new_log_lines();
    int fd = tracked_socket(AF_INET, SOCK_STREAM);
    ctx = context(fd, ROLE_CONNECT);
    policy_for_socket(&ctx, &p);
    errno = EAGAIN;
    policy_apply(&ctx, &p, ITEMS_ALL);
    int kept_errno = errno;
    char seen[128];
    snprintf(seen, sizeof seen, "%d %d %d %d %d",
             get_int(fd, SOL_SOCKET, SO_KEEPALIVE),
             get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE),
             get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL),
             get_int(fd, IPPROTO_TCP, TCP_KEEPCNT),
             get_int(fd, IPPROTO_TCP, TCP_NODELAY));
    is_string("1 60 10 5 1", seen,
              "enforce: the socket holds keepalive "
              "60:10:5 and nodelay");
    log = new_log_lines();
    if (!is_int(1,
                events(log, "policy", "SO_KEEPALIVE=on", "TCP_KEEPIDLE=60s",
                       "TCP_KEEPCNT=5", "TCP_NODELAY=on", NULL),
                "enforce: one policy event naming every item set"))
        diag("log: %s", log);
    is_int(EAGAIN, kept_errno, "policy_apply leaves errno as it was");

    /* Each item is decided once per socket: a second pass does nothing. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &zero, sizeof zero);
    policy_apply(&ctx, &p, ITEMS_ALL);
    log = new_log_lines();
    ok(get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 0 && log[0] == '\0',
       "applied again: nothing set, nothing logged");

    /* After the moment: the program's setsockopt() stands in enforce
     * mode, and is reported. */
    int rc = policy_on_setsockopt(&ctx, IPPROTO_TCP, TCP_NODELAY, &zero,
                                  sizeof zero);
    log = new_log_lines();
    if (!ok(rc == 0 && get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 0 &&
                events(log, "app_override", "sockopt=TCP_NODELAY", "policy=on",
                       "app=off", "action=kept", NULL) == 1,
            "enforce: the program's later nodelay=off is kept and reported"))
        diag("log: %s", log);
    /* An option the policy does not set passes through silently. */
    rc = policy_on_setsockopt(&ctx, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    log = new_log_lines();
    ok(rc == 0 && get_int(fd, SOL_SOCKET, SO_BROADCAST) == 1 && log[0] == '\0',
       "an option outside the policy passes through, unreported");
    /* A call the kernel refuses fails for the program as without us. */
    errno = 0;
    rc = policy_on_setsockopt(&ctx, IPPROTO_TCP, TCP_NODELAY, &one, 1);
    int err = errno;
    log = new_log_lines();
    ok(rc == -1 && err == EINVAL && log[0] == '\0',
       "the program's invalid setsockopt() fails with EINVAL, unreported");
    untrack_close(fd);

    /* force: the program's later value is replaced by the policy's. */
    configure("force", "on", "connect keepalive=60:10:5");
    fd = tracked_socket(AF_INET, SOCK_STREAM);
    ctx = context(fd, ROLE_CONNECT);
    policy_for_socket(&ctx, &p);
    policy_apply(&ctx, &p, ITEMS_ALL);
    new_log_lines();
    rc = policy_on_setsockopt(&ctx, IPPROTO_TCP, TCP_NODELAY, &zero,
                              sizeof zero);
    log = new_log_lines();
    if (!ok(rc == 0 && get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 1 &&
                events(log, "app_override", "sockopt=TCP_NODELAY", "policy=on",
                       "app=off", "action=overridden", NULL) == 1,
            "force: the program's later nodelay=off is replaced, and "
            "reported"))
        diag("log: %s", log);
    untrack_close(fd);

    /* The program set nodelay before the policy's moment: enforce
     * respects it, force overrides it; both say so. */
    static const struct {
        const char *mode, *action;
        int want;
    } earlier[] = {{"enforce", "action=kept", 0},
                   {"force", "action=overridden", 1}};
    struct policy nodelay = policy_from("nodelay=on");
    for (size_t i = 0; i < ARRAY_SIZE(earlier); i++) {
        configure(earlier[i].mode, "on", "");
        fd = tracked_socket(AF_INET, SOCK_STREAM);
        ctx = context(fd, ROLE_NONE);
        new_log_lines();
        policy_on_setsockopt(&ctx, IPPROTO_TCP, TCP_NODELAY, &zero,
                             sizeof zero);
        ctx = context(fd, ROLE_CONNECT);
        policy_apply(&ctx, &nodelay, ITEMS_ALL);
        log = new_log_lines();
        if (!ok(get_int(fd, IPPROTO_TCP, TCP_NODELAY) == earlier[i].want &&
                    events(log, "app_override", "sockopt=TCP_NODELAY",
                           earlier[i].action, NULL) == 1,
                "%s: the program's earlier nodelay=off is %s", earlier[i].mode,
                earlier[i].want ? "replaced" : "kept"))
            diag("log: %s", log);
        untrack_close(fd);
    }

    /* audit: the socket is left alone; each item is reported with the
     * value it would get and the one it has. */
    configure("audit", "on", "connect keepalive=60:10:5");
    fd = tracked_socket(AF_INET, SOCK_STREAM);
    ctx = context(fd, ROLE_CONNECT);
    policy_for_socket(&ctx, &p);
    new_log_lines();
    policy_apply(&ctx, &p, ITEMS_ALL);
    log = new_log_lines();
    ok(get_int(fd, SOL_SOCKET, SO_KEEPALIVE) == 0 &&
           get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 0,
       "audit: the socket keeps its own values");
    if (!ok(events(log, "would_apply", NULL) == 5 &&
                events(log, "would_apply", "sockopt=TCP_KEEPIDLE", "value=60s",
                       "current=", NULL) == 1 &&
                events(log, "would_apply", "sockopt=TCP_NODELAY", "value=on",
                       "current=off", NULL) == 1 &&
                events(log, "policy", NULL) == 0,
            "audit: one would_apply event per item, with value and current"))
        diag("log: %s", log);
    untrack_close(fd);

    /* The backlog at listen(): reported with the program's own. */
    static const struct {
        const char *mode, *kind, *value, *asked;
    } backlog[] = {{"enforce", "policy", "backlog=4096", "app_backlog=128"},
                   {"audit", "would_apply", "value=4096", "current=128"}};
    struct policy bl = policy_from("backlog=4096");
    for (size_t i = 0; i < ARRAY_SIZE(backlog); i++) {
        configure(backlog[i].mode, NULL, "");
        fd = tracked_socket(AF_INET, SOCK_STREAM);
        ctx = context(fd, ROLE_LISTEN);
        ctx.at_listen = 1;
        ctx.backlog_asked = 128;
        new_log_lines();
        policy_apply(&ctx, &bl, ITEMS_ALL);
        log = new_log_lines();
        if (!is_int(1,
                    events(log, backlog[i].kind, backlog[i].value,
                           backlog[i].asked, NULL),
                    "%s: listen(128) under backlog=4096 is reported as %s",
                    backlog[i].mode, backlog[i].kind))
            diag("log: %s", log);
        untrack_close(fd);
    }
}

/* What the kernel refuses, and what comes too late. */
static void test_failures(void) {
    configure("enforce", NULL, "");

    /* TCP's keepalive timers on a UNIX socket: refused; reported with
     * the errno, the other items still set, the program's errno kept. */
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
        bail("socketpair: %s", strerror(errno));
    struct fd_slot *slot = fdtab_slot(pair[0]);
    slot->family = AF_UNIX;
    slot->sock_type = SOCK_STREAM;
    slot->app_set = slot->decided = slot->policy_set = 0;
    fdtab_set_flags(slot, FD_TRACKED | FD_CREATED);
    struct sock_context ctx = context(pair[0], ROLE_CONNECT);
    struct policy p = policy_from("keepalive=60 sndtimeo=2s");
    new_log_lines();
    errno = ENOENT;
    policy_apply(&ctx, &p, ITEMS_ALL);
    int kept_errno = errno;
    const char *log = new_log_lines();
    struct timeval tv = {0, 0};
    socklen_t len = sizeof tv;
    getsockopt(pair[0], SOL_SOCKET, SO_SNDTIMEO, &tv, &len);
    if (!ok(events(log, "policy_failed", "sockopt=TCP_KEEPIDLE", "value=60s",
                   "errno=EOPNOTSUPP", NULL) == 1 &&
                events(log, "policy", "SO_SNDTIMEO=2s", NULL) == 1 &&
                tv.tv_sec == 2,
            "TCP_KEEPIDLE on a UNIX socket: policy_failed with errno; "
            "the other items still set"))
        diag("log: %s", log);
    is_int(ENOENT, kept_errno, "a refused item leaves errno as it was");
    fdtab_clear(pair[0]);
    close(pair[0]);
    close(pair[1]);

    /* Reuse options of a socket bound before its rule could match. */
    int fd = tracked_socket(AF_INET, SOCK_STREAM);
    socklen_t alen;
    struct sockaddr_storage ss = address("127.0.0.1", 0, &alen);
    if (bind(fd, (struct sockaddr *)&ss, alen) != 0)
        bail("bind: %s", strerror(errno));
    ctx = context(fd, ROLE_LISTEN);
    p = policy_from("reuseaddr=on nodelay=on");
    new_log_lines();
    policy_too_late(&ctx, &p, ITEMS_BEFORE_BIND);
    policy_apply(&ctx, &p, ITEMS_ALL);
    log = new_log_lines();
    if (!ok(get_int(fd, SOL_SOCKET, SO_REUSEADDR) == 0 &&
                get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 1 &&
                events(log, "policy_failed", "sockopt=SO_REUSEADDR",
                       "reason=too_late", NULL) == 1 &&
                events(log, "policy", "TCP_NODELAY=on", NULL) == 1 &&
                events(log, "policy", "SO_REUSEADDR", NULL) == 0,
            "reuseaddr after bind(): too_late, not set later; nodelay "
            "still applied"))
        diag("log: %s", log);
    untrack_close(fd);

    /* force, and the kernel refuses the policy's value over the program's
     * own successful setsockopt(): the program still sees its success,
     * with errno untouched; the socket keeps the program's value and the
     * log says policy_failed. A validated configuration cannot hold such
     * a value; the rule is changed behind the parser's back. */
    configure("force", NULL, "connect keepalive=60:10:5");
    fd = tracked_socket(AF_INET, SOCK_STREAM);
    ctx = context(fd, ROLE_CONNECT);
    policy_for_socket(&ctx, &p);
    policy_apply(&ctx, &p, ITEMS_ALL);
    config.rules[0].policy.keep_idle = 40000; /* over the kernel's 32767 */
    new_log_lines();
    int idle = 100;
    errno = ENOENT;
    int rc = policy_on_setsockopt(&ctx, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
                                  sizeof idle);
    int seen_errno = errno;
    log = new_log_lines();
    if (!ok(rc == 0 && seen_errno == ENOENT &&
                get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 100 &&
                events(log, "policy_failed", "sockopt=TCP_KEEPIDLE",
                       "errno=EINVAL", NULL) == 1 &&
                events(log, "app_override", NULL) == 0,
            "force, the kernel refusing the policy's value: the program's "
            "setsockopt() returns 0, errno untouched, policy_failed"))
        diag("rc=%d errno=%s idle=%d log: %s", rc, strerror(seen_errno),
             get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE), log);
    untrack_close(fd);
}

int main(void) {
    plan((int)ARRAY_SIZE(socket_cases) + 2 + 14 + 5 + 14 + 4);
    real_resolve_all();

    const char *tmp = getenv("TMPDIR");
    snprintf(log_path, sizeof log_path, "%s/policy-t-%d.log",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp", (int)getpid());
    snprintf(log_setting, sizeof log_setting, "file:%s", log_path);
    unlink(log_path);
    configure(NULL, NULL, "");
    log_configure(&config.log);
    event_configure(config.diag.checks, config.log.level, config.log.format);

    test_policy_for_socket();
    test_same_items();
    test_backlog();
    test_apply();
    test_failures();

    untrack_close(accepted);
    untrack_close(listener);
    untrack_close(accepted6);
    untrack_close(listener6);
    if (client >= 0)
        close(client);
    if (client6 >= 0)
        close(client6);
    unlink(log_path);
    return 0;
}
