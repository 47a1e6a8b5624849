/* The trace reader's harness (fuzz_trace.c) with the input's checksums repaired first,
 * so that mutations reach the record decoders (trace_repair.c). */
#define TRACE_FUZZ_REPAIR 1
#include "fuzz_trace.c"
#include "trace_repair.c"
