; The Linux personality's two ways in and out of the program.
;
; lx_upcall: where the kernel sends the thread when the program runs `syscall` with a
; Linux number (TCB_SET_UPCALL). On entry, as on a Linux kernel's syscall entry: RAX =
; the number, RDI RSI RDX R10 R8 R9 = the arguments, RCX = the address after the
; syscall instruction, R11 = RFLAGS there, RSP = the program's stack (with its 128-byte
; red zone below RSP in use), every other register the program's. On exit, as Linux
; leaves it: RAX = the result, RCX and R11 as on entry (the return address, RFLAGS),
; everything else as the program left it, RFLAGS restored from R11, and a plain jump
; back: no second kernel entry.
;
; The C side (lx_dispatch) gets a struct lx_call (lx.h) on the stack: the number, the
; six arguments, RCX and R11, which it may change (e.g. a different return address).
; It follows the C ABI, so besides those it may clobber RAX and the vector and x87
; state: fxsave keeps that (one instruction each way, 512 bytes of the stack).

global lx_upcall
global lx_enter
extern lx_dispatch

section .text
lx_upcall:
        lea     rsp, [rsp - 128]        ; below the red zone
        push    rbp
        mov     rbp, rsp
        and     rsp, -16
        sub     rsp, 512
        fxsave64 [rsp]
        push    r11
        push    rcx
        push    r9
        push    r8
        push    r10
        push    rdx
        push    rsi
        push    rdi
        push    rax                     ; struct lx_call starts here
        mov     rdi, rsp
        sub     rsp, 8                  ; 9 words pushed: align the call
        cld                             ; the C ABI's, whatever the program had
        call    lx_dispatch
        add     rsp, 16                 ; the pad and the number
        pop     rdi
        pop     rsi
        pop     rdx
        pop     r10
        pop     r8
        pop     r9
        pop     rcx
        pop     r11
        fxrstor64 [rsp]
        push    r11
        popfq                           ; flags from here on are the program's
        mov     rsp, rbp                ; mov, pop and lea keep them
        pop     rbp
        lea     rsp, [rsp + 128]
        jmp     rcx

; lx_enter(entry, sp): start the program at `entry` on the initial stack `sp`, as
; Linux's exec leaves a static program: RSP at argc, the other registers zero.
lx_enter:
        mov     rsp, rsi
        mov     rax, rdi
        xor     ebx, ebx
        xor     ecx, ecx
        xor     edx, edx
        xor     esi, esi
        xor     edi, edi
        xor     ebp, ebp
        xor     r8d, r8d
        xor     r9d, r9d
        xor     r10d, r10d
        xor     r11d, r11d
        xor     r12d, r12d
        xor     r13d, r13d
        xor     r14d, r14d
        xor     r15d, r15d
        jmp     rax
