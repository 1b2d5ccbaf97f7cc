/*
 * Source positions from DWARF, through binutils' addr2line as a child process.
 *
 * Why a child and not libdw: binutils is already a build dependency, and a DWARF reader
 * that trips over a corrupt file then crashes a process we can afford to lose; the
 * annotator only loses a line number. The child is bounded like any other input: its
 * output is read up to a fixed size, and it is killed if it has not finished in time.
 * Its arguments go straight to exec (no shell), so a path cannot inject anything.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "annotate.h"

#define ADDR2LINE_TIMEOUT_MS 5000
#define ADDR2LINE_MAX_OUTPUT 16384

extern char **environ;

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Runs addr2line; returns the length of its stdout in buf, or -1. */
static ssize_t
run_addr2line(const char *elf_path, uint64_t addr, char *buf, size_t cap)
{
	char addr_arg[32];
	char *argv[] = { "addr2line", "-e", (char *)elf_path, "-f", "-i", "-C", addr_arg, NULL };
	posix_spawn_file_actions_t fa;
	int fds[2], status;
	size_t len = 0;
	pid_t pid;
	long deadline = now_ms() + ADDR2LINE_TIMEOUT_MS;

	snprintf(addr_arg, sizeof(addr_arg), "0x%llx", (unsigned long long)addr);
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "addr2line", &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || len == cap)
			break;
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n = read(fds[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	/* Done or not, it is reaped here: a hung addr2line must not stall the console. */
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return (ssize_t)len;
}

/* "file:line" or "file:line (discriminator N)"; "??:0" and "??:?" mean unknown. */
static void
parse_position(char *text, const char *root, struct src_frame *f)
{
	char *disc = strstr(text, " (discriminator");
	char *colon, *end;
	size_t rootlen = root ? strlen(root) : 0;
	const char *file = text;

	if (disc)
		*disc = '\0';
	colon = strrchr(text, ':');
	f->line = 0;
	f->file[0] = '\0';
	if (!colon)
		return;
	*colon = '\0';
	f->line = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || strcmp(file, "??") == 0) {
		f->line = 0;
		return;
	}
	/* Paths relative to the source tree are what the reader can open. */
	if (rootlen && strncmp(file, root, rootlen) == 0 && file[rootlen] == '/')
		file += rootlen + 1;
	snprintf(f->file, sizeof(f->file), "%s", file);
}

/* Splits off the next line of *rest in place; NULL when none is left. */
static char *
next_line(char **rest)
{
	char *line = *rest, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*rest = nl + 1;
	} else {
		*rest = NULL;
	}
	return line;
}

/*
 * Fills out[] with the inline chain at addr, innermost function first; returns how many
 * frames name a function or a position (0 when DWARF knows nothing), or -1 when
 * addr2line could not be run at all.
 */
int
src_lookup(const char *elf_path, uint64_t addr, const char *root, struct src_frame *out,
	   int max)
{
	char *buf = malloc(ADDR2LINE_MAX_OUTPUT + 1);
	char *rest, *func, *pos;
	ssize_t len;
	int n = 0;

	if (!buf)
		return -1;
	len = run_addr2line(elf_path, addr, buf, ADDR2LINE_MAX_OUTPUT);
	if (len <= 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	rest = buf;
	/* Output is pairs of lines: function, then file:line. */
	while (n < max && (func = next_line(&rest)) && (pos = next_line(&rest))) {
		struct src_frame *f = &out[n];

		snprintf(f->func, sizeof(f->func), "%s", strcmp(func, "??") ? func : "");
		parse_position(pos, root, f);
		if (f->func[0] || f->file[0])
			n++;
	}
	free(buf);
	return n;
}
