/* Firmware loading: ELF64 RISC-V executables through libelf (PT_LOAD segments, entry
 * point, function symbols kept for symbolising addresses), or any non-ELF file as a
 * raw image at the start of RAM, as U-Boot's u-boot.bin is booted. */
#ifndef RINGSIDE_LOADER_H
#define RINGSIDE_LOADER_H

#include "ram.h"

typedef struct Symbol {
    uint64_t addr, size;
    char *name;
} Symbol;

typedef struct Symtab {
    Symbol *syms;            /* sorted by address, then name */
    size_t n;
} Symtab;

typedef struct FwImage {
    uint64_t entry;
    bool is_elf;
    uint64_t lo, hi;         /* lowest and highest loaded address (hi exclusive) */
    Symtab symtab;
} FwImage;

/* Loads path into RAM. Every problem (missing file, not RISC-V, truncated headers,
 * segment past end of file or outside RAM) is a one-line error. */
int fw_load(Ram *ram, const char *path, FwImage *img, Err *err);
void fw_free(FwImage *img);
/* Loads the whole of path as raw bytes at addr (a kernel or an initrd), the file
 * ending at or below limit; *end receives addr + its size. */
int raw_load(Ram *ram, const char *path, uint64_t addr, uint64_t limit, uint64_t *end, Err *err);
/* The size of the regular file at path, or -1 with *err set. */
int64_t raw_size(const char *path, Err *err);

/* Adds the function symbols of the RV64 ELF file at path (a kernel's vmlinux) to t,
 * kept sorted; an error when the file is no such ELF file or has no function symbols. */
int symtab_load(const char *path, Symtab *t, Err *err);

/* The function containing addr, or NULL; *off receives addr - symbol start. */
const Symbol *symtab_lookup(const Symtab *t, uint64_t addr, uint64_t *off);
/* The function called name, or NULL. */
const Symbol *symtab_find(const Symtab *t, const char *name);

#endif
