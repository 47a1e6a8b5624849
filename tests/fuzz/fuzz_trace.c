/* libFuzzer harness for the C trace reader (trace/reader.c), through trace/trace.h only:
 * a trace file is untrusted input (`ringside replay`, `ringside-trace` in C), so any
 * bytes must end in events or in an error naming an offset, never a crash, a sanitizer
 * report, a leak or a hang. Every event read is formatted, compared with itself and
 * its fields walked, so what the decoders hand out is read to its last byte; an error
 * must stay (sticky).
 *
 * fuzz_trace_fixed.c builds this file with TRACE_FUZZ_REPAIR: the input's checksums
 * are made right first (trace_repair.c), so mutations get past the CRCs to the
 * decoders instead of all ending at "checksum mismatch". The seeds are real runs'
 * traces made at fuzz time (tests/fuzz/make-corpus), so they follow the format. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace/trace.h"

#ifdef TRACE_FUZZ_REPAIR
void trace_fuzz_repair(uint8_t *p, size_t n);
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 100000

static void read_all(const char *path)
{
    Err err;
    TraceReader *r = trace_reader_open(path, &err);
    if (!r)
        return;
    const TraceHeader *h = trace_reader_header(r);
    size_t sum = h->config ? strlen(h->config) : 0;
    for (int i = 0; i < h->argc; i++)
        sum += strlen(h->argv[i]);
    (void)sum;
    (void)trace_reader_version(r);
    TraceEvent ev;
    int rc = 0;
    static char line[1 << 16];
    for (unsigned k = 0; k < MAX_EVENTS && (rc = trace_read_next(r, &ev, &err)) == 1; k++) {
        (void)trace_reader_offset(r);
        trace_event_format(&ev, line, sizeof line);
        if (!trace_event_equal(&ev, &ev))
            abort();
        unsigned nf;
        const TraceFieldInfo *f = trace_event_fields(ev.type, &nf);
        for (unsigned i = 0; i < nf; i++) {
            if (trace_field_is_number(f[i].type))
                (void)trace_field_num(&ev, &f[i]);
            else if (trace_field_is_text(f[i].type) && trace_field_text(&ev, &f[i]))
                (void)strlen(trace_field_text(&ev, &f[i]));
        }
    }
    if (rc < 0 && trace_read_next(r, &ev, &err) != -1)
        abort();    /* errors are sticky */
    trace_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The reader opens a path: the input as a file in memory. */
    int fd = memfd_create("fuzz-trace", 0);
    if (fd < 0)
        abort();
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
#ifdef TRACE_FUZZ_REPAIR
    trace_fuzz_repair(copy, size);
#endif
    for (size_t at = 0; at < size;) {
        ssize_t w = write(fd, copy + at, size - at);
        if (w <= 0)
            abort();
        at += (size_t)w;
    }
    free(copy);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    read_all(path);
    close(fd);
    return 0;
}
