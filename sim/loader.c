/* ELF and raw-image firmware loader (see loader.h). libelf parses; every size and
 * offset it reports is checked against the file and against RAM before use. */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

static int read_all(int fd, uint8_t *buf, size_t len, off_t at)
{
    while (len) {
        ssize_t n = pread(fd, buf, len, at);
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
        at += n;
    }
    return 0;
}

static int cmp_sym(const void *a, const void *b)
{
    const Symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Keeps the function symbols, added to those t holds; a broken symbol table only loses
 * symbols, never the load. */
static void load_symbols(Elf *e, Symtab *t)
{
    Elf_Scn *scn = NULL;
    size_t cap = t->n;
    while ((scn = elf_nextscn(e, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d)
            continue;
        size_t n = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < n; i++) {
            GElf_Sym s;
            if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_value == 0)
                continue;
            const char *name = elf_strptr(e, sh.sh_link, s.st_name);
            if (!name || !*name)
                continue;
            /* Grown by doubling: vmlinux has some 10^4 functions. */
            if (t->n == cap) {
                Symbol *ns = realloc(t->syms, (cap ? 2 * cap : 64) * sizeof *ns);
                if (!ns)
                    break;
                t->syms = ns;
                cap = cap ? 2 * cap : 64;
            }
            char *nm = strdup(name);
            if (!nm)
                break;
            t->syms[t->n++] = (Symbol){ s.st_value, s.st_size, nm };
        }
    }
    if (t->n)
        qsort(t->syms, t->n, sizeof *t->syms, cmp_sym);
}

static int load_elf(Ram *ram, int fd, off_t fsize, const char *path, FwImage *img, Err *err)
{
    int rc = -1;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (!e)
        return err_set(err, "%s: not a readable ELF file: %s", path, elf_errmsg(-1));
    GElf_Ehdr eh;
    size_t phnum;
    if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
        err_set(err, "%s: truncated or malformed ELF header", path);
        goto out;
    }
    if (gelf_getclass(e) != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
        err_set(err, "%s: not a 64-bit little-endian ELF file (RV64 firmware expected)", path);
        goto out;
    }
    if (eh.e_machine != EM_RISCV) {
        err_set(err, "%s: ELF machine is %u, not RISC-V (243)", path, eh.e_machine);
        goto out;
    }
    if (eh.e_type != ET_EXEC) {
        err_set(err, "%s: not an executable ELF file (e_type %u)", path, eh.e_type);
        goto out;
    }
    if (elf_getphdrnum(e, &phnum) != 0 || phnum == 0 ||
        eh.e_phoff > (uint64_t)fsize || phnum * (uint64_t)eh.e_phentsize > (uint64_t)fsize - eh.e_phoff) {
        err_set(err, "%s: truncated or missing program headers", path);
        goto out;
    }
    img->lo = UINT64_MAX;
    img->hi = 0;
    unsigned loaded = 0;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph)) {
            err_set(err, "%s: program header %zu unreadable: %s", path, i, elf_errmsg(-1));
            goto out;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz) {
            err_set(err, "%s: segment %zu has file size 0x%llx larger than memory size 0x%llx", path, i,
                    (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
            goto out;
        }
        if (ph.p_offset > (uint64_t)fsize || ph.p_filesz > (uint64_t)fsize - ph.p_offset) {
            err_set(err, "%s: segment %zu extends past the end of the file (offset 0x%llx + 0x%llx > 0x%llx)",
                    path, i, (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz,
                    (unsigned long long)fsize);
            goto out;
        }
        uint8_t *dst = ram_ptr(ram, ph.p_paddr, ph.p_memsz);
        if (!dst) {
            err_set(err, "%s: segment %zu [0x%llx, 0x%llx) lies outside RAM [0x%llx, 0x%llx)", path, i,
                    (unsigned long long)ph.p_paddr, (unsigned long long)(ph.p_paddr + ph.p_memsz),
                    (unsigned long long)ram->base, (unsigned long long)(ram->base + ram->size));
            goto out;
        }
        if (ph.p_filesz && read_all(fd, dst, ph.p_filesz, (off_t)ph.p_offset) != 0) {
            err_set(err, "%s: cannot read segment %zu", path, i);
            goto out;
        }
        memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
        if (ph.p_paddr < img->lo)
            img->lo = ph.p_paddr;
        if (ph.p_paddr + ph.p_memsz > img->hi)
            img->hi = ph.p_paddr + ph.p_memsz;
        loaded++;
    }
    if (!loaded) {
        err_set(err, "%s: no loadable segments", path);
        goto out;
    }
    if (!ram_contains(ram, eh.e_entry, 2)) {
        err_set(err, "%s: entry point 0x%llx is outside RAM", path, (unsigned long long)eh.e_entry);
        goto out;
    }
    img->entry = eh.e_entry;
    img->is_elf = true;
    load_symbols(e, &img->symtab);
    rc = 0;
out:
    elf_end(e);
    return rc;
}

int fw_load(Ram *ram, const char *path, FwImage *img, Err *err)
{
    memset(img, 0, sizeof *img);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return err_set(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(err, "%s: not a regular file", path);
    }
    uint8_t magic[4] = { 0 };
    int rc;
    if (st.st_size >= 4 && read_all(fd, magic, 4, 0) == 0 && memcmp(magic, ELFMAG, 4) == 0) {
        if (elf_version(EV_CURRENT) == EV_NONE) {
            close(fd);
            return err_set(err, "libelf is unusable: %s", elf_errmsg(-1));
        }
        rc = load_elf(ram, fd, st.st_size, path, img, err);
    } else if (st.st_size >= 4 && magic[0] == ELFMAG0 && magic[1] == ELFMAG1) {
        /* Starts like an ELF file but is not one: a damaged ELF, not a raw image. */
        rc = err_set(err, "%s: bad ELF magic %02x %02x %02x %02x", path, magic[0], magic[1], magic[2], magic[3]);
    } else if (st.st_size == 0) {
        rc = err_set(err, "%s: empty file", path);
    } else if ((uint64_t)st.st_size > ram->size) {
        rc = err_set(err, "%s: raw image of %lld bytes does not fit in %llu MiB of RAM", path,
                     (long long)st.st_size, (unsigned long long)(ram->size >> 20));
    } else {
        rc = read_all(fd, ram->host, (size_t)st.st_size, 0);
        if (rc != 0)
            err_set(err, "%s: read error", path);
        img->entry = ram->base;
        img->lo = ram->base;
        img->hi = ram->base + (uint64_t)st.st_size;
    }
    close(fd);
    if (rc != 0)
        fw_free(img);
    return rc;
}

int symtab_load(const char *path, Symtab *t, Err *err)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return err_set(err, "libelf is unusable: %s", elf_errmsg(-1));
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return err_set(err, "%s: %s", path, strerror(errno));
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    int rc = 0;
    if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
        rc = err_set(err, "%s: not a readable ELF file: %s", path, elf_errmsg(-1));
    else if (gelf_getclass(e) != ELFCLASS64 || eh.e_machine != EM_RISCV)
        rc = err_set(err, "%s: not an RV64 ELF file", path);
    else {
        size_t before = t->n;
        load_symbols(e, t);
        if (t->n == before)
            rc = err_set(err, "%s: no function symbols (stripped?)", path);
    }
    if (e)
        elf_end(e);
    close(fd);
    return rc;
}

int64_t raw_size(const char *path, Err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(err, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode) || st.st_size == 0)
        return err_set(err, "%s: not a regular file, or empty", path);
    return st.st_size;
}

int raw_load(Ram *ram, const char *path, uint64_t addr, uint64_t limit, uint64_t *end, Err *err)
{
    int64_t size = raw_size(path, err);
    if (size < 0)
        return -1;
    if (addr > limit || (uint64_t)size > limit - addr || !ram_contains(ram, addr, (uint64_t)size))
        return err_set(err, "%s: %lld bytes at 0x%llx do not fit below 0x%llx (-m too small?)", path,
                       (long long)size, (unsigned long long)addr, (unsigned long long)limit);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return err_set(err, "%s: %s", path, strerror(errno));
    int rc = read_all(fd, ram->host + (addr - ram->base), (size_t)size, 0);
    close(fd);
    if (rc != 0)
        return err_set(err, "%s: read error", path);
    *end = addr + (uint64_t)size;
    return 0;
}

void fw_free(FwImage *img)
{
    for (size_t i = 0; i < img->symtab.n; i++)
        free(img->symtab.syms[i].name);
    free(img->symtab.syms);
    img->symtab.syms = NULL;
    img->symtab.n = 0;
}

const Symbol *symtab_lookup(const Symtab *t, uint64_t addr, uint64_t *off)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->syms[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const Symbol *s = &t->syms[lo - 1];
    if (s->size && addr - s->addr >= s->size)
        return NULL;
    if (off)
        *off = addr - s->addr;
    return s;
}

const Symbol *symtab_find(const Symtab *t, const char *name)
{
    /* By name: a linear walk, for the debugger's `break SYMBOL` (not a hot path); the
     * lowest address wins when a name appears twice (static functions of two files). */
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->syms[i].name, name) == 0)
            return &t->syms[i];
    return NULL;
}
