/* The few C library functions the firmware needs, written from the C11 standard's
 * descriptions (clauses 7.21.6 printf family, 7.22.1.4 strtoul, 7.24 string.h).
 * printf writes to the 16550 UART; see libc.c for the supported conversions. */
#ifndef GUESTFW_LIBC_H
#define GUESTFW_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);

/* Conversions: %d %i %u %x %X %p %s %c %% with flags '-' and '0', a decimal width
 * (or '*'), a precision for %s, and the l, ll and z length modifiers. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void putchar_(int c);               /* one byte to the UART (no CR is added) */
void puts_(const char *s);          /* the string, then a newline */

#endif
