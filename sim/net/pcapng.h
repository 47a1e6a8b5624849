/* pcapng capture writer (IETF draft-ietf-opsawg-pcapng, "PCAP Next Generation Dump
 * File Format"): one section, one Ethernet interface with nanosecond timestamps, and
 * an Enhanced Packet Block per frame stamped with virtual time and direction. */
#ifndef RINGSIDE_NET_PCAPNG_H
#define RINGSIDE_NET_PCAPNG_H

#include "common.h"

typedef struct Pcapng Pcapng;

/* Create (truncate) path and write the section and interface headers. */
Pcapng *pcapng_open(const char *path, Err *err);
/* Append one frame. inbound: travelling towards the guest (the capture is taken at
 * the guest's interface, as tcpdump inside the guest would see it). Each frame is
 * flushed, so a capture is complete up to the last frame whatever ends the run. */
int pcapng_write(Pcapng *w, uint64_t vtime_ns, bool inbound, const uint8_t *frame,
                 size_t len, Err *err);
/* Flush and close; frees w even on error. */
int pcapng_close(Pcapng *w, Err *err);

#endif
