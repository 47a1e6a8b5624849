/* The work of scenario=bench-mix: a CoreMark-like mix of the code firmware and
 * compilers produce all the time, written for ringside (no code from CoreMark):
 * a linked list searched and merge-sorted, small integer matrix arithmetic, a
 * byte-driven state machine that classifies tokens, and a bitwise CRC-16 folding every
 * result. Depends on nothing but <stdint.h> and <stddef.h>, so the same file is built
 * for the guest (bench/guest/bench_mix.c) and, to check the guest's answer, for the
 * host (bench/run.py compiles it with bench/mix_host.c).
 *
 * Every figure is a pure function of the seed and the iteration count. */
#include "mix_core.h"

/* CRC-16/CCITT bit by bit (polynomial 0x1021, not reflected): a branch per bit. */
static uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
    crc ^= (uint16_t)(b << 8);
    for (int i = 0; i < 8; i++)
        crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        crc = crc16_byte(crc, (uint8_t)(v >> (8 * i)));
    return crc;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* ---- linked list ---- */

struct node {
    struct node *next;
    int32_t key;
    int16_t val;
    int16_t pad;
};

#define LIST_NODES 96

/* Merge sort of a singly linked list by key (then val), bottom-up by runs. */
static int node_less(const struct node *a, const struct node *b)
{
    return a->key < b->key || (a->key == b->key && a->val < b->val);
}

static struct node *list_merge(struct node *a, struct node *b)
{
    struct node head, *t = &head;
    while (a && b) {
        if (node_less(b, a)) { t->next = b; b = b->next; }
        else { t->next = a; a = a->next; }
        t = t->next;
    }
    t->next = a ? a : b;
    return head.next;
}

static struct node *list_sort(struct node *l)
{
    if (!l || !l->next)
        return l;
    struct node *slow = l, *fast = l->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    struct node *r = slow->next;
    slow->next = NULL;
    return list_merge(list_sort(l), list_sort(r));
}

static struct node *list_reverse(struct node *l)
{
    struct node *p = NULL;
    while (l) {
        struct node *n = l->next;
        l->next = p;
        p = l;
        l = n;
    }
    return p;
}

static const struct node *list_find(const struct node *l, int32_t key)
{
    for (; l; l = l->next)
        if (l->key == key)
            return l;
    return NULL;
}

static uint16_t list_work(struct node *pool, uint32_t *seed, uint16_t crc)
{
    struct node *l = NULL;
    for (int i = 0; i < LIST_NODES; i++) {
        pool[i].key = (int32_t)(lcg(seed) % 200) - 100;
        pool[i].val = (int16_t)(lcg(seed) & 0x7fff);
        pool[i].next = l;
        l = &pool[i];
    }
    int found = 0, missing = 0;
    for (int i = 0; i < 32; i++) {
        const struct node *n = list_find(l, (int32_t)(lcg(seed) % 240) - 120);
        if (n) { found++; crc = crc16_u32(crc, (uint32_t)n->val); }
        else missing++;
    }
    l = list_sort(l);
    int32_t prev = -1000;
    uint32_t sum = 0;
    for (const struct node *n = l; n; n = n->next) {
        if (n->key < prev)
            sum += 0x10000;                      /* never: the list is sorted */
        prev = n->key;
        sum = sum * 31 + (uint32_t)n->val;
    }
    l = list_reverse(l);
    crc = crc16_u32(crc, (uint32_t)l->key);
    crc = crc16_u32(crc, sum);
    return crc16_u32(crc, (uint32_t)(found << 8 | missing));
}

/* ---- matrices ---- */

#define MAT_N 10

static uint16_t matrix_work(uint32_t *seed, uint16_t crc)
{
    int16_t a[MAT_N][MAT_N], b[MAT_N][MAT_N];
    int32_t c[MAT_N][MAT_N];
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            a[i][j] = (int16_t)((lcg(seed) & 0xff) - 128);
            b[i][j] = (int16_t)((lcg(seed) & 0xff) - 128);
        }
    /* a += k; c = a * b; c's entries tested bitwise, as CoreMark-like code does. */
    int16_t k = (int16_t)(lcg(seed) & 15);
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            a[i][j] = (int16_t)(a[i][j] + k);
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int m = 0; m < MAT_N; m++)
                s += a[i][m] * b[m][j];
            c[i][j] = s;
        }
    uint32_t acc = 0;
    int negatives = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t v = c[i][j];
            if (v < 0) negatives++;
            acc += (uint32_t)((v >> 2) & 0x7f) ^ (uint32_t)(i * MAT_N + j);
        }
    /* Matrix times vector, then shifts. */
    int32_t vec[MAT_N], out[MAT_N];
    for (int i = 0; i < MAT_N; i++)
        vec[i] = (int32_t)(lcg(seed) % 1000) - 500;
    for (int i = 0; i < MAT_N; i++) {
        int32_t s = 0;
        for (int j = 0; j < MAT_N; j++)
            s += c[i][j] * vec[j];
        out[i] = s >> 3;
        acc ^= (uint32_t)out[i];
    }
    crc = crc16_u32(crc, acc);
    return crc16_u32(crc, (uint32_t)negatives);
}

/* ---- a byte-driven state machine ---- */

enum { ST_START, ST_INT, ST_HEX0, ST_HEX, ST_FRAC, ST_EXP, ST_EXPSIGN, ST_EXPDIG, ST_WORD,
       ST_BAD, ST_COUNT };

#define TEXT_LEN 192

/* Classifies the comma-separated tokens of text: integers, hex numbers, decimals
 * with optional exponent, words and malformed tokens. */
static uint16_t state_work(uint8_t *text, uint32_t *seed, uint16_t crc)
{
    static const char alphabet[] = "0123456789abcdefxX.eE+-,, zq";
    for (int i = 0; i < TEXT_LEN - 1; i++)
        text[i] = (uint8_t)alphabet[lcg(seed) % (sizeof alphabet - 1)];
    text[TEXT_LEN - 1] = ',';
    uint32_t counts[ST_COUNT] = { 0 };
    unsigned st = ST_START, transitions = 0;
    for (int i = 0; i < TEXT_LEN; i++) {
        uint8_t ch = text[i];
        unsigned next = st;
        if (ch == ',' || ch == ' ') {
            counts[st]++;
            next = ST_START;
        } else {
            int digit = ch >= '0' && ch <= '9';
            int hexl = (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
            switch (st) {
            case ST_START:
                next = ch == '0' ? ST_HEX0 : digit ? ST_INT : ch == '.' ? ST_FRAC
                     : (ch == '+' || ch == '-') ? ST_INT : hexl || ch == 'z' || ch == 'q' ? ST_WORD : ST_BAD;
                break;
            case ST_INT: next = digit ? ST_INT : ch == '.' ? ST_FRAC : (ch == 'e' || ch == 'E') ? ST_EXP : ST_BAD; break;
            case ST_HEX0: next = (ch == 'x' || ch == 'X') ? ST_HEX : digit ? ST_INT : ch == '.' ? ST_FRAC : ST_BAD; break;
            case ST_HEX: next = digit || hexl ? ST_HEX : ST_BAD; break;
            case ST_FRAC: next = digit ? ST_FRAC : (ch == 'e' || ch == 'E') ? ST_EXP : ST_BAD; break;
            case ST_EXP: next = (ch == '+' || ch == '-') ? ST_EXPSIGN : digit ? ST_EXPDIG : ST_BAD; break;
            case ST_EXPSIGN: next = digit ? ST_EXPDIG : ST_BAD; break;
            case ST_EXPDIG: next = digit ? ST_EXPDIG : ST_BAD; break;
            case ST_WORD: next = (hexl || ch == 'z' || ch == 'q') ? ST_WORD : ST_BAD; break;
            default: next = ST_BAD; break;
            }
        }
        if (next != st)
            transitions++;
        st = next;
    }
    for (int s = 0; s < ST_COUNT; s++)
        crc = crc16_u32(crc, counts[s]);
    return crc16_u32(crc, transitions);
}

uint16_t mix_run(struct mix_mem *m, unsigned long iters)
{
    uint32_t seed = 0x2545f491u;
    uint16_t crc = 0xffff;
    for (unsigned long it = 0; it < iters; it++) {
        crc = list_work(m->pool, &seed, crc);
        crc = matrix_work(&seed, crc);
        crc = state_work(m->text, &seed, crc);
    }
    return crc;
}
