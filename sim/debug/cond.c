/* Stop conditions over trace events: parsing and matching (see cond.h). */
#include "debug/cond.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

/* Whether the '_'-separated words of w stand, whole and in order, somewhere in name. */
static bool has_words(const char *name, const char *w)
{
    size_t wl = strlen(w), nl = strlen(name);
    for (size_t at = 0; at + wl <= nl; at++) {
        if ((at == 0 || name[at - 1] == '_') && strncmp(name + at, w, wl) == 0 &&
            (name[at + wl] == 0 || name[at + wl] == '_'))
            return true;
    }
    return false;
}

/* The types a selector word names; 0 when none. */
static unsigned select_word(const char *w, TraceTypeSet *out)
{
    memset(out, 0, sizeof *out);
    unsigned n = 0;
    for (unsigned t = 0; t < TRACE_EV_LIMIT; t++) {
        const char *name = trace_event_name((TraceEventType)t);
        if (!name)
            continue;
        const char *fam = trace_event_family((TraceEventType)t);
        if (strcmp(fam, w) == 0 || has_words(name, w)) {
            trace_types_add(out, t);
            n++;
        }
    }
    return n;
}

static unsigned count(const TraceTypeSet *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < TRACE_EV_LIMIT / 64; i++)
        n += (unsigned)__builtin_popcountll(s->bits[i]);
    return n;
}

static const struct {
    const char *s;
    CondOp op;
} ops[] = {   /* longest first */
    { "!&", COND_NONE }, { "!=", COND_NE }, { "<=", COND_LE }, { ">=", COND_GE },
    { "=", COND_EQ }, { "&", COND_ALL }, { "<", COND_LT }, { ">", COND_GT }, { "~", COND_HAS },
};

/* The operator in a token, if it is a test: its position and length. */
static const char *find_op(const char *tok, CondOp *op, size_t *oplen)
{
    for (const char *p = tok; *p; p++) {
        for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
            size_t l = strlen(ops[i].s);
            if (strncmp(p, ops[i].s, l) == 0) {
                *op = ops[i].op;
                *oplen = l;
                return p;
            }
        }
    }
    return NULL;
}

static int parse_number(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s))
        return -1;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

/* The next token of *p: a run of non-blanks, where a "quoted" part may hold blanks (the
 * quotes are dropped). 0 at the end, -1 when too long or unterminated. */
static int next_token(const char **p, char *tok, size_t n)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s) {
        *p = s;
        return 0;
    }
    size_t k = 0;
    bool quoted = false;
    for (; *s && (quoted || (*s != ' ' && *s != '\t')); s++) {
        if (*s == '"') {
            quoted = !quoted;
            continue;
        }
        if (k + 1 >= n)
            return -1;
        tok[k++] = *s;
    }
    if (quoted)
        return -1;
    tok[k] = 0;
    *p = s;
    return 1;
}

/* The field names of the selected types, each once, for an error message. */
static void list_fields(const TraceTypeSet *types, char *buf, size_t n)
{
    const char *seen[64];
    unsigned nseen = 0;
    size_t len = 0;
    buf[0] = 0;
    for (unsigned t = 0; t < TRACE_EV_LIMIT; t++) {
        if (!trace_types_has(types, t))
            continue;
        unsigned nf;
        const TraceFieldInfo *f = trace_event_fields((TraceEventType)t, &nf);
        for (unsigned i = 0; i < nf; i++) {
            unsigned k = 0;
            while (k < nseen && strcmp(seen[k], f[i].name) != 0)
                k++;
            if (k < nseen || nseen == ARRAY_SIZE(seen))
                continue;
            seen[nseen++] = f[i].name;
            if (len < n)
                len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "", f[i].name);
        }
    }
}

static int parse_test(const char *tok, Cond *c, CondResolveFn *resolve, void *rctx, Err *err)
{
    CondOp op;
    size_t oplen;
    const char *at = find_op(tok, &op, &oplen);
    if (c->ntests == COND_MAX_TESTS)
        return err_set(err, "more than %d field tests", COND_MAX_TESTS);
    CondTest *t = &c->test[c->ntests];
    memset(t, 0, sizeof *t);
    size_t fl = (size_t)(at - tok);
    if (fl == 0 || fl >= sizeof t->field)
        return err_set(err, "'%s': a test is FIELD OP VALUE", tok);
    memcpy(t->field, tok, fl);
    t->field[fl] = 0;
    t->op = op;
    const char *val = at + oplen;
    if (!*val)
        return err_set(err, "'%s': no value after the operator", tok);

    /* Keep the types that have the field; all of them must agree on its kind. */
    TraceTypeSet keep = { { 0 } };
    int kind = -1;                 /* 0 number, 1 text */
    for (unsigned ty = 0; ty < TRACE_EV_LIMIT; ty++) {
        if (!trace_types_has(&c->types, ty))
            continue;
        const TraceFieldInfo *f = trace_event_field((TraceEventType)ty, t->field);
        if (!f || !(trace_field_is_number(f->type) || trace_field_is_text(f->type)))
            continue;
        int k = trace_field_is_text(f->type);
        if (kind >= 0 && k != kind)
            continue;
        kind = k;
        trace_types_add(&keep, ty);
    }
    if (kind < 0) {
        char fields[512];
        list_fields(&c->types, fields, sizeof fields);
        return err_set(err, "no event selected has a field '%s' (fields: %s)", t->field,
                       fields[0] ? fields : "none");
    }
    c->types = keep;
    t->text = kind == 1;
    if (t->text) {
        if (op != COND_EQ && op != COND_NE && op != COND_HAS)
            return err_set(err, "'%s': a text field takes = != or ~", tok);
        if (strlen(val) >= sizeof t->str)
            return err_set(err, "'%s': text longer than %zu bytes", tok, sizeof t->str - 1);
        strcpy(t->str, val);
        c->ntests++;
        return 0;
    }
    if (op == COND_HAS)
        return err_set(err, "'%s': ~ is for text fields; %s is a number", tok, t->field);
    if (parse_number(val, &t->num) == 0) {
        c->ntests++;
        return 0;
    }
    /* A name: ask the resolver with each selected type until one knows it. Names joined
     * with | (status bits, flags) are resolved one by one and OR-ed. */
    uint64_t acc = 0;
    int word = -1;
    char part[64];
    for (const char *p = val; *p;) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == 0 || l >= sizeof part)
            return err_set(err, "'%s': empty or overlong name", tok);
        memcpy(part, p, l);
        part[l] = 0;
        uint64_t v;
        bool found = false;
        if (parse_number(part, &v) == 0)
            found = true;
        for (unsigned ty = 0; ty < TRACE_EV_LIMIT && !found; ty++) {
            CondHint hint = { COND_LATE_NONE, -1 };
            if (trace_types_has(&c->types, ty) && resolve &&
                resolve(rctx, (TraceEventType)ty, t->field, part, &v, &hint) == 0) {
                found = true;
                if (hint.late != COND_LATE_NONE) {
                    if (bar || p != val)
                        return err_set(err, "'%s': %s cannot be combined with |", tok, part);
                    t->late = hint.late;
                }
                if (hint.word >= 0 && word < 0)
                    word = hint.word;
                else if (hint.word >= 0 && hint.word != word)
                    return err_set(err, "'%s': %s is in feature word %d, the others in word %d", tok, part,
                                   hint.word, word);
            }
        }
        if (!found)
            return err_set(err, "'%s': '%s' is not a number nor a name %s knows", tok, part, t->field);
        acc |= v;
        p += l + (bar ? 1 : 0);
        if (bar && !*p)
            return err_set(err, "'%s': empty name after |", tok);
    }
    t->num = acc;
    c->ntests++;
    if (word >= 0) {
        /* A feature name picks its word too: an implied test word=N. */
        char implied[32];
        snprintf(implied, sizeof implied, "word=%d", word);
        return parse_test(implied, c, resolve, rctx, err);
    }
    return 0;
}

int cond_parse(const char *text, Cond *c, CondResolveFn *resolve, void *rctx, Err *err)
{
    memset(c, 0, sizeof *c);
    if (strlen(text) >= sizeof c->text)
        return err_set(err, "condition longer than %d bytes", COND_MAX_TEXT - 1);
    strcpy(c->text, text);
    const char *p = text;
    char tok[96];
    int r;
    bool words = false, tests = false;
    trace_types_all(&c->types);
    while ((r = next_token(&p, tok, sizeof tok)) > 0) {
        CondOp op;
        size_t oplen;
        if (find_op(tok, &op, &oplen)) {
            if (!words)
                return err_set(err, "'%s': name an event first (e.g. virtio_status new&DRIVER_OK)", text);
            if (parse_test(tok, c, resolve, rctx, err) < 0)
                return -1;
            tests = true;
            continue;
        }
        if (tests)
            return err_set(err, "'%s': event words come before the field tests", tok);
        TraceTypeSet sel;
        if (!select_word(tok, &sel))
            return err_set(err, "'%s' names no event, family or part of an event name (see trace/events.def)", tok);
        for (unsigned i = 0; i < TRACE_EV_LIMIT / 64; i++)
            c->types.bits[i] &= sel.bits[i];
        if (!count(&c->types))
            return err_set(err, "'%s': no event is selected by all of its words", text);
        words = true;
    }
    if (r < 0)
        return err_set(err, "'%s': a token is too long or a quote is not closed", text);
    if (!words)
        return err_set(err, "an empty condition: name an event (e.g. virtio_status, notify queue=tx0)");
    return 0;
}

static bool test_num(const CondTest *t, uint64_t v, uint64_t want)
{
    switch (t->op) {
    case COND_EQ: return v == want;
    case COND_NE: return v != want;
    case COND_ALL: return (v & want) == want;
    case COND_NONE: return (v & want) == 0;
    case COND_LT: return v < want;
    case COND_LE: return v <= want;
    case COND_GT: return v > want;
    case COND_GE: return v >= want;
    default: return false;
    }
}

bool cond_match(const Cond *c, const TraceEvent *ev, CondLateFn *late, void *lctx)
{
    if (!trace_types_has(&c->types, ev->type))
        return false;
    for (unsigned i = 0; i < c->ntests; i++) {
        const CondTest *t = &c->test[i];
        const TraceFieldInfo *f = trace_event_field(ev->type, t->field);
        if (!f)
            return false;
        if (t->text) {
            const char *s = trace_field_text(ev, f);
            s = s ? s : "";
            bool m = t->op == COND_HAS ? strstr(s, t->str) != NULL : strcmp(s, t->str) == 0;
            if (t->op == COND_NE ? m : !m)
                return false;
            continue;
        }
        uint64_t want = t->late != COND_LATE_NONE && late ? late(lctx, t->late) : t->num;
        if (!test_num(t, trace_field_num(ev, f), want))
            return false;
    }
    return true;
}
