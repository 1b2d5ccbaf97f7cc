/*
 * The GDT's selectors (gdt.c), the one definition for C and, through asm_offsets.inc,
 * for the assembly. sysret loads user SS from STAR's base + 8 and user CS from base +
 * 16 (64-bit), so the user data segment sits before the user code segment.
 */
#ifndef WRIT_X86_GDT_H
#define WRIT_X86_GDT_H

#define X86_SEL_KERNEL_CODE 0x08
#define X86_SEL_KERNEL_DATA 0x10
#define X86_SEL_USER_DATA   (0x18 | 3)     /* RPL 3 */
#define X86_SEL_USER_CODE   (0x20 | 3)
#define X86_SEL_TSS         0x28           /* a 16-byte system descriptor */

/* STAR[63:48], sysret's base: user SS = base + 8, user CS = base + 16, RPL 3. */
#define X86_STAR_SYSRET_BASE X86_SEL_KERNEL_DATA
_Static_assert(((X86_STAR_SYSRET_BASE + 8) | 3) == X86_SEL_USER_DATA &&
	       ((X86_STAR_SYSRET_BASE + 16) | 3) == X86_SEL_USER_CODE,
	       "sysret's selectors are the GDT's user segments");

#endif
