/*
 * kmain: from the boot trampoline to a running kernel.
 *
 * Order matters: serial first (so everything after can speak), then the boot information
 * (validated before anything trusts it), then the screen, then our own GDT, TSS and IDT,
 * then the identity map goes, so a stray low pointer faults instead of silently reading
 * physical memory.
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/cpu_features.h>
#include <kern/irq.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/selftest.h>
#include <kern/vspace.h>

#include <arch/cpu.h>
#include <arch/trap.h>
#include "boot/mb2.h"
#include "boot/memory.h"
#include "boot/root.h"

#ifndef WRIT_VERSION
#define WRIT_VERSION "0.0.0"
#endif
#ifdef WRIT_DEBUG
#define WRIT_BUILD "debug"
#else
#define WRIT_BUILD "release"
#endif

/* Largest boot information we accept; GRUB's is a few KiB. */
#define MB2_INFO_MAX (1u << 20)

static struct mb2_info boot_info;
uint64_t boot_info_phys;

const struct mb2_info *
boot_information(void)
{
	return &boot_info;
}

static void
parse_boot_info(uint32_t magic, uint64_t info_phys)
{
	struct mb2_diag diag;
	uint64_t avail = MB2_INFO_MAX;

	/* The direct map covers 0..4 GiB; never let the parser read past it. */
	if (info_phys >= (4ull << 30))
		kpanic("multiboot2: information at %lx lies outside the low 4 GiB", info_phys);
	if (avail > (4ull << 30) - info_phys)
		avail = (4ull << 30) - info_phys;
	if (mb2_parse(magic, (const void *)(KERN_DIRECT_MAP + info_phys), avail,
		      (uint64_t)_kernel_phys_start, (uint64_t)_kernel_phys_end, &boot_info,
		      &diag) != MB2_OK)
		kpanic("multiboot2: malformed boot information: %s (tag type %u at offset %u)",
		       mb2_strerror(diag.error), diag.tag_type, diag.offset);
}

static void
print_summary(void)
{
	const struct mb2_info *bi = &boot_info;
	const struct mb2_framebuffer *fb = &bi->fb;

	kprintf("boot: loader '%s', command line '%s'\n", bi->loader_name, bi->cmdline);
	kprintf("boot: RAM %lu MiB usable in %u memory map entries\n", bi->ram_bytes >> 20,
		bi->n_regions);
	kprintf("boot: %u module%s\n", bi->n_modules, bi->n_modules == 1 ? "" : "s");
	for (unsigned i = 0; i < bi->n_modules; i++)
		kprintf("boot:   module %u at %lx..%lx (%lu bytes) '%s'\n", i,
			bi->modules[i].start, bi->modules[i].end,
			bi->modules[i].end - bi->modules[i].start, bi->modules[i].cmdline);
	if (!bi->has_framebuffer)
		kprintf("boot: no framebuffer\n");
	else if (fb->type == MB2_FB_EGA_TEXT)
		kprintf("boot: VGA text %ux%u at %lx\n", fb->width, fb->height, fb->addr);
	else
		kprintf("boot: framebuffer %ux%ux%u at %lx, pitch %u, type %u, RGB at %u/%u/%u\n",
			fb->width, fb->height, fb->bpp, fb->addr, fb->pitch, fb->type, fb->red_pos,
			fb->green_pos, fb->blue_pos);
	if (bi->rsdp_offset)
		kprintf("boot: ACPI RSDP (version %u) found\n", bi->rsdp_version);
	else
		kprintf("boot: no ACPI RSDP\n");
}

void
kmain(uint32_t magic, uint64_t info_phys)
{
	uint64_t banner_tsc;
	unsigned bits;

	serial_init();
	boot_info_phys = info_phys;
	parse_boot_info(magic, info_phys);
	if (boot_info.has_framebuffer)
		fbcon_init(&boot_info.fb, KERN_DIRECT_MAP);
	gdt_init();
	idt_init();
	boot_pml4[0] = 0;
	x86_write_cr3(x86_read_cr3());

	banner_tsc = x86_rdtsc();
	kprintf("Writ %s (%s build): capability microkernel for x86_64\n", WRIT_VERSION,
		WRIT_BUILD);
	kprintf("boot: %lu TSC ticks from kernel entry to banner\n", banner_tsc - boot_entry_tsc);
	print_summary();

	x86_cpu_init();
	irq_init();
	irq_lines_init();

	if (boot_is_test())
		selftest_run(boot_info.n_modules == 0);
	if (cmdline_has("exit"))
		boot_exit_qemu(WRIT_EXIT_PASS);
	if (boot_info.n_modules == 0) {
		kprintf("Writ: no boot module, so no root task to run; halted.\n");
		for (;;)
			x86_hlt();
	}
	boot_map_ram(&boot_info);
	bits = root_task_memory_bits(&boot_info.modules[0]);
	root_task_start(&boot_info, boot_region(&boot_info, bits), bits);
	sched_exit_to_user();
}
