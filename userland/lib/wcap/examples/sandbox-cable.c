/*
 * sandbox-cable, written against <writ/cap.h>: the seed's second example (issue 21) as
 * an ordinary musl program. The parent starts itself as a sandboxed child holding one
 * cable end and nothing else (wcap_spawn with no policy), opens a private file on the
 * child's behalf and sends the fd over the cable with a key and data. The child lists
 * what it holds, reads the file through the fd, fails to open anything itself (ENOENT:
 * no file: policy) and answers over the cable. Exit status 0 when all went so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <writ/cap.h>

#define KEY_FILE   42
#define KEY_REPORT 43

static int
child(void)
{
	struct wcap_info held[8];
	char data[64], text[128], report[300];
	int got[WCAP_CABLE_FDS], own, n_held;
	unsigned nfd = WCAP_CABLE_FDS;
	uint64_t key = 0;
	long n, m;

	n_held = wcap_list(held, 8);
	n = wcap_recv(0, &key, data, sizeof(data) - 1, got, &nfd);
	if (n < 0 || key != KEY_FILE || nfd != 1)
		return 1;
	data[n] = 0;
	m = read(got[0], text, sizeof(text) - 1);
	own = open("/home/yoric/notes.md", O_RDONLY);
	n = snprintf(report, sizeof(report),
		     "child: held %d capability (fd %d, a cable end); got key %llu, data \"%s\", "
		     "read %ld bytes; own open -> %s", n_held, held[0].fd,
		     (unsigned long long)key, data, m, own < 0 ? strerror(errno) : "opened");
	wcap_send(0, m > 0 && own < 0 && errno == ENOENT && n_held == 1 ? KEY_REPORT : 0,
		  report, (size_t)n, NULL, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	char *cargv[] = { argv[0], "child", NULL };
	char report[300];
	int c[2], fd, pid, st = -1;
	unsigned nfd = 0;
	uint64_t key = 0;
	long n;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();
	if (wcap_cable(c) != 0)
		return 1;
	pid = wcap_spawn(argv[0], cargv, NULL, 0, &c[1], 1);
	if (pid < 0) {
		printf("sandbox-cable: cannot start the child: %s\n", strerror(errno));
		return 1;
	}
	close(c[1]);
	printf("sandbox-cable: started a child holding one cable end and nothing else\n");
	fd = open("/home/yoric/notes.md", O_RDONLY);
	if (fd < 0 || wcap_send(c[0], KEY_FILE, "notes", 5, &fd, 1) < 0) {
		printf("sandbox-cable: cannot open or send notes.md\n");
		return 1;
	}
	close(fd);
	printf("sandbox-cable: opened /home/yoric/notes.md for it, sent the fd with key 42\n");
	n = wcap_recv(c[0], &key, report, sizeof(report) - 1, NULL, &nfd);
	report[n > 0 ? n : 0] = 0;
	printf("sandbox-cable: %s\n", report);
	waitpid(pid, &st, 0);
	return key == KEY_REPORT && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
