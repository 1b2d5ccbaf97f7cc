/*
 * Interrupt hardware: the legacy 8259 PICs (remapped out of the exception vectors and
 * masked: we never use them), and the local APIC, whose timer drives preemption.
 *
 * The APIC timer counts at a bus-derived rate nothing tells us, so it is calibrated
 * against the PIT (1.193182 MHz, fixed by the PC standard): count APIC ticks across
 * CALIBRATE_MS of PIT channel 2, then program a periodic interrupt of IRQ_TICK_US. This holds
 * on QEMU (TCG, with or without -icount) and on hardware alike.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/irq.h>

#include "boot/memory.h"
#include <arch/cpu.h>

#define APIC_ID 0x020
#define APIC_EOI 0x0b0
#define APIC_SPURIOUS 0x0f0
#define APIC_IRR 0x200
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)

#define PIT_HZ 1193182u
#define CALIBRATE_MS 2u	/* 2386 PIT counts: 0.05% resolution, and short boots */

static volatile uint32_t *apic;
uint64_t irq_apic_ticks_per_ms;
uint32_t irq_apic_id;
volatile uint64_t irq_ticks;

static uint32_t
apic_read(unsigned reg)
{
	return apic[reg / 4];
}

static void
apic_write(unsigned reg, uint32_t v)
{
	apic[reg / 4] = v;
}

static void
pic_disable(void)
{
	/* Remap to 0x20..0x2f first: a spurious PIC interrupt must not look like #DF. */
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 }, { 0x21, 0x20 }, { 0xa1, 0x28 },
		{ 0x21, 0x04 }, { 0xa1, 0x02 }, { 0x21, 0x01 }, { 0xa1, 0x01 },
		{ 0x21, 0xff }, { 0xa1, 0xff },
	};

	for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		x86_outb(init[i][0], init[i][1]);
}

/* APIC timer ticks (divide by 16) in CALIBRATE_MS of PIT channel 2. */
static uint32_t
calibrate(void)
{
	uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t gate = x86_inb(0x61);

	x86_outb(0x61, (gate & ~0x02) | 0x01);	/* gate on, speaker off */
	x86_outb(0x43, 0xb0);			/* channel 2, lobyte/hibyte, mode 0 */
	x86_outb(0x42, (uint8_t)count);
	x86_outb(0x42, (uint8_t)(count >> 8));
	apic_write(APIC_TIMER_DIVIDE, 0x3);	/* divide by 16 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0xffffffffu);
	/* Restart channel 2 by toggling the gate, then wait for OUT2 to go high. */
	x86_outb(0x61, x86_inb(0x61) & ~0x01);
	x86_outb(0x61, x86_inb(0x61) | 0x01);
	while (!(x86_inb(0x61) & 0x20))
		;
	return 0xffffffffu - apic_read(APIC_TIMER_CURRENT);
}

void
irq_init(void)
{
	uint64_t base = x86_rdmsr(MSR_APIC_BASE);

	pic_disable();
	x86_wrmsr(MSR_APIC_BASE, base | (1u << 11));	/* globally enabled */
	apic = (volatile uint32_t *)(KERN_DIRECT_MAP + (base & 0xfffff000u));
	boot_reserve_device(base & 0xfffff000u, 4096);
	apic_write(APIC_SPURIOUS, 0x100 | IRQ_VECTOR_SPURIOUS);
	irq_apic_id = apic_read(APIC_ID) >> 24;
	irq_apic_ticks_per_ms = calibrate() / CALIBRATE_MS;
	if (irq_apic_ticks_per_ms == 0)
		irq_apic_ticks_per_ms = 1;
	apic_write(APIC_TIMER_DIVIDE, 0x3);
	apic_write(APIC_LVT_TIMER, IRQ_VECTOR_TIMER | LVT_PERIODIC);
	apic_write(APIC_TIMER_INIT, (uint32_t)(irq_apic_ticks_per_ms * IRQ_TICK_US / 1000));
	kprintf("irq: local APIC %u at %lx, timer %lu ticks/ms, tick %u us\n",
		irq_apic_id, base & 0xfffff000u, irq_apic_ticks_per_ms, IRQ_TICK_US);
}

void
irq_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

bool
irq_timer_pending(void)
{
	unsigned v = IRQ_VECTOR_TIMER;

	return apic && (apic_read(APIC_IRR + (v / 32) * 0x10) >> (v % 32)) & 1;
}
