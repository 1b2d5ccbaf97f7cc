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
 * Not yet: delivery to a thread other than the one returning from a call (the mask and
 * the pending set are the process's), handlers in another process (a kill to a child
 * ends it, as the default action of most signals would: see proc.c), interrupting a
 * blocked call (EINTR), SIGSEGV from a fault (faults go to init), SIGCHLD.
 */
#include <writ/proc.h>

#include <errno.h>

#include "lx.h"

#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SIG_DFL 0
#define SIG_IGN 1
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SI_USER 0
#define SI_TKILL (-6)
#define BIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (BIT(LX_SIGKILL) | BIT(LX_SIGSTOP))
/* Default action ignore (and the stop signals: stopping is not served). */
#define DFL_IGNORE (BIT(17) | BIT(18) | BIT(19) | BIT(20) | BIT(21) | BIT(22) | BIT(23) | BIT(28))
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
	uint8_t rest[128 - 24];
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

volatile uint8_t lx_sig_slow;
static struct ksigaction actions[LX_NSIG + 1];
static uint64_t mask, pending;
static struct { int32_t code, pid; } why[LX_NSIG + 1];
static uint64_t alt_sp, alt_flags = SS_DISABLE, alt_size;
static uint64_t sigreturn_at;   /* the frame's ucontext, while an rt_sigreturn waits */

static void
recheck(void)
{
	lx_sig_slow = (pending & ~mask) || sigreturn_at;
}

void
lx_sig_raise(int sig, int code, int pid)
{
	if (sig < 1 || sig > LX_NSIG)
		return;
	lx_lock();
	pending |= BIT(sig);
	why[sig].code = code;
	why[sig].pid = pid;
	recheck();
	lx_unlock();
}

/* The process ends as if by `sig`: the wait status says so (core for the core ones). */
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
		actions[a[0]] = n;
		/* Setting SIG_IGN (or SIG_DFL on an ignored one) drops what is pending. */
		if (n.handler == SIG_IGN || (n.handler == SIG_DFL && (BIT(a[0]) & DFL_IGNORE)))
			pending &= ~BIT(a[0]);
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
	*(uint64_t *)a[0] = pending & mask;
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

/* A signal to `pid` (0 or -pgrp: our group, which we lead alone). */
static long
send(int32_t pid, uint64_t sig, int code)
{
	if (sig > LX_NSIG)
		return -EINVAL;
	if (pid == (int32_t)lx_pid || pid == 0 || pid == -(int32_t)lx_pid) {
		if (sig)
			lx_sig_raise((int)sig, code, (int)lx_pid);
		return 0;
	}
	if (pid == -1)
		return -EPERM;	/* everyone we may signal: only our children, see below */
	return lx_kill_child(pid < 0 ? -pid : pid, (int)sig);
}

/* fork: the child inherits the dispositions, the mask and the alternate stack; its
 * pending set starts empty, as Linux's. */
long
lx_sig_fork_io(int fd, bool send)
{
	long r;

	if ((r = lx_fork_io(fd, actions, sizeof(actions), send)) < 0 ||
	    (r = lx_fork_io(fd, &mask, sizeof(mask), send)) < 0 ||
	    (r = lx_fork_io(fd, &alt_sp, sizeof(alt_sp), send)) < 0 ||
	    (r = lx_fork_io(fd, &alt_flags, sizeof(alt_flags), send)) < 0 ||
	    (r = lx_fork_io(fd, &alt_size, sizeof(alt_size), send)) < 0)
		return r;
	return 0;
}

long lx_kill(const uint64_t *a) { return send((int32_t)a[0], a[1], SI_USER); }

/* tkill/tgkill: a thread of ours is this process (its threads share one mask). */
long
lx_tkill(const uint64_t *a)
{
	if ((int32_t)a[0] <= 0)
		return -EINVAL;
	return send((int32_t)lx_pid, a[1], SI_TKILL);
}

long
lx_tgkill(const uint64_t *a)
{
	if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0)
		return -EINVAL;
	if ((int32_t)a[0] != (int32_t)lx_pid)
		return send((int32_t)a[0], a[2], SI_TKILL);
	return send((int32_t)lx_pid, a[2], SI_TKILL);
}

long
lx_rt_sigreturn(struct lx_call *c)
{
	/* The restorer runs right after the handler's ret took the return address. */
	sigreturn_at = c->rsp;
	recheck();
	return 0;
}

/* Put back what the frame at uc says: -> false if it is not the program's memory. */
static bool
sigreturn(struct lx_call *c, uint64_t *cs, uint8_t *fx)
{
	const struct ucontext *uc = (const struct ucontext *)sigreturn_at;
	const uint64_t *g = uc->gregs;

	sigreturn_at = 0;
	if (!lx_readable((uint64_t)uc, sizeof(*uc)))
		return false;
	c->nr = g[RAX];
	c->a[0] = g[RDI];
	c->a[1] = g[RSI];
	c->a[2] = g[RDX];
	c->a[3] = g[R10];
	c->a[4] = g[R8];
	c->a[5] = g[R9];
	c->rsp = g[RSP];
	c->rcx = g[RIP];        /* the way out jumps through RCX: RCX is lost, as syscall loses it */
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
start_handler(struct lx_call *c, uint64_t *cs, uint8_t *fx, int sig)
{
	const struct ksigaction *act = &actions[sig];
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
	if (!lx_writable(sp, fp + 512 - sp))
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
	g[R11] = c->r11;
	g[RDI] = c->a[0];
	g[RSI] = c->a[1];
	g[RDX] = c->a[2];
	g[RAX] = c->nr;
	g[RCX] = c->rcx;
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
	g[OLDMASK] = mask;
	f->uc.fpstate = fp;
	f->uc.sigmask = mask;
	f->info.signo = sig;
	f->info.code = why[sig].code;
	f->info.pid = why[sig].pid;
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
	return true;
}

/*
 * The upcall's slow way out (entry.asm): c holds the call's result in nr, cs the
 * program's RBP RBX R12 R13 R14 R15, fx its FXSAVE image. They lie right below the
 * program's stack pointer, where a handler's frame goes, so everything is copied to
 * `out` (further down, past any frame) first, changed there, and loaded from there.
 */
struct lx_sigregs {
	struct lx_call c;
	uint64_t cs[6];
	uint8_t fx[512];
};

_Static_assert(offsetof(struct lx_sigregs, fx) == 128, "entry.asm's offsets");

void lx_sig_deliver(const struct lx_call *c, const uint64_t *cs, const uint8_t *fx,
		    struct lx_sigregs *out);

void
lx_sig_deliver(const struct lx_call *in, const uint64_t *cs_in, const uint8_t *fx_in,
	       struct lx_sigregs *o)
{
	struct lx_call *c = &o->c;
	uint64_t *cs = o->cs;
	uint8_t *fx = o->fx;
	uint64_t ready;
	int sig;

	memcpy(c, in, sizeof(*c));
	memcpy(cs, cs_in, sizeof(o->cs));
	memcpy(fx, fx_in, sizeof(o->fx));
	lx_lock();
	if (sigreturn_at && !sigreturn(c, cs, fx)) {
		lx_unlock();
		lx_exit_signal(LX_SIGSEGV);
	}
	while ((ready = pending & ~mask)) {
		sig = __builtin_ctzll(ready) + 1;
		pending &= ~BIT(sig);
		if (actions[sig].handler == SIG_IGN)
			continue;
		if (actions[sig].handler == SIG_DFL) {
			if (BIT(sig) & DFL_IGNORE)
				continue;
			lx_unlock();
			lx_exit_signal(sig);
		}
		if (!start_handler(c, cs, fx, sig)) {
			lx_unlock();
			lx_exit_signal(LX_SIGSEGV);
		}
		break;  /* one frame at a time: the next one at the next call's return */
	}
	recheck();
	lx_unlock();
}
