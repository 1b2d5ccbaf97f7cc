/*
 * HOLDERS: which processes hold capabilities of a scheme, and with which badges, so
 * that captree can say who holds each policy and open file *now*. A server cannot know:
 * its clients copy, move and send its capabilities without it. init can, because it
 * keeps a capability to every process's CNode, and CNode Find (<writ/invocations.def>)
 * lists the slots naming one endpoint.
 *
 * Authority: the caller sends a capability of the scheme along (any one: its policy),
 * and init answers for that scheme only. The answer names pids and badges, never
 * capabilities. A process's sub-CNodes (none of init's making) are not looked into.
 */
#include <errno.h>

#include "init.h"

#define HOLD_WORD WRIT_MSG_REGS /* triples start here, after result, next index, next slot */
#define HOLD_MAX ((WRIT_MSG_MAX_LENGTH - HOLD_WORD) / 3)

/* The scheme endpoint `got` names (init's original), and its server's pid; 0 if none. */
static writ_cptr_t
scheme_of(writ_cptr_t got, unsigned *server)
{
	writ_word_t r[2 + 2 * WRIT_CNODE_FIND_MAX_FOUND];
	writ_cptr_t ep;

	for (unsigned i = 0; (ep = service_ep(i, server)) != (writ_cptr_t)-1; i++) {
		if (!ep)
			continue;
		if (writ_cnode_find(WRIT_SLOT_ROOT_CNODE, ep, got, 1, r, 2 + 2 *
				    WRIT_CNODE_FIND_MAX_FOUND) == WRIT_OK && r[1] == 1)
			return ep;
	}
	return 0;
}

/*
 * (mr0: process table index, mr1: slot to start from, mr2: at most so many triples,
 * WRIT_CNODE_FIND_MAX_FOUND or more; a capability of the scheme) ->
 * mr0: triples found N, mr1, mr2: where to go on from (mr1 = 0: done), then N triples
 * (pid, slot | rights << WRIT_CNODE_FIND_RIGHTS_SHIFT, badge) from word HOLD_WORD.
 */
void
do_holders(struct writ_msg *m, writ_cptr_t got)
{
	static writ_word_t t[3 * HOLD_MAX];     /* the triples: the IPC buffer is busy */
	writ_word_t r[2 + 2 * WRIT_CNODE_FIND_MAX_FOUND];
	writ_word_t index = m->mr[0], slot = m->mr[1];
	unsigned server = 0, n = 0, max = m->mr[2] < HOLD_MAX ? (unsigned)m->mr[2] : HOLD_MAX;
	writ_cptr_t ep = got ? scheme_of(got, &server) : 0;
	struct proc *p;

	if (!ep || max < WRIT_CNODE_FIND_MAX_FOUND) {
		m->mr[0] = (writ_word_t)-EINVAL;
		m->info = writ_msginfo(0, 0, 1);
		writ_reply(m);
		return;
	}
	for (; (p = proc_at((unsigned)index)) != NULL && n + WRIT_CNODE_FIND_MAX_FOUND <= max;
	     index++, slot = 0) {
		if (!p->pid || !p->alive || p->pid == server || !p->cnode)
			continue;
		while (slot < 1ull << p->cnode_radix && n + WRIT_CNODE_FIND_MAX_FOUND <= max) {
			if (writ_cnode_find(p->cnode, ep, slot, WRIT_CNODE_FIND_MAX_SLOTS, r,
					    2 + 2 * WRIT_CNODE_FIND_MAX_FOUND) != WRIT_OK ||
			    r[0] <= slot)
				break;
			for (unsigned i = 0; i < r[1]; i++, n++) {
				t[3 * n] = p->pid;
				t[3 * n + 1] = r[2 + 2 * i];
				t[3 * n + 2] = r[3 + 2 * i];
			}
			slot = r[0];
		}
		if (slot < 1ull << p->cnode_radix)
			break;	/* the reply is full: go on in this process next time */
	}
	/* Only now: every Find above used the IPC buffer for its own results. */
	for (unsigned i = 0; i < 3 * n; i++)
		writ_mr_set(HOLD_WORD + i, t[i]);
	m->mr[0] = n;
	m->mr[1] = p ? index + 1 : 0;	/* +1: 0 says done */
	m->mr[2] = slot;
	m->info = writ_msginfo(0, 0, HOLD_WORD + 3 * n);
	writ_reply(m);
}
