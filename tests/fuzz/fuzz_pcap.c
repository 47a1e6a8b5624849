/* libFuzzer harness for the capture reader (sim/net/pcap_read.c, `--net pcap:FILE`):
 * classic pcap and pcapng, any bytes. Every frame handed out lies inside the file and
 * is read whole (ASan sees a byte past it), orig_len is never below len, offsets only
 * grow, and an error stays. Seeds: captures of real runs (--pcap) and a classic pcap
 * written from one (tests/fuzz/make-corpus). */
#include <stdint.h>
#include <stdlib.h>

#include "sim/net/pcap_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Err err;
    PcapReader *r = pcap_reader_open_mem(data, size, "fuzz", &err);
    if (!r)
        return 0;
    PcapFrame f;
    int rc;
    uint64_t last = 0;
    unsigned sum = 0;
    for (unsigned k = 0; k < 100000 && (rc = pcap_reader_next(r, &f, &err)) == 1; k++) {
        if (f.orig_len < f.len || f.offset >= size || (k && f.offset <= last))
            abort();
        last = f.offset;
        for (size_t i = 0; i < f.len; i++)
            sum += f.data[i];
    }
    (void)sum;
    if (rc < 0 && pcap_reader_next(r, &f, &err) != -1)
        abort();
    pcap_reader_close(r);
    return 0;
}
