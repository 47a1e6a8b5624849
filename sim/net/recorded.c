/* Collects a trace's recorded network inputs for replay (recorded.h). */
#include "recorded.h"

#include <stdlib.h>

NetRecorded *net_recorded_new(void)
{
    return calloc(1, sizeof(NetRecorded));
}

void net_recorded_free(NetRecorded *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_frames; i++)
        free(r->frames[i].data);
    for (size_t i = 0; i < r->n_files; i++) {
        free(r->files[i].path);
        free(r->files[i].data);
        free(r->files[i].reason);
    }
    free(r->frames);
    free(r->files);
    free(r->pcap_error);
    free(r);
}

static bool is_src(const char *name, const char *src) { return name && strcmp(name, src) == 0; }

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = realloc(p, c * size);
    if (q)
        *cap = c;
    return q;
}

static uint8_t *dup_bytes(const TraceBytes *b)
{
    uint8_t *p = malloc(b->len ? b->len : 1);
    if (p && b->len)
        memcpy(p, b->data, b->len);
    return p;
}

static int add_frame(NetRecorded *r, const TraceEvent *ev, Err *err)
{
    NetRecFrame *f = grow(r->frames, &r->cap_frames, r->n_frames, sizeof *f);
    if (!f)
        return err_set(err, "out of memory");
    r->frames = f;
    const TraceBytes *b = &ev->u.frame_input.frame;
    uint8_t *data = dup_bytes(b);
    if (!data)
        return err_set(err, "out of memory");
    r->frames[r->n_frames++] = (NetRecFrame){ .vtime = ev->vtime, .len = b->len, .data = data };
    return 0;
}

static int add_file(NetRecorded *r, const TraceEvent *ev, Err *err)
{
    const TraceEv_file_input *fi = &ev->u.file_input;
    if (fi->offset > 0) {
        /* A later chunk: it must continue the file the previous event began. */
        NetRecFile *f = r->n_files ? &r->files[r->n_files - 1] : NULL;
        if (!f || strcmp(f->path, fi->path) != 0 || f->len != fi->offset || fi->offset + fi->data.len > fi->size)
            return err_set(err, "file_input %s at offset %llu does not continue a recorded file", fi->path,
                           (unsigned long long)fi->offset);
        if (fi->data.len)
            memcpy(f->data + f->len, fi->data.data, fi->data.len);
        f->len += fi->data.len;
        return 0;
    }
    if (fi->data.len > fi->size || fi->size > SIZE_MAX - 1)
        return err_set(err, "file_input %s: chunk of %zu bytes in a file of %llu", fi->path, fi->data.len,
                       (unsigned long long)fi->size);
    NetRecFile *files = grow(r->files, &r->cap_files, r->n_files, sizeof *files);
    if (!files)
        return err_set(err, "out of memory");
    r->files = files;
    NetRecFile f = { .path = strdup(fi->path), .data = malloc((size_t)fi->size + 1),
                     .len = fi->data.len, .error = fi->error, .reason = strdup(fi->reason) };
    if (!f.path || !f.data || !f.reason) {
        free(f.path);
        free(f.data);
        free(f.reason);
        return err_set(err, "out of memory");
    }
    if (fi->data.len)
        memcpy(f.data, fi->data.data, fi->data.len);
    r->files[r->n_files++] = f;
    return 0;
}

int net_recorded_add(NetRecorded *r, const TraceEvent *ev, Err *err)
{
    switch (ev->type) {
    case TRACE_EV_frame_input:
        return is_src(ev->u.frame_input.src, NET_SRC_PCAP) ? add_frame(r, ev, err) : 0;
    case TRACE_EV_file_input:
        return is_src(ev->u.file_input.src, NET_SRC_TFTP) ? add_file(r, ev, err) : 0;
    case TRACE_EV_peer_action: {
        const char *t = ev->u.peer_action.text;
        size_t n = strlen(NET_PCAP_STOPPED);
        if (strncmp(t, NET_PCAP_STOPPED, n) != 0 || r->pcap_error)
            return 0;
        if (!(r->pcap_error = strdup(t + n)))
            return err_set(err, "out of memory");
        return 0;
    }
    default:
        return 0;
    }
}
