/* Unit tests of trace/sha256.c against the FIPS 180-2 / NIST example vectors, fed
 * both in one piece and in awkward pieces that straddle the 64-byte blocks. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "trace/sha256.h"

static const struct {
    const char *msg;
    const char *hex;
} vectors[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

static void test_fips_vectors(void)
{
    uint8_t d[32];
    char hex[65];
    for (unsigned i = 0; i < ARRAY_SIZE(vectors); i++) {
        size_t n = strlen(vectors[i].msg);
        sha256(vectors[i].msg, n, d);
        sha256_hex(d, hex);
        CU_ASSERT_STRING_EQUAL(hex, vectors[i].hex);
        /* the same message one byte at a time, and split at every point */
        for (size_t cut = 0; cut <= n; cut++) {
            Sha256 s;
            sha256_init(&s);
            sha256_update(&s, vectors[i].msg, cut);
            for (size_t k = cut; k < n; k++)
                sha256_update(&s, vectors[i].msg + k, 1);
            sha256_final(&s, d);
            sha256_hex(d, hex);
            CU_ASSERT_STRING_EQUAL(hex, vectors[i].hex);
        }
    }
}

static void test_million_a(void)
{
    char chunk[1000];
    uint8_t d[32];
    char hex[65];
    Sha256 s;
    memset(chunk, 'a', sizeof chunk);
    sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        sha256_update(&s, chunk, (i % 7) == 3 ? 0 : sizeof chunk);
    for (int i = 0; i < 1000; i++)
        if ((i % 7) == 3)
            sha256_update(&s, chunk, sizeof chunk);
    sha256_final(&s, d);
    sha256_hex(d, hex);
    CU_ASSERT_STRING_EQUAL(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_file(void)
{
    const char *path = "build/test-sha256.bin";
    uint8_t d[32];
    char hex[65];
    Err err;
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(vectors[3].msg, f);
    fclose(f);
    CU_ASSERT_EQUAL(sha256_file(path, d, &err), 0);
    sha256_hex(d, hex);
    CU_ASSERT_STRING_EQUAL(hex, vectors[3].hex);
    CU_ASSERT_EQUAL(sha256_file("build/no-such-firmware.elf", d, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no-such-firmware.elf"));
}

int suite_trace_sha256(void)
{
    CU_pSuite s = CU_add_suite("trace_sha256", NULL, NULL);
    if (!s)
        return -1;
    CU_add_test(s, "FIPS 180 vectors, whole and in pieces", test_fips_vectors);
    CU_add_test(s, "one million 'a'", test_million_a);
    CU_add_test(s, "hash of a file", test_file);
    return 0;
}
