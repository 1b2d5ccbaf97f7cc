/*
 * The test-output format (portable/tap.h). Pure C: what it formats with and writes to
 * comes from its caller.
 */
#include <portable/tap.h>

/* A line longer than this is cut; the name and the start of the reason survive. */
#define TAP_LINE_MAX 320

/* Append s to buf (of n bytes, at *len), keeping room for the final "\n" and NUL. */
static void
append(char *buf, size_t n, size_t *len, const char *s)
{
	while (*s && *len + 2 < n)
		buf[(*len)++] = *s++;
	buf[*len] = 0;
}

bool
tap_vcheck(struct tap *t, bool ok, const char *name, const char *fmt, va_list ap)
{
	char line[TAP_LINE_MAX];
	size_t len = 0;

	append(line, sizeof(line), &len, ok ? "ok - " : "not ok - ");
	if (t->prefix)
		append(line, sizeof(line), &len, t->prefix);
	append(line, sizeof(line), &len, name);
	if (!ok) {
		append(line, sizeof(line), &len, ": ");
		t->vformat(line + len, sizeof(line) - 1 - len, fmt, ap);
		while (line[len])
			len++;
		t->failures++;
	}
	line[len++] = '\n';
	line[len] = 0;
	t->write(line);
	return ok;
}

bool
tap_check(struct tap *t, bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ok = tap_vcheck(t, ok, name, fmt, ap);
	va_end(ap);
	return ok;
}

void
tap_note(struct tap *t, const char *fmt, ...)
{
	char line[TAP_LINE_MAX];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	t->vformat(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	for (len = 0; line[len]; len++)
		;
	line[len++] = '\n';
	line[len] = 0;
	t->write(line);
}
