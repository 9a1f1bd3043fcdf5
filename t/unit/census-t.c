/*
 * census-t.c — the open sockets counted by creation stack
 * (lib/diagnose/census.h): what each socket counts as, the order of the
 * groups, the eight shown and the rest summed, growth from one report
 * to the next (and not from a census that was not reported), the
 * signature that tells a change, the try-lock, the descriptor count, and
 * the event built from it, in JSON.
 *
 * The fd table's slots are filled here directly, at numbers far above
 * any descriptor this process has: a census taken as the scan last saw
 * the sockets only reads the table. Stacks are stored with stack_store()
 * from addresses of this program's functions, so that frames have names.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/base/clock.h"
#include "lib/base/fdtab.h"
#include "lib/base/real.h"
#include "lib/config/configuration.h"
#include "lib/diagnose/census.h"
#include "lib/output/event.h"
#include "lib/output/log.h"
#include "lib/output/stack.h"
#include "t/tap/basic.h"

static char log_path[256], log_setting[270];

static const char *fake_getenv(const char *name) {
    if (strcmp(name, "SOCKSHIM_LOG") == 0)
        return log_setting;
    if (strcmp(name, "SOCKSHIM_LOG_LEVEL") == 0)
        return "info";
    if (strcmp(name, "SOCKSHIM_LOG_FORMAT") == 0)
        return "json";
    if (strcmp(name, "SOCKSHIM_CLOSE_WAIT") == 0)
        return "1s";
    return NULL;
}

static void report_error(const char *where, const char *value,
                         const char *problem, const char *accepted) {
    bail("the test's configuration has an error: %s=%s: %s (%s)", where,
         value ? value : "", problem, accepted);
}

/* --- sockets in the table ------------------------------------------------ */

/* Slots from here up: no descriptor of this process is that high. */
#define FIRST_FD 100000
static int next_fd = FIRST_FD;

enum state { ESTABLISHED, CLOSE_WAIT_NEW, CLOSE_WAIT_OLD, LISTENING, UDP };

/* A socket created at STACK, in STATE, with ROLE. Returns its number. */
static int add_socket(uint32_t stack, enum state state, int role) {
    int fd = next_fd++;
    struct fd_slot *slot = fdtab_slot(fd);
    if (slot == NULL)
        bail("no slot for %d", fd);
    uint32_t flags = FD_TRACKED | FD_CREATED;
    if (state != UDP)
        flags |= FD_TCP;
    if (state == LISTENING)
        flags |= FD_BOUND | FD_LISTENING;
    uint32_t now = clock_now_ms();
    if (state == CLOSE_WAIT_NEW || state == CLOSE_WAIT_OLD) {
        flags |= FD_PEER_CLOSED;
        /* Old: the peer closed 5 s ago, past the 1 s threshold. */
        slot->eof_ms = state == CLOSE_WAIT_OLD ? now - 5000 : now;
    }
    slot->gen++;
    slot->family = AF_INET;
    slot->sock_type = state == UDP ? SOCK_DGRAM : SOCK_STREAM;
    slot->role = (uint8_t)role;
    slot->create_stack = stack;
    slot->seen_ms = now - 2000;
    fdtab_set_flags(slot, flags);
    return fd;
}

static void drop_socket(int fd) { fdtab_clear(fd); }

static void drop_all(void) {
    for (int fd = FIRST_FD; fd < next_fd; fd++)
        fdtab_clear(fd);
    next_fd = FIRST_FD;
}

/* --- stacks with names --------------------------------------------------- */

#define STACKS 12
static uint32_t stacks[STACKS];

static void store_stacks(void) {
    for (int i = 0; i < STACKS; i++) {
        /* Distinct addresses inside this program: main, and past it. */
        uintptr_t ips[2] = {(uintptr_t)&add_socket + 1 + (uintptr_t)i,
                            (uintptr_t)&store_stacks + 1};
        stacks[i] = stack_store(ips, 2);
        if (stacks[i] == 0)
            bail("stack_store failed");
    }
}

/* The group of C created at STACK, or NULL. */
static const struct census_group *group_of(const struct census *c,
                                           uint32_t stack) {
    for (int i = 0; i < c->group_count; i++)
        if (c->groups[i].stack == stack &&
            !(c->has_other && i == c->group_count - 1))
            return &c->groups[i];
    return NULL;
}

static int take(struct census *c) {
    if (!census_take(c, CENSUS_AS_SCANNED))
        bail("census_take refused with no census in progress");
    return 1;
}

/* --- the tests ----------------------------------------------------------- */

static void test_empty(void) {
    struct census c;
    take(&c);
    is_int(0, (long long)c.sockets, "an empty table: no sockets");
    is_int(0, c.group_count, "and no groups");
    census_release(&c, 1);
}

static void test_states_and_order(void) {
    for (int i = 0; i < 5; i++)
        add_socket(stacks[0], ESTABLISHED, ROLE_ACCEPT);
    add_socket(stacks[1], CLOSE_WAIT_OLD, ROLE_ACCEPT);
    add_socket(stacks[1], CLOSE_WAIT_NEW, ROLE_CONNECT);
    add_socket(stacks[2], LISTENING, ROLE_LISTEN);
    add_socket(stacks[3], UDP, ROLE_NONE);
    struct census c;
    take(&c);
    is_int(9, (long long)c.sockets, "9 sockets counted");
    is_int(2, (long long)c.close_wait, "2 in CLOSE_WAIT");
    is_int(1, (long long)c.close_wait_due, "1 of them past the threshold");
    is_int(4, c.group_count, "4 stacks, 4 groups, no other group");
    ok(!c.has_other, "no other group");
    ok(c.group_count == 4 && c.groups[0].stack == stacks[1],
       "the group with sockets in CLOSE_WAIT comes first");
    ok(c.group_count == 4 && c.groups[1].stack == stacks[0],
       "then the largest");
    const struct census_group *g = group_of(&c, stacks[1]);
    ok(g != NULL && g->count == 2 && g->close_wait == 2 &&
           g->close_wait_due == 1 && g->established == 0,
       "close_wait group: 2, both in CLOSE_WAIT, 1 due");
    ok(g != NULL && g->roles == ((1u << ROLE_ACCEPT) | (1u << ROLE_CONNECT)),
       "its roles: accept and connect");
    g = group_of(&c, stacks[0]);
    ok(g != NULL && g->count == 5 && g->established == 5 && g->growth == 5,
       "established group: 5, growth 5 from nothing");
    g = group_of(&c, stacks[2]);
    ok(g != NULL && g->listen == 1 && g->count == 1, "listener: listen 1");
    g = group_of(&c, stacks[3]);
    ok(g != NULL && g->other == 1 && g->count == 1, "UDP socket: other 1");
    g = group_of(&c, stacks[0]);
    ok(g != NULL && g->oldest_seen != 0 &&
           (int32_t)(c.now - g->oldest_seen) >= 2000,
       "oldest: seen 2 s ago");
    long long sum = 0;
    for (int i = 0; i < c.group_count; i++)
        sum += c.groups[i].established + c.groups[i].close_wait +
               c.groups[i].listen + c.groups[i].other;
    is_int(9, sum, "the four states add up to the sockets");
    census_release(&c, 1);
}

static void test_growth(void) {
    /* After the report above: 3 more from stack 0, one fewer from 1. */
    for (int i = 0; i < 3; i++)
        add_socket(stacks[0], ESTABLISHED, ROLE_ACCEPT);
    drop_socket(FIRST_FD + 5);
    struct census c;
    take(&c);
    const struct census_group *g0 = group_of(&c, stacks[0]);
    const struct census_group *g1 = group_of(&c, stacks[1]);
    ok(g0 != NULL && g0->growth == 3, "growth +3 since the last report");
    ok(g1 != NULL && g1->growth == -1, "growth -1 where one was closed");
    census_release(&c, 0);
    take(&c);
    g0 = group_of(&c, stacks[0]);
    ok(g0 != NULL && g0->growth == 3,
       "a census not reported leaves the baseline where it was");
    census_release(&c, 1);
    take(&c);
    g0 = group_of(&c, stacks[0]);
    ok(g0 != NULL && g0->growth == 0, "after a report: flat, growth 0");
    uint64_t before = c.signature;
    census_release(&c, 1);
    take(&c);
    is_int((long long)before, (long long)c.signature,
           "nothing changed: the same signature");
    census_release(&c, 1);
    struct fd_slot *slot = fdtab_peek(FIRST_FD);
    fdtab_add_flags(slot, FD_PEER_CLOSED);
    take(&c);
    ok(c.signature != before, "a socket whose peer closed: another one");
    census_release(&c, 1);
}

static void test_other_group(void) {
    drop_all();
    /* Stack i gets i + 1 sockets: the 8 largest shown, 4 summed. */
    for (int i = 0; i < STACKS; i++)
        for (int j = 0; j <= i; j++)
            add_socket(stacks[i], ESTABLISHED, ROLE_ACCEPT);
    struct census c;
    take(&c);
    is_int(CENSUS_GROUPS_SHOWN + 1, c.group_count,
           "12 stacks: 8 groups shown and the other");
    ok(c.has_other, "the last one is the other group");
    ok(c.groups[0].stack == stacks[STACKS - 1] && c.groups[0].count == 12,
       "the largest first");
    const struct census_group *rest = &c.groups[c.group_count - 1];
    is_int(1 + 2 + 3 + 4, rest->count, "the other group sums the 4 smallest");
    long long growth = 0;
    for (int i = 0; i < c.group_count; i++)
        growth += c.groups[i].growth;
    /* 11 sockets at the last report (9, 3 more, 1 fewer). */
    is_int((long long)c.sockets - 11, growth,
           "growths add up to the change in sockets since the last report");
    census_release(&c, 1);
}

static void test_lock_and_count(void) {
    struct census c, d;
    take(&c);
    ok(!census_take(&d, CENSUS_AS_SCANNED), "a second census is refused");
    is_int(-1, census_count_fds(64), "and so is a count of descriptors");
    census_release(&c, 0);
    ok(census_take(&d, CENSUS_AS_SCANNED), "once released, taken again");
    census_release(&d, 0);

    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        bail("/proc/self/fd: %s", strerror(errno));
    long entries = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        entries += e->d_name[0] != '.';
    /* The directory's own descriptor is among them, still open. */
    long counted = census_count_fds(census_fd_limit());
    closedir(dir);
    is_int(entries, counted, "descriptors counted with poll(): as /proc");
    int extra = dup(2);
    is_int(entries, census_count_fds(census_fd_limit()), "one more after dup");
    close(extra);
    is_int(-1, census_count_fds(0), "no limit: unknown");
}

static void test_event(void) {
    drop_all();
    add_socket(stacks[0], CLOSE_WAIT_OLD, ROLE_ACCEPT);
    add_socket(stacks[0], CLOSE_WAIT_OLD, ROLE_ACCEPT);
    add_socket(stacks[2], LISTENING, ROLE_LISTEN);
    struct census c;
    take(&c);
    struct event ev;
    ok(census_event_begin(&ev, EV_OPEN_SOCKETS, LEVEL_WARN, 0),
       "an open_sockets event begun in the census's line");
    census_event(&ev, &c, "why");
    event_end(&ev);
    census_release(&c, 1);
    static char text[65536];
    FILE *f = fopen(log_path, "r");
    size_t n = f != NULL ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f != NULL)
        fclose(f);
    text[n] = '\0';
    ok(strstr(text, "\"kind\":\"open_sockets\",\"sockets\":3,"
                    "\"close_wait\":2,\"fds_open\":") != NULL,
       "JSON: sockets, close_wait, fds_open");
    ok(strstr(text, "\"why\":\"why\",\"groups\":[{\"count\":2,"
                    "\"close_wait\":2,\"established\":0,\"listen\":0,"
                    "\"other\":0,\"role\":\"accept\",\"oldest_ms\":") != NULL,
       "JSON: groups, a list of objects, the leaking one first");
    ok(strstr(text, "\"growth\":") != NULL &&
           strstr(text, "\"created_at\":[{\"ip\":\"0x") != NULL &&
           strstr(text, "\"func\":\"add_socket\"") != NULL,
       "each group with growth and its creation stack, frames named");
    ok(strstr(text, "},{\"count\":1,\"close_wait\":0,\"established\":0,"
                    "\"listen\":1,") != NULL,
       "the listener's group after it");
    /* One line, then the module events that announce the modules its
     * frames named (this program). */
    const char *nl = strchr(text, '\n');
    ok(nl != NULL && strstr(nl, "open_sockets") == NULL &&
           (nl[1] == '\0' || strstr(nl + 1, "\"kind\":\"module\"") != NULL),
       "one line, the module events after it");
}

static void test_fork(void) {
    drop_all();
    add_socket(stacks[0], ESTABLISHED, ROLE_ACCEPT);
    struct census c;
    take(&c);
    census_release(&c, 1);
    census_after_fork_child();
    take(&c);
    ok(c.group_count == 1 && c.groups[0].growth == 1,
       "in a forked child, growth counts from nothing again");
    census_release(&c, 1);
}

int main(void) {
    plan(40);
    real_resolve_all();
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    snprintf(log_path, sizeof log_path, "%s/census-t-%d.log", tmp,
             (int)getpid());
    snprintf(log_setting, sizeof log_setting, "file:%s", log_path);
    unlink(log_path);
    config_load(&config, fake_getenv, report_error);
    log_configure(&config.log);
    event_configure(config.diag.checks, config.log.level, config.log.format);
    clock_init();
    if (stack_init(16) != 0)
        bail("stack_init failed");
    store_stacks();

    test_empty();
    test_states_and_order();
    test_growth();
    test_other_group();
    test_lock_and_count();
    test_event();
    test_fork();
    unlink(log_path);
    return 0;
}
