/*
 * Linux programs: an ELF that lacks Writ's mark runs with the Linux personality
 * (LINUX_PERSONALITY, userland/lx) mapped beside it, which serves its system calls
 * inside its own process (issue 22).
 *
 * The mark is a PT_NOTE with name "Writ" and type 1, which libwrit's crt0 puts into
 * every Writ program. The file is input nobody checked for notes (elf_parse has checked
 * the program headers' table lies inside it): every read below is bounded by `size`,
 * byte by byte, and a broken note table only means "no mark".
 */
#include <portable/elf.h>

#include "init.h"

#define PT_NOTE 4
#define WRIT_NOTE_TYPE 1

static uint64_t
rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Whether the notes in f[off, off + len) hold Writ's; off + len <= size already. */
static bool
notes_have_mark(const uint8_t *f, uint64_t off, uint64_t len)
{
	while (len >= 12) {
		uint64_t namesz = rd(f + off, 4), descsz = rd(f + off + 4, 4);
		uint64_t type = rd(f + off + 8, 4);
		uint64_t name_pad = (namesz + 3) & ~3ull, desc_pad = (descsz + 3) & ~3ull;

		if (name_pad > len - 12 || desc_pad > len - 12 - name_pad)
			return false;
		if (namesz == 5 && type == WRIT_NOTE_TYPE && memcmp(f + off + 12, "Writ", 5) == 0)
			return true;
		off += 12 + name_pad + desc_pad;
		len -= 12 + name_pad + desc_pad;
	}
	return false;
}

bool
linux_is_writ_program(const void *elf, size_t size)
{
	const uint8_t *f = elf;
	uint64_t phoff, phnum;

	if (size < 64)
		return false;
	phoff = rd(f + 32, 8);
	phnum = rd(f + 56, 2);
	if (phoff > size || phnum > (size - phoff) / 56)
		return false;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + 56 * i;
		uint64_t off = rd(ph + 8, 8), len = rd(ph + 32, 8);

		if (rd(ph, 4) == PT_NOTE && off <= size && len <= size - off &&
		    notes_have_mark(f, off, len))
			return true;
	}
	return false;
}
