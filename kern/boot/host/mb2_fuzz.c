/*
 * libFuzzer harness for mb2_parse: any bytes, any length. The input is copied into an
 * exactly-sized heap buffer so ASan flags a read even one byte past the end.
 * On success, every string and module the parser reports must lie inside the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/mb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info info;
	struct mb2_diag diag;
	uint8_t *buf = malloc(size ? size : 1);	/* malloc aligns to 16; ASan pads exactly */

	memcpy(buf, data, size);
	if (mb2_parse(MB2_BOOT_MAGIC, buf, size, 0x100000, 0x200000, &info, &diag) == MB2_OK) {
		if (info.total_size > size)
			abort();
		for (unsigned i = 0; i < info.n_modules; i++) {
			const char *c = info.modules[i].cmdline;
			if (c < (const char *)buf || c >= (const char *)buf + size ||
			    info.modules[i].end < info.modules[i].start)
				abort();
			(void)strlen(c);
		}
		(void)strlen(info.cmdline);
		(void)strlen(info.loader_name);
	}
	free(buf);
	return 0;
}
