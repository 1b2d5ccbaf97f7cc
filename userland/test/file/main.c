/*
 * file: through libwrit's fd API: every operation with its error cases, the seeded
 * tree, a model check, ENOSPC (on tmp:, whose quota runs out), long names and paths,
 * and bad input sent raw. One `ok - file/...` line per check (lib/test).
 */
#include <errno.h>
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "ftest.h"

long
file_stats(const char *scheme, unsigned which)
{
	writ_word_t a[1] = { which };

	return writ_scheme_call(writ_scheme_cap(scheme), SCHEME_OP_STATS, a, 1, NULL, 0, NULL, 0,
				NULL, 0);
}

/* Writes n bytes of pattern `seed` to a new file at path; its fd or -errno. */
long
put_file(const char *path, unsigned seed, size_t n)
{
	static uint8_t b[8192];
	int fd = writ_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	long r;

	if (fd < 0)
		return fd;
	for (size_t i = 0; i < n && i < sizeof(b); i++)
		b[i] = (uint8_t)(seed * 31 + i * 7);
	r = writ_write(fd, b, n);
	writ_close(fd);
	return r;
}

/* Does the file at path hold exactly n bytes of pattern `seed`? */
bool
file_is(const char *path, unsigned seed, size_t n)
{
	static uint8_t b[8192];
	int fd = writ_open(path, O_RDONLY, 0);
	long r;

	if (fd < 0)
		return false;
	r = writ_read(fd, b, sizeof(b));
	writ_close(fd);
	if (r != (long)n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)(seed * 31 + i * 7))
			return false;
	return true;
}

int
main(void)
{
	long ofds = file_stats("file", 4);

	test_group("file/");
	check(writ_scheme_cap("file") != 0, "have-file-scheme", "no file capability");
	test_seeded();
	test_files();
	test_dirs();
	test_links();
	test_getdents();
	test_names();
	test_bad_input();
	test_bulk();
	test_model(20261207);
	test_enospc();
	test_revoke_id();
	test_reuse();
	check(file_stats("file", 4) == ofds, "no-open-file-left",
	      "%ld open files before, %ld after", ofds, file_stats("file", 4));
	check(file_stats("file", 1) == 0, "tree-consistent", "memfs_check failed");
	return test_done("file");
}
