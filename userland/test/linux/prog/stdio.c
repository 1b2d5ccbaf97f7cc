/* stdio, malloc and strings through musl, as any program uses them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int
main(void)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "%d %5.2f %s %x %-4s| %lld", -17, 3.14159, "str",
			 0xbeefu, "ab", 1234567890123ll);
	check(n == (int)strlen(buf) && strcmp(buf, "-17  3.14 str beef ab  | 1234567890123") == 0,
	      "linux/stdio-snprintf", "got %d '%s'", n, buf);

	/* Many small blocks (brk), each filled and checked after all exist. */
	enum { N = 2000 };
	static unsigned char *blk[N];
	int bad = -1;
	for (int i = 0; i < N; i++) {
		blk[i] = malloc((size_t)(i % 97) + 1);
		if (!blk[i]) {
			bad = i;
			break;
		}
		memset(blk[i], i & 0xff, (size_t)(i % 97) + 1);
	}
	for (int i = 0; bad < 0 && i < N; i++)
		for (int k = 0; k < i % 97 + 1; k++)
			if (blk[i][k] != (i & 0xff))
				bad = i;
	check(bad < 0, "linux/malloc-small-blocks", "block %d", bad);
	for (int i = 0; i < N; i++)
		free(blk[i]);

	/* A large block (mmap), grown by realloc (mremap), and given back. */
	size_t big = 3u << 20;
	unsigned char *p = malloc(big);
	int ok = p != NULL;
	for (size_t i = 0; ok && i < big; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	p = ok ? realloc(p, 2 * big) : p;
	ok = ok && p;
	for (size_t i = 0; ok && i < big; i += 4096)
		ok = p[i] == (unsigned char)(i >> 12);
	for (size_t i = big; ok && i < 2 * big; i += 4096)
		ok = p[i] == 0;
	check(ok, "linux/malloc-large-realloc", "a large block lost its bytes");
	free(p);

	int v[64];
	for (int i = 0; i < 64; i++)
		v[i] = (i * 37) % 64;
	qsort(v, 64, sizeof(v[0]), cmp_int);
	ok = 1;
	for (int i = 0; i < 64; i++)
		ok &= v[i] == i;
	check(ok, "linux/qsort", "not sorted");

	char *s = strdup("alpha,beta,,gamma");
	char *save = NULL, *tok;
	int count = 0;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		count++;
	check(count == 3 && strtol("-0x1f", NULL, 16) == -31 && strstr("haystack", "st") &&
	      memcmp("abc", "abd", 3) < 0, "linux/strings", "%d tokens", count);
	free(s);

	char *env = getenv("PATH");
	check(setenv("LXTEST", "yes", 1) == 0 && strcmp(getenv("LXTEST"), "yes") == 0,
	      "linux/environment", "PATH %s", env ? env : "(none)");
	return failures != 0;
}
