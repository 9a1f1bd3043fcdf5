/*
 * hostile — programs that are hard on a preload library, for
 * t/e2e/robustness.sh: what the library must survive (never crash, hang or
 * change what the program sees) and the ways preload libraries fail.
 *
 *   hostile SUBCOMMAND
 *
 * Each subcommand prints one result line on stdout and exits 0 when it ran
 * to the end (1 when one of its own calls failed in a way it did not
 * expect; the reason goes to stderr, prefixed "hostile:"). It is built
 * without sockshim: the test preloads the library, or not, and compares.
 *
 *   errno-at-main        "errno=N": errno at the first line of main()
 *                        (C: 0 at program start; a constructor that leaks
 *                        its errno shows here)
 *   bad-connect-addr [--no-vm-readv]
 *                        connect(s, (void *)8, 16) on a TCP socket:
 *                        "rc=-1 errno=EFAULT"; --no-vm-readv first installs
 *                        a seccomp filter making process_vm_readv() fail
 *                        with EPERM, as some sandboxes do
 *   bad-read-iov         readv(s, (void *)8, 1) and recvmsg(s, (void *)8,
 *                        0) on a socketpair (a read would block): "readv rc=-1
 *                        errno=EFAULT recvmsg rc=-1 errno=EFAULT"
 *   altstack             a SIGUSR1 handler on an 8 KiB sigaltstack (with a
 *                        PROT_NONE guard page below it, so an overflow is a
 *                        SIGSEGV, not silent corruption) makes a TCP socket
 *                        and connects it to a loopback listener made in
 *                        main(), then closes it: "altstack ok"; the stack's
 *                        high-water mark goes to stderr
 *   small-thread         a thread with a 16 KiB stack (PTHREAD_STACK_MIN)
 *                        makes a listener, a client, accepts, closes all:
 *                        "small-thread ok"
 *   close-race           8 threads x 5000: socket, SO_KEEPALIVE=0, bind
 *                        127.0.0.1:0, listen(1), read SO_KEEPALIVE back,
 *                        close: "overridden=N" (N sockets read back 1)
 *   failed-setsockopt    setsockopt(SO_LINGER) with optlen 1 (EINVAL), then
 *                        bind, listen: "linger=on:Ns" or "linger=off" as
 *                        read back
 *   sigpipe-stderr       socket, bind, listen: "done" (the test gives it a
 *                        stderr nobody reads)
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;

static const char *errname(int e) {
    const char *n = strerrorname_np(e);
    return n != NULL ? n : "?";
}

/* Report an unexpected failure of one of our own calls. */
static void fail(const char *what) {
    int e = errno;
    fprintf(stderr, "hostile: %s: %s\n", what, errname(e));
    failures++;
}

/* A listening TCP socket on 127.0.0.1 (kernel-chosen port) in *ADDR. */
static int make_listener(struct sockaddr_in *addr, int backlog) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fail("socket");
        return -1;
    }
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof *addr;
    if (bind(s, (struct sockaddr *)addr, sizeof *addr) != 0 ||
        listen(s, backlog) != 0 ||
        getsockname(s, (struct sockaddr *)addr, &len) != 0) {
        fail("bind/listen/getsockname");
        close(s);
        return -1;
    }
    return s;
}

/* ---- bad-connect-addr ---------------------------------------------------- */

/* A sandbox's answer to process_vm_readv(): EPERM. */
static int forbid_process_vm_readv(void) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
#elif defined(__aarch64__)
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 1, 0),
#else
        BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0),
#endif
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 0, 1),
        BPF_STMT(BPF_RET | BPF_K,
                 SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]),
                              code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        fail("seccomp");
        return -1;
    }
    /* Check that the filter works. */
    char a = 'a', b = 'b';
    struct iovec local = {&b, 1}, remote = {&a, 1};
    errno = 0;
    if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != -1 ||
        errno != EPERM) {
        fprintf(stderr, "hostile: process_vm_readv not refused (%s)\n",
                errname(errno));
        failures++;
        return -1;
    }
    return 0;
}

static int cmd_bad_connect_addr(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[2], "--no-vm-readv") == 0 &&
        forbid_process_vm_readv() != 0)
        return 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fail("socket");
        return 1;
    }
    errno = 0;
    int rc = connect(s, (const struct sockaddr *)(uintptr_t)8, 16);
    int e = errno;
    printf("rc=%d errno=%s\n", rc, errname(e));
    close(s);
    return failures != 0;
}

static int cmd_bad_read_iov(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        fail("socketpair");
        return 1;
    }
    /* volatile: the compiler would refuse the call it can see is bad. */
    volatile uintptr_t bad = 8;
    errno = 0;
    ssize_t r1 = readv(sv[0], (const struct iovec *)bad, 1);
    int e1 = errno;
    errno = 0;
    ssize_t r2 = recvmsg(sv[0], (struct msghdr *)bad, 0);
    int e2 = errno;
    printf("readv rc=%zd errno=%s recvmsg rc=%zd errno=%s\n", r1, errname(e1),
           r2, errname(e2));
    close(sv[0]);
    close(sv[1]);
    return failures != 0;
}

/* ---- altstack ------------------------------------------------------------ */

#define ALT_SIZE 8192
static unsigned char *alt_base; /* lowest usable byte; a guard page below */
static struct sockaddr_in alt_target;
static volatile sig_atomic_t alt_step, alt_errno, alt_ran;

static void on_usr1(int sig) {
    (void)sig;
    int saved = errno;
    alt_ran = 1;
    alt_step = 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        alt_errno = errno;
        errno = saved;
        return;
    }
    alt_step = 2;
    if (connect(s, (struct sockaddr *)&alt_target, sizeof alt_target) != 0) {
        alt_errno = errno;
        close(s);
        errno = saved;
        return;
    }
    alt_step = 3;
    if (close(s) != 0) {
        alt_errno = errno;
        errno = saved;
        return;
    }
    alt_step = 4; /* done */
    errno = saved;
}

static int cmd_altstack(void) {
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *map =
        mmap(NULL, (size_t)page + ALT_SIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        fail("mmap");
        return 1;
    }
    if (mprotect(map, (size_t)page, PROT_NONE) != 0) {
        fail("mprotect");
        return 1;
    }
    alt_base = map + page;
    memset(alt_base, 0xa5, ALT_SIZE); /* paint, for the high-water mark */
    stack_t ss = {.ss_sp = alt_base, .ss_size = ALT_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        fail("sigaltstack");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0) {
        fail("sigaction");
        return 1;
    }
    int l = make_listener(&alt_target, 8);
    if (l < 0)
        return 1;
    raise(SIGUSR1);
    size_t untouched = 0;
    while (untouched < ALT_SIZE && alt_base[untouched] == 0xa5)
        untouched++;
    fprintf(stderr, "hostile: altstack used %zu of %d bytes\n",
            (size_t)ALT_SIZE - untouched, ALT_SIZE);
    /* The handler's connection is in the accept queue. */
    int a = accept(l, NULL, NULL);
    if (a >= 0)
        close(a);
    close(l);
    if (!alt_ran || alt_step != 4) {
        printf("altstack failed at step %d: %s\n", (int)alt_step,
               errname(alt_errno));
        return 1;
    }
    if (a < 0) {
        fail("accept");
        printf("altstack failed: no connection to accept\n");
        return 1;
    }
    printf("altstack ok\n");
    return failures != 0;
}

/* ---- small-thread -------------------------------------------------------- */

#define SMALL_STACK 16384

static void *small_thread(void *arg) {
    const char **result = arg;
    struct sockaddr_in addr;
    *result = "listener";
    int l = make_listener(&addr, 4);
    if (l < 0)
        return NULL;
    *result = "client socket";
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0) {
        fail("socket");
        close(l);
        return NULL;
    }
    *result = "connect";
    if (connect(c, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fail("connect");
        close(c);
        close(l);
        return NULL;
    }
    *result = "accept";
    int a = accept(l, NULL, NULL);
    if (a < 0) {
        fail("accept");
        close(c);
        close(l);
        return NULL;
    }
    *result = "close";
    if (close(a) != 0 || close(c) != 0 || close(l) != 0) {
        fail("close");
        return NULL;
    }
    *result = NULL;
    return NULL;
}

static int cmd_small_thread(void) {
    pthread_attr_t attr;
    pthread_t t;
    const char *result = "start";
    int e;
    pthread_attr_init(&attr);
    if ((e = pthread_attr_setstacksize(&attr, SMALL_STACK)) != 0) {
        fprintf(stderr, "hostile: pthread_attr_setstacksize(%d): %s\n",
                SMALL_STACK, errname(e));
        return 1;
    }
    if ((e = pthread_create(&t, &attr, small_thread, &result)) != 0) {
        fprintf(stderr, "hostile: pthread_create: %s\n", errname(e));
        return 1;
    }
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    if (result != NULL) {
        printf("small-thread failed at %s\n", result);
        return 1;
    }
    printf("small-thread ok\n");
    return failures != 0;
}

/* ---- close-race ---------------------------------------------------------- */

#define RACE_THREADS 8
#define RACE_ROUNDS 5000

static int race_overridden, race_errors;

static void *race_thread(void *arg) {
    (void)arg;
    int overridden = 0, errors = 0;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) {
            errors++;
            continue;
        }
        int zero = 0, value = -1;
        socklen_t len = sizeof value;
        struct sockaddr_in addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof zero) != 0 ||
            bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 ||
            listen(s, 1) != 0 ||
            getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &value, &len) != 0)
            errors++;
        else if (value != 0)
            overridden++;
        if (close(s) != 0)
            errors++;
    }
    __atomic_fetch_add(&race_overridden, overridden, __ATOMIC_RELAXED);
    __atomic_fetch_add(&race_errors, errors, __ATOMIC_RELAXED);
    return NULL;
}

static int cmd_close_race(void) {
    pthread_t t[RACE_THREADS];
    int started = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        int e = pthread_create(&t[i], NULL, race_thread, NULL);
        if (e != 0) {
            fprintf(stderr, "hostile: pthread_create: %s\n", errname(e));
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    printf("overridden=%d\n", race_overridden);
    if (race_errors != 0 || started != RACE_THREADS) {
        fprintf(stderr, "hostile: close-race: %d failed calls, %d threads\n",
                race_errors, started);
        return 1;
    }
    return 0;
}

/* ---- failed-setsockopt --------------------------------------------------- */

static int cmd_failed_setsockopt(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fail("socket");
        return 1;
    }
    struct linger lg = {1, 7};
    errno = 0;
    int rc = setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, 1);
    if (rc != -1 || errno != EINVAL) {
        fprintf(stderr,
                "hostile: setsockopt(SO_LINGER, optlen 1): rc=%d %s, "
                "want -1 EINVAL\n",
                rc, errname(errno));
        failures++;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(s, 4) != 0) {
        fail("bind/listen");
        close(s);
        return 1;
    }
    socklen_t len = sizeof lg;
    memset(&lg, 0, sizeof lg);
    if (getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len) != 0) {
        fail("getsockopt");
        close(s);
        return 1;
    }
    if (lg.l_onoff)
        printf("linger=on:%ds\n", lg.l_linger);
    else
        printf("linger=off\n");
    close(s);
    return failures != 0;
}

/* ---- sigpipe-stderr ------------------------------------------------------ */

static int cmd_sigpipe_stderr(void) {
    struct sockaddr_in addr;
    int l = make_listener(&addr, 4);
    if (l < 0)
        return 1;
    close(l);
    printf("done\n");
    return failures != 0;
}

static void usage(void) {
    fprintf(stderr, "usage: hostile errno-at-main | bad-connect-addr "
                    "[--no-vm-readv] | altstack | small-thread | close-race "
                    "| failed-setsockopt | sigpipe-stderr\n");
}

int main(int argc, char **argv) {
    int errno_at_main = errno; /* first: nothing may run before this read */
    int rc = 2;
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "errno-at-main") == 0) {
        printf("errno=%d\n", errno_at_main);
        rc = 0;
    } else if (strcmp(cmd, "bad-read-iov") == 0) {
        rc = cmd_bad_read_iov();
    } else if (strcmp(cmd, "bad-connect-addr") == 0) {
        rc = cmd_bad_connect_addr(argc, argv);
    } else if (strcmp(cmd, "altstack") == 0) {
        rc = cmd_altstack();
    } else if (strcmp(cmd, "small-thread") == 0) {
        rc = cmd_small_thread();
    } else if (strcmp(cmd, "close-race") == 0) {
        rc = cmd_close_race();
    } else if (strcmp(cmd, "failed-setsockopt") == 0) {
        rc = cmd_failed_setsockopt();
    } else if (strcmp(cmd, "sigpipe-stderr") == 0) {
        rc = cmd_sigpipe_stderr();
    } else {
        usage();
    }
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
