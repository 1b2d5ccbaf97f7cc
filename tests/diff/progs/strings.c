/* strings: the C library's string and conversion functions. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
main(void)
{
	char buf[64], tok[] = "a,b,,c;d", *save, *t;
	const char *words[] = { "pear", "apple", "fig", "banana", "cherry" };
	long v;

	printf("strlen %zu, strcmp %d %d %d\n", strlen("capability"), strcmp("a", "b") < 0,
	       strcmp("b", "a") > 0, strcmp("same", "same"));
	strncpy(buf, "microkernel", sizeof(buf));
	printf("strncpy [%s], strchr [%s], strrchr [%s], strstr [%s]\n", buf,
	       strchr(buf, 'k'), strrchr(buf, 'e'), strstr(buf, "ker"));
	memmove(buf + 2, buf, 5);
	buf[7] = 0;
	printf("memmove [%s]\n", buf);
	for (t = strtok_r(tok, ",;", &save); t; t = strtok_r(NULL, ",;", &save))
		printf("token [%s]\n", t);
	printf("strtol: %ld %ld %ld\n", strtol("  -123abc", NULL, 10), strtol("ff", NULL, 16),
	       strtol("0777", NULL, 0));
	errno = 0;
	v = strtol("99999999999999999999999", NULL, 10);
	printf("overflow: %d %d\n", v == 9223372036854775807L, errno == ERANGE);
	printf("strtod %.4f, atoi %d\n", strtod("2.71828", NULL), atoi("  42x"));
	qsort(words, 5, sizeof(words[0]), cmp);
	for (int i = 0; i < 5; i++)
		printf("%s%c", words[i], i == 4 ? '\n' : ' ');
	for (const char *p = "Mixed Case 123"; *p; p++)
		putchar(toupper((unsigned char)*p));
	putchar('\n');
	printf("strspn %zu strcspn %zu\n", strspn("aaabbc", "ab"), strcspn("hello, world", ", "));
	return 0;
}
