/*
 * I/O port capabilities (kern/object/ioport.c): IOPortControl Issue, IOPort In and Out.
 */
#ifndef WRIT_KERN_IOPORT_H
#define WRIT_KERN_IOPORT_H

struct cte;
struct inv;

int ioport_invoke(struct inv *iv, struct cte *slot);

#endif
