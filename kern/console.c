/*
 * kprintf and ksnprintf: the kernel's side of the printf engine it shares with libwrit
 * (portable/fmt.h). kprintf formats into a small buffer that goes to the console each
 * time it fills, so a message of any length comes out whole.
 */
#include <portable/fmt.h>

#include <kern/console.h>

/* What the console printed, kept for the root task's dmesg (a power of two). */
#define LOG_SIZE 4096
static char log_ring[LOG_SIZE];
static size_t log_total;

static void
console_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	fbcon_putc(c);
	log_ring[log_total++ % LOG_SIZE] = c;
}

size_t
console_log_copy(char *out, size_t max)
{
	size_t n = log_total < LOG_SIZE ? log_total : LOG_SIZE;

	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		out[i] = log_ring[(log_total - n + i) % LOG_SIZE];
	return n;
}

static void
console_write(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		console_putc(text[i]);
}

void
kvprintf(const char *fmt, va_list ap)
{
	char buf[64];
	struct fmt_out o = { .buf = buf, .cap = sizeof(buf), .flush = console_write };

	fmt_vformat(&o, fmt, ap);
	console_write(buf, o.len);
}

void
kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void
kputs(const char *str)
{
	while (*str)
		console_putc(*str++);
}

int
kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, n, fmt, ap);
}

int
ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}
