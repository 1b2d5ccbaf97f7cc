; Entry point of the root task (init), which the kernel starts itself.
; On entry: RSP = top of the stack (16-byte aligned), RDI = the program's argument (the
; BootInfo address for the root task). Calls writ_main(arg) with the SysV alignment
; (RSP + 8 aligned at function entry); if it returns, the thread stops by faulting on
; purpose at address 0, which its fault handler (or the kernel's log) reports.

extern writ_main
global _start

section .text
_start:
        xor     ebp, ebp
        and     rsp, -16
        call    writ_main
        mov     qword [0], rax
        ud2
