/*
 * readme-only: the seed's first example of policies (issue 21). Take
 * `file:/home/yoric/` + `*.txt:r`, weaken it to exactly what a helper needs,
 * `file:/home/yoric/readme.txt:r`, read the file through it, and fail to read notes.md
 * (the policy cannot see it: ENOENT) and to write (no `w`: EACCES). Widening is
 * refused with a counterexample. Says each step on fd 1; exit status 0 when every step
 * went as the policies say.
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

static int bad;

static void __attribute__((format(printf, 2, 3)))
say(bool ok, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = writ_vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	writ_write(1, "readme-only: ", 13);
	writ_write(1, line, (size_t)n);
	bad |= !ok;
}

int
main(void)
{
	writ_cptr_t txt, readme, wide;
	struct writ_weaken_why why;
	char buf[128];
	long n;
	int r, fd;

	r = writ_policy_weaken(writ_scheme_cap("file"), "file:/home/yoric/" "*.txt:r", &txt,
			       NULL);
	say(r == 0, "weaken file: to file:/home/yoric/" "*.txt:r -> %d", r);
	r = writ_policy_weaken(txt, "file:/home/yoric/readme.txt:r", &readme, NULL);
	say(r == 0, "weaken it to file:/home/yoric/readme.txt:r -> %d", r);
	fd = writ_open_via(readme, "/home/yoric/readme.txt", O_RDONLY, 0);
	n = fd >= 0 ? writ_read(fd, buf, sizeof(buf) - 1) : fd;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n > 0 ? n : 0] = 0;
	say(n > 0, "read readme.txt: \"%s\"", buf);
	writ_close(fd);
	r = writ_open_via(readme, "/home/yoric/notes.md", O_RDONLY, 0);
	say(r == -ENOENT, "open notes.md -> %d (ENOENT: the policy cannot see it)", r);
	r = writ_open_via(readme, "/home/yoric/readme.txt", O_WRONLY, 0);
	say(r == -EACCES, "open readme.txt for writing -> %d (EACCES: no w)", r);
	r = writ_policy_weaken(readme, "file:/home/yoric/" "*.txt:r", &wide, &why);
	say(r == -EPERM && why.why == SCHEME_WEAKEN_GLOB,
	    "widen it back to file:/home/yoric/" "*.txt:r -> %d, counterexample %s", r, why.path);
	n = writ_policy_revoke(txt);
	r = writ_open_via(readme, "/home/yoric/readme.txt", O_RDONLY, 0);
	say(n >= 2 && r < 0, "revoke the first -> %ld records; open through the second -> %d", n,
	    r);
	return bad;
}
