; Entry point of every program init starts. The stack is Linux's for a static x86_64
; program: RSP points at argc, then argv[], NULL, envp[], NULL, the auxiliary vector.
; writ_start(sp) reads them, sets up the runtime and calls main; it never returns.

extern writ_start
global _start

section .text
_start:
        xor     ebp, ebp
        mov     rdi, rsp
        and     rsp, -16
        call    writ_start
        ud2
