/* scenario=bench-crc: a CPU benchmark. CRC-32 (IEEE 802.3, reflected polynomial
 * 0xedb88320, as zlib computes it) over 4 MiB of generated data, 4 rounds, each
 * round continuing the previous CRC: roughly 150 M instructions on RV64IMAC. The
 * result is fixed, so a wrong answer means a CPU bug. `rounds=N` changes the work. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"

#define DATA_SIZE (4u << 20)

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static int bench_crc(void)
{
    crc_init();
    /* The standard check value (CRC catalogue "CRC-32/ISO-HDLC"). */
    uint32_t check = crc32_update(0, (const uint8_t *)"123456789", 9);
    printf("bench-crc: check crc32(\"123456789\") = 0x%08x\n", check);
    if (check != 0xcbf43926u) {
        printf("bench-crc: check value wrong, expected 0xcbf43926\n");
        return 1;
    }

    uint64_t *data = fw_alloc(DATA_SIZE, 4096);
    uint64_t x = 0x9e3779b97f4a7c15ull;    /* xorshift64: cheap, fixed sequence */
    for (size_t i = 0; i < DATA_SIZE / 8; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = x;
    }

    unsigned long rounds = bootarg_ulong("rounds", 4);
    uint64_t t0 = rdtime();
    uint32_t crc = 0;
    for (unsigned long r = 0; r < rounds; r++)
        crc = crc32_update(crc, (const uint8_t *)data, DATA_SIZE);
    uint64_t ticks = rdtime() - t0;
    printf("bench-crc: %lu x %u MiB crc32 = 0x%08x\n", rounds, DATA_SIZE >> 20, crc);
    printf("bench-crc: %llu timer ticks (%llu us at %llu Hz)\n", (unsigned long long)ticks,
           (unsigned long long)(ticks * 1000000 / timebase_hz()),
           (unsigned long long)timebase_hz());
    return 0;
}

const struct scenario scenario_bench_crc = { "bench-crc", bench_crc,
                                             "CRC-32 over 4 MiB x rounds (CPU benchmark)" };
