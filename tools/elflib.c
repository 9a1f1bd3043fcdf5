/*
 * elflib.c — check, from its ELF header, that the library to preload is
 * one the loader can load into a program of this machine (see elfcheck.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "elfcheck.h"
#include "elfread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The launcher's own class, byte order and machine, from the first bytes of
 * /proc/self/exe into OWN (OWN_SIZE bytes); false if they cannot be read.
 */
static bool read_own_header(unsigned char *own, size_t own_size,
                            struct elf_file *elf) {
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    size_t len;

    if (fd < 0)
        return false;
    len = elf_pread(fd, own, own_size, 0);
    close(fd);
    return elf_parse_ident(own, len, elf);
}

/*
 * True if the ELF file behind ELF (header HEAD) is a position-independent
 * executable, DF_1_PIE in DT_FLAGS_1: ET_DYN like a library, but ld.so
 * refuses to preload it.  False when the dynamic section cannot be read.
 */
static bool is_pie(const struct elf_file *elf, const unsigned char *head) {
    struct elf_file copy = *elf;
    struct elf_header hdr;
    struct segment *segments;
    const struct segment *dynamic;
    unsigned char *entries = NULL;
    size_t count = 0, entry_size = ELF_SIZEOF(elf, Dyn);
    uint64_t n_entries = 0;
    bool pie = false;

    if (!elf_parse_header(head, ELF_SIZEOF(elf, Ehdr), &copy, &hdr))
        return false;
    segments = elf_read_segments(elf, &hdr, &count);
    dynamic = elf_find_segment(segments, count, PT_DYNAMIC);
    if (dynamic != NULL) {
        entries = elf_read_block(elf, dynamic->offset, dynamic->filesz,
                                 ELF_MAX_DYNAMIC);
        n_entries = dynamic->filesz / entry_size;
    }
    for (uint64_t i = 0; entries != NULL && i < n_entries; i++) {
        const unsigned char *entry = entries + i * entry_size;
        uint64_t tag = ELF_FIELD(elf, entry, Dyn, d_tag);
        if (tag == DT_NULL)
            break;
        if (tag == DT_FLAGS_1)
            pie = (ELF_FIELD(elf, entry, Dyn, d_un.d_val) & DF_1_PIE) != 0;
    }
    free(entries);
    free(segments);
    return pie;
}

enum elfcheck_library elfcheck_library(const char *path) {
    unsigned char head[sizeof(Elf64_Ehdr)], own[sizeof(Elf64_Ehdr)];
    struct elf_file elf = {.fd = -1}, self;
    struct stat st;
    enum elfcheck_library verdict = ELFLIB_OK;

    elf.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (elf.fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? ELFLIB_MISSING
                                                   : ELFLIB_UNREADABLE;
    if (fstat(elf.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(elf.fd);
        return ELFLIB_UNREADABLE;
    }
    elf.size = (uint64_t)st.st_size;
    if (!elf_parse_ident(head, elf_pread(elf.fd, head, sizeof(head), 0),
                         &elf)) {
        verdict = ELFLIB_NOT_ELF;
    } else if (read_own_header(own, sizeof(own), &self)) {
        if (head[EI_CLASS] != own[EI_CLASS] || head[EI_DATA] != own[EI_DATA] ||
            ELF_FIELD(&elf, head, Ehdr, e_machine) !=
                ELF_FIELD(&self, own, Ehdr, e_machine))
            verdict = ELFLIB_WRONG_ARCH;
    } else if (elf.is_64bit != (sizeof(void *) == 8) || elf.swap_bytes) {
        verdict = ELFLIB_WRONG_ARCH; /* no /proc: class and byte order only */
    }
    if (verdict == ELFLIB_OK &&
        (ELF_FIELD(&elf, head, Ehdr, e_type) != ET_DYN || is_pie(&elf, head)))
        verdict = ELFLIB_NOT_SHARED;
    close(elf.fd);
    return verdict;
}

const char *elfcheck_library_explain(enum elfcheck_library v) {
    switch (v) {
    case ELFLIB_OK:
        return "is a shared library of this machine's architecture";
    case ELFLIB_MISSING:
        return "does not exist";
    case ELFLIB_UNREADABLE:
        return "cannot be read (not a regular file, or no permission)";
    case ELFLIB_NOT_ELF:
        return "is not an ELF file";
    case ELFLIB_NOT_SHARED:
        return "is not a shared library (an ELF executable or object)";
    case ELFLIB_WRONG_ARCH:
        return "is a library for another architecture (ELF class, byte "
               "order or machine)";
    }
    return "has an unknown verdict";
}
