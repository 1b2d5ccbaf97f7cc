/*
 * Physical memory at boot: where the root task's objects come from, and handing every
 * other free byte to it as Untyped. The rules (what counts as RAM, what is reserved,
 * what is device memory) are kern/boot/carve.h's; this file only gathers the ranges.
 *
 * The kernel must be able to reach every object user space makes, so only RAM inside
 * the direct map (vs_direct_map_end, up to VS_DIRECT_MAP_MAX_GIB) is handed out; the
 * boot log says how much is left unused beyond it.
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/panic.h>

#include <kern/vspace.h>

#include "boot/carve.h"
#include "boot/mb2.h"
#include "boot/memory.h"
#include "boot/root.h"

#define LOW_4G (4ull << 30)		/* device memory: the holes below it */
#define MAX_RANGES (MB2_MAX_REGIONS + MB2_MAX_MODULES + 8)
#define MAX_BLOCKS 192

#define MAX_KERNEL_DEVICES 16	/* the local APIC and up to ACPI_MAX_IOAPICS */

static struct carve_range ram[MB2_MAX_REGIONS + MAX_KERNEL_DEVICES], reserved[MAX_RANGES];
static struct carve_range kernel_devices[MAX_KERNEL_DEVICES];
static unsigned n_kernel_devices;

static uint64_t
page_up(uint64_t x)
{
	return (x + 4095) & ~4095ull;
}

/*
 * MMIO the kernel drives itself (the local APIC, each I/O APIC): it is left out of the
 * device untyped, so nobody can map it and retarget the timer or IRQ vectors (onto
 * exception vectors, say). Called by the drivers as they find their devices, before
 * root_give_memory(); too many is a kernel bug, not a machine's property.
 */
void
boot_reserve_device(uint64_t base, uint64_t len)
{
	if (n_kernel_devices == MAX_KERNEL_DEVICES)
		kpanic("boot: more than %u device ranges reserved for the kernel",
		       MAX_KERNEL_DEVICES);
	kernel_devices[n_kernel_devices++] = (struct carve_range){ base & ~4095ull,
								   page_up(base + len) - (base & ~4095ull) };
}

static struct carve_block blocks[MAX_BLOCKS];

/* Usable RAM inside the direct map; returns the count, and how much lies beyond. */
static unsigned
collect_ram(const struct mb2_info *mb, uint64_t *above)
{
	unsigned n = 0;

	*above = 0;
	for (unsigned i = 0; i < mb->n_regions; i++) {
		const struct mb2_region *r = &mb->regions[i];
		uint64_t end = r->base + r->len;

		if (r->type != MB2_MEM_AVAILABLE)
			continue;
		if (end > vs_direct_map_end) {
			*above += end - (r->base > vs_direct_map_end ? r->base : vs_direct_map_end);
			end = vs_direct_map_end;
		}
		if (r->base < end)
			ram[n++] = (struct carve_range){ r->base, end - r->base };
	}
	return n;
}

/* Kernel, boot information, framebuffer, and the modules from `first_module` on. */
static unsigned
collect_reserved(const struct mb2_info *mb, unsigned first_module)
{
	unsigned n = 0;

	reserved[n++] = (struct carve_range){ 0, CARVE_LOW_RESERVED };
	reserved[n++] = (struct carve_range){ (uint64_t)_kernel_phys_start,
					      (uint64_t)_kernel_phys_end - (uint64_t)_kernel_phys_start };
	reserved[n++] = (struct carve_range){ boot_info_phys & ~4095ull,
					      page_up(boot_info_phys + mb->total_size) -
						      (boot_info_phys & ~4095ull) };
	if (mb->has_framebuffer)
		reserved[n++] = (struct carve_range){ mb->fb.addr,
						      (uint64_t)mb->fb.pitch * mb->fb.height };
	for (unsigned i = first_module; i < mb->n_modules; i++)
		reserved[n++] = (struct carve_range){ mb->modules[i].start,
						      page_up(mb->modules[i].end) - mb->modules[i].start };
	return n;
}

/* A naturally aligned free block of 2^bits bytes for the root task's objects. */
uint64_t
boot_region(const struct mb2_info *mb, unsigned bits)
{
	uint64_t above;
	unsigned nr = collect_ram(mb, &above), nres = collect_reserved(mb, 0), n;

	if (carve_ram(ram, nr, reserved, nres, blocks, MAX_BLOCKS, &n) != CARVE_OK)
		kpanic("boot: the memory map is too fragmented to carve");
	for (unsigned i = 0; i < n; i++)
		if (blocks[i].size_bits >= bits)
			return blocks[i].base;
	kpanic("boot: no free block of %lu KiB for the root task", (1ul << bits) >> 10);
}

void
root_give_memory(const struct mb2_info *mb, uint64_t boot_base, unsigned boot_bits)
{
	uint64_t above;
	unsigned nr = collect_ram(mb, &above), nres = collect_reserved(mb, 1), n;
	struct carve_range force;

	/* The root task's own module was copied into its image: its memory is free now. */
	reserved[nres++] = (struct carve_range){ boot_base, 1ull << boot_bits };
	if (carve_ram(ram, nr, reserved, nres, blocks, MAX_BLOCKS, &n) != CARVE_OK)
		kpanic("boot: the memory map is too fragmented to carve");
	for (unsigned i = 0; i < n; i++)
		root_give_untyped(blocks[i].base, blocks[i].size_bits, false);
	if (above)
		kprintf("boot: %lu MiB of RAM above %lu GiB left unused (beyond the direct map)\n",
			above >> 20, vs_direct_map_end >> 30);

	/* Device memory: every hole below 4 GiB but the kernel's own devices, and the
	 * framebuffer whatever the map says. */
	nr = 0;
	for (unsigned i = 0; i < mb->n_regions; i++)
		if (mb->regions[i].type == MB2_MEM_AVAILABLE || mb->regions[i].type == MB2_MEM_BAD)
			ram[nr++] = (struct carve_range){ mb->regions[i].base, mb->regions[i].len };
	for (unsigned i = 0; i < n_kernel_devices; i++)
		ram[nr++] = kernel_devices[i];
	force = (struct carve_range){ mb->fb.addr, (uint64_t)mb->fb.pitch * mb->fb.height };
	if (carve_device(ram, nr, &force, mb->has_framebuffer ? 1 : 0, LOW_4G, blocks,
			 MAX_BLOCKS, &n) != CARVE_OK)
		kpanic("boot: the device memory map is too fragmented to carve");
	for (unsigned i = 0; i < n; i++)
		root_give_untyped(blocks[i].base, blocks[i].size_bits, true);
}

/* Map all the RAM the boot information lists (up to the direct map's limit). */
void
boot_map_ram(const struct mb2_info *mb)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < mb->n_regions; i++)
		if (mb->regions[i].type == MB2_MEM_AVAILABLE &&
		    mb->regions[i].base + mb->regions[i].len > end)
			end = mb->regions[i].base + mb->regions[i].len;
	vs_extend_direct_map(end);
}
