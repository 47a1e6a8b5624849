/* Symbolises the pc of trace events (see tracer.h). */
#include "tracer.h"

const char *tracer_sym(const Tracer *t, uint64_t pc)
{
    if (!t->syms || !pc)
        return NULL;
    SymCache *c = t->sym_cache;
    if (c && pc - c->lo < c->hi - c->lo)
        return c->name;
    uint64_t off;
    const Symbol *s = symtab_lookup(t->syms, pc, &off);
    if (s && c && s->size)
        *c = (SymCache){ s->addr, s->addr + s->size, s->name };
    return s ? s->name : NULL;
}
