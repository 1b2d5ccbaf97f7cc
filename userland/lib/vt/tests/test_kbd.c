/* The set-1 keymap on the host: every kind of key, modifiers, prefixes, releases. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vt/kbd.h>

static struct kbd k;
static int failed;

/* The bytes a sequence of scan codes sends, as a C string. */
static const char *
keys(const uint8_t *sc, size_t n)
{
	static char b[128];
	size_t len = 0;
	uint8_t out[KBD_OUT_MAX];

	for (size_t i = 0; i < n; i++) {
		size_t m = kbd_scancode(&k, sc[i], out);

		memcpy(b + len, out, m);
		len += m;
	}
	b[len] = 0;
	return b;
}

#define KEYS(want, name, ...)                                                         \
	do {                                                                          \
		static const uint8_t s_[] = { __VA_ARGS__ };                          \
		const char *got_ = keys(s_, sizeof(s_));                              \
		if (strcmp(got_, want) == 0) {                                        \
			printf("ok - screen/kbd-%s\n", name);                         \
		} else {                                                              \
			failed++;                                                     \
			printf("not ok - screen/kbd-%s: sent %zu bytes '%s'\n", name,  \
			       strlen(got_), got_[0] == 033 ? got_ + 1 : got_);      \
		}                                                                     \
	} while (0)

int
main(void)
{
	memset(&k, 0, sizeof(k));
	KEYS("hi", "letters", 0x23, 0xa3, 0x17, 0x97);
	KEYS("H!", "shift", 0x2a, 0x23, 0xa3, 0x02, 0x82, 0xaa);
	KEYS("h", "shift-released", 0x23, 0xa3);
	KEYS("A1a", "caps-lock-letters-only", 0x3a, 0xba, 0x1e, 0x02, 0x3a, 0xba, 0x1e);
	KEYS("a", "caps-lock-with-shift", 0x3a, 0xba, 0x2a, 0x1e, 0xaa, 0x3a, 0xba);
	KEYS("\x03", "ctrl-c", 0x1d, 0x2e, 0xae, 0x9d);
	KEYS("\x1c\x1a\x04", "ctrl-backslash-z-d", 0x1d, 0x2b, 0x2c, 0x20, 0x9d);
	KEYS("\x03", "right-ctrl", 0xe0, 0x1d, 0x2e, 0xe0, 0x9d);
	KEYS("c", "ctrl-released", 0x2e);
	KEYS("\033x", "alt-meta-esc", 0x38, 0x2d, 0xb8);
	KEYS("\r\x7f\t\033", "enter-backspace-tab-esc", 0x1c, 0x0e, 0x0f, 0x01);
	KEYS("\033[A\033[B\033[C\033[D", "arrows", 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x50, 0xe0,
	     0x4d, 0xe0, 0x4b);
	KEYS("\033[1~\033[4~\033[3~\033[2~\033[5~\033[6~", "home-end-del-ins-pgup-pgdn",
	     0xe0, 0x47, 0xe0, 0x4f, 0xe0, 0x53, 0xe0, 0x52, 0xe0, 0x49, 0xe0, 0x51);
	KEYS("\033[A", "keypad-8-is-up", 0x48);
	KEYS("\r/", "keypad-enter-slash", 0xe0, 0x1c, 0xe0, 0x35);
	KEYS("-+*", "keypad-ops", 0x4a, 0x4e, 0x37);
	KEYS("\033[[A\033[17~\033[24~", "function-keys", 0x3b, 0x40, 0x58);
	KEYS("", "fake-shift-ignored", 0xe0, 0x2a, 0xe0, 0xaa);
	KEYS("x", "after-fake-shift-no-shift", 0x2d);
	KEYS("q", "pause-sequence-skipped", 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x10);
	KEYS("`~\\|", "symbols", 0x29, 0x2a, 0x29, 0xaa, 0x2b, 0x2a, 0x2b, 0xaa);
	KEYS("", "unknown-codes-silent", 0x4c, 0x59, 0x7f, 0xff, 0xe0, 0x10);
	KEYS("\033\x03", "ctrl-alt-c", 0x1d, 0x38, 0x2e, 0xb8, 0x9d);
	KEYS("\033[[D\033[A", "alt-f4-alt-up-no-esc-prefix", 0x38, 0x3e, 0xbe, 0xe0, 0x48,
	     0xe0, 0xc8, 0xb8);
	return failed ? 1 : 0;
}
