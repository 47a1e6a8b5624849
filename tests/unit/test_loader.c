/* Unit tests of the firmware loader (sim/loader.c): a good ELF built byte by byte, raw
 * images, and malformed files that must each give a clear error, never a crash. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/loader.h"

#define BASE 0x80000000ull

/* A minimal ELF64 RISC-V executable: header, one PT_LOAD, 16 bytes of code, and a
 * symbol table with one function so symbolisation can be checked. */
static size_t make_elf(uint8_t *b, uint64_t vaddr, uint16_t machine)
{
    memset(b, 0, 512);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = 2; b[5] = 1; b[6] = 1;                     /* 64-bit, little-endian, v1 */
    st16_le(b + 16, 2);                               /* ET_EXEC */
    st16_le(b + 18, machine);
    st32_le(b + 20, 1);
    st64_le(b + 24, vaddr);                           /* entry */
    st64_le(b + 32, 64);                              /* phoff */
    st64_le(b + 40, 256);                             /* shoff */
    st16_le(b + 52, 64); st16_le(b + 54, 56); st16_le(b + 56, 1);
    st16_le(b + 58, 64); st16_le(b + 60, 4); st16_le(b + 62, 3);
    uint8_t *ph = b + 64;
    st32_le(ph, 1); st32_le(ph + 4, 5);               /* PT_LOAD, R+X */
    st64_le(ph + 8, 128);                             /* offset */
    st64_le(ph + 16, vaddr); st64_le(ph + 24, vaddr);
    st64_le(ph + 32, 16); st64_le(ph + 40, 32);       /* filesz 16, memsz 32 (bss) */
    for (int i = 0; i < 16; i++)
        b[128 + i] = (uint8_t)(0xa0 + i);
    /* .symtab at 160 (2 entries of 24), .strtab at 208, .shstrtab at 224 */
    uint8_t *sym = b + 160 + 24;
    st32_le(sym, 1); sym[4] = 0x12; st16_le(sym + 6, 1); st64_le(sym + 8, vaddr + 4); st64_le(sym + 16, 8);
    memcpy(b + 208, "\0entry_fn\0", 10);
    memcpy(b + 224, "\0.symtab\0.strtab\0.shstrtab\0", 27);
    uint8_t *sh = b + 256;                            /* section 0 is null */
    sh += 64; st32_le(sh, 1); st32_le(sh + 4, 2); st64_le(sh + 24, 160); st64_le(sh + 32, 48);
    st32_le(sh + 40, 2); st32_le(sh + 44, 1); st64_le(sh + 56, 24);
    sh += 64; st32_le(sh, 9); st32_le(sh + 4, 3); st64_le(sh + 24, 208); st64_le(sh + 32, 16);
    sh += 64; st32_le(sh, 17); st32_le(sh + 4, 3); st64_le(sh + 24, 224); st64_le(sh + 32, 27);
    return 256 + 4 * 64;
}

static char tmpdir[64];

static const char *put(const char *name, const uint8_t *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    return path;
}

static int setup(void)
{
    strcpy(tmpdir, "/tmp/ringside-loader-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int load(const uint8_t *data, size_t len, FwImage *img, Err *err)
{
    Ram ram;
    ram_init(&ram, BASE, 1 << 20, NULL);
    memset(ram.host + 16, 0x55, 16);
    int rc = fw_load(&ram, put("fw", data, len), img, err);
    if (rc == 0) {
        CU_ASSERT_EQUAL(ram.host[0], img->is_elf ? 0xa0 : data[0]);
        if (img->is_elf) {
            CU_ASSERT_EQUAL(ram.host[15], 0xaf);
            CU_ASSERT_EQUAL(ram.host[16], 0);       /* memsz beyond filesz is zeroed */
            CU_ASSERT_EQUAL(ram.host[31], 0);
            CU_ASSERT_EQUAL(ram.host[32], 0);
        }
    }
    ram_destroy(&ram);
    return rc;
}

static void test_good_elf(void)
{
    uint8_t b[512];
    size_t n = make_elf(b, BASE, 243);
    FwImage img;
    Err err = { "" };
    CU_ASSERT_EQUAL_FATAL(load(b, n, &img, &err), 0);
    CU_ASSERT(img.is_elf);
    CU_ASSERT_EQUAL(img.entry, BASE);
    CU_ASSERT_EQUAL(img.lo, BASE);
    CU_ASSERT_EQUAL(img.hi, BASE + 32);
    uint64_t off = 0;
    const Symbol *s = symtab_lookup(&img.symtab, BASE + 6, &off);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s->name, "entry_fn");
    CU_ASSERT_EQUAL(off, 2);
    CU_ASSERT_PTR_NULL(symtab_lookup(&img.symtab, BASE + 12, &off)); /* past its size */
    CU_ASSERT_PTR_NULL(symtab_lookup(&img.symtab, BASE, &off));      /* before it */
    fw_free(&img);
}

static void test_raw_image(void)
{
    uint8_t b[100];
    for (int i = 0; i < 100; i++)
        b[i] = (uint8_t)(i + 1);
    FwImage img;
    Err err = { "" };
    CU_ASSERT_EQUAL_FATAL(load(b, sizeof b, &img, &err), 0);
    CU_ASSERT(!img.is_elf);
    CU_ASSERT_EQUAL(img.entry, BASE);
    CU_ASSERT_EQUAL(img.hi, BASE + 100);
}

static void expect_error(const uint8_t *b, size_t n, const char *needle)
{
    FwImage img;
    Err err = { "" };
    CU_ASSERT_EQUAL(load(b, n, &img, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
    if (!strstr(err.msg, needle))
        fprintf(stderr, "\n  expected '%s' in '%s'\n", needle, err.msg);
}

static void test_malformed(void)
{
    uint8_t b[512];
    size_t n = make_elf(b, BASE, 243);

    uint8_t bad[512];
    memcpy(bad, b, n); bad[3] = 'G';
    expect_error(bad, n, "bad ELF magic");
    expect_error(b, 40, "truncated");                        /* header cut short */
    expect_error(b, 100, "program headers");                 /* phdrs cut short */
    memcpy(bad, b, n); st64_le(bad + 64 + 32, 4096); st64_le(bad + 64 + 40, 4096);
    expect_error(bad, n, "past the end of the file");
    n = make_elf(bad, 0x1000, 243);
    expect_error(bad, n, "outside RAM");
    n = make_elf(bad, BASE + (1 << 20) - 16, 243);           /* straddles the end of RAM */
    expect_error(bad, n, "outside RAM");
    n = make_elf(bad, BASE, 62);                             /* x86-64 */
    expect_error(bad, n, "not RISC-V");
    n = make_elf(bad, BASE, 243); bad[4] = 1;                /* 32-bit class */
    expect_error(bad, n, "64-bit");
    n = make_elf(bad, BASE, 243); st64_le(bad + 64 + 32, 8); /* filesz > memsz */
    st64_le(bad + 64 + 40, 4);
    expect_error(bad, n, "larger than memory size");
    expect_error(b, 0, "empty");
}

static void test_missing_file(void)
{
    Ram ram;
    ram_init(&ram, BASE, 1 << 20, NULL);
    FwImage img;
    Err err = { "" };
    CU_ASSERT_EQUAL(fw_load(&ram, "/nonexistent/fw.elf", &img, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "No such file"));
    CU_ASSERT_EQUAL(fw_load(&ram, "/tmp", &img, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a regular file"));
    ram_destroy(&ram);
}

/* --symbols: a kernel's functions (virtual addresses high above RAM) join the table the
 * firmware's are in, which stays sorted; bad files are errors and leave it as it was. */
static void test_symbols_file(void)
{
    uint8_t b[512];
    size_t n = make_elf(b, BASE, 243);
    FwImage img;
    Err err = { "" };
    CU_ASSERT_EQUAL_FATAL(load(b, n, &img, &err), 0);
    const uint64_t kva = 0xffffffff80001000ull;
    make_elf(b, kva, 243);
    memcpy(b + 208, "\0kernel_fn\0", 11);
    st64_le(b + 256 + 2 * 64 + 32, 16);       /* .strtab's size */
    CU_ASSERT_EQUAL_FATAL(symtab_load(put("vmlinux", b, n), &img.symtab, &err), 0);
    CU_ASSERT_EQUAL(img.symtab.n, 2);
    uint64_t off = 0;
    const Symbol *s = symtab_lookup(&img.symtab, kva + 7, &off);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s->name, "kernel_fn");
    CU_ASSERT_EQUAL(off, 3);
    s = symtab_lookup(&img.symtab, BASE + 4, &off);
    CU_ASSERT(s && strcmp(s->name, "entry_fn") == 0);
    CU_ASSERT_PTR_NOT_NULL(symtab_find(&img.symtab, "kernel_fn"));

    CU_ASSERT_EQUAL(symtab_load("/nonexistent/vmlinux", &img.symtab, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "No such file"));
    CU_ASSERT_EQUAL(symtab_load(put("junk", (const uint8_t *)"not an ELF file", 15), &img.symtab, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a readable ELF"));
    make_elf(b, kva, 62);                     /* x86-64 */
    CU_ASSERT_EQUAL(symtab_load(put("x86", b, n), &img.symtab, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not an RV64 ELF"));
    make_elf(b, kva, 243);
    b[160 + 24 + 4] = 0x11;                   /* the one symbol is an object, not a function */
    CU_ASSERT_EQUAL(symtab_load(put("nofn", b, n), &img.symtab, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no function symbols"));
    CU_ASSERT_EQUAL(img.symtab.n, 2);
    fw_free(&img);
}

int suite_loader(void)
{
    CU_pSuite s = CU_add_suite("loader", setup, teardown);
    if (!s)
        return -1;
    CU_add_test(s, "good ELF with symbols", test_good_elf);
    CU_add_test(s, "raw image", test_raw_image);
    CU_add_test(s, "malformed ELF files", test_malformed);
    CU_add_test(s, "missing file", test_missing_file);
    CU_add_test(s, "symbols from a second ELF file", test_symbols_file);
    return 0;
}
