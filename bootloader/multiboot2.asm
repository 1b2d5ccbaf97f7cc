; The multiboot2 header GRUB looks for in the first 32 KiB of the kernel ELF.
;
; We ask for no video mode: under SeaBIOS GRUB then leaves the VGA text mode (and says so
; in an EGA-text framebuffer tag); under UEFI there is no text mode, so GRUB hands over the
; GOP framebuffer it already has (grub.cfg loads all_video for that). The console mirrors
; whichever one arrives.

MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
        dd MB2_MAGIC
        dd MB2_ARCH_I386
        dd mb2_header_end - mb2_header
        dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

        ; Information request (type 1): the tags the kernel cannot boot without.
        ; Memory map (6) and module (3) are given anyway; asking makes GRUB refuse to boot
        ; us rather than start us without a memory map.
        align 8
.info_req:
        dw 1, 0
        dd .info_req_end - .info_req
        dd 6                            ; memory map
.info_req_end:

        ; Modules page-aligned (type 6), so they can be handed out as frames later.
        align 8
        dw 6, 0
        dd 8

        ; End tag.
        align 8
        dw 0, 0
        dd 8
mb2_header_end:
