; Entry and exit for all 256 IDT vectors.
;
; On entry (from the CPU): the interrupted SS, RSP, RFLAGS, CS, RIP on the stack, plus an
; error code for vectors 8, 10-14, 17, 21, 29, 30. Each stub pushes a zero error code
; where the CPU pushes none, then its vector, so every frame has one shape:
; struct trap_frame in trap.h (r15 at the lowest address ... ss at the highest).
;
; From user mode the CPU switched to TSS.RSP0, which the scheduler points at the end of
; the current thread's tcb.frame: the whole frame lands in the TCB, and trap_common then
; moves to the kernel stack and calls trap_dispatch(frame), which never returns (it
; leaves through kernel_exit to whichever thread runs next).
; From kernel mode (the idle loop, the self-tests) the frame is on the kernel stack and
; trap_dispatch may return: the frame is restored and iretq resumes the kernel.
; Offsets and SYSCALL_VECTOR come from the C definitions (asm_offsets.inc, through
; frame.inc).

extern trap_dispatch
extern kernel_stack_top
extern syscall_exit
global trap_stubs
global trap_stubs_clac
global kernel_exit:function

%define has_error_code(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%include "arch/x86_64/frame.inc"

; Two sets of stubs, alike but for a `clac` first in the second: on a CPU with SMAP the
; IDT points at those (idt_select_stubs), so AC set by user code never lets the kernel
; reach user pages; without SMAP `clac` does not exist and AC means nothing in ring 0.
%macro STUBS 2                          ; label prefix, 1 = clac first
%assign vec 0
%rep 256
%1 %+ vec:
%if %2
        clac
%endif
%if !has_error_code(vec)
        push    0
%endif
        push    vec
        jmp     trap_common
%assign vec vec + 1
%endrep
%endmacro

section .text
        STUBS   trap_stub_, 0
        STUBS   trap_stub_clac_, 1

trap_common:
        SAVE_GPRS
        cld
        mov     rdi, rsp
        test    qword [rsp + F_CS], 3   ; CS of the interrupted code: from user mode?
        jz      .from_kernel
        mov     rsp, kernel_stack_top
        xor     ebp, ebp                ; the backtrace ends here
        call    trap_dispatch
        ud2                             ; NOTREACHED: user traps leave via kernel_exit
.from_kernel:
        call    trap_dispatch
        jmp     restore_frame

; kernel_exit(frame): on entry RDI = a struct trap_frame (a TCB's); never returns. A
; frame the syscall entry saved, unwritten since, leaves by sysret (syscall.asm); any
; other loads every general register and returns with iretq.
kernel_exit:
        cmp     qword [rdi + F_VECTOR], SYSCALL_VECTOR
        je      syscall_exit
        mov     rsp, rdi
restore_frame:
        RESTORE_GPRS
        add     rsp, 16                 ; vector and error code
        iretq

%macro STUB_TABLE 1
%assign vec 0
%rep 256
        dq      %1 %+ vec
%assign vec vec + 1
%endrep
%endmacro

section .rodata
align 8
trap_stubs:
        STUB_TABLE trap_stub_
trap_stubs_clac:
        STUB_TABLE trap_stub_clac_
