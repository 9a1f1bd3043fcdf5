/*
 * wrappers.c — the exported libc names, and nothing else.
 *
 * Each wrapper forwards untouched to libc while sockshim is off or
 * uninitialised, and otherwise hands over to its hook
 * (hooks.c). The version script libsockshim.map exports exactly these.
 */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hooks.h"
#include "init.h"
#include "real.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int socket(int domain, int type, int protocol)
{
    if (!shim_active())
        return real_socket(domain, type, protocol);
    return hook_socket(domain, type, protocol);
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
    if (!shim_active())
        return real_socketpair(domain, type, protocol, sv);
    return hook_socketpair(domain, type, protocol, sv);
}

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (!shim_active())
        return real_bind(fd, addr, len);
    return hook_bind(fd, addr, len);
}

EXPORT int listen(int fd, int backlog)
{
    if (!shim_active())
        return real_listen(fd, backlog);
    return hook_listen(fd, backlog);
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    if (!shim_active())
        return real_accept(fd, addr, len);
    return hook_accept4(fd, addr, len, 0, 0);
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    if (!shim_active())
        return real_accept4(fd, addr, len, flags);
    return hook_accept4(fd, addr, len, flags, 1);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (!shim_active())
        return real_connect(fd, addr, len);
    return hook_connect(fd, addr, len);
}

EXPORT int setsockopt(int fd, int level, int optname, const void *value,
                      socklen_t len)
{
    if (!shim_active())
        return real_setsockopt(fd, level, optname, value, len);
    return hook_setsockopt(fd, level, optname, value, len);
}

EXPORT int close(int fd)
{
    if (!shim_active())
        return real_close(fd);
    return hook_close(fd);
}

/* Wrapped so that the export list is stable; its diagnostics
 * (shutdown_misuse) are not implemented yet, so it only forwards. */
EXPORT int shutdown(int fd, int how)
{
    return real_shutdown(fd, how);
}

EXPORT int dup(int fd)
{
    if (!shim_active())
        return real_dup(fd);
    return hook_dup(fd);
}

EXPORT int dup2(int fd, int newfd)
{
    if (!shim_active())
        return real_dup2(fd, newfd);
    return hook_dup3(fd, newfd, 0, 0);
}

EXPORT int dup3(int fd, int newfd, int flags)
{
    if (!shim_active())
        return real_dup3(fd, newfd, flags);
    return hook_dup3(fd, newfd, flags, 1);
}

/* fcntl's third argument is an int or a pointer depending on CMD; a long
 * carries either on every Linux ABI. */
EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (!shim_active())
        return real_fcntl(fd, cmd, arg);
    return hook_fcntl(fd, cmd, arg, 0);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (!shim_active())
        return real_fcntl64(fd, cmd, arg);
    return hook_fcntl(fd, cmd, arg, 1);
}

EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
    if (!shim_active())
        return real_close_range(lo, hi, flags);
    return hook_close_range(lo, hi, flags);
}

EXPORT void closefrom(int lowfd)
{
    if (!shim_active()) {
        real_closefrom(lowfd);
        return;
    }
    hook_closefrom(lowfd);
}
