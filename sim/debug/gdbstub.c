/* Placeholder until the RSP stub lands (same session): --gdb reports it is missing. */
#include "debug/gdbstub.h"

GdbStub *gdbstub_open(Debugger *d, const char *addr, Err *err)
{
    (void)d;
    (void)addr;
    err_set(err, "the gdb stub is not built in yet");
    return NULL;
}

void gdbstub_close(GdbStub *g) { (void)g; }
int gdbstub_serve(GdbStub *g, bool wait, Err *err) { (void)g; (void)wait; return err_set(err, "no gdb stub"); }
void gdbstub_feed(GdbStub *g, const uint8_t *data, size_t len) { (void)g; (void)data; (void)len; }
size_t gdbstub_take_output(GdbStub *g, uint8_t *buf, size_t cap) { (void)g; (void)buf; (void)cap; return 0; }
GdbStub *gdbstub_new_detached(Debugger *d) { (void)d; return NULL; }
