/*
 * sigsafe — programs that make their sockets inside signal handlers, for
 * t/e2e/signal-safety.sh (README, "Guarantees and limits": a wrapped call
 * behaves as libc's, so it is async-signal-safe where libc's is, fits the
 * stack libc's fits, and leaves the program's descriptors alone).
 *
 *   sigsafe SUBCOMMAND [ARGS]
 *
 * Each subcommand prints its result on stdout and exits 0 when it ran to
 * the end (1 when one of its own calls failed in a way it did not expect;
 * the reason goes to stderr, prefixed "sigsafe:"). Diagnostics (stack
 * sizes, timings) go to stderr. Built without sockshim: the test preloads
 * the library, or not, and compares.
 *
 *   handler-first-socket N
 *                        the main thread mallocs and frees blocks of varied
 *                        sizes while a second thread exists (so malloc
 *                        takes its arena locks) and a SIGALRM handler,
 *                        every 1 ms, makes a TCP socket and closes it: the
 *                        process's first socket is made in a handler that
 *                        may have interrupted malloc(). After N handler
 *                        runs: "handler-first-socket runs=N failed=0"
 *   minsigstksz          "N": getauxval(AT_MINSIGSTKSZ), what the kernel
 *                        needs for a signal frame on this CPU (3 KiB and
 *                        more with AVX-512)
 *   altstack-first BYTES [--connect]
 *                        a SIGUSR1 handler on a sigaltstack of BYTES makes
 *                        the process's first socket and closes it;
 *                        --connect first connects it to a loopback
 *                        listener made by a child process (so that the
 *                        handler's socket is still the parent's first):
 *                        "altstack-first ok"
 *   altstack-warm        after main() made and closed a connected pair (the
 *                        library is warm), a SIGUSR1 handler on an
 *                        AT_MINSIGSTKSZ + 4 KiB sigaltstack calls the
 *                        wrapped functions: socket, bind, listen, connect,
 *                        accept, setsockopt, send, recv, write, read,
 *                        shutdown, dup, dup2, dup3, fcntl(F_DUPFD), close,
 *                        close of a descriptor never opened (EBADF),
 *                        syscall(SYS_close) (and getsockname, not wrapped,
 *                        for its listener's port): "altstack-warm ok"
 *   connect-restart [--no-restart]
 *                        a blocking connect() to a loopback listener whose
 *                        accept queue is full (the SYN is dropped, the call
 *                        waits); a SIGTERM handler without SA_RESTART is
 *                        installed (never raised), SIGALRM with SA_RESTART
 *                        (without, under --no-restart) fires 200 ms into
 *                        the connect, and a thread drains the queue 800 ms
 *                        after the start, so that the kernel's next SYN
 *                        (1 s) completes the handshake: "connect rc=0
 *                        errno=-" or "connect rc=-1 errno=EINTR"; the
 *                        elapsed time goes to stderr
 *   emfile               opens /dev/null until EMFILE: "opened=N" (run
 *                        under a small ulimit -n by the test)
 *   tick-storm USEC N M  a SIGALRM handler every USEC microseconds
 *                        (ITIMER_REAL) makes a TCP socket and closes it,
 *                        while main() makes and closes M sockets of its own
 *                        (so ticks land inside the wrapped calls); it stops
 *                        once main() made its M and saw N handler runs:
 *                        "tick-storm done failed=0". A handler slower than
 *                        the period starves main(): the run then takes
 *                        far longer. Times and counts go to stderr.
 *
 * Handlers use only async-signal-safe calls (the socket calls, close,
 * dup*, fcntl, read/write, syscall) and record what happened in
 * sig_atomic_t variables that main() reports once the handler returned.
 * Signal stacks have a PROT_NONE guard page below them, so an overflow is
 * a SIGSEGV (status 139), not silent corruption; their high-water mark
 * goes to stderr.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

static int failures;

static const char *errname(int e) {
    const char *n = strerrorname_np(e);
    return n != NULL ? n : "?";
}

/* Report an unexpected failure of one of our own calls. */
static void fail(const char *what) {
    int e = errno;
    fprintf(stderr, "sigsafe: %s: %s\n", what, errname(e));
    failures++;
}

static long long monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned long parse_ulong(const char *text, unsigned long max) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v == 0 || v > max) {
        fprintf(stderr, "sigsafe: bad number: %s\n", text);
        exit(2);
    }
    return v;
}

static int set_handler(int sig, void (*fn)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        fail("sigaction");
        return -1;
    }
    return 0;
}

/* A periodic ITIMER_REAL of USEC microseconds (0 stops it). */
static int set_ticks(long usec) {
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_interval.tv_sec = usec / 1000000;
    it.it_interval.tv_usec = usec % 1000000;
    it.it_value = it.it_interval;
    if (setitimer(ITIMER_REAL, &it, NULL) != 0) {
        fail("setitimer");
        return -1;
    }
    return 0;
}

/* A loopback address with PORT (network order). */
static struct sockaddr_in loopback(in_port_t port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = port;
    return a;
}

/* A listening TCP socket on 127.0.0.1 (kernel-chosen port) in *ADDR. */
static int make_listener(struct sockaddr_in *addr, int backlog) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fail("socket");
        return -1;
    }
    *addr = loopback(0);
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

/* ---- signal stacks ------------------------------------------------------- */

#define PAINT 0xa5
static unsigned char *alt_base; /* lowest usable byte; a guard page below */
static size_t alt_size;

/* AT_MINSIGSTKSZ: what the kernel needs for a signal frame on this CPU
 * (3 KiB and more with AVX-512). */
static size_t min_sigstack(void) {
    unsigned long v = getauxval(AT_MINSIGSTKSZ);
    if (v == 0)
        v = (unsigned long)sysconf(_SC_MINSIGSTKSZ);
    return v > 0 ? (size_t)v : 2048;
}

/* Map SIZE bytes (a multiple of 16) right above a PROT_NONE guard page,
 * paint them and install them as the signal stack. */
static int install_altstack(size_t size) {
    long page = sysconf(_SC_PAGESIZE);
    size = (size + 15) & ~(size_t)15;
    unsigned char *map = mmap(NULL, (size_t)page + size, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        fail("mmap");
        return -1;
    }
    if (mprotect(map, (size_t)page, PROT_NONE) != 0) {
        fail("mprotect");
        return -1;
    }
    alt_base = map + page;
    alt_size = size;
    memset(alt_base, PAINT, size);
    stack_t ss = {.ss_sp = alt_base, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        fail("sigaltstack");
        return -1;
    }
    return 0;
}

/* How many bytes of the signal stack were ever written. */
static size_t altstack_used(void) {
    size_t untouched = 0;
    while (untouched < alt_size && alt_base[untouched] == PAINT)
        untouched++;
    return alt_size - untouched;
}

/* ---- handler-first-socket ------------------------------------------------ */

static volatile sig_atomic_t first_runs, first_failed, first_wanted;

static void on_alarm_first(int sig) {
    (void)sig;
    int saved = errno;
    if (first_runs < first_wanted) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || close(s) != 0)
            first_failed++;
        first_runs++;
    }
    errno = saved;
}

static int idle_pipe[2];

/* The second thread: it only has to exist (malloc then locks its arenas)
 * and not take the signal. */
static void *idle_thread(void *arg) {
    (void)arg;
    char c;
    while (read(idle_pipe[0], &c, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

static int cmd_handler_first_socket(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: sigsafe handler-first-socket N\n");
        return 2;
    }
    first_wanted = (sig_atomic_t)parse_ulong(argv[2], 100000);
    if (pipe(idle_pipe) != 0) {
        fail("pipe");
        return 1;
    }
    /* The thread starts with SIGALRM blocked: the handler must interrupt
     * the main thread's malloc(). */
    sigset_t alarm_only, old;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm_only, &old);
    pthread_t t;
    int e = pthread_create(&t, NULL, idle_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        fprintf(stderr, "sigsafe: pthread_create: %s\n", errname(e));
        return 1;
    }
    if (set_handler(SIGALRM, on_alarm_first, SA_RESTART) != 0 ||
        set_ticks(1000) != 0)
        return 1;
    void *held[64] = {0};
    unsigned long seed = 12345, rounds = 0;
    while (first_runs < first_wanted) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        unsigned slot = (unsigned)(seed >> 58);           /* 0..63 */
        size_t size = 16 + (size_t)((seed >> 33) % 4000); /* varied */
        if ((seed >> 20) % 7 == 0)
            size *= 64; /* now and then a larger block */
        free(held[slot]);
        held[slot] = malloc(size);
        if (held[slot] != NULL)
            memset(held[slot], (int)rounds, size < 64 ? size : 64);
        rounds++;
    }
    set_ticks(0);
    for (int i = 0; i < 64; i++)
        free(held[i]);
    close(idle_pipe[1]);
    pthread_join(t, NULL);
    fprintf(stderr, "sigsafe: %lu malloc/free rounds\n", rounds);
    printf("handler-first-socket runs=%d failed=%d\n", (int)first_runs,
           (int)first_failed);
    return failures != 0;
}

/* ---- altstack-first ------------------------------------------------------ */

static struct sockaddr_in alt_target;
static volatile sig_atomic_t alt_step, alt_errno, alt_connect;

static void on_usr1_first(int sig) {
    (void)sig;
    int saved = errno;
    alt_step = 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        alt_errno = errno;
        errno = saved;
        return;
    }
    alt_step = 2;
    if (alt_connect &&
        connect(s, (struct sockaddr *)&alt_target, sizeof alt_target) != 0) {
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

/* A child process listening on loopback (backlog 4: the handler's
 * connection completes without an accept), so that the parent's first
 * socket is still its handler's: the address in *ADDR; the child keeps
 * listening until its parent closes *DONE_FD, then exits. */
static pid_t listener_child(struct sockaddr_in *addr, int *done_fd) {
    int portp[2], donep[2];
    if (pipe(portp) != 0 || pipe(donep) != 0) {
        fail("pipe");
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fail("fork");
        return -1;
    }
    if (pid == 0) {
        close(portp[0]);
        close(donep[1]);
        struct sockaddr_in a;
        int l = make_listener(&a, 4);
        if (l < 0)
            _exit(1);
        if (write(portp[1], &a, sizeof a) != (ssize_t)sizeof a)
            _exit(1);
        close(portp[1]);
        /* Until the parent is done (it closes its end of donep). */
        char c;
        while (read(donep[0], &c, 1) < 0 && errno == EINTR)
            ;
        close(l);
        _exit(0);
    }
    close(portp[1]);
    close(donep[0]);
    ssize_t n;
    while ((n = read(portp[0], addr, sizeof *addr)) < 0 && errno == EINTR)
        ;
    close(portp[0]);
    if (n != (ssize_t)sizeof *addr) {
        fprintf(stderr, "sigsafe: the listener child sent no port\n");
        failures++;
        return -1;
    }
    *done_fd = donep[1];
    return pid;
}

static int cmd_altstack_first(int argc, char **argv) {
    int done_fd = -1;
    pid_t child = -1;
    if (argc < 3 || argc > 4 ||
        (argc == 4 && strcmp(argv[3], "--connect") != 0)) {
        fprintf(stderr, "usage: sigsafe altstack-first BYTES [--connect]\n");
        return 2;
    }
    size_t size = (size_t)parse_ulong(argv[2], 1 << 20);
    alt_connect = argc == 4;
    if (alt_connect && (child = listener_child(&alt_target, &done_fd)) < 0)
        return 1;
    fprintf(stderr, "sigsafe: AT_MINSIGSTKSZ=%zu, signal stack %zu bytes\n",
            min_sigstack(), size);
    if (install_altstack(size) != 0 ||
        set_handler(SIGUSR1, on_usr1_first, SA_ONSTACK) != 0)
        return 1;
    raise(SIGUSR1);
    fprintf(stderr, "sigsafe: altstack used %zu of %zu bytes\n",
            altstack_used(), alt_size);
    if (child > 0) {
        close(done_fd);
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
    }
    if (alt_step != 4) {
        printf("altstack-first failed at step %d: %s\n", (int)alt_step,
               errname(alt_errno));
        return 1;
    }
    printf("altstack-first ok\n");
    return failures != 0;
}

/* ---- altstack-warm ------------------------------------------------------- */

/* The steps of the handler, in order, named for the failure report. */
static const char *const warm_steps[] = {"start",
                                         "socket",
                                         "bind",
                                         "listen",
                                         "getsockname",
                                         "socket (client)",
                                         "connect",
                                         "accept",
                                         "setsockopt",
                                         "send",
                                         "recv",
                                         "write",
                                         "read",
                                         "shutdown",
                                         "dup",
                                         "dup2",
                                         "dup3",
                                         "fcntl(F_DUPFD)",
                                         "close",
                                         "close(never opened): EBADF",
                                         "syscall(SYS_close)",
                                         "close the rest",
                                         "done"};
#define WARM_DONE 22
static volatile sig_atomic_t warm_step, warm_errno;
static volatile int warm_spare; /* a number never opened, 2 free above it */

#define STEP(n, cond)                                                          \
    do {                                                                       \
        warm_step = (n);                                                       \
        if (!(cond))                                                           \
            goto out;                                                          \
    } while (0)

static void on_usr1_warm(int sig) {
    (void)sig;
    int saved = errno;
    int l = -1, c = -1, a = -1, d1 = -1, d2 = -1, d3 = -1, d4 = -1;
    char buf[4];
    int one = 1;
    struct sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    STEP(1, (l = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    STEP(2, bind(l, (struct sockaddr *)&addr, sizeof addr) == 0);
    STEP(3, listen(l, 4) == 0);
    STEP(4, getsockname(l, (struct sockaddr *)&addr, &len) == 0);
    STEP(5, (c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    STEP(6, connect(c, (struct sockaddr *)&addr, sizeof addr) == 0);
    STEP(7, (a = accept(l, NULL, NULL)) >= 0);
    STEP(8, setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
    STEP(9, send(c, "ping", 4, 0) == 4);
    STEP(10, recv(a, buf, 4, MSG_WAITALL) == 4 && memcmp(buf, "ping", 4) == 0);
    STEP(11, write(a, "pong", 4) == 4);
    STEP(12, read(c, buf, 4) == 4 && memcmp(buf, "pong", 4) == 0);
    STEP(13, shutdown(c, SHUT_WR) == 0);
    STEP(14, (d1 = dup(a)) >= 0);
    STEP(15, (d2 = dup2(a, warm_spare + 1)) == warm_spare + 1);
    STEP(16, (d3 = dup3(a, warm_spare + 2, O_CLOEXEC)) == warm_spare + 2);
    STEP(17, (d4 = fcntl(a, F_DUPFD, 0)) >= 0);
    STEP(18, close(d1) == 0);
    d1 = -1;
    errno = 0;
    STEP(19, close(warm_spare) == -1 && errno == EBADF);
    STEP(20, syscall(SYS_close, d2) == 0);
    d2 = -1;
    STEP(21, close(d3) == 0 && close(d4) == 0 && close(a) == 0 &&
                 close(c) == 0 && close(l) == 0);
    d3 = d4 = a = c = l = -1;
    warm_step = WARM_DONE;
out:
    if (warm_step != WARM_DONE)
        warm_errno = errno;
    int fds[] = {l, c, a, d1, d2, d3, d4};
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    errno = saved;
}

static int cmd_altstack_warm(void) {
    /* Warm: the library has seen sockets before the handler runs. */
    struct sockaddr_in addr;
    int l = make_listener(&addr, 8);
    if (l < 0)
        return 1;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fail("socket/connect (warming)");
        return 1;
    }
    int a = accept(l, NULL, NULL);
    if (a < 0) {
        fail("accept (warming)");
        return 1;
    }
    close(a);
    close(c);
    close(l);
    /* 200, or lower under a small RLIMIT_NOFILE. */
    struct rlimit rl;
    warm_spare = 200;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 203)
        warm_spare = (int)rl.rlim_cur - 3;
    for (int i = 0; i < 3; i++)
        if (fcntl(warm_spare + i, F_GETFD) != -1) {
            fprintf(stderr, "sigsafe: fd %d is open\n", warm_spare + i);
            return 1;
        }
    size_t size = min_sigstack() + 4096;
    fprintf(stderr, "sigsafe: AT_MINSIGSTKSZ=%zu, signal stack %zu bytes\n",
            min_sigstack(), size);
    if (install_altstack(size) != 0 ||
        set_handler(SIGUSR1, on_usr1_warm, SA_ONSTACK) != 0)
        return 1;
    raise(SIGUSR1);
    fprintf(stderr, "sigsafe: altstack used %zu of %zu bytes\n",
            altstack_used(), alt_size);
    if (warm_step != WARM_DONE) {
        printf("altstack-warm failed at %s: %s\n", warm_steps[warm_step],
               errname(warm_errno));
        return 1;
    }
    printf("altstack-warm ok\n");
    return failures != 0;
}

/* ---- connect-restart ----------------------------------------------------- */

static void on_signal_nothing(int sig) { (void)sig; }

struct drain {
    int listener;
    int queued;         /* connections in the full accept queue */
    long long start_ms; /* when main() began its connect */
};

/* 800 ms after the connect began, accept what fills the queue; then the
 * kernel's retransmitted SYN finds room. A scheduled step of the
 * scenario, not a wait for readiness. */
static void *drain_thread(void *arg) {
    struct drain *d = arg;
    long long due = d->start_ms + 800;
    for (long long now; (now = monotonic_ms()) < due;) {
        struct timespec ts = {0, (long)(due - now) * 1000000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < d->queued; i++) {
        int a = accept(d->listener, NULL, NULL);
        if (a < 0) {
            fail("accept (draining)");
            break;
        }
        close(a);
    }
    return NULL;
}

/* Connect to ADDR until a connection does not complete within 500 ms
 * (the accept queue is full); that last attempt is abandoned (closed, so
 * that its SYN retransmissions do not take the room the drain makes), the
 * others are left open. Returns how many completed, or -1. */
static int fill_queue(const struct sockaddr_in *addr, int *kept, int max) {
    for (int i = 0; i < max; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            fail("socket (filling)");
            return -1;
        }
        if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0) {
            if (errno != EINPROGRESS) {
                fail("connect (filling)");
                return -1;
            }
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            if (poll(&pfd, 1, 500) == 0) {
                close(fd);
                return i; /* this SYN was dropped: the queue is full */
            }
        }
        kept[i] = fd;
    }
    return -1;
}

static int cmd_connect_restart(int argc, char **argv) {
    int restart = !(argc > 2 && strcmp(argv[2], "--no-restart") == 0);
    struct sockaddr_in addr;
    int l = make_listener(&addr, 0);
    if (l < 0)
        return 1;
    int kept[16];
    int queued = fill_queue(&addr, kept, 16);
    if (queued <= 0) {
        fprintf(stderr, "sigsafe: could not fill the accept queue\n");
        return 3;
    }
    /* SIGTERM: caught without SA_RESTART, never raised. SIGALRM: the
     * signal that interrupts the connect. */
    if (set_handler(SIGTERM, on_signal_nothing, 0) != 0 ||
        set_handler(SIGALRM, on_signal_nothing, restart ? SA_RESTART : 0) != 0)
        return 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fail("socket");
        return 1;
    }
    struct drain d = {l, queued, monotonic_ms()};
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_t t;
    int e = pthread_create(&t, NULL, drain_thread, &d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        fprintf(stderr, "sigsafe: pthread_create: %s\n", errname(e));
        return 1;
    }
    struct itimerval once;
    memset(&once, 0, sizeof once);
    once.it_value.tv_usec = 200000;
    if (setitimer(ITIMER_REAL, &once, NULL) != 0) {
        fail("setitimer");
        return 1;
    }
    int rc = connect(s, (struct sockaddr *)&addr, sizeof addr);
    int error = errno;
    long long elapsed = monotonic_ms() - d.start_ms;
    pthread_join(t, NULL);
    fprintf(stderr, "sigsafe: connect returned after %lld ms (%d queued)\n",
            elapsed, queued);
    printf("connect rc=%d errno=%s\n", rc, rc == 0 ? "-" : errname(error));
    close(s);
    for (int i = 0; i < queued; i++)
        close(kept[i]);
    close(l);
    return failures != 0;
}

/* ---- emfile -------------------------------------------------------------- */

static int cmd_emfile(void) {
    int opened = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            if (errno != EMFILE) {
                fail("open");
                return 1;
            }
            break;
        }
        if (++opened > 1 << 20)
            break;
    }
    printf("opened=%d\n", opened);
    return 0;
}

/* ---- tick-storm ---------------------------------------------------------- */

static volatile sig_atomic_t storm_runs, storm_failed;

static void on_alarm_storm(int sig) {
    (void)sig;
    int saved = errno;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || close(s) != 0)
        storm_failed = 1;
    if (storm_runs < INT32_MAX)
        storm_runs++;
    errno = saved;
}

static int cmd_tick_storm(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: sigsafe tick-storm USEC N M\n");
        return 2;
    }
    long usec = (long)parse_ulong(argv[2], 10000000);
    long wanted = (long)parse_ulong(argv[3], 10000000);
    unsigned long own_wanted = parse_ulong(argv[4], 100000000);
    if (set_handler(SIGALRM, on_alarm_storm, SA_RESTART) != 0)
        return 1;
    long long start = monotonic_ms();
    if (set_ticks(usec) != 0)
        return 1;
    /* The main thread makes sockets too, so that ticks land inside the
     * wrapped calls, as in a program whose handler and main loop both use
     * the network. */
    unsigned long own = 0, own_failed = 0;
    while (own < own_wanted || storm_runs < wanted) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || close(s) != 0)
            own_failed++;
        own++;
    }
    set_ticks(0);
    fprintf(stderr,
            "sigsafe: tick-storm: %lld ms, %d handler runs, %lu sockets "
            "made by main()\n",
            monotonic_ms() - start, (int)storm_runs, own);
    printf("tick-storm done failed=%d\n",
           (int)storm_failed + (own_failed != 0));
    return failures != 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: sigsafe handler-first-socket N | minsigstksz | "
            "altstack-first BYTES [--connect]\n"
            "       | altstack-warm | connect-restart [--no-restart] | emfile "
            "| tick-storm USEC N M\n");
}

int main(int argc, char **argv) {
    int rc = 2;
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "handler-first-socket") == 0) {
        rc = cmd_handler_first_socket(argc, argv);
    } else if (strcmp(cmd, "minsigstksz") == 0) {
        printf("%zu\n", min_sigstack());
        rc = 0;
    } else if (strcmp(cmd, "altstack-first") == 0) {
        rc = cmd_altstack_first(argc, argv);
    } else if (strcmp(cmd, "altstack-warm") == 0) {
        rc = cmd_altstack_warm();
    } else if (strcmp(cmd, "connect-restart") == 0) {
        rc = cmd_connect_restart(argc, argv);
    } else if (strcmp(cmd, "emfile") == 0) {
        rc = cmd_emfile();
    } else if (strcmp(cmd, "tick-storm") == 0) {
        rc = cmd_tick_storm(argc, argv);
    } else {
        usage();
    }
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
