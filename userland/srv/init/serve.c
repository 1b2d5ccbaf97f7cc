/*
 * init's loop: messages on the process manager's endpoint. The badge says who sent
 * it: a process about itself (exit), a fault of one of its threads, or a holder of a
 * capability to a process.
 */
#include "init.h"

static const char *
fault_name(writ_word_t label)
{
	switch (label) {
	case WRIT_FAULT_UNKNOWN_SYSCALL: return "unknown syscall";
	case WRIT_FAULT_VM: return "VM fault";
	case WRIT_FAULT_USER_EXCEPTION: return "CPU exception";
	case WRIT_FAULT_CAP: return "capability fault";
	}
	return "fault";
}

/* One line that says which process, where and why, decoded as the kernel's reports. */
static void
report_fault(struct proc *p, struct writ_msg *m)
{
	writ_word_t label = writ_msginfo_label(m->info);
	char what[160];

	if (label == WRIT_FAULT_VM) {
		writ_word_t err = m->mr[WRIT_VM_FAULT_ERROR];

		writ_snprintf(what, sizeof(what), "%s at %lx (%s, %s%s), RIP %lx", fault_name(label),
			      m->mr[WRIT_VM_FAULT_ADDR], m->mr[WRIT_VM_FAULT_FETCH] ? "fetch"
			      : err & 2 ? "write" : "read",
			      err & 1 ? "protection" : "not mapped", err & 8 ? ", reserved bit" : "",
			      m->mr[WRIT_VM_FAULT_IP]);
	} else if (label == WRIT_FAULT_USER_EXCEPTION) {
		writ_snprintf(what, sizeof(what), "%s: vector %lu, error code %lx, RIP %lx",
			      fault_name(label), writ_mr_get(WRIT_CTX_COUNT),
			      writ_mr_get(WRIT_CTX_COUNT + 1), m->mr[WRIT_CTX_RIP]);
	} else if (label == WRIT_FAULT_UNKNOWN_SYSCALL) {
		writ_snprintf(what, sizeof(what), "%s %ld, RIP %lx", fault_name(label),
			      (long)m->mr[WRIT_CTX_RAX], m->mr[WRIT_CTX_RIP]);
	} else {
		writ_snprintf(what, sizeof(what), "%s (label %lu)", fault_name(label), label);
	}
	writ_printf("init: process %s (pid %u) killed: %s\n", p->name, p->pid, what);
}

static bool
all_ended(const unsigned *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct proc *p = proc_get(pids[i]);

		if (p && p->alive)
			return false;
	}
	return true;
}

void
serve(const unsigned *pids, unsigned n)
{
	struct writ_msg m;

	while (!pids || !all_ended(pids, n)) {
		writ_word_t kind;
		struct proc *p;

		memset(&m, 0, sizeof(m));
		writ_recv(init.ep, &m);
		kind = m.badge & BADGE_KIND_MASK;
		p = proc_get((unsigned)(m.badge & BADGE_PID_MASK));
		if (!p || !p->alive)
			continue;	/* a late message from a process already gone */
		if (kind == BADGE_FAULT) {
			report_fault(p, &m);
			proc_end(p, WRIT_WAIT_FAULTED);
			continue;
		}
		if (kind == BADGE_SELF && writ_msginfo_label(m.info) == WRIT_PROC_EXIT) {
			proc_end(p, (int)((m.mr[0] & 0xff) << 8));
			continue;
		}
		m.info = writ_msginfo(WRIT_E_ILLEGAL_OPERATION, 0, 0);
		writ_reply(&m);
	}
}
