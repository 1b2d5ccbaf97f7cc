/* Every syscall number 0..511 with junk arguments: each answers (an error, mostly),
 * nothing crashes, and the program goes on. Skipped: the calls that end the process
 * or wait for ever by design. */
#include <errno.h>
#include <sys/syscall.h>

#include "check.h"

static long
raw6(long nr, long a)
{
	long r;
	register long r10 __asm__("r10") = a, r8 __asm__("r8") = a, r9 __asm__("r9") = a;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(a), "d"(a), "r"(r10),
			 "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return r;
}

int
main(void)
{
	const long junk = 0x4141414141414141l;
	int errors = 0, successes = 0, odd = -1;

	for (long nr = 0; nr < 512; nr++) {
		long r;

		if (nr == SYS_exit || nr == SYS_exit_group || nr == SYS_pause ||
		    nr == SYS_rt_sigsuspend || nr == SYS_vfork || nr == SYS_fork ||
		    nr == SYS_clone || nr == SYS_clone3 || nr == SYS_rt_sigreturn ||
		    nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill || nr == SYS_reboot ||
		    nr == SYS_execve || nr == SYS_execveat || nr == SYS_munmap ||
		    nr == SYS_arch_prctl || nr == SYS_set_tid_address)
			continue;
		r = raw6(nr, junk);
		if (r < 0 && r >= -4095)
			errors++;
		else if (r >= 0)
			successes++;
		else if (odd < 0)
			odd = (int)nr;
	}
	check(odd < 0, "linux/allsys-answers", "syscall %d answered neither a result nor -errno", odd);
	check(errors > 400, "linux/allsys-errors", "%d errors, %d successes", errors, successes);
	check(fputs("# allsys: still here\n", stdout) >= 0 && fflush(stdout) == 0,
	      "linux/allsys-goes-on", "stdout is gone");
	return failures != 0;
}
