/*
 * fork, and clone without CLONE_VM (glibc's fork): a new process that is a copy of the
 * caller.
 *
 * The personality holds no capabilities to the frames init mapped (the image, the
 * stack), and a Writ process cannot build another's address space, so the child is
 * made the way execve makes one: init spawns the same program again (its start-info
 * name: the archive path or "scheme:path" it was spawned from) with this process's
 * policies and quota size. That child's personality sees the marker in its
 * environment (FORK_ENV) and, instead of starting the program, takes over the
 * parent's state from two transfer fds handed over at spawn:
 *
 *  - a cable (child fd FORK_CABLE): every fd of the parent, as dups (the cable moves
 *    what it carries), with their numbers; the child puts each at its number. Dups
 *    reference the same open-file record at the server, so offsets are shared, as
 *    Linux's fork shares them.
 *  - a pipe (child fd FORK_PIPE): the registers and FXSAVE image, then each part's
 *    state (fs.c: working directory, fd flags; sig.c: dispositions, mask, alternate
 *    stack; mem.c: brk, mmap's holes and pages; main.c: FS base, umask), then the
 *    program's writable memory: the image's writable segments, the used part of the
 *    stack, and every page brk and mmap gave, in that order.
 *
 * The copy is eager: every byte of the program's writable memory crosses the pipe
 * (copy-on-write needs frames shared between the two processes, which nobody here
 * holds). The child then loads the registers with RAX 0 and goes on after the call.
 */
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>

#include <errno.h>

#include "lx.h"

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define SYS_CLONE 56
#define FORK_ENV "WRIT_LX_FORK=1"
#define FORK_PIPE (WRIT_FD_MAX - 1)
#define FORK_CABLE (WRIT_FD_MAX - 2)
#define FORK_MAGIC 0x6b726f467872774cull       /* "LwrxForK" */
#define FORK_QUOTA_BITS 24
#define CHILD_STACK (64 * 1024)         /* the child personality's own, while it copies */

/* The program's registers at the call, as lx_fork_resume loads them. */
struct lx_fork_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp, rip, rflags;
};

_Static_assert(sizeof(struct lx_fork_regs) == 18 * 8, "entry.asm's lx_fork_resume reads these offsets");

struct fork_hdr {
	uint64_t magic;
	struct lx_fork_regs regs;
	uint64_t ctid;                  /* CLONE_CHILD_SETTID's address, or 0 */
	uint8_t fx[512] __attribute__((aligned(16)));
};

__attribute__((noreturn)) void lx_fork_resume(const struct lx_fork_regs *r, const void *fx);
__attribute__((noreturn)) void lx_on_stack(void (*fn)(void *), void *arg, uint64_t top);

static struct fork_hdr hdr;

/* ---- moving bytes ---- */

long
lx_fork_io(int fd, void *buf, size_t n, bool send)
{
	uint8_t *p = buf;

	while (n) {
		long r = send ? writ_write(fd, p, n) : writ_read(fd, p, n);

		if (r <= 0)
			return r < 0 ? r : -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- the parent ---- */

/* The program this process runs, as init can spawn it again. */
static const char *
exe_path(char *buf, size_t n)
{
	const struct writ_startinfo *si = writ_startinfo();
	long r;

	if (si && si->name[0] && strnlen(si->name, sizeof(si->name)) < sizeof(si->name) - 1)
		return si->name;
	memcpy(buf, "file:", 5);
	r = lx_proc_readlink("/proc/self/exe", buf + 5, n - 6);
	if (r <= 0)
		return NULL;
	buf[5 + r] = 0;
	return buf;
}

/* Every fd but the transfer ones, as dups over the cable, three a message; the last
 * message has key 1. */
static long
send_fds(int cable, int skip1, int skip2)
{
	int fds[3], nums[3];
	unsigned n = 0;
	long r = 0;

	for (int fd = 0; fd < FORK_CABLE && r >= 0; fd++) {
		int d;

		if (fd == skip1 || fd == skip2 || !writ_fd_cap(fd))
			continue;
		if ((d = writ_dup(fd)) < 0)
			continue;	/* no room for a dup: the child goes without it */
		fds[n] = d;
		nums[n++] = fd;
		if (n == 3) {
			r = writ_cable_send(cable, 0, nums, sizeof(nums), fds, 3);
			n = 0;
		}
	}
	if (r >= 0)
		r = writ_cable_send(cable, 1, nums, n * sizeof(int), fds, n);
	return r < 0 ? r : 0;
}

static long
send_state(int pipe, uint64_t sp)
{
	long r;

	if ((r = lx_fork_io(pipe, &hdr, sizeof(hdr), true)) < 0 ||
	    (r = lx_fs_fork_io(pipe, true)) < 0 || (r = lx_sig_fork_io(pipe, true)) < 0 ||
	    (r = lx_main_fork_io(pipe, true)) < 0 || (r = lx_mem_fork_io(pipe, true, sp)) < 0)
		return r;
	return 0;
}

/* The child, started from our program again, with our policies and the transfer fds;
 * -> its pid (*cap to wait for it), or -errno. */
static long
spawn_child(int pipe_rd, int cable_rd, writ_cptr_t *cap)
{
	static struct writ_spawn_opts o;
	static const char *envp[] = { FORK_ENV, NULL };
	char buf[1024];
	const char *path = exe_path(buf, sizeof(buf));
	const char *argv[] = { path, NULL };

	if (!path)
		return -ENOEXEC;
	o = (struct writ_spawn_opts){ .quota_bits = FORK_QUOTA_BITS, .envp = envp };
	writ_spawn_opts_inherit(&o);
	if (o.ncaps > 14)
		o.ncaps = 14;	/* room for the two transfer fds */
	writ_spawn_opts_fd(&o, pipe_rd, FORK_PIPE);
	writ_spawn_opts_fd(&o, cable_rd, FORK_CABLE);
	return writ_spawn(path, argv, &o, cap);
}

static long
fork_parent(struct lx_call *c, const uint64_t *cs, uint64_t flags)
{
	int p[2], k[2];
	writ_cptr_t cap;
	long pid, r;

	hdr.magic = FORK_MAGIC;
	hdr.regs = (struct lx_fork_regs){
		.rax = 0, .rbx = cs[1], .rcx = c->rcx, .rdx = c->a[2], .rsi = c->a[1],
		.rdi = c->a[0], .rbp = cs[0], .r8 = c->a[4], .r9 = c->a[5], .r10 = c->a[3],
		.r11 = c->r11, .r12 = cs[2], .r13 = cs[3], .r14 = cs[4], .r15 = cs[5],
		.rsp = c->rsp, .rip = c->rcx, .rflags = c->r11 };
	hdr.ctid = 0;
	if (c->nr == SYS_CLONE) {
		if (c->a[1])
			hdr.regs.rsp = c->a[1];
		if (flags & CLONE_CHILD_SETTID)
			hdr.ctid = c->a[3];
		if ((flags & CLONE_SETTLS) && c->a[4] >= WRIT_USER_HI)
			return -EINVAL;
	}
	memcpy(hdr.fx, (const uint8_t *)c + sizeof(*c), sizeof(hdr.fx));
	if (writ_pipe(p) < 0)
		return -EAGAIN;
	if (writ_cable_pair(k) < 0) {
		writ_close(p[0]);
		writ_close(p[1]);
		return -EAGAIN;
	}
	pid = spawn_child(p[0], k[1], &cap);
	writ_close(p[0]);
	writ_close(k[1]);
	if (pid < 0) {
		writ_close(p[1]);
		writ_close(k[0]);
		return pid == -ENOMEM ? -ENOMEM : -EAGAIN;
	}
	r = send_fds(k[0], p[1], k[0]);
	if (r >= 0)
		r = send_state(p[1], c->rsp);
	writ_close(k[0]);
	writ_close(p[1]);
	if (r < 0 || lx_child_add((uint32_t)pid, cap) < 0) {
		writ_proc_kill(cap);
		writ_proc_wait(cap);
		return -EAGAIN;
	}
	if (c->nr == SYS_CLONE && (flags & CLONE_PARENT_SETTID) && lx_writable(c->a[2], 4))
		*(uint32_t *)c->a[2] = (uint32_t)pid;
	return pid;
}

/* lx_upcall's way for clone and fork (entry.asm): cs = the program's RBP RBX R12-R15. */
long
lx_fork(struct lx_call *c, const uint64_t *cs)
{
	uint64_t flags = c->a[0];

	if (c->nr == SYS_CLONE && (flags & (CLONE_VM | CLONE_VFORK)))
		return lx_dispatch(c);
	if (c->nr == SYS_CLONE && (flags & 0xff) && (flags & 0xff) != 17)
		return -EINVAL;	/* an exit signal other than SIGCHLD: not served */
	return fork_parent(c, cs, flags);
}

/* ---- the child ---- */

bool
lx_fork_is_child(char **envp)
{
	for (; envp && *envp; envp++)
		if (strcmp(*envp, FORK_ENV) == 0)
			return true;
	return false;
}

static void
fail(const char *why)
{
	char line[96];
	int n = writ_snprintf(line, sizeof(line), "writ-linux: pid %u: fork child: %s\n", lx_pid, why);

	if (n > 0)
		lx_log(line, (size_t)n);
	writ_exit(127);
}

static void
recv_fds(void)
{
	for (;;) {
		int nums[3], got[3];
		unsigned n = 3;
		uint64_t key;
		long len = writ_cable_recv(FORK_CABLE, &key, nums, sizeof(nums), got, &n);

		if (len < 0)
			fail("the parent's fds did not come");
		for (unsigned i = 0; i < n && i * sizeof(int) < (size_t)len; i++) {
			if (nums[i] >= 0 && nums[i] < FORK_CABLE && nums[i] != got[i]) {
				writ_dup2(got[i], nums[i]);
				writ_close(got[i]);
			}
		}
		if (key == 1)
			return;
	}
}

static void
child_main(void *arg)
{
	(void)arg;
	recv_fds();
	writ_close(FORK_CABLE);
	if (lx_fork_io(FORK_PIPE, &hdr, sizeof(hdr), false) < 0 || hdr.magic != FORK_MAGIC)
		fail("no registers");
	if (lx_fs_fork_io(FORK_PIPE, false) < 0 || lx_sig_fork_io(FORK_PIPE, false) < 0 ||
	    lx_main_fork_io(FORK_PIPE, false) < 0 || lx_mem_fork_io(FORK_PIPE, false, 0) < 0)
		fail("the parent's state did not come");
	writ_close(FORK_PIPE);
	if (hdr.ctid && lx_writable(hdr.ctid, 4))
		*(uint32_t *)hdr.ctid = lx_pid;
	lx_fork_resume(&hdr.regs, hdr.fx);
}

/* Take the parent's state and go on as it would after its fork, RAX 0. */
void
lx_fork_child(void)
{
	uint8_t *stack = malloc(CHILD_STACK);

	if (!stack)
		fail("no memory for a stack");
	/* Off the program's stack, which is about to become the parent's copy. */
	lx_on_stack(child_main, NULL, (uint64_t)stack + CHILD_STACK);
}
