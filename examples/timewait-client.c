/*
 * timewait-client — a client that binds a fixed local port, and
 * so meets its own TIME_WAIT.
 *
 * Each round binds 127.0.0.1:PORT, connects to a server in this same
 * process, and closes first. The side that closes first keeps the
 * connection in TIME_WAIT for 2MSL (60 s on Linux), so the next round's
 * bind() of the same port fails with EADDRINUSE -- unless SO_REUSEADDR is
 * set before bind(), which on Linux lets a new socket take a port whose
 * old connections are only in TIME_WAIT. Try:
 *
 *   timewait-client                          # round 2 fails
 *   SOCKSHIM_REUSEADDR=on LD_PRELOAD=.../libsockshim.so timewait-client
 *
 *   timewait-client [--rounds N] [--port PORT]
 *
 * Exit status: 0 when every round connected, 1 otherwise.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

/* One round: bind *PORT (0 = any, then remember it), connect to SERVER,
 * close first. Returns 0 on success, else prints why and returns -1. */
static int client_round(int round, int listener, unsigned short *port,
                        const struct sockaddr_in *server) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in local = loopback(*port);
    socklen_t len = sizeof local;
    if (fd < 0) {
        perror("socket");
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        printf("round %d: bind 127.0.0.1:%u: %s (%s)\n", round, *port,
               strerror(errno), strerrorname_np(errno));
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&local, &len);
    *port = ntohs(local.sin_port);
    if (connect(fd, (const struct sockaddr *)server, sizeof *server) != 0) {
        printf("round %d: connect from 127.0.0.1:%u: %s (%s)\n", round, *port,
               strerror(errno), strerrorname_np(errno));
        close(fd);
        return -1;
    }
    int conn = accept(listener, NULL, NULL);
    /* Client closes first: its side of the connection enters TIME_WAIT. */
    close(fd);
    char byte;
    if (conn >= 0) {
        while (read(conn, &byte, 1) > 0)
            ;
        close(conn);
    }
    printf("round %d: 127.0.0.1:%u -> 127.0.0.1:%u connected and closed "
           "first (now in TIME_WAIT)\n",
           round, *port, ntohs(server->sin_port));
    return 0;
}

int main(int argc, char **argv) {
    int rounds = 2;
    unsigned short port = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = (unsigned short)atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: timewait-client [--rounds N] "
                            "[--port PORT]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct sockaddr_in server = loopback(0);
    socklen_t len = sizeof server;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 ||
        bind(listener, (struct sockaddr *)&server, sizeof server) != 0 ||
        listen(listener, 8) != 0 ||
        getsockname(listener, (struct sockaddr *)&server, &len) != 0) {
        perror("server");
        return 2;
    }

    int failures = 0;
    for (int round = 1; round <= rounds; round++)
        if (client_round(round, listener, &port, &server) != 0)
            failures++;
    close(listener);
    return failures ? 1 : 0;
}
