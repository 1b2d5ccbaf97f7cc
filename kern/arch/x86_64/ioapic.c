/*
 * The IOAPICs: where device interrupt lines enter the local APIC. The 8259 PICs stay
 * masked (apic.c); every IRQ line user space can own goes through here.
 *
 * Line numbering (<writ/abi.h>): lines 0..15 are ISA IRQs, mapped to global system
 * interrupts (GSIs) by the MADT's overrides (QEMU and PCs route the PIT's IRQ 0 to
 * GSI 2), edge-triggered active-high unless an override says otherwise; lines
 * 16..WRIT_IRQ_LINES-1 are GSIs of that number, PCI-style level-triggered active-low.
 * A line whose GSI another line already claims (ISA IRQ 2 when IRQ 0 is routed to
 * GSI 2), or that no IOAPIC serves, does not exist. Each line gets its own vector,
 * IOAPIC_VECTOR_BASE + line, so the trap code knows the line from the vector alone.
 *
 * Every entry starts masked. The kernel masks a line when it fires and only an Ack
 * from its driver unmasks it, so a level-triggered device cannot storm the CPU.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/irq.h>
#include <kern/vspace.h>
#include <writ/abi.h>

#include "boot/acpi.h"
#include "boot/memory.h"
#include <arch/cpu.h>

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VERSION 0x01
#define REG_REDIR(n) (0x10 + 2 * (n))
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)

struct line {
	volatile uint32_t *regs;	/* its IOAPIC, or NULL: the line does not exist */
	unsigned pin;
	uint32_t low;			/* redirection entry, low word, without the mask bit */
};

static struct line lines[WRIT_IRQ_LINES];

static uint32_t
io_read(volatile uint32_t *regs, unsigned reg)
{
	regs[IOREGSEL / 4] = reg;
	return regs[IOWIN / 4];
}

static void
io_write(volatile uint32_t *regs, unsigned reg, uint32_t v)
{
	regs[IOREGSEL / 4] = reg;
	regs[IOWIN / 4] = v;
}

static bool
gsi_taken(uint32_t gsi, unsigned upto, const uint32_t *gsis)
{
	for (unsigned i = 0; i < upto; i++)
		if (lines[i].regs && gsis[i] == gsi)
			return true;
	return false;
}

/* The line's GSI and entry, or false when the GSI belongs to an ISA override. */
static bool
line_route(const struct acpi_madt *m, unsigned l, uint32_t *gsi, uint32_t *low)
{
	bool level = l >= WRIT_IRQ_ISA_LINES, active_low = level;

	*gsi = l;
	if (l < WRIT_IRQ_ISA_LINES) {
		*gsi = m->isa[l].gsi;
		level = m->isa[l].level;
		active_low = m->isa[l].active_low;
	} else {
		for (unsigned i = 0; i < WRIT_IRQ_ISA_LINES; i++)
			if (m->isa[i].overridden && m->isa[i].gsi == l)
				return false;
	}
	*low = (IOAPIC_VECTOR_BASE + l) | (active_low ? REDIR_ACTIVE_LOW : 0) |
	       (level ? REDIR_LEVEL : 0);
	return true;
}

/* Program every line that exists, masked, to this CPU; returns how many exist. */
unsigned
ioapic_init(const struct acpi_madt *m)
{
	uint32_t gsis[WRIT_IRQ_LINES], r[4];
	unsigned n = 0, apic_id;

	x86_cpuid(1, 0, r);
	apic_id = r[1] >> 24;
	for (unsigned i = 0; i < m->n_ioapics; i++)
		boot_reserve_device(m->ioapics[i].addr, 4096);
	for (unsigned l = 0; l < WRIT_IRQ_LINES; l++) {
		uint32_t low;

		if (!line_route(m, l, &gsis[l], &low) || gsi_taken(gsis[l], l, gsis))
			continue;
		for (unsigned i = 0; i < m->n_ioapics; i++) {
			const struct acpi_ioapic *a = &m->ioapics[i];
			volatile uint32_t *regs;
			unsigned pins;

			if (gsis[l] < a->gsi_base || a->addr & 0xf)
				continue;
			regs = vs_virt(a->addr);
			pins = (io_read(regs, REG_VERSION) >> 16 & 0xff) + 1;
			if (gsis[l] - a->gsi_base >= pins)
				continue;
			lines[l] = (struct line){ regs, gsis[l] - a->gsi_base, low };
			io_write(regs, REG_REDIR(lines[l].pin) + 1, apic_id << 24);
			io_write(regs, REG_REDIR(lines[l].pin), low | REDIR_MASKED);
			n++;
			break;
		}
	}
	return n;
}

bool
ioapic_line_exists(unsigned line)
{
	return line < WRIT_IRQ_LINES && lines[line].regs;
}

void
ioapic_set_masked(unsigned line, bool masked)
{
	struct line *l = &lines[line];

	if (line < WRIT_IRQ_LINES && l->regs)
		io_write(l->regs, REG_REDIR(l->pin), l->low | (masked ? REDIR_MASKED : 0));
}
