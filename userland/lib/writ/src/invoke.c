/*
 * Typed wrappers for every kernel-object invocation: each packs its arguments in the
 * order <writ/invocations.def> lists them and unpacks the results.
 */
#include <writ/writ.h>

long
writ_invoke(writ_cptr_t cap, writ_word_t label, const writ_word_t *args, unsigned n,
	    writ_word_t *out, unsigned nout)
{
	struct writ_msg m = { .info = writ_msginfo(label, 0, n) };
	long err;

	for (unsigned i = 0; i < n; i++) {
		if (i < WRIT_MSG_REGS)
			m.mr[i] = args[i];
		else
			writ_mr_set(i, args[i]);
	}
	err = writ_call(cap, &m);
	if (err != WRIT_OK)
		return err;
	for (unsigned i = 0; i < nout && i < writ_msginfo_length(m.info); i++)
		out[i] = i < WRIT_MSG_REGS ? m.mr[i] : writ_mr_get(i);
	return WRIT_OK;
}

/*
 * Each stub names its invocation as in <writ/invocations.def> (NAME for WRIT_LABEL_NAME)
 * and states how many argument and result words it sends and takes: the compiler checks
 * them against the .def, so a stub cannot disagree with the kernel's decode.
 */
#define CHECK_COUNTS(name, nargs, nres)                                             \
	_Static_assert((int)WRIT_ARGC_##name == (nargs) && (int)WRIT_RESC_##name == (nres), \
		       #name ": arguments and results as in <writ/invocations.def>")

/* A call with its fixed arguments and no results. */
#define INVOKE(cap, name, ...)                                                      \
	({                                                                          \
		const writ_word_t a_[] = { __VA_ARGS__ };                           \
		CHECK_COUNTS(name, sizeof(a_) / sizeof(a_[0]), 0);                  \
		writ_invoke(cap, WRIT_LABEL_##name, a_, sizeof(a_) / sizeof(a_[0]), NULL, 0); \
	})

/* A call with neither arguments nor results. */
#define INVOKE0(cap, name)                                                          \
	({                                                                          \
		CHECK_COUNTS(name, 0, 0);                                           \
		writ_invoke(cap, WRIT_LABEL_##name, NULL, 0, NULL, 0);              \
	})

long
writ_untyped_retype(writ_cptr_t ut, unsigned type, unsigned size_bits, writ_cptr_t root,
		    writ_word_t node_index, unsigned node_depth, writ_word_t offset,
		    writ_word_t count)
{
	return INVOKE(ut, UNTYPED_RETYPE, type, size_bits, root, node_index,
		      node_depth, offset, count);
}

long
writ_cnode_copy(writ_cptr_t root, writ_word_t dest, unsigned dest_depth, writ_cptr_t src_root,
		writ_word_t src, unsigned src_depth, unsigned rights)
{
	return INVOKE(root, CNODE_COPY, dest, dest_depth, src_root, src, src_depth,
		      rights);
}

long
writ_cnode_mint(writ_cptr_t root, writ_word_t dest, unsigned dest_depth, writ_cptr_t src_root,
		writ_word_t src, unsigned src_depth, unsigned rights, writ_word_t badge)
{
	return INVOKE(root, CNODE_MINT, dest, dest_depth, src_root, src, src_depth,
		      rights, badge);
}

long
writ_cnode_move(writ_cptr_t root, writ_word_t dest, unsigned dest_depth, writ_cptr_t src_root,
		writ_word_t src, unsigned src_depth)
{
	return INVOKE(root, CNODE_MOVE, dest, dest_depth, src_root, src, src_depth);
}

long
writ_cnode_mutate(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		  writ_cptr_t src_root, writ_word_t src, unsigned src_depth, unsigned rights,
		  writ_word_t badge)
{
	return INVOKE(root, CNODE_MUTATE, dest, dest_depth, src_root, src,
		      src_depth, rights, badge);
}

long
writ_cnode_rotate(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		  writ_cptr_t pivot_root, writ_word_t pivot, unsigned pivot_depth,
		  writ_cptr_t src_root, writ_word_t src, unsigned src_depth,
		  writ_word_t dest_badge, writ_word_t pivot_badge)
{
	return INVOKE(root, CNODE_ROTATE, dest, dest_depth, pivot_root, pivot,
		      pivot_depth, src_root, src, src_depth, dest_badge, pivot_badge);
}

/* Delete and Revoke stop when an interrupt is due (WRIT_E_PREEMPTED); we call again,
 * and the kernel continues where it stopped. */
long
writ_cnode_delete(writ_cptr_t root, writ_word_t index, unsigned depth)
{
	long err;

	while ((err = INVOKE(root, CNODE_DELETE, index, depth)) == WRIT_E_PREEMPTED)
		;
	return err;
}

long
writ_cnode_revoke(writ_cptr_t root, writ_word_t index, unsigned depth)
{
	long err;

	while ((err = INVOKE(root, CNODE_REVOKE, index, depth)) == WRIT_E_PREEMPTED)
		;
	return err;
}

long
writ_tcb_configure(writ_cptr_t tcb, writ_cptr_t fault_ep, writ_cptr_t cspace,
		   writ_word_t cspace_guard, writ_cptr_t vspace, writ_word_t ipc_vaddr,
		   writ_cptr_t ipc_frame)
{
	long err;

	/* Replacing a slot may tear a CNode down: preemptible like Delete. */
	while ((err = INVOKE(tcb, TCB_CONFIGURE, fault_ep, cspace, cspace_guard,
			     vspace, ipc_vaddr, ipc_frame)) == WRIT_E_PREEMPTED)
		;
	return err;
}

long
writ_tcb_set_priority(writ_cptr_t tcb, writ_cptr_t authority, unsigned prio)
{
	return INVOKE(tcb, TCB_SET_PRIORITY, authority, prio);
}

long
writ_tcb_set_mcp(writ_cptr_t tcb, writ_cptr_t authority, unsigned mcp)
{
	return INVOKE(tcb, TCB_SET_MCP, authority, mcp);
}

long
writ_tcb_read_regs(writ_cptr_t tcb, writ_word_t *ctx, unsigned count)
{
	const writ_word_t a[] = { count };

	CHECK_COUNTS(TCB_READ_REGS, 1, 0);	/* the registers are a variable run */
	return writ_invoke(tcb, WRIT_LABEL_TCB_READ_REGS, a, 1, ctx, count);
}

long
writ_tcb_write_regs(writ_cptr_t tcb, bool resume, const writ_word_t *ctx, unsigned count)
{
	writ_word_t a[2 + WRIT_CTX_COUNT] = { resume, count };

	CHECK_COUNTS(TCB_WRITE_REGS, 2, 0);	/* then the registers, a variable run */
	if (count > WRIT_CTX_COUNT)
		return WRIT_E_RANGE;
	for (unsigned i = 0; i < count; i++)
		a[2 + i] = ctx[i];
	return writ_invoke(tcb, WRIT_LABEL_TCB_WRITE_REGS, a, 2 + count, NULL, 0);
}

long
writ_tcb_resume(writ_cptr_t tcb)
{
	return INVOKE0(tcb, TCB_RESUME);
}

long
writ_tcb_suspend(writ_cptr_t tcb)
{
	return INVOKE0(tcb, TCB_SUSPEND);
}

long
writ_tcb_set_upcall(writ_cptr_t tcb, writ_word_t addr)
{
	return INVOKE(tcb, TCB_SET_UPCALL, addr);
}

long
writ_tcb_set_fs_base(writ_cptr_t tcb, writ_word_t base)
{
	return INVOKE(tcb, TCB_SET_FS_BASE, base);
}

long
writ_page_table_map(writ_cptr_t table, writ_cptr_t vspace, writ_word_t vaddr)
{
	return INVOKE(table, PAGE_TABLE_MAP, vspace, vaddr, WRIT_MAP_WRITE_BACK);
}

long
writ_page_table_unmap(writ_cptr_t table)
{
	return INVOKE0(table, PAGE_TABLE_UNMAP);
}

long
writ_frame_map(writ_cptr_t frame, writ_cptr_t vspace, writ_word_t vaddr, unsigned rights,
	       unsigned attr)
{
	return INVOKE(frame, FRAME_MAP, vspace, vaddr, rights, attr);
}

long
writ_frame_unmap(writ_cptr_t frame)
{
	return INVOKE0(frame, FRAME_UNMAP);
}

long
writ_frame_get_address(writ_cptr_t frame, writ_word_t *paddr)
{
	CHECK_COUNTS(FRAME_GET_ADDRESS, 0, 1);
	return writ_invoke(frame, WRIT_LABEL_FRAME_GET_ADDRESS, NULL, 0, paddr, 1);
}

long
writ_ioport_issue(writ_cptr_t control, unsigned first, unsigned last, writ_cptr_t root,
		  writ_word_t index, unsigned depth)
{
	return INVOKE(control, IOPORT_CONTROL_ISSUE, first, last, root, index, depth);
}

long
writ_ioport_in(writ_cptr_t port_cap, unsigned width, unsigned port, uint32_t *value)
{
	const writ_word_t a[] = { port };
	writ_word_t label = width == 1 ? WRIT_LABEL_IOPORT_IN8 : width == 2 ? WRIT_LABEL_IOPORT_IN16
									 : WRIT_LABEL_IOPORT_IN32;
	writ_word_t v = 0;
	long err;

	CHECK_COUNTS(IOPORT_IN8, 1, 1);
	CHECK_COUNTS(IOPORT_IN16, 1, 1);
	CHECK_COUNTS(IOPORT_IN32, 1, 1);
	err = writ_invoke(port_cap, label, a, 1, &v, 1);
	*value = (uint32_t)v;
	return err;
}

long
writ_ioport_out(writ_cptr_t port_cap, unsigned width, unsigned port, uint32_t value)
{
	writ_word_t label = width == 1 ? WRIT_LABEL_IOPORT_OUT8 : width == 2 ? WRIT_LABEL_IOPORT_OUT16
									   : WRIT_LABEL_IOPORT_OUT32;
	const writ_word_t a[] = { port, value };

	CHECK_COUNTS(IOPORT_OUT8, 2, 0);
	CHECK_COUNTS(IOPORT_OUT16, 2, 0);
	CHECK_COUNTS(IOPORT_OUT32, 2, 0);
	return writ_invoke(port_cap, label, a, 2, NULL, 0);
}

/* ---- notifications and IRQs ---- */

long
writ_signal(writ_cptr_t ntfn)
{
	struct writ_msg m = { 0 };

	return writ_send(ntfn, &m);
}

long
writ_wait(writ_cptr_t ntfn, writ_word_t *word)
{
	struct writ_msg m = { 0 };
	long err = writ_recv(ntfn, &m);

	if (word)
		*word = err == WRIT_OK ? m.badge : 0;
	return err;
}

long
writ_poll(writ_cptr_t ntfn, writ_word_t *word)
{
	struct writ_msg m = { 0 };
	long err = writ_nbrecv(ntfn, &m);

	if (word)
		*word = err == WRIT_OK ? m.badge : 0;
	return err;
}

long
writ_tcb_bind_notification(writ_cptr_t tcb, writ_cptr_t ntfn)
{
	return INVOKE(tcb, TCB_BIND_NOTIFICATION, ntfn);
}

long
writ_tcb_unbind_notification(writ_cptr_t tcb)
{
	return INVOKE0(tcb, TCB_UNBIND_NOTIFICATION);
}

long
writ_irq_control_issue(writ_cptr_t control, unsigned line, writ_cptr_t root, writ_word_t index,
		       unsigned depth)
{
	return INVOKE(control, IRQ_CONTROL_ISSUE, line, root, index, depth);
}

long
writ_irq_control_stats(writ_cptr_t control, unsigned line, writ_word_t *unhandled,
		       writ_word_t *delivered, writ_word_t *last_tsc)
{
	const writ_word_t a[] = { line };
	writ_word_t out[3] = { 0 };
	long err;

	CHECK_COUNTS(IRQ_CONTROL_STATS, 1, 3);
	err = writ_invoke(control, WRIT_LABEL_IRQ_CONTROL_STATS, a, 1, out, 3);

	if (unhandled)
		*unhandled = out[0];
	if (delivered)
		*delivered = out[1];
	if (last_tsc)
		*last_tsc = out[2];
	return err;
}

long
writ_irq_control_get_msi(writ_cptr_t control, unsigned msi, writ_cptr_t root,
			 writ_word_t index, unsigned depth, writ_word_t *address,
			 writ_word_t *data)
{
	const writ_word_t a[] = { msi, root, index, depth };
	writ_word_t out[2] = { 0 };
	long err;

	CHECK_COUNTS(IRQ_CONTROL_GET_MSI, 4, 2);
	err = writ_invoke(control, WRIT_LABEL_IRQ_CONTROL_GET_MSI, a, 4, out, 2);

	if (address)
		*address = out[0];
	if (data)
		*data = out[1];
	return err;
}

long
writ_irq_handler_set_notification(writ_cptr_t handler, writ_cptr_t ntfn)
{
	return INVOKE(handler, IRQ_HANDLER_SET_NOTIFICATION, ntfn);
}

long
writ_irq_handler_ack(writ_cptr_t handler)
{
	return INVOKE0(handler, IRQ_HANDLER_ACK);
}

long
writ_irq_handler_clear(writ_cptr_t handler)
{
	return INVOKE0(handler, IRQ_HANDLER_CLEAR);
}
