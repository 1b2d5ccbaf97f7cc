/*
 * Host tests for the printf engine and the command-line reader the kernel and libwrit
 * share (portable/src/fmt.c, cmdline.c): the same files, against the host's vsnprintf
 * where the two must agree, and against the exact text where ours is defined apart
 * (%p, an unknown conversion, a flushing buffer).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <portable/cmdline.h>
#include <portable/fmt.h>

#define HOST_TAP_PREFIX "boot/portable-"
#include "host_tap.h"

static int
ours(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* Both engines on the same format and arguments: the same text and length. */
#define SAME(n, ...)                                                                 \
	do {                                                                         \
		char a_[64], b_[64];                                                 \
		int ra_ = ours(a_, n, __VA_ARGS__), rb_ = snprintf(b_, n, __VA_ARGS__); \
		if (ra_ != rb_ || strcmp(a_, b_) != 0) {                               \
			ok = false;                                                  \
			snprintf(why, sizeof(why), "'%s' (%d), host '%s' (%d)", a_, ra_, b_, rb_); \
		}                                                                    \
	} while (0)

static void
test_like_host(void)
{
	char why[200] = "";
	bool ok = true;

	SAME(64, "%d|%i|%u|%x|%X", -42, 7, 3000000000u, 0xabcu, 0xbeefu);
	SAME(64, "%ld|%lu|%lx|%zu|%llx", -1l, 18446744073709551615ul, 0xfffful, (size_t)9, 0x1ull << 40);
	SAME(64, "[%5d|%-5d|%05d|%05d|%-4x|%016lx]", 42, 42, 42, -7, 0xabu, 0x1234ul);
	SAME(64, "[%s|%8s|%-8s|%c|%3c|%-3c|%%]", "str", "right", "left", 'z', 'y', 'x');
	SAME(64, "%d %d", -2147483647 - 1, 0);
	SAME(64, "%ld", -9223372036854775807l - 1);
	SAME(4, "%s", "truncate");
	SAME(1, "%d", 12345);
	check(ok, "fmt-like-host", "%s", why);
}

static void
test_own_rules(void)
{
	char buf[64];
	bool ok = true;

	ours(buf, sizeof(buf), "%p", (void *)0xdeadbeef);
	ok &= strcmp(buf, "0x00000000deadbeef") == 0;
	ours(buf, sizeof(buf), "%s", (char *)NULL);
	ok &= strcmp(buf, "(null)") == 0;
	ok &= ours(buf, sizeof(buf), "a%5qb") == 5 && strcmp(buf, "a%5qb") == 0;
	ok &= ours(buf, sizeof(buf), "end%") == 4 && strcmp(buf, "end%") == 0;
	ok &= ours(NULL, 0, "%s", "counted only") == 12;
	check(ok, "fmt-own-rules", "last text '%s'", buf);
}

static char flushed[256];
static size_t nflushed;

static void
collect(const char *text, size_t len)
{
	memcpy(flushed + nflushed, text, len);
	nflushed += len;
}

static size_t
format_flushing(char *buf, size_t cap, const char *fmt, ...)
{
	struct fmt_out o = { .buf = buf, .cap = cap, .flush = collect };
	va_list ap;
	size_t n;

	nflushed = 0;
	va_start(ap, fmt);
	n = fmt_vformat(&o, fmt, ap);
	va_end(ap);
	collect(buf, o.len);
	flushed[nflushed] = 0;
	return n;
}

/* kprintf's way: a small buffer handed on each time it fills; no character is lost. */
static void
test_flush(void)
{
	char buf[8], want[128];
	size_t n = format_flushing(buf, sizeof(buf), "a line of %d characters, %s", 40, "at least!");

	snprintf(want, sizeof(want), "a line of %d characters, %s", 40, "at least!");
	check(n == strlen(want) && strcmp(flushed, want) == 0, "fmt-flush-keeps-all",
		  "'%s' (%zu)", flushed, n);
}

static void
test_cmdline(void)
{
	const char *line = "test  fault=pf stress-steps=0x20 n=120 hold checkers=1";
	char buf[8];
	bool ok = true;

	ok &= cmdline_word(line, "test") == line;
	ok &= cmdline_word(line, "hold") != NULL && cmdline_word(line, "check") == NULL;
	ok &= cmdline_word(line, "fault") != NULL && cmdline_word(line, "faul") == NULL;
	ok &= cmdline_word(NULL, "test") == NULL && cmdline_word("", "test") == NULL;
	ok &= cmdline_word_value(line, "fault", buf, sizeof(buf)) == buf && strcmp(buf, "pf") == 0;
	ok &= cmdline_word_value(line, "stress-steps", buf, 3) == buf && strcmp(buf, "0x") == 0;
	ok &= cmdline_word_value(line, "hold", buf, sizeof(buf)) == NULL;
	ok &= cmdline_word_value(line, "fault", buf, 0) == NULL;
	ok &= cmdline_word_number(line, "stress-steps", 7) == 0x20;
	ok &= cmdline_word_number(line, "n", 7) == 120 && cmdline_word_number(line, "m", 7) == 7;
	check(ok, "cmdline-words", "a word, value or number read wrong");
}

int
main(void)
{
	test_like_host();
	test_own_rules();
	test_flush();
	test_cmdline();
	return tap.failures ? 1 : 0;
}
