/*
 * The C library's memory and string functions that the kernel and freestanding user
 * programs share (portable/src/string.c). The compiler may call memset, memcpy, memmove
 * and memcmp on its own, for struct copies and initialisers.
 */
#ifndef PORTABLE_STRING_H
#define PORTABLE_STRING_H

#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);

#endif
