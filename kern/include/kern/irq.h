#ifndef WRIT_KERN_IRQ_H
#define WRIT_KERN_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_VECTOR_TIMER 0x20
#define IRQ_VECTOR_SPURIOUS 0xff
#define IRQ_TICK_US 1000u

extern uint64_t irq_apic_ticks_per_ms;
extern volatile uint64_t irq_ticks;

void irq_init(void);
void irq_eoi(void);
/* A timer interrupt is waiting: long kernel operations should stop and let it in. */
bool irq_timer_pending(void);

#endif
