/*
 * Host tests for the ACPI walk (kern/boot/acpi.c): a crafted "physical memory" holding
 * an RSDP, XSDT, RSDT, a FACP and a MADT like QEMU's, then one malformed variant per
 * check, each expecting its exact error. The map function refuses anything outside the
 * buffer, and the buffer is heap-allocated at its exact size, so ASan catches a read
 * past what the parser was allowed to see.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/acpi.h"

#define HOST_TAP_PREFIX "irq/acpi-"
#include "host_tap.h"

#define MEM 0x8000
#define XSDT 0x1000
#define RSDT 0x1800
#define FACP 0x2000
#define MADT 0x3000

static uint8_t *mem;
static uint8_t rsdp[36];
static int failures, tests;

static const void *
map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa >= MEM || len > MEM - pa)
		return NULL;
	return mem + pa;
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void
fix_sum(uint8_t *p, uint32_t n, unsigned at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (uint32_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)-s;
}

static void
header(uint32_t at, const char *sig, uint32_t len)
{
	memcpy(mem + at, sig, 4);
	put32(mem + at + 4, len);
	mem[at + 8] = 1;
	fix_sum(mem + at, len, 9);
}

static uint32_t madt_len;

static void
madt_entry(const uint8_t *e, unsigned n)
{
	memcpy(mem + MADT + madt_len, e, n);
	madt_len += n;
	put32(mem + MADT + 4, madt_len);
	fix_sum(mem + MADT, madt_len, 9);
}

static void
override(unsigned bus, unsigned src, uint32_t gsi, unsigned flags)
{
	uint8_t e[10] = { 2, 10, (uint8_t)bus, (uint8_t)src };

	put32(e + 4, gsi);
	e[8] = (uint8_t)flags;
	madt_entry(e, 10);
}

/* A machine like QEMU's pc: one local APIC, one IOAPIC, overrides for 0, 5, 9, 10, 11. */
static void
build(void)
{
	static const uint8_t lapic[8] = { 0, 8, 0, 0, 1, 0, 0, 0 };
	uint8_t ioapic[12] = { 1, 12, 0, 0 };

	memset(mem, 0, MEM);
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	put32(rsdp + 16, RSDT);
	put32(rsdp + 20, 36);
	put64(rsdp + 24, XSDT);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);

	header(FACP, "FACP", 116);
	put64(mem + XSDT + 36, FACP);
	put64(mem + XSDT + 44, MADT);
	header(XSDT, "XSDT", 52);
	put32(mem + RSDT + 36, FACP);
	put32(mem + RSDT + 40, MADT);
	header(RSDT, "RSDT", 44);

	memcpy(mem + MADT, "APIC", 4);
	put32(mem + MADT + 36, 0xfee00000);
	put32(mem + MADT + 40, 1);
	madt_len = 44;
	madt_entry(lapic, 8);
	put32(ioapic + 4, 0xfec00000);
	madt_entry(ioapic, 12);
	override(0, 0, 2, 0);
	override(0, 5, 5, 0xd);
	override(0, 9, 9, 0xd);
	override(0, 10, 10, 0xd);
	override(0, 11, 11, 0xd);
}

static void
expect(enum acpi_error want, const char *name)
{
	struct acpi_madt m;
	struct acpi_diag d;
	enum acpi_error got = acpi_parse(rsdp, sizeof(rsdp), map, NULL, &m, &d);

	tests++;
	failures += !tap_check(&tap, got == want, name, "got '%s', want '%s'", acpi_strerror(got),
			       acpi_strerror(want));
}

static void
test_good(void)
{
	struct acpi_madt m;
	struct acpi_diag d;
	enum acpi_error e;
	bool ok;

	build();
	e = acpi_parse(rsdp, sizeof(rsdp), map, NULL, &m, &d);
	ok = e == ACPI_OK && m.n_ioapics == 1 && m.ioapics[0].addr == 0xfec00000 &&
	     m.ioapics[0].gsi_base == 0 && m.has_8259 && m.lapic_addr == 0xfee00000 &&
	     m.isa[0].overridden && m.isa[0].gsi == 2 && !m.isa[0].level &&
	     m.isa[9].level && !m.isa[9].active_low && !m.isa[4].overridden &&
	     m.isa[4].gsi == 4;
	tests++;
	failures += !tap_check(&tap, ok, "qemu-like-xsdt", "error '%s' or a field differs",
			       acpi_strerror(e));

	/* Revision 0: the RSDT, 32-bit entries. */
	rsdp[15] = 0;
	fix_sum(rsdp, 20, 8);
	e = acpi_parse(rsdp, 20, map, NULL, &m, &d);
	ok = e == ACPI_OK && m.isa[0].gsi == 2 && m.n_ioapics == 1;
	tests++;
	failures += !tap_check(&tap, ok, "rsdt-revision-0", "error '%s' or a field differs",
			       acpi_strerror(e));
}

static void
test_rsdp(void)
{
	struct acpi_madt m;
	struct acpi_diag d;

	build();
	rsdp[0] = 'X';
	expect(ACPI_E_RSDP_SIGNATURE, "rsdp-signature");
	build();
	rsdp[16] ^= 1;
	expect(ACPI_E_RSDP_CHECKSUM, "rsdp-checksum");
	build();
	rsdp[30] = 1;
	expect(ACPI_E_XSDP_CHECKSUM, "xsdp-checksum");
	build();
	put32(rsdp + 20, 200);		/* says it is longer than the copy we have */
	fix_sum(rsdp, 20, 8);
	expect(ACPI_E_RSDP_SHORT, "xsdp-length");
	build();
	tests++;
	failures += !tap_check(&tap, acpi_parse(rsdp, 12, map, NULL, &m, &d) == ACPI_E_RSDP_SHORT,
			       "rsdp-short", "a 12-byte RSDP was not refused as short");
}

static void
test_root(void)
{
	build();
	put64(rsdp + 24, MEM + 0x1000);		/* XSDT outside memory */
	fix_sum(rsdp, 36, 32);
	expect(ACPI_E_UNMAPPED, "xsdt-unmapped");
	build();
	put64(rsdp + 24, MEM - 8);		/* header would run past the end */
	fix_sum(rsdp, 36, 32);
	expect(ACPI_E_UNMAPPED, "xsdt-header-straddles-end");
	build();
	mem[XSDT + 40] ^= 0x55;
	expect(ACPI_E_SDT_CHECKSUM, "xsdt-checksum");
	build();
	put32(mem + XSDT + 4, 20);
	expect(ACPI_E_SDT_LENGTH, "xsdt-length-too-small");
	build();
	put32(mem + XSDT + 4, 0xfffffff0);
	expect(ACPI_E_SDT_LENGTH, "xsdt-length-huge");
	build();
	put32(mem + XSDT + 4, MEM);		/* plausible, but past readable memory */
	expect(ACPI_E_UNMAPPED, "xsdt-length-past-memory");
	build();
	memcpy(mem + XSDT, "RSDT", 4);
	fix_sum(mem + XSDT, 52, 9);
	expect(ACPI_E_SDT_SIGNATURE, "xsdt-signature");
	build();
	put64(mem + XSDT + 44, 0x7ffffffffffull);	/* MADT pointer into nowhere: skipped */
	fix_sum(mem + XSDT, 52, 9);
	expect(ACPI_E_NO_MADT, "madt-pointer-unmapped");
	build();
	put32(mem + XSDT + 4, 49);		/* a partial second entry is not read */
	fix_sum(mem + XSDT, 49, 9);
	expect(ACPI_E_NO_MADT, "xsdt-partial-entry-ignored");
}

static void
test_madt(void)
{
	uint8_t e[12] = { 1, 12, 0, 0 };

	build();
	mem[MADT + 50] ^= 1;
	expect(ACPI_E_SDT_CHECKSUM, "madt-checksum");
	build();
	put32(mem + MADT + 4, 40);
	fix_sum(mem + MADT, 40, 9);
	expect(ACPI_E_SDT_LENGTH, "madt-too-short");
	build();
	madt_entry((const uint8_t[]){ 9, 0 }, 2);
	expect(ACPI_E_MADT_ENTRY, "madt-entry-length-zero");
	build();
	madt_entry((const uint8_t[]){ 9, 40, 0, 0 }, 4);
	expect(ACPI_E_MADT_ENTRY, "madt-entry-past-end");
	build();
	madt_entry((const uint8_t[]){ 9 }, 1);
	expect(ACPI_E_MADT_ENTRY, "madt-entry-half-header");
	build();
	madt_entry((const uint8_t[]){ 1, 8, 0, 0, 0, 0, 0, 0 }, 8);
	expect(ACPI_E_MADT_ENTRY, "madt-ioapic-short");
	build();
	madt_entry((const uint8_t[]){ 2, 8, 0, 0, 0, 0, 0, 0 }, 8);
	expect(ACPI_E_MADT_ENTRY, "madt-override-short");
	build();
	override(1, 3, 3, 0);
	expect(ACPI_E_OVERRIDE, "override-not-isa-bus");
	build();
	override(0, 16, 16, 0);
	expect(ACPI_E_OVERRIDE, "override-source-past-isa");
	build();
	override(0, 3, 3, 2);
	expect(ACPI_E_OVERRIDE, "override-reserved-polarity");
	build();
	override(0, 3, 3, 8);
	expect(ACPI_E_OVERRIDE, "override-reserved-trigger");
	build();
	override(0, 0, 2, 0);
	expect(ACPI_E_DUPLICATE_OVERRIDE, "override-duplicate");
	build();
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS; i++)
		madt_entry(e, 12);		/* nine with the first */
	expect(ACPI_E_TOO_MANY_IOAPICS, "too-many-ioapics");
	build();
	mem[MADT + 52] = 7;			/* the IOAPIC entry becomes an unknown type */
	fix_sum(mem + MADT, madt_len, 9);
	expect(ACPI_E_NO_IOAPIC, "no-ioapic");
	build();
	memcpy(mem + MADT, "APIX", 4);
	fix_sum(mem + MADT, madt_len, 9);
	expect(ACPI_E_NO_MADT, "no-madt");
}

/* Every shorter MADT (checksum fixed) parses or fails cleanly, never reads past. */
static void
test_truncations(void)
{
	unsigned bad = 0, full;
	struct acpi_madt m;
	struct acpi_diag d;

	build();
	full = madt_len;
	for (unsigned n = 36; n <= full; n++) {
		enum acpi_error e;

		build();
		memset(mem + MADT + n, 0, full - n);
		put32(mem + MADT + 4, n);
		fix_sum(mem + MADT, n, 9);
		e = acpi_parse(rsdp, sizeof(rsdp), map, NULL, &m, &d);
		if (e != ACPI_OK && e != ACPI_E_SDT_LENGTH && e != ACPI_E_MADT_ENTRY &&
		    e != ACPI_E_NO_IOAPIC)
			bad++;
	}
	tests++;
	failures += !tap_check(&tap, bad == 0, "every-truncation",
			       "%d truncations gave an unexpected error", bad);
}

int
main(void)
{
	mem = malloc(MEM);
	if (!mem)
		return 2;
	test_good();
	test_rsdp();
	test_root();
	test_madt();
	test_truncations();
	free(mem);
	printf("%d passed, %d failed\n", tests - failures, failures);
	return failures != 0;
}
