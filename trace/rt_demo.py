"""A small synthetic trace of a virtio-net bring-up, written with the Python writer
(ringside_trace.TraceWriter): the tools' tests and the docs use it where no simulator
run is at hand. The sequence follows virtio 1.2 §3.1.1 (status, features, queues) and
§2.7.13 / §2.7.7 (buffers made available, used, interrupts), on a queue of 8.
"""

import ringside_trace as rt

DEV = "virtio-net"
QSIZE = 8
RXQ, TXQ = 0, 1
RX_DESC, RX_AVAIL, RX_USED = 0x80200000, 0x80200080, 0x80201000
TX_DESC, TX_AVAIL, TX_USED = 0x80202000, 0x80202080, 0x80203000
MAC = bytes.fromhex("525400123456")
ARP_REQ = (b"\xff" * 6 + MAC + b"\x08\x06" + bytes.fromhex("0001080006040001") + MAC
           + bytes([10, 0, 2, 15]) + bytes(6) + bytes([10, 0, 2, 2]))
PEER_MAC = bytes.fromhex("525500000202")
ARP_REPLY = (MAC + PEER_MAC + b"\x08\x06" + bytes.fromhex("0001080006040002") + PEER_MAC
             + bytes([10, 0, 2, 2]) + MAC + bytes([10, 0, 2, 15]))


def write_demo(path):
    """Writes the demo trace to path; returns the number of events."""
    w = rt.TraceWriter(path, config="machine=virt\nmem=128M\nnet=peer\nvirtio=modern\n",
                       argv=["ringside", "run", "-append", "scenario=arp", "--trace", path])
    t = [0]

    def ev(name, sym, dt=3, pc=None, **f):
        t[0] += dt
        w.emit(name, t[0], pc if pc is not None else 0x80001000 + 4 * w.count, sym, **f)

    ev("run_start", None, dt=0, pc=0x1000, entry=0x80000000)
    for old, new in ((0, 0), (0, 1), (1, 3)):
        ev("virtio_status", "vp_set_status", dev=DEV, old=old, new=new)
    for word, value in ((0, 0x39bf8027), (1, 0x1)):
        ev("virtio_feature_sel", "vp_get_features", dev=DEV, side="device", word=word)
        ev("virtio_features", "vp_get_features", dev=DEV, side="device", word=word, value=value)
    for word, value in ((0, 0x00010020), (1, 0x1)):
        ev("virtio_feature_sel", "vp_finalize_features", dev=DEV, side="driver", word=word)
        ev("virtio_features", "vp_finalize_features", dev=DEV, side="driver", word=word, value=value)
    ev("virtio_status", "vp_set_status", dev=DEV, old=3, new=0xb)
    for q, (d, a, u) in ((RXQ, (RX_DESC, RX_AVAIL, RX_USED)), (TXQ, (TX_DESC, TX_AVAIL, TX_USED))):
        ev("virtio_queue_setup", "vp_setup_vq", dev=DEV, queue=q, size=QSIZE, desc=d, avail=a, used=u)
        ev("virtio_queue_enable", "vp_setup_vq", dev=DEV, queue=q, enable=1)
    ev("virtio_config_read", "virtnet_probe", dev=DEV, offset=0, size=1, value=0x52, field="mac")
    ev("virtio_status", "vp_set_status", dev=DEV, old=0xb, new=0xf)
    # try_fill_recv: four receive buffers, one writable descriptor each
    for i in range(4):
        ev("desc_write", "virtqueue_add_split", dev=DEV, queue=RXQ, index=i,
           addr=0x80300000 + 0x800 * i, len=1526, flags=2, next=0)
        ev("avail_write", "virtqueue_add_split", dev=DEV, queue=RXQ, slot=i, id=i)
    ev("avail_idx", "virtqueue_kick_prepare_split", dev=DEV, queue=RXQ, idx=4)
    ev("virtio_notify", "vp_notify", dev=DEV, queue=RXQ)
    # start_xmit: header + frame in a two-descriptor chain
    ev("desc_write", "virtqueue_add_split", dev=DEV, queue=TXQ, index=0, addr=0x80400000, len=12, flags=1, next=1)
    ev("desc_write", "virtqueue_add_split", dev=DEV, queue=TXQ, index=1, addr=0x80400010,
       len=len(ARP_REQ), flags=0, next=0)
    ev("avail_write", "virtqueue_add_split", dev=DEV, queue=TXQ, slot=0, id=0)
    ev("avail_idx", "virtqueue_kick_prepare_split", dev=DEV, queue=TXQ, idx=1)
    ev("virtio_notify", "vp_notify", dev=DEV, queue=TXQ)
    ev("chain_fetch", "vp_notify", dt=1, dev=DEV, queue=TXQ, head=0,
       chain=[{"index": 0, "addr": 0x80400000, "len": 12, "flags": 1, "next": 1},
              {"index": 1, "addr": 0x80400010, "len": len(ARP_REQ), "flags": 0, "next": 0}])
    ev("frame_from_guest", "vp_notify", dt=0, dev=DEV, frame=ARP_REQ)
    ev("used_write", "vp_notify", dt=0, dev=DEV, queue=TXQ, slot=0, id=0, len=0)
    ev("used_idx", "vp_notify", dt=0, dev=DEV, queue=TXQ, idx=1)
    ev("irq_suppress", "vp_notify", dt=0, dev=DEV, queue=TXQ, reason="NO_INTERRUPT")
    ev("peer_action", None, dt=100, pc=0, text="ARP reply: 10.0.2.2 is-at 52:55:00:00:02:02")
    ev("frame_to_guest", None, dt=0, pc=0, dev=DEV, frame=ARP_REPLY)
    ev("chain_fetch", None, dt=0, pc=0, dev=DEV, queue=RXQ, head=0,
       chain=[{"index": 0, "addr": 0x80300000, "len": 1526, "flags": 2, "next": 0}])
    ev("used_write", None, dt=0, pc=0, dev=DEV, queue=RXQ, slot=0, id=0, len=12 + len(ARP_REPLY))
    ev("used_idx", None, dt=0, pc=0, dev=DEV, queue=RXQ, idx=1)
    ev("irq_raise", None, dt=0, pc=0, dev=DEV, queue=RXQ, reason="used")
    ev("pci_intx", None, dt=0, pc=0, bdf=0x0008, pin=1, irq=33, level=1)
    ev("interrupt", "trap_entry", dt=5, cause=11, epc=0x80001200)
    ev("virtio_isr_read", "vp_interrupt", dev=DEV, value=1)
    ev("pci_intx", "vp_interrupt", dt=0, bdf=0x0008, pin=1, irq=33, level=0)
    # virtnet_poll: refill the buffer it took
    ev("desc_write", "virtqueue_add_split", dev=DEV, queue=RXQ, index=0, addr=0x80300000, len=1526, flags=2, next=0)
    ev("avail_write", "virtqueue_add_split", dev=DEV, queue=RXQ, slot=4, id=0)
    ev("avail_idx", "virtqueue_kick_prepare_split", dev=DEV, queue=RXQ, idx=5)
    ev("virtio_notify", "vp_notify", dev=DEV, queue=RXQ)
    ev("run_end", "poweroff", status=0, reason="guest wrote 0x5555 to the test device")
    n = w.count
    w.close()
    return n
