/*
 * symbolize.c — libdwfl sessions per module and the lookups in them
 * (see symbolize.h). Each module file is reported offline to its own
 * Dwfl, so that modules of different processes never overlap; a frame's
 * offset is from the start of the module's first mapping, as dladdr's
 * dli_fbase gives it to the library.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#define _GNU_SOURCE
#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct module_file {
    Dwfl *dwfl;
    Dwfl_Module *mod; /* NULL: looked for, not found */
    Dwarf_Addr base;  /* the address of offset 0 */
};

static char **debug_dirs; /* absolute */
static size_t debug_dir_count;
static int search_local;
static char *debuginfo_path;
static struct strmap cache;    /* build-id, path or name -> module_file */
static struct strmap resolved; /* "MODULE_FILE@PC" -> struct resolved */

/* What one address resolved to: the same frame is printed in every
 * finding whose stack holds it, and looked up in DWARF only once. */
struct resolved {
    size_t n;
    struct symbol syms[SYMBOLIZE_MAX_INLINE];
};

static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

/* DIR as an absolute path, malloc'd: libdwfl skips a relative directory
 * in its build-id search and takes one relative to the module's own
 * directory for .gnu_debuglink, where the user meant the current one. */
static char *absolute_dir(const char *dir) {
    if (dir[0] == '/')
        return xstrdup(dir);
    char *cwd = getcwd(NULL, 0);
    char *abs = cwd != NULL ? xasprintf("%s/%s", cwd, dir) : xstrdup(dir);
    free(cwd);
    return abs;
}

void symbolize_setup(const char *const *dirs, size_t n, int local) {
    debug_dirs = xcalloc(n + 1, sizeof *debug_dirs);
    for (size_t i = 0; i < n; i++)
        debug_dirs[i] = absolute_dir(dirs[i]);
    debug_dir_count = n;
    search_local = local;
    /* libdwfl's format: "-" skips CRC checks of .gnu_debuglink (the
     * build-id says more), then the directories it searches. */
    struct strbuf p = {0};
    strbuf_printf(&p, "-:.debug");
    for (size_t i = 0; i < n; i++)
        strbuf_printf(&p, ":%s", debug_dirs[i]);
    strbuf_printf(&p, ":/usr/lib/debug");
    free(debuginfo_path);
    debuginfo_path = p.s;
}

/* The hex build-id of MOD, malloc'd, or NULL. */
static char *module_build_id(Dwfl_Module *mod) {
    const unsigned char *bits;
    GElf_Addr vaddr;
    int n = dwfl_module_build_id(mod, &bits, &vaddr);
    if (n <= 0)
        return NULL;
    char *hex = xmalloc(2 * (size_t)n + 1);
    for (int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", bits[i]);
    return hex;
}

/* The address where offset 0 of MOD lies: the bias plus the first
 * PT_LOAD segment's address, rounded down to its page as the loader
 * maps it. */
static int module_base(Dwfl_Module *mod, Dwarf_Addr *base) {
    GElf_Addr bias;
    Elf *elf = dwfl_module_getelf(mod, &bias);
    size_t phnum;
    if (elf == NULL || elf_getphdrnum(elf, &phnum) != 0)
        return -1;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);
        if (ph != NULL && ph->p_type == PT_LOAD) {
            *base = bias + (ph->p_vaddr & ~(GElf_Addr)4095);
            return 0;
        }
    }
    return -1;
}

/* Open FILE as a module; 0 on success. With BUILD_ID, a file of
 * another build is refused, one without a build-id too (the file that
 * ran had one): its offsets would point at other code. */
static int open_module(struct module_file *m, const char *file,
                       const char *name, const char *build_id) {
    if (access(file, R_OK) != 0)
        return -1;
    Dwfl *dwfl = dwfl_begin(&callbacks);
    if (dwfl == NULL)
        return -1;
    Dwfl_Module *mod = dwfl_report_offline(dwfl, name, file, -1);
    dwfl_report_end(dwfl, NULL, NULL);
    char *id = mod != NULL ? module_build_id(mod) : NULL;
    Dwarf_Addr base;
    if (mod == NULL ||
        (build_id != NULL && (id == NULL || strcmp(id, build_id) != 0)) ||
        module_base(mod, &base) != 0) {
        free(id);
        dwfl_end(dwfl);
        return -1;
    }
    free(id);
    m->dwfl = dwfl;
    m->mod = mod;
    m->base = base;
    return 0;
}

/* Try DIR/.build-id/xx/rest.debug and DIR/xx/rest.debug for BUILD_ID. */
static int open_by_build_id(struct module_file *m, const char *dir,
                            const char *build_id, const char *name) {
    if (strlen(build_id) < 3)
        return -1;
    for (int i = 0; i < 2; i++) {
        char *file =
            i == 0 ? xasprintf("%s/.build-id/%.2s/%s.debug", dir, build_id,
                               build_id + 2)
                   : xasprintf("%s/%.2s/%s.debug", dir, build_id, build_id + 2);
        int ok = open_module(m, file, name, build_id);
        free(file);
        if (ok == 0)
            return 0;
    }
    return -1;
}

/* A module named NAME on this machine: in the --debug-dir directories,
 * in $PATH (programs) and in the library directories. */
static int open_local(struct module_file *m, const char *name,
                      const char *build_id) {
    static const char *const lib_dirs[] = {"/lib/x86_64-linux-gnu",
                                           "/usr/lib/x86_64-linux-gnu",
                                           "/lib64",
                                           "/usr/lib64",
                                           "/lib",
                                           "/usr/lib",
                                           "/usr/local/lib"};
    for (size_t i = 0; i < debug_dir_count; i++) {
        char *file = xasprintf("%s/%s", debug_dirs[i], name);
        int ok = open_module(m, file, name, build_id);
        free(file);
        if (ok == 0)
            return 0;
    }
    const char *path = getenv("PATH");
    char *dirs = xstrdup(path != NULL ? path : "/usr/bin:/bin");
    int found = -1;
    for (char *save, *d = strtok_r(dirs, ":", &save); d && found != 0;
         d = strtok_r(NULL, ":", &save)) {
        char *file = xasprintf("%s/%s", d, name);
        found = open_module(m, file, name, build_id);
        free(file);
    }
    free(dirs);
    for (size_t i = 0; found != 0 && i < sizeof lib_dirs / sizeof *lib_dirs;
         i++) {
        char *file = xasprintf("%s/%s", lib_dirs[i], name);
        found = open_module(m, file, name, build_id);
        free(file);
    }
    return found;
}

/* BUILD_ID (hex) into BITS (room for MAX bytes); the length, or 0. */
static size_t parse_build_id(const char *hex, unsigned char *bits, size_t max) {
    size_t n = strlen(hex);
    if (n == 0 || n % 2 != 0 || n / 2 > max ||
        hex[strspn(hex, "0123456789abcdefABCDEF")] != '\0')
        return 0;
    for (size_t i = 0; i < n / 2; i++)
        sscanf(hex + 2 * i, "%2hhx", &bits[i]);
    return n / 2;
}

/* No file at hand: let libdwfl find the module by its build-id alone,
 * in the .build-id directories and, when DEBUGINFOD_URLS is set, from
 * debuginfod. */
static int open_by_build_id_only(struct module_file *m, const char *name,
                                 const char *build_id) {
    unsigned char bits[64];
    size_t len = parse_build_id(build_id, bits, sizeof bits);
    if (len == 0)
        return -1;
    Dwfl *dwfl = dwfl_begin(&callbacks);
    if (dwfl == NULL)
        return -1;
    /* Any address range serves: frames are offsets from its start. */
    const Dwarf_Addr start = 0x100000;
    Dwfl_Module *mod =
        dwfl_report_module(dwfl, name, start, start + ((Dwarf_Addr)1 << 40));
    dwfl_report_end(dwfl, NULL, NULL);
    GElf_Addr bias;
    Dwarf_Addr base;
    if (mod == NULL || dwfl_module_report_build_id(mod, bits, len, 0) != 0 ||
        dwfl_module_getelf(mod, &bias) == NULL ||
        module_base(mod, &base) != 0) {
        dwfl_end(dwfl);
        return -1;
    }
    m->dwfl = dwfl;
    m->mod = mod;
    m->base = base;
    return 0;
}

/* The module of frame F, from the cache or found now. */
static struct module_file *module_of(const struct frame *f) {
    char *key = f->build_id != NULL ? xasprintf("id:%s", f->build_id)
                : f->path != NULL   ? xasprintf("path:%s", f->path)
                                    : xasprintf("name:%s", f->module);
    void **slot = strmap_slot(&cache, key);
    free(key);
    if (*slot != NULL)
        return *slot;
    struct module_file *m = xcalloc(1, sizeof *m);
    *slot = m;
    int found = -1;
    for (size_t i = 0;
         f->build_id != NULL && found != 0 && i <= debug_dir_count; i++) {
        const char *dir =
            i < debug_dir_count ? debug_dirs[i] : "/usr/lib/debug";
        found = open_by_build_id(m, dir, f->build_id, f->module);
    }
    if (found != 0 && f->path != NULL)
        found = open_module(m, f->path, f->module, f->build_id);
    if (found != 0 && f->path == NULL && search_local)
        found = open_local(m, f->module, f->build_id);
    if (found != 0 && f->build_id != NULL)
        found = open_by_build_id_only(m, f->module, f->build_id);
    return m;
}

/* The name of function DIE (its abstract origin's, for inlines). */
static const char *die_name(Dwarf_Die *die) {
    Dwarf_Attribute attr;
    const char *name =
        dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (name == NULL)
        name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
    return name;
}

/* The call site of inlined DIE: file and line, from CU's file table. */
static void call_site(Dwarf_Die *die, Dwarf_Files *files, const char **file,
                      int *line) {
    Dwarf_Attribute attr;
    Dwarf_Word fileno = 0, lineno = 0;
    *file = NULL;
    *line = 0;
    if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &fileno) ==
            0 &&
        files != NULL)
        *file = dwarf_filesrc(files, fileno, NULL, NULL);
    if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &lineno) == 0)
        *line = (int)lineno;
}

/* FILE (interned) as addr2line names it: a name the line table gives
 * relative to the compilation directory COMP_DIR joined to it, so that
 * the same source has one name whatever the build's -I or cd. */
static const char *source_path(const char *file, const char *comp_dir) {
    if (file == NULL || file[0] == '/' || comp_dir == NULL)
        return intern(file);
    char *full = xasprintf("%s/%s", comp_dir, file);
    const char *s = intern(full);
    free(full);
    return s;
}

/* Resolve PC in M into OUT (at most MAX entries, innermost first). */
static size_t resolve(struct module_file *m, Dwarf_Addr pc, struct symbol *out,
                      size_t max) {
    const char *file = NULL, *comp_dir = NULL;
    int line = 0;
    Dwfl_Line *l = dwfl_module_getsrc(m->mod, pc);
    if (l != NULL) {
        file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
        comp_dir = dwfl_line_comp_dir(l);
    }
    size_t n = 0;
    Dwarf_Addr bias;
    Dwarf_Die *cu = dwfl_module_addrdie(m->mod, pc, &bias);
    Dwarf_Attribute attr;
    if (cu != NULL && comp_dir == NULL)
        comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
    Dwarf_Die *scopes = NULL;
    int nscopes = cu != NULL ? dwarf_getscopes(cu, pc - bias, &scopes) : 0;
    Dwarf_Files *files = NULL;
    if (cu != NULL && dwarf_getsrcfiles(cu, &files, NULL) != 0)
        files = NULL;
    /* The innermost function at PC; dwarf_getscopes follows an inline
     * into its abstract definition, so the callers it was inlined into
     * come from the concrete tree around it (dwarf_getscopes_die). */
    Dwarf_Die *fn = NULL;
    for (int i = 0; i < nscopes && fn == NULL; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
            fn = &scopes[i];
    }
    Dwarf_Die *chain = NULL;
    int nchain = fn != NULL ? dwarf_getscopes_die(fn, &chain) : 0;
    for (int i = 0; i < nchain && n < max; i++) {
        int tag = dwarf_tag(&chain[i]);
        if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
            continue;
        out[n].func = intern(die_name(&chain[i]));
        out[n].file = source_path(file, comp_dir);
        out[n].line = line;
        n++;
        if (tag == DW_TAG_subprogram)
            break;
        call_site(&chain[i], files, &file, &line);
    }
    free(chain);
    free(scopes);
    if (n == 0) {
        /* No DWARF function: the symbol table's name, the line if any. */
        const char *name = dwfl_module_addrname(m->mod, pc);
        if (name == NULL && file == NULL)
            return 0;
        out[0] =
            (struct symbol){intern(name), source_path(file, comp_dir), line};
        n = 1;
    }
    return n;
}

size_t symbolize_frame(const struct frame *f, struct symbol *out, size_t max) {
    struct module_file *m = module_of(f);
    if (m->mod == NULL || max == 0)
        return 0;
    /* A return address points after the call: its line is the next
     * one's, so look up the byte before. */
    Dwarf_Addr pc = m->base + f->offset - (f->ret && f->offset > 0 ? 1 : 0);
    char key[64];
    snprintf(key, sizeof key, "%p@%" PRIx64, (void *)m, (uint64_t)pc);
    void **slot = strmap_slot(&resolved, key);
    struct resolved *r = *slot;
    if (r == NULL) {
        r = xcalloc(1, sizeof *r);
        r->n = resolve(m, pc, r->syms, SYMBOLIZE_MAX_INLINE);
        *slot = r;
    }
    size_t n = r->n < max ? r->n : max;
    memcpy(out, r->syms, n * sizeof *out);
    return n;
}

static void end_one(const char *key, void *value, void *ctx) {
    struct module_file *m = value;
    if (m->dwfl != NULL)
        dwfl_end(m->dwfl);
    free(m);
}

static void free_one(const char *key, void *value, void *ctx) { free(value); }

void symbolize_end(void) {
    strmap_each(&resolved, free_one, NULL);
    strmap_free(&resolved);
    strmap_each(&cache, end_one, NULL);
    strmap_free(&cache);
    for (size_t i = 0; i < debug_dir_count; i++)
        free(debug_dirs[i]);
    free(debug_dirs);
    debug_dirs = NULL;
    debug_dir_count = 0;
    free(debuginfo_path);
    debuginfo_path = NULL;
}
