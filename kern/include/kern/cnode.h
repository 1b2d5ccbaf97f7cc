/*
 * CNode invocations (kern/object/cnode.c): Copy, Mint, Move, Mutate, Rotate, Delete,
 * Revoke; the algorithms themselves are cspace/'s.
 */
#ifndef WRIT_KERN_CNODE_H
#define WRIT_KERN_CNODE_H

struct cte;
struct inv;

int cnode_invoke(struct inv *iv, struct cte *slot);

#endif
