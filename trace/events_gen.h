/* Expansion helpers for trace/events.def, for the C files that generate one function
 * per event from it (trace/writer.c's trace_ev_*, sim/tracer.c's tracer_ev_*).
 *
 * A generated emitter needs each field list twice (its parameters, then assignments
 * into the event), but one expansion of events.def sees one F. So, with
 *     #define F(type, fname) (type, fname)
 * the list becomes a sequence of tuples (t, n)(t, n)..., and two alternating macros
 * walk it once per use: TRACE_GEN_PARAMS(list) gives ", uint8_t size, ..." and
 * TRACE_GEN_SETS(list) gives "p->size = size; ..." for a TraceEv_* pointer p. */
#ifndef RINGSIDE_TRACE_EVENTS_GEN_H
#define RINGSIDE_TRACE_EVENTS_GEN_H

#include "trace/trace.h"

#define TRACE_SET_u8(n) p->n = n;
#define TRACE_SET_u16(n) p->n = n;
#define TRACE_SET_u32(n) p->n = n;
#define TRACE_SET_u64(n) p->n = n;
#define TRACE_SET_x8(n) p->n = n;
#define TRACE_SET_x16(n) p->n = n;
#define TRACE_SET_x32(n) p->n = n;
#define TRACE_SET_x64(n) p->n = n;
#define TRACE_SET_bdf(n) p->n = n;
#define TRACE_SET_name(n) p->n = n;
#define TRACE_SET_str(n) p->n = n;
#define TRACE_SET_bytes(f) p->f.data = f; p->f.len = f##_len;
#define TRACE_SET_descs(f) p->f.d = f; p->f.n = f##_count;

#define TRACE_GEN_END_(...) __VA_ARGS__##_END
#define TRACE_GEN_END(...) TRACE_GEN_END_(__VA_ARGS__)
#define TRACE_GEN_PARAMS_A(t, n) TRACE_PARAM_##t(n) TRACE_GEN_PARAMS_B
#define TRACE_GEN_PARAMS_B(t, n) TRACE_PARAM_##t(n) TRACE_GEN_PARAMS_A
#define TRACE_GEN_PARAMS_A_END
#define TRACE_GEN_PARAMS_B_END
#define TRACE_GEN_SETS_A(t, n) TRACE_SET_##t(n) TRACE_GEN_SETS_B
#define TRACE_GEN_SETS_B(t, n) TRACE_SET_##t(n) TRACE_GEN_SETS_A
#define TRACE_GEN_SETS_A_END
#define TRACE_GEN_SETS_B_END

#define TRACE_GEN_PARAMS(...) TRACE_GEN_END(TRACE_GEN_PARAMS_A __VA_ARGS__)
#define TRACE_GEN_SETS(...) TRACE_GEN_END(TRACE_GEN_SETS_A __VA_ARGS__)

#endif
