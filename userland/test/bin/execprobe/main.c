/*
 * The program the `exec` tests run through `./writ exec` (tests/vm/exec_tests.py): it
 * does what its arguments say, in order, so one boot checks several things.
 *   args        print every argument on its own line as [ARG] (on stdout)
 *   out TEXT    TEXT and a newline on stdout;  err TEXT: the same on stderr
 *   cat PATH    copy the file to stdout
 *   open PATH   print `open PATH: ok` or `open PATH: errno N` on stdout
 *   exit N      end with status N;  fault: write through a null pointer
 *   block       wait for ever (a read of a pipe nobody writes): for --timeout
 * Other words are data (for `args` to show): skipped. Ends with status 0 after the last.
 */
#include <writ/fd.h>
#include <writ/writ.h>

#include <fcntl.h>

static void
put(int fd, const char *a, const char *b, const char *c)
{
	writ_write(fd, a, strlen(a));
	writ_write(fd, b, strlen(b));
	writ_write(fd, c, strlen(c));
}

static int
number(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

static void
cat(const char *path)
{
	char buf[512];
	long n;
	int fd = writ_open(path, O_RDONLY, 0);

	if (fd < 0) {
		put(1, "cat ", path, ": cannot open\n");
		return;
	}
	while ((n = writ_read(fd, buf, sizeof(buf))) > 0)
		writ_write(1, buf, (size_t)n);
	writ_close(fd);
}

static void
try_open(const char *path)
{
	char e[16];
	int fd = writ_open(path, O_RDONLY, 0);

	if (fd >= 0) {
		put(1, "open ", path, ": ok\n");
		writ_close(fd);
		return;
	}
	writ_snprintf(e, sizeof(e), "%d\n", -fd);
	put(1, "open ", path, ": errno ");
	put(1, e, "", "");
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i], *next = i + 1 < argc ? argv[i + 1] : "";

		if (strcmp(w, "args") == 0) {
			for (int k = 0; k < argc; k++)
				put(1, "[", argv[k], "]\n");
		} else if (strcmp(w, "out") == 0) {
			put(1, next, "\n", "");
			i++;
		} else if (strcmp(w, "err") == 0) {
			put(2, next, "\n", "");
			i++;
		} else if (strcmp(w, "cat") == 0) {
			cat(next);
			i++;
		} else if (strcmp(w, "open") == 0) {
			try_open(next);
			i++;
		} else if (strcmp(w, "exit") == 0) {
			return number(next);
		} else if (strcmp(w, "block") == 0) {
			int fds[2];
			char c;

			if (writ_pipe(fds) == 0)
				writ_read(fds[0], &c, 1);
			return 98;
		} else if (strcmp(w, "fault") == 0) {
			*(volatile int *)0 = 1;
		}
	}
	return 0;
}
