/*
 * scan-t.c — the CLOSE_WAIT scan (scan_pass) finds the same
 * sockets whichever way it asks the kernel: poll() over the process's own
 * connections (up to POLL_SCAN_MAX = 4096 of them) or the sock_diag dump
 * (more). Real loopback connections made through the library's hooks;
 * the scan thread is not started (SOCKSHIM_SCAN=0): passes are called
 * directly.
 *
 * Not CLOSE_WAIT, and so never counted: a connection reset by its peer
 * (SO_LINGER {1,0}), one the program shut down for reading itself
 * (poll() says "read side closed" for both), and open connections.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/base/clock.h"
#include "lib/base/fdtab.h"
#include "lib/base/real.h"
#include "lib/config/configuration.h"
#include "lib/diagnose/checks.h"
#include "lib/diagnose/scan.h"
#include "lib/diagnose/sockdiag.h"
#include "lib/interpose/hooks.h"
#include "lib/output/event.h"
#include "lib/output/log.h"
#include "t/tap/basic.h"

#define MANY 4200 /* pairs: more connections than POLL_SCAN_MAX */

static char log_dest[300];

static const char *table_getenv(const char *name) {
    if (strcmp(name, "SOCKSHIM_LOG") == 0)
        return log_dest;
    if (strcmp(name, "SOCKSHIM_SCAN") == 0)
        return "0";
    if (strcmp(name, "SOCKSHIM_STACKS") == 0)
        return "off";
    return NULL;
}

static void report_error(const char *where, const char *value,
                         const char *problem, const char *accepted) {
    diag("configuration: %s=%s: %s (%s)", where, value ? value : "", problem,
         accepted ? accepted : "");
}

static struct sockaddr_in listen_addr;
static int listener;

/* A connected pair through the hooks: *client, returns the accepted end. */
static int pair(int *client) {
    *client = hook_socket(AF_INET, SOCK_STREAM, 0);
    if (*client < 0 || hook_connect(*client, (struct sockaddr *)&listen_addr,
                                    sizeof listen_addr) != 0)
        bail("connect: %s", strerror(errno));
    int server = hook_accept(listener, NULL, NULL);
    if (server < 0)
        bail("accept: %s", strerror(errno));
    return server;
}

static int peer_closed(int fd) {
    return (fdtab_flags(fdtab_peek(fd)) & FD_PEER_CLOSED) != 0;
}

/* Close FD with SO_LINGER {1,0}: no TIME_WAIT left behind (thousands
 * of them would slow every later dump on this host for a minute). */
static void close_abortively(int fd) {
    struct linger abort_close = {1, 0};
    real_setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
                    sizeof abort_close);
    hook_close(fd);
}

/* Why the dump-path checks cannot run here, or NULL. */
static const char *dump_unavailable(void) {
    static char why[160];
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
        rl.rlim_cur < (rlim_t)(2 * MANY + 300)) {
        snprintf(why, sizeof why,
                 "RLIMIT_NOFILE is %lu here, the dump path "
                 "needs %d descriptors",
                 (unsigned long)rl.rlim_cur, 2 * MANY + 300);
        return why;
    }
    int nl = sockdiag_open();
    if (nl < 0)
        return "no sock_diag netlink here";
    real_close(nl);
    return NULL;
}

int main(void) {
    plan(13);
    const char *no_dump = dump_unavailable();
    const char *tmp = getenv("TMPDIR");
    snprintf(log_dest, sizeof log_dest, "file:%s/sockshim-leaks-t-%d.log",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp", (int)getpid());

    real_resolve_all();
    config_defaults(&config);
    config_load(&config, table_getenv, report_error);
    log_configure(&config.log);
    event_configure(config.diag.checks, config.log.level, config.log.format);
    clock_init();
    scan_init();
    checks_init();

    memset(&listen_addr, 0, sizeof listen_addr);
    listen_addr.sin_family = AF_INET;
    listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof listen_addr;
    listener = hook_socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 ||
        hook_bind(listener, (struct sockaddr *)&listen_addr,
                  sizeof listen_addr) != 0 ||
        hook_listen(listener, 4096) != 0 ||
        getsockname(listener, (struct sockaddr *)&listen_addr, &len) != 0)
        bail("listener: %s", strerror(errno));

    /* --- few connections: the poll() path ----------------------------- */
    int client[16], server[16];
    for (int i = 0; i < 16; i++)
        server[i] = pair(&client[i]);
    for (int i = 0; i < 5; i++) /* 5 peers close: CLOSE_WAIT */
        hook_close(client[i]);
    struct linger abort_close = {1, 0}; /* 1 peer resets: not CLOSE_WAIT */
    real_setsockopt(client[5], SOL_SOCKET, SO_LINGER, &abort_close,
                    sizeof abort_close);
    hook_close(client[5]);
    hook_shutdown(server[6], SHUT_RD); /* read side closed by us */
    usleep(100000);
    is_int(5, scan_pass(),
           "poll path: the first pass finds the 5 "
           "connections in CLOSE_WAIT");
    is_string("poll", scan_way(), "16 connections: poll(), no dump");
    int marked = 0, wrong = 0;
    for (int i = 0; i < 16; i++) {
        if (peer_closed(server[i]))
            (i < 5 ? marked++ : wrong++);
    }
    is_int(5, marked,
           "poll path: the 5 connections whose peer closed are "
           "marked peer-closed");
    is_int(0, wrong,
           "poll path: not the reset one, the SHUT_RD one or the "
           "open ones");
    is_int(5, scan_pass(), "poll path: a second pass counts 5");

    /* --- many connections: the dump path -------------------------------- */
    if (no_dump != NULL) {
        for (int i = 0; i < 8; i++)
            ok(1, "dump path # SKIP %s", no_dump);
        return 0;
    }
    static int many_client[MANY], many_server[MANY];
    for (int i = 0; i < MANY; i++)
        many_server[i] = pair(&many_client[i]);
    for (int i = 0; i < 7; i++)
        hook_close(many_client[i * 500]);
    usleep(100000);
    long found = scan_pass();
    is_string("dump", scan_way(), "%d connections: the dump", 2 * MANY);
    int many_marked = 0, many_wrong = 0;
    for (int i = 0; i < MANY; i++) {
        if (peer_closed(many_server[i]))
            (i % 500 == 0 && i / 500 < 7 ? many_marked++ : many_wrong++);
    }
    is_int(7, many_marked,
           "dump path (%d connections): the 7 new "
           "CLOSE_WAIT connections are marked",
           2 * MANY);
    is_int(0, many_wrong, "dump path: no other connection is marked");
    is_int(12, found, "dump path: the pass counts 12 (5 + 7)");
    ok(!peer_closed(server[5]) && !peer_closed(server[6]),
       "dump path: still not the reset one nor the SHUT_RD one");

    /* Back under the limit: poll() again, and it finds a new one. */
    for (int i = 100; i < MANY; i++) {
        if (i % 500 == 0 && i / 500 < 7)
            continue; /* the CLOSE_WAIT ones stay */
        close_abortively(many_client[i]);
        close_abortively(many_server[i]);
    }
    hook_close(many_client[50]);
    usleep(100000);
    is_int(13, scan_pass(),
           "poll path again after closing most: "
           "12 + 1 new");
    is_string("poll", scan_way(), "and it was poll() again");
    ok(peer_closed(many_server[50]), "the new one is marked peer-closed");
    for (int i = 0; i < 100; i++)
        close_abortively(many_server[i]);
    char path[300];
    snprintf(path, sizeof path, "%s", log_dest + 5);
    unlink(path);
    return 0;
}
