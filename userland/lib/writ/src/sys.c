/*
 * The one place that executes `syscall`. The asm names every register the kernel reads
 * or writes (<writ/abi.h>); rcx and r11 are destroyed by the instruction itself.
 */
#include <writ/writ.h>

long
writ_sys(long number, writ_cptr_t cap, struct writ_msg *m)
{
	register writ_word_t r10 __asm__("r10") = m->mr[1];
	register writ_word_t r8 __asm__("r8") = m->mr[2];
	register writ_word_t r9 __asm__("r9") = m->mr[3];
	writ_word_t rdi = cap, rsi = m->info, rdx = m->mr[0];
	long rax = number;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9)
			 :
			 : "rcx", "r11", "memory");
	m->info = rsi;
	m->badge = rdi;
	m->mr[0] = rdx;
	m->mr[1] = r10;
	m->mr[2] = r8;
	m->mr[3] = r9;
	return rax;
}

writ_word_t
writ_mr_get(unsigned i)
{
	writ_word_t v;
	uint64_t off = __builtin_offsetof(struct writ_ipc_buffer, msg) + 8ull * i;

	__asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	return v;
}


static void
buf_set(uint64_t off, writ_word_t v)
{
	__asm__ volatile("movq %0, %%gs:(%1)" : : "r"(v), "r"(off) : "memory");
}

void
writ_mr_set(unsigned i, writ_word_t v)
{
	buf_set(__builtin_offsetof(struct writ_ipc_buffer, msg) + 8ull * i, v);
}

writ_word_t
writ_replied_caps(void)
{
	writ_word_t v;
	uint64_t off = __builtin_offsetof(struct writ_ipc_buffer, replied_caps);

	__asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	return v;
}

void
writ_set_cap(unsigned i, writ_cptr_t cptr)
{
	buf_set(__builtin_offsetof(struct writ_ipc_buffer, caps_or_badges) + 8ull * i, cptr);
}

writ_word_t
writ_get_badge(unsigned i)
{
	writ_word_t v;
	uint64_t off = __builtin_offsetof(struct writ_ipc_buffer, caps_or_badges) + 8ull * i;

	__asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	return v;
}

void
writ_set_receive_slot(writ_cptr_t cnode, writ_word_t index, unsigned depth)
{
	buf_set(__builtin_offsetof(struct writ_ipc_buffer, receive_cnode), cnode);
	buf_set(__builtin_offsetof(struct writ_ipc_buffer, receive_index), index);
	buf_set(__builtin_offsetof(struct writ_ipc_buffer, receive_depth), depth);
}
