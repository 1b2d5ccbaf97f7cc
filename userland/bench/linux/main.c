/*
 * /bench/linux: the Linux personality's figures. Linux programs run with their output
 * caught: /test/bin/lx-getppid's `bench` lines pass on as they are, and so do
 * /bench/bin/cmdbench's `bench shell/...` lines (issue 23: busybox's ls -l and sh, timed from
 * spawn to wait, the same binary Linux runs as /init); the Linux baseline's
 * own benchmark program (../shared/bench-linux/bench.c, when the build found it, at
 * /bench/bin/lx-bench) runs unmodified, and each of its lines `NAME CYCLES NS N ...`
 * becomes `bench lxbench/NAME CYCLES instructions` (TSC ticks: instructions under
 * -icount); its `# FAIL` lines say what the personality does not serve yet.
 */
#include <errno.h>
#include <writ/fd.h>
#include <writ/writ.h>

#include "run.h"

static char out[32 * 1024];

/* The decimal number at *s, s moved past it; false if none. */
static bool
number(const char **s, unsigned long *v)
{
	const char *p = *s;

	*v = 0;
	while (*p >= '0' && *p <= '9')
		*v = *v * 10 + (unsigned long)(*p++ - '0');
	if (p == *s)
		return false;
	*s = p;
	return true;
}

static void
baseline_lines(const char *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i, n = 0;
		char name[64], line[200];
		const char *p;
		unsigned long cyc;

		while (e < len && o[e] != '\n')
			e++;
		n = e - i < sizeof(line) - 1 ? e - i : sizeof(line) - 1;
		memcpy(line, o + i, n);
		line[n] = 0;
		i = e + 1;
		if (line[0] == '#') {
			writ_printf("%s\n", line);
			continue;
		}
		for (n = 0; line[n] && line[n] != ' ' && n < sizeof(name) - 1; n++)
			name[n] = line[n];
		name[n] = 0;
		p = line + n;
		if (*p != ' ')
			continue;
		p++;
		if (number(&p, &cyc))
			writ_printf("bench lxbench/%s %lu instructions\n", name, cyc);
	}
}

int
main(void)
{
	const char *argv[] = { "/test/bin/lx-getppid", NULL };
	const char *bargv[] = { "/bench/bin/lx-bench", NULL };
	/* Issue 23's shell figures (busybox's ls and sh), the same binary as on Linux. */
	const char *cargv[] = { "/bench/bin/cmdbench", "--suite", "/tmp/ls1000", NULL };
	static const char *const benv[] = { "bench_rep_ms=2", "bench_reps=3", "bench_rounds=1",
					    "bench_tiny=/bench/bin/lx-tiny", "bench_tmp=/tmp",
					    NULL };
	unsigned ok = 0, not_ok = 0;
	size_t len;
	long s = lx_run(argv[0], argv, out, sizeof(out), &len);

	lx_forward(out, len, &ok, &not_ok);
	if (s != 0)
		writ_printf("# /bench/linux: getppid ended with status %lx\n", s);
	/* 8 MiB: init's memory has to hold, beside us, busybox's sh, its fork and each
	 * /bin/true it starts (each of them gets a quota of its own from init). */
	s = lx_run_env(cargv[0], cargv, NULL, 23, out, sizeof(out), &len);
	lx_forward(out, len, &ok, &not_ok);
	if (s != 0)
		writ_printf("# /bench/linux: cmdbench ended with status %lx\n", s);
	s = lx_run_env(bargv[0], bargv, benv, 25, out, sizeof(out), &len);
	if (s == -ENOENT)
		return 0;	/* built without ../shared/bench-linux */
	baseline_lines(out, len);
	if (s != 0)
		writ_printf("# /bench/linux: lx-bench ended with status %lx\n", s);
	return 0;
}
