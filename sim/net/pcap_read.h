/* Reader of capture files for the `--net pcap:FILE` backend: classic libpcap files
 * (either byte order, microsecond or nanosecond magic) and pcapng (draft-ietf-opsawg-
 * pcapng: EPB, SPB and the obsolete PB; several sections and interfaces). Ethernet only. */
#ifndef RINGSIDE_NET_PCAP_READ_H
#define RINGSIDE_NET_PCAP_READ_H

#include "common.h"

typedef enum { PCAP_DIR_UNKNOWN = 0, PCAP_DIR_INBOUND = 1, PCAP_DIR_OUTBOUND = 2 } PcapDir;

typedef struct PcapFrame {
    uint64_t ts_ns;            /* capture time in ns; an SPB (no time) repeats the last */
    PcapDir dir;               /* from epb_flags; unknown in classic pcap */
    const uint8_t *data;       /* valid until the next call or close */
    size_t len;                /* captured bytes */
    size_t orig_len;           /* bytes on the wire (>= len when the capture was cut) */
    uint64_t offset;           /* file offset of the record or block */
} PcapFrame;

typedef struct PcapReader PcapReader;

/* The whole file is read at open: captures for replay are small, and checking
 * every length against one buffer keeps the parser simple and safe. */
PcapReader *pcap_reader_open(const char *path, Err *err);
/* The same from memory (copied); name is used in error messages. */
PcapReader *pcap_reader_open_mem(const uint8_t *buf, size_t len, const char *name, Err *err);
/* 1: *f holds the next frame; 0: end of file; -1: truncated or corrupt file, err says
 * where (byte offset). After -1 every further call fails again. */
int pcap_reader_next(PcapReader *r, PcapFrame *f, Err *err);
void pcap_reader_close(PcapReader *r);

#endif
