/*
 * I/O ports: IOPortControl issues IOPort capabilities for ranges of ports; an IOPort
 * capability reads and writes ports of 8, 16 and 32 bits inside its range only. User
 * code has no direct port access at all (the TSS has no I/O bitmap and IOPL is 0), so
 * these invocations are the only way in. The range is w1 = first | last << 16.
 */
#include <kern/invoke.h>
#include <kern/object.h>

#include <arch/cpu.h>
#include <arch/ioport.h>

/*
 * Ports the kernel drives, or whose use would reach into what it drives: never issued.
 * A range that touches any of them is refused whole. Who may hold the rest, and why
 * COM1 and the PCI configuration ports stay issuable: proofs-notes/kernel.md, "I/O
 * ports and MMIO the kernel keeps".
 */
static const struct {
	uint16_t first, last;
} kernel_ports[] = {
	{ 0x20, 0x21 },		/* PIC 1: remapped and masked at boot; its vector base
				 * could be pointed at the exception vectors */
	{ 0xa0, 0xa1 },		/* PIC 2 */
	{ 0x4d0, 0x4d1 },	/* the PICs' edge/level control */
	{ 0x40, 0x43 },		/* PIT: the APIC timer's calibration */
	{ 0x61, 0x61 },		/* PIT channel 2 gate and speaker: calibration too */
};

static bool
ports_are_kernels(writ_word_t first, writ_word_t last)
{
	for (unsigned i = 0; i < sizeof(kernel_ports) / sizeof(kernel_ports[0]); i++)
		if (first <= kernel_ports[i].last && kernel_ports[i].first <= last)
			return true;
	return false;
}

static int
issue(struct inv *iv, struct cte *control)
{
	/* IOPORT_CONTROL_ISSUE's arguments (<writ/invocations.def>). */
	enum { A_FIRST = WRIT_ARG_IOPORT_CONTROL_ISSUE_FIRST,
	       A_LAST = WRIT_ARG_IOPORT_CONTROL_ISSUE_LAST,
	       A_DEST_ROOT = WRIT_ARG_IOPORT_CONTROL_ISSUE_DEST_ROOT };
	struct cte *dest;
	writ_word_t a[WRIT_ARGC_IOPORT_CONTROL_ISSUE];
	struct cap c;
	int err;

	err = inv_args(iv, a, WRIT_ARGC_IOPORT_CONTROL_ISSUE);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_IOPORT_CONTROL_ISSUE);
	if (a[A_LAST] > 0xffff)
		return INV_FAIL(iv, WRIT_E_RANGE, "last port 0x%lx above 0xffff", a[A_LAST]);
	if (a[A_FIRST] > a[A_LAST])
		return INV_FAIL(iv, WRIT_E_RANGE, "first port 0x%lx above last 0x%lx",
				a[A_FIRST], a[A_LAST]);
	if (ports_are_kernels(a[A_FIRST], a[A_LAST]))
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "ports 0x%lx-0x%lx touch the "
				"kernel's", a[A_FIRST], a[A_LAST]);
	err = inv_lookup_triple(iv, &a[A_DEST_ROOT], "destination", &dest);
	if (err != WRIT_OK)
		return err;
	c = cap_make(WRIT_OBJ_IOPORT, 0, WRIT_RIGHTS_ALL, 0, a[A_FIRST] | a[A_LAST] << 16);
	return cte_insert_issued(&kern_cspace, dest, control, &c);
}

static int
port_io(struct inv *iv, const struct cap *c)
{
	unsigned first = (unsigned)(c->w1 & 0xffff), last = (unsigned)(c->w1 >> 16 & 0xffff);
	unsigned width = iv->label == WRIT_LABEL_IOPORT_IN8 || iv->label == WRIT_LABEL_IOPORT_OUT8 ? 1
		       : iv->label == WRIT_LABEL_IOPORT_IN16 || iv->label == WRIT_LABEL_IOPORT_OUT16 ? 2 : 4;
	bool out = iv->label >= WRIT_LABEL_IOPORT_OUT8;
	writ_word_t a[WRIT_ARGC_IOPORT_OUT8];
	int err;

	/* One decode for the six: the port, then (out) the value, in the same words. */
	_Static_assert(WRIT_ARGC_IOPORT_IN8 == 1 && WRIT_ARGC_IOPORT_IN16 == 1 &&
		       WRIT_ARGC_IOPORT_IN32 == 1 && WRIT_ARGC_IOPORT_OUT8 == 2 &&
		       WRIT_ARGC_IOPORT_OUT16 == 2 && WRIT_ARGC_IOPORT_OUT32 == 2 &&
		       WRIT_ARG_IOPORT_OUT8_PORT == 0 && WRIT_ARG_IOPORT_OUT16_PORT == 0 &&
		       WRIT_ARG_IOPORT_OUT32_PORT == 0 && WRIT_ARG_IOPORT_IN8_PORT == 0 &&
		       WRIT_ARG_IOPORT_IN16_PORT == 0 && WRIT_ARG_IOPORT_IN32_PORT == 0 &&
		       WRIT_ARG_IOPORT_OUT8_VALUE == 1 && WRIT_ARG_IOPORT_OUT16_VALUE == 1 &&
		       WRIT_ARG_IOPORT_OUT32_VALUE == 1,
		       "IOPort in/out arguments as port_io() reads them");
	err = inv_args(iv, a, out ? WRIT_ARGC_IOPORT_OUT8 : WRIT_ARGC_IOPORT_IN8);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "port%s needed", out ? " and value" : "");
	/* Every byte the access touches must be inside the range. */
	if (a[0] < first || a[0] > last || last - a[0] < width - 1)
		return INV_FAIL(iv, WRIT_E_RANGE, "port 0x%lx (%u bytes) outside 0x%x-0x%x",
				a[0], width, first, last);
	if (out) {
		if (width == 1)
			x86_outb((uint16_t)a[0], (uint8_t)a[1]);
		else if (width == 2)
			x86_outw((uint16_t)a[0], (uint16_t)a[1]);
		else
			x86_outl((uint16_t)a[0], (uint32_t)a[1]);
		return WRIT_OK;
	}
	inv_ret(iv, width == 1 ? x86_inb((uint16_t)a[0]) : width == 2 ? x86_inw((uint16_t)a[0])
								       : x86_inl((uint16_t)a[0]));
	return WRIT_OK;
}

int
ioport_invoke(struct inv *iv, struct cte *slot)
{
	if (cap_type(&slot->cap) == WRIT_OBJ_IOPORT_CONTROL) {
		if (iv->label != WRIT_LABEL_IOPORT_CONTROL_ISSUE)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "IOPortControl takes only "
					"Issue");
		return issue(iv, slot);
	}
	if (iv->label < WRIT_LABEL_IOPORT_IN8 || iv->label > WRIT_LABEL_IOPORT_OUT32)
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not an IOPort invocation");
	return port_io(iv, &slot->cap);
}
