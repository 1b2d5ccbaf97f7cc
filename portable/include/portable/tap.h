/*
 * Test output, one format for every test Writ has (tests/README.md): per check one line,
 * `ok - GROUP/NAME` or `not ok - GROUP/NAME: why`, and a count of the failures. The host
 * tests, the kernel's self-tests and the user-space test programs all print through
 * this; each gives it the two things that differ between them: how to format (vsnprintf,
 * the kernel's kvsnprintf, libwrit's writ_vsnprintf) and how to write a line. A line is
 * written whole, in one call, so lines of threads or of the kernel do not cut into it.
 */
#ifndef PORTABLE_TAP_H
#define PORTABLE_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct tap {
	int (*vformat)(char *buf, size_t n, const char *fmt, va_list ap);
	void (*write)(const char *line);
	const char *prefix;     /* put before every name ("cspace/"), or NULL */
	unsigned failures;
};

/* One check: `ok - PREFIX NAME`, or `not ok - PREFIX NAME: WHY` (WHY from fmt) and a
 * failure counted. Returns ok. */
bool tap_check(struct tap *t, bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool tap_vcheck(struct tap *t, bool ok, const char *name, const char *fmt, va_list ap);

/* A line that is not a check ("# ..."): the harness passes it through. */
void tap_note(struct tap *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
