/*
 * Signals: rt_sigaction, rt_sigprocmask, sigaltstack, kill/tkill/tgkill, rt_sigreturn,
 * and delivery with the stack frame Linux x86_64 builds (issue 22).
 *
 * A signal becomes pending (a kill to ourselves, SIGPIPE after EPIPE) during a call;
 * when one is pending and not blocked, or a handler returned through rt_sigreturn,
 * lx_sig_slow is set and the upcall's way out (entry.asm) takes its slow path: it hands
 * every register of the program to lx_sig_deliver, which may change them all (the stack
 * pointer too), and loads them back. So delivery happens when a call returns, which is
 * where a kill to ourselves must be seen (Linux delivers it before kill returns).
 *
 * The frame, from the new stack pointer up: the return address (the sa_restorer musl
 * gives, which calls rt_sigreturn), the ucontext (flags, link, the alternate stack, the
 * registers in mcontext order, the signal mask), the siginfo; the FXSAVE image lies
 * above, 64-byte aligned, and mcontext's fpstate points to it. rt_sigreturn puts back
 * what the frame says (the handler may have changed it).
 *
 * Signals from other processes, SIGCHLD and the program's own faults come through
 * init and the signal thread (the end of this file), and so do stops and continues.
 * Not yet: a signal aimed at one thread (the mask and the pending set are the
 * process's).
 */
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/tty.h>

#include <errno.h>

#include "lx.h"

#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_RESTART 0x10000000
#define SIG_DFL 0
#define SIG_IGN 1
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SI_USER 0
#define SI_TKILL (-6)
#define LX_SIGCHLD 17
#define LX_SIGCONT 18
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define BIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (BIT(LX_SIGKILL) | BIT(LX_SIGSTOP))
/* Default action ignore: SIGCHLD SIGCONT SIGURG SIGWINCH. */
#define DFL_IGNORE (BIT(17) | BIT(18) | BIT(23) | BIT(28))
/* Default action stop: SIGSTOP SIGTSTP SIGTTIN SIGTTOU (see "stopping" below). */
#define DFL_STOP (BIT(19) | BIT(20) | BIT(21) | BIT(22))
/* Default action: terminate with a core (the wait status says so). */
#define DFL_CORE (BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(11) | BIT(24) | \
		  BIT(25) | BIT(31))

/* musl's / the kernel's struct k_sigaction, as rt_sigaction passes it. */
struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

/* mcontext's general registers, in Linux's order. */
enum { R8, R9, R10, R11, R12, R13, R14, R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP, RIP,
       EFL, CSGSFS, ERR, TRAPNO, OLDMASK, CR2, NGREG };

struct ucontext {
	uint64_t flags, link;
	uint64_t ss_sp, ss_flags, ss_size;
	uint64_t gregs[NGREG];
	uint64_t fpstate;
	uint64_t reserved[8];
	uint64_t sigmask;
};

struct siginfo {
	int32_t signo, err, code, pad;
	int32_t pid, uid;
	int32_t status;         /* SIGCHLD's */
	uint8_t rest[128 - 28];
};

struct frame {
	uint64_t restorer;      /* the handler's return address */
	struct ucontext uc;
	struct siginfo info;
};

_Static_assert(sizeof(struct ucontext) == 304, "Linux's ucontext on x86_64");
_Static_assert(sizeof(struct siginfo) == 128, "Linux's siginfo");

/* libwrit's (runtime.h): what the personality itself wrote goes out before the end. */
void writ_console_flush(void);

struct why {
	int32_t code, pid, status;
};

volatile uint8_t lx_sig_slow;
static struct ksigaction actions[LX_NSIG + 1];
static uint64_t mask, pending;
static struct why why[LX_NSIG + 1];
static uint64_t alt_sp, alt_flags = SS_DISABLE, alt_size;
static uint64_t sigreturn_at;   /* the frame's ucontext, while an rt_sigreturn waits */
/* Signals from other processes, posted by the signal thread (below): only ever ORed in
 * there and taken whole here, so neither side needs the other's lock. */
static uint64_t incoming;
static struct why in_why[LX_NSIG + 1];
/* The signals that are the program's own faults, and the address of the last one. */
static uint64_t fault_bits, in_fault_bits;
static uint64_t fault_addr;
/* rt_sigsuspend's mask to go back to once its handler returns; suspend_set says so. */
static uint64_t suspend_old;
static bool suspend_set;
/* The number of the main thread's last call that ended with -EINTR, if SA_RESTART
 * starts it again. */
static uint64_t eintr_nr;
static bool eintr_restart;

/* Set while the process is stopped (by the signal thread, or the main thread's own
 * default action), until a SIGCONT: the main thread waits on its call's way out. */
static volatile uint8_t stopped;
/* Whether the signal thread was started (lx_sig_need). */
static bool started;
/* Held by the signal thread from its take at init until the signals are in `incoming`,
 * and by an execve across its spawn: what init handed over is either acted on here or
 * goes with the execve (lx_sig_exec_begin), never lost between the two. */
static struct writ_mutex exec_lock;
static bool exec_lock_ready;

static bool sig_needed(void) { return __atomic_load_n(&started, __ATOMIC_SEQ_CST); }

static void
recheck(void)
{
	bool v = (pending & ~mask) || sigreturn_at || __atomic_load_n(&incoming, __ATOMIC_SEQ_CST) ||
		 __atomic_load_n(&stopped, __ATOMIC_SEQ_CST);

	__atomic_store_n(&lx_sig_slow, v, __ATOMIC_SEQ_CST);
	/* A post between the load and the store must not be lost. */
	if (!v && __atomic_load_n(&incoming, __ATOMIC_SEQ_CST))
		__atomic_store_n(&lx_sig_slow, 1, __ATOMIC_SEQ_CST);
}

/* Move what the signal thread posted into the pending set. */
static void
drain(void)
{
	uint64_t in = __atomic_exchange_n(&incoming, 0, __ATOMIC_SEQ_CST);

	for (uint64_t b = in; b; b &= b - 1) {
		int sig = __builtin_ctzll(b) + 1;

		why[sig] = in_why[sig];
	}
	fault_bits = (fault_bits & ~in) | (in & in_fault_bits);
	pending |= in;
}

/* Whether sig, arriving now, would do something: run a handler or end the process. */
static bool
acts(int sig)
{
	uint64_t h = actions[sig].handler;

	/* A stop does not cut a wait short: the call goes on once continued, as Linux's. */
	return h != SIG_IGN && !(h == SIG_DFL && (BIT(sig) & (DFL_IGNORE | DFL_STOP)));
}

bool
lx_sig_wanted(void)
{
	uint64_t ready = (pending | __atomic_load_n(&incoming, __ATOMIC_SEQ_CST)) & ~mask;

	for (; ready; ready &= ready - 1)
		if (acts(__builtin_ctzll(ready) + 1))
			return true;
	return false;
}

/* Calls that SA_RESTART starts again (Linux's -ERESTARTSYS ones); pause, sigsuspend
 * and nanosleep return -EINTR whatever the flag says. */
void
lx_sig_eintr(uint64_t nr)
{
	static const uint16_t restartable[] = { 0, 1, 16, 17, 18, 19, 20, 46, 47, 61, 202, 247 };

	eintr_restart = false;
	for (unsigned i = 0; i < sizeof(restartable) / sizeof(restartable[0]); i++)
		if (nr == restartable[i]) {
			eintr_nr = nr;
			eintr_restart = true;
		}
}

void
lx_sig_raise(int sig, int code, int pid)
{
	if (sig < 1 || sig > LX_NSIG)
		return;
	/* A stop waits for a SIGCONT, which only the signal thread takes (not under the
	 * lock: it makes a thread). */
	if (BIT(sig) & DFL_STOP)
		lx_sig_need();
	lx_lock();
	pending |= BIT(sig);
	why[sig] = (struct why){ .code = code, .pid = pid };
	fault_bits &= ~BIT(sig);
	recheck();
	lx_unlock();
}

/* The whole process ends as if by `sig`, from whichever thread (the signal thread's
 * too, even while a vfork child runs on the first one). */
static __attribute__((noreturn)) void
exit_process(int sig)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_EXIT_SIGNAL, 0, 1) };

	writ_console_flush();
	m.mr[0] = (uint64_t)sig | ((BIT(sig) & DFL_CORE) ? 0x80 : 0);
	for (;;)
		writ_call(WRIT_PSLOT_PROC, &m);	/* init never answers an exit */
}

/* The process ends as if by `sig`: the wait status says so (core for the core ones).
 * In a vfork child, only the child: the parent goes on. */
__attribute__((noreturn)) void
lx_exit_signal(int sig)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_EXIT_SIGNAL, 0, 1) };

	lx_vfork_child_exit(128 + sig);
	writ_console_flush();
	m.mr[0] = (uint64_t)sig | ((BIT(sig) & DFL_CORE) ? 0x80 : 0);
	for (;;)
		writ_call(WRIT_PSLOT_PROC, &m);	/* init never answers an exit */
}

static long proc_call(unsigned label, uint64_t a0, uint64_t a1);

/* What init was last told: whether it reaps our children at their end, and whether
 * SIGCHLD has a handler here (init posts it only then). */
static bool chld_reaped, chld_handled;

bool lx_sig_chld_reaped(void) { return chld_reaped; }

/* SIGCHLD set to SIG_IGN, or SA_NOCLDWAIT: children leave no zombie, as on Linux; init
 * reaps them at their end, since it is the one that keeps them. */
static void
chld_sync(void)
{
	bool reap = actions[LX_SIGCHLD].handler == SIG_IGN ||
		    (actions[LX_SIGCHLD].flags & SA_NOCLDWAIT);
	bool handled = actions[LX_SIGCHLD].handler > SIG_IGN;

	if ((reap != chld_reaped || handled != chld_handled) &&
	    proc_call(WRIT_PROC_CHLD_REAP, reap, handled) == 0) {
		chld_reaped = reap;
		chld_handled = handled;
	}
}

long
lx_rt_sigaction(const uint64_t *a)
{
	struct ksigaction n;

	if (a[0] == 0 || a[0] > LX_NSIG || a[3] != 8)
		return -EINVAL;
	if (a[1] && (a[0] == LX_SIGKILL || a[0] == LX_SIGSTOP))
		return -EINVAL;
	if (a[1]) {
		if (!lx_readable(a[1], sizeof(n)))
			return -EFAULT;
		memcpy(&n, (const void *)a[1], sizeof(n));
	}
	if (a[2]) {
		if (!lx_writable(a[2], sizeof(n)))
			return -EFAULT;
		memcpy((void *)a[2], &actions[a[0]], sizeof(n));
	}
	if (a[1]) {
		if (n.handler > SIG_IGN || (n.handler == SIG_IGN && !(BIT(a[0]) & DFL_IGNORE)))
			lx_sig_need();
		actions[a[0]] = n;
		if (a[0] == LX_SIGCHLD && !lx_vfork_active())
			chld_sync();
		/* Setting SIG_IGN (or SIG_DFL on an ignored one) drops what is pending. */
		if (n.handler == SIG_IGN || (n.handler == SIG_DFL && (BIT(a[0]) & DFL_IGNORE))) {
			drain();
			pending &= ~BIT(a[0]);
		}
		recheck();
	}
	return 0;
}

long
lx_rt_sigprocmask(const uint64_t *a)
{
	uint64_t set = 0;

	if (a[3] != 8 || a[0] > 2)
		return -EINVAL;
	if (a[1]) {
		if (!lx_readable(a[1], 8))
			return -EFAULT;
		set = *(const uint64_t *)a[1];
	}
	if (a[2]) {
		if (!lx_writable(a[2], 8))
			return -EFAULT;
		*(uint64_t *)a[2] = mask;
	}
	if (a[1]) {
		if (a[0] == 0)
			mask |= set;
		else if (a[0] == 1)
			mask &= ~set;
		else
			mask = set;
		mask &= ~UNBLOCKABLE;
		if (mask)
			lx_sig_need();
		recheck();
	}
	return 0;
}

long
lx_rt_sigpending(const uint64_t *a)
{
	if (a[1] != 8)
		return -EINVAL;
	if (!lx_writable(a[0], 8))
		return -EFAULT;
	*(uint64_t *)a[0] = (pending | __atomic_load_n(&incoming, __ATOMIC_SEQ_CST)) & mask;
	return 0;
}

static bool
on_alt(uint64_t sp)
{
	return !(alt_flags & SS_DISABLE) && sp > alt_sp && sp <= alt_sp + alt_size;
}

long
lx_sigaltstack(const uint64_t *a)
{
	uint64_t n[3];

	if (a[0]) {
		if (!lx_readable(a[0], 24))
			return -EFAULT;
		memcpy(n, (const void *)a[0], 24);
		if ((uint32_t)n[1] & ~(uint32_t)(SS_DISABLE | SS_ONSTACK))
			return -EINVAL;
	}
	if (a[1]) {
		if (!lx_writable(a[1], 24))
			return -EFAULT;
		((uint64_t *)a[1])[0] = alt_sp;
		((uint64_t *)a[1])[1] = alt_flags & SS_DISABLE;
		((uint64_t *)a[1])[2] = alt_size;
	}
	if (a[0]) {
		if (!(n[1] & SS_DISABLE) && n[2] < 2048)
			return -ENOMEM;
		alt_sp = n[0];
		alt_flags = (uint32_t)n[1] & SS_DISABLE;
		alt_size = n[2];
	}
	return 0;
}

static void post_self(int sig, int code);

/* A signal to ourselves from a call of the main thread: pending now, delivered on the
 * call's way out. From another thread (clone's, the terminal's): posted as init's are,
 * so the signal thread makes the main thread notice. */
static void
raise_any(int sig, int code)
{
	if (lx_is_main())
		lx_sig_raise(sig, code, (int)lx_pid);
	else
		post_self(sig, code);
}

/* A call to init about signals and groups (WRIT_PROC_*): its answer, or -ESRCH when
 * init cannot be reached. */
static long
proc_call(unsigned label, uint64_t a0, uint64_t a1)
{
	struct writ_msg m = { .info = writ_msginfo(label, 0, 2) };

	m.mr[0] = a0;
	m.mr[1] = a1;
	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
		return -ESRCH;
	return (long)m.mr[0];
}

/*
 * A signal to `pid` (> 0 a process, 0 our group, < -1 the group -pid). Ourselves: it
 * becomes pending here, so it is delivered before kill returns, as on Linux. Others:
 * init posts it (its sig.c says who may signal whom), and tells us when the group
 * named holds us too, which we then do here.
 */
static long
send(int32_t pid, uint64_t sig, int code)
{
	long r;

	if (sig > LX_NSIG)
		return -EINVAL;
	if (pid == (int32_t)lx_pid) {
		if (sig)
			raise_any((int)sig, code);
		return 0;
	}
	if (pid == -1)
		return -EPERM;	/* "everyone we may signal": not served */
	r = proc_call(WRIT_PROC_SIGNAL, (uint64_t)(int64_t)pid, sig);
	if (r == 1) {
		if (sig)
			raise_any((int)sig, code);
		r = 0;
	}
	/* A vfork child that exited without exec is a zombie init never knew. */
	if (r == -ESRCH && pid > 0 && lx_kill_child(pid, 0) == 0)
		r = 0;
	return r;
}

/* fork: the child inherits the dispositions, the mask and the alternate stack; its
 * pending set starts empty, as Linux's. */
long
lx_sig_fork_io(bool send)
{
	long r;

	if ((r = lx_fork_io(actions, sizeof(actions), send)) < 0 ||
	    (r = lx_fork_io(&mask, sizeof(mask), send)) < 0 ||
	    (r = lx_fork_io(&alt_sp, sizeof(alt_sp), send)) < 0 ||
	    (r = lx_fork_io(&alt_flags, sizeof(alt_flags), send)) < 0 ||
	    (r = lx_fork_io(&alt_size, sizeof(alt_size), send)) < 0)
		return r;
	if (!send) {
		chld_sync();
		for (int sig = 1; sig <= LX_NSIG && !sig_needed(); sig++)
			if (actions[sig].handler > SIG_IGN ||
			    (actions[sig].handler == SIG_IGN && !(BIT(sig) & DFL_IGNORE)))
				lx_sig_need();
		if (mask)
			lx_sig_need();
	}
	return 0;
}

long lx_kill(const uint64_t *a) { return send((int32_t)a[0], a[1], SI_USER); }

/* A thread id: ours (the first thread's is the pid, clone's are pid * 1024 + n), or
 * another process's, whose signal goes to that process. */
static int32_t
tid_owner(int32_t tid)
{
	if (tid == (int32_t)lx_pid || (tid > 1024 && tid / 1024 == (int32_t)lx_pid))
		return (int32_t)lx_pid;
	return tid > 1024 && tid % 1024 ? tid / 1024 : tid;
}

long
lx_tkill(const uint64_t *a)
{
	if ((int32_t)a[0] <= 0)
		return -EINVAL;
	return send(tid_owner((int32_t)a[0]), a[1], SI_TKILL);
}

long
lx_tgkill(const uint64_t *a)
{
	if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0)
		return -EINVAL;
	if (tid_owner((int32_t)a[1]) != (int32_t)a[0])
		return -ESRCH;
	return send((int32_t)a[0], a[2], SI_TKILL);
}

/* Process groups and sessions live at init, which sees every process. */
long lx_getpgid(const uint64_t *a) { return proc_call(WRIT_PROC_GETPGID, a[0], 0); }
long lx_getsid(const uint64_t *a) { return proc_call(WRIT_PROC_GETPGID, a[0], 1); }
long lx_getpgrp(const uint64_t *a) { (void)a; return proc_call(WRIT_PROC_GETPGID, 0, 0); }
/* A vfork child's setpgid(0, g) is for the process its execve makes (posix_spawn's
 * POSIX_SPAWN_SETPGROUP): kept here, done by lx_sig_vfork_spawned. */
static bool child_pgid_set;
static uint64_t child_pgid;

long
lx_setpgid(const uint64_t *a)
{
	if ((int32_t)a[1] < 0)
		return -EINVAL;
	if (lx_vfork_active() && (a[0] == 0 || a[0] == lx_pid)) {
		child_pgid_set = true;
		child_pgid = a[1];
		return 0;
	}
	return proc_call(WRIT_PROC_SETPGID, a[0], a[1]);
}

void
lx_sig_vfork_spawned(long pid)
{
	if (child_pgid_set)
		proc_call(WRIT_PROC_SETPGID, (uint64_t)pid, child_pgid ? child_pgid : (uint64_t)pid);
	child_pgid_set = false;
}
long lx_setsid(const uint64_t *a) { (void)a; return proc_call(WRIT_PROC_SETSID, 0, 0); }

long
lx_rt_sigreturn(struct lx_call *c)
{
	/* The restorer runs right after the handler's ret took the return address. */
	sigreturn_at = c->rsp;
	recheck();
	return 0;
}

/*
 * The upcall's slow way out (entry.asm): c holds the call's result in nr, cs the
 * program's RBP RBX R12 R13 R14 R15, fx its FXSAVE image, rcx and r11 what those two
 * registers get (the return address and the flags after a syscall; the program's own
 * after an interruption). They lie right below the program's stack pointer, where a
 * handler's frame goes, so everything is copied to `out` (further down, past any
 * frame) first, changed there, and loaded from there; the way out jumps through the
 * word just below the new stack's red zone.
 */
struct lx_sigregs {
	struct lx_call c;
	uint64_t cs[6];
	uint8_t fx[512];
	uint64_t rcx, r11;
};

_Static_assert(offsetof(struct lx_sigregs, fx) == 128, "entry.asm's offsets");
_Static_assert(offsetof(struct lx_sigregs, rcx) == 640, "entry.asm's offsets");

/* A vfork child runs here on our thread but has its own dispositions and mask on
 * Linux (musl's posix_spawn resets the handlers in the child): keep ours aside. */
static struct ksigaction *kept_actions;	/* from the heap at the first vfork: a Linux
					 * process's static pages are all made at spawn */
static uint64_t kept_mask;

void
lx_sig_vfork_keep(void)
{
	if (!kept_actions)
		kept_actions = malloc(sizeof(actions));
	if (kept_actions)
		memcpy(kept_actions, actions, sizeof(actions));
	kept_mask = mask;
}

void
lx_sig_vfork_back(void)
{
	if (kept_actions)
		memcpy(actions, kept_actions, sizeof(actions));
	mask = kept_mask;
	chld_sync();
	recheck();
}

/* Put back what the frame at uc says: -> false if it is not the program's memory. */
static bool
sigreturn(struct lx_sigregs *o)
{
	const struct ucontext *uc = (const struct ucontext *)sigreturn_at;
	const uint64_t *g = uc->gregs;
	struct lx_call *c = &o->c;
	uint64_t *cs = o->cs;
	uint8_t *fx = o->fx;

	sigreturn_at = 0;
	if (!lx_readable((uint64_t)uc, sizeof(*uc)) || !lx_writable(g[RSP] - 136, 8))
		return false;
	o->rcx = g[RCX];
	o->r11 = g[R11];
	c->nr = g[RAX];
	c->a[0] = g[RDI];
	c->a[1] = g[RSI];
	c->a[2] = g[RDX];
	c->a[3] = g[R10];
	c->a[4] = g[R8];
	c->a[5] = g[R9];
	c->rsp = g[RSP];
	c->rcx = g[RIP];
	/* The program's flags, but never the system ones (IOPL, TF, VM, ...). */
	c->r11 = (g[EFL] & 0xcd5) | 0x202;
	cs[0] = g[RBP];
	cs[1] = g[RBX];
	cs[2] = g[R12];
	cs[3] = g[R13];
	cs[4] = g[R14];
	cs[5] = g[R15];
	if (uc->fpstate && lx_readable(uc->fpstate, 512))
		memcpy(fx, (const void *)uc->fpstate, 512);
	mask = uc->sigmask & ~UNBLOCKABLE;
	return true;
}

/* Start the handler of sig: -> false if its frame cannot be written. */
static bool
start_handler(struct lx_sigregs *o, int sig)
{
	const struct ksigaction *act = &actions[sig];
	struct lx_call *c = &o->c;
	uint64_t *cs = o->cs;
	uint8_t *fx = o->fx;
	uint64_t sp = c->rsp, fp;
	struct frame *f;
	uint64_t *g;

	if (!(act->flags & SA_RESTORER) || !act->restorer)
		return false;
	if ((act->flags & SA_ONSTACK) && !(alt_flags & SS_DISABLE) && !on_alt(sp))
		sp = alt_sp + alt_size;
	else
		sp -= 128;      /* the red zone */
	fp = (sp - 512) & ~63ull;
	sp = ((fp - sizeof(*f)) & ~15ull) - 8;  /* as after a call: (sp + 8) % 16 == 0 */
	if (!lx_writable(sp - 136, fp + 512 - (sp - 136)))
		return false;
	memcpy((void *)fp, fx, 512);
	f = (struct frame *)sp;
	memset(f, 0, sizeof(*f));
	f->restorer = act->restorer;
	f->uc.ss_sp = alt_sp;
	f->uc.ss_flags = on_alt(c->rsp) ? SS_ONSTACK : alt_flags;
	f->uc.ss_size = alt_size;
	g = f->uc.gregs;
	g[R8] = c->a[4];
	g[R9] = c->a[5];
	g[R10] = c->a[3];
	g[R11] = o->r11;
	g[RDI] = c->a[0];
	g[RSI] = c->a[1];
	g[RDX] = c->a[2];
	g[RAX] = c->nr;
	g[RCX] = o->rcx;
	g[RSP] = c->rsp;
	g[RIP] = c->rcx;
	g[EFL] = c->r11;
	g[RBP] = cs[0];
	g[RBX] = cs[1];
	g[R12] = cs[2];
	g[R13] = cs[3];
	g[R14] = cs[4];
	g[R15] = cs[5];
	g[CSGSFS] = 0x2b;	/* user CS on Linux; nothing reads it */
	/* A call a signal cut short starts again after the handler, where Linux would. */
	if ((int64_t)c->nr == -EINTR && eintr_restart && (act->flags & SA_RESTART)) {
		g[RAX] = eintr_nr;
		g[RIP] = c->rcx - 2;	/* the syscall instruction, two bytes */
	}
	eintr_restart = false;
	g[OLDMASK] = suspend_set ? suspend_old : mask;
	f->uc.fpstate = fp;
	f->uc.sigmask = suspend_set ? suspend_old : mask;
	suspend_set = false;
	f->info.signo = sig;
	f->info.code = why[sig].code;
	f->info.pid = why[sig].pid;
	f->info.status = why[sig].status;
	if (fault_bits & BIT(sig))
		memcpy(&f->info.pid, &fault_addr, 8);	/* si_addr, at the same place */
	mask |= act->mask | ((act->flags & SA_NODEFER) ? 0 : BIT(sig));
	mask &= ~UNBLOCKABLE;
	if (act->flags & SA_RESETHAND)
		actions[sig].handler = SIG_DFL;
	c->a[0] = (uint64_t)sig;
	c->a[1] = (uint64_t)&f->info;
	c->a[2] = (uint64_t)&f->uc;
	c->nr = 0;
	c->rsp = sp;
	c->rcx = act->handler;
	c->r11 &= ~0x500ull;	/* DF and TF clear, as the ABI wants at a function's entry */
	o->rcx = c->rcx;
	o->r11 = c->r11;
	return true;
}

void lx_sig_deliver(const struct lx_call *c, const uint64_t *cs, const uint8_t *fx,
		    struct lx_sigregs *out, uint64_t rcx, uint64_t r11);

static void stop_wait(void);

/* A stop signal's default action: the process is stopped from now (set before init
 * hears of it, so that a SIGCONT right after is not lost) -> whether it is. */
static bool
stop_self(int sig)
{
	__atomic_store_n(&stopped, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&lx_sig_slow, 1, __ATOMIC_SEQ_CST);
	if (proc_call(WRIT_PROC_STOP, (uint64_t)sig, 0) == 0)
		return true;
	__atomic_store_n(&stopped, 0, __ATOMIC_SEQ_CST);
	return false;
}

void
lx_sig_deliver(const struct lx_call *in, const uint64_t *cs_in, const uint8_t *fx_in,
	       struct lx_sigregs *o, uint64_t rcx, uint64_t r11)
{
	bool main_thread = lx_is_main();
	bool framed = false;	/* a handler's frame is built */
	uint64_t ready;
	int sig;

	if (main_thread)
		lx_main_in_call = 1;
	memcpy(&o->c, in, sizeof(o->c));
	memcpy(o->cs, cs_in, sizeof(o->cs));
	memcpy(o->fx, fx_in, sizeof(o->fx));
	o->rcx = rcx;
	o->r11 = r11;
	lx_lock();
	if (sigreturn_at && !sigreturn(o)) {
		lx_unlock();
		lx_exit_signal(LX_SIGSEGV);
	}
	/* A vfork child runs on our thread: the parent's signals wait for its exec or exit. */
	if (lx_vfork_active()) {
		recheck();
		lx_unlock();
		if (main_thread)
			lx_main_in_call = 0;
		return;
	}
again:
	drain();
	while ((ready = pending & ~mask)) {
		sig = __builtin_ctzll(ready) + 1;
		pending &= ~BIT(sig);
		if (actions[sig].handler == SIG_IGN)
			continue;
		if (actions[sig].handler == SIG_DFL) {
			if (BIT(sig) & DFL_IGNORE)
				continue;
			if (BIT(sig) & DFL_STOP) {
				if (!__atomic_load_n(&stopped, __ATOMIC_SEQ_CST))
					stop_self(sig);
				continue;
			}
			lx_unlock();
			lx_exit_signal(sig);
		}
		if (!start_handler(o, sig)) {
			lx_unlock();
			lx_exit_signal(LX_SIGSEGV);
		}
		framed = true;
		break;  /* one frame at a time: the next one at the next call's return */
	}
	if (main_thread && __atomic_load_n(&stopped, __ATOMIC_SEQ_CST)) {
		/* Stopped: nothing of the program runs until a SIGCONT (its handler, if any,
		 * and whatever else came meanwhile, then follow). */
		lx_unlock();
		stop_wait();
		lx_lock();
		if (!framed)
			goto again;
	}
	if (suspend_set) {
		/* rt_sigsuspend woke for a signal that did not run a handler after all. */
		mask = suspend_old;
		suspend_set = false;
	}
	eintr_restart = false;
	recheck();
	lx_unlock();
	if (main_thread)
		lx_main_in_call = 0;
}


/* ---- signals from other processes: the signal thread ----
 *
 * init posts a signal for this process by signalling our notification (init/sig.c).
 * A thread of the personality's own waits on it, takes the posted set from init, and
 * hands it to the main thread (the program's first), which must notice it soon even
 * while it runs the program's code without making a call:
 *
 * - in a call (lx_main_in_call): delivered on the call's way out, as a signal to
 *   ourselves is; if the call waits where a signal should cut it short (pause,
 *   sigsuspend, wait4: lx_sig_wait_begin), its wake notification is signalled and the
 *   call returns -EINTR (nanosleep, which yields, looks for itself). A read that waits
 *   in a server's IPC is not cut short: a suspend would cancel the IPC, but the server
 *   would still take the bytes for it and lose them, so the signal waits for the read;
 * - in the program's code: the thread is suspended, its RIP read and replaced by
 *   lx_sig_async's (entry.asm), which enters as a call that does nothing would, with
 *   every register kept, and leaves through the slow way out that runs the handler.
 *
 * Suspending cancels an IPC the thread waits in, which must never happen to a call
 * that is not to be cut short; so the flag is read and the suspend made while the main
 * thread cannot run: the signal thread lowers its priority below its own for that
 * moment. That holds with one CPU, which is all the kernel schedules on.
 */
volatile uint8_t lx_main_in_call = 1;	/* until the program starts */
uint64_t lx_async_rip;
static volatile writ_cptr_t wait_ntfn;	/* the main thread waits on it (cut short: signal it) */
static bool main_suspended;	/* stopped in the program's code by the signal thread */
static bool stop_main_due;	/* the signal thread has the main thread to stop */
static writ_cptr_t sig_ntfn;
static struct writ_thread sig_thread;

#define LX_PRIO 100
#define LX_LO 0x7fe000000000ull	/* where the personality lies (init's LINUX_LO) */
#define LX_HI 0x7ff000000000ull

void lx_sig_async(void);


bool
lx_is_main(void)
{
	struct writ_thread *t = writ_thread_self();

	return !t || !t->ipc;	/* clone's threads have an IPC buffer of their own */
}

bool
lx_sig_wait_begin(writ_cptr_t ntfn)
{
	if (!lx_is_main())
		return !lx_sig_wanted();
	wait_ntfn = ntfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (lx_sig_wanted()) {
		lx_sig_wait_end();
		return false;
	}
	return true;
}

void
lx_sig_wait_end(void)
{
	if (!lx_is_main())
		return;
	wait_ntfn = 0;
}

/*
 * A fault of the program's (init/sig.c): the thread waits in its fault. If it is the
 * main thread in the program's code and the signal has a handler and is not blocked,
 * the handler starts where it faulted (its return runs the instruction again, as on
 * Linux, unless it longjmps away); else the process ends as killed by the signal, as
 * Linux forces a blocked or ignored fault signal.
 */
static void
fault(int sig, int32_t code, uint64_t addr, uint64_t ip)
{
	writ_word_t ctx[2];
	char line[128];
	int n;

	if (writ_tcb_suspend(WRIT_PSLOT_TCB) == WRIT_OK &&
	    writ_tcb_read_regs(WRIT_PSLOT_TCB, ctx, 2) == WRIT_OK && ctx[WRIT_CTX_RIP] == ip &&
	    !(ip >= LX_LO && ip < LX_HI) && !lx_vfork_active() && !(mask & BIT(sig)) &&
	    actions[sig].handler > SIG_IGN) {
		in_why[sig] = (struct why){ .code = code };
		fault_addr = addr;
		__atomic_fetch_or(&in_fault_bits, BIT(sig), __ATOMIC_SEQ_CST);
		__atomic_fetch_or(&incoming, BIT(sig), __ATOMIC_SEQ_CST);
		__atomic_store_n(&lx_sig_slow, 1, __ATOMIC_SEQ_CST);
		lx_async_rip = ip;
		ctx[WRIT_CTX_RIP] = (writ_word_t)lx_sig_async;
		if (writ_tcb_write_regs(WRIT_PSLOT_TCB, true, ctx, 1) == WRIT_OK)
			return;
	}
	n = writ_snprintf(line, sizeof(line), "writ-linux: pid %u: signal %d at %lx, RIP %lx, not handled\n",
			  lx_pid, sig, addr, ip);
	if (n > 0)
		lx_log(line, (size_t)n);
	exit_process(sig);
}

#define FAULT_MARK (1ull << 56)	/* init's: the signal is the program's fault */

/*
 * Stopping (SIGSTOP, and SIGTSTP SIGTTIN SIGTTOU at their default action): the signal
 * thread tells init (which tells the parent's wait4 and SIGCHLD) and stops the main
 * thread: suspended when it runs the program's code, else it waits on its call's way
 * out (a call blocked in a server goes on, as a suspend would cut it short and lose what
 * the server answers; nothing of the program runs meanwhile). A SIGCONT resumes it.
 * A stop signal that is blocked waits, and the main thread stops itself when it
 * unblocks it. Clone threads are not stopped.
 */
static void
cont(void)
{
	__atomic_store_n(&stopped, 0, __ATOMIC_SEQ_CST);
	__atomic_fetch_and(&incoming, ~DFL_STOP, __ATOMIC_SEQ_CST);
	stop_main_due = false;
	if (main_suspended) {
		main_suspended = false;
		writ_tcb_resume(WRIT_PSLOT_TCB);
	}
	if (wait_ntfn)
		writ_signal(wait_ntfn);
}

/* The stops and continues in what init posted: done here -> the rest, to deliver. */
static uint64_t
take_stops(uint64_t set)
{
	int stop_by = 0;

	if (set & BIT(LX_SIGCONT))
		cont();
	for (uint64_t b = set & DFL_STOP; b; b &= b - 1) {
		int sig = __builtin_ctzll(b) + 1;

		if (actions[sig].handler != SIG_DFL || (mask & BIT(sig)) || lx_vfork_active())
			continue;	/* a handler, ignored, blocked: delivered as any other */
		set &= ~BIT(sig);
		stop_by = sig;
	}
	if (stop_by && !__atomic_load_n(&stopped, __ATOMIC_SEQ_CST) && stop_self(stop_by))
		stop_main_due = true;
	/* A child's stop or continue does not concern a parent that said SA_NOCLDSTOP. */
	if ((set & BIT(LX_SIGCHLD)) && (actions[LX_SIGCHLD].flags & SA_NOCLDSTOP) &&
	    (in_why[LX_SIGCHLD].code == CLD_STOPPED || in_why[LX_SIGCHLD].code == CLD_CONTINUED))
		set &= ~BIT(LX_SIGCHLD);
	return set;
}

/* Stop the main thread if it runs the program's code: -> false to try again a moment
 * later (it is on its way in or out of a call). In a call, its way out waits. */
static bool
stop_main(void)
{
	writ_word_t ctx[2];
	bool done = true;

	if (!__atomic_load_n(&stopped, __ATOMIC_SEQ_CST) || main_suspended)
		return true;
	if (writ_tcb_set_priority(WRIT_PSLOT_TCB, WRIT_PSLOT_TCB, LX_PRIO - 1) != WRIT_OK)
		return true;
	/* From here until the priority is back, the main thread does not run. */
	if (!lx_main_in_call && writ_tcb_suspend(WRIT_PSLOT_TCB) == WRIT_OK) {
		if (writ_tcb_read_regs(WRIT_PSLOT_TCB, ctx, 2) != WRIT_OK ||
		    (ctx[WRIT_CTX_RIP] >= LX_LO && ctx[WRIT_CTX_RIP] < LX_HI)) {
			writ_tcb_resume(WRIT_PSLOT_TCB);
			done = false;
		} else {
			main_suspended = true;
		}
	}
	writ_tcb_set_priority(WRIT_PSLOT_TCB, WRIT_PSLOT_TCB, LX_PRIO);
	return done;
}

/* Take what init posted: into `incoming`, for the main thread (a fault: see fault). */
static void
take(void)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_SIG_TAKE, 0, 0) };
	uint64_t set, fault_set = 0;

	writ_mutex_lock(&exec_lock);
	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK) {
		writ_mutex_unlock(&exec_lock);
		return;
	}
	set = m.mr[0];
	for (uint64_t b = set; b; b &= b - 1) {
		unsigned sig = (unsigned)__builtin_ctzll(b) + 1;
		uint64_t w = sig < WRIT_MSG_REGS ? m.mr[sig] : writ_mr_get(sig);

		if (w & FAULT_MARK) {
			fault_set |= BIT(sig);
			continue;
		}
		in_why[sig] = (struct why){ .pid = (int32_t)(uint32_t)w,
					    .code = (int32_t)((w >> 32) & 0xff),
					    .status = (int32_t)((w >> 40) & 0xffff) };
	}
	set &= ~fault_set;
	set = take_stops(set);
	__atomic_fetch_and(&in_fault_bits, ~set, __ATOMIC_SEQ_CST);
	if (set) {
		__atomic_fetch_or(&incoming, set, __ATOMIC_SEQ_CST);
		__atomic_store_n(&lx_sig_slow, 1, __ATOMIC_SEQ_CST);
	}
	writ_mutex_unlock(&exec_lock);
	if (fault_set) {
		int sig = __builtin_ctzll(fault_set) + 1;
		uint64_t w = sig < WRIT_MSG_REGS ? m.mr[sig] : writ_mr_get((unsigned)sig);

		fault(sig, (int32_t)((w >> 32) & 0xff), writ_mr_get(LX_NSIG + 1),
		      writ_mr_get(LX_NSIG + 2));
	}
}

/* The signals due, not blocked, whose default action ends the process (bit sig-1). */
static uint64_t
deadly_set(void)
{
	uint64_t ready = (pending | __atomic_load_n(&incoming, __ATOMIC_SEQ_CST)) & ~mask, set = 0;

	for (; ready; ready &= ready - 1) {
		int sig = __builtin_ctzll(ready) + 1;

		if (actions[sig].handler == SIG_DFL && !(BIT(sig) & (DFL_IGNORE | DFL_STOP)))
			set |= BIT(sig);
	}
	return set;
}

/* The first of deadly_set, 0 if none. The process ends at once, wherever its threads
 * are (a read that waits in a server included), as on Linux. */
static int
deadly(void)
{
	uint64_t set = deadly_set();

	return set ? __builtin_ctzll(set) + 1 : 0;
}

/*
 * An execve that replaces this process (WRIT_SPAWN_EXEC): -> the signals it must take
 * along, deadly_set (the new program starts with every action the default, so they end
 * it there). Until lx_sig_exec_end (only reached when the execve failed) the signal
 * thread takes nothing from init, so a kill that comes meanwhile stays there and goes
 * to the new program with the process (init).
 */
uint64_t
lx_sig_exec_begin(void)
{
	if (!exec_lock_ready)
		return 0;
	writ_mutex_lock(&exec_lock);
	return deadly_set();
}

void
lx_sig_exec_end(void)
{
	if (exec_lock_ready)
		writ_mutex_unlock(&exec_lock);
}

static void
post_self(int sig, int code)
{
	lx_sig_need();
	in_why[sig] = (struct why){ .code = code, .pid = (int32_t)lx_pid };
	__atomic_fetch_and(&in_fault_bits, ~BIT(sig), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&incoming, BIT(sig), __ATOMIC_SEQ_CST);
	__atomic_store_n(&lx_sig_slow, 1, __ATOMIC_SEQ_CST);
	if (sig_ntfn)
		writ_signal(sig_ntfn);	/* the signal thread: init has nothing, but it looks */
}

/* Make the main thread notice: -> false to try again a moment later. */
static bool
interrupt_main(void)
{
	writ_word_t ctx[2];
	bool done = true;
	int sig;

	/* Stopped: what came waits for the SIGCONT (SIGKILL ends it at init). */
	if (!lx_sig_wanted() || lx_vfork_active() || __atomic_load_n(&stopped, __ATOMIC_SEQ_CST))
		return true;
	if ((sig = deadly()))
		exit_process(sig);	/* from this thread: the process goes, with all of them */
	if (writ_tcb_set_priority(WRIT_PSLOT_TCB, WRIT_PSLOT_TCB, LX_PRIO - 1) != WRIT_OK)
		return true;
	/* From here until the priority is back, the main thread does not run. */
	if (lx_main_in_call) {
		if (wait_ntfn)
			writ_signal(wait_ntfn);
	} else if (writ_tcb_suspend(WRIT_PSLOT_TCB) == WRIT_OK) {
		if (writ_tcb_read_regs(WRIT_PSLOT_TCB, ctx, 2) != WRIT_OK ||
		    (ctx[WRIT_CTX_RIP] >= LX_LO && ctx[WRIT_CTX_RIP] < LX_HI)) {
			/* On its way in or out of a call: the way out will see it, or we retry. */
			writ_tcb_resume(WRIT_PSLOT_TCB);
			done = false;
		} else {
			lx_async_rip = ctx[WRIT_CTX_RIP];
			ctx[WRIT_CTX_RIP] = (writ_word_t)lx_sig_async;
			if (writ_tcb_write_regs(WRIT_PSLOT_TCB, true, ctx, 1) != WRIT_OK)
				writ_tcb_resume(WRIT_PSLOT_TCB);
		}
	}
	writ_tcb_set_priority(WRIT_PSLOT_TCB, WRIT_PSLOT_TCB, LX_PRIO);
	return done;
}

static void
sig_loop(void *arg)
{
	(void)arg;
	for (;;) {
		writ_word_t w;

		if (writ_wait(sig_ntfn, &w) != WRIT_OK) {
			writ_yield();
			continue;
		}
		take();
		if (stop_main_due) {
			for (unsigned tries = 0; tries < 1000 && !stop_main(); tries++)
				writ_yield();
			stop_main_due = false;
		}
		for (unsigned tries = 0; tries < 1000 && !interrupt_main(); tries++)
			writ_yield();
	}
}

/*
 * The signal thread starts when first needed (lx_sig_need): a handler or an ignored
 * signal whose default is not to be ignored (rt_sigaction, or inherited by fork), a
 * signal blocked, or a signal another thread of ours posts to us. Until then init
 * applies the default actions itself (it ends, stops or continues the process, and a
 * fault ends it as killed by the fault's signal), which costs a process that never
 * needs the thread nothing at its start but one call to say so.
 */
void
lx_sig_need(void)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_SIG_REGISTER, 1, 0) };

	if (__atomic_exchange_n(&started, true, __ATOMIC_SEQ_CST))
		return;
	if (writ_mutex_init(&exec_lock) != WRIT_OK)
		return;
	exec_lock_ready = true;
	if (writ_own_notification(&sig_ntfn) != WRIT_OK)
		return;	/* then others' signals have their default action */
	if (writ_thread_create(&sig_thread, sig_loop, NULL, LX_PRIO) != WRIT_OK)
		return;
	writ_set_cap(0, sig_ntfn);
	writ_call(WRIT_PSLOT_PROC, &m);
}

void
lx_sig_init(void)
{
	proc_call(WRIT_PROC_SIG_LINUX, 0, 0);
}

/* ---- waiting for a signal ---- */

/* The main thread, stopped on a call's way out: until a SIGCONT (cont). */
static void
stop_wait(void)
{
	writ_cptr_t wake = lx_thread_wake();
	writ_word_t w;

	while (__atomic_load_n(&stopped, __ATOMIC_SEQ_CST)) {
		if (!wake) {
			writ_yield();
			continue;
		}
		wait_ntfn = wake;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&stopped, __ATOMIC_SEQ_CST))
			writ_wait(wake, &w);
		wait_ntfn = 0;
	}
}

/* One wait on the thread's wake notification: -> whether to wait again. */
static bool
wait_once(writ_cptr_t wake)
{
	writ_word_t w;

	if (!lx_sig_wait_begin(wake))
		return false;
	writ_wait(wake, &w);
	lx_sig_wait_end();
	return !lx_sig_wanted();
}

/* Until a signal that does something comes (the main thread only: pause and
 * rt_sigsuspend in another thread return at once). */
static void
wait_signal(void)
{
	writ_cptr_t wake = lx_thread_wake();

	while (wake && lx_is_main() && wait_once(wake))
		;
}

long
lx_pause(const uint64_t *a)
{
	(void)a;
	wait_signal();
	return -EINTR;
}

long
lx_rt_sigsuspend(const uint64_t *a)
{
	uint64_t set;

	if (a[1] != 8)
		return -EINVAL;
	if (!lx_readable(a[0], 8))
		return -EFAULT;
	set = *(const uint64_t *)a[0];
	if (set & ~UNBLOCKABLE)
		lx_sig_need();	/* not under the lock: it makes a thread */
	lx_lock();
	suspend_old = mask;
	suspend_set = true;
	mask = set & ~UNBLOCKABLE;
	recheck();
	lx_unlock();
	wait_signal();
	if (!lx_sig_wanted()) {
		lx_lock();
		mask = suspend_old;
		suspend_set = false;
		recheck();
		lx_unlock();
	}
	return -EINTR;
}

/* ---- the terminal's ^C, ^\ and ^Z ----
 *
 * The console records them as events for its foreground process group (lib/ttysrv).
 * A process that sets the foreground group (TIOCSPGRP: a shell with job control, or
 * any program that takes the terminal) starts a thread that waits for those events on
 * a copy of that fd and sends SIGINT, SIGQUIT or SIGTSTP to the group through init,
 * as the Linux kernel's terminal would. Only the first terminal so set is watched.
 */
static struct writ_thread tty_thread;
static int tty_fd = -1;

static void
tty_loop(void *arg)
{
	static const struct { unsigned ev; int sig; } map[] = {
		{ TTY_EV_INT, 2 }, { TTY_EV_QUIT, 3 }, { TTY_EV_SUSP, 20 } };

	(void)arg;
	for (;;) {
		long pgrp = 0, ev = writ_tty_events(tty_fd, true, &pgrp);

		if (ev < 0) {
			if (ev != -EAGAIN)
				return;	/* the terminal is gone */
			continue;
		}
		for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if ((ev & map[i].ev) && pgrp > 0)
				send(-(int32_t)pgrp, (uint64_t)map[i].sig, 0x80 /* SI_KERNEL */);
	}
}

void
lx_sig_tty_watch(int fd)
{
	int copy;

	/* Only a session's leader watches (the login shell, not each of its jobs): the
	 * console hands an event to one waiter, and a waiter of a process that ended since
	 * would take it and lose it. */
	if (tty_fd >= 0 || proc_call(WRIT_PROC_GETPGID, 0, 1) != (long)lx_pid)
		return;
	/* The last fd: above what execve hands on and vfork keeps aside (proc.c). */
	if ((copy = writ_dup2(fd, WRIT_FD_MAX - 1)) < 0)
		return;
	tty_fd = copy;
	if (writ_thread_create(&tty_thread, tty_loop, NULL, LX_PRIO) != WRIT_OK) {
		writ_close(copy);
		tty_fd = -1;
	}
}
