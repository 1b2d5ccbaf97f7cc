/*
 * writ_vsnprintf: the formatting user programs without a C library need:
 * %c %s %d %i %u %x %p %%, with l/ll/z, a width, '0' and '-'. Output is always
 * NUL-terminated when n > 0; the return value is the length the whole text would take.
 */
#include <writ/writ.h>

struct out {
	char *buf;
	size_t n, len;
};

static void
emit(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void
emit_field(struct out *o, const char *s, size_t len, unsigned width, bool left, char pad)
{
	size_t fill = width > len ? width - len : 0;

	while (!left && fill--)
		emit(o, pad);
	while (len--)
		emit(o, *s++);
	while (left && fill--)
		emit(o, ' ');
}

static size_t
to_digits(char *end, uint64_t v, unsigned base)
{
	size_t n = 0;

	do {
		*--end = "0123456789abcdef"[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

int
writ_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n, 0 };

	while (*fmt) {
		char digits[24], *end = digits + sizeof(digits), pad = ' ';
		unsigned width = 0, longs = 0;
		bool left = false, neg = false;
		uint64_t v;
		size_t len;

		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt++;
		for (; *fmt == '-' || *fmt == '0'; fmt++)
			*fmt == '-' ? (left = true) : (pad = '0');
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (unsigned)(*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			s = s ? s : "(null)";
			emit_field(&o, s, strlen(s), width, left, ' ');
			break;
		}
		case 'c':
			digits[0] = (char)va_arg(ap, int);
			emit_field(&o, digits, 1, width, left, ' ');
			break;
		case 'd':
		case 'i': {
			int64_t s = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			neg = s < 0;
			v = neg ? -(uint64_t)s : (uint64_t)s;
			len = to_digits(end, v, 10);
			if (neg) {
				*(end - len - 1) = '-';
				len++;
			}
			emit_field(&o, end - len, len, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'p':
			v = *fmt == 'p' ? (uint64_t)(uintptr_t)va_arg(ap, void *)
			    : longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			len = to_digits(end, v, *fmt == 'u' ? 10 : 16);
			emit_field(&o, end - len, len, width, left, pad);
			break;
		case '%':
			emit(&o, '%');
			break;
		default:
			emit(&o, '%');
			if (!*fmt)
				continue;
			emit(&o, *fmt);
			break;
		}
		fmt++;
	}
	if (n)
		buf[o.len < n ? o.len : n - 1] = 0;
	return (int)o.len;
}

int
writ_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = writ_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
