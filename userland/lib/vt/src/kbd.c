/*
 * Scan code set 1 (see kbd.h). A make code is the key's number, its break code the
 * same with bit 7 set; keys added after the XT keyboard come after an 0xE0 prefix.
 */
#include <vt/kbd.h>

#include <string.h>

/* Keys 0x00..0x39 of the US layout, plain and with Shift (0: no character). */
static const char plain[0x3a] =
	"\0\0331234567890-=\x7f\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
static const char shifted[0x3a] =
	"\0\033!@#$%^&*()_+\x7f\tQWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";

/* Keys that send an escape sequence: set 1 code (with or without 0xE0) -> sequence. */
static const struct {
	uint8_t sc;
	const char *seq;
} special[] = {
	{ 0x48, "\033[A" }, { 0x50, "\033[B" }, { 0x4d, "\033[C" }, { 0x4b, "\033[D" },
	{ 0x47, "\033[1~" }, { 0x4f, "\033[4~" }, { 0x52, "\033[2~" }, { 0x53, "\033[3~" },
	{ 0x49, "\033[5~" }, { 0x51, "\033[6~" },
	{ 0x3b, "\033[[A" }, { 0x3c, "\033[[B" }, { 0x3d, "\033[[C" }, { 0x3e, "\033[[D" },
	{ 0x3f, "\033[[E" }, { 0x40, "\033[17~" }, { 0x41, "\033[18~" }, { 0x42, "\033[19~" },
	{ 0x43, "\033[20~" }, { 0x44, "\033[21~" }, { 0x57, "\033[23~" }, { 0x58, "\033[24~" },
};

static size_t
emit_str(uint8_t out[KBD_OUT_MAX], const char *s, bool alt)
{
	size_t n = 0;

	if (alt)
		out[n++] = 0x1b;
	while (*s && n < KBD_OUT_MAX)
		out[n++] = (uint8_t)*s++;
	return n;
}

/* Ctrl with a key that has a control character of its own. */
static int
ctrl_of(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 1;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 1;
	switch (c) {
	case ' ': case '@': case '2': return 0;
	case '[': case '3': return 0x1b;
	case '\\': case '4': return 0x1c;
	case ']': case '5': return 0x1d;
	case '^': case '6': return 0x1e;
	case '_': case '-': case '7': return 0x1f;
	case '?': case '8': return 0x7f;
	default: return -1;
	}
}

/* Modifier keys: update the state; true if sc was one. */
static bool
modifier(struct kbd *k, uint8_t code, bool down, bool e0)
{
	switch (code) {
	case 0x2a:
		if (!e0)                /* E0 2A: a fake shift some keys send around them */
			k->lshift = down;
		return true;
	case 0x36:
		if (!e0)
			k->rshift = down;
		return true;
	case 0x1d:
		*(e0 ? &k->rctrl : &k->lctrl) = down;
		return true;
	case 0x38:
		*(e0 ? &k->ralt : &k->lalt) = down;
		return true;
	case 0x3a:
		if (down)
			k->caps = !k->caps;
		return true;
	case 0x45:                      /* Num Lock: the keypad stays in cursor mode */
	case 0x46:                      /* Scroll Lock */
		return true;
	default:
		return false;
	}
}

size_t
kbd_scancode(struct kbd *k, uint8_t sc, uint8_t out[KBD_OUT_MAX])
{
	bool e0 = k->e0, down = !(sc & 0x80), shift = k->lshift || k->rshift;
	bool ctrl = k->lctrl || k->rctrl, alt = k->lalt || k->ralt;
	uint8_t code = sc & 0x7f;
	char c;

	k->e0 = false;
	if (k->skip) {
		k->skip--;
		return 0;
	}
	if (sc == 0xe0) {
		k->e0 = true;
		return 0;
	}
	if (sc == 0xe1) {
		k->skip = 5;            /* Pause: E1 1D 45 E1 9D C5, no break of its own */
		return 0;
	}
	if (modifier(k, code, down, e0) || !down)
		return 0;
	if (e0 && code == 0x1c)
		return emit_str(out, "\r", alt);
	if (e0 && code == 0x35)
		return emit_str(out, "/", alt);
	/* Alt with a key that sends a sequence sends the plain sequence, as Linux's
	 * console does (it keeps Alt+F-keys and Alt+arrows for itself): an Esc before
	 * an escape sequence is no sequence a line editor knows, and busybox's went on
	 * reading everything typed after it (^C included) as part of it. */
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (special[i].sc == code)
			return emit_str(out, special[i].seq, false);
	if (code == 0x4a)
		return emit_str(out, "-", alt);
	if (code == 0x4e)
		return emit_str(out, "+", alt);
	if (e0 || code >= sizeof(plain) || !plain[code])
		return 0;               /* keys without a character (keypad 5, ...) */
	c = shift ? shifted[code] : plain[code];
	if (k->caps && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		c ^= 0x20;
	if (ctrl && ctrl_of(c) >= 0)
		c = (char)ctrl_of(c);
	{
		size_t n = 0;

		if (alt)
			out[n++] = 0x1b;
		out[n++] = (uint8_t)c;
		return n;
	}
}
