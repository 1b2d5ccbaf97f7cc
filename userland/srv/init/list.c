/*
 * The process list: what ps, top and the personality's /proc show of every process
 * (WRIT_PROC_LIST), and memory as init counts it (WRIT_PROC_MEMINFO).
 *
 * Who sees whom. A process spawned WRIT_SPAWN_CONFINED (sandbox's programs), and all
 * it spawns in turn, sees only itself and its own descendants: a sandbox learns
 * nothing of what else runs, not even its pids. Any other process sees them all, as
 * on a Linux without hidepid. The list names processes and their memory quota, never
 * a capability; knowing a pid grants nothing (kill goes through sig.c's own rules).
 */
#include <errno.h>

#include "init.h"

void
proc_note_spawn(struct proc *p, const struct spawn_args *a)
{
	size_t at = 0;

	for (unsigned i = 0; a->argv && a->argv[i] && at < sizeof(p->cmdline); i++) {
		size_t k = strnlen(a->argv[i], sizeof(p->cmdline) - at - 1);

		memcpy(p->cmdline + at, a->argv[i], k);
		p->cmdline[at + k] = 0;
		at += k + 1;
	}
	p->cmdline_len = (uint16_t)(at < sizeof(p->cmdline) ? at : sizeof(p->cmdline));
	p->quota_bits = (uint8_t)a->quota_bits;
}

/* Whether q is viewer or one of its descendants. The walk is bounded: parent links
 * are pids of live processes or 0, so a chain is never longer than the table. */
static bool
is_descendant(const struct proc *viewer, const struct proc *q)
{
	for (unsigned steps = 0; q && steps < MAX_PROCS; steps++) {
		if (q->pid == viewer->pid)
			return true;
		q = q->parent ? proc_get(q->parent) : NULL;
	}
	return false;
}

static bool
may_see(const struct proc *viewer, const struct proc *q)
{
	return q->pid && (!viewer->confined || is_descendant(viewer, q));
}

static void
entry_of(const struct proc *viewer, const struct proc *q, struct writ_proc_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->pid = q->pid;
	e->ppid = q->parent;
	e->pgid = q->pgid;
	e->sid = q->sid;
	e->state = !q->alive ? 'Z' : q == viewer ? 'R' : 'S';
	e->quota_bits = q->quota_bits;
	e->cmdline_len = q->cmdline_len;
	e->start_tsc = q->spawn_tsc;
	memcpy(e->name, q->name, sizeof(e->name));
	memcpy(e->cmdline, q->cmdline, sizeof(e->cmdline));
}

/* LIST (cursor): the next entries the caller may see, from table index cursor. */
void
do_list(struct proc *caller, struct writ_msg *m)
{
	struct writ_proc_entry *out = (struct writ_proc_entry *)&writ_ipc_buffer()->msg[SCHEME_DATA_WORD];
	unsigned i = m->mr[0] < MAX_PROCS ? (unsigned)m->mr[0] : MAX_PROCS, n = 0;

	_Static_assert(SCHEME_DATA_WORD == 4, "writ_proc_list reads entries from word 4");
	for (; i < MAX_PROCS && n < WRIT_PROC_LIST_MAX; i++) {
		struct proc *q = proc_at(i);

		if (may_see(caller, q))
			entry_of(caller, q, &out[n++]);
	}
	m->mr[0] = n;
	m->mr[1] = i < MAX_PROCS ? i : 0;
	m->mr[2] = 0;
	m->mr[3] = 0;
	m->info = writ_msginfo(0, 0, SCHEME_DATA_WORD + (unsigned)(n * sizeof(*out) / 8));
	writ_reply(m);
}

/* KLOG (offset): the kernel's lines from offset, as many as a message holds. */
void
do_klog(struct writ_msg *m)
{
	size_t total = init.bi->klog_len < 4096 ? init.bi->klog_len : 4096, n = 0;
	size_t off = m->mr[0];

	if (off < total) {
		n = total - off;
		if (n > SCHEME_INLINE)
			n = SCHEME_INLINE;
		memcpy(&writ_ipc_buffer()->msg[SCHEME_DATA_WORD],
		       (const char *)WRIT_KLOG_VADDR + off, n);
	}
	m->mr[0] = total;
	m->mr[1] = n;
	m->mr[2] = 0;
	m->mr[3] = 0;
	m->info = writ_msginfo(0, 0, SCHEME_DATA_WORD + (unsigned)((n + 7) / 8));
	writ_reply(m);
}

/* MEMINFO: init's whole memory, its free part, and the live processes' quotas. */
void
do_meminfo(struct writ_msg *m)
{
	uint64_t quotas = 0;

	for (unsigned i = 0; i < MAX_PROCS; i++) {
		struct proc *q = proc_at(i);

		if (q->pid && q->alive && q->block >= 0)
			quotas += 1ull << q->quota_bits;
	}
	m->mr[0] = 0;
	m->mr[1] = umem_total_bytes();
	m->mr[2] = umem_free_bytes();
	m->mr[3] = quotas;
	m->info = writ_msginfo(0, 0, 4);
	writ_reply(m);
}
