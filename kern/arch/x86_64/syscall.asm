; The `syscall` entry.
;
; On entry (from the CPU): RCX = user RIP, R11 = user RFLAGS, RSP = the user's stack,
; interrupts off (SFMASK clears IF, DF, TF, AC), CS/SS already the kernel's.
; We build exactly the frame an interrupt from user mode would have built, in the same
; place (the end of the current TCB's frame, syscall_frame_top), with vector 0x100 to
; mark it as a syscall, then move to the kernel stack and call syscall_dispatch(frame),
; which never returns: it leaves through kernel_exit (trap.asm).
; No swapgs: one CPU, so per-CPU data are plain globals and GS stays the user's.

USER_CS         equ 0x23
USER_SS         equ 0x1b
SYSCALL_VECTOR  equ 0x100

extern syscall_dispatch
extern kernel_stack_top
global syscall_entry:function
global syscall_frame_top

%include "arch/x86_64/frame.inc"

section .text
syscall_entry:
        mov     [rel syscall_user_rsp], rsp
        mov     rsp, [rel syscall_frame_top]
        push    USER_SS
        push    qword [rel syscall_user_rsp]
        push    r11
        push    USER_CS
        push    rcx
        push    0
        push    SYSCALL_VECTOR
        SAVE_GPRS
        cld
        mov     rdi, rsp
        mov     rsp, kernel_stack_top
        xor     ebp, ebp
        call    syscall_dispatch
        ud2                             ; NOTREACHED

section .bss
align 8
syscall_frame_top:      resq 1
syscall_user_rsp:       resq 1
