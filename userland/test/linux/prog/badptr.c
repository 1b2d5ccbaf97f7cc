/* Bad pointers and lengths, one argument at a time, to every system call number: the
 * others are 0 (fd 0, null:, is ours to lose), the one is an unmapped low address, a
 * kernel address, the last bytes below the end of user memory, or our read-only page
 * with a length of a terabyte after it. Each call answers a result or -errno, nothing
 * writes into the read-only page, and the program goes on to open and read a file.
 * Skipped: the calls allsys skips (they end the process, wait for ever or change its
 * memory and signals by design). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static long
raw6(long nr, const long *a)
{
	long r;
	register long r10 __asm__("r10") = a[3], r8 __asm__("r8") = a[4], r9 __asm__("r9") = a[5];

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]),
			 "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return r;
}

static const char readonly[8192] = "read-only";

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
	};

	for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i] == nr)
			return 1;
	return 0;
}

int
main(void)
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
				r = raw6(nr, a);
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
	return failures != 0;
}
