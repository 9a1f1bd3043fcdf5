/*
 * elfread.h — read an untrusted ELF file: its identification, header,
 * program headers and blocks of it, for either class and byte order.
 *
 * Every offset and size is checked against the file size before use and
 * every read is capped, so a truncated or hostile file makes a function
 * return false or NULL, never crash or allocate without bound.  The
 * launcher's checks of a command (elfcheck.c) and of the library to
 * preload (elflib.c) are built on it.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_ELFREAD_H
#define SOCKSHIM_ELFREAD_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest dynamic section read, far above any real program's. */
#define ELF_MAX_DYNAMIC (1024 * 1024)

/* An opened ELF file and how to decode its multi-byte fields. */
struct elf_file {
    int fd;
    uint64_t size;
    bool is_64bit;
    bool swap_bytes; /* file byte order differs from ours */
};

/* The program header fields we use, whatever the ELF class. */
struct segment {
    uint32_t type;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t align;
};

/* Header fields locating the program and section header tables. */
struct elf_header {
    uint64_t phoff;
    uint64_t phentsize;
    uint64_t phnum;
    uint64_t shoff;
    uint64_t shentsize;
    uint64_t shnum;
    uint64_t shstrndx;
};

/* Decode an unsigned field of SIZE bytes at P in the file's byte order. */
uint64_t elf_get_uint(const struct elf_file *elf, const unsigned char *p,
                      size_t size);

/*
 * Read FIELD of an ElfNN_TYPE structure stored at BUF, for either class.
 * Using <elf.h>'s own layouts keeps the 32- and 64-bit paths in one place.
 */
#define ELF_FIELD(elf, buf, type, field)                                       \
    ((elf)->is_64bit                                                           \
         ? elf_get_uint((elf), (buf) + offsetof(Elf64_##type, field),          \
                        sizeof(((Elf64_##type *)0)->field))                    \
         : elf_get_uint((elf), (buf) + offsetof(Elf32_##type, field),          \
                        sizeof(((Elf32_##type *)0)->field)))

/* Size of an ElfNN_TYPE structure for the file's class. */
#define ELF_SIZEOF(elf, type)                                                  \
    ((elf)->is_64bit ? sizeof(Elf64_##type) : sizeof(Elf32_##type))

/* pread up to SIZE bytes at OFFSET, retrying short reads; bytes read. */
size_t elf_pread(int fd, void *buf, size_t size, uint64_t offset);

/*
 * Read SIZE bytes at OFFSET into a new buffer with a NUL byte appended (so
 * string tables can be searched safely).  NULL if out of bounds, over CAP
 * or unreadable.  The caller frees.
 */
unsigned char *elf_read_block(const struct elf_file *elf, uint64_t offset,
                              uint64_t size, uint64_t cap);

/*
 * Check the identification bytes in HEAD (HEAD_LEN bytes) and set *ELF's
 * class and byte order.  False if this is no ELF file we understand or its
 * header is cut short.
 */
bool elf_parse_ident(const unsigned char *head, size_t head_len,
                     struct elf_file *elf);

/*
 * Check the identification bytes in HEAD and fill *ELF and *HDR.  False if
 * this is not an executable ELF file we understand (ET_EXEC or ET_DYN).
 */
bool elf_parse_header(const unsigned char *head, size_t head_len,
                      struct elf_file *elf, struct elf_header *hdr);

/*
 * Read and decode all program headers into a new array (*COUNT entries).
 * NULL if the table is missing, malformed or truncated.  The caller frees.
 */
struct segment *elf_read_segments(const struct elf_file *elf,
                                  const struct elf_header *hdr, size_t *count);

/* The first of the COUNT SEGMENTS of TYPE (PT_DYNAMIC, ...), or NULL. */
const struct segment *elf_find_segment(const struct segment *segments,
                                       size_t count, uint32_t type);

/*
 * Translate virtual address VADDR to a file offset through the PT_LOAD
 * segments.  False if no loaded file content covers it.
 */
bool elf_vaddr_to_offset(const struct segment *segments, size_t count,
                         uint64_t vaddr, uint64_t *offset);

#endif
