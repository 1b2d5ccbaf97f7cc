/*
 * Kernel output. Everything goes to COM1 first (the log tests and people read), and is
 * mirrored to the screen when the boot loader gave us one.
 */
#ifndef WRIT_KERN_CONSOLE_H
#define WRIT_KERN_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct mb2_framebuffer;

void serial_init(void);
void serial_putc(char c);
/* Wait for one byte from COM1 (the test runner's "go on" signal); no timeout. */
char serial_getc(void);

void fbcon_init(const struct mb2_framebuffer *fb, uint64_t direct_map);
void fbcon_putc(char c);
/* Glyphs of ASCII 32..126, 8x16, generated from GRUB's font (kern/tools/gen_font.py). */
extern const uint8_t fbcon_font[95][16];

/* The last `max` bytes (or fewer) the console printed, oldest first, into out: the
 * kernel's lines the root task is given (WRIT_KLOG_VADDR). -> bytes copied. */
size_t console_log_copy(char *out, size_t max);

void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* Formatting into a buffer, for the pieces that build a line before printing it. */
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#endif
