/*
 * libwrit: the capability API for programs on Writ.
 *
 * Syscalls follow <writ/abi.h>: the number in rax, a cptr in rdi, the message info in
 * rsi, message registers 0..3 in rdx, r10, r8, r9, the rest in the thread's IPC buffer.
 * libwrit finds the IPC buffer through the GS base, which every thread's creator sets to
 * that thread's buffer (the kernel does it for the root task), so each thread reaches
 * its own buffer without TLS.
 *
 * Every invocation returns an enum writ_error (0 on success) and writes its results
 * through pointer arguments.
 */
#ifndef WRIT_WRIT_H
#define WRIT_WRIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <writ/abi.h>

/* ---- raw syscalls ---- */

struct writ_msg {
	writ_word_t info;               /* message info (label, length, caps) */
	writ_word_t mr[WRIT_MSG_REGS];  /* message registers 0..3 */
	writ_word_t badge;              /* out: the sender's badge */
};

long writ_sys(long number, writ_cptr_t cap, struct writ_msg *m);

static inline long
writ_call(writ_cptr_t ep, struct writ_msg *m)
{
	return writ_sys(WRIT_SYS_CALL, ep, m);
}

static inline long
writ_send(writ_cptr_t ep, struct writ_msg *m)
{
	return writ_sys(WRIT_SYS_SEND, ep, m);
}

static inline long
writ_nbsend(writ_cptr_t ep, struct writ_msg *m)
{
	return writ_sys(WRIT_SYS_NBSEND, ep, m);
}

static inline long
writ_recv(writ_cptr_t ep, struct writ_msg *m)
{
	return writ_sys(WRIT_SYS_RECV, ep, m);
}

static inline long
writ_nbrecv(writ_cptr_t ep, struct writ_msg *m)
{
	return writ_sys(WRIT_SYS_NBRECV, ep, m);
}

static inline long
writ_reply(struct writ_msg *m)
{
	return writ_sys(WRIT_SYS_REPLY, 0, m);
}

static inline long
writ_reply_recv(writ_cptr_t ep, struct writ_msg *m)
{
	return writ_sys(WRIT_SYS_REPLY_RECV, ep, m);
}

static inline void
writ_yield(void)
{
	struct writ_msg m = { 0 };

	writ_sys(WRIT_SYS_YIELD, 0, &m);
}

/* Message word i of the calling thread's IPC buffer (found through GS). */
writ_word_t writ_mr_get(unsigned i);
void writ_mr_set(unsigned i, writ_word_t v);
/* The calling thread's IPC buffer (message words from 4 on live in its msg[]), to copy
 * many words at once. */
struct writ_ipc_buffer *writ_ipc_buffer(void);

/* Capability transfer: the caps a message sends (extra caps i = 0..2, with
 * writ_msginfo(label, ncaps, length)), where a received one lands, and the badges of
 * capabilities unwrapped on receipt (message info bit WRIT_MSGINFO_UNWRAP_SHIFT + i). */
void writ_set_cap(unsigned i, writ_cptr_t cptr);
writ_word_t writ_get_badge(unsigned i);
void writ_set_receive_slot(writ_cptr_t cnode, writ_word_t index, unsigned depth);
/* After a Reply or ReplyRecv that named capabilities: how many of them went (those
 * past it stay in the replier's slots). */
writ_word_t writ_replied_caps(void);

/* ---- invocations: one stub each, as <writ/invocations.def> and kern/abi/README.md
 * list them (arguments, results, errors) ---- */

/*
 * A Call on a kernel object: label, n arguments, up to nout results.
 * Returns the kernel's error.
 */
long writ_invoke(writ_cptr_t cap, writ_word_t label, const writ_word_t *args, unsigned n,
		 writ_word_t *out, unsigned nout);

long writ_untyped_retype(writ_cptr_t ut, unsigned type, unsigned size_bits, writ_cptr_t root,
			 writ_word_t node_index, unsigned node_depth, writ_word_t offset,
			 writ_word_t count);

long writ_cnode_copy(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		     writ_cptr_t src_root, writ_word_t src, unsigned src_depth, unsigned rights);
long writ_cnode_mint(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		     writ_cptr_t src_root, writ_word_t src, unsigned src_depth, unsigned rights,
		     writ_word_t badge);
long writ_cnode_move(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		     writ_cptr_t src_root, writ_word_t src, unsigned src_depth);
long writ_cnode_mutate(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		       writ_cptr_t src_root, writ_word_t src, unsigned src_depth,
		       unsigned rights, writ_word_t badge);
/* Mint over dest, a badged capability to src's object that nobody holds a copy of
 * (no children): one call for Delete then Mint; WRIT_E_REVOKE_FIRST when it has
 * children, and nothing changes. Example: a server takes record i back and reissues
 * it under a new generation's badge:
 *   writ_cnode_remint(WRIT_PSLOT_CNODE, orig, 64, WRIT_PSLOT_CNODE, ep, 64, rights, b); */
long writ_cnode_remint(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		       writ_cptr_t src_root, writ_word_t src, unsigned src_depth,
		       unsigned rights, writ_word_t badge);
long writ_cnode_rotate(writ_cptr_t root, writ_word_t dest, unsigned dest_depth,
		       writ_cptr_t pivot_root, writ_word_t pivot, unsigned pivot_depth,
		       writ_cptr_t src_root, writ_word_t src, unsigned src_depth,
		       writ_word_t dest_badge, writ_word_t pivot_badge);
long writ_cnode_delete(writ_cptr_t root, writ_word_t index, unsigned depth);
/* The slots of `cnode` from `first` (count slots) naming ref's object: res[0] the slot
 * to go on from, res[1] how many, then (slot | rights << WRIT_CNODE_FIND_RIGHTS_SHIFT,
 * badge) pairs; nres at least 2 + 2 * WRIT_CNODE_FIND_MAX_FOUND. */
long writ_cnode_find(writ_cptr_t cnode, writ_cptr_t ref, writ_word_t first, writ_word_t count,
		     writ_word_t *res, unsigned nres);
long writ_cnode_revoke(writ_cptr_t root, writ_word_t index, unsigned depth);

long writ_tcb_configure(writ_cptr_t tcb, writ_cptr_t fault_ep, writ_cptr_t cspace,
			writ_word_t cspace_guard, writ_cptr_t vspace, writ_word_t ipc_vaddr,
			writ_cptr_t ipc_frame);
long writ_tcb_set_priority(writ_cptr_t tcb, writ_cptr_t authority, unsigned prio);
long writ_tcb_set_mcp(writ_cptr_t tcb, writ_cptr_t authority, unsigned mcp);
long writ_tcb_read_regs(writ_cptr_t tcb, writ_word_t *ctx, unsigned count);
long writ_tcb_write_regs(writ_cptr_t tcb, bool resume, const writ_word_t *ctx,
			 unsigned count);
long writ_tcb_resume(writ_cptr_t tcb);
long writ_tcb_suspend(writ_cptr_t tcb);
/* Linux syscalls of the thread go to addr (0: they fault); see TCB_SET_UPCALL.
 * Example: `writ_tcb_set_upcall(WRIT_PSLOT_TCB, (writ_word_t)lx_upcall_entry);` */
long writ_tcb_set_upcall(writ_cptr_t tcb, writ_word_t addr);
/* The thread's FS base (what arch_prctl(ARCH_SET_FS) sets on Linux). */
long writ_tcb_set_fs_base(writ_cptr_t tcb, writ_word_t base);

long writ_page_table_map(writ_cptr_t table, writ_cptr_t vspace, writ_word_t vaddr);
long writ_page_table_unmap(writ_cptr_t table);
long writ_frame_map(writ_cptr_t frame, writ_cptr_t vspace, writ_word_t vaddr,
		    unsigned rights, unsigned attr);
long writ_frame_unmap(writ_cptr_t frame);
long writ_frame_get_address(writ_cptr_t frame, writ_word_t *paddr);

long writ_ioport_issue(writ_cptr_t control, unsigned first, unsigned last, writ_cptr_t root,
		       writ_word_t index, unsigned depth);
long writ_ioport_in(writ_cptr_t port_cap, unsigned width, unsigned port, uint32_t *value);
long writ_ioport_out(writ_cptr_t port_cap, unsigned width, unsigned port, uint32_t value);

/* ---- notifications and IRQs (<writ/abi.h>, "Notifications, bound notifications and IRQs") ---- */

/* Signal: OR the capability's badge into the notification (never blocks). */
long writ_signal(writ_cptr_t ntfn);
/* Wait: block until the word is non-zero; *word gets it (and it is cleared). */
long writ_wait(writ_cptr_t ntfn, writ_word_t *word);
/* Poll: the word now, possibly 0; never blocks. */
long writ_poll(writ_cptr_t ntfn, writ_word_t *word);
long writ_tcb_bind_notification(writ_cptr_t tcb, writ_cptr_t ntfn);
long writ_tcb_unbind_notification(writ_cptr_t tcb);
long writ_irq_control_issue(writ_cptr_t control, unsigned line, writ_cptr_t root,
			    writ_word_t index, unsigned depth);
/* Interrupts of `line` (or of WRIT_IRQ_MSI(msi)) that found no notification, those
 * delivered, and the TSC of the kernel entry of the last one. Any pointer may be NULL. */
long writ_irq_control_stats(writ_cptr_t control, unsigned line, writ_word_t *unhandled,
			    writ_word_t *delivered, writ_word_t *last_tsc);
/* The IRQHandler of MSI `msi` (0..WRIT_IRQ_MSIS-1) into (root, index, depth); *address
 * and *data (either may be NULL) get what to program into the device's MSI capability. */
long writ_irq_control_get_msi(writ_cptr_t control, unsigned msi, writ_cptr_t root,
			      writ_word_t index, unsigned depth, writ_word_t *address,
			      writ_word_t *data);
long writ_irq_handler_set_notification(writ_cptr_t handler, writ_cptr_t ntfn);
long writ_irq_handler_ack(writ_cptr_t handler);
long writ_irq_handler_clear(writ_cptr_t handler);

/* ---- console and exit (through IOPort capabilities) ---- */

/* Use `serial` (an IOPort for 0x3f8..0x3ff) for output and `exit_port` (0xf4) to leave
 * QEMU; either may be 0. */
void writ_console_init(writ_cptr_t serial, writ_cptr_t exit_port);
void writ_putc(char c);
int writ_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int writ_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int writ_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
__attribute__((noreturn)) void writ_exit_qemu(unsigned code);

/* ---- the small libc a freestanding program needs (portable/src/string.c) ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
void *memchr(const void *s, int c, size_t n);
size_t strnlen(const char *s, size_t max);

#endif
