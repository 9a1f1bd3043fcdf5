/*
 * elfread.c — read an untrusted ELF file (see elfread.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "elfread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The kernel's own limit on the size of the program header table. */
#define MAX_PHDR_TABLE (64 * 1024)

uint64_t elf_get_uint(const struct elf_file *elf, const unsigned char *p,
                      size_t size) {
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;

    switch (size) {
    case 1:
        return *p;
    case 2:
        memcpy(&v16, p, sizeof(v16));
        return elf->swap_bytes ? __builtin_bswap16(v16) : v16;
    case 4:
        memcpy(&v32, p, sizeof(v32));
        return elf->swap_bytes ? __builtin_bswap32(v32) : v32;
    default:
        memcpy(&v64, p, sizeof(v64));
        return elf->swap_bytes ? __builtin_bswap64(v64) : v64;
    }
}

/* True if [OFFSET, OFFSET + SIZE) lies inside a file of FILE_SIZE bytes. */
static bool range_in_file(uint64_t offset, uint64_t size, uint64_t file_size) {
    /* Written this way so that OFFSET + SIZE cannot overflow. */
    return size <= file_size && offset <= file_size - size;
}

size_t elf_pread(int fd, void *buf, size_t size, uint64_t offset) {
    size_t done = 0;

    while (done < size) {
        ssize_t n =
            pread(fd, (char *)buf + done, size - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

unsigned char *elf_read_block(const struct elf_file *elf, uint64_t offset,
                              uint64_t size, uint64_t cap) {
    unsigned char *buf;

    if (size > cap || !range_in_file(offset, size, elf->size))
        return NULL;
    buf = malloc((size_t)size + 1);
    if (buf == NULL)
        return NULL;
    if (elf_pread(elf->fd, buf, (size_t)size, offset) != size) {
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    return buf;
}

/* Decode the program header at P. */
static struct segment decode_segment(const struct elf_file *elf,
                                     const unsigned char *p) {
    struct segment seg;

    seg.type = (uint32_t)ELF_FIELD(elf, p, Phdr, p_type);
    seg.offset = ELF_FIELD(elf, p, Phdr, p_offset);
    seg.vaddr = ELF_FIELD(elf, p, Phdr, p_vaddr);
    seg.filesz = ELF_FIELD(elf, p, Phdr, p_filesz);
    seg.align = ELF_FIELD(elf, p, Phdr, p_align);
    return seg;
}

bool elf_parse_ident(const unsigned char *head, size_t head_len,
                     struct elf_file *elf) {
    if (head_len < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG) != 0)
        return false;
    if (head[EI_CLASS] != ELFCLASS32 && head[EI_CLASS] != ELFCLASS64)
        return false;
    if (head[EI_DATA] != ELFDATA2LSB && head[EI_DATA] != ELFDATA2MSB)
        return false;
    elf->is_64bit = head[EI_CLASS] == ELFCLASS64;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    elf->swap_bytes = head[EI_DATA] != ELFDATA2LSB;
#else
    elf->swap_bytes = head[EI_DATA] != ELFDATA2MSB;
#endif
    return head_len >= ELF_SIZEOF(elf, Ehdr);
}

bool elf_parse_header(const unsigned char *head, size_t head_len,
                      struct elf_file *elf, struct elf_header *hdr) {
    uint64_t type;

    if (!elf_parse_ident(head, head_len, elf))
        return false;

    /* Relocatable objects and core files cannot be executed. */
    type = ELF_FIELD(elf, head, Ehdr, e_type);
    if (type != ET_EXEC && type != ET_DYN)
        return false;

    hdr->phoff = ELF_FIELD(elf, head, Ehdr, e_phoff);
    hdr->phentsize = ELF_FIELD(elf, head, Ehdr, e_phentsize);
    hdr->phnum = ELF_FIELD(elf, head, Ehdr, e_phnum);
    hdr->shoff = ELF_FIELD(elf, head, Ehdr, e_shoff);
    hdr->shentsize = ELF_FIELD(elf, head, Ehdr, e_shentsize);
    hdr->shnum = ELF_FIELD(elf, head, Ehdr, e_shnum);
    hdr->shstrndx = ELF_FIELD(elf, head, Ehdr, e_shstrndx);
    return true;
}

struct segment *elf_read_segments(const struct elf_file *elf,
                                  const struct elf_header *hdr, size_t *count) {
    /* phentsize and phnum are 16-bit fields, so the product fits. */
    uint64_t table_size = hdr->phentsize * hdr->phnum;
    unsigned char *table;
    struct segment *segments;

    if (hdr->phnum == 0 || hdr->phentsize < ELF_SIZEOF(elf, Phdr) ||
        table_size > MAX_PHDR_TABLE)
        return NULL;
    table = elf_read_block(elf, hdr->phoff, table_size, MAX_PHDR_TABLE);
    if (table == NULL)
        return NULL;
    segments = calloc((size_t)hdr->phnum, sizeof(*segments));
    if (segments != NULL) {
        for (uint64_t i = 0; i < hdr->phnum; i++)
            segments[i] = decode_segment(elf, table + i * hdr->phentsize);
        *count = (size_t)hdr->phnum;
    }
    free(table);
    return segments;
}

const struct segment *elf_find_segment(const struct segment *segments,
                                       size_t count, uint32_t type) {
    for (size_t i = 0; i < count; i++) {
        if (segments[i].type == type)
            return &segments[i];
    }
    return NULL;
}

bool elf_vaddr_to_offset(const struct segment *segments, size_t count,
                         uint64_t vaddr, uint64_t *offset) {
    for (size_t i = 0; i < count; i++) {
        const struct segment *seg = &segments[i];
        if (seg->type == PT_LOAD && vaddr >= seg->vaddr &&
            vaddr - seg->vaddr < seg->filesz) {
            *offset = seg->offset + (vaddr - seg->vaddr);
            return true;
        }
    }
    return false;
}
