/*
 * The kernel command line (GRUB's multiboot2 line, which init and the tests also read):
 * space-separated words, each `key` or `key=value`. The kernel, init, the kernel suite
 * and the test library all read it through these.
 */
#ifndef PORTABLE_CMDLINE_H
#define PORTABLE_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* The start of the word `key` or `key=...` in line, or NULL (also when line is NULL). */
const char *cmdline_word(const char *line, const char *key);
/* The value of `key=value`, copied into buf (n bytes, cut to fit); NULL when line has no
 * such word or n is 0. */
const char *cmdline_word_value(const char *line, const char *key, char *buf, size_t n);
/* The number of `key=N` (decimal, or hex after 0x), or dflt when line has no such word. */
uint64_t cmdline_word_number(const char *line, const char *key, uint64_t dflt);

#endif
