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


/* TRACE_GEN_ARGS(list): the arguments that pass a TraceEv_* p's fields to a typed
 * emitter (", p->size, p->frame.data, p->frame.len, ..."). */
#define TRACE_ARG_u8(n) , p->n
#define TRACE_ARG_u16(n) , p->n
#define TRACE_ARG_u32(n) , p->n
#define TRACE_ARG_u64(n) , p->n
#define TRACE_ARG_x8(n) , p->n
#define TRACE_ARG_x16(n) , p->n
#define TRACE_ARG_x32(n) , p->n
#define TRACE_ARG_x64(n) , p->n
#define TRACE_ARG_bdf(n) , p->n
#define TRACE_ARG_name(n) , p->n
#define TRACE_ARG_str(n) , p->n
#define TRACE_ARG_bytes(f) , p->f.data, p->f.len
#define TRACE_ARG_descs(f) , p->f.d, p->f.n
/* TRACE_GEN_CALL(list): the arguments of a typed emitter passed on unchanged. */
#define TRACE_CALL_u8(n) , n
#define TRACE_CALL_u16(n) , n
#define TRACE_CALL_u32(n) , n
#define TRACE_CALL_u64(n) , n
#define TRACE_CALL_x8(n) , n
#define TRACE_CALL_x16(n) , n
#define TRACE_CALL_x32(n) , n
#define TRACE_CALL_x64(n) , n
#define TRACE_CALL_bdf(n) , n
#define TRACE_CALL_name(n) , n
#define TRACE_CALL_str(n) , n
#define TRACE_CALL_bytes(n) , n, n##_len
#define TRACE_CALL_descs(n) , n, n##_count

#define TRACE_GEN_ARGS_A(t, n) TRACE_ARG_##t(n) TRACE_GEN_ARGS_B
#define TRACE_GEN_ARGS_B(t, n) TRACE_ARG_##t(n) TRACE_GEN_ARGS_A
#define TRACE_GEN_ARGS_A_END
#define TRACE_GEN_ARGS_B_END
#define TRACE_GEN_CALL_A(t, n) TRACE_CALL_##t(n) TRACE_GEN_CALL_B
#define TRACE_GEN_CALL_B(t, n) TRACE_CALL_##t(n) TRACE_GEN_CALL_A
#define TRACE_GEN_CALL_A_END
#define TRACE_GEN_CALL_B_END

#define TRACE_GEN_PARAMS(...) TRACE_GEN_END(TRACE_GEN_PARAMS_A __VA_ARGS__)
#define TRACE_GEN_SETS(...) TRACE_GEN_END(TRACE_GEN_SETS_A __VA_ARGS__)
#define TRACE_GEN_ARGS(...) TRACE_GEN_END(TRACE_GEN_ARGS_A __VA_ARGS__)
#define TRACE_GEN_CALL(...) TRACE_GEN_END(TRACE_GEN_CALL_A __VA_ARGS__)

#endif
