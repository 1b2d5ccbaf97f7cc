/*
 * The memory and string functions of portable/string.h, for the kernel and for user
 * programs without a C library (programs linked with musl's libc use musl's).
 *
 * memset and memcpy are x86's string instructions, eight bytes a step and then the
 * rest: one instruction however long the run, fast on every x86, and no vector code
 * (the kernel builds with -mgeneral-regs-only). Object zeroing at retype and the FPU
 * image copy at TCB set-up are the kernel's only bulk work.
 */
#include <stdint.h>

#include <portable/string.h>

void *
memset(void *d, int c, size_t n)
{
	void *p = d;
	uint64_t word = 0x0101010101010101ull * (uint8_t)c;
	size_t q = n / 8, r = n % 8;

	__asm__ volatile("rep stosq" : "+D"(p), "+c"(q) : "a"(word) : "memory");
	__asm__ volatile("rep stosb" : "+D"(p), "+c"(r) : "a"(word) : "memory");
	return d;
}

void *
memcpy(void *restrict d, const void *restrict s, size_t n)
{
	void *dp = d;
	size_t q = n / 8, r = n % 8;

	__asm__ volatile("rep movsq" : "+D"(dp), "+S"(s), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(r) : : "memory");
	return d;
}

void *
memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	/* A forward copy reads each byte before it is overwritten when d is below s. */
	if (dp <= sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t
strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t
strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int
strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *
strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay || !n; hay++) {
		if (strncmp(hay, needle, n) == 0)
			return (char *)hay;
		if (!*hay)
			break;
	}
	return NULL;
}

char *
strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}
