/*
 * elfcheck.c — classify the program behind a command line as interposable
 * by LD_PRELOAD or not (see elfcheck.h).
 *
 * Everything read from the file is untrusted: each offset and size is checked
 * against the file size before use and every table read is capped, so a
 * truncated or hostile file yields a verdict, never a crash or a huge
 * allocation.  Problems in program headers make the file NOT_ELF (the kernel
 * would refuse it too); problems in section headers, which the loader never
 * looks at, only disable the section-name check.  The library to preload
 * gets a header check of its own (elfcheck_library).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "elfcheck.h"

#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The kernel reads this much of a file to find "#!" (BINPRM_BUF_SIZE). */
#define HEAD_SIZE 256
/* The kernel follows at most this many nested #! interpreters. */
#define MAX_SCRIPT_DEPTH 4
/* Caps on what we read, far above anything a real executable needs. */
#define MAX_PHDR_TABLE (64 * 1024) /* the kernel's own limit */
#define MAX_SHDR_TABLE (4 * 1024 * 1024)
#define MAX_SHSTRTAB (1024 * 1024)
#define MAX_NOTES (1024 * 1024)
#define MAX_DYNAMIC (1024 * 1024)
#define MAX_DYNSTR (1024 * 1024)
/* Go's linker tags its build ID note with this type (name "Go"). */
#define GO_NOTE_BUILDID 4

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
static uint64_t get_uint(const struct elf_file *elf, const unsigned char *p,
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

/*
 * Read FIELD of an ElfNN_TYPE structure stored at BUF, for either class.
 * Using <elf.h>'s own layouts keeps the 32- and 64-bit paths in one place.
 */
#define ELF_FIELD(elf, buf, type, field)                                       \
    ((elf)->is_64bit ? get_uint((elf), (buf) + offsetof(Elf64_##type, field),  \
                                sizeof(((Elf64_##type *)0)->field))            \
                     : get_uint((elf), (buf) + offsetof(Elf32_##type, field),  \
                                sizeof(((Elf32_##type *)0)->field)))

/* Size of an ElfNN_TYPE structure for the file's class. */
#define ELF_SIZEOF(elf, type)                                                  \
    ((elf)->is_64bit ? sizeof(Elf64_##type) : sizeof(Elf32_##type))

/* True if [OFFSET, OFFSET + SIZE) lies inside a file of FILE_SIZE bytes. */
static bool range_in_file(uint64_t offset, uint64_t size, uint64_t file_size) {
    /* Written this way so that OFFSET + SIZE cannot overflow. */
    return size <= file_size && offset <= file_size - size;
}

/* pread up to SIZE bytes at OFFSET, retrying short reads; bytes read. */
static size_t read_at(int fd, void *buf, size_t size, uint64_t offset) {
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

/*
 * Read SIZE bytes at OFFSET into a new buffer with a NUL byte appended (so
 * string tables can be searched safely).  NULL if out of bounds, over CAP
 * or unreadable.  The caller frees.
 */
static unsigned char *read_block(const struct elf_file *elf, uint64_t offset,
                                 uint64_t size, uint64_t cap) {
    unsigned char *buf;

    if (size > cap || !range_in_file(offset, size, elf->size))
        return NULL;
    buf = malloc((size_t)size + 1);
    if (buf == NULL)
        return NULL;
    if (read_at(elf->fd, buf, (size_t)size, offset) != size) {
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

/*
 * Check the identification bytes in HEAD (HEAD_LEN bytes) and set *ELF's
 * class and byte order.  False if this is no ELF file we understand or its
 * header is cut short.
 */
static bool parse_ident(const unsigned char *head, size_t head_len,
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

/*
 * Check the identification bytes in HEAD and fill *ELF and *HDR.  False if
 * this is not an executable ELF file we understand.
 */
static bool parse_elf_header(const unsigned char *head, size_t head_len,
                             struct elf_file *elf, struct elf_header *hdr) {
    uint64_t type;

    if (!parse_ident(head, head_len, elf))
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

/*
 * Read and decode all program headers into a new array (*COUNT entries).
 * NULL if the table is missing, malformed or truncated.  The caller frees.
 */
static struct segment *read_segments(const struct elf_file *elf,
                                     const struct elf_header *hdr,
                                     size_t *count) {
    /* phentsize and phnum are 16-bit fields, so the product fits. */
    uint64_t table_size = hdr->phentsize * hdr->phnum;
    unsigned char *table;
    struct segment *segments;

    if (hdr->phnum == 0 || hdr->phentsize < ELF_SIZEOF(elf, Phdr) ||
        table_size > MAX_PHDR_TABLE)
        return NULL;
    table = read_block(elf, hdr->phoff, table_size, MAX_PHDR_TABLE);
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

/* True if section names include one that only Go's toolchain emits. */
static bool has_go_section(const struct elf_file *elf,
                           const struct elf_header *hdr) {
    static const char *const go_sections[] = {
        ".note.go.buildid",
        ".go.buildinfo",
        ".gopclntab",
    };
    uint64_t shnum = hdr->shnum;
    uint64_t shstrndx = hdr->shstrndx;
    uint64_t shentsize = hdr->shentsize;
    unsigned char *table = NULL;
    unsigned char *names = NULL;
    uint64_t names_size = 0;
    bool found = false;

    if (hdr->shoff == 0 || shentsize < ELF_SIZEOF(elf, Shdr))
        return false;
    /*
     * With 0xff00 or more sections the real count and string table index
     * live in section 0 (sh_size and sh_link); read it first to find out.
     */
    if (shnum == 0 || shstrndx == SHN_XINDEX) {
        unsigned char *first =
            read_block(elf, hdr->shoff, shentsize, MAX_SHDR_TABLE);
        if (first == NULL)
            return false;
        if (shnum == 0)
            shnum = ELF_FIELD(elf, first, Shdr, sh_size);
        if (shstrndx == SHN_XINDEX)
            shstrndx = ELF_FIELD(elf, first, Shdr, sh_link);
        free(first);
    }
    if (shnum == 0 || shnum > MAX_SHDR_TABLE / shentsize || shstrndx >= shnum)
        return false;

    table = read_block(elf, hdr->shoff, shnum * shentsize, MAX_SHDR_TABLE);
    if (table == NULL)
        return false;
    {
        const unsigned char *strhdr = table + shstrndx * shentsize;
        names_size = ELF_FIELD(elf, strhdr, Shdr, sh_size);
        names = read_block(elf, ELF_FIELD(elf, strhdr, Shdr, sh_offset),
                           names_size, MAX_SHSTRTAB);
    }
    if (names == NULL)
        goto out;

    for (uint64_t i = 0; i < shnum && !found; i++) {
        uint64_t name = ELF_FIELD(elf, table + i * shentsize, Shdr, sh_name);
        if (name >= names_size)
            continue;
        /* read_block appended a NUL, so strcmp stays inside the buffer. */
        for (size_t k = 0; k < sizeof(go_sections) / sizeof(*go_sections);
             k++) {
            if (strcmp((const char *)names + name, go_sections[k]) == 0)
                found = true;
        }
    }
out:
    free(names);
    free(table);
    return found;
}

/* Round V up to a multiple of ALIGN (a power of two). */
static uint64_t align_up(uint64_t v, uint64_t align) {
    return (v + align - 1) & ~(align - 1);
}

/* True if the PT_NOTE segment SEG holds a Go build ID note. */
static bool has_go_note(const struct elf_file *elf, const struct segment *seg) {
    /* Notes in an 8-aligned segment (e.g. GNU properties) are 8-padded. */
    uint64_t align = seg->align == 8 ? 8 : 4;
    unsigned char *notes = read_block(elf, seg->offset, seg->filesz, MAX_NOTES);
    uint64_t pos = 0;
    bool found = false;

    if (notes == NULL)
        return false;
    /* Each note: namesz, descsz, type (32-bit each), then name, desc. */
    while (!found && seg->filesz - pos >= 12) {
        uint64_t namesz = get_uint(elf, notes + pos, 4);
        uint64_t descsz = get_uint(elf, notes + pos + 4, 4);
        uint64_t type = get_uint(elf, notes + pos + 8, 4);
        uint64_t name_pos = pos + 12;

        if (namesz > seg->filesz - name_pos)
            break;
        if (type == GO_NOTE_BUILDID && namesz >= 3 &&
            memcmp(notes + name_pos, "Go", 3) == 0)
            found = true;
        /* Sizes are at most 32 bits, so these sums cannot overflow. */
        pos = align_up(name_pos + namesz, align);
        pos = align_up(pos + descsz, align);
        if (pos > seg->filesz)
            break;
    }
    free(notes);
    return found;
}

/*
 * Translate virtual address VADDR to a file offset through the PT_LOAD
 * segments.  False if no loaded file content covers it.
 */
static bool vaddr_to_offset(const struct segment *segments, size_t count,
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

/*
 * Classify the dynamic section of a program that has PT_INTERP: OK if one
 * DT_NEEDED entry names libc.so.*, else NO_LIBC.  NOT_ELF if the dynamic
 * section or its string table cannot be read (the loader would fail too).
 */
static enum elfcheck_verdict check_needed_libc(const struct elf_file *elf,
                                               const struct segment *segments,
                                               size_t count) {
    const struct segment *dynamic = NULL;
    size_t entry_size = ELF_SIZEOF(elf, Dyn);
    unsigned char *entries;
    unsigned char *strtab = NULL;
    uint64_t strtab_vaddr = 0, strtab_size = 0, strtab_offset;
    bool have_strtab = false, have_strsz = false, needs_libc = false;
    uint64_t n_entries;
    enum elfcheck_verdict verdict = ELFCHECK_NOT_ELF;

    for (size_t i = 0; i < count && dynamic == NULL; i++) {
        if (segments[i].type == PT_DYNAMIC)
            dynamic = &segments[i];
    }
    /* Dynamic but nothing to load: certainly not linked against libc. */
    if (dynamic == NULL)
        return ELFCHECK_NO_LIBC;
    entries = read_block(elf, dynamic->offset, dynamic->filesz, MAX_DYNAMIC);
    if (entries == NULL)
        return ELFCHECK_NOT_ELF;
    n_entries = dynamic->filesz / entry_size;

    /* First pass: find the string table that DT_NEEDED values index. */
    for (uint64_t i = 0; i < n_entries; i++) {
        const unsigned char *entry = entries + i * entry_size;
        uint64_t tag = ELF_FIELD(elf, entry, Dyn, d_tag);
        if (tag == DT_NULL)
            break;
        if (tag == DT_STRTAB) {
            strtab_vaddr = ELF_FIELD(elf, entry, Dyn, d_un.d_val);
            have_strtab = true;
        } else if (tag == DT_STRSZ) {
            strtab_size = ELF_FIELD(elf, entry, Dyn, d_un.d_val);
            have_strsz = true;
        }
    }
    if (!have_strtab || !have_strsz) {
        verdict = ELFCHECK_NO_LIBC; /* no names, so no DT_NEEDED libc */
        goto out;
    }
    if (!vaddr_to_offset(segments, count, strtab_vaddr, &strtab_offset))
        goto out;
    strtab = read_block(elf, strtab_offset, strtab_size, MAX_DYNSTR);
    if (strtab == NULL)
        goto out;

    /* Second pass: look at the DT_NEEDED names. */
    for (uint64_t i = 0; i < n_entries && !needs_libc; i++) {
        const unsigned char *entry = entries + i * entry_size;
        uint64_t tag = ELF_FIELD(elf, entry, Dyn, d_tag);
        uint64_t name = ELF_FIELD(elf, entry, Dyn, d_un.d_val);
        if (tag == DT_NULL)
            break;
        /* strtab is NUL-terminated past strtab_size, so strncmp is safe. */
        if (tag == DT_NEEDED && name < strtab_size &&
            strncmp((const char *)strtab + name, "libc.so", 7) == 0)
            needs_libc = true;
    }
    verdict = needs_libc ? ELFCHECK_OK : ELFCHECK_NO_LIBC;
out:
    free(strtab);
    free(entries);
    return verdict;
}

/*
 * True if executing the file FD gives a caller that is not root
 * capabilities, from the file's security.capability attribute: then the
 * kernel sets AT_SECURE (security/commoncap.c).  Root's own set is already
 * full, and the kernel does not mark its executions secure for capabilities.
 * The bounding set is taken as full: at worst a warning too many.
 */
static bool gains_capabilities(int fd) {
    unsigned char raw[sizeof(struct vfs_ns_cap_data)];
    uint32_t word[5]; /* magic_etc, then permitted/inheritable pairs */
    uint64_t permitted, inheritable, own_inheritable;
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct own[_LINUX_CAPABILITY_U32S_3];
    ssize_t n;

    if (getuid() == 0)
        return false;
    n = fgetxattr(fd, "security.capability", raw, sizeof(raw));
    if (n < (ssize_t)XATTR_CAPS_SZ_1)
        return false;
    memset(word, 0, sizeof(word));
    memcpy(word, raw, n < (ssize_t)sizeof(word) ? (size_t)n : sizeof(word));
    for (size_t i = 0; i < 5; i++)
        word[i] = le32toh(word[i]);
    /* Revision 1 has one 32-bit word per set; the words above stay 0. */
    if ((word[0] & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_1)
        word[3] = word[4] = 0;
    permitted = word[1] | (uint64_t)word[3] << 32;
    inheritable = word[2] | (uint64_t)word[4] << 32;
    own_inheritable = 0;
    if (syscall(SYS_capget, &header, own) == 0)
        own_inheritable = own[0].inheritable | (uint64_t)own[1].inheritable
                                                   << 32;
    return (permitted | (inheritable & own_inheritable)) != 0 ||
           (word[0] & VFS_CAP_FLAGS_EFFECTIVE) != 0;
}

/*
 * The change of identity that executing FD (status ST) brings, as the
 * kernel decides it: ELFCHECK_SETUID, _SETGID, _CAPS, or ELFCHECK_OK for
 * none.  Set-id bits and file capabilities count for nothing on a nosuid
 * mount and under no_new_privs; a setuid file of the caller's own (root
 * running a root-owned one) changes nothing either.
 */
static enum elfcheck_verdict identity_change(int fd, const struct stat *st) {
    struct statvfs fs;

    if (fstatvfs(fd, &fs) == 0 && (fs.f_flag & ST_NOSUID))
        return ELFCHECK_OK;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
        return ELFCHECK_OK;
    if ((st->st_mode & S_ISUID) && st->st_uid != getuid())
        return ELFCHECK_SETUID;
    /* Set-group-id without group execute marks mandatory locking. */
    if ((st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
        st->st_gid != getgid())
        return ELFCHECK_SETGID;
    if (gains_capabilities(fd))
        return ELFCHECK_CAPS;
    return ELFCHECK_OK;
}

/*
 * Classify the opened ELF file FD (HEAD holds its first HEAD_LEN bytes) in
 * the documented order: setid, Go, static, libc.
 */
static enum elfcheck_verdict inspect_elf(int fd, const struct stat *st,
                                         const unsigned char *head,
                                         size_t head_len) {
    struct elf_file elf = {.fd = fd, .size = (uint64_t)st->st_size};
    struct elf_header hdr;
    struct segment *segments;
    size_t count = 0;
    bool is_go, has_interp = false;
    enum elfcheck_verdict verdict;

    if (!parse_elf_header(head, head_len, &elf, &hdr))
        return ELFCHECK_NOT_ELF;
    verdict = identity_change(fd, st);
    if (verdict != ELFCHECK_OK)
        return verdict;
    segments = read_segments(&elf, &hdr, &count);
    if (segments == NULL)
        return ELFCHECK_NOT_ELF;

    /*
     * Go comes before linkage: even a cgo program, linked against libc,
     * makes its socket calls as raw syscalls.
     */
    is_go = has_go_section(&elf, &hdr);
    for (size_t i = 0; i < count; i++) {
        if (segments[i].type == PT_NOTE && !is_go)
            is_go = has_go_note(&elf, &segments[i]);
        if (segments[i].type == PT_INTERP)
            has_interp = true;
    }

    if (is_go)
        verdict = ELFCHECK_GO;
    else if (!has_interp) /* also covers static-pie, which has DYNAMIC */
        verdict = ELFCHECK_STATIC;
    else
        verdict = check_needed_libc(&elf, segments, count);
    free(segments);
    return verdict;
}

/* True if PATH is a regular file we may execute. */
static bool is_executable_file(const char *path) {
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

/*
 * Find the executable file for NAME into OUT (OUT_SIZE bytes).  Like
 * execvp, search $PATH only when SEARCH_PATH is set and NAME has no '/'.
 */
static bool resolve_program(const char *name, bool search_path, char *out,
                            size_t out_size) {
    const char *dir;

    if (name[0] == '\0')
        return false;
    if (!search_path || strchr(name, '/') != NULL) {
        if (strlen(name) >= out_size)
            return false;
        strcpy(out, name);
        return is_executable_file(out);
    }
    dir = getenv("PATH");
    if (dir == NULL)
        dir = "/bin:/usr/bin"; /* glibc's default, confstr(_CS_PATH) */
    for (;;) {
        const char *end = strchrnul(dir, ':');
        size_t dir_len = (size_t)(end - dir);
        int n = -1;

        /* An empty PATH element means the current directory. */
        if (dir_len == 0)
            n = snprintf(out, out_size, "%s", name);
        else if (dir_len < out_size)
            n = snprintf(out, out_size, "%.*s/%s", (int)dir_len, dir, name);
        if (n >= 0 && (size_t)n < out_size && is_executable_file(out))
            return true;
        if (*end == '\0')
            return false;
        dir = end + 1;
    }
}

/* Length of the word at S (up to a space, tab or NUL). */
static size_t word_length(const char *s) { return strcspn(s, " \t"); }

/* S advanced past spaces and tabs. */
static const char *skip_blanks(const char *s) { return s + strspn(s, " \t"); }

/*
 * Parse the "#!" line at the start of HEAD (HEAD_LEN bytes) into the next
 * program to look at, stored in NEXT (NEXT_SIZE bytes).  *SEARCH_PATH says
 * whether NEXT must be looked up in $PATH (only for "#!/usr/bin/env NAME").
 */
static bool parse_shebang(const unsigned char *head, size_t head_len,
                          char *next, size_t next_size, bool *search_path) {
    char line[HEAD_SIZE + 1];
    size_t line_len = 0;
    const char *interp, *word;
    size_t interp_len, len;

    /* The line ends at a newline or, as in the kernel, at the buffer end. */
    while (2 + line_len < head_len && head[2 + line_len] != '\n' &&
           head[2 + line_len] != '\0' && line_len < HEAD_SIZE)
        line_len++;
    memcpy(line, head + 2, line_len);
    line[line_len] = '\0';

    interp = skip_blanks(line);
    interp_len = word_length(interp);
    if (interp_len == 0)
        return false;
    word = interp + interp_len;

    /* "env" is only a launcher: the real interpreter is its argument. */
    if (interp_len >= 3 && memcmp(interp + interp_len - 3, "env", 3) == 0 &&
        (interp_len == 3 || interp[interp_len - 4] == '/')) {
        /*
         * Linux passes the rest of the line as one argument; we split it
         * anyway so "env -S prog -x" and "env VAR=1 prog" resolve to prog.
         */
        for (word = skip_blanks(word); *word != '\0';
             word = skip_blanks(word + len)) {
            len = word_length(word);
            if (word[0] != '-' && memchr(word, '=', len) == NULL)
                break;
            /* These env options consume the following word. */
            if (len == 2 && (word[1] == 'u' || word[1] == 'C')) {
                word = skip_blanks(word + len);
                len = word_length(word);
            }
        }
        if (*word != '\0') {
            len = word_length(word);
            if (len >= next_size)
                return false;
            memcpy(next, word, len);
            next[len] = '\0';
            *search_path = true;
            return true;
        }
    }
    /* The kernel uses the interpreter path as written, without $PATH. */
    if (interp_len >= next_size)
        return false;
    memcpy(next, interp, interp_len);
    next[interp_len] = '\0';
    *search_path = false;
    return true;
}

enum elfcheck_verdict elfcheck_command(const char *command,
                                       struct elfcheck_result *out) {
    char name[sizeof(out->path)];
    bool search_path = true;
    enum elfcheck_verdict verdict = ELFCHECK_NOT_ELF;

    out->path[0] = '\0';
    if (command == NULL || strlen(command) >= sizeof(name)) {
        out->verdict = ELFCHECK_NOT_FOUND;
        return out->verdict;
    }
    strcpy(name, command);

    for (int depth = 0; depth <= MAX_SCRIPT_DEPTH; depth++) {
        unsigned char head[HEAD_SIZE];
        size_t head_len;
        struct stat st;
        int fd;

        if (!resolve_program(name, search_path, out->path, sizeof(out->path))) {
            /* Report the name that failed, e.g. a missing interpreter. */
            snprintf(out->path, sizeof(out->path), "%s", name);
            verdict = ELFCHECK_NOT_FOUND;
            break;
        }
        /* An execute-only file cannot be read: we cannot tell what it is. */
        fd = open(out->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            verdict = ELFCHECK_NOT_ELF;
            break;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            verdict = ELFCHECK_NOT_FOUND;
            break;
        }
        head_len = read_at(fd, head, sizeof(head), 0);
        if (head_len >= 2 && head[0] == '#' && head[1] == '!') {
            close(fd);
            /*
             * Stays NOT_ELF if the line is unusable or if the loop ends
             * here: nesting deeper than the kernel allows fails with ELOOP.
             */
            verdict = ELFCHECK_NOT_ELF;
            if (!parse_shebang(head, head_len, name, sizeof(name),
                               &search_path))
                break;
            continue;
        }
        verdict = inspect_elf(fd, &st, head, head_len);
        close(fd);
        break;
    }
    out->verdict = verdict;
    return verdict;
}

const char *elfcheck_explain(enum elfcheck_verdict v) {
    switch (v) {
    case ELFCHECK_OK:
        return "is dynamically linked against libc: "
               "sockshim can see its sockets";
    case ELFCHECK_NOT_FOUND:
        return "was not found or is not executable";
    case ELFCHECK_NOT_ELF:
        return "is neither an ELF executable nor a #! script sockshim could "
               "follow: cannot tell whether LD_PRELOAD applies";
    case ELFCHECK_STATIC:
        return "is statically linked: LD_PRELOAD has no effect, "
               "sockshim cannot see its sockets";
    case ELFCHECK_NO_LIBC:
        return "is not linked against libc: its socket calls bypass "
               "LD_PRELOAD, sockshim cannot see them";
    case ELFCHECK_GO:
        return "is a Go program: Go makes raw system calls, "
               "sockshim cannot see its sockets";
    case ELFCHECK_SETUID:
        return "is setuid to another user: it runs in secure mode "
               "(AT_SECURE), the loader ignores LD_PRELOAD";
    case ELFCHECK_SETGID:
        return "is setgid to another group: it runs in secure mode "
               "(AT_SECURE), the loader ignores LD_PRELOAD";
    case ELFCHECK_CAPS:
        return "has file capabilities (security.capability): it runs in "
               "secure mode (AT_SECURE), the loader ignores LD_PRELOAD";
    }
    return "has an unknown verdict";
}

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
    len = read_at(fd, own, own_size, 0);
    close(fd);
    return parse_ident(own, len, elf);
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
    unsigned char *entries = NULL;
    size_t count = 0, entry_size = ELF_SIZEOF(elf, Dyn);
    uint64_t n_entries = 0;
    bool pie = false;

    if (!parse_elf_header(head, ELF_SIZEOF(elf, Ehdr), &copy, &hdr))
        return false;
    segments = read_segments(elf, &hdr, &count);
    for (size_t i = 0; segments != NULL && i < count && entries == NULL; i++) {
        if (segments[i].type != PT_DYNAMIC)
            continue;
        entries = read_block(elf, segments[i].offset, segments[i].filesz,
                             MAX_DYNAMIC);
        n_entries = segments[i].filesz / entry_size;
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
    if (!parse_ident(head, read_at(elf.fd, head, sizeof(head), 0), &elf)) {
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
