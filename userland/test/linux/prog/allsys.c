/* Every syscall number 0..511 with junk arguments, then with bad pointers and lengths
 * one argument at a time: each answers (an error, mostly), nothing crashes, and the
 * program goes on. Skipped: the calls that end the process
 * or wait for ever by design (in the second pass, the sleeps: our read-only bytes read
 * as a time of centuries). */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static long
raw6(long nr, long a0, long a)
{
	long r;
	register long r10 __asm__("r10") = a, r8 __asm__("r8") = a, r9 __asm__("r9") = a;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a0), "S"(a), "d"(a), "r"(r10),
			 "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return r;
}

/* Read-only memory the program owns: a valid pointer no call may write through. */
static const char readonly[8192] = "read-only";

static long
raw_args(long nr, const long *a)
{
	long r;
	register long r10 __asm__("r10") = a[3], r8 __asm__("r8") = a[4], r9 __asm__("r9") = a[5];

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]),
			 "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return r;
}

static int
skipped(long nr)
{
	static const long s[] = {
		SYS_exit, SYS_exit_group, SYS_pause, SYS_rt_sigsuspend, SYS_vfork, SYS_fork,
		SYS_clone, SYS_clone3, SYS_rt_sigreturn, SYS_kill, SYS_tkill, SYS_tgkill,
		SYS_reboot, SYS_execve, SYS_execveat, SYS_munmap, SYS_arch_prctl,
		SYS_set_tid_address, SYS_brk, SYS_umask, SYS_setsid, SYS_rt_sigprocmask,
		SYS_rt_sigaction, SYS_sigaltstack, SYS_mmap, SYS_mremap, SYS_mprotect,
		SYS_personality, SYS_prctl, SYS_nanosleep, SYS_clock_nanosleep,
		/* With no fds, a sleep too: ppoll(NULL, 0, NULL) and poll with a negative
		 * timeout never return (misc.c checks their bad pointers). */
		SYS_poll, SYS_ppoll,
	};

	for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i] == nr)
			return 1;
	return 0;
}

/* Bad pointers and lengths, one argument at a time, to every number: the others are 0
 * (fd 0, null:, is ours to lose), the one is an unmapped low address, a kernel
 * address, the last bytes below the end of user memory, or our read-only page with a
 * length of a terabyte after it. Skipped: what the second pass skips. */
static void
bad_pointers(void)
{
	const long bad[] = { 0x10, (long)0xffff800000001000ull, 0x7ffffffff000l - 8 };
	long odd_nr = -1, calls = 0, efaults = 0;
	char buf[64];
	int fd;

	for (long nr = 0; nr < 512; nr++) {
		if (skipped(nr))
			continue;
		for (int pos = 0; pos < 6; pos++)
			for (int v = 0; v < 4; v++) {
				long a[6] = { 0, 0, 0, 0, 0, 0 }, r;

				if (v < 3) {
					a[pos] = bad[v];
				} else {
					if (pos == 5)
						continue;
					a[pos] = (long)readonly;
					a[pos + 1] = 1l << 40;
				}
				r = raw_args(nr, a);
				calls++;
				efaults += r == -EFAULT;
				if (r < -4095 && odd_nr < 0)
					odd_nr = nr;
			}
	}
	check(odd_nr < 0, "linux/badptr-answers", "syscall %ld answered neither a result nor -errno",
	      odd_nr);
	check(efaults > 300, "linux/badptr-efaults", "%ld EFAULT of %ld calls", efaults, calls);
	check(readonly[0] == 'r' && readonly[8191] == 0, "linux/badptr-readonly-intact",
	      "a call wrote into read-only memory");
	fd = open("/home/yoric/readme.txt", O_RDONLY);
	check(fd >= 0 && read(fd, buf, sizeof(buf)) > 0, "linux/badptr-goes-on",
	      "open or read after %ld calls: errno %d", calls, errno);
	if (fd >= 0)
		close(fd);
}

int
main(void)
{
	const long junk = 0x4141414141414141l;
	int errors = 0, successes = 0, odd = -1;

	/* Twice: every argument junk (not even an address); then fd 0 (null:, ours to
	 * lose) and every other argument our read-only page, as pointer and as length. */
	/* A third pass: fd 0 and every other argument a kernel address, as pointer and
	 * as length (-EFAULT or another error, never a write there or a fault). */
	for (long pass = 0, nr = 0; pass < 3; pass++, nr = 0)
	for (; nr < 512; nr++) {
		long r;

		if (nr == SYS_exit || nr == SYS_exit_group || nr == SYS_pause ||
		    nr == SYS_rt_sigsuspend || nr == SYS_vfork || nr == SYS_fork ||
		    nr == SYS_clone || nr == SYS_clone3 || nr == SYS_rt_sigreturn ||
		    nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill || nr == SYS_reboot ||
		    nr == SYS_execve || nr == SYS_execveat || nr == SYS_munmap ||
		    nr == SYS_arch_prctl || nr == SYS_set_tid_address ||
		    (pass >= 1 && (nr == SYS_brk || nr == SYS_umask || nr == SYS_setsid ||
				   nr == SYS_rt_sigprocmask || nr == SYS_rt_sigaction ||
				   nr == SYS_sigaltstack || nr == SYS_mmap || nr == SYS_mremap ||
				   nr == SYS_mprotect || nr == SYS_personality || nr == SYS_prctl ||
				   nr == SYS_nanosleep || nr == SYS_clock_nanosleep)))
			continue;
		r = pass == 0 ? raw6(nr, junk, junk) : pass == 1 ? raw6(nr, 0, (long)readonly)
		    : raw6(nr, 0, (long)0xffff800000001000ull);
		if (r < 0 && r >= -4095)
			errors++;
		else if (r >= 0)
			successes++;
		else if (odd < 0)
			odd = (int)nr;
	}
	check(odd < 0, "linux/allsys-answers", "syscall %d answered neither a result nor -errno", odd);
	check(errors > 1200, "linux/allsys-errors", "%d errors, %d successes", errors, successes);
	check(readonly[0] == 'r' && readonly[8191] == 0, "linux/allsys-readonly-intact",
	      "a call wrote into read-only memory");
	check(fputs("# allsys: still here\n", stdout) >= 0 && fflush(stdout) == 0,
	      "linux/allsys-goes-on", "stdout is gone");
	bad_pointers();
	return failures != 0;
}
