/*
 * symbols.c — function names from ELF symbol tables (see symbols.h).
 *
 * Why not dladdr() alone: it only knows exported (.dynsym) names, so a
 * program's static functions -- where the bug usually is -- would be named
 * after whatever exported symbol precedes them. Why not libunwind: its
 * naming needs a live cursor, and we name frames long after capture.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "config.h"

#include "output/symbols.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errno_scope.h"
#include "base/real.h"

/* SHA-1 build-ids are 20 bytes; a note may hold up to this many. */
#define BUILD_ID_MAX 32

struct module {
    uintptr_t bias;             /* load address (link_map l_addr) */
    const void *lm;             /* the link_map: identifies the object */
    const unsigned char *image; /* the file mapped read-only, or NULL */
    size_t image_size;
    const ElfW(Sym) * syms;
    size_t sym_count;
    const char *strtab;
    size_t strtab_size;
    char path[256];
    char build_id[2 * BUILD_ID_MAX + 1];
    uintptr_t span; /* from the lowest PT_LOAD to the end of the highest */
    int announced;
};

#define MODULES_MAX 64

static struct module modules[MODULES_MAX];
static int module_count;
static int cache_busy;

/* The section of TYPE in IMAGE, or NULL. */
static const ElfW(Shdr) *
    find_section(const unsigned char *image, size_t size, unsigned type) {
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)image;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_shentsize != sizeof(ElfW(Shdr)) ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
        return NULL;
    const ElfW(Shdr) *sh = (const ElfW(Shdr) *)(image + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++)
        if (sh[i].sh_type == type && sh[i].sh_link < eh->e_shnum &&
            sh[i].sh_offset + sh[i].sh_size <= size &&
            sh[sh[i].sh_link].sh_offset + sh[sh[i].sh_link].sh_size <= size)
            return &sh[i];
    return NULL;
}

/* M's GNU build-id and mapped span, from the program headers of the file
 * IMAGE (SIZE bytes). */
static void read_headers(struct module *m, const unsigned char *image,
                         size_t size) {
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)image;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_phentsize != sizeof(ElfW(Phdr)) ||
        eh->e_phoff + (size_t)eh->e_phnum * sizeof(ElfW(Phdr)) > size)
        return;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(image + eh->e_phoff);
    uintptr_t low = UINTPTR_MAX, high = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD) {
            if (ph[i].p_vaddr < low)
                low = ph[i].p_vaddr;
            if (ph[i].p_vaddr + ph[i].p_memsz > high)
                high = ph[i].p_vaddr + ph[i].p_memsz;
        }
        if (ph[i].p_type != PT_NOTE || ph[i].p_offset + ph[i].p_filesz > size)
            continue;
        const unsigned char *p = image + ph[i].p_offset;
        const unsigned char *end = p + ph[i].p_filesz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
            size_t name = (n->n_namesz + 3) & ~(size_t)3;
            size_t desc = (n->n_descsz + 3) & ~(size_t)3;
            const unsigned char *data = p + sizeof *n + name;
            if (data + desc > end)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
                memcmp(p + sizeof *n, "GNU", 4) == 0 &&
                n->n_descsz <= BUILD_ID_MAX) {
                for (unsigned b = 0; b < n->n_descsz; b++) {
                    m->build_id[2 * b] = "0123456789abcdef"[data[b] >> 4];
                    m->build_id[2 * b + 1] = "0123456789abcdef"[data[b] & 15];
                }
                m->build_id[2 * n->n_descsz] = '\0';
            }
            p = data + desc;
        }
    }
    if (high > low)
        m->span = high - low;
}

/* Map the file at PATH and find its symbol table into M. */
static void load_symbols(struct module *m, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return;
    struct stat st;
    void *image = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    real_close(fd);
    if (image == MAP_FAILED)
        return;
    size_t size = (size_t)st.st_size;
    read_headers(m, image, size);
    const ElfW(Shdr) *symtab = find_section(image, size, SHT_SYMTAB);
    if (symtab == NULL)
        symtab = find_section(image, size, SHT_DYNSYM);
    if (symtab == NULL) {
        munmap(image, size);
        return;
    }
    const ElfW(Shdr) *strtab =
        (const ElfW(Shdr) *)((const unsigned char *)image +
                             ((const ElfW(Ehdr) *)image)->e_shoff) +
        symtab->sh_link;
    m->image = image;
    m->image_size = size;
    m->syms =
        (const ElfW(Sym) *)((const unsigned char *)image + symtab->sh_offset);
    m->sym_count = symtab->sh_size / sizeof(ElfW(Sym));
    m->strtab = (const char *)image + strtab->sh_offset;
    m->strtab_size = strtab->sh_size;
}

/* The cached module for link map LM (loading it on first use), or NULL
 * when the cache is full. Called with the cache held. */
static struct module *module_for(const struct link_map *lm) {
    for (int i = 0; i < module_count; i++)
        if (modules[i].lm == lm && modules[i].bias == lm->l_addr)
            return &modules[i];
    if (module_count == MODULES_MAX)
        return NULL;
    struct module *m = &modules[module_count];
    memset(m, 0, sizeof *m);
    m->lm = lm;
    m->bias = lm->l_addr;
    /* The main program's link map has an empty name: its file is named
     * by /proc/self/exe's link. */
    if (lm->l_name[0] != '\0') {
        strncpy(m->path, lm->l_name, sizeof m->path - 1);
    } else {
        ssize_t n = readlink("/proc/self/exe", m->path, sizeof m->path - 1);
        m->path[n > 0 ? n : 0] = '\0';
    }
    load_symbols(m, lm->l_name[0] != '\0' ? lm->l_name : "/proc/self/exe");
    /* Published after its fields: symbols_module() reads without the
     * cache's lock. */
    __atomic_store_n(&module_count, module_count + 1, __ATOMIC_RELEASE);
    return m;
}

/* The function of M containing ADDR (an address in the file's terms):
 * copies its name into OUT and returns its start, or 0. */
static uintptr_t lookup(const struct module *m, uintptr_t addr,
                        struct frame_name *out) {
    const ElfW(Sym) *best = NULL;
    for (size_t i = 0; i < m->sym_count; i++) {
        const ElfW(Sym) *s = &m->syms[i];
        int type = ELF64_ST_TYPE(s->st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s->st_value == 0 ||
            s->st_value > addr || s->st_name >= m->strtab_size)
            continue;
        if (addr < s->st_value + s->st_size)
            best = s;
        if (best == s)
            break;
    }
    if (best == NULL)
        return 0;
    const char *name = m->strtab + best->st_name;
    size_t len = strnlen(name, m->strtab_size - best->st_name);
    if (len >= sizeof out->func)
        len = sizeof out->func - 1;
    memcpy(out->func, name, len);
    out->func[len] = '\0';
    return best->st_value;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void symbols_name(uintptr_t ip, struct frame_name *out) {
    PRESERVE_ERRNO;
    out->module = "?";
    out->module_offset = ip;
    out->module_id = 0;
    out->func[0] = '\0';
    out->func_offset = 0;
    Dl_info info;
    struct link_map *lm = NULL;
    /* A return address may be one past the end of its function (a call
     * to a noreturn function): look inside the call instead. */
    uintptr_t inside = ip - 1;
    if (dladdr1((void *)inside, &info, (void **)&lm, RTLD_DL_LINKMAP) == 0 ||
        lm == NULL)
        return;
    out->module = info.dli_fname != NULL && info.dli_fname[0] != '\0'
                      ? base_name(info.dli_fname)
                      : program_invocation_short_name;
    out->module_offset = ip - lm->l_addr;

    uintptr_t start = 0;
    int expected = 0;
    if (__atomic_compare_exchange_n(&cache_busy, &expected, 1, 0,
                                    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        struct module *m = module_for(lm);
        if (m != NULL)
            out->module_id = (unsigned)(m - modules) + 1;
        if (m != NULL && m->syms != NULL)
            start = lookup(m, inside - lm->l_addr, out);
        __atomic_store_n(&cache_busy, 0, __ATOMIC_RELEASE);
        if (start != 0)
            start += lm->l_addr;
    }
    if (start == 0 && info.dli_sname != NULL) {
        size_t len = strnlen(info.dli_sname, sizeof out->func - 1);
        memcpy(out->func, info.dli_sname, len);
        out->func[len] = '\0';
        start = (uintptr_t)info.dli_saddr;
    }
    out->func_offset = start != 0 ? ip - start : 0;
}

int symbols_module(unsigned id, struct module_info *out) {
    if (id == 0 || (int)id > __atomic_load_n(&module_count, __ATOMIC_ACQUIRE))
        return 0;
    const struct module *m = &modules[id - 1];
    out->path = m->path;
    out->build_id = m->build_id;
    out->base = m->bias;
    out->size = m->span;
    return 1;
}

int symbols_first_mention(unsigned id) {
    if (id == 0 || (int)id > __atomic_load_n(&module_count, __ATOMIC_ACQUIRE))
        return 0;
    return !__atomic_exchange_n(&modules[id - 1].announced, 1,
                                __ATOMIC_ACQ_REL);
}

void symbols_after_fork_child(void) {
    int n = __atomic_load_n(&module_count, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        __atomic_store_n(&modules[i].announced, 0, __ATOMIC_RELEASE);
}
