/*
 * The printf engine (portable/fmt.h). Characters go straight into a buffer, so
 * snprintf (libwrit's spawn path formats with it) costs no call per character.
 */
#include <stdbool.h>
#include <stdint.h>

#include <portable/fmt.h>

struct spec {
	unsigned width;
	bool zero, left, upper;
	unsigned base;
};

static void
emit(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->cap) {
		o->buf[o->len++] = c;
		return;
	}
	if (o->flush && o->cap > 1) {
		o->flush(o->buf, o->len);
		o->flushed += o->len;
		o->buf[0] = c;
		o->len = 1;
		return;
	}
	o->len++;
}

static void
emit_padded(struct fmt_out *o, const char *str, size_t n, const struct spec *sp)
{
	size_t pad = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		while (pad--)
			emit(o, sp->zero ? '0' : ' ');
	for (size_t i = 0; i < n; i++)
		emit(o, str[i]);
	if (sp->left)
		while (pad--)
			emit(o, ' ');
}

static void
emit_number(struct fmt_out *o, uint64_t v, bool negative, const struct spec *sp)
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
			emit(o, '-');
			padded.width = sp->width - 1;
		} else {
			tmp[--n] = '-';
		}
	}
	emit_padded(o, tmp + n, sizeof(tmp) - n, &padded);
}

size_t
fmt_vformat(struct fmt_out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		struct spec sp = { .base = 10 };
		unsigned longs = 0;
		const char *start = fmt;

		if (*fmt != '%') {
			emit(o, *fmt);
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

			sp.zero = false;
			emit_padded(o, &c, 1, &sp);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t n = 0;

			if (!str)
				str = "(null)";
			while (str[n])
				n++;
			sp.zero = false;
			emit_padded(o, str, n, &sp);
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			emit_number(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);

			sp.base = *fmt == 'u' ? 10 : 16;
			sp.upper = *fmt == 'X';
			emit_number(o, v, false, &sp);
			break;
		}
		case 'p':
			sp.base = 16;
			sp.zero = true;
			sp.width = 16;
			emit(o, '0');
			emit(o, 'x');
			emit_number(o, (uint64_t)(uintptr_t)va_arg(ap, void *), false, &sp);
			break;
		case '%':
			emit(o, '%');
			break;
		default:
			for (; start <= fmt && *start; start++)
				emit(o, *start);
			if (!*fmt)
				goto end;
			break;
		}
	}
end:
	if (o->cap)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
	return o->flushed + o->len;
}

int
fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .cap = n };

	return (int)fmt_vformat(&o, fmt, ap);
}
