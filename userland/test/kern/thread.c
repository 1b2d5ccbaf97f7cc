/*
 * Helpers for the tests: memory, frames, endpoints and threads made from the root task's
 * untyped memory, the way any program on Writ makes them.
 */
#include <writ/writ.h>

#include "init.h"

/* Free pages in the page table the root task's stack already uses. */
/* The page table around the stack covers 512 pages from TEST_VA_BASE: 240 below the
 * stack's 16, and those above its top up to the few the top-of-memory tests use. */
#define TEST_VA_BASE 0x7fffffe00000ull
#define TEST_VA_BELOW_STACK 240
#define TEST_VA_ABOVE_STACK 256
#define TEST_VA_PAGES 500          /* the last pages: tests of the top of user memory */
#define STACK_BYTES 8192
#define MAX_THREADS 100

static uint8_t stacks[MAX_THREADS][STACK_BYTES] __attribute__((aligned(16)));
static unsigned next_va, next_stack;
writ_cptr_t limbo_ep;

writ_cptr_t
obj_new(unsigned type, unsigned size_bits)
{
	writ_cptr_t s = slot_alloc();
	long err = writ_untyped_retype(init.ram, type, size_bits, WRIT_SLOT_ROOT_CNODE, 0, 0,
				       s, 1);

	if (err != WRIT_OK) {
		writ_printf("# obj_new(type %u): %s\n", type, writ_error_name((int)err));
		return 0;
	}
	return s;
}

uint64_t
va_alloc(void)
{
	if (next_va == TEST_VA_BELOW_STACK)
		next_va = TEST_VA_ABOVE_STACK;
	if (next_va == TEST_VA_PAGES)
		return 0;
	return TEST_VA_BASE + 4096ull * next_va++;
}

void *
page_new(writ_cptr_t *frame_out)
{
	writ_cptr_t f = obj_new(WRIT_OBJ_FRAME_4K, 0);
	uint64_t va = va_alloc();

	if (!f || !va || writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, va,
					 WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK))
		return NULL;
	if (frame_out)
		*frame_out = f;
	return (void *)va;
}

void
thread_exit(void)
{
	struct writ_msg m = { 0 };

	for (;;)
		writ_recv(limbo_ep, &m);
}

/* A thread in the root task's address space, running fn(arg) at priority prio. */
writ_cptr_t
thread_new(void (*fn)(uint64_t), uint64_t arg, unsigned prio, writ_cptr_t fault_ep)
{
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	writ_cptr_t tcb = obj_new(WRIT_OBJ_TCB, 0), frame;
	void *ipc = page_new(&frame);
	uint8_t *stack;

	if (!limbo_ep)
		limbo_ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	if (next_stack == MAX_THREADS) {
		writ_printf("# init: all %u thread stacks in use\n", MAX_THREADS);
		return 0;
	}
	if (!tcb || !ipc)
		return 0;
	stack = stacks[next_stack++] + STACK_BYTES;
	if (writ_tcb_configure(tcb, fault_ep, WRIT_SLOT_ROOT_CNODE, 0, WRIT_SLOT_ROOT_VSPACE,
			       (writ_word_t)ipc, frame) != WRIT_OK ||
	    writ_tcb_set_priority(tcb, WRIT_SLOT_ROOT_TCB, prio) != WRIT_OK)
		return 0;
	ctx[WRIT_CTX_RIP] = (writ_word_t)fn;
	ctx[WRIT_CTX_RSP] = (writ_word_t)stack - 8;	/* as if called: rsp + 8 aligned */
	ctx[WRIT_CTX_RDI] = arg;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	ctx[WRIT_CTX_GS_BASE] = (writ_word_t)ipc;
	if (writ_tcb_write_regs(tcb, true, ctx, WRIT_CTX_COUNT) != WRIT_OK)
		return 0;
	return tcb;
}

/* Let lower- and equal-priority threads run: drop to `prio` and yield n times. */
void
root_yield_at(unsigned prio, unsigned n)
{
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, prio);
	for (unsigned i = 0; i < n; i++)
		writ_yield();
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
}
