/*
 * New processes: vfork and clone(CLONE_VM | CLONE_VFORK) (what musl's posix_spawn
 * makes), execve and wait4.
 *
 * vfork. The child shares the parent's memory and the parent waits until the child
 * calls execve or exits, so the child runs on the parent's own thread: lx_vfork saves
 * the personality's place (lx_run_child, a setjmp) and jumps to the child's context;
 * the child's execve (or exit) jumps back there (lx_back_to_parent), and the parent's
 * vfork returns the new pid as from any call. What Linux gives the child of its own
 * is kept aside and put back: its fd table (a parent's fd below SHADOWED is copied
 * to SHADOW and up, where the program has none, when the child first closes or
 * replaces it, and restored when the parent goes on; most children change none
 * before execve, and a copy and its restore cost four kernel calls and two server
 * calls an fd) and the working directory. A child
 * without a stack of its own (vfork()) gets a copy of the top of the parent's, because
 * the personality's frames sit right below the parent's stack pointer.
 *
 * execve spawns the program (its file read with this process's own capabilities)
 * with this process's policies and its fds without close-on-exec. From a vfork child
 * that is the child. From anywhere else init builds the program in this process's
 * place (WRIT_SPAWN_EXEC): it takes our pid, parent, group and session, and this
 * process ends without a trace, its memory back to init, as on Linux.
 *
 * fork (a copy of the address space): fork.c.
 */
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/thread.h>

#include <errno.h>

#include "lx.h"

#define SHADOW 192              /* the parent's fds wait at SHADOW + fd while a vfork child runs */
#define SHADOWED 64             /* fds below this are kept aside */
#define CHILDREN 64
#define MAX_ARGS 64
#define STRINGS 8192
#define WNOHANG 1
#define STACK_COPY 4096         /* bytes of the parent's stack a vfork() child gets... */
#define CHILD_STACK (32 * 1024) /* ...at the top of a stack of this size */
/* An exec'd program's quota: 8 MiB. Its text is init's shared copy; what it pays for
 * is its data, heap, stacks and the personality, a few MiB for busybox's applets, and a
 * shell session at 256 MiB runs a dozen of them at once. */
#define EXEC_QUOTA_BITS 23

struct child {
	uint32_t pid;           /* 0: free */
	writ_cptr_t cap;        /* to wait for it; 0 for a vfork child that never exec'd */
	int status;             /* that one's wait status */
	int killed_by;          /* the signal lx_kill_child ended it with, or 0 */
};

struct jmp {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

long lx_run_child(struct jmp *back, const struct lx_call *child, uint64_t rsp);
__attribute__((noreturn)) void lx_back_to_parent(struct jmp *back, long pid);

#define CALL_STACK (64 * 1024) /* the vfork child's calls run on this (entry.asm) */

/* While a vfork child runs: the top of the stack its calls run on, and its thread. */
uint64_t lx_vfork_stack;
uint64_t lx_vfork_thread;
_Static_assert(__builtin_offsetof(struct writ_ipc_buffer, user_data) == 968,
	       "entry.asm's IPC_USER_DATA");

static struct child children[CHILDREN];
static struct jmp vfork_back;
static bool in_vfork_child;
static uint32_t next_fake_pid = 0x20000000;
static uint8_t shadowed[SHADOWED];

static struct child *
child_new(void)
{
	for (unsigned i = 0; i < CHILDREN; i++)
		if (!children[i].pid)
			return &children[i];
	return NULL;
}

long
lx_child_add(uint32_t pid, writ_cptr_t cap)
{
	struct child *c = child_new();

	if (!c)
		return -EAGAIN;
	*c = (struct child){ .pid = pid, .cap = cap };
	return 0;
}

/* ---- execve ---- */

/* The program's NULL-terminated string array at uarr into out[max] (strings in *buf). */
static long
strings_in(uint64_t uarr, const char **out, unsigned max, char **buf, size_t *left)
{
	unsigned n = 0;

	for (; uarr; uarr += 8, n++) {
		uint64_t p;
		long len;

		if (!lx_readable(uarr, 8))
			return -EFAULT;
		if (!(p = *(const uint64_t *)uarr))
			break;
		if (n + 1 >= max)
			return -E2BIG;
		if ((len = lx_string_in(p, *buf, *left)) < 0)
			return len == -ENAMETOOLONG ? -E2BIG : len;
		out[n] = *buf;
		*buf += len + 1;
		*left -= (size_t)len + 1;
	}
	out[n] = NULL;
	return n;
}

/* Spawn the program at a[0] with argv a[1], envp a[2], our policies and our fds that
 * are not close-on-exec: -> its pid (*cap to wait for it), or -errno. */
static long
spawn_program(const uint64_t *a, writ_cptr_t *cap, unsigned flags)
{
	/* Made at the first execve, not in the bss that every process pays for at spawn. */
	static struct {
		char strings[STRINGS], path[1024];
		const char *argv[MAX_ARGS], *envp[MAX_ARGS];
	} *x;
	static struct writ_spawn_opts o;
	char *buf, *path;
	const char **argv, **envp;
	size_t left = STRINGS;
	long r;

	if (!x && !(x = malloc(sizeof(*x))))
		return -ENOMEM;
	buf = x->strings, path = x->path, argv = x->argv, envp = x->envp;
	if ((r = lx_path_of(a[0], path)) < 0 ||
	    (r = strings_in(a[1], argv, MAX_ARGS, &buf, &left)) < 0 ||
	    (r = strings_in(a[2], envp, MAX_ARGS, &buf, &left)) < 0)
		return r;
	o = (struct writ_spawn_opts){ .quota_bits = EXEC_QUOTA_BITS, .envp = envp, .flags = flags };
	writ_spawn_opts_inherit(&o);
	for (int fd = 0; fd < WRIT_FD_MAX && fd < SHADOW; fd++)
		if (writ_fd_cap(fd) && !lx_fd_cloexec(fd) && writ_spawn_opts_fd(&o, fd, fd) < 0)
			break;	/* no room for more: the first ones are the ones programs use */
	if (!argv[0])
		argv[0] = path;
	if (!(flags & WRIT_SPAWN_EXEC))
		return writ_spawn(path, argv, &o, cap);
	o.signals = lx_sig_exec_begin();
	r = writ_spawn(path, argv, &o, cap);	/* returns only if the execve failed */
	lx_sig_exec_end();
	return r;
}

long
lx_execve(const uint64_t *a)
{
	writ_cptr_t cap;
	long pid = spawn_program(a, &cap, in_vfork_child ? 0 : WRIT_SPAWN_EXEC);
	struct child *c;

	if (pid < 0)
		return pid;
	if (in_vfork_child) {
		if (!(c = child_new())) {
			writ_proc_kill(cap);
			return -EAGAIN;
		}
		*c = (struct child){ .pid = (uint32_t)pid, .cap = cap };
		lx_sig_vfork_spawned(pid);
		lx_back_to_parent(&vfork_back, pid);
	}
	/* An execve that took place never returns (WRIT_SPAWN_EXEC). */
	writ_exit(127);
}

/* A signal to our child by its capability (sig.c asks init first, which runs its
 * handlers; this is left for a vfork child that exited without exec, which init never
 * knew: 0 for it). A signal whose default is to be ignored does nothing; any other ends
 * the child, and wait4 says that signal killed it. */
long
lx_kill_child(int32_t pid, int sig)
{
	struct child *c = NULL;

	for (unsigned i = 0; i < CHILDREN && !c; i++)
		if (children[i].pid && children[i].pid == (uint32_t)pid)
			c = &children[i];
	if (!c)
		return -ESRCH;
	if (!sig || !c->cap || c->killed_by || sig == 17 || sig == 18 || sig == 23 || sig == 28 ||
	    (sig >= 19 && sig <= 22))
		return 0;
	if (writ_proc_kill(c->cap) < 0)
		return -ESRCH;
	c->killed_by = sig;
	return 0;
}

bool lx_vfork_active(void) { return in_vfork_child; }

/* exit in a vfork child: the parent goes on, and finds this status with wait4. */
bool
lx_vfork_child_exit(int status)
{
	struct child *c;

	if (!in_vfork_child)
		return false;
	if ((c = child_new()))
		*c = (struct child){ .pid = next_fake_pid, .status = (status & 0xff) << 8 };
	lx_back_to_parent(&vfork_back, next_fake_pid++);
}

/* ---- vfork ---- */

/* What became of each fd below SHADOWED while a vfork child runs. */
enum { FD_WAS_CLOSED, FD_KEPT, FD_UNTRACKED, FD_UNTOUCHED };

static void
fds_keep(void)
{
	for (int fd = 0; fd < SHADOWED; fd++) {
		if (writ_fd_cap(SHADOW + fd)) {
			shadowed[fd] = FD_UNTRACKED;	/* the program's own high fd: not ours */
			continue;
		}
		shadowed[fd] = writ_fd_cap(fd) ? FD_UNTOUCHED : FD_WAS_CLOSED;
		lx_fd_flags_save(fd, SHADOW + fd);
	}
}

void
lx_vfork_fd_touched(int fd)
{
	if (!in_vfork_child || fd < 0 || fd >= SHADOWED || shadowed[fd] != FD_UNTOUCHED)
		return;
	shadowed[fd] = writ_dup2(fd, SHADOW + fd) < 0 ? FD_UNTRACKED : FD_KEPT;
}

static void
fds_restore(void)
{
	for (int fd = 0; fd < SHADOWED; fd++) {
		if (shadowed[fd] == FD_UNTRACKED)
			continue;
		/* FD_UNTOUCHED: the same capability, as every way to change it touches it. */
		if (shadowed[fd] == FD_KEPT) {
			writ_dup2(SHADOW + fd, fd);
			writ_close(SHADOW + fd);
		} else if (shadowed[fd] == FD_WAS_CLOSED && writ_fd_cap(fd)) {
			writ_close(fd);
		}
		lx_fd_flags_save(SHADOW + fd, fd);
	}
}

long
lx_vfork(struct lx_call *c, bool own_stack)
{
	static uint8_t *stack, *call_stack;
	struct lx_call child = *c;
	uint64_t rsp;
	char cwd[1024];
	long pid;

	if (in_vfork_child)
		return -EAGAIN;	/* a vfork inside a vfork child: not served */
	if (own_stack) {
		rsp = c->a[1];
		if (!lx_writable(rsp - 8, 8))
			return -EINVAL;
	} else {
		/* The parent's stack from its pointer up (what the child may still use) at the
		 * top of a stack of ours, at the same alignment; the child's own frames, and
		 * the personality's under them, go below. */
		uint64_t n = STACK_COPY;

		if (!stack && !(stack = malloc(CHILD_STACK)))
			return -ENOMEM;
		if (!lx_readable(c->rsp, n))
			n = 4096 - (c->rsp & 4095);
		rsp = (((uint64_t)stack + CHILD_STACK - STACK_COPY - 16) & ~15ull) + (c->rsp & 15);
		memcpy((void *)rsp, (const void *)c->rsp, n);
		lx_mem_allow((uint64_t)stack, CHILD_STACK);
	}
	if (!call_stack && !(call_stack = malloc(CALL_STACK)))
		return -ENOMEM;
	lx_cwd_save(cwd);
	fds_keep();
	lx_sig_vfork_keep();
	in_vfork_child = true;
	lx_vfork_thread = (uint64_t)writ_thread_self();	/* 0: the first thread, not yet adopted */
	__atomic_store_n(&lx_vfork_stack, ((uint64_t)call_stack + CALL_STACK) & ~15ull,
			 __ATOMIC_SEQ_CST);
	pid = lx_run_child(&vfork_back, &child, rsp);
	__atomic_store_n(&lx_vfork_stack, 0, __ATOMIC_SEQ_CST);
	in_vfork_child = false;
	lx_sig_vfork_back();
	lx_mem_allow(0, 0);
	fds_restore();
	lx_cwd_restore(cwd);
	return pid;
}

/* ---- wait4 ---- */

/* A stop or continue status (WUNTRACED, WCONTINUED): the child goes on being ours. */
static bool
is_report(long s)
{
	return s >= 0 && ((s & 0xff) == 0x7f || s == 0xffff);
}

/* WAIT once, without waiting: -> the status, or -EAGAIN while it runs (or -ECHILD when
 * init reaped it: we ignore SIGCHLD). init keeps our wake notification to signal when
 * the child ends, stops or continues (it wants one). */
static long
wait_nohang(writ_cptr_t cap, unsigned flags)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_WAIT, 1, 1) };
	writ_cptr_t wake = lx_thread_wake();
	long r;

	if (!wake)
		return -ENOMEM;
	m.mr[0] = flags;
	writ_set_cap(0, wake);
	if (writ_call(cap, &m) != WRIT_OK)
		return -ECHILD;
	r = (long)m.mr[0];
	if (r != -EAGAIN && !is_report(r)) {
		writ_cnode_delete(WRIT_PSLOT_CNODE, cap, 64);
		writ_slot_free(cap);
	}
	return r;
}

static bool
child_matches(const struct child *c, int64_t want)
{
	return c->pid && (want <= 0 || c->pid == want);
}

/* The child of ours that wait4 can report now, *status its status: NULL if none yet,
 * or when none is left (*none). One look at each; each keeps our wake to signal. */
static struct child *
wait_ready(int64_t want, unsigned flags, long *status, bool *none)
{
	bool reaping = lx_sig_chld_reaped();
	long s;

	*none = true;
	/* A vfork child that exited without exec first: it is ready, and init never knew it
	 * (unless nobody waits for children: then it is gone). */
	for (unsigned i = 0; i < CHILDREN; i++) {
		struct child *c = &children[i];

		if (!child_matches(c, want) || c->cap)
			continue;
		if (reaping) {
			*c = (struct child){ 0 };
			continue;
		}
		*status = c->status;
		*none = false;
		return c;
	}
	for (unsigned i = 0; i < CHILDREN; i++) {
		struct child *c = &children[i];

		if (!child_matches(c, want))
			continue;
		s = wait_nohang(c->cap, flags);
		if (s == -ECHILD) {
			*c = (struct child){ 0 };	/* reaped by init */
			continue;
		}
		*none = false;
		if (s == -EAGAIN)
			continue;
		if (s < 0) {
			*status = s;
			return NULL;
		}
		if (!is_report(s)) {
			c->cap = 0;
			if (c->killed_by && s == WRIT_WAIT_KILLED)
				s = c->killed_by;
		}
		*status = s;
		return c;
	}
	*status = -EAGAIN;
	return NULL;
}

/*
 * wait4 for any child (or the one named): each is looked at, and the wake notification
 * we left with each of them says when to look again. A caught signal cuts the wait
 * short (-EINTR), after a last look, as Linux's wait4 would.
 */
long
lx_wait4(const uint64_t *a)
{
	int64_t want = (int32_t)a[0];
	unsigned flags = (unsigned)a[2] & (WRIT_WAIT_UNTRACED | WRIT_WAIT_CONTINUED);
	writ_cptr_t wake = lx_thread_wake();
	struct child *c;
	writ_word_t w;
	bool none;
	long s;
	uint32_t pid;

	if (a[2] & ~(uint64_t)(WNOHANG | 2 | 8 | 0x40000000 | 0x80000000))
		return -EINVAL;
	if ((a[1] && !lx_writable(a[1], 4)) || (a[3] && !lx_writable(a[3], 144)))
		return -EFAULT;
	while (!(c = wait_ready(want, flags, &s, &none))) {
		if (none)
			return -ECHILD;
		if (s != -EAGAIN)
			return s;
		if (a[2] & WNOHANG)
			return 0;
		if (!wake || !lx_sig_wait_begin(wake))
			return -EINTR;
		writ_wait(wake, &w);
		lx_sig_wait_end();
	}
	pid = c->pid;
	if (a[1])
		*(int32_t *)a[1] = (int32_t)s;
	if (a[3])
		memset((void *)a[3], 0, 144);
	if (!is_report(s))
		*c = (struct child){ 0 };
	return pid;
}
