/*
 * closewait-server — a server with the CLOSE_WAIT bug of seeds 002/003.
 *
 * It accepts connections, echoes what it reads, and when recv() returns 0
 * (the peer sent FIN) it forgets to close() the socket. The connection
 * then sits in CLOSE_WAIT for as long as the process lives, and with
 * enough clients the process runs out of descriptors. --fixed closes as
 * it should.
 *
 *   closewait-server [--port PORT] [--connections N] [--fixed]
 *                    [--hold SECONDS] [--show-options]
 *
 * Prints "listening on 127.0.0.1:PORT" first (PORT 0 picks a free one),
 * then serves N connections one after another, then waits --hold seconds
 * (default 0) before exiting. --show-options prints each accepted
 * socket's keepalive and nodelay as getsockopt() sees them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int get_int(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(fd, level, name, &v, &len);
    return v;
}

static void show_options(int fd)
{
    printf("fd %d: SO_KEEPALIVE=%s TCP_KEEPIDLE=%ds TCP_KEEPINTVL=%ds "
           "TCP_KEEPCNT=%d TCP_NODELAY=%s\n",
           fd, get_int(fd, SOL_SOCKET, SO_KEEPALIVE) ? "on" : "off",
           get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE),
           get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL),
           get_int(fd, IPPROTO_TCP, TCP_KEEPCNT),
           get_int(fd, IPPROTO_TCP, TCP_NODELAY) ? "on" : "off");
}

/* Serve one connection until the peer closes. The bug is what is missing
 * at the end: after recv() == 0 the socket must be closed. */
static void serve_client(int conn, int fixed)
{
    char buf[4096];
    ssize_t n;
    while ((n = recv(conn, buf, sizeof buf, 0)) > 0)
        if (send(conn, buf, (size_t)n, MSG_NOSIGNAL) < 0)
            break;
    printf("fd %d: peer closed (recv returned %zd)%s\n", conn, n,
           fixed ? ", closing" : ", NOT closing it: CLOSE_WAIT from now on");
    if (fixed)
        close(conn);
}

int main(int argc, char **argv)
{
    int port = 0, connections = 1, fixed = 0, hold = 0, show = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
            connections = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
            hold = atoi(argv[++i]);
        else if (strcmp(argv[i], "--fixed") == 0)
            fixed = 1;
        else if (strcmp(argv[i], "--show-options") == 0)
            show = 1;
        else {
            fprintf(stderr, "usage: closewait-server [--port PORT] "
                            "[--connections N] [--fixed] [--hold SECONDS] "
                            "[--show-options]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr,
                             sizeof addr) != 0 ||
        listen(listener, 16) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
        perror("closewait-server");
        return 2;
    }
    printf("listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));

    for (int i = 0; i < connections; i++) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) {
            perror("accept");
            continue;
        }
        if (show)
            show_options(conn);
        serve_client(conn, fixed);
    }
    if (hold > 0)
        sleep((unsigned)hold);
    return 0;
}
