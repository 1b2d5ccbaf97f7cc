/*
 * The personality's start, its table of system calls, and the calls about the
 * process, identity and time.
 *
 * libwrit's _start has set up the runtime (fds from the start info, the allocator) on
 * the program's initial stack, below what init built there; main finds that stack
 * again just before argv, sets the upcall and jumps to the program with the stack as
 * init left it.
 */
#include <writ/cap.h>
#include <writ/fd.h>
#include <writ/proc.h>

#include <errno.h>
#include <sys/syscall.h>

#include "lx.h"

#define AT_ENTRY 9
#define CLONE_VFORK 0x4000
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define TIMER_ABSTIME 1

uint32_t lx_pid;
uint32_t lx_ppid = 1;
static uint64_t fs_base;
static uint32_t umask_bits = 022;
static uint64_t enosys_said[LX_NR_MAX / 64 + 1];

long
lx_enosys(uint64_t nr)
{
	if (nr >= LX_NR_MAX || !(enosys_said[nr / 64] & (1ull << (nr % 64)))) {
		char line[96];
		int n;

		if (nr < LX_NR_MAX)
			enosys_said[nr / 64] |= 1ull << (nr % 64);
		n = writ_snprintf(line, sizeof(line), "writ-linux: pid %u: syscall %lu not served (ENOSYS)\n",
				  lx_pid, nr);
		if (n > 0)
			lx_log(line, (size_t)n);
	}
	return -ENOSYS;
}

/* ---- the process ---- */

static long
lx_exit_group(const uint64_t *a)
{
	lx_vfork_child_exit((int)a[0]);
	writ_exit((int)(a[0] & 0xff));
}

static long lx_getpid(const uint64_t *a) { (void)a; return lx_pid; }
static long lx_getppid(const uint64_t *a) { (void)a; return lx_ppid; }
static long lx_getuid(const uint64_t *a) { (void)a; return 0; }

static long lx_set_robust_list(const uint64_t *a) { return a[1] == 24 ? 0 : -EINVAL; }

static long
lx_arch_prctl(const uint64_t *a)
{
	switch (a[0]) {
	case ARCH_SET_FS:
		if (a[1] >= WRIT_USER_HI)
			return -EPERM;
		if (writ_tcb_set_fs_base(WRIT_PSLOT_TCB, a[1]) != WRIT_OK)
			return -EPERM;
		fs_base = a[1];
		return 0;
	case ARCH_GET_FS:
		if (!lx_writable(a[1], 8))
			return -EFAULT;
		*(uint64_t *)a[1] = fs_base;
		return 0;
	case ARCH_SET_GS:	/* GS is the personality's: its IPC buffer */
		return -EPERM;
	case ARCH_GET_GS:
		if (!lx_writable(a[1], 8))
			return -EFAULT;
		*(uint64_t *)a[1] = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

static long
lx_umask(const uint64_t *a)
{
	uint32_t old = umask_bits;

	umask_bits = (uint32_t)a[0] & 0777;
	return old;
}

/* fork: the FS base and umask go to the child. */
long
lx_main_fork_io(bool send)
{
	long r;

	if ((r = lx_fork_io(&fs_base, sizeof(fs_base), send)) < 0 ||
	    (r = lx_fork_io(&umask_bits, sizeof(umask_bits), send)) < 0)
		return r;
	if (!send && fs_base && writ_tcb_set_fs_base(WRIT_PSLOT_TCB, fs_base) != WRIT_OK)
		return -EPERM;
	return 0;
}


static long
lx_sched_yield(const uint64_t *a)
{
	(void)a;
	writ_yield();
	return 0;
}

static long
lx_prlimit64(const uint64_t *a)
{
	static const uint64_t inf = ~0ull;
	uint64_t cur = inf, max = inf;

	if (a[0] != 0 && a[0] != lx_pid)
		return -ESRCH;
	if (a[1] >= 16)
		return -EINVAL;
	if (a[1] == 3)	/* RLIMIT_STACK */
		cur = max = WRIT_LINUX_STACK_PAGES * 4096ull;
	if (a[1] == 7)	/* RLIMIT_NOFILE */
		cur = max = WRIT_FD_MAX;
	if (a[2] && !lx_readable(a[2], 16))
		return -EFAULT;
	if (a[3]) {
		if (!lx_writable(a[3], 16))
			return -EFAULT;
		((uint64_t *)a[3])[0] = cur;
		((uint64_t *)a[3])[1] = max;
	}
	return 0;
}

static long
lx_getrlimit(const uint64_t *a)
{
	const uint64_t b[4] = { 0, a[0], 0, a[1] };

	return lx_prlimit64(b);
}

static long
lx_uname(const uint64_t *a)
{
	static const char f[6][65] = { "Linux", "writ", "6.1.0-writ", "#1 Writ", "x86_64",
				       "(none)" };

	if (!lx_writable(a[0], sizeof(f)))
		return -EFAULT;
	memcpy((void *)a[0], f, sizeof(f));
	return 0;
}

static long
lx_sysinfo(const uint64_t *a)
{
	uint64_t *s = (uint64_t *)a[0], total, free;
	unsigned procs;

	if (!lx_writable(a[0], 112))
		return -EFAULT;
	lx_proc_sysinfo(&total, &free, &procs);
	memset(s, 0, 112);
	s[0] = (uint64_t)(lx_monotonic_ns() / 1000000000);	/* uptime */
	s[4] = total;					/* totalram */
	s[5] = free;					/* freeram */
	((uint16_t *)s)[80 / 2] = (uint16_t)procs;	/* procs */
	((uint32_t *)s)[104 / 4] = 1;			/* mem_unit */
	return 0;
}

/* ---- time ---- */

static int64_t
clock_ns(uint64_t id, bool *ok)
{
	*ok = true;
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return lx_realtime_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:	/* until the kernel counts a thread's time */
	case CLOCK_THREAD_CPUTIME_ID:
		return lx_monotonic_ns();
	default:
		*ok = false;
		return 0;
	}
}

static long
lx_clock_gettime(const uint64_t *a)
{
	bool ok;
	int64_t ns = clock_ns(a[0], &ok);

	if (!ok)
		return -EINVAL;
	if (!lx_writable(a[1], 16))
		return -EFAULT;
	((int64_t *)a[1])[0] = ns / 1000000000;
	((int64_t *)a[1])[1] = ns % 1000000000;
	return 0;
}

static long
lx_clock_getres(const uint64_t *a)
{
	bool ok;

	clock_ns(a[0], &ok);
	if (!ok)
		return -EINVAL;
	if (a[1]) {
		if (!lx_writable(a[1], 16))
			return -EFAULT;
		((int64_t *)a[1])[0] = 0;
		((int64_t *)a[1])[1] = 1;
	}
	return 0;
}

static long
lx_gettimeofday(const uint64_t *a)
{
	int64_t ns = lx_realtime_ns();

	if (a[0]) {
		if (!lx_writable(a[0], 16))
			return -EFAULT;
		((int64_t *)a[0])[0] = ns / 1000000000;
		((int64_t *)a[0])[1] = ns % 1000000000 / 1000;
	}
	if (a[1]) {
		if (!lx_writable(a[1], 8))
			return -EFAULT;
		((int32_t *)a[1])[0] = 0;
		((int32_t *)a[1])[1] = 0;
	}
	return 0;
}

static long
lx_time(const uint64_t *a)
{
	int64_t s = lx_realtime_ns() / 1000000000;

	if (a[0]) {
		if (!lx_writable(a[0], 8))
			return -EFAULT;
		*(int64_t *)a[0] = s;
	}
	return s;
}

/* Sleep until the clock reads `until`: in a Wait that time:'s timer ends, or yielding
 * when there is no timer or the time left is short; a caught signal ends it early
 * (-EINTR). */
long
lx_sleep_until(uint64_t id, int64_t until)
{
	bool ok;
	int64_t now;

	while ((now = clock_ns(id, &ok)) < until) {
		if (lx_sig_wanted())
			return -EINTR;
		if (!lx_timer_sleep(until - now))
			writ_yield();
	}
	return 0;
}

static long
timespec_ns(uint64_t ts, int64_t *ns)
{
	const int64_t *t = (const int64_t *)ts;

	if (!lx_readable(ts, 16))
		return -EFAULT;
	if (t[0] < 0 || t[1] < 0 || t[1] >= 1000000000)
		return -EINVAL;
	*ns = t[0] * 1000000000 + t[1];
	return 0;
}

static long
lx_nanosleep(const uint64_t *a)
{
	int64_t ns;
	long r = timespec_ns(a[0], &ns);

	if (r < 0)
		return r;
	if (a[1] && !lx_writable(a[1], 16))
		return -EFAULT;
	int64_t until = lx_monotonic_ns() + ns;

	if ((r = lx_sleep_until(CLOCK_MONOTONIC, until)) < 0 && a[1]) {
		int64_t left = until - lx_monotonic_ns();

		left = left < 0 ? 0 : left;
		((int64_t *)a[1])[0] = left / 1000000000;
		((int64_t *)a[1])[1] = left % 1000000000;
		return r;
	}
	if (a[1])
		memset((void *)a[1], 0, 16);
	return r;
}

static long
lx_clock_nanosleep(const uint64_t *a)
{
	int64_t ns;
	bool ok;
	long r;

	clock_ns(a[0], &ok);
	if (!ok || a[0] == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((r = timespec_ns(a[2], &ns)) < 0)
		return r;
	return lx_sleep_until(a[0], (a[1] & TIMER_ABSTIME) ? ns : clock_ns(a[0], &ok) + ns);
}

/* rand: opened for each call: an fd kept open would be one of the program's numbers,
 * which it may close, reuse or hand to a child. */
static long
lx_getrandom(const uint64_t *a)
{
	size_t n = a[1];
	long fd, r;

	if (a[2] & ~7ull)
		return -EINVAL;
	if (!lx_writable(a[0], n))
		return -EFAULT;
	lx_lock();
	fd = writ_open("rand:", 0, 0);
	lx_unlock();
	if (fd < 0)
		return fd == -ENOENT ? -ENOSYS : fd;
	r = writ_read((int)fd, (void *)a[0], n);
	lx_lock();
	writ_close((int)fd);
	lx_unlock();
	return r;
}

static long lx_madvise(const uint64_t *a) { (void)a; return 0; }

/* One CPU: the affinity mask is bit 0, and no other is accepted. */
static long
lx_sched_getaffinity(const uint64_t *a)
{
	if (a[0] != 0 && a[0] != lx_pid)
		return -ESRCH;
	if (a[1] < 8 || (a[1] & 7))
		return -EINVAL;
	if (!lx_writable(a[2], 8))
		return -EFAULT;
	*(uint64_t *)a[2] = 1;
	return 8;
}

static long
lx_sched_setaffinity(const uint64_t *a)
{
	if (a[0] != 0 && a[0] != lx_pid)
		return -ESRCH;
	if (a[1] < 1 || !lx_readable(a[2], 1))
		return a[1] < 1 ? -EINVAL : -EFAULT;
	return (*(const uint8_t *)a[2] & 1) ? 0 : -EINVAL;
}

/* Zeroed usage figures: the kernel does not count a thread's time yet. */
static long
lx_getrusage(const uint64_t *a)
{
	if ((int64_t)a[0] < -1 || (int64_t)a[0] > 1)
		return -EINVAL;
	if (!lx_writable(a[1], 144))
		return -EFAULT;
	memset((void *)a[1], 0, 144);
	return 0;
}

static long
lx_times(const uint64_t *a)
{
	if (a[0]) {
		if (!lx_writable(a[0], 32))
			return -EFAULT;
		memset((void *)a[0], 0, 32);
	}
	return (long)(lx_monotonic_ns() / 10000000);	/* clock ticks of 100 Hz */
}

static long lx_zero(const uint64_t *a) { (void)a; return 0; }

static long
lx_getcpu(const uint64_t *a)
{
	for (unsigned i = 0; i < 2; i++)
		if (a[i]) {
			if (!lx_writable(a[i], 4))
				return -EFAULT;
			*(uint32_t *)a[i] = 0;
		}
	return 0;
}

/* ---- the table ---- */

static const lx_fn table[LX_NR_MAX] = {
	[SYS_read] = lx_read, [SYS_write] = lx_write, [SYS_open] = lx_open,
	[SYS_close] = lx_close, [SYS_stat] = lx_stat, [SYS_fstat] = lx_fstat,
	[SYS_lstat] = lx_lstat, [SYS_lseek] = lx_lseek, [SYS_mmap] = lx_mmap,
	[SYS_mprotect] = lx_mprotect, [SYS_munmap] = lx_munmap, [SYS_brk] = lx_brk,
	[SYS_rt_sigaction] = lx_rt_sigaction, [SYS_rt_sigprocmask] = lx_rt_sigprocmask,
	[SYS_ioctl] = lx_ioctl, [SYS_pread64] = lx_pread64, [SYS_pwrite64] = lx_pwrite64,
	[SYS_readv] = lx_readv, [SYS_writev] = lx_writev, [SYS_access] = lx_access,
	[SYS_pipe] = lx_pipe, [SYS_sched_yield] = lx_sched_yield, [SYS_mremap] = lx_mremap,
	[SYS_madvise] = lx_madvise, [SYS_dup] = lx_dup, [SYS_dup2] = lx_dup2,
	[SYS_nanosleep] = lx_nanosleep, [SYS_getpid] = lx_getpid, [SYS_exit] = lx_exit_thread,
	[SYS_uname] = lx_uname, [SYS_fcntl] = lx_fcntl, [SYS_fsync] = lx_fsync,
	[SYS_fdatasync] = lx_fsync, [SYS_truncate] = lx_truncate,
	[SYS_ftruncate] = lx_ftruncate, [SYS_getcwd] = lx_getcwd, [SYS_chdir] = lx_chdir,
	[SYS_fchdir] = lx_fchdir, [SYS_rename] = lx_rename, [SYS_mkdir] = lx_mkdir,
	[SYS_rmdir] = lx_rmdir, [SYS_creat] = lx_creat, [SYS_link] = lx_link,
	[SYS_unlink] = lx_unlink, [SYS_symlink] = lx_symlink, [SYS_readlink] = lx_readlink,
	[SYS_chmod] = lx_attr_path, [SYS_fchmod] = lx_attr_fd, [SYS_chown] = lx_attr_path,
	[SYS_fchown] = lx_attr_fd, [SYS_lchown] = lx_attr_lpath, [SYS_umask] = lx_umask,
	[SYS_gettimeofday] = lx_gettimeofday, [SYS_getrlimit] = lx_getrlimit,
	[SYS_sysinfo] = lx_sysinfo, [SYS_getuid] = lx_getuid, [SYS_getgid] = lx_getuid,
	[SYS_geteuid] = lx_getuid, [SYS_getegid] = lx_getuid, [SYS_getppid] = lx_getppid,
	[SYS_arch_prctl] = lx_arch_prctl, [SYS_gettid] = lx_gettid, [SYS_futex] = lx_futex, [SYS_time] = lx_time,
	[SYS_getdents64] = lx_getdents64, [SYS_set_tid_address] = lx_set_tid_address,
	[SYS_clock_gettime] = lx_clock_gettime, [SYS_clock_getres] = lx_clock_getres,
	[SYS_clock_nanosleep] = lx_clock_nanosleep, [SYS_exit_group] = lx_exit_group,
	[SYS_openat] = lx_openat, [SYS_mkdirat] = lx_mkdirat, [SYS_fchownat] = lx_fchownat,
	[SYS_newfstatat] = lx_newfstatat, [SYS_unlinkat] = lx_unlinkat,
	[SYS_renameat] = lx_renameat, [SYS_readlinkat] = lx_readlinkat,
	[SYS_fchmodat] = lx_fchmodat, [SYS_faccessat] = lx_faccessat,
	[SYS_set_robust_list] = lx_set_robust_list, [SYS_dup3] = lx_dup3,
	[SYS_pipe2] = lx_pipe2, [SYS_prlimit64] = lx_prlimit64, [SYS_getrandom] = lx_getrandom,
	[SYS_renameat2] = lx_renameat2,
	[SYS_sched_getaffinity] = lx_sched_getaffinity,
	[SYS_sched_setaffinity] = lx_sched_setaffinity, [SYS_getpgid] = lx_getpgid,
	[SYS_getpgrp] = lx_getpgrp, [SYS_setpgid] = lx_setpgid, [SYS_setsid] = lx_setsid,
	[SYS_getsid] = lx_getsid, [SYS_pause] = lx_pause,
	[SYS_rt_sigsuspend] = lx_rt_sigsuspend, [SYS_kill] = lx_kill, [SYS_syslog] = lx_syslog, [SYS_sigaltstack] = lx_sigaltstack,
	[SYS_getrusage] = lx_getrusage, [SYS_times] = lx_times, [SYS_fadvise64] = lx_zero,
	[SYS_sync] = lx_zero, [SYS_syncfs] = lx_fsync, [SYS_getpriority] = lx_zero,
	[SYS_setpriority] = lx_zero, [SYS_getcpu] = lx_getcpu, [SYS_getgroups] = lx_zero, [SYS_tkill] = lx_tkill, [SYS_tgkill] = lx_tgkill,
	[SYS_rt_sigpending] = lx_rt_sigpending, [SYS_execve] = lx_execve, [SYS_wait4] = lx_wait4, [SYS_statx] = lx_statx, [SYS_faccessat2] = lx_faccessat,
	[SYS_rseq] = lx_rseq, [SYS_prctl] = lx_prctl, [SYS_sendfile] = lx_sendfile,
	[SYS_utimensat] = lx_utimensat, [SYS_utimes] = lx_attr_path, [SYS_utime] = lx_attr_path,
	[SYS_socketpair] = lx_socketpair, [SYS_sendmsg] = lx_sendmsg,
	[SYS_recvmsg] = lx_recvmsg, [SYS_sendto] = lx_sendto, [SYS_recvfrom] = lx_recvfrom,
	[SYS_poll] = lx_poll, [SYS_ppoll] = lx_ppoll,
};

/* Calls that change what threads share and never wait: one at a time. */
#define L(nr) (1ull << ((nr) % 64))
static const uint64_t locked[LX_NR_MAX / 64] = {
	[0] = L(SYS_open) | L(SYS_close) | L(SYS_mmap) | L(SYS_mprotect) | L(SYS_munmap) |
	      L(SYS_brk) | L(SYS_rt_sigaction) | L(SYS_rt_sigprocmask) | L(SYS_pipe) |
	      L(SYS_mremap) | L(SYS_dup) | L(SYS_dup2),
	[1] = L(SYS_fcntl) | L(SYS_chdir) | L(SYS_fchdir) | L(SYS_creat) | L(SYS_umask),
	[4] = L(SYS_openat) | L(SYS_dup3) | L(SYS_pipe2),
};
#undef L

static long
serve_call(struct lx_call *c)
{
	long r;

	if (c->nr >= LX_NR_MAX || !table[c->nr]) {
		if (c->nr == SYS_clone && (c->a[0] & CLONE_VFORK))
			return lx_vfork(c, c->a[1] != 0);
		if (c->nr == SYS_clone)
			return lx_clone(c);
		if (c->nr == SYS_vfork)
			return lx_vfork(c, false);
		if (c->nr == SYS_rt_sigreturn)
			return lx_rt_sigreturn(c);
		if (c->nr - WCAP_SYS_BASE <= WCAP_SYS_LAST - WCAP_SYS_BASE)
			return lx_cap_call(c);
		return lx_enosys(c->nr);
	}
	if (!(locked[c->nr / 64] & (1ull << (c->nr % 64)))) {
		r = table[c->nr](c->a);
	} else {
		lx_lock();
		r = table[c->nr](c->a);
		lx_unlock();
	}
	/* A write to a pipe nobody reads: SIGPIPE too, as on Linux. */
	if (r == -EPIPE && (c->nr == SYS_write || c->nr == SYS_writev || c->nr == SYS_pwrite64))
		lx_sig_raise(LX_SIGPIPE, 0, (int)lx_pid);
	return r;
}

/* One call of the program's. The main thread says it is in one (sig.c: the signal
 * thread then never suspends it, which would cancel an IPC the call waits in). */
long
lx_dispatch(struct lx_call *c)
{
	bool main_thread = lx_is_main();
	uint64_t nr = c->nr;
	long r;

	if (main_thread)
		lx_main_in_call = 1;
	r = serve_call(c);
	if (main_thread) {
		if (r == -EINTR)
			lx_sig_eintr(nr);
		lx_main_in_call = 0;
	}
	return r;
}

/* libwrit's start calls this with the program's own arguments, on its stack. */
int
main(int argc, char **argv, char **envp)
{
	uint64_t *sp = (uint64_t *)argv - 1, *auxv, entry = 0;

	for (auxv = (uint64_t *)envp; *auxv; auxv++)
		;
	auxv++;
	for (uint64_t *p = auxv; p[0]; p += 2)
		if (p[0] == AT_ENTRY)
			entry = p[1];
	if (!entry) {
		writ_printf("writ-linux: started without a program (no AT_ENTRY)\n");
		return 127;
	}
	lx_pid = writ_startinfo() ? writ_startinfo()->pid : 1;
	if (writ_startinfo() && writ_startinfo()->ppid)
		lx_ppid = writ_startinfo()->ppid;
	if (argc > 0)
		lx_set_comm(argv[0]);
	lx_mem_init(auxv, (uint64_t)sp);
	lx_fs_init();
	lx_proc_init(argv);
	if (writ_tcb_set_upcall(WRIT_PSLOT_TCB, (writ_word_t)lx_upcall) != WRIT_OK) {
		writ_printf("writ-linux: cannot set the syscall upcall\n");
		return 127;
	}
	lx_sig_init();
	/* A fork's child: the parent's state replaces the program's start (fork.c), still
	 * "in a call" while it takes it over IPC; the signal thread above is its own. */
	uint64_t free_top;

	if (lx_fork_is_child(envp, &free_top))
		lx_fork_child(free_top);
	lx_main_in_call = 0;
	lx_enter(entry, (uint64_t)sp);
}
