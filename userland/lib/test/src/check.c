#include <portable/cmdline.h>
#include <portable/tap.h>
#include <test/check.h>
#include <writ/proc.h>
#include <writ/writ.h>

unsigned test_failures;

/* One call per line, so a line goes out whole. */
static void
write_line(const char *line)
{
	writ_printf("%s", line);
}

/* The test-output format every Writ test shares (portable/tap.h). */
static struct tap tap = { .vformat = writ_vsnprintf, .write = write_line };

void
test_group(const char *prefix)
{
	tap.prefix = prefix;
}

void
check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!tap_vcheck(&tap, ok, name, fmt, ap))
		test_failures++;
	va_end(ap);
}

bool
test_cmdline_has(const char *word)
{
	return cmdline_word(writ_getenv("WRIT_CMDLINE"), word) != NULL;
}

int
test_done(const char *suite)
{
	writ_printf("# %s: %u test failures\n", suite, test_failures);
	return test_failures ? 1 : 0;
}
