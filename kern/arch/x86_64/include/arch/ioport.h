/*
 * I/O port capabilities, an x86 object (kern/arch/x86_64/object/ioport.c):
 * IOPortControl Issue, IOPort In and Out.
 */
#ifndef WRIT_X86_IOPORT_H
#define WRIT_X86_IOPORT_H

struct cte;
struct inv;

int ioport_invoke(struct inv *iv, struct cte *slot);

#endif
