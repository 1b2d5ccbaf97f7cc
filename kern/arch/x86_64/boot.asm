; From GRUB's 32-bit protected mode to the higher-half C entry.
;
; On entry (multiboot2 machine state): 32-bit protected mode, paging off, interrupts off,
; EAX = 0x36d76289, EBX = physical address of the multiboot2 information, no valid stack.
; On exit: 64-bit long mode on boot page tables, RSP on the higher-half boot stack,
; RBP = 0 (ends the backtrace), RDI = magic, RSI = information address, in kmain().
;
; Symbols in .boot.* are linked at their physical addresses; all others are
; higher-half, so 32-bit code reaches them as (symbol - KERNEL_VMA).
;
; Boot page tables (replaced by the kernel's own later):
;   PML4[0]   -> identity map of the low 4 GiB (only while we jump; removed in C)
;   PML4[256] -> direct map: physical 0..4 GiB at 0xffff800000000000
;   PML4[511] -> PDPT[510] -> the kernel image: physical 0..1 GiB at 0xffffffff80000000
; all with 2 MiB pages, so four page directories cover 4 GiB.

KERNEL_VMA      equ 0xffffffff80000000
MB2_BOOT_MAGIC  equ 0x36d76289

extern kmain
global _start
global boot_pml4
global boot_pdpt_low
global boot_pd
global boot_stack_guard
global boot_entry_tsc
global boot_stack_top
global kernel_stack_top

section .boot.text progbits alloc exec nowrite align=16
bits 32
_start:
        cli
        cld
        ; The entry TSC first, so `./writ bench` counts every instruction of ours.
        mov     ebp, eax
        rdtsc
        mov     [boot_entry_tsc - KERNEL_VMA], eax
        mov     [boot_entry_tsc - KERNEL_VMA + 4], edx
        mov     eax, ebp

        mov     esp, boot_stack_top - KERNEL_VMA
        mov     edi, eax                ; kept for kmain (survives the mode switch)
        mov     esi, ebx

        ; A CPU without long mode cannot run us: say so on COM1 and stop.
        mov     eax, 0x80000000
        cpuid
        cmp     eax, 0x80000001
        jb      .no_long_mode
        mov     eax, 0x80000001
        cpuid
        test    edx, 1 << 29
        jz      .no_long_mode
        mov     ebx, edx                ; bit 20 = NX, for EFER.NXE below

        ; Clear the boot tables: GRUB zeroes .bss, but these must be right whatever did.
        push    edi
        mov     edi, boot_pml4 - KERNEL_VMA
        mov     ecx, (boot_tables_end - boot_pml4) / 4
        xor     eax, eax
        rep stosd
        pop     edi

        ; Four page directories: 2048 entries of 2 MiB, physical 0..4 GiB.
        mov     ecx, 0
.fill_pd:
        mov     eax, ecx
        shl     eax, 21
        or      eax, 0x83               ; present, writable, 2 MiB page
        mov     edx, ecx
        shr     edx, 11                 ; high dword: bits 32+ of 2 MiB * index
        mov     [boot_pd - KERNEL_VMA + ecx * 8], eax
        mov     [boot_pd - KERNEL_VMA + ecx * 8 + 4], edx
        inc     ecx
        cmp     ecx, 2048
        jne     .fill_pd

        mov     ecx, 0
.fill_pdpt:
        mov     eax, ecx
        shl     eax, 12
        add     eax, (boot_pd - KERNEL_VMA) + 3
        mov     [boot_pdpt_low - KERNEL_VMA + ecx * 8], eax
        inc     ecx
        cmp     ecx, 4
        jne     .fill_pdpt

        mov     dword [boot_pdpt_high - KERNEL_VMA + 510 * 8], (boot_pd - KERNEL_VMA) + 3
        mov     eax, (boot_pdpt_low - KERNEL_VMA) + 3
        mov     [boot_pml4 - KERNEL_VMA], eax
        mov     [boot_pml4 - KERNEL_VMA + 256 * 8], eax
        mov     dword [boot_pml4 - KERNEL_VMA + 511 * 8], (boot_pdpt_high - KERNEL_VMA) + 3

        mov     eax, cr4
        or      eax, 1 << 5             ; PAE
        mov     cr4, eax
        mov     eax, boot_pml4 - KERNEL_VMA
        mov     cr3, eax

        mov     ecx, 0xc0000080         ; EFER
        rdmsr
        or      eax, 1 << 8             ; LME
        test    ebx, 1 << 20
        jz      .no_nx
        or      eax, 1 << 11            ; NXE
.no_nx:
        wrmsr

        mov     eax, cr0
        or      eax, (1 << 31) | (1 << 16) | 1  ; PG, WP, PE
        mov     cr0, eax

        lgdt    [boot_gdt_ptr]
        jmp     0x08:.long_mode

.no_long_mode:
        mov     esi, no_lm_msg
.putc:
        lodsb
        test    al, al
        jz      .halt
        mov     dx, 0x3f8
        out     dx, al
        jmp     .putc
.halt:
        hlt
        jmp     .halt

bits 64
.long_mode:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        xor     ax, ax
        mov     fs, ax
        mov     gs, ax
        mov     rax, .higher_half
        jmp     rax

section .text
.higher_half:
        mov     rsp, boot_stack_top
        xor     ebp, ebp
        ; RDI and RSI hold the magic and the information address (zero-extended).
        mov     edi, edi
        mov     esi, esi
        call    kmain
.spin:
        cli
        hlt
        jmp     .spin

section .boot.data progbits alloc noexec write align=16
boot_gdt:
        dq 0
        dq 0x00af9a000000ffff           ; 0x08: 64-bit code, ring 0
        dq 0x00cf92000000ffff           ; 0x10: data, ring 0
boot_gdt_end:
boot_gdt_ptr:
        dw boot_gdt_end - boot_gdt - 1
        dd boot_gdt
no_lm_msg:
        db "writ: this CPU has no 64-bit long mode; cannot boot", 13, 10, 0

section .data
align 8
boot_entry_tsc:
        dq 0

section .bss nobits alloc noexec write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
boot_tables_end:
; Unmapped by gdt_init (kern/arch/x86_64/gdt.c): an overflow of the stack above faults
; here instead of writing over the page directories below.
boot_stack_guard: resb 4096
boot_stack:     resb 16384
boot_stack_top:
; The boot stack becomes the kernel stack: every entry from user mode starts at its top.
kernel_stack_top:
