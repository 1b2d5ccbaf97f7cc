#ifndef WRIT_KERN_IRQ_H
#define WRIT_KERN_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include <writ/abi.h>

#include <kern/notification.h>

#define IRQ_VECTOR_TIMER 0x20
#define IRQ_VECTOR_SPURIOUS 0xff
#define IRQ_TICK_US 1000u
/* Device IRQ lines (kern/arch/x86_64/ioapic.c): vector IOAPIC_VECTOR_BASE + line. */
#define IOAPIC_VECTOR_BASE 0x30
/* MSIs (kern/arch/x86_64/object/msi.c): vector MSI_VECTOR_BASE + msi. The vector is
 * the data word user space programs into its device, so the base is part of the ABI. */
#define MSI_VECTOR_BASE WRIT_MSI_VECTOR_BASE

/* The 8259s are remapped to 0x20..0x2f (masked, but a spurious one can still come). */
_Static_assert(IOAPIC_VECTOR_BASE >= 0x30, "IOAPIC vectors above the PICs' and the timer");
_Static_assert(MSI_VECTOR_BASE >= IOAPIC_VECTOR_BASE + WRIT_IRQ_LINES,
	       "MSI vectors above the IOAPIC lines'");
_Static_assert(MSI_VECTOR_BASE + WRIT_IRQ_MSIS <= IRQ_VECTOR_SPURIOUS,
	       "MSI vectors below the spurious vector");

extern uint64_t irq_apic_ticks_per_ms;
extern uint32_t irq_apic_id;		/* this CPU's local APIC: where MSIs are sent */
extern volatile uint64_t irq_ticks;

void irq_init(void);
void irq_eoi(void);
/* A timer interrupt is waiting: long kernel operations should stop and let it in. */
bool irq_timer_pending(void);

/* IOAPIC lines and IRQ handlers (ioapic.c, kern/object/irq.c). */
struct acpi_madt;
unsigned ioapic_init(const struct acpi_madt *m);
bool ioapic_line_exists(unsigned line);
void ioapic_set_masked(unsigned line, bool masked);
void irq_lines_init(void);
bool irq_is_line_vector(uint64_t vector);
void irq_line_interrupt(uint64_t vector, uint64_t entry_tsc);
bool irq_is_msi_vector(uint64_t vector);
void irq_msi_interrupt(uint64_t vector, uint64_t entry_tsc);

/* IRQControl and IRQHandler capabilities (kern/object/irq.c). */
struct cap;
struct cte;
struct inv;
struct notification;
int irq_invoke(struct inv *iv, struct cte *slot);
void irq_handler_finalise(const struct cap *cap);
/* The notification is going away: no IRQ may signal it any more. */
void irq_forget_ntfn(struct notification *n);

/* What the kernel keeps per IRQ number, a line's or the architecture's. */
struct irq_line {
	struct notification *ntfn;
	uint64_t badge;
	uint64_t unhandled, delivered, last_tsc;
	bool issued;
	bool missed;		/* unmaskable IRQs: one came with nobody to signal, no Ack since */
};

/* Ends the interrupt and signals the handler's notification, or counts it when there is
 * none; true for the first one nobody took (the caller says so once in the log). Inline:
 * the line's path (object/irq.c) and the MSI's (arch msi.c) are both on the interrupt
 * latency figures, which a call across files would raise. */
static inline bool
irq_signal_or_count(struct irq_line *l, uint64_t entry_tsc)
{
	irq_eoi();
	l->last_tsc = entry_tsc;
	if (!l->ntfn)
		return l->unhandled++ == 0;
	l->delivered++;
	ntfn_signal(l->ntfn, l->badge);
	return false;
}

/*
 * The architecture's IRQs: numbers beyond the lines (x86: MSIs, kern/arch/x86_64/
 * object/msi.c), which nothing masks. kern/object/irq.c does the rest of the model.
 */
/* The state behind one of its IRQ numbers, or NULL for a number it does not have. */
struct irq_line *arch_irq_state(uint64_t irq);
/* An IRQControl invocation other than Issue and Stats (x86: GET_MSI). */
int arch_irq_control_invoke(struct inv *iv, struct cte *control);
/* Ack on one of its IRQs. */
int arch_irq_ack(struct irq_line *l);
/* The notification is going away: none of its IRQs may signal it any more. */
void arch_irq_forget_ntfn(struct notification *n);

#endif
