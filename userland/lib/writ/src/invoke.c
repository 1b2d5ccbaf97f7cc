/*
 * Typed wrappers for every kernel-object invocation. Each calls the invocation's stub in
 * <writ/stubs.h>, which the build generates from <writ/invocations.def>
 * (kern/tools/gen_invoke_stubs.py), so the words go where the kernel's decode reads them.
 */
#include <writ/stubs.h>
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

long
writ_untyped_retype(writ_cptr_t ut, unsigned type, unsigned size_bits, writ_cptr_t root,
		    writ_word_t node_index, unsigned node_depth, writ_word_t offset,
		    writ_word_t count)
{
	return writ_inv_untyped_retype(ut, type, size_bits, root, node_index,
		      node_depth, offset, count);
}

long
writ_cnode_copy(writ_cptr_t root, writ_word_t dest, unsigned dest_depth, writ_cptr_t src_root,
		writ_word_t src, unsigned src_depth, unsigned rights)
{
	return writ_inv_cnode_copy(root, dest, dest_depth, src_root, src, src_depth,
		      rights);
}

long
writ_cnode_mint(writ_cptr_t root, writ_word_t dest, unsigned dest_depth, writ_cptr_t src_root,
		writ_word_t src, unsigned src_depth, unsigned rights, writ_word_t badge)
{
	return writ_inv_cnode_mint(root, dest, dest_depth, src_root, src, src_depth,
		      rights, badge);
}

long
writ_cnode_move(writ_cptr_t root, writ_word_t dest, unsigned dest_depth, writ_cptr_t src_root,
		writ_word_t src, unsigned src_depth)
{
	return writ_inv_cnode_move(root, dest, dest_depth, src_root, src, src_depth);
}

long
writ_cnode_mutate(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		  writ_cptr_t src_root, writ_word_t src, unsigned src_depth, unsigned rights,
		  writ_word_t badge)
{
	return writ_inv_cnode_mutate(root, dest, dest_depth, src_root, src,
		      src_depth, rights, badge);
}

long
writ_cnode_remint(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		  writ_cptr_t src_root, writ_word_t src, unsigned src_depth, unsigned rights,
		  writ_word_t badge)
{
	return writ_inv_cnode_remint(root, dest, dest_depth, src_root, src,
		      src_depth, rights, badge);
}

long
writ_cnode_rotate(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		  writ_cptr_t pivot_root, writ_word_t pivot, unsigned pivot_depth,
		  writ_cptr_t src_root, writ_word_t src, unsigned src_depth,
		  writ_word_t dest_badge, writ_word_t pivot_badge)
{
	return writ_inv_cnode_rotate(root, dest, dest_depth, pivot_root, pivot,
		      pivot_depth, src_root, src, src_depth, dest_badge, pivot_badge);
}

long
writ_cnode_find(writ_cptr_t cnode, writ_cptr_t ref, writ_word_t first, writ_word_t count,
		writ_word_t *res, unsigned nres)
{
	if (nres >= 2)
		res[1] = 0;	/* a short reply finds nothing */
	return writ_inv_cnode_find(cnode, ref, first, count, res, nres);
}

/* Delete and Revoke stop when an interrupt is due (WRIT_E_PREEMPTED); we call again,
 * and the kernel continues where it stopped. */
long
writ_cnode_delete(writ_cptr_t root, writ_word_t index, unsigned depth)
{
	long err;

	while ((err = writ_inv_cnode_delete(root, index, depth)) == WRIT_E_PREEMPTED)
		;
	return err;
}

long
writ_cnode_revoke(writ_cptr_t root, writ_word_t index, unsigned depth)
{
	long err;

	while ((err = writ_inv_cnode_revoke(root, index, depth)) == WRIT_E_PREEMPTED)
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
	while ((err = writ_inv_tcb_configure(tcb, fault_ep, cspace, cspace_guard,
			     vspace, ipc_vaddr, ipc_frame)) == WRIT_E_PREEMPTED)
		;
	return err;
}

long
writ_tcb_set_priority(writ_cptr_t tcb, writ_cptr_t authority, unsigned prio)
{
	return writ_inv_tcb_set_priority(tcb, authority, prio);
}

long
writ_tcb_set_mcp(writ_cptr_t tcb, writ_cptr_t authority, unsigned mcp)
{
	return writ_inv_tcb_set_mcp(tcb, authority, mcp);
}

long
writ_tcb_read_regs(writ_cptr_t tcb, writ_word_t *ctx, unsigned count)
{
	return writ_inv_tcb_read_regs(tcb, count, ctx, count);
}

long
writ_tcb_write_regs(writ_cptr_t tcb, bool resume, const writ_word_t *ctx, unsigned count)
{
	/* The fixed arguments, then the registers (a variable run). */
	writ_word_t a[WRIT_ARGC_TCB_WRITE_REGS + WRIT_CTX_COUNT] = {
		[WRIT_ARG_TCB_WRITE_REGS_RESUME] = resume,
		[WRIT_ARG_TCB_WRITE_REGS_COUNT] = count,
	};

	if (count > WRIT_CTX_COUNT)
		return WRIT_E_RANGE;
	for (unsigned i = 0; i < count; i++)
		a[WRIT_ARGC_TCB_WRITE_REGS + i] = ctx[i];
	return writ_inv_tcb_write_regs(tcb, a, WRIT_ARGC_TCB_WRITE_REGS + count);
}

long
writ_tcb_resume(writ_cptr_t tcb)
{
	return writ_inv_tcb_resume(tcb);
}

long
writ_tcb_suspend(writ_cptr_t tcb)
{
	return writ_inv_tcb_suspend(tcb);
}

long
writ_tcb_set_upcall(writ_cptr_t tcb, writ_word_t addr)
{
	return writ_inv_tcb_set_upcall(tcb, addr);
}

long
writ_tcb_set_fs_base(writ_cptr_t tcb, writ_word_t base)
{
	return writ_inv_tcb_set_fs_base(tcb, base);
}

long
writ_page_table_map(writ_cptr_t table, writ_cptr_t vspace, writ_word_t vaddr)
{
	return writ_inv_page_table_map(table, vspace, vaddr, WRIT_MAP_WRITE_BACK);
}

long
writ_page_table_unmap(writ_cptr_t table)
{
	return writ_inv_page_table_unmap(table);
}

long
writ_frame_map(writ_cptr_t frame, writ_cptr_t vspace, writ_word_t vaddr, unsigned rights,
	       unsigned attr)
{
	return writ_inv_frame_map(frame, vspace, vaddr, rights, attr);
}

long
writ_frame_unmap(writ_cptr_t frame)
{
	return writ_inv_frame_unmap(frame);
}

long
writ_frame_get_address(writ_cptr_t frame, writ_word_t *paddr)
{
	return writ_inv_frame_get_address(frame, paddr);
}

long
writ_ioport_issue(writ_cptr_t control, unsigned first, unsigned last, writ_cptr_t root,
		  writ_word_t index, unsigned depth)
{
	return writ_inv_ioport_control_issue(control, first, last, root, index, depth);
}

long
writ_ioport_in(writ_cptr_t port_cap, unsigned width, unsigned port, uint32_t *value)
{
	writ_word_t v = 0;
	long err = width == 1 ? writ_inv_ioport_in8(port_cap, port, &v)
		 : width == 2 ? writ_inv_ioport_in16(port_cap, port, &v)
			      : writ_inv_ioport_in32(port_cap, port, &v);

	*value = (uint32_t)v;
	return err;
}

long
writ_ioport_out(writ_cptr_t port_cap, unsigned width, unsigned port, uint32_t value)
{
	return width == 1 ? writ_inv_ioport_out8(port_cap, port, value)
	     : width == 2 ? writ_inv_ioport_out16(port_cap, port, value)
			  : writ_inv_ioport_out32(port_cap, port, value);
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
	return writ_inv_tcb_bind_notification(tcb, ntfn);
}

long
writ_tcb_unbind_notification(writ_cptr_t tcb)
{
	return writ_inv_tcb_unbind_notification(tcb);
}

long
writ_irq_control_issue(writ_cptr_t control, unsigned line, writ_cptr_t root, writ_word_t index,
		       unsigned depth)
{
	return writ_inv_irq_control_issue(control, line, root, index, depth);
}

long
writ_irq_control_stats(writ_cptr_t control, unsigned line, writ_word_t *unhandled,
		       writ_word_t *delivered, writ_word_t *last_tsc)
{
	writ_word_t out[WRIT_RESC_IRQ_CONTROL_STATS] = { 0 };
	long err = writ_inv_irq_control_stats(control, line, out);

	if (unhandled)
		*unhandled = out[WRIT_RES_IRQ_CONTROL_STATS_UNHANDLED];
	if (delivered)
		*delivered = out[WRIT_RES_IRQ_CONTROL_STATS_DELIVERED];
	if (last_tsc)
		*last_tsc = out[WRIT_RES_IRQ_CONTROL_STATS_LAST_TSC];
	return err;
}

long
writ_irq_control_get_msi(writ_cptr_t control, unsigned msi, writ_cptr_t root,
			 writ_word_t index, unsigned depth, writ_word_t *address,
			 writ_word_t *data)
{
	writ_word_t out[WRIT_RESC_IRQ_CONTROL_GET_MSI] = { 0 };
	long err = writ_inv_irq_control_get_msi(control, msi, root, index, depth, out);

	if (address)
		*address = out[WRIT_RES_IRQ_CONTROL_GET_MSI_ADDRESS];
	if (data)
		*data = out[WRIT_RES_IRQ_CONTROL_GET_MSI_DATA];
	return err;
}

long
writ_irq_handler_set_notification(writ_cptr_t handler, writ_cptr_t ntfn)
{
	return writ_inv_irq_handler_set_notification(handler, ntfn);
}

long
writ_irq_handler_ack(writ_cptr_t handler)
{
	return writ_inv_irq_handler_ack(handler);
}

long
writ_irq_handler_clear(writ_cptr_t handler)
{
	return writ_inv_irq_handler_clear(handler);
}
