/*
 * init.c — one-time set-up: configuration, log, fork handlers.
 *
 * Secure execution (AT_SECURE: setuid, setgid, capabilities) leaves
 * sockshim passive: no environment variable is read and no file opened,
 * so a preloaded sockshim cannot be turned against a privileged program.
 */
#define _GNU_SOURCE
#include "config.h"

#include "init.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "lib/config.h"
#include "log.h"
#include "real.h"

int init_state = INIT_NONE;
__thread int in_wrapper __attribute__((tls_model("initial-exec")));

/* Errors of the log variables themselves are held until the log is open,
 * so that they reach the destination the user asked for where possible. */
#define HELD_MAX 4
static struct held_error {
    char where[32], value[96], problem[32], accepted[96];
} held[HELD_MAX];
static int held_count;

static void copy_text(char *dst, size_t size, const char *src)
{
    struct outbuf ob;
    ob_init(&ob, dst, size);
    ob_str(&ob, src ? src : "");
}

static void hold_error(const char *where, const char *value,
                       const char *problem, const char *accepted)
{
    if (held_count == HELD_MAX)
        return;
    struct held_error *h = &held[held_count++];
    copy_text(h->where, sizeof h->where, where);
    copy_text(h->value, sizeof h->value, value);
    copy_text(h->problem, sizeof h->problem, problem);
    copy_text(h->accepted, sizeof h->accepted, accepted);
}

static const char *read_env(const char *name)
{
    return getenv(name);
}

void init_now(void)
{
    int expected = INIT_NONE;
    if (!__atomic_compare_exchange_n(&init_state, &expected, INIT_RUNNING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    real_resolve_all();
    config_defaults(&config);
    if (getauxval(AT_SECURE) != 0) {
        config.mode = MODE_OFF;
        __atomic_store_n(&init_state, INIT_READY_OFF, __ATOMIC_RELEASE);
        return;
    }
    config_read_log_env(&config, read_env, hold_error);
    log_configure(&config.log);
    for (int i = 0; i < held_count; i++)
        log_config_error(held[i].where, held[i].value, held[i].problem,
                         held[i].accepted);
    config_read_policy_env(&config, read_env, log_config_error);
    config_check_unknown_env(environ, log_config_error);
    if (config.mode == MODE_OFF)
        log_close();
    __atomic_store_n(&init_state,
                     config.mode == MODE_OFF ? INIT_READY_OFF
                                             : INIT_READY_ACTIVE,
                     __ATOMIC_RELEASE);
}

static void after_fork_in_child(void)
{
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_READY_ACTIVE)
        log_after_fork_child();
}

__attribute__((constructor)) static void sockshim_constructor(void)
{
    init_now();
    /* Registered here, not in init_now: pthread_atfork allocates, and
     * init_now may run inside a signal handler. */
    pthread_atfork(NULL, NULL, after_fork_in_child);
}
