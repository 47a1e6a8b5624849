/* libFuzzer harness for the firmware loader (sim/loader.c): any file given to --fw or
 * --kernel, ELF or raw, is loaded into RAM or refused with one line; a load that
 * succeeds stays inside RAM (lo, hi and the entry point), its symbol table is sorted
 * and every lookup in it answers. Seeds: the bundled firmware and other real ELF files
 * (tests/fuzz/make-corpus). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)

static Ram ram;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    Err err;
    if (!ready) {
        if (ram_init(&ram, RAM_BASE, RAM_SIZE, &err) < 0)
            abort();
        ready = true;
    }
    int fd = memfd_create("fuzz-elf", 0);
    if (fd < 0)
        abort();
    for (size_t at = 0; at < size;) {
        ssize_t w = write(fd, data + at, size - at);
        if (w <= 0)
            abort();
        at += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    FwImage img;
    if (fw_load(&ram, path, &img, &err) == 0) {
        if (!ram_contains(&ram, img.entry, 2) || img.lo > img.hi || img.lo < RAM_BASE ||
            img.hi > RAM_BASE + RAM_SIZE)
            abort();
        for (size_t i = 1; i < img.symtab.n; i++)
            if (img.symtab.syms[i - 1].addr > img.symtab.syms[i].addr)
                abort();
        for (size_t i = 0; i < img.symtab.n; i++) {
            const Symbol *s = &img.symtab.syms[i];
            uint64_t off;
            if (!symtab_lookup(&img.symtab, s->addr, &off) || !symtab_find(&img.symtab, s->name))
                abort();
            (void)symtab_lookup(&img.symtab, s->addr + s->size, &off);
        }
        fw_free(&img);
    }
    close(fd);
    return 0;
}
