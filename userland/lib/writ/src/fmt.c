/*
 * writ_vsnprintf: libwrit's name for the printf engine it shares with the kernel
 * (portable/fmt.h, which lists the conversions). Output is always NUL-terminated when
 * n > 0; the return value is the length the whole text would take.
 */
#include <portable/fmt.h>
#include <writ/writ.h>

int
writ_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, n, fmt, ap);
}

int
writ_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
