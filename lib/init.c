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

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "configuration.h"
#include "log.h"
#include "real.h"

int init_state = INIT_NONE;

/* Errors of the log variables themselves are held until the log is open,
 * so that they reach the destination the user asked for where possible. */
#define HELD_MAX 4
static struct held_error {
    /* Longer than an event shows (512), so a cut value still says "...". */
    char where[32], value[520], problem[32], accepted[96];
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

/* The body of init_now(), run once. */
static void initialise(void)
{
    real_resolve_all();
    config_defaults(&config);
    if (getauxval(AT_SECURE) != 0) {
        config.mode = MODE_OFF;
        __atomic_store_n(&init_state, INIT_READY_OFF, __ATOMIC_RELEASE);
        return;
    }
    /* Mode off is pure pass-through: not even a log is opened. */
    enum policy_mode mode;
    const char *mode_text = getenv("SOCKSHIM_MODE");
    if (mode_text != NULL && parse_mode(mode_text, &mode) == 0 &&
        mode == MODE_OFF) {
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
    __atomic_store_n(&init_state,
                     config.mode == MODE_OFF ? INIT_READY_OFF
                                             : INIT_READY_ACTIVE,
                     __ATOMIC_RELEASE);
}

void init_now(void)
{
    int expected = INIT_NONE;
    if (!__atomic_compare_exchange_n(&init_state, &expected, INIT_RUNNING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    /* The program must not see our set-up in errno (C promises main()
     * starts with errno 0; a wrapped call must leave it as libc does). */
    int saved_errno = errno;
    initialise();
    errno = saved_errno;
}

static void after_fork_in_child(void)
{
    int saved_errno = errno;
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_READY_ACTIVE)
        log_after_fork_child();
    errno = saved_errno;
}

__attribute__((constructor)) static void sockshim_constructor(void)
{
    int saved_errno = errno;
    init_now();
    /* Registered here, not in init_now: pthread_atfork allocates, and
     * init_now may run inside a signal handler. */
    pthread_atfork(NULL, NULL, after_fork_in_child);
    errno = saved_errno;
}
