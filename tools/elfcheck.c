/*
 * elfcheck.c — classify the program behind a command line as interposable
 * by LD_PRELOAD or not (see elfcheck.h).
 *
 * The command is found as execvp would (execpath.c) and its file read as
 * untrusted (elfread.c checks every offset and caps every read), so a
 * truncated or hostile file yields a verdict, never a crash or a huge
 * allocation.  Problems in program headers make the file NOT_ELF (the
 * kernel would refuse it too); problems in section headers, which the
 * loader never looks at, only disable the section-name check.  The library
 * to preload gets a header check of its own (elflib.c).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "elfcheck.h"
#include "elfread.h"
#include "execpath.h"

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

/* The kernel follows at most this many nested #! interpreters. */
#define MAX_SCRIPT_DEPTH 4
/* Caps on what we read, far above anything a real executable needs. */
#define MAX_SHDR_TABLE (4 * 1024 * 1024)
#define MAX_SHSTRTAB (1024 * 1024)
#define MAX_NOTES (1024 * 1024)
#define MAX_DYNSTR (1024 * 1024)
/* Go's linker tags its build ID note with this type (name "Go"). */
#define GO_NOTE_BUILDID 4

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
            elf_read_block(elf, hdr->shoff, shentsize, MAX_SHDR_TABLE);
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

    table = elf_read_block(elf, hdr->shoff, shnum * shentsize, MAX_SHDR_TABLE);
    if (table == NULL)
        return false;
    {
        const unsigned char *strhdr = table + shstrndx * shentsize;
        names_size = ELF_FIELD(elf, strhdr, Shdr, sh_size);
        names = elf_read_block(elf, ELF_FIELD(elf, strhdr, Shdr, sh_offset),
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
    unsigned char *notes =
        elf_read_block(elf, seg->offset, seg->filesz, MAX_NOTES);
    uint64_t pos = 0;
    bool found = false;

    if (notes == NULL)
        return false;
    /* Each note: namesz, descsz, type (32-bit each), then name, desc. */
    while (!found && seg->filesz - pos >= 12) {
        uint64_t namesz = elf_get_uint(elf, notes + pos, 4);
        uint64_t descsz = elf_get_uint(elf, notes + pos + 4, 4);
        uint64_t type = elf_get_uint(elf, notes + pos + 8, 4);
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
 * Classify the dynamic section of a program that has PT_INTERP: OK if one
 * DT_NEEDED entry names libc.so.*, else NO_LIBC.  NOT_ELF if the dynamic
 * section or its string table cannot be read (the loader would fail too).
 */
static enum elfcheck_verdict check_needed_libc(const struct elf_file *elf,
                                               const struct segment *segments,
                                               size_t count) {
    const struct segment *dynamic;
    size_t entry_size = ELF_SIZEOF(elf, Dyn);
    unsigned char *entries;
    unsigned char *strtab = NULL;
    uint64_t strtab_vaddr = 0, strtab_size = 0, strtab_offset;
    bool have_strtab = false, have_strsz = false, needs_libc = false;
    uint64_t n_entries;
    enum elfcheck_verdict verdict = ELFCHECK_NOT_ELF;

    dynamic = elf_find_segment(segments, count, PT_DYNAMIC);
    /* Dynamic but nothing to load: certainly not linked against libc. */
    if (dynamic == NULL)
        return ELFCHECK_NO_LIBC;
    entries =
        elf_read_block(elf, dynamic->offset, dynamic->filesz, ELF_MAX_DYNAMIC);
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
    if (!elf_vaddr_to_offset(segments, count, strtab_vaddr, &strtab_offset))
        goto out;
    strtab = elf_read_block(elf, strtab_offset, strtab_size, MAX_DYNSTR);
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

    if (!elf_parse_header(head, head_len, &elf, &hdr))
        return ELFCHECK_NOT_ELF;
    verdict = identity_change(fd, st);
    if (verdict != ELFCHECK_OK)
        return verdict;
    segments = elf_read_segments(&elf, &hdr, &count);
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
        unsigned char head[EXECPATH_HEAD_SIZE];
        size_t head_len;
        struct stat st;
        int fd;

        if (!execpath_resolve(name, search_path, out->path,
                              sizeof(out->path))) {
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
        head_len = elf_pread(fd, head, sizeof(head), 0);
        if (head_len >= 2 && head[0] == '#' && head[1] == '!') {
            close(fd);
            /*
             * Stays NOT_ELF if the line is unusable or if the loop ends
             * here: nesting deeper than the kernel allows fails with ELOOP.
             */
            verdict = ELFCHECK_NOT_ELF;
            if (!execpath_shebang(head, head_len, name, sizeof(name),
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
