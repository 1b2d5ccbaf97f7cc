/* The file: tests' shared helpers (main.c). */
#ifndef FILE_FTEST_H
#define FILE_FTEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <test/check.h>

/* The server's figures: 0 records, 1 memfs_check (0 or -EUCLEAN), 2 bytes used,
 * 3 budget, 4 open files alive (5: without a sweep first). */
long file_stats(const char *scheme, unsigned which);
long put_file(const char *path, unsigned seed, size_t n);
bool file_is(const char *path, unsigned seed, size_t n);

void test_seeded(void);
void test_files(void);
void test_dirs(void);
void test_links(void);
void test_getdents(void);
void test_names(void);
void test_bad_input(void);
void test_model(uint64_t seed);
void test_enospc(void);
void test_bulk(void);
void test_revoke_id(void);
void test_reuse(void);

#endif
