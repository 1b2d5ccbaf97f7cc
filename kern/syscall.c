/*
 * The syscall layer: thin. It reads the syscall number and the capability pointer,
 * finds the capability in the caller's CSpace, and hands over to IPC or to the object's
 * invocation code; every path ends in sched_exit_to_user(). Any number that is not one
 * of ours is an UnknownSyscall fault for the thread's handler (a Linux syscall from a
 * musl program, for instance).
 */
#include <stdarg.h>
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/debug.h>
#include <kern/fastpath.h>
#include <kern/invoke.h>
#include <kern/ipc.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <kern/tcb.h>

#include <arch/cpu.h>

int
inv_args(struct inv *iv, writ_word_t *a, unsigned n)
{
	struct writ_ipc_buffer *buf = tcb_ipc_buffer(iv->t);

	if (n > iv->len || (n > WRIT_MSG_REGS && !buf))
		return WRIT_E_TRUNCATED_MESSAGE;
	for (unsigned i = 0; i < n; i++)
		a[i] = i < WRIT_MSG_REGS ? *x86_msg_reg(&iv->t->frame, i) : buf->msg[i];
	return WRIT_OK;
}

void
inv_ret(struct inv *iv, writ_word_t v)
{
	KASSERT(iv->nout < INV_MAX_RESULTS);
	iv->out[iv->nout++] = v;
}

static int
lookup(struct tcb *t, writ_cptr_t cptr, struct cte **slot)
{
	struct cnode_fault fault;

	return cnode_lookup_cap(&t->slots[TCB_SLOT_CSPACE].cap, cptr, WRIT_WORD_BITS, slot,
				&fault);
}

/*
 * The lookup of the capability a syscall names failed with err. When that is because the
 * thread's own CSpace capability is a zombie, this entry first continues that teardown: a Configure of this
 * thread stopped for the timer while deleting the CSpace it was invoked through
 * (WRIT_E_PREEMPTED), so its retry, as every later lookup, now fails, and nothing else can
 * finish the work (the zombie sits in the TCB's own slot and may hold the TCB's last
 * capability). WRIT_E_PREEMPTED again until it is done; then the thread is gone (its TCB
 * was in there) or left without a CSpace (the lookup's error).
 */
static __attribute__((noinline, cold)) int
lookup_failed(struct tcb *t, int err)
{
	struct cte *cspace = &t->slots[TCB_SLOT_CSPACE];
	int del;

	if (cap_type(&cspace->cap) != CAP_ZOMBIE)
		return err;
	del = cte_delete(&kern_cspace, cspace);
	return del == WRIT_OK ? err : del;
}


/* The lookup fault of a failed lookup, as the reply carries it (<writ/abi.h>). */
static void
record_fault(struct writ_lookup_fault *out, writ_word_t cptr, const struct cnode_fault *f)
{
	out->cptr = cptr;
	out->bits_left = f->bits_left;
	out->guard = f->err == WRIT_E_LOOKUP_GUARD_MISMATCH ? f->guard_found : 0;
	out->guard_bits = f->err == WRIT_E_LOOKUP_GUARD_MISMATCH ? f->guard_bits : 0;
}

/* The invocation's reply is the lookup fault, unless a later check fails otherwise. */
static void
inv_set_fault(struct inv *iv, const struct writ_lookup_fault *lf)
{
	iv->out[WRIT_LOOKUP_FAULT_CPTR] = lf->cptr;
	iv->out[WRIT_LOOKUP_FAULT_BITS_LEFT] = lf->bits_left;
	iv->out[WRIT_LOOKUP_FAULT_GUARD] = lf->guard;
	iv->out[WRIT_LOOKUP_FAULT_GUARD_BITS] = lf->guard_bits;
	iv->nout = WRIT_LOOKUP_FAULT_LENGTH;
}

/*
 * The detail of a lookup of the caller's own CSpace that failed: the lookup again, which
 * fails the same way (it changes nothing). A failed cnode_lookup_cap() is always its
 * walk (the flat shortcut only ever succeeds), so the walk is asked directly. Done only
 * on failure, out of line, and without a third inlined copy of cnode_lookup_cap() (GCC
 * then stopped inlining it into lookup(): 12 instructions on every full-path IPC), so
 * the lookups that succeed keep their figures.
 */
static __attribute__((noinline, cold)) void
lookup_fault(struct tcb *t, writ_cptr_t cptr, struct writ_lookup_fault *out)
{
	struct cnode_fault fault;
	struct cte *slot;

	cnode_lookup_cap_walk(&t->slots[TCB_SLOT_CSPACE].cap, cptr, WRIT_WORD_BITS, &slot,
			      &fault);
	record_fault(out, cptr, &fault);
}

/* inv_lookup() beyond the flat CSpace: the walk, and the lookup fault if it fails. */
static __attribute__((noinline)) int
inv_lookup_walk(struct inv *iv, writ_cptr_t cptr, unsigned type, struct cte **slot)
{
	struct cnode_fault fault;
	int err = cnode_lookup_cap_walk(&iv->t->slots[TCB_SLOT_CSPACE].cap, cptr,
					WRIT_WORD_BITS, slot, &fault);

	if (err != WRIT_OK) {
		inv_lookup_failed(iv, cptr, &fault);
		return err;
	}
	if (type != WRIT_OBJ_NULL && cap_type(&(*slot)->cap) != type)
		return WRIT_E_INVALID_CAP;
	return WRIT_OK;
}

/*
 * The usual flat CSpace first, with nothing else live, so the common case keeps the
 * figures it had before lookups reported their faults; anything else takes the walk.
 */
int
inv_lookup(struct inv *iv, writ_cptr_t cptr, unsigned type, struct cte **slot)
{
	struct cte *s = cnode_flat_slot(&iv->t->slots[TCB_SLOT_CSPACE].cap, cptr);

	if (!s || cte_is_empty(s))
		return inv_lookup_walk(iv, cptr, type, slot);
	*slot = s;
	if (type != WRIT_OBJ_NULL && cap_type(&s->cap) != type)
		return WRIT_E_INVALID_CAP;
	return WRIT_OK;
}

void
inv_lookup_failed(struct inv *iv, writ_word_t cptr, const struct cnode_fault *fault)
{
	struct writ_lookup_fault lf;

	record_fault(&lf, cptr, fault);
	inv_set_fault(iv, &lf);
}

int
inv_missing(struct inv *iv, writ_word_t cptr)
{
	const struct writ_lookup_fault lf = { cptr, 0, 0, 0 };

	inv_set_fault(iv, &lf);
	return WRIT_E_LOOKUP_MISSING_CAP;
}

#ifdef WRIT_DEBUG
int
inv_fail(const struct inv *iv, int err, const char *fmt, ...)
{
	va_list ap;

	if (!cmdline_has("why"))
		return err;
	kprintf("kern: thread %u: %s: ", iv->t->id, writ_label_name(iv->label));
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf(": %s", writ_error_name(err));
	if (writ_error_is_lookup(err) && iv->nout == WRIT_LOOKUP_FAULT_LENGTH)
		kprintf(" (cptr 0x%lx, %lu bits left, guard 0x%lx of %lu bits)",
			iv->out[WRIT_LOOKUP_FAULT_CPTR], iv->out[WRIT_LOOKUP_FAULT_BITS_LEFT],
			iv->out[WRIT_LOOKUP_FAULT_GUARD], iv->out[WRIT_LOOKUP_FAULT_GUARD_BITS]);
	kprintf("\n");
	return err;
}
#endif

bool
inv_frame_is_device(const struct cte *frame)
{
	return cap_frame_is_device(&frame->cap);
}

/* A Call or Send on a kernel object: do it, and answer like a Reply would. */
static void
kernel_invocation(struct tcb *t, struct cte *slot, bool reply)
{
	struct inv iv;		/* not zero-filled: out[] is written before it is read */
	struct trap_frame *f = &t->frame;
	int err;

	iv.t = t;
	iv.nout = 0;
	iv.label = writ_msginfo_label(f->rsi);
	iv.len = writ_msginfo_length(f->rsi);
	if (iv.len > WRIT_MSG_MAX_LENGTH)
		iv.len = WRIT_MSG_MAX_LENGTH;
	err = obj_invoke(&iv, slot);
	if (sched_current != t)
		return;		/* it deleted its own TCB: nobody to answer */
	f->rax = (uint64_t)err;
	if (!reply)
		return;
	if (err != WRIT_OK && !writ_error_is_lookup(err))
		iv.nout = 0;	/* a lookup error keeps its fault, written by the lookup */
	if (iv.nout > WRIT_MSG_REGS && !tcb_ipc_buffer(t))
		iv.nout = WRIT_MSG_REGS;	/* no buffer for the rest: the length says so */
	for (unsigned i = 0; i < iv.nout; i++) {
		if (i < WRIT_MSG_REGS)
			*x86_msg_reg(f, i) = iv.out[i];
		else
			tcb_ipc_buffer(t)->msg[i] = iv.out[i];
	}
	f->rsi = writ_msginfo((writ_word_t)err, 0, iv.nout);
}

/* A Call whose own capability did not resolve: the error, and the lookup fault. */
static __attribute__((cold)) void
reply_lookup_error(struct tcb *t, int err)
{
	struct writ_lookup_fault lf;
	unsigned len = 0;

	if (writ_error_is_lookup(err)) {
		lookup_fault(t, t->frame.rdi, &lf);
		*x86_msg_reg(&t->frame, WRIT_LOOKUP_FAULT_CPTR) = lf.cptr;
		*x86_msg_reg(&t->frame, WRIT_LOOKUP_FAULT_BITS_LEFT) = lf.bits_left;
		*x86_msg_reg(&t->frame, WRIT_LOOKUP_FAULT_GUARD) = lf.guard;
		*x86_msg_reg(&t->frame, WRIT_LOOKUP_FAULT_GUARD_BITS) = lf.guard_bits;
		len = WRIT_LOOKUP_FAULT_LENGTH;
	}
	t->frame.rsi = writ_msginfo((writ_word_t)err, 0, len);
}

static void
sys_send(struct tcb *t, bool call, bool blocking, struct cte *slot)
{
	int err = slot ? WRIT_OK : lookup(t, t->frame.rdi, &slot);

	if (err != WRIT_OK) {
		err = lookup_failed(t, err);
		t->frame.rax = (uint64_t)err;
		if (call)
			reply_lookup_error(t, err);
		return;
	}
	if (cap_type(&slot->cap) == WRIT_OBJ_ENDPOINT) {
		/* Sending capabilities needs Grant on the endpoint capability, and a buffer. */
		if (!(cap_rights(&slot->cap) & WRIT_RIGHT_WRITE) ||
		    (writ_msginfo_caps(t->frame.rsi) && !(cap_rights(&slot->cap) & WRIT_RIGHT_GRANT))) {
			t->frame.rax = WRIT_E_RIGHTS;
			return;
		}
		if (writ_msginfo_caps(t->frame.rsi) && !tcb_ipc_buffer(t)) {
			t->frame.rax = WRIT_E_TRUNCATED_MESSAGE;
			return;
		}
		ipc_send(t, (struct endpoint *)cap_addr(&slot->cap), cap_badge(&slot->cap),
			 blocking, call, cap_rights(&slot->cap) &
					 (WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY));
		return;
	}
	kernel_invocation(t, slot, call);
}

static void
sys_recv(struct tcb *t, bool blocking)
{
	struct cte *slot;
	int err = lookup(t, t->frame.rdi, &slot);

	if (err != WRIT_OK)
		err = lookup_failed(t, err);
	if (err == WRIT_OK && cap_type(&slot->cap) == WRIT_OBJ_NOTIFICATION) {
		ntfn_recv_cap(t, slot, blocking);	/* Wait or Poll */
		return;
	}
	if (err == WRIT_OK && cap_type(&slot->cap) != WRIT_OBJ_ENDPOINT)
		err = WRIT_E_INVALID_CAP;
	if (err == WRIT_OK && !(cap_rights(&slot->cap) & WRIT_RIGHT_READ))
		err = WRIT_E_RIGHTS;
	if (err != WRIT_OK) {
		t->frame.rax = (uint64_t)err;
		return;
	}
	ipc_recv(t, (struct endpoint *)cap_addr(&slot->cap), blocking);
}

static void
sys_debug(struct tcb *t, int64_t n)
{
#ifdef WRIT_DEBUG
	switch (n) {
	case WRIT_SYS_DEBUG_PUTCHAR:
		kprintf("%c", (char)t->frame.rdi);
		t->frame.rax = WRIT_OK;
		return;
	case WRIT_SYS_DEBUG_CHECK:
		debug_check_invariants(t);
		return;
	case WRIT_SYS_DEBUG_EXIT:
		boot_exit_qemu((uint8_t)t->frame.rdi);
	}
#endif
	(void)n;
	t->frame.rax = WRIT_E_ILLEGAL_SYSCALL;
}

#ifdef WRIT_DEBUG
void
syscall_debug_check(void)
{
	if (debug_check_every_syscall && debug_check_all() != WRIT_OK)
		kpanic("cspace invariants broken by a syscall");
}
#endif

/*
 * A Linux syscall of a thread with an upcall (TCB_SET_UPCALL): back to user mode at the
 * upcall address, every register as the `syscall` instruction left it. RCX (the return
 * address) and R11 (RFLAGS) are in the frame already, as the entry saved them; the
 * frame is marked written so the exit restores them instead of taking them for sysret's
 * RIP and RFLAGS. The address was checked when set; checked again here because the
 * exit would fault in ring 0 on a non-canonical one, and a wrong TCB field must not
 * become that.
 */
static void
syscall_upcall(struct tcb *t)
{
	if (t->upcall < WRIT_USER_LO || t->upcall >= WRIT_USER_HI) {
		fault_raise(t, WRIT_FAULT_UNKNOWN_SYSCALL, 0, 0);
		return;
	}
	t->frame.rip = t->upcall;
	t->frame.vector = TRAP_VECTOR_WRITTEN;
}

/* Call and ReplyRecv come through syscall_call / syscall_reply_recv (kern/fastpath.c)
 * unless the fastpath is off. */
void
syscall_dispatch(struct trap_frame *f)
{
	struct tcb *t = sched_current;
	int64_t n = (int64_t)f->rax;

	KASSERT(t && f == &t->frame);
	KASSERT(!(x86_read_rflags() & (X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_NT |
				       X86_RFLAGS_AC)));	/* SFMASK */
	switch (n) {
	case WRIT_SYS_CALL:		/* here only without the fastpath */
		syscall_call_slow(t, NULL);
	case WRIT_SYS_REPLY_RECV:
		syscall_reply_recv_slow(t);
	case WRIT_SYS_SEND:
		sys_send(t, false, true, NULL);
		break;
	case WRIT_SYS_NBSEND:
		sys_send(t, false, false, NULL);
		break;
	case WRIT_SYS_RECV:
		sys_recv(t, true);
		break;
	case WRIT_SYS_NBRECV:
		sys_recv(t, false);
		break;
	case WRIT_SYS_REPLY:
		f->rax = (uint64_t)ipc_reply(t, false);
		break;
	case WRIT_SYS_YIELD:
		f->rax = WRIT_OK;
		sched_yield_current();
		break;
	case WRIT_SYS_DEBUG_PUTCHAR:
	case WRIT_SYS_DEBUG_CHECK:
	case WRIT_SYS_DEBUG_EXIT:
		sys_debug(t, n);
		break;
	default:
		if (n >= 0 && t->upcall)
			syscall_upcall(t);
		else
			fault_raise(t, WRIT_FAULT_UNKNOWN_SYSCALL, 0, 0);
		break;
	}
	fastpath_debug_hook();
	sched_exit_to_user();
}

void
syscall_call_slow(struct tcb *t, struct cte *slot)
{
	if (slot && cte_is_empty(slot))
		slot = NULL;	/* the full lookup says why */
	sys_send(t, true, true, slot);
	fastpath_debug_hook();
	sched_exit_to_user();
}

void
syscall_reply_recv_slow(struct tcb *t)
{
	ipc_reply(t, true);
	sys_recv(t, true);
	fastpath_debug_hook();
	sched_exit_to_user();
}
