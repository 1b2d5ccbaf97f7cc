/*
 * MSIs: x86's IRQs beyond the lines (<kern/irq.h>, "the architecture's IRQs"). A device
 * raises MSI i by writing writ_msi_data(i) to writ_msi_address(the local APIC); it
 * arrives on vector MSI_VECTOR_BASE + i. IRQ_CONTROL_GET_MSI issues its IRQHandler, whose
 * IRQ number is WRIT_IRQ_MSI(i).
 *
 * MSIs share the model of the lines (kern/object/irq.c) with one difference: nothing can
 * mask them, so the kernel never holds one back. An MSI with a notification signals it
 * at once, Ack or no Ack (the notification word merges the signals that come before the
 * driver Waits). One with nobody to signal is counted and remembered (`missed`), and the
 * next Ack with a notification set signals it, because an edge-triggered device will not
 * raise it again on its own.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/console.h>
#include <kern/invoke.h>
#include <kern/irq.h>
#include <kern/notification.h>
#include <kern/object.h>

static struct irq_line msis[WRIT_IRQ_MSIS];

_Static_assert(WRIT_IRQ_MSI_FIRST + WRIT_IRQ_MSIS <= CAP_IRQ_LINES,
	       "every IRQ number fits an IRQHandler capability");

struct irq_line *
arch_irq_state(uint64_t irq)
{
	if (irq >= WRIT_IRQ_MSI_FIRST && irq - WRIT_IRQ_MSI_FIRST < WRIT_IRQ_MSIS)
		return &msis[irq - WRIT_IRQ_MSI_FIRST];
	return NULL;
}

bool
irq_is_msi_vector(uint64_t vector)
{
	return vector >= MSI_VECTOR_BASE && vector < MSI_VECTOR_BASE + WRIT_IRQ_MSIS;
}

/* An MSI (trap.c, interrupts off). Edge-triggered: it cannot recur unless the device
 * writes again, so there is nothing to mask; one nobody takes is kept for the Ack. */
void
irq_msi_interrupt(uint64_t vector, uint64_t entry_tsc)
{
	unsigned msi = (unsigned)(vector - MSI_VECTOR_BASE);
	struct irq_line *m = &msis[msi];

	if (!m->ntfn)
		m->missed = true;
	if (irq_signal_or_count(m, entry_tsc))
		kprintf("irq: MSI %u fired with no notification to signal: counted, kept for "
			"the next Ack\n", msi);
}

void
arch_irq_forget_ntfn(struct notification *n)
{
	for (unsigned i = 0; i < WRIT_IRQ_MSIS; i++)
		if (msis[i].ntfn == n)
			msis[i].ntfn = NULL;
}

/* IRQ_CONTROL_GET_MSI (<writ/invocations.def>): like IRQ_CONTROL_ISSUE, for an MSI; the
 * reply is what the device must be programmed with. */
static int
control_get_msi(struct inv *iv, struct cte *control)
{
	struct cte *dest;
	struct irq_line *m;
	writ_word_t a[WRIT_ARGC_IRQ_CONTROL_GET_MSI];
	struct cap c;
	int err;

	enum { A_IRQ = WRIT_ARG_IRQ_CONTROL_GET_MSI_MSI,
	       A_DEST_ROOT = WRIT_ARG_IRQ_CONTROL_GET_MSI_DEST_ROOT };
	_Static_assert(WRIT_RES_IRQ_CONTROL_GET_MSI_ADDRESS == 0 &&
		       WRIT_RES_IRQ_CONTROL_GET_MSI_DATA == 1 && WRIT_RESC_IRQ_CONTROL_GET_MSI == 2,
		       "GET_MSI's results in the order inv_ret() sends them");

	err = inv_args(iv, a, WRIT_ARGC_IRQ_CONTROL_GET_MSI);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_IRQ_CONTROL_GET_MSI);
	if (a[A_IRQ] >= WRIT_IRQ_MSIS)
		return INV_FAIL(iv, WRIT_E_RANGE, "MSI %lu above WRIT_IRQ_MSIS", a[A_IRQ]);
	m = &msis[a[A_IRQ]];
	if (m->issued)	/* one handler object per MSI */
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "MSI %lu already issued", a[A_IRQ]);
	err = inv_lookup_triple(iv, &a[A_DEST_ROOT], "destination", &dest);
	if (err != WRIT_OK)
		return err;
	c = cap_make(WRIT_OBJ_IRQ_HANDLER, 0, WRIT_RIGHTS_ALL, 0, WRIT_IRQ_MSI(a[A_IRQ]));
	err = cte_insert_issued(&kern_cspace, dest, control, &c);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "destination slot refused");
	m->issued = true;
	m->missed = false;	/* a stray write before this handler is not its interrupt */
	inv_ret(iv, writ_msi_address(irq_apic_id));
	inv_ret(iv, writ_msi_data((unsigned)a[A_IRQ]));
	return WRIT_OK;
}

int
arch_irq_control_invoke(struct inv *iv, struct cte *control)
{
	if (iv->label == WRIT_LABEL_IRQ_CONTROL_GET_MSI)
		return control_get_msi(iv, control);
	return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not an IRQControl invocation");
}

/* Ack on an MSI: nothing to unmask; hand over the one that found nobody, if any. */
int
arch_irq_ack(struct irq_line *m)
{
	if (m->missed && m->ntfn) {
		m->missed = false;
		m->delivered++;
		ntfn_signal(m->ntfn, m->badge);
	}
	return WRIT_OK;
}
