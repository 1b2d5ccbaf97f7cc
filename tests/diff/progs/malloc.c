/* malloc: small and large allocations, realloc growth, calloc zeroing, alignment. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t
sum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int
main(void)
{
	void *many[1000];
	unsigned char *big, *z;
	char *s = NULL;
	void *aligned = NULL;
	size_t sizes[] = { 1 << 20, 16 << 20 };

	for (int i = 0; i < 1000; i++) {
		many[i] = malloc((size_t)(i % 97) + 1);
		memset(many[i], i & 0xff, (size_t)(i % 97) + 1);
	}
	for (int i = 0; i < 1000; i += 2)
		free(many[i]);
	printf("small: %u\n", sum(many[1], 2));
	for (int i = 1; i < 1000; i += 2)
		free(many[i]);
	for (unsigned k = 0; k < 2; k++) {
		big = malloc(sizes[k]);
		if (!big) {
			printf("malloc %zu failed\n", sizes[k]);
			return 1;
		}
		for (size_t i = 0; i < sizes[k]; i++)
			big[i] = (unsigned char)(i * 31 + k);
		printf("big %zu: %08x\n", sizes[k], sum(big, sizes[k]));
		free(big);
	}
	for (int i = 1; i <= 10; i++) {
		s = realloc(s, (size_t)i * 1000);
		memset(s + (i - 1) * 1000, 'a' + i, 1000);
	}
	printf("realloc: %08x\n", sum((unsigned char *)s, 10000));
	free(s);
	z = calloc(4096, 16);
	printf("calloc zero: %d\n", z && sum(z, 4096 * 16) == sum(memset(malloc(65536), 0, 65536), 65536));
	free(z);
	printf("posix_memalign: %d %d\n", posix_memalign(&aligned, 4096, 100),
	       (int)((uintptr_t)aligned % 4096));
	free(aligned);
	return 0;
}
