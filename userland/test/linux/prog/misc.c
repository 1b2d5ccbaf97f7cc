/* Identity, time, randomness, devices and limits, as programs ask for them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long long
ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/*
 * getppid by the raw instruction, as the personality's quick way (entry.asm) answers
 * it: only RAX changes (RCX and R11 as Linux leaves them), the red zone under RSP is
 * untouched, and a number with more bits set than 110 is no getppid but -ENOSYS.
 */
static int
getppid_raw_ok(long *ppid, long *wide)
{
	unsigned long in[6] = { 11, 12, 13, 14, 15, 16 }, zone[2];

	/* Below the compiler's own red zone: this function may keep its locals there. */
	__asm__ volatile("subq $256, %%rsp\n\t"
			 "movq $0x5a5a, -8(%%rsp)\n\t"
			 "movq $0xa5a5, -128(%%rsp)\n\t"
			 "syscall\n\t"
			 "movq -8(%%rsp), %%rcx\n\t"
			 "movq -128(%%rsp), %%r11\n\t"
			 "addq $256, %%rsp\n\t"
			 "movq %%rcx, %[z0]\n\t"
			 "movq %%r11, %[z1]"
			 : "=a"(*ppid), "+D"(in[0]), "+S"(in[1]), "+d"(in[2]), [z0] "=m"(zone[0]),
			   [z1] "=m"(zone[1])
			 : "a"(110L)
			 : "rcx", "r11", "memory");
	{
		register unsigned long r10 __asm__("r10") = in[3];
		register unsigned long r8 __asm__("r8") = in[4];
		register unsigned long r9 __asm__("r9") = in[5];

		__asm__ volatile("syscall" : "=a"(*wide), "+r"(r10), "+r"(r8), "+r"(r9)
				 : "a"(110L | 1L << 32) : "rcx", "r11", "memory");
		in[3] = r10, in[4] = r8, in[5] = r9;
	}
	for (int i = 0; i < 6; i++)
		if (in[i] != 11u + (unsigned)i)
			return 0;
	return zone[0] == 0x5a5a && zone[1] == 0xa5a5;
}

int
main(void)
{
	struct utsname u;
	check(uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0,
	      "linux/misc-uname", "%s %s", u.sysname, u.machine);
	check(getuid() == geteuid() && getgid() == getegid() && getpid() > 0 &&
	      getpgrp() > 0, "linux/misc-ids", "pid %d pgrp %d", getpid(), getpgrp());
	check(sysconf(_SC_NPROCESSORS_ONLN) >= 1 && sched_getcpu() >= 0, "linux/misc-cpus",
	      "%ld", sysconf(_SC_NPROCESSORS_ONLN));

	long long t0 = ns(CLOCK_MONOTONIC);
	struct timespec d = { 0, 2000000 };
	int r = nanosleep(&d, NULL);
	long long t1 = ns(CLOCK_MONOTONIC);
	check(r == 0 && t1 - t0 >= 2000000, "linux/misc-nanosleep-monotonic", "slept %lld ns",
	      t1 - t0);
	check(time(NULL) >= 0 && ns(CLOCK_REALTIME) > 0, "linux/misc-realtime", "errno %d", errno);
	/* Long enough for time:'s timer (the short one above yields). */
	d.tv_nsec = 30000000;
	t0 = ns(CLOCK_MONOTONIC);
	r = nanosleep(&d, NULL);
	t1 = ns(CLOCK_MONOTONIC);
	check(r == 0 && t1 - t0 >= 30000000, "linux/misc-nanosleep-30ms", "slept %lld ns", t1 - t0);
	/* poll with nothing to watch is a sleep (it answered at once before). */
	t0 = ns(CLOCK_MONOTONIC);
	r = poll(NULL, 0, 20);
	t1 = ns(CLOCK_MONOTONIC);
	check(r == 0 && t1 - t0 >= 20000000, "linux/misc-poll-no-fds-sleeps", "poll %d after %lld ns",
	      r, t1 - t0);
	struct pollfd none = { .fd = -1, .events = POLLIN };
	d.tv_nsec = 20000000;
	t0 = ns(CLOCK_MONOTONIC);
	r = ppoll(&none, 1, &d, NULL);
	t1 = ns(CLOCK_MONOTONIC);
	check(r == 0 && none.revents == 0 && t1 - t0 >= 20000000, "linux/misc-ppoll-timeout-sleeps",
	      "ppoll %d after %lld ns", r, t1 - t0);
	errno = 0;
	r = poll((struct pollfd *)0x10, 1, 0);
	int e1 = errno;
	errno = 0;
	/* Raw: musl's ppoll reads the timespec itself (and would fault). */
	int r2 = (int)syscall(SYS_ppoll, &none, 1, 0x10, NULL, 8);
	check(r == -1 && e1 == EFAULT && r2 == -1 && errno == EFAULT, "linux/misc-poll-bad-pointers",
	      "poll %d errno %d, ppoll %d errno %d", r, e1, r2, errno);

	unsigned char rnd[32] = { 0 };
	int nz = 0;
	check(getrandom(rnd, sizeof(rnd), 0) == 32, "linux/misc-getrandom", "errno %d", errno);
	for (unsigned i = 0; i < sizeof(rnd); i++)
		nz += rnd[i] != 0;
	check(nz > 16, "linux/misc-getrandom-bytes", "%d non-zero bytes", nz);

	char z[16];
	int fz = open("/dev/zero", O_RDONLY), fn = open("/dev/null", O_WRONLY);
	memset(z, 1, sizeof(z));
	check(fz >= 0 && read(fz, z, sizeof(z)) == sizeof(z) && z[0] == 0 && z[15] == 0 &&
	      fn >= 0 && write(fn, "gone", 4) == 4 && !isatty(fn), "linux/misc-dev-null-zero",
	      "fz %d fn %d", fz, fn);
	close(fz);
	close(fn);

	struct rlimit rl;
	check(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 3, "linux/misc-rlimit",
	      "errno %d", errno);
	long ppid, wide;
	int regs_ok = getppid_raw_ok(&ppid, &wide);
	check(regs_ok && ppid == getppid() && ppid > 0 && wide == -ENOSYS,
	      "linux/misc-getppid-raw", "registers %d ppid %ld (libc %d) 110|1<<32 -> %ld",
	      regs_ok, ppid, getppid(), wide);
	return failures != 0;
}
