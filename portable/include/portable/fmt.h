/*
 * The printf engine the kernel (kprintf, ksnprintf) and libwrit (writ_printf,
 * writ_snprintf) share: %c %s %d %i %u %x %X %p %%, the l/ll/z length modifiers, a field
 * width, '0' padding and '-' left alignment. %p is 0x and sixteen hex digits. An unknown
 * conversion is printed as written, so a bad format string shows rather than silently
 * eating arguments.
 */
#ifndef PORTABLE_FMT_H
#define PORTABLE_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Where formatted text goes: buf (cap bytes, always NUL-terminated when cap > 0). When
 * buf fills, flush (if any) takes the len characters so far and the buffer starts over;
 * without flush the rest is cut, and only counted. */
struct fmt_out {
	char *buf;
	size_t cap, len;
	void (*flush)(const char *text, size_t len);
	size_t flushed;
};

/* Format into o; returns the length of the whole text (flushed or cut included). */
size_t fmt_vformat(struct fmt_out *o, const char *fmt, va_list ap);
/* vsnprintf: the length the whole text would take; buf NUL-terminated when n > 0. */
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#endif
