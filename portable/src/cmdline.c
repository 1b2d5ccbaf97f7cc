/*
 * Reading the command line's words (portable/cmdline.h).
 */
#include <portable/cmdline.h>
#include <portable/string.h>

const char *
cmdline_word(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (!line)
		return NULL;
	while (*line) {
		while (*line == ' ')
			line++;
		if (strncmp(line, key, n) == 0 &&
		    (line[n] == 0 || line[n] == ' ' || line[n] == '='))
			return line;
		while (*line && *line != ' ')
			line++;
	}
	return NULL;
}

/* The text after `key=`, or NULL. */
static const char *
value_of(const char *line, const char *key)
{
	const char *s = cmdline_word(line, key);
	size_t n = strlen(key);

	return s && s[n] == '=' ? s + n + 1 : NULL;
}

const char *
cmdline_word_value(const char *line, const char *key, char *buf, size_t n)
{
	const char *s = value_of(line, key);
	size_t i = 0;

	if (!s || n == 0)
		return NULL;
	for (; *s && *s != ' ' && i + 1 < n; s++)
		buf[i++] = *s;
	buf[i] = 0;
	return buf;
}

uint64_t
cmdline_word_number(const char *line, const char *key, uint64_t dflt)
{
	const char *s = value_of(line, key);
	unsigned base = 10;
	uint64_t v = 0;

	if (!s)
		return dflt;
	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0')
			   : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) : 99;

		if (d >= base)
			return v;
		v = v * base + d;
	}
}
