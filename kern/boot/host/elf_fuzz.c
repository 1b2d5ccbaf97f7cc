/*
 * libFuzzer harness for elf_parse: any bytes, any length, in an exactly-sized heap buffer
 * so ASan flags a read even one byte past the end. When a file is accepted, what the
 * loader will rely on must hold: segments non-empty, sorted, disjoint, inside the user
 * range, file bytes inside the file, never W+X; the entry inside an executable segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <portable/elf.h>

#define USER_LO 0x1000ull
#define USER_HI 0x800000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_image(const struct elf_image *img, size_t size)
{
	bool entry_ok = false;

	if (img->n_segments == 0 || img->n_segments > ELF_MAX_SEGMENTS)
		abort();
	for (unsigned i = 0; i < img->n_segments; i++) {
		const struct elf_segment *s = &img->segments[i];

		if (s->memsz == 0 || s->filesz > s->memsz || s->vaddr < USER_LO ||
		    s->memsz > USER_HI - s->vaddr || s->offset > size ||
		    s->filesz > size - s->offset ||
		    (s->rights & (ELF_W | ELF_X)) == (ELF_W | ELF_X))
			abort();
		if (i > 0 && s->vaddr < img->segments[i - 1].vaddr + img->segments[i - 1].memsz)
			abort();
		if ((s->rights & ELF_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	if (!entry_ok || img->lo > img->segments[0].vaddr || img->hi % ELF_PAGE_SIZE != 0)
		abort();
	if (img->has_tls && (img->tls.filesz > img->tls.memsz || img->tls.offset > size ||
			     img->tls.filesz > size - img->tls.offset))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_image img;
	struct elf_diag diag;
	uint8_t *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	if (elf_parse(buf, size, USER_LO, USER_HI, &img, &diag) == ELF_OK)
		check_image(&img, size);
	else if (diag.error == ELF_OK || diag.offset > (size > 64 ? size : 64))
		abort();
	free(buf);
	return 0;
}
