/*
 * kprintf: a small printf for the kernel. Supports what kernel messages need:
 * %c %s %d %i %u %x %X %p %%, the l/ll/z length modifiers, a field width, '0' padding and
 * '-' left alignment. Output goes to a sink, so the same formatter serves the console and
 * ksnprintf. Unknown conversions are printed as they are, so a bad format string shows
 * rather than silently eating arguments.
 */
#include <stdbool.h>

#include <kern/console.h>

struct sink {
	void (*put)(struct sink *, char);
	char *buf;
	size_t len, cap;
};

static void
console_put(struct sink *s, char c)
{
	(void)s;
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	fbcon_putc(c);
}

static void
buffer_put(struct sink *s, char c)
{
	if (s->len + 1 < s->cap)
		s->buf[s->len] = c;
	s->len++;
}

struct spec {
	unsigned width;
	bool zero, left, upper;
	unsigned base;
};

static void
put_padded(struct sink *s, const char *str, unsigned n, const struct spec *sp)
{
	unsigned pad = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		while (pad--)
			s->put(s, sp->zero ? '0' : ' ');
	for (unsigned i = 0; i < n; i++)
		s->put(s, str[i]);
	if (sp->left)
		while (pad--)
			s->put(s, ' ');
}

static void
put_number(struct sink *s, uint64_t v, bool negative, const struct spec *sp)
{
	const char *digits = sp->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned n = sizeof(tmp);
	struct spec padded = *sp;

	do {
		tmp[--n] = digits[v % sp->base];
		v /= sp->base;
	} while (v);
	if (negative) {
		if (sp->zero && sp->width) {
			/* The sign goes before the zeros: -0042, not 00-42. */
			s->put(s, '-');
			padded.width = sp->width ? sp->width - 1 : 0;
		} else {
			tmp[--n] = '-';
		}
	}
	put_padded(s, tmp + n, sizeof(tmp) - n, &padded);
}

static void
format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		struct spec sp = { .base = 10 };
		unsigned longs = 0;
		const char *start = fmt;

		if (*fmt != '%') {
			s->put(s, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '0' || *fmt == '-'; fmt++)
			*fmt == '0' ? (sp.zero = true) : (sp.left = true);
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp.width = sp.width * 10 + (unsigned)(*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;
		switch (*fmt) {
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(s, &c, 1, &sp);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			unsigned n = 0;

			if (!str)
				str = "(null)";
			while (str[n])
				n++;
			put_padded(s, str, n, &sp);
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_number(s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			sp.base = *fmt == 'u' ? 10 : 16;
			sp.upper = *fmt == 'X';
			put_number(s, v, false, &sp);
			break;
		}
		case 'p':
			sp.base = 16;
			sp.zero = true;
			sp.width = 16;
			s->put(s, '0');
			s->put(s, 'x');
			put_number(s, (uint64_t)(uintptr_t)va_arg(ap, void *), false, &sp);
			break;
		case '%':
			s->put(s, '%');
			break;
		default:
			for (; start <= fmt && *start; start++)
				s->put(s, *start);
			if (!*fmt)
				return;
			break;
		}
	}
}

void
kvprintf(const char *fmt, va_list ap)
{
	struct sink s = { .put = console_put };

	format(&s, fmt, ap);
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
	struct sink s = { .put = console_put };

	while (*str)
		console_put(&s, *str++);
}

int
kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sink s = { .put = buffer_put, .buf = buf, .cap = n };

	format(&s, fmt, ap);
	if (n)
		buf[s.len < n ? s.len : n - 1] = 0;
	return (int)s.len;
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
