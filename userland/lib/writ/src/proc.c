/*
 * The process's own view of itself: the start info, named capabilities, free slots of
 * its CNode, arguments and environment, and leaving.
 */
#include <writ/fd.h>
#include <writ/proc.h>

#include <errno.h>
#include <writ/writ.h>

#include "runtime.h"

int writ_argc;
char **writ_argv;
char **writ_envp;
const struct writ_startinfo *writ_startinfo_page;

/* Slots handed out past first_free_slot, and a short list of returned ones. */
static unsigned next_slot, slot_end;
static writ_cptr_t freed[256];
static unsigned n_freed;

const struct writ_startinfo *
writ_startinfo(void)
{
	return writ_startinfo_page;
}

/* Bit i: the start info's capability i was let go (writ_startinfo_drop). The page
 * itself is read-only, so what is gone is remembered here. */
static uint64_t dropped;

_Static_assert(WRIT_STARTINFO_CAPS <= 64, "one bit per start-info capability");

bool
writ_startinfo_held(unsigned i)
{
	return i < WRIT_STARTINFO_CAPS && !(dropped & (1ull << i));
}

void
writ_startinfo_drop(unsigned i)
{
	if (!writ_startinfo_page || !writ_startinfo_held(i) || i >= writ_startinfo_page->n_caps)
		return;
	dropped |= 1ull << i;
	writ_ident_set(writ_startinfo_page->caps[i].slot, 0);
	writ_cnode_delete(WRIT_PSLOT_CNODE, writ_startinfo_page->caps[i].slot, 64);
}

writ_cptr_t
writ_cap_named(const char *name)
{
	if (!writ_startinfo_page)
		return 0;
	for (unsigned i = 0; i < writ_startinfo_page->n_caps && i < WRIT_STARTINFO_CAPS; i++)
		if (writ_startinfo_held(i) &&
		    strncmp(writ_startinfo_page->caps[i].name, name, WRIT_CAP_NAME) == 0)
			return writ_startinfo_page->caps[i].slot;
	return 0;
}

writ_cptr_t
writ_slot_alloc(void)
{
	if (n_freed)
		return freed[--n_freed];
	if (next_slot >= slot_end)
		return 0;
	return next_slot++;
}

/* Index in freed[] of slot s, or -1; the latest freed first. */
static int
freed_index(writ_cptr_t s)
{
	for (unsigned i = n_freed; i-- > 0;)
		if (freed[i] == s)
			return (int)i;
	return -1;
}

/* n consecutive slots from the freed list, or 0: a run freed after use (a receive
 * run for a cable's fds) is found again, so calls that take runs do not use up the
 * CNode. The search starts from the latest freed: a run given back is mostly its
 * last few entries (a cable's receive run, less the fd taken, then that fd), found
 * in a few steps whatever else the list holds. */
static writ_cptr_t
freed_run(unsigned n)
{
	/* Mostly the last three freed are the run itself, in some order (a receive run
	 * less the capability that came, then that one): no search. Freed slots are
	 * distinct, so three of them with lowest lo, highest lo + 2 are lo, lo + 1, lo + 2. */
	if (n == 3 && n_freed >= 3) {
		writ_cptr_t a = freed[n_freed - 1], b = freed[n_freed - 2], c = freed[n_freed - 3];
		writ_cptr_t lo = a < b ? (a < c ? a : c) : (b < c ? b : c);
		writ_cptr_t hi = a > b ? (a > c ? a : c) : (b > c ? b : c);

		if (hi == lo + 2 && lo) {
			n_freed -= 3;
			return lo;
		}
	}
	for (unsigned i = n_freed; i-- > 0;) {
		writ_cptr_t first = freed[i];
		unsigned k = 1;

		while (k < n && freed_index(first + k) >= 0)
			k++;
		if (k < n)
			continue;
		for (k = 0; k < n; k++) {
			int j = freed_index(first + k);

			freed[j] = freed[--n_freed];
		}
		return first;
	}
	return 0;
}

writ_cptr_t
writ_slot_alloc_run(unsigned n)
{
	writ_cptr_t first = n > 1 ? freed_run(n) : 0;

	if (first)
		return first;
	first = next_slot;

	if (next_slot + n > slot_end)
		return 0;
	next_slot += n;
	return first;
}

void
writ_slot_free(writ_cptr_t slot)
{
	/* What the slot named is gone: an identity must not go with what comes next. */
	writ_ident_set(slot, 0);
	/* A full list forgets the slot: a leak of one slot, never a slot given twice. */
	if (slot && n_freed < sizeof(freed) / sizeof(freed[0]))
		freed[n_freed++] = slot;
}

const char *
writ_getenv(const char *name)
{
	size_t n = strlen(name);

	for (char **e = writ_envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

void
writ_exit(int status)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_EXIT, 0, 1) };

	writ_console_flush();
	m.mr[0] = (writ_word_t)(unsigned)status;
	for (;;)
		writ_call(WRIT_PSLOT_PROC, &m);	/* init never answers an exit */
}


void
writ_proc_init(const struct writ_startinfo *si)
{
	writ_startinfo_page = si;
	next_slot = si->first_free_slot;
	slot_end = 1u << si->cnode_radix;
}

long
writ_proc_name(unsigned pid, char *buf, size_t n)
{
	struct writ_msg m = { 0 };
	long r;

	if (n == 0)
		return -EINVAL;
	m.mr[0] = pid;
	m.info = writ_msginfo(WRIT_PROC_NAME, 0, 1);
	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
		return -EIO;
	r = (long)m.mr[0];
	buf[0] = 0;
	if (r < 0)
		return r;
	if ((size_t)r >= n)
		r = (long)n - 1;
	for (long i = 0; i < r; i += 8) {
		writ_word_t w = writ_mr_get(4 + (unsigned)(i / 8));

		memcpy(buf + i, &w, r - i < 8 ? (size_t)(r - i) : 8);
	}
	buf[r] = 0;
	return r;
}

long
writ_proc_holders(writ_cptr_t scheme_cap, unsigned long *cursor, struct writ_holder *out,
		  unsigned max)
{
	struct writ_msg m = { 0 };
	unsigned long c = *cursor;
	long n;

	m.mr[0] = c ? (c >> 32) - 1 : 0;
	m.mr[1] = c & 0xffffffffu;
	m.mr[2] = max;
	writ_set_cap(0, scheme_cap);
	m.info = writ_msginfo(WRIT_PROC_HOLDERS, 1, 3);
	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
		return -EIO;
	n = (long)m.mr[0];
	if (n < 0)
		return n;
	if ((unsigned long)n > max)
		return -EIO;	/* init broke its word */
	*cursor = m.mr[1] ? (unsigned long)m.mr[1] << 32 | (m.mr[2] & 0xffffffffu) : 0;
	for (long i = 0; i < n; i++) {
		writ_word_t sr = writ_mr_get(WRIT_MSG_REGS + 3 * (unsigned)i + 1);

		out[i] = (struct writ_holder){
			.pid = (unsigned)writ_mr_get(WRIT_MSG_REGS + 3 * (unsigned)i),
			.slot = sr & ((1ull << WRIT_CNODE_FIND_RIGHTS_SHIFT) - 1),
			.rights = (unsigned)(sr >> WRIT_CNODE_FIND_RIGHTS_SHIFT),
			.badge = writ_mr_get(WRIT_MSG_REGS + 3 * (unsigned)i + 2),
		};
	}
	return n;
}

long
writ_proc_list(unsigned *cursor, struct writ_proc_entry *out, unsigned max)
{
	struct writ_msg m = { 0 };
	long n;

	if (max < WRIT_PROC_LIST_MAX)
		return -EINVAL;		/* the cursor would pass entries never given */
	m.mr[0] = *cursor;
	m.info = writ_msginfo(WRIT_PROC_LIST, 0, 1);
	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
		return -EIO;
	n = (long)m.mr[0];
	if (n < 0)
		return n;
	/* Never more than the message holds, whatever the answer says. */
	if ((unsigned long)n > WRIT_PROC_LIST_MAX ||
	    writ_msginfo_length(m.info) < 4 + n * sizeof(*out) / 8)
		return -EIO;
	memcpy(out, &writ_ipc_buffer()->msg[4], (size_t)n * sizeof(*out));
	*cursor = (unsigned)m.mr[1];
	return n;
}

long
writ_proc_klog(size_t offset, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct writ_msg m = { 0 };
		size_t n;

		m.mr[0] = offset + got;
		m.info = writ_msginfo(WRIT_PROC_KLOG, 0, 1);
		if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
			return -EIO;
		if ((long)m.mr[0] < 0)
			return (long)m.mr[0];
		n = m.mr[1];
		/* Never more than the message holds, whatever the answer says. */
		if (n > (writ_msginfo_length(m.info) - SCHEME_DATA_WORD) * 8 ||
		    writ_msginfo_length(m.info) < SCHEME_DATA_WORD)
			return -EIO;
		if (n == 0)
			break;
		if (n > len - got)
			n = len - got;
		memcpy(buf + got, &writ_ipc_buffer()->msg[SCHEME_DATA_WORD], n);
		got += n;
	}
	return (long)got;
}

long
writ_proc_meminfo(writ_word_t *total, writ_word_t *free_bytes, writ_word_t *quotas)
{
	struct writ_msg m = { 0 };

	m.info = writ_msginfo(WRIT_PROC_MEMINFO, 0, 0);
	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
		return -EIO;
	if ((long)m.mr[0] < 0)
		return (long)m.mr[0];
	*total = m.mr[1];
	*free_bytes = m.mr[2];
	*quotas = m.mr[3];
	return 0;
}
