; The `syscall` entry.
;
; On entry (from the CPU): RCX = user RIP, R11 = user RFLAGS, RSP = the user's stack,
; interrupts off (SFMASK clears IF, DF, TF, AC), CS/SS already the kernel's.
; We build exactly the frame an interrupt from user mode would have built, in the same
; place (the end of the current TCB's frame, the TSS's RSP0), with vector 0x100 to mark
; it as a syscall, then move to the kernel stack and call the C side with the frame:
; syscall_call and syscall_reply_recv (the IPC fastpath) for those two, and
; syscall_dispatch for the rest (and for all, without the fastpath). None returns: each
; leaves through kernel_exit.
; No swapgs: one CPU, so per-CPU data are plain globals and GS stays the user's.

; USER_CS, USER_SS (gdt.h), SYSCALL_VECTOR (trap.h), WRIT_SYS_CALL and
; WRIT_SYS_REPLY_RECV (<writ/abi.h>) and TSS_RSP0 (struct x86_tss) come with the frame
; offsets from asm_offsets.inc, through frame.inc.

extern syscall_dispatch
extern syscall_call
extern syscall_reply_recv
extern kernel_stack_top
extern x86_tss
global syscall_entry:function
global syscall_entry_full:function
global syscall_exit:function

%include "arch/x86_64/frame.inc"

; The frame as an interrupt from user mode would build it, then onto the kernel stack
; with RDI = the frame. DF is already clear: SFMASK clears it on the way in.
%macro SYSCALL_SAVE 0
        mov     [rel syscall_user_rsp], rsp
        mov     rsp, [rel x86_tss + TSS_RSP0]
        push    USER_SS
        push    qword [rel syscall_user_rsp]
        push    r11
        push    USER_CS
        push    rcx
        push    0
        push    SYSCALL_VECTOR
        SAVE_GPRS
        mov     rdi, rsp
        mov     rsp, kernel_stack_top
        xor     ebp, ebp
%endmacro

section .text
; LSTAR names one of the two entries (x86_syscall_entry_select): this one with the IPC
; fastpath, syscall_entry_full without it (the command-line word `nofastpath`).
syscall_entry:
        SYSCALL_SAVE
        cmp     rax, WRIT_SYS_CALL
        je      .call
        cmp     rax, WRIT_SYS_REPLY_RECV
        je      .reply_recv
        call    syscall_dispatch
        ud2                             ; NOTREACHED
.call:
        call    syscall_call            ; kern/fastpath.c
        ud2
.reply_recv:
        call    syscall_reply_recv
        ud2

syscall_entry_full:
        SYSCALL_SAVE
        call    syscall_dispatch
        ud2

; syscall_exit(frame): the way back for a frame the syscall entry saved and nobody has
; written since (vector SYSCALL_VECTOR; kernel_exit checks). sysret takes RIP from RCX
; and RFLAGS from R11, which the `syscall` instruction clobbered anyway; the RIP is
; canonical because user memory ends a page below the canonical hole (WRIT_USER_HI), so
; a `syscall` at the very end of it still leaves a canonical RCX.
syscall_exit:
        mov     r15, [rdi + F_R15]
        mov     r14, [rdi + F_R14]
        mov     r13, [rdi + F_R13]
        mov     r12, [rdi + F_R12]
        mov     r10, [rdi + F_R10]
        mov     r9, [rdi + F_R9]
        mov     r8, [rdi + F_R8]
        mov     rbp, [rdi + F_RBP]
        mov     rsi, [rdi + F_RSI]
        mov     rdx, [rdi + F_RDX]
        mov     rbx, [rdi + F_RBX]
        mov     rax, [rdi + F_RAX]
        mov     rcx, [rdi + F_RIP]
        mov     r11, [rdi + F_RFLAGS]
        mov     rsp, [rdi + F_RSP]
        mov     rdi, [rdi + F_RDI]
        o64 sysret

section .bss
align 8
syscall_user_rsp:       resq 1
