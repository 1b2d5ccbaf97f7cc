/*
 * IRQControl and IRQHandler capabilities, and what happens when a device interrupts.
 *
 * Model. Each IRQ line (<writ/abi.h>: ISA 0..15, GSIs above) is in one of three states:
 * not issued (masked, no capability), issued without a notification, or issued with a
 * notification to signal. IRQControl issues at most one IRQHandler capability per line
 * (copies aside: cspace/ treats all copies of a line's handler as one object and relies
 * on there being only one such object); the line is free again when its last handler
 * capability is deleted. `issued` here and the derivation tree agree on this.
 *
 * An interrupt masks its line, then is acknowledged at the local APIC, then signals the
 * notification with the badge of the capability SetNotification was given; the driver
 * serves the device and Acks, which unmasks the line. An interrupt with nobody to
 * signal (no notification yet) is masked and counted, and the first one per line is
 * logged: it is never silently lost, and never a panic. IRQ_CONTROL_STATS reads the
 * counts and the TSC of the last kernel entry for a line (for latency figures).
 *
 * MSIs (IRQ_CONTROL_GET_MSI) share the model with one difference: nothing can mask
 * them, so the kernel never holds one back. An MSI with a notification signals it at
 * once, Ack or no Ack (the notification word merges the signals that come before the
 * driver Waits). One with nobody to signal is counted and remembered (`missed`), and
 * the next Ack with a notification set signals it, because an edge-triggered device
 * will not raise it again on its own. An IRQHandler capability's w1 is its IRQ number:
 * the line, or WRIT_IRQ_MSI(msi).
 *
 * The handler holds the notification by pointer, not by capability: ntfn_finalise()
 * calls irq_forget_ntfn() before the notification's memory can be reused.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/invoke.h>
#include <kern/irq.h>
#include <kern/notification.h>
#include <kern/object.h>
#include <kern/vspace.h>

#include <arch/cpu.h>
#include "boot/acpi.h"
#include "boot/mb2.h"

struct irq_line {
	struct notification *ntfn;
	uint64_t badge;
	uint64_t unhandled, delivered, last_tsc;
	bool issued;
	bool missed;		/* MSIs: one came with nobody to signal, and no Ack since */
};

static struct irq_line lines[WRIT_IRQ_LINES], msis[WRIT_IRQ_MSIS];

_Static_assert(WRIT_IRQ_MSI_FIRST + WRIT_IRQ_MSIS <= CAP_IRQ_LINES,
	       "every IRQ number fits an IRQHandler capability");

static bool
irq_number_is_msi(uint64_t irq)
{
	return irq >= WRIT_IRQ_MSI_FIRST && irq - WRIT_IRQ_MSI_FIRST < WRIT_IRQ_MSIS;
}

/* The state behind an IRQ number (a line or an MSI), or NULL for any other number. */
static struct irq_line *
irq_state(uint64_t irq)
{
	if (irq < WRIT_IRQ_LINES)
		return &lines[irq];
	if (irq_number_is_msi(irq))
		return &msis[irq - WRIT_IRQ_MSI_FIRST];
	return NULL;
}

static const void *
acpi_map(void *ctx, uint64_t paddr, uint64_t len)
{
	(void)ctx;
	/* Only what the direct map covers; a table above 4 GiB is as good as absent. */
	if (paddr >= (4ull << 30) || len > (4ull << 30) - paddr)
		return NULL;
	return vs_virt(paddr);
}

/* Find the IOAPICs through ACPI and route every line, masked. Without them, no lines. */
void
irq_lines_init(void)
{
	const struct mb2_info *mb = boot_information();
	struct acpi_madt madt;
	struct acpi_diag d;
	enum acpi_error e;
	unsigned n;

	if (!mb->rsdp_offset) {
		kprintf("irq: no ACPI RSDP: no device IRQ lines\n");
		return;
	}
	e = acpi_parse(vs_virt(boot_info_phys + mb->rsdp_offset), mb->rsdp_version >= 2 ? 36 : 20,
		       acpi_map, NULL, &madt, &d);
	if (e != ACPI_OK) {
		kprintf("irq: ACPI: %s (table at %lx, offset %u): no device IRQ lines\n",
			acpi_strerror(e), d.table, d.offset);
		return;
	}
	n = ioapic_init(&madt);
	kprintf("irq: %u IOAPIC%s, IRQ 0 -> GSI %u, %u lines routed (masked)\n", madt.n_ioapics,
		madt.n_ioapics == 1 ? "" : "s", madt.isa[0].gsi, n);
}

bool
irq_is_line_vector(uint64_t vector)
{
	return vector >= IOAPIC_VECTOR_BASE && vector < IOAPIC_VECTOR_BASE + WRIT_IRQ_LINES;
}

/*
 * Ends the interrupt and signals the handler's notification, or counts it when there is
 * none; true for the first one nobody took (the caller says so once in the log).
 */
static bool
signal_or_count(struct irq_line *l, uint64_t entry_tsc)
{
	irq_eoi();
	l->last_tsc = entry_tsc;
	if (!l->ntfn)
		return l->unhandled++ == 0;
	l->delivered++;
	ntfn_signal(l->ntfn, l->badge);
	return false;
}

/* A device interrupt (trap.c, interrupts off). Masked first, so it cannot recur. */
void
irq_line_interrupt(uint64_t vector, uint64_t entry_tsc)
{
	unsigned line = (unsigned)(vector - IOAPIC_VECTOR_BASE);

	ioapic_set_masked(line, true);
	if (signal_or_count(&lines[line], entry_tsc))
		kprintf("irq: line %u fired with no notification to signal: masked, counted\n",
			line);
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
	if (signal_or_count(m, entry_tsc))
		kprintf("irq: MSI %u fired with no notification to signal: counted, kept for "
			"the next Ack\n", msi);
}

void
irq_forget_ntfn(struct notification *n)
{
	for (unsigned i = 0; i < WRIT_IRQ_LINES; i++)
		if (lines[i].ntfn == n)
			lines[i].ntfn = NULL;
	for (unsigned i = 0; i < WRIT_IRQ_MSIS; i++)
		if (msis[i].ntfn == n)
			msis[i].ntfn = NULL;
}

/* The last handler capability is gone: masked (lines), silent, free to issue again. */
void
irq_handler_finalise(const struct cap *cap)
{
	struct irq_line *l = irq_state(cap->w1);

	if (!l)
		return;
	if (cap->w1 < WRIT_IRQ_LINES)
		ioapic_set_masked((unsigned)cap->w1, true);
	l->ntfn = NULL;
	l->badge = 0;
	l->issued = false;
}

/* IRQ_CONTROL_ISSUE and IRQ_CONTROL_GET_MSI (<writ/invocations.def>): the line or MSI,
 * then the destination slot. */

static int
control_issue(struct inv *iv, struct cte *control)
{
	struct cte *dest;
	writ_word_t a[WRIT_ARGC_IRQ_CONTROL_ISSUE];
	struct cap c;
	int err;

	enum { A_IRQ = WRIT_ARG_IRQ_CONTROL_ISSUE_LINE,
	       A_DEST_ROOT = WRIT_ARG_IRQ_CONTROL_ISSUE_DEST_ROOT };

	err = inv_args(iv, a, WRIT_ARGC_IRQ_CONTROL_ISSUE);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_IRQ_CONTROL_ISSUE);
	if (a[A_IRQ] >= WRIT_IRQ_LINES || !ioapic_line_exists((unsigned)a[A_IRQ]))
		return INV_FAIL(iv, WRIT_E_RANGE, "line %lu: the machine has no such line",
				a[A_IRQ]);
	if (lines[a[A_IRQ]].issued)	/* one handler object per line */
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "line %lu already issued", a[A_IRQ]);
	err = inv_lookup_triple(iv, &a[A_DEST_ROOT], "destination", &dest);
	if (err != WRIT_OK)
		return err;
	c = cap_make(WRIT_OBJ_IRQ_HANDLER, 0, WRIT_RIGHTS_ALL, 0, a[A_IRQ]);
	err = cte_insert_issued(&kern_cspace, dest, control, &c);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "destination slot refused");
	lines[a[A_IRQ]].issued = true;
	return WRIT_OK;
}

/* Like control_issue, for an MSI; the reply is what the device must be programmed with. */
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

static int
control_stats(struct inv *iv)
{
	struct irq_line *l;
	writ_word_t irq;
	int err;

	_Static_assert(WRIT_ARGC_IRQ_CONTROL_STATS == 1, "STATS takes the IRQ alone");
	_Static_assert(WRIT_RES_IRQ_CONTROL_STATS_UNHANDLED == 0 &&
		       WRIT_RES_IRQ_CONTROL_STATS_DELIVERED == 1 &&
		       WRIT_RES_IRQ_CONTROL_STATS_LAST_TSC == 2 && WRIT_RESC_IRQ_CONTROL_STATS == 3,
		       "STATS's results in the order inv_ret() sends them");
	err = inv_args(iv, &irq, WRIT_ARGC_IRQ_CONTROL_STATS);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "the IRQ number is needed");
	l = irq_state(irq);
	if (!l)
		return INV_FAIL(iv, WRIT_E_RANGE, "IRQ %lu is neither a line nor an MSI", irq);
	inv_ret(iv, l->unhandled);
	inv_ret(iv, l->delivered);
	inv_ret(iv, l->last_tsc);
	return WRIT_OK;
}

static int
handler_set_notification(struct inv *iv, struct irq_line *l)
{
	struct cte *slot = NULL;
	writ_word_t a;
	int err;

	_Static_assert(WRIT_ARGC_IRQ_HANDLER_SET_NOTIFICATION == 1, "the notification alone");
	err = inv_args(iv, &a, WRIT_ARGC_IRQ_HANDLER_SET_NOTIFICATION);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "the notification cptr is needed");
	if (a) {
		err = inv_lookup(iv, a, WRIT_OBJ_NOTIFICATION, &slot);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "notification 0x%lx", a);
	}
	if (slot && !(cap_rights(&slot->cap) & WRIT_RIGHT_WRITE))	/* the kernel signals */
		return INV_FAIL(iv, WRIT_E_RIGHTS, "notification without Write");
	l->ntfn = slot ? (struct notification *)cap_addr(&slot->cap) : NULL;
	l->badge = slot ? cap_badge(&slot->cap) : 0;
	return WRIT_OK;
}

/* Ack on an MSI: nothing to unmask; hand over the one that found nobody, if any. */
static int
msi_ack(struct irq_line *m)
{
	if (m->missed && m->ntfn) {
		m->missed = false;
		m->delivered++;
		ntfn_signal(m->ntfn, m->badge);
	}
	return WRIT_OK;
}

int
irq_invoke(struct inv *iv, struct cte *slot)
{
	uint64_t irq = slot->cap.w1;
	bool msi = irq_number_is_msi(irq);
	struct irq_line *l;

	if (cap_type(&slot->cap) == WRIT_OBJ_IRQ_CONTROL) {
		if (iv->label == WRIT_LABEL_IRQ_CONTROL_ISSUE)
			return control_issue(iv, slot);
		if (iv->label == WRIT_LABEL_IRQ_CONTROL_GET_MSI)
			return control_get_msi(iv, slot);
		if (iv->label == WRIT_LABEL_IRQ_CONTROL_STATS)
			return control_stats(iv);
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not an IRQControl invocation");
	}
	if (!(l = irq_state(irq)))	/* cannot be issued; belt and braces */
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "handler of no IRQ");
	switch (iv->label) {
	case WRIT_LABEL_IRQ_HANDLER_SET_NOTIFICATION:
		return handler_set_notification(iv, l);
	case WRIT_LABEL_IRQ_HANDLER_ACK:
		if (msi)
			return msi_ack(l);
		ioapic_set_masked((unsigned)irq, false);
		return WRIT_OK;
	case WRIT_LABEL_IRQ_HANDLER_CLEAR:
		l->ntfn = NULL;
		l->badge = 0;
		if (!msi)
			ioapic_set_masked((unsigned)irq, true);
		return WRIT_OK;
	default:
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not an IRQHandler invocation");
	}
}
