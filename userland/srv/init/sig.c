/*
 * Signals between processes (issue 22): init is the post office, because it is the
 * one that knows every process, its parent and its group.
 *
 * A Linux program's personality registers a notification (SIG_REGISTER). A signal
 * posted to it sets a bit in its pending set here, notes who sent it, and signals the
 * notification; the personality's signal thread takes the set (SIG_TAKE) and delivers
 * the signals inside the process (lx/sig.c). init never writes into a process or
 * waits for one, so a process that never takes its signals costs init one word.
 *
 * A process without a notification (a Writ program, or a Linux one that has needed no
 * signal thread yet) gets the default action here: the ignored signals do nothing, the
 * stop signals suspend its thread until a SIGCONT, any other ends it as killed by that
 * signal. SIGKILL always ends the target here, whatever it registered.
 *
 * Who may signal whom. Linux lets any process of a uid signal any other; Writ asks for
 * a relation init can see: the process itself, its descendants (it or a descendant
 * spawned them: it held their capabilities), its parent (a child tells its parent, as
 * programs do with kill(getppid(), ...)), and the members of its process group and
 * session (a shell's jobs, the terminal's ^C). Anything else is -EPERM.
 */
#include <errno.h>

#include "init.h"

#define NSIG 64
#define SIGKILL 9
#define SIGCHLD 17
#define SIGHUP 1
#define SIGCONT 18
#define SIGSTOP 19
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define WAIT_CONTINUED 0xffff
#define SI_USER 0
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define SIGTRAP 5
#define SIGILL 4
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11
#define SI_KERNEL 0x80
#define FAULT_MARK (1ull << 56)	/* in sig_info: a fault of the program's, not a kill */
#define BIT(s) (1ull << ((s) - 1))
/* Default action ignore: SIGCHLD SIGCONT SIGURG SIGWINCH; stop: SIGSTOP SIGTSTP SIGTTIN
 * SIGTTOU. */
#define DFL_IGNORE (BIT(17) | BIT(18) | BIT(23) | BIT(28))
#define DFL_STOP (BIT(19) | BIT(20) | BIT(21) | BIT(22))
#define DFL_CORE (BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(11) | BIT(24) | \
		  BIT(25) | BIT(31))

static unsigned
pgid_of(const struct proc *p)
{
	return p->pgid ? p->pgid : p->pid;
}

static unsigned
sid_of(const struct proc *p)
{
	return p->sid ? p->sid : p->pid;
}

/* Whether a is b or an ancestor of b. */
static bool
ancestor_of(const struct proc *a, const struct proc *b)
{
	for (unsigned hops = 0; b && hops < MAX_PROCS; hops++) {
		if (b->pid == a->pid)
			return true;
		b = b->parent ? proc_get(b->parent) : NULL;
	}
	return false;
}

static bool
may_signal(const struct proc *from, const struct proc *to)
{
	return ancestor_of(from, to) || from->parent == to->pid || pgid_of(from) == pgid_of(to) ||
	       sid_of(from) == sid_of(to);
}

long
sig_register(struct proc *p, writ_cptr_t ntfn)
{
	if (!ntfn)
		return -EINVAL;
	if (p->sig_ntfn) {
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, p->sig_ntfn, FULL_DEPTH);
		slot_free(p->sig_ntfn);
	}
	p->sig_ntfn = ntfn;
	return 0;
}

static void post(struct proc *p, unsigned sig, uint64_t info);

/* After an execve: the signals still pending on the program that called it are the new
 * program's, as on Linux. It starts with every action the default and nothing blocked,
 * and without a signal thread to take them (it registers one only when it needs it):
 * their default actions now, else a kill that came just as the caller exec'd is lost. */
void
sig_after_exec(struct proc *p)
{
	uint64_t set = p->sig_pending;

	if (!set)
		return;
	p->sig_pending = 0;
	for (unsigned s = 1; s <= NSIG && p->alive; s++)
		if (set & BIT(s))
			post(p, s, p->sig_from);
}

/* Tell p's parent that p stopped or continued: its wait (woken) and SIGCHLD (which its
 * personality drops under SA_NOCLDSTOP). */
static void
tell_parent(struct proc *p, uint64_t code, uint64_t status)
{
	struct proc *parent = p->parent ? proc_get(p->parent) : NULL;

	if (p->waiter_wake)
		writ_signal(p->waiter_wake);
	if (parent && parent->alive && parent->sig_ntfn && parent->chld_handled)
		post(parent, SIGCHLD, p->pid | code << 32 | status << 40);
}

long
sig_stop(struct proc *p, unsigned sig)
{
	if (sig == 0 || sig > NSIG || !(BIT(sig) & DFL_STOP))
		return -EINVAL;
	/* Already stopped, or a SIGCONT came after the stop signal it acts on. */
	if (p->stopped || (p->sig_pending & BIT(SIGCONT)))
		return 0;
	p->stopped = true;
	p->wait_report = 0x7f | (int)sig << 8;
	tell_parent(p, CLD_STOPPED, sig);
	return 0;
}

int
sig_wait_report(struct proc *p, unsigned flags)
{
	int r = p->wait_report;
	bool cont = r == WAIT_CONTINUED;

	if (!r || !(flags & (cont ? WRIT_WAIT_CONTINUED : WRIT_WAIT_UNTRACED)))
		return 0;
	p->wait_report = 0;
	return r;
}

/*
 * Stopping: a Linux process stops itself (its personality knows the dispositions and
 * whether its main thread may be suspended without cutting a call short) and says so
 * with STOP; a process without a notification is stopped here, its one thread
 * suspended. A SIGCONT continues either, and drops the stop signals still pending (a
 * stop drops a pending SIGCONT), as Linux does.
 */
static void
continue_proc(struct proc *p)
{
	p->sig_pending &= ~DFL_STOP;
	if (!p->stopped)
		return;
	p->stopped = false;
	p->wait_report = WAIT_CONTINUED;
	if (!p->sig_ntfn)
		writ_tcb_resume(p->tcb);
	tell_parent(p, CLD_CONTINUED, SIGCONT);
}

/* Post sig to p (alive, allowed): its default action when it has no notification. */
static void
post(struct proc *p, unsigned sig, uint64_t info)
{
	if (sig == SIGKILL) {
		proc_end(p, SIGKILL);
		return;
	}
	if (sig == SIGCONT)
		continue_proc(p);
	else if (BIT(sig) & DFL_STOP)
		p->sig_pending &= ~BIT(SIGCONT);
	if (!p->sig_ntfn) {
		if (BIT(sig) & DFL_STOP) {
			if (!p->stopped && writ_tcb_suspend(p->tcb) == WRIT_OK)
				sig_stop(p, sig);
		} else if (!(BIT(sig) & DFL_IGNORE)) {
			proc_end(p, (int)(sig | ((BIT(sig) & DFL_CORE) ? 0x80 : 0)));
		}
		return;
	}
	p->sig_pending |= BIT(sig);
	if (info & FAULT_MARK) {
		p->sig_fault = info;
		p->sig_fault_sig = sig;
	} else if (sig == SIGCHLD) {
		p->sig_chld = info;
	} else {
		p->sig_from = info;
	}
	writ_signal(p->sig_ntfn);
}

long
sig_send(struct proc *from, int32_t pid, unsigned sig)
{
	unsigned group, found = 0, allowed = 0;
	struct proc *to;

	if (sig > NSIG)
		return -EINVAL;
	if (pid > 0) {
		if (!(to = proc_get((unsigned)pid)) || !to->alive)
			return -ESRCH;
		if (!may_signal(from, to))
			return -EPERM;
		if (sig)
			post(to, sig, from->pid);
		return 0;
	}
	if (pid == -1)
		return -EPERM;	/* "everyone": nobody may */
	group = pid == 0 ? pgid_of(from) : (unsigned)-pid;
	/* Every member of the group but the caller, which does its own part (answer 1). */
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		to = proc_at(i);
		if (!to->pid || !to->alive || pgid_of(to) != group)
			continue;
		found++;
		if (to == from || !may_signal(from, to))
			continue;
		allowed++;
		if (sig)
			post(to, sig, from->pid);
	}
	if (pgid_of(from) == group)
		return 1;
	return !found ? -ESRCH : !allowed ? -EPERM : 0;
}

void
sig_take(struct proc *p, struct writ_msg *m)
{
	uint64_t set = p->sig_pending;

	p->sig_pending = 0;
	m->mr[0] = set;
	for (unsigned s = 1; s <= NSIG; s++) {
		writ_word_t w = !(set & BIT(s)) ? 0 : s == p->sig_fault_sig ? p->sig_fault :
				s == SIGCHLD ? p->sig_chld : p->sig_from;

		if (s < WRIT_MSG_REGS)
			m->mr[s] = w;
		else
			writ_mr_set(s, w);
	}
	writ_mr_set(NSIG + 1, p->sig_fault_addr);
	writ_mr_set(NSIG + 2, p->sig_fault_ip);
	if (set & BIT(p->sig_fault_sig))
		p->sig_fault_sig = 0;
	m->info = writ_msginfo(0, 0, NSIG + 3);
	writ_reply(m);
}

/*
 * The thread that faulted waits for an answer that never comes: its personality's
 * signal thread finds it there, and either starts the handler where it faulted (a
 * handler's return runs the instruction again, as on Linux) or ends the process.
 */
bool
sig_fault(struct proc *p, const struct writ_msg *m)
{
	writ_word_t label = writ_msginfo_label(m->info);
	uint64_t addr = 0, ip, code;
	unsigned sig;

	if (!p->sig_ntfn && !p->linux_defaults)
		return false;
	if (label == WRIT_FAULT_VM) {
		sig = SIGSEGV;
		addr = m->mr[WRIT_VM_FAULT_ADDR];
		ip = m->mr[WRIT_VM_FAULT_IP];
		code = (m->mr[WRIT_VM_FAULT_ERROR] & 1) ? 2 : 1;	/* SEGV_ACCERR, SEGV_MAPERR */
	} else if (label == WRIT_FAULT_USER_EXCEPTION) {
		ip = m->mr[WRIT_CTX_RIP];
		switch (writ_mr_get(WRIT_CTX_COUNT)) {
		case 0: sig = SIGFPE; code = 1; addr = ip; break;	/* FPE_INTDIV */
		case 16: case 19: sig = SIGFPE; code = 0; addr = ip; break;
		case 6: sig = SIGILL; code = 2; addr = ip; break;	/* ILL_ILLOPN */
		case 1: case 3: sig = SIGTRAP; code = 1; break;		/* TRAP_BRKPT */
		case 17: sig = SIGBUS; code = 2; break;			/* BUS_ADRERR */
		case 12: case 13: sig = SIGSEGV; code = SI_KERNEL; break;
		default: return false;
		}
	} else {
		return false;
	}
	if (!p->sig_ntfn) {
		/* No handler can run: the default action, as the personality would do it. */
		writ_printf("init: %s (pid %u): signal %u at %lx, RIP %lx, not handled\n", p->name,
			    p->pid, sig, addr, ip);
		proc_end(p, (int)(sig | ((BIT(sig) & DFL_CORE) ? 0x80 : 0)));
		return true;
	}
	p->sig_fault_addr = addr;
	p->sig_fault_ip = ip;
	post(p, sig, FAULT_MARK | code << 32);
	return true;
}

long
sig_setpgid(struct proc *p, unsigned pid, unsigned pgid)
{
	struct proc *t = pid ? proc_get(pid) : p;

	if (!t || !t->alive || (t != p && t->parent != p->pid))
		return -ESRCH;
	if (pgid == 0)
		pgid = t->pid;
	if (pgid == pgid_of(t))
		return 0;
	if (sid_of(t) != sid_of(p) || sid_of(t) == t->pid)
		return -EPERM;	/* another session, or a session leader */
	if (pgid != t->pid) {
		/* Joining a group: it must exist in the same session. */
		bool exists = false;

		for (unsigned i = 0; i < MAX_PROCS && !exists; i++) {
			struct proc *q = proc_at(i);

			exists = q->pid && q->alive && pgid_of(q) == pgid && sid_of(q) == sid_of(t);
		}
		if (!exists)
			return -EPERM;
	}
	t->pgid = pgid;
	return 0;
}

long
sig_getpgid(struct proc *p, unsigned pid)
{
	struct proc *t = pid ? proc_get(pid) : p;

	if (!t || !t->alive)
		return -ESRCH;
	return pgid_of(t);
}

long
sig_setsid(struct proc *p)
{
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		struct proc *q = proc_at(i);

		if (q->pid && q->alive && q != p && pgid_of(q) == p->pid)
			return -EPERM;
	}
	p->pgid = p->pid;
	p->sid = p->pid;
	return p->pid;
}

long
sig_getsid(struct proc *p, unsigned pid)
{
	struct proc *t = pid ? proc_get(pid) : p;

	if (!t || !t->alive)
		return -ESRCH;
	return sid_of(t);
}

void
sig_proc_ended(struct proc *p)
{
	struct proc *parent = p->parent ? proc_get(p->parent) : NULL;
	int s = p->status;
	uint64_t code = (s & 0x7f) == 0 ? CLD_EXITED : (s & 0x80) ? CLD_DUMPED : CLD_KILLED;
	uint64_t status = (s & 0x7f) == 0 ? (uint64_t)((s >> 8) & 0xff) : (uint64_t)(s & 0x7f);

	if (p->sig_ntfn) {
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, p->sig_ntfn, FULL_DEPTH);
		slot_free(p->sig_ntfn);
		p->sig_ntfn = 0;
	}
	p->sig_pending = 0;
	p->stopped = false;
	/* Only a parent with a handler hears of it: SIGCHLD's default is to ignore, and
	 * one generated while ignored is dropped then, as on Linux, not when the parent's
	 * signal thread takes it (by then a handler may be there). */
	if (parent && parent->alive && parent->sig_ntfn && parent->chld_handled)
		post(parent, SIGCHLD, p->pid | code << 32 | status << 40);
	/* Its stopped children would wait forever for a SIGCONT nobody is left to send:
	 * Linux's SIGHUP and SIGCONT to an orphaned stopped group, here to each of them. */
	for (unsigned i = 0; i < proc_count(); i++) {
		struct proc *c = proc_at(i);

		if (c->pid && c->alive && c->parent == p->pid && c->stopped) {
			post(c, SIGHUP, p->pid);
			if (c->alive)
				post(c, SIGCONT, p->pid);
		}
	}
}

bool
sig_reap_at_end(const struct proc *p)
{
	struct proc *parent = p->parent ? proc_get(p->parent) : NULL;

	return parent && parent->alive && parent->reap_children;
}
