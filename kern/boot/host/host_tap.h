/*
 * The host tests' end of the shared test-output format (portable/tap.h): lines go to
 * stdout, formatted by the host's vsnprintf, each name after the includer's
 * HOST_TAP_PREFIX ("boot/mb2-"). tap.failures counts the checks that failed.
 */
#ifndef HOST_TAP_H
#define HOST_TAP_H

#ifndef HOST_TAP_PREFIX
#error "define HOST_TAP_PREFIX before including host_tap.h"
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <portable/tap.h>

static inline void
host_tap_write(const char *line)
{
	fputs(line, stdout);
}

static struct tap tap = { .vformat = vsnprintf, .write = host_tap_write,
			  .prefix = HOST_TAP_PREFIX };

static inline bool __attribute__((format(printf, 3, 4)))
check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ok = tap_vcheck(&tap, ok, name, fmt, ap);
	va_end(ap);
	return ok;
}

#endif
