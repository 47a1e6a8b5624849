/* The address helpers a ring layout's field table (sim/virtio/ring_LAYOUT.def:
 * RING_FIELD(area, field, "label", offset, width) rows) expands into, for the layout's
 * own file. Before including the table, that file defines AREA_<area>(vq), the guest
 * address of each area, and `#define RING_FIELD RING_FIELD_ACCESSORS`. Each row then
 * gives area_field_off(N, i), the offset in its area for queue size N and entry i;
 * area_field_at(vq, i), the guest address; and area_field_width. */
#ifndef RINGSIDE_RING_FIELD_H
#define RINGSIDE_RING_FIELD_H

#define RING_FIELD_ACCESSORS(area, field, label, off, width)                             \
    static inline uint64_t area##_##field##_off(uint64_t N, uint64_t i)                  \
    {                                                                                     \
        (void)N;                                                                          \
        (void)i;                                                                          \
        return off;                                                                       \
    }                                                                                     \
    static inline uint64_t area##_##field##_at(const VirtQueue *vq, uint64_t i)          \
    {                                                                                     \
        return AREA_##area(vq) + area##_##field##_off(vq->size, i);                       \
    }                                                                                     \
    enum { area##_##field##_width = width };

#endif
