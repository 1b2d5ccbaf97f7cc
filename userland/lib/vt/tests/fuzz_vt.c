/*
 * libFuzzer harness (ASan + UBSan) for the escape-sequence parser and the keymap: any
 * bytes, written to a small screen in pieces, leave the cursor, the scroll region and
 * the parameters inside their bounds; the same bytes as scan codes send at most
 * KBD_OUT_MAX bytes each. A broken property traps.
 */
#include <stdint.h>
#include <string.h>

#include <vt/kbd.h>
#include <vt/vt.h>

static struct vt_cell cells[7 * 13];

static void
answer(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (n == 0 || n > 32 || p[0] != 033)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt v;
	struct kbd k;
	uint8_t out[KBD_OUT_MAX];

	vt_init(&v, cells, 7, 13, answer, NULL);
	for (size_t at = 0; at < size;) {
		size_t n = 1 + data[at] % 17;

		if (n > size - at)
			n = size - at;
		vt_write(&v, data + at, n);
		at += n;
		if (v.row >= 7 || v.col >= 13 || v.top > v.bottom || v.bottom >= 7 ||
		    v.nparams > VT_MAX_PARAMS)
			__builtin_trap();
	}
	memset(&k, 0, sizeof(k));
	for (size_t i = 0; i < size; i++)
		if (kbd_scancode(&k, data[i], out) > KBD_OUT_MAX)
			__builtin_trap();
	return 0;
}
