#include <test/check.h>
#include <writ/proc.h>
#include <writ/writ.h>

unsigned test_failures;

void
check(bool ok, const char *name, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (ok) {
		writ_printf("ok - %s\n", name);
		return;
	}
	test_failures++;
	va_start(ap, fmt);
	writ_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	writ_printf("not ok - %s: %s\n", name, why);
}

bool
test_cmdline_has(const char *word)
{
	const char *s = writ_getenv("WRIT_CMDLINE");
	size_t n = strlen(word);

	while (s && *s) {
		while (*s == ' ')
			s++;
		if (strncmp(s, word, n) == 0 && (s[n] == 0 || s[n] == ' ' || s[n] == '='))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

int
test_done(const char *suite)
{
	writ_printf("# %s: %u test failures\n", suite, test_failures);
	return test_failures ? 1 : 0;
}
