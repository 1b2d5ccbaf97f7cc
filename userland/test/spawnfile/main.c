/*
 * /test/spawnfile: programs spawned from a scheme rather than the boot archive (group
 * proc): from file:, from a copy written to tmp:, and every way that can go wrong (a
 * truncated or foreign file, a directory, a missing one, misuse of the image buffer),
 * each refused with its errno while init's memory comes back whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <test/check.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#define PROG "/test/bin/exit-with"

static long
run(const char *path, const char *code)
{
	const char *argv[] = { path, code, NULL };
	writ_cptr_t child;
	long pid = writ_spawn(path, argv, NULL, &child);

	return pid < 0 ? pid : writ_proc_wait(child);
}

/* Copy the first `max` bytes of file:PROG to `to`. -> bytes copied or -errno. */
static long
copy_prog(const char *to, size_t max)
{
	static char buf[4096];
	int in = writ_open("file:" PROG, O_RDONLY, 0), out;
	long n, total = 0;

	if (in < 0)
		return in;
	out = writ_open(to, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	if (out < 0) {
		writ_close(in);
		return out;
	}
	while ((size_t)total < max && (n = writ_read(in, buf, sizeof(buf))) > 0) {
		if ((size_t)(total + n) > max)
			n = (long)(max - (size_t)total);
		if (writ_write(out, buf, (size_t)n) != n) {
			total = -EIO;
			break;
		}
		total += n;
	}
	writ_close(in);
	writ_close(out);
	return total;
}

static long
image_call(writ_word_t size)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_IMAGE, 0, 1) };

	m.mr[0] = size;
	return writ_call(WRIT_PSLOT_PROC, &m) == WRIT_OK ? (long)m.mr[0] : -EIO;
}

static void
test_runs(void)
{
	long s = run("file:" PROG, "7"), n;

	check(WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 7, "proc/spawn-from-file",
	      "status %lx", s);
	n = copy_prog("tmp:/prog", (size_t)-1);
	s = run("tmp:/prog", "5");
	check(n > 0 && WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 5,
	      "proc/spawn-a-program-written-to-tmp", "copied %ld, status %lx", n, s);
}

static void
test_refusals(void)
{
	long n = copy_prog("tmp:/half", 600), r;

	r = run("tmp:/half", "1");
	check(n == 600 && r == -ENOEXEC, "proc/spawn-from-file-truncated-enoexec",
	      "copied %ld, got %ld", n, r);
	r = run("file:/etc/boot.conf", "1");
	check(r == -ENOEXEC, "proc/spawn-from-file-not-elf-enoexec", "got %ld", r);
	r = run("file:/no/such/program", "1");
	check(r == -ENOENT, "proc/spawn-from-file-missing-enoent", "got %ld", r);
	r = run("file:/test", "1");
	check(r == -EACCES, "proc/spawn-from-file-directory-eacces", "got %ld", r);
	r = run("nosuchscheme:/x", "1");
	check(r == -ENOENT, "proc/spawn-from-unknown-scheme-enoent", "got %ld", r);
	writ_open("tmp:/empty", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	r = run("tmp:/empty", "1");
	check(r == -ENOEXEC, "proc/spawn-from-empty-file-enoexec", "got %ld", r);
}

static void
test_image_misuse(void)
{
	writ_word_t before, after;
	long r;

	writ_proc_info(&before, NULL);
	check(image_call(0) == -EINVAL, "proc/image-empty-refused", "%s", "");
	check(image_call(WRIT_IMAGE_MAX + 1) == -EFBIG, "proc/image-too-big-efbig", "%s", "");
	r = image_call(3 * 4096 + 5);
	check(r == 0, "proc/image-lent", "got %ld", r);
	if (r == 0) {
		volatile char *b = (volatile char *)WRIT_IMAGE_VADDR;

		b[0] = 1;
		b[3 * 4096 + 4] = 2;	/* the last byte: every page is there, writable */
		check(b[0] == 1 && b[3 * 4096 + 4] == 2, "proc/image-writable", "%s", "");
	}
	/* A second IMAGE replaces the first; a SPAWN from a buffer of garbage is refused
	 * and frees it. */
	r = image_call(8192);
	check(r == 0, "proc/image-replaced", "got %ld", r);
	r = run("file:/etc/boot.conf", "1");	/* reads boot.conf into a new buffer */
	check(r == -ENOEXEC, "proc/image-garbage-enoexec", "got %ld", r);
	writ_proc_info(&after, NULL);
	check(after == before, "proc/image-memory-back", "init had %lu bytes free, now %lu",
	      before, after);
}

static void
test_memory_back(void)
{
	writ_word_t before, after;
	unsigned bad = 0;

	run("file:" PROG, "0");	/* any first-use set-up (page tables of init's) */
	writ_proc_info(&before, NULL);
	for (unsigned i = 0; i < 20; i++)
		bad += run("file:" PROG, "0") != 0;
	writ_proc_info(&after, NULL);
	check(bad == 0 && after == before, "proc/spawn-from-file-returns-memory",
	      "%u of 20 failed; init had %lu bytes free, now %lu", bad, before, after);
}

/* Two programs, one after the other from the same image buffer, each many times: each
 * runs its own code (init may cache a program by where it read it; an image buffer is
 * the same place for every program). */
static void
test_programs_alternate(void)
{
	const char *spin[] = { "file:/test/bin/spin", "3", NULL };
	unsigned bad = 0;

	for (unsigned i = 0; i < 6; i++) {
		writ_cptr_t child;
		long s = run("file:" PROG, "4"), pid;

		bad += !(WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 4);
		pid = writ_spawn(spin[0], spin, NULL, &child);
		s = pid < 0 ? pid : writ_proc_wait(child);
		bad += !(WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 7);
	}
	check(bad == 0, "proc/spawn-from-file-programs-alternate", "%u of 12 ran the wrong way",
	      bad);
}

int
main(void)
{
	test_runs();
	test_refusals();
	test_image_misuse();
	test_memory_back();
	test_programs_alternate();
	return test_done("proc");
}
