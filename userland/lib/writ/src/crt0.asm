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

; The mark of a Writ program: init loads the Linux personality beside any ELF without
; it (a PT_NOTE with name "Writ", type 1; userland/srv/init/linux.c).
section .note.writ note alloc noexec nowrite align=4
        dd      5, 4, 1                 ; namesz, descsz, type
        db      "Writ", 0, 0, 0, 0      ; the name, padded to 4
        dd      1                       ; the version of the mark
