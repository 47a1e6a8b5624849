/* String functions and a small printf family (C11 §7.21.6, §7.22.1.4, §7.24), written
 * for a freestanding RV64 build; printf output goes to the 16550 UART (uart.c). */
#include "libc.h"

#include <stdbool.h>

void uart_putc(char c);

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    /* Word copies when both are aligned: this is on the hot path of packet copies. */
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (((uintptr_t)d & 7) == 0 && n >= 8) {
        uint64_t w = (unsigned char)c;
        w |= w << 8;
        w |= w << 16;
        w |= w << 32;
        for (; n >= 8; n -= 8, d += 8)
            *(uint64_t *)(void *)d = w;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    const char *p = s;
    bool neg = false;
    unsigned long v = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')
        && digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    const char *digits = p;
    while (digit_value(*p) < base)
        v = v * (unsigned long)base + (unsigned long)digit_value(*p++);
    if (end)
        *end = (char *)(p == digits ? s : p);
    return neg ? -v : v;
}

/* ---- formatted output ---- */

struct sink {
    char *buf;          /* NULL: write to the UART */
    size_t size, len;   /* len counts every byte produced, as C requires */
};

static void emit(struct sink *k, char c)
{
    if (!k->buf)
        putchar_(c);
    else if (k->len + 1 < k->size)
        k->buf[k->len] = c;
    k->len++;
}

static void emit_padded(struct sink *k, const char *s, size_t n, int width, bool left,
                        char pad, const char *prefix)
{
    size_t plen = strlen(prefix);
    int fill = width - (int)(n + plen);
    if (!left && pad == ' ')
        for (; fill > 0; fill--)
            emit(k, ' ');
    while (*prefix)
        emit(k, *prefix++);
    if (!left && pad == '0')
        for (; fill > 0; fill--)
            emit(k, '0');
    for (size_t i = 0; i < n; i++)
        emit(k, s[i]);
    for (; fill > 0; fill--)
        emit(k, ' ');
}

static size_t utoa(char *out, unsigned long long v, unsigned base, bool upper)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = dig[v % base];
        v /= base;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static int format(struct sink *k, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(k, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0, prec = -1;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0)
                left = true, width = -width;
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                prec = prec * 10 + (*fmt++ - '0');
        }
        int lng = 0;            /* 0 int, 1 long, 2 long long, 3 size_t */
        if (*fmt == 'l') {
            lng = 1;
            if (*++fmt == 'l')
                lng = 2, fmt++;
        } else if (*fmt == 'z') {
            lng = 3;
            fmt++;
        }
        char num[24];
        size_t n;
        unsigned long long u;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = lng == 0 ? va_arg(ap, int)
                        : lng == 1 ? va_arg(ap, long)
                        : lng == 2 ? va_arg(ap, long long)
                        : (long long)va_arg(ap, size_t);
            u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            n = utoa(num, u, 10, false);
            emit_padded(k, num, n, width, left, pad, v < 0 ? "-" : "");
            break;
        }
        case 'u':
        case 'x':
        case 'X':
            u = lng == 0 ? va_arg(ap, unsigned)
              : lng == 1 ? va_arg(ap, unsigned long)
              : lng == 2 ? va_arg(ap, unsigned long long)
              : va_arg(ap, size_t);
            n = utoa(num, u, *fmt == 'u' ? 10 : 16, *fmt == 'X');
            emit_padded(k, num, n, width, left, pad, "");
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            n = utoa(num, u, 16, false);
            emit_padded(k, num, n, width, left, pad, "0x");
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            n = strlen(s);
            if (prec >= 0 && (size_t)prec < n)
                n = (size_t)prec;
            emit_padded(k, s, n, width, left, ' ', "");
            break;
        }
        case 'c':
            num[0] = (char)va_arg(ap, int);
            emit_padded(k, num, 1, width, left, ' ', "");
            break;
        case '%':
            emit(k, '%');
            break;
        case '\0':
            return (int)k->len;
        default:                /* unknown conversion: show it rather than guess */
            emit(k, '%');
            emit(k, *fmt);
            break;
        }
    }
    return (int)k->len;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink k = { buf ? buf : (char *)"", buf ? size : 0, 0 };
    int n = format(&k, fmt, ap);
    if (buf && size)
        buf[k.len < size ? k.len : size - 1] = '\0';
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink k = { NULL, 0, 0 };
    return format(&k, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* '\n' goes out as a bare LF: transcripts are compared byte for byte on hosts where
 * CR would be noise (an interactive terminal may show a staircase; use `| cat`). */
void putchar_(int c)
{
    uart_putc((char)c);
}

void puts_(const char *s)
{
    while (*s)
        putchar_(*s++);
    putchar_('\n');
}
