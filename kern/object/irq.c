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
 * The architecture may add IRQ numbers beyond the lines, with IRQControl invocations of
 * its own to issue them and its own Ack (<kern/irq.h>, "the architecture's IRQs"): x86
 * adds MSIs (kern/arch/x86_64/object/msi.c). An IRQHandler capability's w1 is its IRQ
 * number.
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

static struct irq_line lines[WRIT_IRQ_LINES];

/* The state behind an IRQ number (a line or the architecture's), or NULL for any other
 * number. */
static struct irq_line *
irq_state(uint64_t irq)
{
	if (irq < WRIT_IRQ_LINES)
		return &lines[irq];
	return arch_irq_state(irq);
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

/* A device interrupt (trap.c, interrupts off). Masked first, so it cannot recur. */
void
irq_line_interrupt(uint64_t vector, uint64_t entry_tsc)
{
	unsigned line = (unsigned)(vector - IOAPIC_VECTOR_BASE);

	ioapic_set_masked(line, true);
	if (irq_signal_or_count(&lines[line], entry_tsc))
		kprintf("irq: line %u fired with no notification to signal: masked, counted\n",
			line);
}

void
irq_forget_ntfn(struct notification *n)
{
	for (unsigned i = 0; i < WRIT_IRQ_LINES; i++)
		if (lines[i].ntfn == n)
			lines[i].ntfn = NULL;
	arch_irq_forget_ntfn(n);
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

/* IRQ_CONTROL_ISSUE (<writ/invocations.def>): the line, then the destination slot. */

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

int
irq_invoke(struct inv *iv, struct cte *slot)
{
	uint64_t irq = slot->cap.w1;
	bool line = irq < WRIT_IRQ_LINES;
	struct irq_line *l;

	if (cap_type(&slot->cap) == WRIT_OBJ_IRQ_CONTROL) {
		if (iv->label == WRIT_LABEL_IRQ_CONTROL_ISSUE)
			return control_issue(iv, slot);
		if (iv->label == WRIT_LABEL_IRQ_CONTROL_STATS)
			return control_stats(iv);
		return arch_irq_control_invoke(iv, slot);
	}
	if (!(l = irq_state(irq)))	/* cannot be issued; belt and braces */
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "handler of no IRQ");
	switch (iv->label) {
	case WRIT_LABEL_IRQ_HANDLER_SET_NOTIFICATION:
		return handler_set_notification(iv, l);
	case WRIT_LABEL_IRQ_HANDLER_ACK:
		if (!line)
			return arch_irq_ack(l);
		ioapic_set_masked((unsigned)irq, false);
		return WRIT_OK;
	case WRIT_LABEL_IRQ_HANDLER_CLEAR:
		l->ntfn = NULL;
		l->badge = 0;
		if (line)
			ioapic_set_masked((unsigned)irq, true);
		return WRIT_OK;
	default:
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not an IRQHandler invocation");
	}
}
