/*
 * MSIs (issue 13), run by the root task: group `irq`, and the bench kern/msi-latency.
 *
 * IRQControl GetMSI's bad-input cases need no device. The rest drives QEMU's `edu`
 * device (PCI 1234:11e8), which sends an MSI whenever its register 0x60 is written, the
 * way a driver on Writ would: PCI configuration mechanism #1 through an IOPort for
 * 0xcf8..0xcff, BAR0 mapped from the device untyped that covers it, and the device's
 * MSI capability programmed with the address and data GetMSI returned. The scenarios
 * that add the device say `edu` on the kernel command line; there a missing device is
 * a failure, never a silent skip.
 */
#include <writ/writ.h>

#include "init.h"

#define R WRIT_SLOT_ROOT_CNODE
#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE 0x80000000u
#define EDU_VENDOR_DEVICE 0x11e81234u	/* device << 16 | vendor, as config dword 0 reads */
#define CFG_COMMAND 0x04
#define CFG_STATUS 0x06
#define CFG_BAR0 0x10
#define CFG_CAP_PTR 0x34
#define CMD_MEMORY 0x0002
#define CMD_BUS_MASTER 0x0004
#define STATUS_CAP_LIST 0x0010
#define CAP_ID_MSI 0x05
#define MSI_ENABLE 0x0001
#define MSI_MME 0x0070			/* multiple messages enabled: we use one */
#define MSI_64BIT 0x0080

#define EDU_ID 0x00			/* 0x010000ed: version 1.0, "ed" */
#define EDU_LIVENESS 0x04		/* reads back the complement of what was written */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60		/* status |= value, then an MSI */
#define EDU_IRQ_ACK 0x64		/* status &= ~value */

#define MAX_PADDING 64

struct edu {
	writ_cptr_t pci;		/* IOPort 0xcf8..0xcff */
	uint32_t bdf;			/* bus/device/function part of a config address */
	unsigned msi_cap;		/* config offset of the MSI capability */
	bool msi64;
	writ_word_t bar;		/* BAR0, physical */
	writ_cptr_t frame;
	writ_cptr_t padding[MAX_PADDING];
	unsigned n_padding;
	volatile uint32_t *mmio;
};

static uint32_t
cfg_read32(const struct edu *d, unsigned off)
{
	uint32_t v = 0xffffffffu;

	writ_ioport_out(d->pci, 4, PCI_ADDR, PCI_ENABLE | d->bdf | (off & 0xfc));
	writ_ioport_in(d->pci, 4, PCI_DATA, &v);
	return v;
}

static uint16_t
cfg_read16(const struct edu *d, unsigned off)
{
	return (uint16_t)(cfg_read32(d, off) >> (off & 2) * 8);
}

static void
cfg_write32(const struct edu *d, unsigned off, uint32_t v)
{
	writ_ioport_out(d->pci, 4, PCI_ADDR, PCI_ENABLE | d->bdf | (off & 0xfc));
	writ_ioport_out(d->pci, 4, PCI_DATA, v);
}

/* A 16-bit field alone: writing its whole dword could disturb the neighbouring field. */
static void
cfg_write16(const struct edu *d, unsigned off, uint16_t v)
{
	writ_ioport_out(d->pci, 4, PCI_ADDR, PCI_ENABLE | d->bdf | (off & 0xfc));
	writ_ioport_out(d->pci, 2, PCI_DATA + (off & 2), v);
}

static bool
edu_find(struct edu *d)
{
	d->pci = slot_alloc();
	if (writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, PCI_ADDR, PCI_ADDR + 7, R, d->pci,
			      FULL_DEPTH) != WRIT_OK)
		return false;
	for (unsigned dev = 0; dev < 32; dev++) {
		d->bdf = dev << 11;		/* bus 0, function 0 */
		if (cfg_read32(d, 0) == EDU_VENDOR_DEVICE)
			return true;
	}
	return false;
}

/* BAR0's physical address, or 0 for an I/O or unassigned BAR. */
static writ_word_t
edu_bar0(const struct edu *d)
{
	uint32_t lo = cfg_read32(d, CFG_BAR0);
	writ_word_t bar = lo & ~0xfu;

	if (lo & 1)
		return 0;
	if ((lo >> 1 & 3) == 2)		/* a 64-bit BAR takes the next one too */
		bar |= (writ_word_t)cfg_read32(d, CFG_BAR0 + 4) << 32;
	return bar;
}

/*
 * A 4 KiB frame at physical `pa` from device untyped `ut`. Retype hands out memory from
 * the untyped's watermark upward and no call tells the watermark, so a first frame finds
 * it; untypeds as large as alignment allows then pad the gap up to `pa`.
 */
static writ_cptr_t
device_frame_at(struct edu *d, writ_cptr_t ut, unsigned bits, writ_word_t pa)
{
	writ_cptr_t f = slot_alloc();
	writ_word_t at;

	if (writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, R, 0, 0, f, 1) != WRIT_OK ||
	    writ_frame_get_address(f, &at) != WRIT_OK || at > pa)
		return 0;
	if (at == pa)
		return f;
	d->padding[d->n_padding++] = f;
	at += 4096;
	while (at < pa) {
		unsigned k = 12;

		while (k + 1 < bits && !(at & ((2ull << k) - 1)) && at + (2ull << k) <= pa)
			k++;
		if (d->n_padding == MAX_PADDING)
			return 0;
		f = slot_alloc();
		if (writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, k, R, 0, 0, f, 1) != WRIT_OK)
			return 0;
		d->padding[d->n_padding++] = f;
		at += 1ull << k;
	}
	f = slot_alloc();
	if (writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, R, 0, 0, f, 1) != WRIT_OK ||
	    writ_frame_get_address(f, &at) != WRIT_OK || at != pa)
		return 0;
	return f;
}

/* Map BAR0 (uncached), enable memory decoding and bus mastering (an MSI is a DMA
 * write), find the MSI capability. `why` says what failed. */
static bool
edu_open(struct edu *d, const char **why)
{
	const struct writ_bootinfo *bi = init.bi;
	unsigned p, n;
	uint64_t va;

	*why = "no edu device (PCI 1234:11e8) on bus 0";
	if (!edu_find(d))
		return false;
	*why = "BAR0 is not an assigned memory BAR";
	if (!(d->bar = edu_bar0(d)))
		return false;
	*why = "no device untyped covers BAR0, or it cannot reach it";
	for (unsigned i = 0; i < bi->n_untyped && !d->frame; i++) {
		const struct writ_bootinfo_untyped *u = &bi->untyped[i];

		if (u->is_device && d->bar >= u->paddr && d->bar - u->paddr < 1ull << u->size_bits)
			d->frame = device_frame_at(d, u->slot, u->size_bits, d->bar);
	}
	if (!d->frame)
		return false;
	*why = "BAR0 frame does not map";
	va = va_alloc();
	if (!va || writ_frame_map(d->frame, WRIT_SLOT_ROOT_VSPACE, va, RW, WRIT_MAP_UNCACHED))
		return false;
	d->mmio = (volatile uint32_t *)va;
	cfg_write16(d, CFG_COMMAND, cfg_read16(d, CFG_COMMAND) | CMD_MEMORY | CMD_BUS_MASTER);
	*why = "no MSI capability in the capability list";
	if (!(cfg_read16(d, CFG_STATUS) & STATUS_CAP_LIST))
		return false;
	/* Bounded: a broken list could loop. */
	for (p = cfg_read32(d, CFG_CAP_PTR) & 0xfc, n = 0; p >= 0x40 && n < 48; n++) {
		uint32_t head = cfg_read32(d, p);

		if ((head & 0xff) == CAP_ID_MSI) {
			d->msi_cap = p;
			d->msi64 = (head >> 16 & MSI_64BIT) != 0;
			return true;
		}
		p = head >> 8 & 0xfc;
	}
	return false;
}

/* Program the MSI capability (32- or 64-bit layout) with one message and enable it. */
static void
msi_program(const struct edu *d, writ_word_t address, writ_word_t data)
{
	unsigned c = d->msi_cap;
	uint16_t ctrl = cfg_read16(d, c + 2) & ~(MSI_ENABLE | MSI_MME);

	cfg_write16(d, c + 2, ctrl);	/* off while address and data change */
	cfg_write32(d, c + 4, (uint32_t)address);
	if (d->msi64) {
		cfg_write32(d, c + 8, (uint32_t)(address >> 32));
		cfg_write16(d, c + 12, (uint16_t)data);
	} else {
		cfg_write16(d, c + 8, (uint16_t)data);
	}
	cfg_write16(d, c + 2, ctrl | MSI_ENABLE);
}

static void
msi_disable(const struct edu *d)
{
	cfg_write16(d, d->msi_cap + 2, cfg_read16(d, d->msi_cap + 2) & ~MSI_ENABLE);
}

static void
edu_raise(const struct edu *d, uint32_t bits)
{
	d->mmio[EDU_IRQ_RAISE / 4] = bits;
}

static void
edu_ack(const struct edu *d, uint32_t bits)
{
	d->mmio[EDU_IRQ_ACK / 4] = bits;
}

static void
edu_close(struct edu *d)
{
	msi_disable(d);
	cfg_write16(d, CFG_COMMAND, cfg_read16(d, CFG_COMMAND) & ~CMD_BUS_MASTER);
	writ_cnode_delete(R, d->frame, FULL_DEPTH);	/* unmaps it */
	while (d->n_padding)
		writ_cnode_delete(R, d->padding[--d->n_padding], FULL_DEPTH);
}

static writ_cptr_t
badged(writ_cptr_t ntfn, writ_word_t badge)
{
	writ_cptr_t s = slot_alloc();

	if (writ_cnode_mint(R, s, FULL_DEPTH, R, ntfn, FULL_DEPTH, WRIT_RIGHT_WRITE, badge))
		writ_printf("# mint of %lu failed\n", ntfn);
	return s;
}

/* IRQ_CONTROL_STATS of an IRQ number (WRIT_IRQ_MSI(i) here). */
static writ_word_t
unhandled_of(writ_word_t irq)
{
	writ_word_t u = 0;

	writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, (unsigned)irq, &u, NULL, NULL);
	return u;
}

static writ_word_t
delivered_of(writ_word_t irq)
{
	writ_word_t dl = 0;

	writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, (unsigned)irq, NULL, &dl, NULL);
	return dl;
}

/* ---- GetMSI without a device ---- */

#define INVOKE4(cap, label, a0, a1, a2, a3) \
	writ_invoke(cap, label, (const writ_word_t[]){ a0, a1, a2, a3 }, 4, NULL, 0)

static void
test_get_msi_errors(void)
{
	writ_cptr_t h = slot_alloc(), other = slot_alloc();
	writ_word_t addr = 0, data = 0, u;

	check_err(writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, WRIT_IRQ_MSIS, R, slot_alloc(),
					   FULL_DEPTH, NULL, NULL), WRIT_E_RANGE,
		  "irq/msi-index-out-of-range");
	check_err(INVOKE4(WRIT_SLOT_IRQ_CONTROL, WRIT_LABEL_IRQ_CONTROL_GET_MSI, 1ull << 40, R,
			  slot_alloc(), FULL_DEPTH), WRIT_E_RANGE, "irq/msi-huge-index");
	check_err(writ_invoke(WRIT_SLOT_IRQ_CONTROL, WRIT_LABEL_IRQ_CONTROL_GET_MSI,
			      (const writ_word_t[]){ 1, R }, 2, NULL, 0),
		  WRIT_E_TRUNCATED_MESSAGE, "irq/msi-get-truncated");
	check_err(writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, 1, R, WRIT_SLOT_ROOT_TCB,
					   FULL_DEPTH, NULL, NULL), WRIT_E_DELETE_FIRST,
		  "irq/msi-get-into-occupied-slot");
	check_err(writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, 1, WRIT_SLOT_ROOT_TCB,
					   slot_alloc(), FULL_DEPTH, NULL, NULL),
		  WRIT_E_INVALID_CAP, "irq/msi-get-dest-not-cnode");
	check_err(writ_irq_control_get_msi(init.ram, 1, R, slot_alloc(), FULL_DEPTH, NULL, NULL),
		  WRIT_E_ILLEGAL_OPERATION, "irq/msi-get-on-untyped");

	check_err(writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, 1, R, h, FULL_DEPTH, &addr,
					   &data), WRIT_OK, "irq/msi-get");
	check((addr & ~0xff000ull) == WRIT_MSI_ADDRESS_BASE && data == writ_msi_data(1) &&
	      data == WRIT_MSI_VECTOR_BASE + 1, "irq/msi-get-address-data",
	      "address %lx data %lx", addr, data);
	check_err(writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, 1, R, other, FULL_DEPTH, NULL,
					   NULL), WRIT_E_ILLEGAL_OPERATION,
		  "irq/msi-get-twice-refused");
	check_err(writ_irq_control_get_msi(h, 2, R, other, FULL_DEPTH, NULL, NULL),
		  WRIT_E_ILLEGAL_OPERATION, "irq/msi-get-needs-control");
	check_err(writ_irq_handler_set_notification(h, init.ram), WRIT_E_INVALID_CAP,
		  "irq/msi-set-notification-wrong-type");
	check_err(writ_irq_handler_ack(h), WRIT_OK, "irq/msi-ack-without-notification");
	check_err(writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, WRIT_IRQ_MSI(1), &u, NULL, NULL),
		  WRIT_OK, "irq/msi-stats");
	check_err(writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, WRIT_IRQ_MSI(WRIT_IRQ_MSIS), NULL,
					 NULL, NULL), WRIT_E_RANGE, "irq/msi-stats-past-last");
	check_err(writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, WRIT_IRQ_LINES, NULL, NULL,
					 NULL), WRIT_E_RANGE, "irq/stats-between-lines-and-msis");
	check_err(writ_cnode_delete(R, h, FULL_DEPTH), WRIT_OK, "irq/msi-delete-handler");
	check_err(writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, 1, R, h, FULL_DEPTH, NULL,
					   NULL), WRIT_OK, "irq/msi-reissue-after-delete");
	writ_cnode_delete(R, h, FULL_DEPTH);
}

/* ---- MSIs from the edu device ---- */

#define MSI_T 3			/* the MSI the device test uses */
#define MSI_STRAY 7		/* one nobody has been issued */
#define BADGE 0x20

static void
test_edu_rounds(const struct edu *d, writ_cptr_t h, writ_cptr_t n)
{
	writ_word_t dl0 = delivered_of(WRIT_IRQ_MSI(MSI_T)), w = 0;
	unsigned bad = 0, round = 0;
	uint32_t status = 0, after = 0;
	long err = WRIT_OK;

	/* Raise, Wait, serve the device, Ack, several times: the Ack keeps it going. */
	for (; round < 4 && !bad; round++) {
		uint32_t bit = 1u << round;

		edu_raise(d, bit);
		err = writ_wait(n, &w);
		status = d->mmio[EDU_IRQ_STATUS / 4];
		edu_ack(d, bit);
		after = d->mmio[EDU_IRQ_STATUS / 4];
		bad = err != WRIT_OK || w != BADGE || status != bit || after != 0 ||
		      writ_irq_handler_ack(h) != WRIT_OK;
	}
	check(!bad, "irq/msi-edu-interrupt-wait-ack-rounds",
	      "round %u: err %s word %lx status %x then %x", round - 1,
	      writ_error_name((int)err), w, status, after);
	check(delivered_of(WRIT_IRQ_MSI(MSI_T)) == dl0 + 4, "irq/msi-delivered-counted",
	      "delivered %lu -> %lu", dl0, delivered_of(WRIT_IRQ_MSI(MSI_T)));

	/* No Ack in between: each MSI is delivered, and they merge in the word. (The yield
	 * lets the CPU take the first: two MSIs of one vector that come before it does
	 * merge in the local APIC already, as on hardware.) */
	edu_raise(d, 1);
	writ_yield();
	edu_raise(d, 2);
	check(writ_poll(n, &w) == WRIT_OK && w == BADGE &&
	      delivered_of(WRIT_IRQ_MSI(MSI_T)) == dl0 + 6, "irq/msi-not-held-back-without-ack",
	      "word %lx, delivered %lu (want %lu)", w, delivered_of(WRIT_IRQ_MSI(MSI_T)), dl0 + 6);
	edu_ack(d, 3);
	/* Ack after a delivered MSI changes nothing: no signal appears. */
	writ_irq_handler_ack(h);
	writ_irq_handler_ack(h);
	check(writ_poll(n, &w) == WRIT_OK && w == 0, "irq/msi-ack-harmless", "word %lx", w);
}

static void
test_edu_msi(void)
{
	static struct edu d;
	writ_cptr_t h = slot_alloc(), h7 = slot_alloc(), n = obj_new(WRIT_OBJ_NOTIFICATION, 0);
	writ_word_t addr = 0, data = 0, w = 0, u0, dl0;
	const char *why;
	bool found = edu_open(&d, &why);

	check(found, "irq/msi-edu-device", "%s (BAR0 %lx)", why, d.bar);
	if (!found)
		return;
	check(d.mmio[EDU_ID / 4] == 0x010000ed, "irq/msi-edu-mmio-id", "id %x",
	      d.mmio[EDU_ID / 4]);
	d.mmio[EDU_LIVENESS / 4] = 0x12345678;
	check(d.mmio[EDU_LIVENESS / 4] == ~0x12345678u, "irq/msi-edu-mmio-liveness",
	      "read %x", d.mmio[EDU_LIVENESS / 4]);
	if (writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, MSI_T, R, h, FULL_DEPTH, &addr,
				     &data) != WRIT_OK) {
		check(false, "irq/msi-edu-get", "GetMSI %u failed", MSI_T);
		return;
	}
	msi_program(&d, addr, data);
	writ_printf("# irq: edu at 00:%02x.%x, BAR0 %lx, %s-bit MSI capability at %x: address %lx "
		    "data %lx\n", d.bdf >> 11 & 0x1f, d.bdf >> 8 & 7, d.bar, d.msi64 ? "64" : "32",
		    d.msi_cap, addr, data);

	/* No notification yet: counted and kept; the first Ack with one delivers it. */
	u0 = unhandled_of(WRIT_IRQ_MSI(MSI_T));
	edu_raise(&d, 1);
	check(unhandled_of(WRIT_IRQ_MSI(MSI_T)) == u0 + 1, "irq/msi-unhandled-counted",
	      "unhandled %lu -> %lu", u0, unhandled_of(WRIT_IRQ_MSI(MSI_T)));
	check_err(writ_irq_handler_set_notification(h, badged(n, BADGE)), WRIT_OK,
		  "irq/msi-set-notification");
	check(writ_poll(n, &w) == WRIT_OK && w == 0, "irq/msi-missed-waits-for-ack", "word %lx",
	      w);
	check_err(writ_irq_handler_ack(h), WRIT_OK, "irq/msi-ack");
	check(writ_poll(n, &w) == WRIT_OK && w == BADGE, "irq/msi-missed-delivered-on-ack",
	      "word %lx", w);
	writ_irq_handler_ack(h);
	check(writ_poll(n, &w) == WRIT_OK && w == 0, "irq/msi-missed-delivered-once", "word %lx",
	      w);
	edu_ack(&d, 1);

	test_edu_rounds(&d, h, n);

	/* Cleared: counted again, nothing signalled. */
	check_err(writ_irq_handler_clear(h), WRIT_OK, "irq/msi-clear");
	u0 = unhandled_of(WRIT_IRQ_MSI(MSI_T));
	edu_raise(&d, 1);
	edu_ack(&d, 1);
	check(unhandled_of(WRIT_IRQ_MSI(MSI_T)) == u0 + 1 && writ_poll(n, &w) == WRIT_OK && w == 0,
	      "irq/msi-cleared-counts", "unhandled %lu -> %lu, word %lx", u0,
	      unhandled_of(WRIT_IRQ_MSI(MSI_T)), w);

	/* Deleted and issued again: the new handler does not inherit the miss above. */
	check_err(writ_cnode_delete(R, h, FULL_DEPTH), WRIT_OK, "irq/msi-edu-delete-handler");
	check_err(writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, MSI_T, R, h, FULL_DEPTH, &addr,
					   &data), WRIT_OK, "irq/msi-edu-reissue");
	writ_irq_handler_set_notification(h, badged(n, BADGE));
	writ_irq_handler_ack(h);
	check(writ_poll(n, &w) == WRIT_OK && w == 0, "irq/msi-reissue-forgets-misses",
	      "word %lx", w);
	dl0 = delivered_of(WRIT_IRQ_MSI(MSI_T));
	edu_raise(&d, 4);
	check(writ_wait(n, &w) == WRIT_OK && w == BADGE &&
	      delivered_of(WRIT_IRQ_MSI(MSI_T)) == dl0 + 1, "irq/msi-reissued-delivers",
	      "word %lx", w);
	edu_ack(&d, 4);

	/* A device may be told any vector: one nobody was issued is counted, not lost. */
	u0 = unhandled_of(WRIT_IRQ_MSI(MSI_STRAY));
	msi_program(&d, addr, writ_msi_data(MSI_STRAY));
	edu_raise(&d, 1);
	edu_ack(&d, 1);
	check(unhandled_of(WRIT_IRQ_MSI(MSI_STRAY)) == u0 + 1 && writ_poll(n, &w) == WRIT_OK &&
	      w == 0, "irq/msi-unissued-vector-counted", "unhandled %lu -> %lu, word %lx", u0,
	      unhandled_of(WRIT_IRQ_MSI(MSI_STRAY)), w);
	writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, MSI_STRAY, R, h7, FULL_DEPTH, NULL, NULL);
	writ_irq_handler_set_notification(h7, badged(n, 0x80));
	writ_irq_handler_ack(h7);
	check(writ_poll(n, &w) == WRIT_OK && w == 0, "irq/msi-issue-forgets-earlier-misses",
	      "word %lx", w);

	edu_close(&d);
	writ_cnode_delete(R, h, FULL_DEPTH);
	writ_cnode_delete(R, h7, FULL_DEPTH);
}

void
msi_tests_run(void)
{
	test_get_msi_errors();
	if (cmdline_has("edu"))
		test_edu_msi();
	else
		writ_printf("# irq: no 'edu' on the command line: no MSI device to test with\n");
}

/* ---- bench kern/msi-latency ---- */

#define BENCH_ROUNDS 10001	/* medians of at least 10,000 rounds */

static uint64_t bench_samples[BENCH_ROUNDS];
static volatile uint64_t bench_wake_tsc;
static struct edu bench_dev;
static writ_cptr_t bench_caps[2];	/* notification, handler */

static void
bench_msi_waiter(uint64_t unused)
{
	(void)unused;
	for (;;) {
		writ_wait(bench_caps[0], NULL);
		bench_wake_tsc = rdtsc();
		edu_ack(&bench_dev, 1);
		writ_irq_handler_ack(bench_caps[1]);
	}
}

/* The MSI's kernel entry (its TSC, from IRQ_CONTROL_STATS) -> a higher-priority
 * waiter's wake, as kern/irq-latency measures it for an IOAPIC line. */
void
msi_bench_run(void)
{
	writ_cptr_t h = slot_alloc(), n = obj_new(WRIT_OBJ_NOTIFICATION, 0);
	writ_word_t addr, data, entry;
	const char *why;
	unsigned got = 0;

	if (!edu_open(&bench_dev, &why)) {
		writ_printf("# bench: no kern/msi-latency: %s\n", why);
		return;
	}
	if (writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, 0, R, h, FULL_DEPTH, &addr,
				     &data) != WRIT_OK ||
	    writ_irq_handler_set_notification(h, n) != WRIT_OK) {
		writ_printf("# bench: no MSI handler\n");
		return;
	}
	msi_program(&bench_dev, addr, data);
	bench_caps[0] = n;
	bench_caps[1] = h;
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	thread_new(bench_msi_waiter, 0, 200, 0);
	for (unsigned i = 0; i < BENCH_ROUNDS; i++) {
		bench_wake_tsc = 0;
		edu_raise(&bench_dev, 1);	/* the waiter runs before this returns to us */
		if (!bench_wake_tsc ||
		    writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, WRIT_IRQ_MSI(0), NULL, NULL,
					   &entry))
			continue;
		bench_samples[got++] = bench_wake_tsc - entry;
	}
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	if (got)
		writ_printf("bench kern/msi-latency %lu instructions\n",
			    median_of(bench_samples, got));
	else
		writ_printf("# bench: no MSI arrived\n");
}
