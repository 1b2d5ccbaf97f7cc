#ifndef WRIT_KERN_IRQ_H
#define WRIT_KERN_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_VECTOR_TIMER 0x20
#define IRQ_VECTOR_SPURIOUS 0xff
#define IRQ_TICK_US 1000u
/* Device IRQ lines (kern/arch/x86_64/ioapic.c): vector IOAPIC_VECTOR_BASE + line. */
#define IOAPIC_VECTOR_BASE 0x30

extern uint64_t irq_apic_ticks_per_ms;
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

#endif
