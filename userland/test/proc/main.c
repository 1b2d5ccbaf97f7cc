/*
 * /test/proc: processes (group proc). Spawn with arguments and environment, exit
 * codes, wait, kill, a faulting process reported and cleaned up while others keep
 * running, a quota that runs out inside one process only, threads, bad programs, and
 * spawn/exit cycles that give init back every byte.
 */
#include <test/check.h>
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/writ.h>

#include <errno.h>

static long
run(const char *path, const char *const *argv, const struct writ_spawn_opts *o, long *pid)
{
	writ_cptr_t child;
	long p = writ_spawn(path, argv, o, &child);

	if (pid)
		*pid = p;
	if (p < 0)
		return p;
	return writ_proc_wait(child);
}

static void
test_exit_codes(void)
{
	const char *a0[] = { "/test/bin/exit-with", "0", NULL };
	const char *a7[] = { "/test/bin/exit-with", "7", NULL };
	const char *a255[] = { "/test/bin/exit-with", "255", NULL };
	long pid, s;

	s = run(a0[0], a0, NULL, &pid);
	check(pid > 0 && s == 0, "proc/spawn-exit-0", "pid %ld, status %lx", pid, s);
	s = run(a7[0], a7, NULL, NULL);
	check(WRIT_WAIT_EXITED(s) && WRIT_WAIT_STATUS(s) == 7, "proc/exit-code-7", "status %lx", s);
	s = run(a255[0], a255, NULL, NULL);
	check(WRIT_WAIT_STATUS(s) == 255, "proc/exit-code-255", "status %lx", s);
}

static void
test_args_env(void)
{
	const char *argv[] = { "/test/bin/args-check", "a", "b c", "", NULL };
	const char *envp[] = { "X=1", "Y=two", NULL };
	struct writ_spawn_opts o = { .envp = envp };
	long s = run(argv[0], argv, &o, NULL);

	check(s == 0, "proc/args-env-auxv-as-linux", "args-check said %ld (see its source)",
	      WRIT_WAIT_STATUS(s));
}

static void
test_kill(void)
{
	const char *argv[] = { "/test/bin/spin", NULL };
	writ_cptr_t child;
	long pid = writ_spawn(argv[0], argv, NULL, &child), k, s;

	writ_yield();
	k = writ_proc_kill(child);
	s = writ_proc_wait(child);
	check(pid > 0 && k == 0 && WRIT_WAIT_SIGNAL(s) == WRIT_WAIT_KILLED, "proc/kill",
	      "pid %ld kill %ld status %lx", pid, k, s);
}

static void
test_fault(void)
{
	const char *f[] = { "/test/bin/fault", NULL };
	const char *ok[] = { "/test/bin/exit-with", "3", NULL };
	long s = run(f[0], f, NULL, NULL);

	check(WRIT_WAIT_SIGNAL(s) == WRIT_WAIT_FAULTED, "proc/fault-ends-process", "status %lx", s);
	s = run(ok[0], ok, NULL, NULL);
	check(WRIT_WAIT_STATUS(s) == 3, "proc/others-run-after-a-fault", "status %lx", s);
}

/* A stack but its top page is mapped at the first touch: all of its 32 KiB can be
 * used, twice over in a row (each process its own pages), and a touch past its end
 * is still a fault. */
static void
test_stack_first_touch(void)
{
	const char *deep[] = { "/test/bin/fault", "stack", "28", NULL };
	const char *past[] = { "/test/bin/fault", "stack", "40", NULL };
	long s1 = run(deep[0], deep, NULL, NULL), s2 = run(deep[0], deep, NULL, NULL);
	long s3 = run(past[0], past, NULL, NULL);

	check(s1 == 0 && s2 == 0, "proc/stack-pages-at-first-touch", "status %lx, then %lx",
	      s1, s2);
	check(WRIT_WAIT_SIGNAL(s3) == WRIT_WAIT_FAULTED, "proc/stack-past-its-end-faults",
	      "status %lx", s3);
}

/* Read-only pages are shared by every process of a program: never writable, and there
 * for one process after another of the same program has ended. */
static void
test_shared_text(void)
{
	const char *wr[] = { "/test/bin/fault", "text", NULL };
	const char *slow[] = { "/test/bin/spin", "300", NULL };
	const char *quick[] = { "/test/bin/spin", "0", NULL };
	writ_cptr_t a;
	long s, pa = writ_spawn(slow[0], slow, NULL, &a), sb, sc, sa;

	s = run(wr[0], wr, NULL, NULL);
	check(WRIT_WAIT_SIGNAL(s) == WRIT_WAIT_FAULTED, "proc/shared-text-write-faults",
	      "status %lx", s);
	/* b ends while a runs; c then maps the pages b had. */
	sb = run(quick[0], quick, NULL, NULL);
	sc = run(quick[0], quick, NULL, NULL);
	sa = pa > 0 ? writ_proc_wait(a) : pa;
	check(WRIT_WAIT_STATUS(sb) == 7 && WRIT_WAIT_STATUS(sc) == 7 && WRIT_WAIT_STATUS(sa) == 7 &&
	      WRIT_WAIT_EXITED(sa), "proc/shared-text-survives-another-exit",
	      "statuses %lx %lx %lx", sa, sb, sc);
}

static void
test_quota(void)
{
	const char *argv[] = { "/test/bin/eat-memory", NULL };
	struct writ_spawn_opts o = { .quota_bits = 20 };
	writ_word_t before, after;
	long s;
	char *mine;

	writ_proc_info(&before, NULL);
	s = run(argv[0], argv, &o, NULL);
	check(s == 0, "proc/quota-exhaustion-is-enomem", "eat-memory said %lx", s);
	mine = writ_pages_alloc(4);
	check(mine != NULL, "proc/quota-exhaustion-stays-inside", "the parent cannot allocate");
	writ_proc_info(&after, NULL);
	check(before == after, "proc/quota-returned", "init had %lu bytes free, now %lu",
	      before, after);
}

static void
test_bad_programs(void)
{
	const char *argv[] = { "x", NULL };
	writ_cptr_t c;
	long r;

	r = writ_spawn("/no/such/program", argv, NULL, &c);
	check(r == -ENOENT, "proc/spawn-missing-enoent", "got %ld", r);
	r = writ_spawn("/etc/boot.conf", argv, NULL, &c);
	check(r == -ENOEXEC, "proc/spawn-not-elf-enoexec", "got %ld", r);
	{
		struct writ_spawn_opts o = { .quota_bits = 40 };

		r = writ_spawn("/test/bin/exit-with", argv, &o, &c);
		check(r == -EINVAL || r == -ENOMEM, "proc/spawn-huge-quota-refused", "got %ld", r);
	}
	{
		struct writ_spawn_opts o = { .ncaps = 1 };

		o.caps[0].slot = 1u << 20;	/* far outside the CNode */
		o.caps[0].kind = WRIT_SCAP_OTHER;
		r = writ_spawn("/test/bin/exit-with", argv, &o, &c);
		check(r == -EBADF, "proc/spawn-bad-capability-slot", "got %ld", r);
	}
	r = writ_proc_wait(WRIT_PSLOT_CNODE);
	check(r < 0, "proc/wait-on-a-non-process", "got %ld", r);
}

static struct writ_mutex lock;
static volatile unsigned counter, finished;

static void
adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		writ_mutex_lock(&lock);
		counter++;
		if (i % 16 == 0)
			writ_yield();	/* others try the lock while it is held */
		writ_mutex_unlock(&lock);
	}
	writ_mutex_lock(&lock);
	finished++;
	writ_mutex_unlock(&lock);
}

static void
test_threads(void)
{
	static struct writ_thread t[3];
	long err = writ_mutex_init(&lock);

	for (int i = 0; i < 3 && err == WRIT_OK; i++)
		err = writ_thread_create(&t[i], adder, NULL, 100);
	check(err == WRIT_OK, "proc/threads-start", "%s", writ_error_name((int)err));
	for (int i = 0; i < 10000 && finished < 3; i++)
		writ_yield();
	check(finished == 3 && counter == 600, "proc/threads-share-memory-under-a-lock",
	      "finished %u, counter %u", finished, counter);
}

static void
test_cycles(void)
{
	const char *argv[] = { "/test/bin/exit-with", "0", NULL };
	/* 1,000 in the boot that asks for it (`long`), fewer in the others. */
	unsigned n = test_cmdline_has("long") ? 1000 : test_cmdline_has("check") ? 20 : 100;
	unsigned bad = 0;
	writ_word_t bytes0, blocks0, bytes1, blocks1;

	writ_proc_info(&bytes0, &blocks0);
	for (unsigned i = 0; i < n; i++)
		bad += run(argv[0], argv, NULL, NULL) != 0;
	writ_proc_info(&bytes1, &blocks1);
	check(bad == 0, "proc/spawn-exit-cycles", "%u of %u cycles failed", bad, n);
	check(bytes0 == bytes1 && blocks0 == blocks1, "proc/spawn-exit-returns-memory",
	      "after %u cycles init has %lu bytes in %lu blocks free, had %lu in %lu", n,
	      bytes1, blocks1, bytes0, blocks0);
	writ_printf("# proc: %u spawn/exit/wait cycles, init free %lu bytes before and %lu after\n",
		    n, bytes0, bytes1);
}

/*
 * Quotas freed out of order, more than the blocks init keeps unmerged for the next
 * spawns (umem.c), so that some merge while others wait: each later spawn gets a whole
 * block, and init's free memory ends in the blocks it began with.
 */
static void
test_quota_buddies(void)
{
	static const unsigned order[2][8] = { { 0, 2, 4, 6, 1, 3, 5, 7 },
					      { 1, 3, 5, 7, 2, 4, 6, 0 } };
	const char *spin[] = { "/test/bin/spin", NULL };
	const char *ok[] = { "/test/bin/exit-with", "0", NULL };
	struct writ_spawn_opts o = { .quota_bits = 20 };
	writ_word_t bytes0, blocks0, bytes1, blocks1;
	unsigned started = 0, bad = 0;

	writ_proc_info(&bytes0, &blocks0);
	for (unsigned round = 0; round < 2; round++) {
		writ_cptr_t kids[8];
		unsigned n = 0;

		for (unsigned i = 0; i < 8; i++)
			n += writ_spawn(spin[0], spin, &o, &kids[i]) > 0;
		for (unsigned i = 0; i < 8 && n == 8; i++) {
			writ_proc_kill(kids[order[round][i]]);
			writ_proc_wait(kids[order[round][i]]);
		}
		for (unsigned i = 0; i < 8; i++)
			bad += run(ok[0], ok, &o, NULL) != 0;
		started += n;
	}
	writ_proc_info(&bytes1, &blocks1);
	check(started == 16 && bad == 0, "proc/quotas-freed-out-of-order-reused",
	      "%u of 16 started, %u of 16 later spawns failed", started, bad);
	check(bytes0 == bytes1 && blocks0 == blocks1, "proc/quotas-freed-out-of-order-merged",
	      "init has %lu bytes in %lu blocks free, had %lu in %lu", bytes1, blocks1, bytes0,
	      blocks0);
}

int
main(void)
{
	test_exit_codes();
	test_args_env();
	test_kill();
	test_fault();
	test_stack_first_touch();
	test_shared_text();
	test_quota();
	test_bad_programs();
	test_cycles();
	test_quota_buddies();
	test_threads();
	return test_done("proc");
}
