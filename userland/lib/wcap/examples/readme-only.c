/*
 * readme-only, written against <writ/cap.h>: the seed's first example (issue 21) as an
 * ordinary musl program. Take file:/home/yoric/ + *.txt:r from the namespace, weaken it
 * to exactly file:/home/yoric/readme.txt:r, read the file through it, fail to read
 * notes.md (ENOENT: the policy cannot see it) and to write (EACCES), fail to widen it
 * back (EPERM), and revoke. Exit status 0 when every step went as the policies say.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <writ/cap.h>

static int bad;

static void
say(int ok, const char *what, long r)
{
	printf("readme-only: %s -> %ld%s\n", what, r, ok ? "" : " (unexpected)");
	bad |= !ok;
}

int
main(void)
{
	char buf[128];
	int txt, readme, fd, r;
	long n;

	txt = wcap_weaken(WCAP_NS, "file:/home/yoric/*.txt:r");
	say(txt >= 0, "weaken file: to file:/home/yoric/*.txt:r", txt);
	readme = wcap_weaken(txt, "file:/home/yoric/readme.txt:r");
	say(readme >= 0, "weaken it to file:/home/yoric/readme.txt:r", readme);
	fd = wcap_open(readme, "/home/yoric/readme.txt", O_RDONLY, 0);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	say(n > 0, "read readme.txt", n);
	fputs(buf, stdout);
	close(fd);
	r = wcap_open(readme, "/home/yoric/notes.md", O_RDONLY, 0);
	say(r < 0 && errno == ENOENT, "open notes.md (ENOENT: the policy cannot see it)", r < 0 ? -errno : r);
	r = wcap_open(readme, "/home/yoric/readme.txt", O_WRONLY, 0);
	say(r < 0 && errno == EACCES, "open readme.txt for writing (EACCES: no w)", r < 0 ? -errno : r);
	r = wcap_weaken(readme, "file:/home/yoric/*.txt:r");
	say(r < 0 && errno == EPERM, "widen it back to file:/home/yoric/*.txt:r (EPERM)", r < 0 ? -errno : r);
	n = wcap_revoke(txt);
	r = wcap_open(readme, "/home/yoric/readme.txt", O_RDONLY, 0);
	say(n >= 2 && r < 0, "revoke the first; open through the second fails", r < 0 ? -errno : r);
	return bad;
}
