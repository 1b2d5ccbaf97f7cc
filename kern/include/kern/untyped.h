/*
 * Untyped invocations (kern/object/untyped.c): Retype, the only way objects are made.
 */
#ifndef WRIT_KERN_UNTYPED_H
#define WRIT_KERN_UNTYPED_H

struct cte;
struct inv;

int untyped_invoke(struct inv *iv, struct cte *slot);

#endif
