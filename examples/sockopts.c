/*
 * sockopts — print a socket's options as getsockopt() sees them.
 *
 * Makes one TCP connection over loopback (listener, client, accepted
 * socket) and prints one line per socket:
 *
 *   listen  SO_REUSEADDR=off ... TCP_NODELAY=off backlog=16
 *   connect SO_REUSEADDR=off ...
 *   accept  SO_REUSEADDR=off ...
 *
 * Values use sockshim's notation (on/off, 60s, on:5s, 1500ms), so the
 * output can be compared with a policy. Run it with and without sockshim
 * to see what a policy changes.
 *
 *   sockopts [-6] [--nonblock] [--accept4] [--backlog N]
 *            [--set NAME=VALUE]... [--hold SECONDS]
 *
 * --set makes the program itself call setsockopt(NAME) on each socket:
 * the listener before bind(), the client before connect(), the accepted
 * socket right after accept(). VALUE is an integer (ms for SO_RCVTIMEO and
 * SO_SNDTIMEO, seconds for SO_LINGER's timeout written ON:SECS); where a
 * number is a switch (the on/off options, ON of SO_LINGER) the words the
 * SOCKSHIM_* variables take do too: on/off, yes/no, true/false.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct option_name {
    const char *name;
    int level, optname;
    enum { V_BOOL, V_SECS, V_COUNT, V_MS, V_TIMEVAL, V_LINGER } kind;
};

static const struct option_name options[] = {
    {"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, V_BOOL},
    {"SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, V_BOOL},
    {"SO_LINGER", SOL_SOCKET, SO_LINGER, V_LINGER},
    {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, V_BOOL},
    {"TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, V_SECS},
    {"TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, V_SECS},
    {"TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, V_COUNT},
    {"TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, V_MS},
    {"SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, V_TIMEVAL},
    {"SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, V_TIMEVAL},
    {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, V_BOOL},
};
#define OPTION_COUNT (sizeof options / sizeof options[0])

#define MAX_SETS 16
static struct {
    const struct option_name *opt;
    long value, extra;
} sets[MAX_SETS];
static int set_count;

static void die(const char *what) {
    fprintf(stderr, "sockopts: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void print_ms(long long ms) {
    if (ms % 1000 == 0)
        printf("%llds", ms / 1000);
    else
        printf("%lldms", ms);
}

/* Print every option of FD on one line, after LABEL. */
static void print_options(const char *label, int fd, int listening) {
    printf("%-7s", label);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_name *o = &options[i];
        union {
            int i;
            struct linger l;
            struct timeval tv;
        } v;
        socklen_t len = sizeof v;
        memset(&v, 0, sizeof v);
        printf(" %s=", o->name);
        if (getsockopt(fd, o->level, o->optname, &v, &len) != 0) {
            printf("error(%d)", errno);
            continue;
        }
        switch (o->kind) {
        case V_BOOL:
            printf("%s", v.i ? "on" : "off");
            break;
        case V_SECS:
            printf("%ds", v.i);
            break;
        case V_COUNT:
            printf("%d", v.i);
            break;
        case V_MS:
            print_ms(v.i);
            break;
        case V_TIMEVAL:
            print_ms((long long)v.tv.tv_sec * 1000 + v.tv.tv_usec / 1000);
            break;
        case V_LINGER:
            if (v.l.l_onoff)
                printf("on:%ds", v.l.l_linger);
            else
                printf("off");
            break;
        }
    }
    if (listening) {
        /* For a listener, tcpi_sacked holds the accept queue's maximum:
         * the backlog the kernel actually uses. */
        struct tcp_info info;
        socklen_t len = sizeof info;
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0)
            printf(" backlog=%u", info.tcpi_sacked);
    }
    printf("\n");
}

/* The program's own setsockopt() calls, from --set. */
static void apply_sets(int fd) {
    for (int i = 0; i < set_count; i++) {
        const struct option_name *o = sets[i].opt;
        union {
            int i;
            struct linger l;
            struct timeval tv;
        } v;
        socklen_t len = sizeof v.i;
        memset(&v, 0, sizeof v);
        if (o->kind == V_LINGER) {
            v.l.l_onoff = (int)sets[i].value;
            v.l.l_linger = (int)sets[i].extra;
            len = sizeof v.l;
        } else if (o->kind == V_TIMEVAL) {
            v.tv.tv_sec = sets[i].value / 1000;
            v.tv.tv_usec = (sets[i].value % 1000) * 1000;
            len = sizeof v.tv;
        } else {
            v.i = (int)sets[i].value;
        }
        if (setsockopt(fd, o->level, o->optname, &v, len) != 0)
            fprintf(stderr, "sockopts: setsockopt %s: %s\n", o->name,
                    strerror(errno));
    }
}

/* The number at TEXT into *VALUE, or 1/0 for the words the SOCKSHIM_*
 * variables take for on and off; returns the end, or NULL for neither. */
static const char *parse_number(const char *text, long *value) {
    static const char *const words[] = {"on", "off",  "yes",
                                        "no", "true", "false"};
    size_t length = strcspn(text, ":");
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i]) == length &&
            strncasecmp(text, words[i], length) == 0) {
            *value = i % 2 == 0; /* on, yes, true at even places */
            return text + length;
        }
    }
    char *end;
    *value = strtol(text, &end, 10);
    return end == text ? NULL : end;
}

static void parse_set(const char *arg) {
    const char *eq = strchr(arg, '=');
    if (eq == NULL || set_count == MAX_SETS) {
        fprintf(stderr, "sockopts: --set NAME=VALUE\n");
        exit(2);
    }
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (strlen(options[i].name) == (size_t)(eq - arg) &&
            strncmp(options[i].name, arg, (size_t)(eq - arg)) == 0) {
            const char *end = parse_number(eq + 1, &sets[set_count].value);
            sets[set_count].opt = &options[i];
            sets[set_count].extra = 0;
            if (end != NULL && *end == ':')
                end = parse_number(end + 1, &sets[set_count].extra);
            if (end == NULL || *end != '\0') {
                fprintf(stderr, "sockopts: bad value in %s\n", arg);
                exit(2);
            }
            set_count++;
            return;
        }
    }
    fprintf(stderr, "sockopts: unknown option in %s\n", arg);
    exit(2);
}

int main(int argc, char **argv) {
    int family = AF_INET, nonblock = 0, use_accept4 = 0, backlog = 16;
    int hold = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-6") == 0)
            family = AF_INET6;
        else if (strcmp(argv[i], "-4") == 0)
            family = AF_INET;
        else if (strcmp(argv[i], "--nonblock") == 0)
            nonblock = SOCK_NONBLOCK;
        else if (strcmp(argv[i], "--accept4") == 0)
            use_accept4 = 1;
        else if (strcmp(argv[i], "--backlog") == 0 && i + 1 < argc)
            backlog = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
            hold = atoi(argv[++i]);
        else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc)
            parse_set(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: sockopts [-4|-6] [--nonblock] [--accept4] "
                    "[--backlog N] [--set NAME=VALUE]... [--hold SECONDS]\n");
            return 2;
        }
    }

    struct sockaddr_storage addr;
    socklen_t addr_len;
    memset(&addr, 0, sizeof addr);
    if (family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        addr_len = sizeof *in6;
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&addr;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr_len = sizeof *in;
    }

    int listener = socket(family, SOCK_STREAM | SOCK_CLOEXEC | nonblock, 0);
    if (listener < 0)
        die("socket");
    apply_sets(listener);
    if (bind(listener, (struct sockaddr *)&addr, addr_len) != 0)
        die("bind");
    if (listen(listener, backlog) != 0)
        die("listen");
    if (getsockname(listener, (struct sockaddr *)&addr, &addr_len) != 0)
        die("getsockname");

    int client = socket(family, SOCK_STREAM | SOCK_CLOEXEC | nonblock, 0);
    if (client < 0)
        die("socket");
    apply_sets(client);
    if (connect(client, (struct sockaddr *)&addr, addr_len) != 0) {
        if (errno != EINPROGRESS)
            die("connect");
        struct pollfd pfd = {.fd = client, .events = POLLOUT};
        if (poll(&pfd, 1, 5000) != 1)
            die("poll connect");
    }

    struct pollfd lpfd = {.fd = listener, .events = POLLIN};
    poll(&lpfd, 1, 5000);
    int accepted = use_accept4 ? accept4(listener, NULL, NULL, SOCK_CLOEXEC)
                               : accept(listener, NULL, NULL);
    if (accepted < 0)
        die("accept");
    apply_sets(accepted);

    print_options("listen", listener, 1);
    print_options("connect", client, 0);
    print_options("accept", accepted, 0);
    fflush(stdout);
    if (hold > 0)
        sleep((unsigned)hold);
    close(accepted);
    close(client);
    close(listener);
    return 0;
}
