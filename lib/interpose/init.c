/*
 * init.c — one-time set-up: configuration, log, fork handlers.
 *
 * Secure execution (AT_SECURE: setuid, setgid, capabilities) leaves
 * sockshim passive: no environment variable is read and no file opened,
 * so a preloaded sockshim cannot be turned against a privileged program.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "interpose/init.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/direct.h"
#include "base/errno_scope.h"
#include "base/real.h"
#include "config/configuration.h"
#include "diagnose/census.h"
#include "diagnose/checks.h"
#include "diagnose/closewait.h"
#include "diagnose/exitreport.h"
#include "diagnose/fdlimit.h"
#include "diagnose/identity.h"
#include "diagnose/livereport.h"
#include "diagnose/report.h"
#include "diagnose/scan.h"
#include "output/event.h"
#include "output/log.h"
#include "output/symbols.h"

int init_state = INIT_NONE;
__thread int vfork_child;

static const char *read_env(const char *name) { return getenv(name); }

/* Swallows errors: the first, quiet pass over the configuration. */
static void ignore_error(const char *where, const char *value,
                         const char *problem, const char *accepted) {
    (void)where, (void)value, (void)problem, (void)accepted;
}

/* The body of init_now(), run once. The configuration is read twice: a
 * quiet pass finds where the log goes (a log setting may come from the
 * file or the environment, and errors anywhere must reach that log), then
 * the log is opened and the second pass reports every error into it. */
static void initialise(void) {
    real_resolve_all();
    config_defaults(&config);
    if (getauxval(AT_SECURE) != 0) {
        config.mode = MODE_OFF;
        __atomic_store_n(&init_state, INIT_READY_OFF, __ATOMIC_RELEASE);
        return;
    }
    config_load(&config, read_env, ignore_error);
    /* Mode off is pure pass-through: not even a log is opened. */
    if (config.mode == MODE_OFF) {
        __atomic_store_n(&init_state, INIT_READY_OFF, __ATOMIC_RELEASE);
        return;
    }
    log_configure(&config.log);
    event_configure(config.diag.checks, config.log.level, config.log.format);
    event_report_log_fallback();
    config_load(&config, read_env, event_config_error);
    config_check_unknown_env(environ, event_config_error);
    clock_init();
    livereport_init(getenv("XDG_RUNTIME_DIR"));
    fdlimit_init();
    scan_init();
    checks_init();
    direct_syscalls_begin();
    __atomic_store_n(&init_state,
                     config.mode == MODE_OFF ? INIT_READY_OFF
                                             : INIT_READY_ACTIVE,
                     __ATOMIC_RELEASE);
}

void init_now(void) {
    int expected = INIT_NONE;
    if (!__atomic_compare_exchange_n(&init_state, &expected, INIT_RUNNING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    /* The program must not see our set-up in errno (C promises main()
     * starts with errno 0; a wrapped call must leave it as libc does). */
    PRESERVE_ERRNO;
    initialise();
}

static void after_fork_in_child(void) {
    PRESERVE_ERRNO;
    /* Every fork() glibc makes runs this, the one inside daemon() too,
     * where the exported fork() (and its wrapper) is not called. Each
     * module starts the child's own state. */
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_READY_ACTIVE) {
        log_after_fork_child();
        closewait_after_fork(0);
        scan_after_fork_child();
        report_after_fork_child();
        identity_after_fork_child();
        census_after_fork_child();
        livereport_after_fork_child();
        fdlimit_after_fork_child();
        symbols_after_fork_child();
    }
}

/* At exit (or unload): the summary. */
__attribute__((destructor)) static void sockshim_destructor(void) {
    PRESERVE_ERRNO;
    /* A vfork child that calls exit() instead of _exit() must not report
     * its parent's sockets. */
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_READY_ACTIVE &&
        !vfork_child) {
        exitreport_leaks();
        report_summary();
    }
}

__attribute__((constructor)) static void sockshim_constructor(void) {
    PRESERVE_ERRNO;
    init_now();
    /* Registered here, not in init_now: pthread_atfork allocates, and
     * init_now may run inside a signal handler. */
    pthread_atfork(NULL, NULL, after_fork_in_child);
}
