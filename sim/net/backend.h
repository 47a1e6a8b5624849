/* The network behind the virtio-net device (DESIGN.md §7): what the device hands
 * guest frames to and gets frames for the guest from. Everything runs in virtual time
 * on the machine's event queue, so a run's traffic is the same on every host.
 *
 * Backends (the --net spec):
 *   "peer"       the built-in peer (sim/net/peer.h): ARP, ICMP echo, DHCP, TFTP from
 *                tftp_dir, UDP echo. Its answers reach the guest NET_PEER_LATENCY
 *                units of virtual time after the guest sent the frame they answer.
 *   "pcap:FILE"  the frames of a pcap/pcapng capture fed to the guest; see
 *                net_backend_rx_ready for when. Guest frames are recorded, not answered.
 * What comes from files is traced as input events (net/recorded.h) so that a replay
 * feeds it from the trace: each capture frame as frame_input at its first delivery
 * attempt, each TFTP file the peer reads as file_input.
 * Optionally every frame, both ways, goes to a pcapng file (--pcap FILE) stamped with
 * the guest's clock in nanoseconds (net_vtime_to_ns).
 *
 * Contract with the device:
 *  - net_backend_send for every frame the guest transmits (no virtio-net header).
 *  - deliver(opaque, frame, len) returns true if the device took the frame into a
 *    guest rx buffer, false if the guest had none; the frame then stays at the head of
 *    the queue, later frames wait behind it (delivery stays in order), and nothing is
 *    retried until the device calls net_backend_rx_ready.
 *  - net_backend_rx_ready whenever the guest makes rx buffers available (every rx queue
 *    notify); spurious calls are harmless. Delivery then resumes from a timer at the
 *    current virtual time, never from inside the call, so the device is not re-entered.
 */
#ifndef RINGSIDE_NET_BACKEND_H
#define RINGSIDE_NET_BACKEND_H

#include "common.h"
#include "events.h"
#include "tracer.h"

/* Virtual time between a guest frame and the peer's answer, in instructions retired.
 * 2000 instructions is 200 mtime ticks, 20 µs at the default 10 MHz timebase: long
 * enough that a ping's round trip measured with mtime is clearly non-zero and the
 * guest has left its send path before the answer interrupts it (as on a real wire),
 * short against any guest timeout (U-Boot's ARP/TFTP timeouts are milliseconds). */
#define NET_PEER_LATENCY 2000u

/* Capture timestamps are the guest's own clock (DESIGN.md §3): mtime advances one tick
 * of the 10 MHz timebase, NET_NS_PER_TICK ns, every insns_per_tick units of virtual
 * time (--insns-per-tick), so a unit is 100 / insns_per_tick ns: 10 ns at the default
 * ratio, NET_INSNS_PER_TICK (machine_config_default's too). */
#define NET_NS_PER_TICK 100u
#define NET_INSNS_PER_TICK 10u

/* Frames waiting for the guest; more are dropped (and traced): a guest that stops
 * taking frames must not make the simulator's memory grow without bound. */
#define NET_QUEUE_MAX 1024u

typedef bool NetDeliverFn(void *opaque, const uint8_t *frame, size_t len);
typedef uint64_t NetNowFn(void *ctx);

typedef struct NetBackendConfig {
    const char *spec;          /* "peer" (also NULL or "") or "pcap:FILE" */
    const char *tftp_dir;      /* peer: --tftp DIR, may be NULL */
    const char *bootfile;      /* peer: DHCP boot file name, may be NULL */
    const char *pcap_out;      /* --pcap FILE, NULL for none */
    EventQueue *events;        /* required */
    NetNowFn *now;             /* current virtual time; required */
    void *now_ctx;
    NetDeliverFn *deliver;     /* required */
    void *opaque;
    const Tracer *tracer;      /* may be NULL */
    const char *dev_name;      /* names the device in trace events; NULL: "virtio-net" */
    uint64_t latency;          /* 0: NET_PEER_LATENCY */
    uint32_t insns_per_tick;   /* the machine's --insns-per-tick; 0: NET_INSNS_PER_TICK */
    /* Replay (net/recorded.h): the inputs a recorded run read from files replace the
     * capture of "pcap:FILE" and the files of tftp_dir, neither of which is opened.
     * Must outlive the backend. NULL: read the files (and record what was read). */
    const struct NetRecorded *recorded;
} NetBackendConfig;

typedef struct NetBackend NetBackend;

typedef struct NetBackendStats {
    uint64_t from_guest, to_guest;   /* frames */
    uint64_t refused;                /* deliver() returned false */
    uint64_t queue_dropped;          /* NET_QUEUE_MAX reached */
} NetBackendStats;

NetBackend *net_backend_create(const NetBackendConfig *cfg, Err *err);
/* 0 when spec names a backend ("peer", "pcap:FILE"), else -1 with err: lets the command
 * line refuse a bad --net as a usage error before any machine is built. */
int net_backend_check_spec(const char *spec, Err *err);

/* The guest's clock in nanoseconds at virtual time vtime (rounded down), and back: the
 * scale of --pcap timestamps and of a --net pcap: capture's spacing. */
uint64_t net_vtime_to_ns(uint64_t vtime, uint32_t insns_per_tick);
uint64_t net_ns_to_vtime(uint64_t ns, uint32_t insns_per_tick);
/* Closes the capture; -1 (with err) if finishing it failed. Frees nb in any case. */
int net_backend_destroy(NetBackend *nb, Err *err);
/* The backend's snapshot state (frames waiting for the guest, the peer as a child;
 * snap/snap.h). A capture being replayed (--net pcap:) cannot be saved yet. */
struct SnapDesc;
extern const struct SnapDesc net_backend_snap;

/* A frame from the guest; the peer's answers are queued before this returns. -1 only
 * when writing the capture failed (net_backend_error says why); the frame was still
 * handled. */
int net_backend_send(NetBackend *nb, const uint8_t *frame, size_t len);
void net_backend_rx_ready(NetBackend *nb);

/* Frames queued for the guest, delivered or not yet due. */
size_t net_backend_pending(const NetBackend *nb);
const NetBackendStats *net_backend_stats(const NetBackend *nb);
/* The built-in peer, or NULL for other backends (for its statistics). */
const struct NetPeer *net_backend_peer(const NetBackend *nb);
/* The first error met while running from a timer (a capture that could not be read
 * or written), or NULL. The backend stops feeding frames after a pcap read error. */
const char *net_backend_error(const NetBackend *nb);

#endif
