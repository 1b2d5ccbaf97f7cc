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
; six arguments, the program's RSP, RCX and R11; it may change the arguments, RCX and
; R11 (e.g. a different return address).
; It follows the C ABI, so besides those it may clobber RAX and the vector and x87
; state: fxsave keeps that (one instruction each way, 512 bytes of the stack).

global lx_upcall
global lx_enter
extern lx_dispatch
extern lx_sig_deliver
extern lx_sig_slow
extern lx_fork
extern lx_ppid
extern lx_vfork_stack
extern lx_vfork_thread

; libwrit's word for its struct writ_thread, in the IPC buffer GS points at
; (offsetof(struct writ_ipc_buffer, user_data); proc.c asserts it).
%define IPC_USER_DATA 968

; A vfork child (musl's posix_spawn: clone(CLONE_VM|CLONE_VFORK)) runs on a stack of a
; few KiB that the program chose, and right below it lie the parent's frames, its own
; suspended call among them: the child's calls go to a stack of the personality's
; (lx_vfork_stack, set while the child runs on the thread lx_vfork_thread names). RBP
; holds the program's RSP; RAX is kept.
%macro VFORK_STACK 0
        cmp     qword [rel lx_vfork_stack], 0
        je      %%own
        push    rax
        mov     rax, [gs:IPC_USER_DATA]
        cmp     rax, [rel lx_vfork_thread]
        pop     rax
        jne     %%own
        mov     rsp, [rel lx_vfork_stack]
%%own:
%endmacro

section .text
lx_upcall:
        cmp     rax, 110                ; getppid answers from a word: the quick way,
        je      .ppid                   ; unless a signal is due (one test: every other
        cmp     rax, 24                 ; call pays it); sched_yield is one kernel call
        je      .yield
.full:
        lea     rsp, [rsp - 128]        ; below the red zone
        push    rbp
        mov     rbp, rsp
        VFORK_STACK
        and     rsp, -16
        sub     rsp, 512
        fxsave64 [rsp]
        push    r11
        push    rcx
        lea     rcx, [rbp + 8 + 128]    ; the program's RSP
        push    rcx
        push    r9
        push    r8
        push    r10
        push    rdx
        push    rsi
        push    rdi
        push    rax                     ; struct lx_call starts here: ten words, aligned
        mov     rdi, rsp
        cld                             ; the C ABI's, whatever the program had
        lea     ecx, [rax - 56]         ; clone (56) or fork (57): RCX is saved above
        cmp     ecx, 1
        jbe     .fork
        call    lx_dispatch
.back:
        cmp     byte [rel lx_sig_slow], 0
        jne     .signal                 ; a signal to deliver, or a handler's sigreturn
        add     rsp, 8                  ; the number
        pop     rdi
        pop     rsi
        pop     rdx
        pop     r10
        pop     r8
        pop     r9
        add     rsp, 8                  ; RSP: the frame pointer gives it back
        pop     rcx
        pop     r11
        fxrstor64 [rsp]
        push    r11
        popfq                           ; flags from here on are the program's
        mov     rsp, rbp                ; mov, pop and lea keep them
        pop     rbp
        lea     rsp, [rsp + 128]
        jmp     rcx

; The quick way: no frame, no FXSAVE, nothing the program keeps is touched but RAX;
; the signal thread sees a RIP of ours here and waits, as for any call.
.ppid:
        cmp     byte [rel lx_sig_slow], 0
        jne     .full
        mov     eax, [rel lx_ppid]
        lea     rsp, [rsp - 128]        ; the red zone stays the program's
        push    r11
        popfq
        lea     rsp, [rsp + 128]
        jmp     rcx

; sched_yield: the kernel's Yield with no frame and no FXSAVE. The kernel may write the
; message registers (RDI RSI RDX R10 R8 R9, <writ/abi.h>) and the instruction RCX and
; R11: all are kept below the red zone. A signal that came meanwhile takes the full way
; (one more yield, then the delivery).
.yield:
        cmp     byte [rel lx_sig_slow], 0
        jne     .full
        lea     rsp, [rsp - 128]
        push    rcx
        push    r11
        push    rdi
        push    rsi
        push    rdx
        push    r10
        push    r8
        push    r9
        mov     rax, -8                 ; WRIT_SYS_YIELD
        syscall
        pop     r9
        pop     r8
        pop     r10
        pop     rdx
        pop     rsi
        pop     rdi
        pop     r11
        pop     rcx
        mov     eax, 24
        cmp     byte [rel lx_sig_slow], 0
        jne     .yield_full
        xor     eax, eax
        push    r11
        popfq
        lea     rsp, [rsp + 128]
        jmp     rcx
.yield_full:
        lea     rsp, [rsp + 128]
        jmp     .full

; fork and clone (fork.c): a new process copies every register of the program, so the
; callee-saved ones, which lx_dispatch's frames may have moved, go along: lx_fork(c,
; regs), regs = RBP RBX R12 R13 R14 R15 as the program has them (six words: the
; stack stays aligned).
.fork:
        push    r15
        push    r14
        push    r13
        push    r12
        push    rbx
        push    qword [rbp]             ; the program's RBP
        mov     rsi, rsp
        call    lx_fork
        add     rsp, 48
        jmp     .back

; The slow way out (sig.c): every register of the program goes to lx_sig_deliver(c,
; callee-saved, fxsave image, out, rcx, r11), which writes them, maybe changed (RSP
; too: a handler's frame, or the one rt_sigreturn goes back to), to `out`, far enough
; below that a handler's frame (right under the program's RSP) cannot reach it; all are
; loaded from there, RCX and R11 included, and the jump goes through the word below
; the new stack's red zone (sig.c checked it is the program's).
.signal:
        mov     [rsp], rax              ; the result, in the number's place
        mov     rdi, rsp
        mov     r8, [rdi + 64]          ; after a syscall RCX is the return address...
        mov     r9, [rdi + 72]          ; ...and R11 the flags
        push    r15
        push    r14
        push    r13
        push    r12
        push    rbx
        push    qword [rbp]             ; the program's RBP
        mov     rsi, rsp
        lea     rdx, [rdi + 80]         ; the FXSAVE image, right above struct lx_call
        sub     rsp, 2048 + 656         ; past any frame; then struct lx_sigregs
        mov     rcx, rsp
        call    lx_sig_deliver
        ; fall through

; Load every register from struct lx_sigregs at RSP and go on where it says.
sig_out:
        mov     rbp, [rsp + 80]
        mov     rbx, [rsp + 88]
        mov     r12, [rsp + 96]
        mov     r13, [rsp + 104]
        mov     r14, [rsp + 112]
        mov     r15, [rsp + 120]
        fxrstor64 [rsp + 128]
        mov     rax, rsp                ; struct lx_call
        mov     rdi, [rax + 56]         ; the new RSP...
        mov     rsi, [rax + 64]         ; ...and RIP, kept under its red zone
        mov     [rdi - 136], rsi
        mov     rdi, [rax + 8]
        mov     rsi, [rax + 16]
        mov     rdx, [rax + 24]
        mov     r10, [rax + 32]
        mov     r8, [rax + 40]
        mov     r9, [rax + 48]
        mov     rcx, [rax + 640]
        mov     r11, [rax + 648]
        push    qword [rax + 72]
        popfq                           ; on our stack: the program's may have no room below
        mov     rsp, [rax + 56]         ; mov keeps the flags
        mov     rax, [rax]
        jmp     qword [rsp - 136]

; lx_sig_async: where the signal thread (sig.c) sends the main thread when it runs the
; program's code and a signal from another process is due; lx_async_rip is where it
; was. Every register is the program's: they are kept as the upcall keeps them (flags
; first, before anything changes them), and the slow way out delivers the signal and
; goes back to lx_async_rip with all of them, RAX RCX R11 included.
global lx_sig_async
extern lx_main_in_call
extern lx_async_rip
lx_sig_async:
        mov     byte [rel lx_main_in_call], 1
        lea     rsp, [rsp - 128]        ; below the red zone
        push    rbp
        mov     rbp, rsp
        pushfq                          ; [rbp - 8]
        push    rax                     ; [rbp - 16]
        VFORK_STACK
        and     rsp, -16
        sub     rsp, 512
        fxsave64 [rsp]
        push    qword [rbp - 8]         ; struct lx_call's r11: the flags
        push    qword [rel lx_async_rip] ; its rcx: where to go on
        lea     rax, [rbp + 8 + 128]
        push    rax                     ; the program's RSP
        push    r9
        push    r8
        push    r10
        push    rdx
        push    rsi
        push    rdi
        push    qword [rbp - 16]        ; RAX, kept as a call's result would be
        mov     rdi, rsp
        mov     r8, rcx                 ; the program's own RCX and R11
        mov     r9, r11
        push    r15
        push    r14
        push    r13
        push    r12
        push    rbx
        push    qword [rbp]             ; the program's RBP
        mov     rsi, rsp
        lea     rdx, [rdi + 80]
        sub     rsp, 2048 + 656
        mov     rcx, rsp
        cld
        call    lx_sig_deliver
        jmp     sig_out

; lx_fork_resume(regs, fx): go on as a fork's child: every register from regs (struct
; lx_fork_regs, fork.c: RAX RBX RCX RDX RSI RDI RBP R8-R15 RSP RIP RFLAGS) and the
; vector state from the FXSAVE image fx. RCX and R11 are the return address and flags,
; as after any syscall.
global lx_fork_resume
lx_fork_resume:
        fxrstor64 [rsi]
        mov     rax, rdi
        mov     rbx, [rax + 8]
        mov     rdx, [rax + 24]
        mov     rsi, [rax + 32]
        mov     rdi, [rax + 40]
        mov     rbp, [rax + 48]
        mov     r8, [rax + 56]
        mov     r9, [rax + 64]
        mov     r10, [rax + 72]
        mov     r12, [rax + 88]
        mov     r13, [rax + 96]
        mov     r14, [rax + 104]
        mov     r15, [rax + 112]
        mov     rcx, [rax + 128]
        mov     r11, [rax + 136]
        push    r11
        popfq                           ; on our stack; mov keeps the flags from here
        mov     rsp, [rax + 120]
        mov     rax, [rax]
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

; lx_jump(call, rsp): go on as the program would after its syscall, on stack rsp, with
; RAX 0 and the registers of `call` (a clone's child: the parent's argument registers,
; its return address and flags); the callee-saved ones zero, as nothing may rely on them.
global lx_jump
lx_jump:
        mov     rsp, rsi
        push    qword [rdi + 72]        ; r11: the flags
        popfq
        mov     rsi, [rdi + 16]
        mov     rdx, [rdi + 24]
        mov     r10, [rdi + 32]
        mov     r8, [rdi + 40]
        mov     r9, [rdi + 48]
        mov     rcx, [rdi + 64]
        mov     r11, [rdi + 72]
        mov     rdi, [rdi + 8]
        xor     eax, eax
        xor     ebx, ebx
        xor     ebp, ebp
        xor     r12d, r12d
        xor     r13d, r13d
        xor     r14d, r14d
        xor     r15d, r15d
        jmp     rcx

; lx_run_child(back, call, rsp): keep the personality's place in `back` (struct jmp:
; rbx rbp r12 r13 r14 r15 rsp rip) and go on as a vfork child (lx_jump). Returns when
; lx_back_to_parent(back, pid) is called, with pid.
global lx_run_child
lx_run_child:
        mov     [rdi], rbx
        mov     [rdi + 8], rbp
        mov     [rdi + 16], r12
        mov     [rdi + 24], r13
        mov     [rdi + 32], r14
        mov     [rdi + 40], r15
        lea     rax, [rsp + 8]
        mov     [rdi + 48], rax
        mov     rax, [rsp]
        mov     [rdi + 56], rax
        mov     rdi, rsi
        mov     rsi, rdx
        jmp     lx_jump

global lx_back_to_parent
lx_back_to_parent:
        mov     rbx, [rdi]
        mov     rbp, [rdi + 8]
        mov     r12, [rdi + 16]
        mov     r13, [rdi + 24]
        mov     r14, [rdi + 32]
        mov     r15, [rdi + 40]
        mov     rsp, [rdi + 48]
        mov     rax, rsi
        jmp     [rdi + 56]

; lx_on_stack(fn, arg, top): fn(arg) on the stack that ends at top; fn does not return.
global lx_on_stack
lx_on_stack:
        mov     rsp, rdx
        and     rsp, -16
        mov     rax, rdi
        mov     rdi, rsi
        call    rax
        ud2
