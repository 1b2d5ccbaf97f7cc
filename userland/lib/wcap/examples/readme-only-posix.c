/*
 * readme-only, written against POSIX calls alone: on Writ a policy is an fd.
 * open("policy:TEXT") weakens the process's own policy to TEXT; openat(policy fd,
 * "policy:TEXT") weakens that policy; openat(policy fd, path) opens through it (the
 * policy is the root of what it sees, so "home/yoric/x" and "/home/yoric/x" alike).
 * Exit status 0 when every step went as the policies say.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int bad;

static void
say(int ok, const char *what, long r)
{
	printf("readme-only-posix: %s -> %ld%s\n", what, r, ok ? "" : " (unexpected)");
	bad |= !ok;
}

int
main(void)
{
	char buf[128];
	int txt, readme, fd, r;
	long n;

	txt = open("policy:file:/home/yoric/*.txt:r", O_RDONLY);
	say(txt >= 0, "open(\"policy:file:/home/yoric/*.txt:r\")", txt);
	readme = openat(txt, "policy:file:/home/yoric/readme.txt:r", O_RDONLY);
	say(readme >= 0, "openat(txt, \"policy:file:/home/yoric/readme.txt:r\")", readme);
	fd = openat(readme, "home/yoric/readme.txt", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	say(n > 0, "openat(readme, \"home/yoric/readme.txt\") and read", n);
	fputs(buf, stdout);
	close(fd);
	r = openat(readme, "home/yoric/notes.md", O_RDONLY);
	say(r < 0 && errno == ENOENT, "openat(readme, \"home/yoric/notes.md\") (ENOENT)", r < 0 ? -errno : r);
	r = openat(readme, "/home/yoric/readme.txt", O_WRONLY);
	say(r < 0 && errno == EACCES, "openat(readme, \"/home/yoric/readme.txt\", O_WRONLY) (EACCES)", r < 0 ? -errno : r);
	r = openat(readme, "policy:file:/home/yoric/*.txt:r", O_RDONLY);
	say(r < 0 && errno == EPERM, "widen it back (EPERM)", r < 0 ? -errno : r);
	close(readme);
	close(txt);
	return bad;
}
