/* procfs: what programs read of /proc, printed only where every Linux agrees: links of
 * the process's own fds and working directory, and the shape of the common files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/tmp/writ-diff-procfs"

static void
link_of(const char *path)
{
	char buf[256];
	long n = readlink(path, buf, sizeof(buf));

	if (n < 0)
		printf("readlink %s -1 %s\n", path, strerror(errno));
	else
		printf("readlink %s [%.*s]\n", path, (int)n, buf);
}

static void
first_word(const char *path)
{
	char buf[64] = { 0 };
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	printf("%s starts with %s\n", path, fscanf(f, "%63s", buf) == 1 ? buf : "nothing");
	fclose(f);
}

int
main(void)
{
	char path[64], buf[16];
	struct stat st;
	double up = -1;
	FILE *f;
	int fd, again;

	rmdir(DIR_);
	mkdir(DIR_, 0755);
	chdir(DIR_);
	link_of("/proc/self/cwd");
	fd = open(DIR_, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	link_of(path);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	link_of(path);
	again = open(path, O_RDONLY);
	printf("open the link %d, ", again >= 0);
	printf("reads %zd\n", read(again, buf, sizeof(buf)));
	close(again);
	close(fd);
	link_of("/proc/self/fd/99");
	printf("stat /proc/self/fd a directory %d\n", stat("/proc/self/fd", &st) == 0 &&
	       S_ISDIR(st.st_mode));
	first_word("/proc/meminfo");
	first_word("/proc/cpuinfo");
	f = fopen("/proc/uptime", "r");
	fd = f && fscanf(f, "%lf", &up) == 1;
	printf("uptime read %d positive %d\n", fd, up > 0);
	if (f)
		fclose(f);
	fd = open("/proc/nothing", O_RDONLY);
	printf("/proc/nothing %d %s\n", fd, strerror(errno));
	chdir("/");
	rmdir(DIR_);
	return 0;
}
