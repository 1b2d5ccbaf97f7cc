/*
 * /test/linux: unmodified static Linux programs (Debian's musl-gcc -static, no libwrit)
 * run on Writ through the Linux personality in their own process (issue 22). Each
 * program /test/bin/lx-* checks itself and prints protocol lines, which we pass on;
 * we check how it ended and what it printed, and that the ELFs Writ cannot run (a
 * truncated one, a dynamically linked one) are refused with ENOEXEC.
 */
#include <errno.h>
#include <fcntl.h>
#include <test/check.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "run.h"

static char out[64 * 1024];

/* Run a self-checking program: its lines, then one check that it ended well with
 * at least `want` checks passed and none failed. */
static void
run_checks(const char *name, unsigned want)
{
	char path[64], check_name[64];
	const char *argv[] = { path, NULL };
	unsigned ok = 0, not_ok = 0;
	size_t len;
	long s;

	writ_snprintf(path, sizeof(path), "/test/bin/lx-%s", name);
	writ_snprintf(check_name, sizeof(check_name), "linux/%s-ran", name);
	s = lx_run(path, argv, out, sizeof(out), &len);
	lx_forward(out, len, &ok, &not_ok);
	out[len < 200 ? len : 200] = 0;
	check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 0 && ok >= want &&
	      not_ok == 0, check_name, "status %lx, %u ok, %u not ok; output: %s", s, ok,
	      not_ok, out);
}

static void
test_hello(void)
{
	const char *argv[] = { "/test/bin/lx-hello", NULL }, *argv3[] = { "hello", "3", NULL };
	size_t len;
	long s = lx_run("/test/bin/lx-hello", argv, out, sizeof(out), &len);

	check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 0 &&
	      strcmp(out, "hello, world 42\n") == 0, "linux/hello-printf",
	      "status %lx, output '%s'", s, out);
	s = lx_run("/test/bin/lx-hello", argv3, out, sizeof(out), &len);
	check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 3, "linux/exit-status",
	      "status %lx", s);
}

/* The shell benchmark's timer (userland/bench/cmdbench, bench shell/...) times /bin/true
 * and prints its one line, with /bin/true's output kept out of it. */
static void
test_cmdbench(void)
{
	const char *argv[] = { "/bench/bin/cmdbench", "t/true", "3", "--", "/bin/true", NULL };
	const char *want = "bench t/true ";
	size_t len, n = strlen(want);
	long s = lx_run(argv[0], argv, out, sizeof(out), &len);

	check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 0 &&
	      strncmp(out, want, n) == 0 && out[n] >= '1' && out[n] <= '9' &&
	      len > 14 && strcmp(out + len - 14, " instructions\n") == 0,
	      "linux/cmdbench-times-true", "status %lx, output '%s'", s, out);
}

/* Copy the first `max` bytes of an archive file to `to`. -> bytes or -errno. */
static long
copy_file(const char *from, const char *to, size_t max)
{
	static char buf[4096];
	int in = writ_open(from, O_RDONLY, 0), o;
	long n, total = 0;

	if (in < 0)
		return in;
	if ((o = writ_open(to, O_CREAT | O_WRONLY | O_TRUNC, 0755)) < 0) {
		writ_close(in);
		return o;
	}
	while ((size_t)total < max && (n = writ_read(in, buf, sizeof(buf))) > 0) {
		if ((size_t)(total + n) > max)
			n = (long)(max - (size_t)total);
		writ_write(o, buf, (size_t)n);
		total += n;
	}
	writ_close(in);
	writ_close(o);
	return total;
}

static void
test_refused(void)
{
	const char *argv[] = { "x", NULL };
	long n = copy_file("file:/test/bin/lx-hello", "tmp:/lx-truncated", 3000), r;
	size_t len;

	r = lx_run("tmp:/lx-truncated", argv, out, sizeof(out), &len);
	check(n == 3000 && r == -ENOEXEC, "linux/truncated-elf-refused", "copied %ld, got %ld", n, r);
	n = copy_file("file:/test/bin/lx-hello", "tmp:/lx-truncated", 100);
	r = lx_run("tmp:/lx-truncated", argv, out, sizeof(out), &len);
	check(n == 100 && r == -ENOEXEC, "linux/truncated-header-refused", "got %ld", r);
	/* Whole, but its program header table pointed past the end (e_phoff at 32). */
	n = copy_file("file:/test/bin/lx-hello", "tmp:/lx-corrupt", 1u << 30);
	{
		int fd = writ_open("tmp:/lx-corrupt", O_WRONLY, 0);
		const uint64_t bad = 0x7ffffff0;

		if (fd >= 0) {
			writ_pwrite(fd, &bad, sizeof(bad), 32);
			writ_close(fd);
		}
	}
	r = lx_run("tmp:/lx-corrupt", argv, out, sizeof(out), &len);
	check(n > 4096 && r == -ENOEXEC, "linux/corrupt-phoff-refused", "copied %ld, got %ld", n, r);
	r = lx_run("/test/bin/lx-dynamic", argv, out, sizeof(out), &len);
	check(r == -ENOEXEC, "linux/dynamic-elf-refused", "got %ld", r);
}

/* The boot that types ^C (tests/vm's ctrlc-debug): only lx-xsig's ^C check, on the
 * console, its lines straight to the serial line. */
static int
ctrlc_only(void)
{
	const char *argv[] = { "/test/bin/lx-xsig", "ctrlc", NULL };
	writ_cptr_t child;
	long pid = writ_spawn(argv[0], argv, NULL, &child);
	long s = pid < 0 ? pid : writ_proc_wait(child);

	check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 0, "linux/ctrlc-ran",
	      "status %lx", s);
	return test_done("linux");
}

int
main(void)
{
	if (test_cmdline_has("ctrlc"))
		return ctrlc_only();
	test_hello();
	run_checks("stdio", 6);
	run_checks("files", 16);
	run_checks("errno", 15);
	run_checks("allsys", 8);
	run_checks("threads", 6);
	run_checks("spawn", 10);
	run_checks("misc", 14);
	run_checks("signals", 15);
	run_checks("procfs", 16);
	run_checks("fork", 16);
	run_checks("xsig", 26);
	run_checks("jobs", 29);
	test_refused();
	test_cmdbench();
	/* A Writ program still runs as one: the kernel suite's helpers are unchanged. */
	{
		const char *argv[] = { "/test/bin/exit-with", "5", NULL };
		writ_cptr_t child;
		long pid = writ_spawn(argv[0], argv, NULL, &child);
		long s = pid < 0 ? pid : writ_proc_wait(child);

		check(s >= 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 5,
		      "linux/writ-program-unchanged", "status %lx", s);
	}
	return test_done("linux");
}
