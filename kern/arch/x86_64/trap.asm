; Entry and exit for all 256 IDT vectors.
;
; On entry (from the CPU): the interrupted SS, RSP, RFLAGS, CS, RIP on the stack, plus an
; error code for vectors 8, 10-14, 17, 21, 29, 30. Each stub pushes a zero error code
; where the CPU pushes none, then its vector, so every frame has one shape:
; struct trap_frame in trap.h (r15 at the lowest address ... ss at the highest).
; trap_common saves the general registers, calls trap_dispatch(frame) with RSP 16-byte
; aligned, restores them and returns with iretq. Offsets are checked against the C struct
; by _Static_assert in trap.h.

extern trap_dispatch
global trap_stubs

%define has_error_code(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text
%assign vec 0
%rep 256
trap_stub_ %+ vec:
%if !has_error_code(vec)
        push    0
%endif
        push    vec
        jmp     trap_common
%assign vec vec + 1
%endrep

trap_common:
        push    rax
        push    rbx
        push    rcx
        push    rdx
        push    rsi
        push    rdi
        push    rbp
        push    r8
        push    r9
        push    r10
        push    r11
        push    r12
        push    r13
        push    r14
        push    r15
        test    qword [rsp + 18 * 8], 3 ; CS of the interrupted code: from user mode?
        jz      .kernel_entry
        swapgs
.kernel_entry:
        cld
        mov     rdi, rsp
        call    trap_dispatch
        test    qword [rsp + 18 * 8], 3
        jz      .kernel_exit
        swapgs
.kernel_exit:
        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     r11
        pop     r10
        pop     r9
        pop     r8
        pop     rbp
        pop     rdi
        pop     rsi
        pop     rdx
        pop     rcx
        pop     rbx
        pop     rax
        add     rsp, 16                 ; vector and error code
        iretq

section .rodata
align 8
trap_stubs:
%assign vec 0
%rep 256
        dq      trap_stub_ %+ vec
%assign vec vec + 1
%endrep
