/*
 * Running a Linux program of the archive with its output caught: its stdout and stderr
 * go into a pipe this program reads, so its lines reach the serial log whole, through
 * our own writ_printf, and a test can compare them.
 */
#include <errno.h>
#include <fcntl.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "run.h"

long
lx_run(const char *path, const char *const *argv, char *out, size_t cap, size_t *len)
{
	return lx_run_env(path, argv, NULL, 24, out, cap, len);
}

long
lx_run_env(const char *path, const char *const *argv, const char *const *envp,
	   unsigned quota_bits, char *out, size_t cap, size_t *len)
{
	struct writ_spawn_opts o = { .quota_bits = quota_bits, .envp = envp };
	int p[2], null = writ_open("null:", O_RDWR, 0);
	writ_cptr_t child;
	long pid, n;

	*len = 0;
	if (writ_pipe(p) < 0)
		return -EIO;
	writ_spawn_opts_inherit(&o);
	if (null >= 0)
		writ_spawn_opts_fd(&o, null, 0);
	writ_spawn_opts_fd(&o, p[1], 1);
	writ_spawn_opts_fd(&o, p[1], 2);
	pid = writ_spawn(path, argv, &o, &child);
	writ_close(p[1]);
	if (null >= 0)
		writ_close(null);
	if (pid < 0) {
		writ_close(p[0]);
		return pid;
	}
	while ((n = writ_read(p[0], out + *len, cap - 1 - *len)) > 0 && *len + (size_t)n < cap - 1)
		*len += (size_t)n;
	if (n > 0)
		*len += (size_t)n;
	/* What does not fit is read and dropped, so the program never waits on us. */
	while (n > 0) {
		static char sink[512];

		n = writ_read(p[0], sink, sizeof(sink));
	}
	out[*len] = 0;
	writ_close(p[0]);
	return writ_proc_wait(child);
}

static bool
starts(const char *s, const char *with)
{
	return strncmp(s, with, strlen(with)) == 0;
}

void
lx_forward(const char *out, size_t len, unsigned *ok, unsigned *not_ok)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i;

		while (e < len && out[e] != '\n')
			e++;
		if (starts(out + i, "ok ") || starts(out + i, "not ok ") ||
		    starts(out + i, "bench ") || starts(out + i, "# ")) {
			*ok += starts(out + i, "ok ");
			*not_ok += starts(out + i, "not ok ");
			char line[256];
			size_t n = e - i < sizeof(line) - 1 ? e - i : sizeof(line) - 1;

			memcpy(line, out + i, n);
			line[n] = 0;
			writ_printf("%s\n", line);
		}
		i = e + 1;
	}
}
