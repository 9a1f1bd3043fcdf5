/*
 * identity.c — confirming that a descriptor is still the socket sockshim
 * tracks (see identity.h for why and when).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "diagnose/identity.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include "base/errno_scope.h"
#include "base/real.h"

static unsigned long unseen_closes;

/* A socket sockshim has not identified yet: is FD one of SLOT's family
 * and type? */
static int same_kind(int fd, const struct fd_slot *slot) {
    int domain = 0, type = 0;
    socklen_t len = sizeof domain;
    if (real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
        return 0;
    len = sizeof type;
    return real_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
           domain == slot->family && type == slot->sock_type;
}

/* Record INODE as SLOT's identity at generation GEN. A socket tracked
 * there in the meantime (track_socket() zeroes the inode after bumping
 * gen) must not keep ours: taken back then, it stays unknown. */
static void record_inode(struct fd_slot *slot, uint32_t gen, uint32_t inode) {
    __atomic_store_n(&slot->inode, inode, __ATOMIC_RELEASE);
    if (__atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) != gen)
        __atomic_compare_exchange_n(&slot->inode, &inode, 0, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void identity_closed(struct fd_slot *slot, uint32_t flags, uint32_t gen) {
    if ((flags & FD_TRACKED) && fdtab_forget_if(slot, flags, gen))
        __atomic_fetch_add(&unseen_closes, 1, __ATOMIC_RELAXED);
}

int identity_confirm(int fd, struct fd_slot *slot) {
    /* gen before flags: flags of a socket replaced in between then come
     * with a gen that no longer matches. */
    uint32_t gen = __atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE);
    uint32_t flags = fdtab_flags(slot);
    if (!(flags & FD_TRACKED))
        return 0;
    PRESERVE_ERRNO;
    struct stat st;
    uint32_t known = __atomic_load_n(&slot->inode, __ATOMIC_RELAXED);
    int same =
        fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
        (known != 0 ? (uint32_t)st.st_ino == known : same_kind(fd, slot));
    /* A socket tracked at FD meanwhile is not the one looked at. */
    if (__atomic_load_n(&slot->gen, __ATOMIC_ACQUIRE) != gen) {
        same = 0;
    } else if (same) {
        if (known == 0)
            record_inode(slot, gen, (uint32_t)st.st_ino);
    } else {
        identity_closed(slot, flags, gen);
    }
    return same;
}

int identity_note(int fd, struct fd_slot *slot) {
    if (__atomic_load_n(&slot->inode, __ATOMIC_RELAXED) != 0)
        return 1;
    return identity_confirm(fd, slot);
}

unsigned long identity_unseen_count(void) {
    return __atomic_load_n(&unseen_closes, __ATOMIC_RELAXED);
}

void identity_after_fork_child(void) { unseen_closes = 0; }
