/*
 * The kernel's own derivation and revocation, from user space in the booted system:
 * untyped memory (retype, revoke reclaims every object made from it and every copy),
 * CNodes (capabilities copied into a CNode of our own go with their parent's revoke),
 * badged endpoints (the badge arrives, is set once, copies keep it) and rights (a
 * derived capability never has more).
 */
#include <writ/mem.h>
#include <writ/thread.h>

#include "harness.h"

#define FULL 64

/* Is the slot empty? (a Copy from it finds nothing) */
static bool
gone(writ_cptr_t root, writ_cptr_t slot, unsigned depth)
{
	writ_cptr_t s = writ_slot_alloc();
	long e = writ_cnode_copy(WRIT_PSLOT_CNODE, s, FULL, root, slot, depth, 0);

	if (e == WRIT_OK)
		writ_cnode_delete(WRIT_PSLOT_CNODE, s, FULL);
	writ_slot_free(s);
	return e == WRIT_E_INVALID_CAP || e == WRIT_E_LOOKUP_MISSING_CAP;
}

static writ_cptr_t ep;
static writ_word_t badges[3];

static void
receiver(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++) {
		struct writ_msg m = { 0 };

		writ_recv(ep, &m);
		badges[i] = m.badge;
	}
	writ_thread_exit();
}

void
t_kern(void)
{
	static struct writ_thread t;
	writ_cptr_t ut = 0, b1 = writ_slot_alloc(), b2 = writ_slot_alloc(), b3 = writ_slot_alloc();
	writ_cptr_t cn = 0, ro = writ_slot_alloc();
	long e;

	ep = writ_slot_alloc();
	e = writ_own_object(WRIT_OBJ_UNTYPED, 16, &ut);
	hcheck(e == WRIT_OK, "kern/untyped-from-own-quota", "%ld", e);
	e = writ_untyped_retype(ut, WRIT_OBJ_ENDPOINT, 0, WRIT_PSLOT_CNODE, 0, 0, ep, 1);
	hcheck(e == WRIT_OK, "kern/retype-endpoint", "%ld", e);
	e = writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, 17, WRIT_PSLOT_CNODE, 0, 0, b3, 1);
	hcheck(e == WRIT_E_NOT_ENOUGH_MEMORY || e == WRIT_E_RANGE || e == WRIT_E_INVALID_ARGUMENT,
	       "kern/retype-more-than-untyped-holds", "%ld", e);

	/* Badged endpoints. */
	e = writ_cnode_mint(WRIT_PSLOT_CNODE, b1, FULL, WRIT_PSLOT_CNODE, ep, FULL,
			    WRIT_RIGHTS_ALL, 7);
	hcheck(e == WRIT_OK, "kern/mint-badge", "%ld", e);
	e = writ_cnode_mint(WRIT_PSLOT_CNODE, b2, FULL, WRIT_PSLOT_CNODE, b1, FULL,
			    WRIT_RIGHTS_ALL, 9);
	hcheck(e == WRIT_E_BADGE, "kern/badge-set-once", "%ld", e);
	if (e == WRIT_OK)
		writ_cnode_delete(WRIT_PSLOT_CNODE, b2, FULL);
	e = writ_cnode_copy(WRIT_PSLOT_CNODE, b2, FULL, WRIT_PSLOT_CNODE, b1, FULL,
			    WRIT_RIGHTS_ALL);
	if (writ_thread_create(&t, receiver, NULL, 100) == WRIT_OK) {
		struct writ_msg m = { .info = writ_msginfo(0, 0, 0) };

		writ_send(b1, &m);
		writ_send(b2, &m);
		writ_send(ep, &m);
	}
	hcheck(e == WRIT_OK && badges[0] == 7 && badges[1] == 7 && badges[2] == 0,
	       "kern/badge-arrives-copies-keep-it", "%ld: %lu %lu %lu", e,
	       (unsigned long)badges[0], (unsigned long)badges[1], (unsigned long)badges[2]);

	/* Rights only shrink. */
	e = writ_cnode_mint(WRIT_PSLOT_CNODE, ro, FULL, WRIT_PSLOT_CNODE, ep, FULL,
			    WRIT_RIGHT_READ, 0);
	e = e ? e : writ_cnode_copy(WRIT_PSLOT_CNODE, b3, FULL, WRIT_PSLOT_CNODE, ro, FULL,
				    WRIT_RIGHTS_ALL);
	hcheck(e == WRIT_E_RIGHTS, "kern/rights-never-grow", "%ld", e);

	/* A CNode of our own holding a copy. */
	e = writ_own_object(WRIT_OBJ_CNODE, 4, &cn);
	e = e ? e : writ_cnode_copy(cn, 3, 4, WRIT_PSLOT_CNODE, b1, FULL, WRIT_RIGHTS_ALL);
	hcheck(e == WRIT_OK && !gone(cn, 3, 4), "kern/copy-into-own-cnode", "%ld", e);

	/* Revoke the endpoint: the badged copies, here and in the CNode, go. */
	e = writ_cnode_revoke(WRIT_PSLOT_CNODE, ep, FULL);
	hcheck(e == WRIT_OK && gone(WRIT_PSLOT_CNODE, b1, FULL) &&
	       gone(WRIT_PSLOT_CNODE, b2, FULL) && gone(WRIT_PSLOT_CNODE, ro, FULL) &&
	       gone(cn, 3, 4) && !gone(WRIT_PSLOT_CNODE, ep, FULL),
	       "kern/revoke-endpoint-takes-copies-everywhere", "%ld", e);

	/* Revoke the untyped: the endpoint it made goes, and the memory comes back. */
	e = writ_cnode_revoke(WRIT_PSLOT_CNODE, ut, FULL);
	hcheck(e == WRIT_OK && gone(WRIT_PSLOT_CNODE, ep, FULL), "kern/revoke-untyped-takes-objects",
	       "%ld", e);
	e = writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, 16, WRIT_PSLOT_CNODE, 0, 0, b3, 1);
	hcheck(e == WRIT_OK, "kern/untyped-reusable-after-revoke", "%ld", e);
	writ_cnode_revoke(WRIT_PSLOT_CNODE, ut, FULL);
	writ_cnode_delete(WRIT_PSLOT_CNODE, cn, FULL);
	writ_cnode_delete(WRIT_PSLOT_CNODE, ut, FULL);
	for (writ_cptr_t *s = (writ_cptr_t[]){ b1, b2, b3, ro, ep, cn, 0 }; *s; s++)
		writ_slot_free(*s);
}
