/*
 * Test output for user-space test programs: one `ok - group/name` or
 * `not ok - group/name: why` line per check (tests/README.md), and a count of
 * failures that becomes the exit status.
 */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#include <stdbool.h>

extern unsigned test_failures;

/* Put `prefix` ("file/") before every check's name from now on. */
void test_group(const char *prefix);
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Does the kernel command line (WRIT_CMDLINE, from init) have this word? */
bool test_cmdline_has(const char *word);
/* The exit status for main: 0 when every check passed. */
int test_done(const char *suite);

#endif
