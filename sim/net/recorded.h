/* Recorded network inputs (DESIGN.md §8, docs/trace-format.md "input" family): what a
 * run read from files, kept in its trace so that `ringside replay` needs nothing but
 * the trace and the firmware. The pcap backend records each frame it hands the guest
 * as frame_input (src "pcap") at its first delivery attempt, and the end of a capture
 * it could not read as its peer_action "pcap replay stopped: ..."; the peer records
 * each file it reads for TFTP as file_input (src "tftp"). A replay collects them here
 * from the recorded trace and the backend feeds them instead of the files. */
#ifndef RINGSIDE_NET_RECORDED_H
#define RINGSIDE_NET_RECORDED_H

#include "common.h"
#include "trace/trace.h"

#define NET_SRC_PCAP "pcap"
#define NET_SRC_TFTP "tftp"
/* The peer_action text that ends a capture which could not be read on. */
#define NET_PCAP_STOPPED "pcap replay stopped: "
/* file_input carries a file in chunks of at most this many bytes (a trace record holds
 * at most TRACE_MAX_RECORD). */
#define NET_FILE_CHUNK 65536u

typedef struct NetRecFrame {
    uint64_t vtime;            /* first delivery attempt */
    size_t len;
    uint8_t *data;
} NetRecFrame;

typedef struct NetRecFile {
    char *path;                /* as the guest asked for it */
    uint8_t *data;
    size_t len;
    uint16_t error;            /* the TFTP error code, if reason is not empty */
    char *reason;              /* "": the file was read */
} NetRecFile;

typedef struct NetRecorded {
    NetRecFrame *frames;
    size_t n_frames, cap_frames;
    NetRecFile *files;
    size_t n_files, cap_files;
    char *pcap_error;          /* why the recorded capture stopped, or NULL */
} NetRecorded;

NetRecorded *net_recorded_new(void);
void net_recorded_free(NetRecorded *r);
/* Keeps ev if it is a recorded network input, ignores any other event; -1 with err on
 * running out of memory or a file_input chunk that does not continue its file. */
int net_recorded_add(NetRecorded *r, const TraceEvent *ev, Err *err);

#endif
