/*
 * sandbox-cable: the seed's second example of policies (issue 21). A parent starts
 * itself as a sandboxed child holding nothing but one end of a cable (no scheme
 * capability at all: writ_spawn_sandbox with no policy), opens a private file on the
 * child's behalf and sends the fd over the cable with a key and data. The child reads
 * the file through the fd, fails to open anything itself (ENOENT: it has no file:
 * policy), and answers over the cable. Says each step on fd 1 (the parent's); exit
 * status 0 when everything went as it should.
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

#define KEY_FILE   42
#define KEY_REPORT 43

static void
say(const char *s)
{
	writ_write(1, "sandbox-cable: ", 15);
	writ_write(1, s, strlen(s));
	writ_write(1, "\n", 1);
}

/* The child: fd 0 is its end of the cable, and it holds nothing else. */
static int
child(void)
{
	char data[64], text[64], report[160];
	int got[3];
	unsigned nfd = 3;
	uint64_t key = 0;
	long n, m;
	int own, pipe_r;

	n = writ_cable_recv(0, &key, data, sizeof(data) - 1, got, &nfd);
	if (n < 0 || key != KEY_FILE || nfd != 1)
		return 1;
	data[n] = 0;
	m = writ_read(got[0], text, sizeof(text) - 1);
	text[m > 0 ? m : 0] = 0;
	own = writ_open("/home/yoric/notes.md", O_RDONLY, 0);
	pipe_r = writ_open("pipe:", O_RDONLY, 0);
	n = writ_snprintf(report, sizeof(report),
			  "child: got key %llu, data \"%s\", read %ld bytes; own open -> %d, "
			  "pipe: -> %d", (unsigned long long)key, data, m, own, pipe_r);
	writ_cable_send(0, m > 0 && own == -ENOENT && pipe_r == -ENOENT ? KEY_REPORT : 0,
			report, (size_t)n, NULL, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cargv[] = { argv[0], "child", NULL };
	char report[200];
	int c[2], fd, got[3];
	unsigned nfd = 3;
	uint64_t key = 0;
	writ_cptr_t kid;
	long pid, n, st;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();
	if (writ_cable_pair(c) != 0)
		return 1;
	pid = writ_spawn_sandbox(argv[0], cargv, NULL, 0, &c[1], 1, &kid);
	if (pid < 0) {
		say("cannot start the child");
		return 1;
	}
	writ_close(c[1]);
	say("started a child holding one cable end and nothing else");
	fd = writ_open("/home/yoric/notes.md", O_RDONLY, 0);
	if (fd < 0 || writ_cable_send(c[0], KEY_FILE, "notes", 5, &fd, 1) < 0) {
		say("cannot open or send notes.md");
		return 1;
	}
	say("opened /home/yoric/notes.md for it, sent the fd with key 42 and \"notes\"");
	n = writ_cable_recv(c[0], &key, report, sizeof(report) - 1, got, &nfd);
	report[n > 0 ? n : 0] = 0;
	say(report);
	st = writ_proc_wait(kid);
	writ_close(c[0]);
	return key == KEY_REPORT && WRIT_WAIT_EXITED(st) && WRIT_WAIT_STATUS(st) == 0 ? 0 : 1;
}
