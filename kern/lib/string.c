/*
 * The four functions a freestanding C compiler may call on its own (for struct copies and
 * initialisers), plus the few string helpers the kernel uses. memset and memcpy are the
 * string instructions, which modern CPUs run at full speed for long runs (object zeroing
 * at retype is the kernel's only bulk work); -mgeneral-regs-only rules out vector code.
 */
#include <stddef.h>
#include <stdint.h>

#include <kern/string.h>

void *
memset(void *d, int c, size_t n)
{
	void *p = d;
	uint64_t word = 0x0101010101010101ull * (uint8_t)c;

	/* Whole words when we can (objects are aligned): an eighth of the iterations. */
	if ((uintptr_t)d % 8 == 0 && n % 8 == 0) {
		n /= 8;
		__asm__ volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(word) : "memory");
		return d;
	}
	__asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(word) : "memory");
	return d;
}

void *
memcpy(void *restrict d, const void *restrict s, size_t n)
{
	void *dp = d;

	__asm__ volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(n) : : "memory");
	return d;
}

void *
memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	if (dp < sp) {
		while (n--)
			*dp++ = *sp++;
	} else {
		while (n--)
			dp[n] = sp[n];
	}
	return d;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t
strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (*a == 0)
			return 0;
	}
	return 0;
}
