/*
 * Threads: TCB objects and their invocations.
 *
 * A TCB starts inactive with priority 0 and maximum controlled priority (MCP) 0. It runs
 * once it has a VSpace and is resumed. Its CSpace root, VSpace root, IPC buffer frame and
 * fault endpoint are capabilities copied into slots inside the TCB (see kern/tcb.h).
 * Priorities are bounded by an authority TCB's MCP, so a thread can never give another
 * thread (or itself) a priority above what it was itself allowed to hand out.
 */
#include <stdint.h>

#include <kern/console.h>
#include <kern/cpu_features.h>
#include <kern/invoke.h>
#include <kern/ipc.h>
#include <kern/notification.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <portable/string.h>
#include <kern/tcb.h>

static uint32_t next_id = 1;

struct tcb *
tcb_of_cap(const struct cap *c)
{
	return (struct tcb *)cap_addr(c);
}

void
tcb_init(struct tcb *t)
{
	memcpy(t->fpu, fpu_initial_state, sizeof(t->fpu));
	x86_frame_init_user(&t->frame);
	t->state = TS_INACTIVE;
	t->timeslice = SCHED_TIMESLICE_TICKS;	/* a whole turn to begin with */
	t->id = next_id++;
}

void
tcb_suspend(struct tcb *t)
{
	/* Cut out of an IPC, it must not look as if the IPC happened when resumed. A thread
	 * stopped by a fault is not in a syscall: resumed, it runs the faulting instruction
	 * again with every register as it was, RAX included. */
	if (!t->fault_type &&
	    (t->state == TS_BLOCKED_SEND || t->state == TS_BLOCKED_RECV ||
	     t->state == TS_BLOCKED_REPLY || t->state == TS_BLOCKED_NTFN))
		t->frame.rax = WRIT_E_CANCELLED;
	ipc_cancel(t);
	sched_dequeue(t);
	t->state = TS_INACTIVE;
}

void
tcb_resume(struct tcb *t)
{
	if (t->state != TS_INACTIVE)
		return;
	t->fault_type = WRIT_FAULT_NONE;
	sched_make_runnable(t);
}

/*
 * The last capability to a TCB is going: stop the thread for good. cspace/ then empties
 * the TCB's slots itself (the finaliser may not touch capabilities), and the TCB's
 * memory stays reserved under its untyped until that is done.
 */
void
tcb_finalise(struct tcb *t)
{
	tcb_suspend(t);
	ntfn_unbind_tcb(t);
	sched_forget(t);
}

/*
 * What Configure was asked to do, read and checked before anything changes: the slots
 * of the new capabilities (NULL: empty the TCB's slot) and the capability words each
 * held then, so that a step can tell whether an earlier deletion took them away.
 */
struct configure {
	struct cte *target;		/* the invoked TCB capability's slot */
	struct cte *src[TCB_SLOTS];
	uint64_t target_w0, src_w0[TCB_SLOTS];
	writ_word_t guard, ipc_buffer_vaddr;
};

/*
 * The slot still holds the capability it held when Configure checked it. The first word
 * (type, rights, address, radix) is all a deletion elsewhere could change: it empties
 * slots, or turns a last capability into a zombie, and never leaves one of the same
 * object and type behind.
 */
static bool
slot_unchanged(const struct cte *slot, uint64_t was_w0)
{
	return slot->cap.w0 == was_w0;
}

/*
 * One step of Configure: replace TCB slot `which` with a copy of its new capability.
 *
 * Deleting the old capability can delete anything it was the last way to: its CSpace
 * can hold the only capability to this very TCB (then the TCB is finalised and its
 * memory goes back to its untyped) and the capabilities later steps copy from. So after
 * the deletion nothing of the TCB is written, and no source is read, until the invoked
 * slot is seen to still hold the TCB's capability (the TCB is alive: its last capability
 * was not deleted) and the source its capability. The slots themselves stay readable:
 * a CNode or TCB being freed has all its slots emptied first, and nothing can reuse the
 * memory before this kernel entry ends. WRIT_E_INVALID_CAP: the step's deletion took the
 * target or the source away, and Configure stops there.
 */
static int
configure_slot(struct configure *c, struct tcb *t, enum tcb_slot which)
{
	struct cte *src = c->src[which];
	int err;

	if (!cte_is_empty(&t->slots[which])) {	/* else there is nothing to delete */
		if ((err = obj_delete_fully(&t->slots[which])) != WRIT_OK)
			return err;
		if (!slot_unchanged(c->target, c->target_w0) ||
		    (src && !slot_unchanged(src, c->src_w0[which])))
			return WRIT_E_INVALID_CAP;
	}
	if (src && (err = cte_copy(&kern_cspace, &t->slots[which], src,
				   cap_rights(&src->cap))) != WRIT_OK)
		return err;
	if (which == TCB_SLOT_CSPACE && src && c->guard)
		t->slots[which].cap.w1 = c->guard;
	if (which == TCB_SLOT_IPC_BUFFER)
		t->ipc_buffer_vaddr = c->ipc_buffer_vaddr;
	return WRIT_OK;
}

/* A fault endpoint must carry a Call (Write) and authority to be answered (Grant or
 * GrantReply), as in seL4: the answer to a fault rewrites the faulting thread. */
static bool
fault_ep_rights_ok(const struct cap *c)
{
	unsigned r = cap_rights(c);

	return (r & WRIT_RIGHT_WRITE) && (r & (WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY));
}

/* Configure's arguments (TCB_CONFIGURE, <writ/invocations.def>); a cptr of 0 empties
 * that slot. */
#define A_FAULT_EP         WRIT_ARG_TCB_CONFIGURE_FAULT_EP
#define A_CSPACE           WRIT_ARG_TCB_CONFIGURE_CSPACE
#define A_CSPACE_GUARD     WRIT_ARG_TCB_CONFIGURE_CSPACE_GUARD
#define A_VSPACE           WRIT_ARG_TCB_CONFIGURE_VSPACE
#define A_IPC_BUFFER_VADDR WRIT_ARG_TCB_CONFIGURE_IPC_BUFFER_VADDR
#define A_IPC_BUFFER       WRIT_ARG_TCB_CONFIGURE_IPC_BUFFER

/* The capability a Configure argument names, of the type its slot takes, or none. */
static int
configure_lookup(struct inv *iv, const writ_word_t *a, unsigned arg, unsigned type,
		 const char *what, struct cte **slot)
{
	int err;

	(void)what;	/* for the debug line only */
	*slot = NULL;
	if (a[arg] == 0)
		return WRIT_OK;
	err = inv_lookup(iv, a[arg], type, slot);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%s 0x%lx", what, a[arg]);
	return WRIT_OK;
}

static int
invoke_configure(struct inv *iv, struct cte *slot, struct tcb *t)
{
	static const enum tcb_slot order[] = { TCB_SLOT_FAULT_EP, TCB_SLOT_CSPACE,
					       TCB_SLOT_VSPACE, TCB_SLOT_IPC_BUFFER };
	struct configure c;
	struct cte *fault, *cspace, *vspace, *ipcbuf;
	writ_word_t a[WRIT_ARGC_TCB_CONFIGURE];
	int err;

	err = inv_args(iv, a, WRIT_ARGC_TCB_CONFIGURE);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_TCB_CONFIGURE);
	err = configure_lookup(iv, a, A_FAULT_EP, WRIT_OBJ_ENDPOINT, "fault endpoint", &fault);
	if (err != WRIT_OK)
		return err;
	if (fault && !fault_ep_rights_ok(&fault->cap))
		return INV_FAIL(iv, WRIT_E_RIGHTS, "fault endpoint needs Write and Grant or "
				"GrantReply");
	err = configure_lookup(iv, a, A_CSPACE, WRIT_OBJ_CNODE, "cspace root", &cspace);
	if (err != WRIT_OK)
		return err;
	err = configure_lookup(iv, a, A_VSPACE, WRIT_OBJ_PML4, "vspace root", &vspace);
	if (err != WRIT_OK)
		return err;
	err = configure_lookup(iv, a, A_IPC_BUFFER, WRIT_OBJ_NULL, "ipc buffer", &ipcbuf);
	if (err != WRIT_OK)
		return err;
	if (ipcbuf && !cap_type_is_frame(cap_type(&ipcbuf->cap)))
		return INV_FAIL(iv, WRIT_E_INVALID_CAP, "ipc buffer is not a frame");
	if (ipcbuf && inv_frame_is_device(ipcbuf))
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "ipc buffer in device memory");
	if (ipcbuf && a[A_IPC_BUFFER_VADDR] % (1u << WRIT_IPC_BUFFER_ALIGN_BITS) != 0)
		return INV_FAIL(iv, WRIT_E_ALIGNMENT, "ipc buffer address 0x%lx not 1 KiB aligned",
				a[A_IPC_BUFFER_VADDR]);
	if (a[A_CSPACE_GUARD] && cspace) {
		/* The guard is set on the TCB's own copy, below: its width and radix must fit
		 * a word, and its value its width (the cspace checker's I5). */
		writ_word_t guard = a[A_CSPACE_GUARD];
		unsigned gb = (unsigned)(guard & WRIT_GUARD_BITS_MASK);

		if (gb + cap_cnode_radix(&cspace->cap) > 64)
			return INV_FAIL(iv, WRIT_E_INVALID_ARGUMENT, "guard width %u and radix "
					"exceed 64 bits", gb);
		if ((guard >> WRIT_GUARD_VALUE_SHIFT) >> gb != 0)
			return INV_FAIL(iv, WRIT_E_INVALID_ARGUMENT, "guard value wider than %u "
					"bits", gb);
	}
	c.target = slot;
	c.target_w0 = slot->cap.w0;
	c.src[TCB_SLOT_FAULT_EP] = fault;
	c.src[TCB_SLOT_CSPACE] = cspace;
	c.src[TCB_SLOT_VSPACE] = vspace;
	c.src[TCB_SLOT_IPC_BUFFER] = ipcbuf;
	for (unsigned i = 0; i < TCB_SLOTS; i++)
		c.src_w0[i] = c.src[i] ? c.src[i]->cap.w0 : 0;
	c.guard = cspace ? a[A_CSPACE_GUARD] : 0;
	c.ipc_buffer_vaddr = ipcbuf ? a[A_IPC_BUFFER_VADDR] : 0;
	/* Everything checked: from here on only a step's own deletion can stop it. */
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((err = configure_slot(&c, t, order[i])) != WRIT_OK)
			return err;
	return WRIT_OK;
}

static int
invoke_priority(struct inv *iv, struct tcb *t, bool mcp)
{
	struct cte *auth;
	writ_word_t a[WRIT_ARGC_TCB_SET_PRIORITY];
	int err;

	/* SET_PRIORITY and SET_MCP (<writ/invocations.def>) share this decode. */
	enum { A_AUTHORITY = WRIT_ARG_TCB_SET_PRIORITY_AUTHORITY,
	       A_PRIORITY = WRIT_ARG_TCB_SET_PRIORITY_PRIORITY };
	_Static_assert((int)WRIT_ARG_TCB_SET_MCP_AUTHORITY == (int)A_AUTHORITY &&
		       (int)WRIT_ARG_TCB_SET_MCP_MCP == (int)A_PRIORITY &&
		       (int)WRIT_ARGC_TCB_SET_MCP == (int)WRIT_ARGC_TCB_SET_PRIORITY,
		       "SET_MCP's arguments are SET_PRIORITY's");

	err = inv_args(iv, a, WRIT_ARGC_TCB_SET_PRIORITY);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_TCB_SET_PRIORITY);
	err = inv_lookup(iv, a[A_AUTHORITY], WRIT_OBJ_TCB, &auth);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "authority 0x%lx is not a TCB", a[A_AUTHORITY]);
	if (a[A_PRIORITY] > WRIT_PRIO_MAX)
		return INV_FAIL(iv, WRIT_E_RANGE, "priority %lu above %u", a[A_PRIORITY],
				WRIT_PRIO_MAX);
	if (a[A_PRIORITY] > tcb_of_cap(&auth->cap)->mcp)
		return INV_FAIL(iv, WRIT_E_RANGE, "priority %lu above the authority's MCP %u",
				a[A_PRIORITY], tcb_of_cap(&auth->cap)->mcp);
	if (mcp) {
		t->mcp = (uint8_t)a[A_PRIORITY];
		return WRIT_OK;
	}
	sched_set_priority(t, (unsigned)a[A_PRIORITY]);
	return WRIT_OK;
}

static int
invoke_read_regs(struct inv *iv, struct tcb *t)
{
	writ_word_t n;
	int err;

	_Static_assert(WRIT_ARGC_TCB_READ_REGS == 1 && WRIT_ARG_TCB_READ_REGS_COUNT == 0,
		       "READ_REGS takes the count alone");
	err = inv_args(iv, &n, WRIT_ARGC_TCB_READ_REGS);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "the count is needed");
	if (n > WRIT_CTX_COUNT)
		return INV_FAIL(iv, WRIT_E_RANGE, "count %lu above WRIT_CTX_COUNT", n);
	if (t == iv->t)	/* its frame is this very call */
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "a thread cannot read its own");
	for (unsigned i = 0; i < n; i++)
		inv_ret(iv, tcb_get_reg(t, i));
	return WRIT_OK;
}

static int
invoke_write_regs(struct inv *iv, struct tcb *t)
{
	writ_word_t a[WRIT_ARGC_TCB_WRITE_REGS + WRIT_CTX_COUNT];
	int err;

	/* The fixed arguments, then the registers (<writ/invocations.def>). */
	enum { A_RESUME = WRIT_ARG_TCB_WRITE_REGS_RESUME, A_COUNT = WRIT_ARG_TCB_WRITE_REGS_COUNT,
	       A_REGS = WRIT_ARGC_TCB_WRITE_REGS };

	err = inv_args(iv, a, A_REGS);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "resume and count are needed");
	if (a[A_COUNT] > WRIT_CTX_COUNT)
		return INV_FAIL(iv, WRIT_E_RANGE, "count %lu above WRIT_CTX_COUNT", a[A_COUNT]);
	if (t == iv->t)
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "a thread cannot write its own");
	err = inv_args(iv, a, A_REGS + (unsigned)a[A_COUNT]);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%lu registers announced", a[A_COUNT]);
	for (unsigned i = 0; i < a[A_COUNT]; i++)
		tcb_set_reg(t, i, a[A_REGS + i]);
	if (a[A_RESUME])
		tcb_resume(t);
	return WRIT_OK;
}

/*
 * SET_UPCALL and SET_FS_BASE: one user address each. The upcall address is checked here
 * and again where it is used (syscall_upcall), because the return to it is a sysret or
 * iretq to a user-chosen RIP: a non-canonical one would fault in ring 0.
 */
static int
invoke_set_addr(struct inv *iv, struct tcb *t, bool upcall)
{
	writ_word_t a;
	int err;

	_Static_assert(WRIT_ARGC_TCB_SET_UPCALL == 1 && WRIT_ARGC_TCB_SET_FS_BASE == 1,
		       "one address each");
	err = inv_args(iv, &a, 1);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "the address is needed");
	if (a >= WRIT_USER_HI || (upcall && a != 0 && a < WRIT_USER_LO))
		return INV_FAIL(iv, WRIT_E_RANGE, "address 0x%lx is not a user address", a);
	if (upcall) {
		t->upcall = a;
		return WRIT_OK;
	}
	t->fs_base = a;
	if (t == sched_current)	/* it runs on with this base: the switch will not load it */
		x86_tls_load(t->fs_base, t->gs_base);
	return WRIT_OK;
}

int
tcb_invoke(struct inv *iv, struct cte *slot)
{
	struct tcb *t = tcb_of_cap(&slot->cap);

	switch (iv->label) {
	case WRIT_LABEL_TCB_CONFIGURE:
		return invoke_configure(iv, slot, t);
	case WRIT_LABEL_TCB_SET_PRIORITY:
		return invoke_priority(iv, t, false);
	case WRIT_LABEL_TCB_SET_MCP:
		return invoke_priority(iv, t, true);
	case WRIT_LABEL_TCB_READ_REGS:
		return invoke_read_regs(iv, t);
	case WRIT_LABEL_TCB_WRITE_REGS:
		return invoke_write_regs(iv, t);
	case WRIT_LABEL_TCB_RESUME:
		if (cap_type(&t->slots[TCB_SLOT_VSPACE].cap) != WRIT_OBJ_PML4)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "no VSpace to run in");
		tcb_resume(t);
		return WRIT_OK;
	case WRIT_LABEL_TCB_SUSPEND:
		tcb_suspend(t);
		return WRIT_OK;
	case WRIT_LABEL_TCB_SET_UPCALL:
		return invoke_set_addr(iv, t, true);
	case WRIT_LABEL_TCB_SET_FS_BASE:
		return invoke_set_addr(iv, t, false);
	case WRIT_LABEL_TCB_BIND_NOTIFICATION:
	case WRIT_LABEL_TCB_UNBIND_NOTIFICATION:
		return ntfn_tcb_invoke(iv, t);
	default:
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a TCB invocation");
	}
}
