/*
 * One error message built piece by piece into a caller's fixed buffer, without printf:
 * the pure libraries' parsers (archive, bootconf) say with it what they refused and
 * where. Always NUL-terminated; what does not fit is cut. Header-only (static inline),
 * so a library that uses it links nothing more.
 */
#ifndef PORTABLE_MSG_H
#define PORTABLE_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct msg {
	char *b;
	size_t n, cap;		/* bytes written; the buffer's size (at least 1) */
};

static inline void
msg_bytes(struct msg *m, const char *s, size_t n)
{
	for (size_t k = 0; k < n && m->n < m->cap - 1; k++)
		m->b[m->n++] = s[k];
	m->b[m->n] = '\0';
}

static inline void
msg_str(struct msg *m, const char *s)
{
	msg_bytes(m, s, strlen(s));
}

static inline void
msg_uint(struct msg *m, uint64_t v)
{
	char d[20];
	size_t k = sizeof d;

	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	msg_bytes(m, d + k, sizeof d - k);
}

/* Text in quotes, at most max bytes of it (then "..."): printable bytes as they are,
 * the rest, quote and backslash as \xHH, so the message stays one clean line. */
static inline void
msg_quoted(struct msg *m, const void *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	size_t shown = n > max ? max : n;

	msg_str(m, "'");
	for (size_t k = 0; k < shown; k++) {
		if (s[k] >= 0x20 && s[k] < 0x7f && s[k] != '\\' && s[k] != '\'') {
			msg_bytes(m, (const char *)&s[k], 1);
		} else {
			char e[4] = { '\\', 'x', hex[s[k] >> 4], hex[s[k] & 15] };

			msg_bytes(m, e, 4);
		}
	}
	msg_str(m, shown < n ? "...'" : "'");
}

#endif
