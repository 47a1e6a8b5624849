/* scenario=tftp: fetch one file over TFTP (RFC 1350 with blksize/tsize, as U-Boot's
 * tftpboot does) after DHCP: `file=NAME` (default: the DHCP boot file) from
 * `server=A.B.C.D` (default: the DHCP next-server, else the gateway), and print its
 * size, block count and CRC-32 so a test can compare them with the host's copy. */
#include "fdt.h"
#include "libc.h"
#include "platform.h"
#include "scenario.h"
#include "net/netscen.h"

static uint32_t crc;

/* CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320), bit by bit: files are small. */
static void crc_block(const uint8_t *data, size_t len, uint64_t offset, void *ctx)
{
    (void)offset;
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
}

static int tftp_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    const struct net_config *cfg = net_config();
    const char *file = bootarg("file");
    if (!file || !*file)
        file = cfg->bootfile;
    if (!*file) {
        printf("tftp: no file to fetch (file=NAME, or a DHCP boot file)\n");
        return NX_TFTP_NO_FILE;
    }
    uint32_t server = cfg->next_server ? cfg->next_server : cfg->gateway;
    const char *s = bootarg("server");
    if (s && *s && ip_parse(s, &server) != 0) {
        printf("tftp: bad server=%s\n", s);
        return NX_TFTP_NO_FILE;
    }
    char a[16], t[24];
    printf("tftp: fetching %s from %s\n", file, ip_str(server, a));
    struct tftp_result r;
    crc = 0xffffffffu;
    uint64_t t0 = rdtime();
    rc = tftp_get(server, file, crc_block, NULL, &r);
    crc = ~crc;
    if (rc == -2) {
        printf("tftp: %s: error %d: %s\n", file, r.error_code, r.error);
        return NX_TFTP_ERROR;
    }
    if (rc != 0) {
        printf("tftp: %s: %s after %llu bytes\n", file,
               rc == -1 ? "timeout" : rc == -4 ? "send failed" : "protocol error",
               (unsigned long long)r.bytes);
        return rc == -1 ? NX_TFTP_TIMEOUT : NX_TFTP_PROTO;
    }
    printf("tftp: %s: %llu bytes in %u blocks of %u, crc32 0x%08x, %u retransmits, %s us\n",
           file, (unsigned long long)r.bytes, r.blocks, r.blksize, crc, r.retransmits,
           netscen_us(rdtime() - t0, t));
    if (r.tsize && r.tsize != r.bytes) {
        printf("tftp: server announced tsize %llu\n", (unsigned long long)r.tsize);
        return NX_TFTP_PROTO;
    }
    return NX_OK;
}

const struct scenario scenario_tftp = {
    "tftp", tftp_run, "fetch file=NAME over TFTP, print its size and CRC-32",
};
