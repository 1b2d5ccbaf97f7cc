/*
 * /test/busybox: Debian's busybox-static, unmodified, through the Linux personality
 * (issue 23). Each case of cases.h (gen.py: made by running the same /bin/busybox on
 * a Linux host) runs as /bin/busybox APPLET ARGS..., in order, and must print what it
 * printed there and end with the same status. The whole list runs in boots with the
 * word `busybox` (`./writ test busybox`); other test boots run the first few, which
 * cost a few glibc starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <test/check.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

struct bb_case {
	const char *line;       /* words split at spaces; a backslash keeps the next char */
	const char *out;        /* stdout and stderr as one stream */
	int status;
};

#include "cases.h"

#define SCRATCH "/tmp/bbt"
#define FIXTURE "/test/data/busybox"
#define MAX_WORDS 16
#define QUICK_CASES 3

static char out[16 * 1024];

/* Append s to b at *n with {T} and {F} expanded. -> false when it does not fit. */
static bool
put(char *b, size_t cap, size_t *n, char c)
{
	if (*n + 1 >= cap)
		return false;
	b[(*n)++] = c;
	return true;
}

static bool
put_str(char *b, size_t cap, size_t *n, const char *s)
{
	while (*s)
		if (!put(b, cap, n, *s++))
			return false;
	return true;
}

/* Split a case into words in buf, expanding {T} and {F}. -> the number of words. */
static int
split(const char *line, char *buf, size_t cap, char **words)
{
	size_t n = 0;
	int nw = 0;

	words[nw++] = buf;
	for (const char *p = line; *p; p++) {
		bool ok;

		if (*p == '\\' && p[1])
			ok = put(buf, cap, &n, *++p);
		else if (*p == ' ') {
			ok = put(buf, cap, &n, 0) && nw < MAX_WORDS - 1;
			if (ok)
				words[nw++] = buf + n;
		} else if (strncmp(p, "{T}", 3) == 0) {
			ok = put_str(buf, cap, &n, SCRATCH);
			p += 2;
		} else if (strncmp(p, "{F}", 3) == 0) {
			ok = put_str(buf, cap, &n, FIXTURE);
			p += 2;
		} else
			ok = put(buf, cap, &n, *p);
		if (!ok)
			return -1;
	}
	buf[n] = 0;
	words[nw] = NULL;
	return nw;
}

/* Run path (/bin/busybox or a link to it) with argv, stdin from `in` (a path, or NULL: null:), stdout and
 * stderr into a pipe we read to `out`. -> the wait status or -errno. */
static long
run(const char *path, const char *const *argv, const char *in, size_t *len)
{
	static const char *const envp[] = { "PATH=/bin", "HOME=/", NULL };
	struct writ_spawn_opts o = { .quota_bits = 24, .envp = envp };
	int p[2], fd0 = in ? writ_open(in, O_RDONLY, 0) : writ_open("null:", O_RDWR, 0);
	writ_cptr_t child;
	long pid, n;

	*len = 0;
	if (fd0 < 0)
		return fd0;
	if (writ_pipe(p) < 0) {
		writ_close(fd0);
		return -EIO;
	}
	writ_spawn_opts_inherit(&o);
	writ_spawn_opts_fd(&o, fd0, 0);
	writ_spawn_opts_fd(&o, p[1], 1);
	writ_spawn_opts_fd(&o, p[1], 2);
	pid = writ_spawn(path, argv, &o, &child);
	writ_close(p[1]);
	writ_close(fd0);
	if (pid < 0) {
		writ_close(p[0]);
		return pid;
	}
	while ((n = writ_read(p[0], out + *len, sizeof(out) - 1 - *len)) > 0) {
		*len += (size_t)n;
		if (*len == sizeof(out) - 1)
			break;
	}
	out[*len] = 0;
	writ_close(p[0]);
	return writ_proc_wait(child);
}

static void
run_case(const struct bb_case *c)
{
	static char buf[1024];
	char *words[MAX_WORDS + 1], name[96];
	const char **argv;
	const char *in = NULL, *line = c->line;
	bool status_only = false;
	size_t len, i;
	long s;
	int nw;

	if (*line == '?') {
		status_only = true;
		line++;
	}
	nw = split(line, buf, sizeof(buf), words + 1);
	argv = (const char **)words;
	if (nw > 0 && words[1][0] == '<') {
		in = words[1] + 1;
		argv++;
	}
	argv[0] = "busybox";
	/* The check's name: the applet and a running number, no spaces. */
	writ_snprintf(name, sizeof(name), "busybox/%s-%u", argv[1] ? argv[1] : "?",
		      (unsigned)(c - cases));
	if (nw < 0) {
		check(false, name, "case too long: %s", c->line);
		return;
	}
	s = run("/bin/busybox", argv, in, &len);
	for (i = 0; i < len; i++)	/* one protocol line per check, whatever it printed */
		if (out[i] == '\n')
			out[i] = '|';
	{
		char want[1024];
		size_t k;

		for (k = 0; c->out[k] && k + 1 < sizeof(want); k++)
			want[k] = c->out[k] == '\n' ? '|' : c->out[k];
		want[k] = 0;
		check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == c->status &&
		      (status_only || strcmp(out, want) == 0), name,
		      "`%s`: status %lx (want exit %d), output '%s' (want '%s')", c->line, s,
		      c->status, out, status_only ? "(any)" : want);
	}
}

/* /bin/APPLET is a symbolic link to /bin/busybox, which picks the applet by argv[0].
 * Through file:, which follows links, and through init's archive lookup (a plain
 * path), which follows them too. */
static void
test_link(void)
{
	const char *argv[] = { "cat", FIXTURE "/sub/c.txt", NULL };
	size_t len;
	long s = run("file:/bin/cat", argv, NULL, &len);

	check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 0 &&
	      strcmp(out, "deep\n") == 0, "busybox/applet-link", "status %lx, output '%s'", s,
	      out);
	s = run("/bin/cat", argv, NULL, &len);
	check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 0 &&
	      strcmp(out, "deep\n") == 0, "busybox/applet-link-archive",
	      "status %lx, output '%s'", s, out);
}

int
main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	test_link();

	if (!test_cmdline_has("busybox"))
		n = QUICK_CASES;
	for (size_t i = 0; i < n; i++)
		run_case(&cases[i]);
	return test_done("busybox");
}
