/* Symbolises the pc of trace events (see tracer.h). */
#include "tracer.h"

const char *tracer_sym(const Tracer *t, uint64_t pc)
{
    if (!t->syms || !pc)
        return NULL;
    uint64_t off;
    const Symbol *s = symtab_lookup(t->syms, pc, &off);
    return s ? s->name : NULL;
}
