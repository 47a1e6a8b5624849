/* The recording's outputs during time travel (DESIGN.md §11: going back and forth never
 * changes the run's trace). */
#ifndef RINGSIDE_RECGATE_H
#define RINGSIDE_RECGATE_H

#include "common.h"

/* A gate in front of an output that belongs to the recording (RecGate): seen counts
 * what the run produced, written what reached the output. A snapshot saves seen; after
 * a restore, outputs already written are held back until the run is past them again. */
typedef struct RecGate {
    uint64_t seen, written;
} RecGate;
static inline bool recgate_pass(RecGate *g)
{
    if (g->seen++ < g->written)
        return false;
    g->written = g->seen;
    return true;
}

#endif
