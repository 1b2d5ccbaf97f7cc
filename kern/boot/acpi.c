/*
 * ACPI table walk to the MADT: see acpi.h. Every multi-byte field is read byte by byte
 * (the tables have no alignment guarantees), and only after the range holding it was
 * checked against the length the table declared and the map function accepted.
 */
#include "acpi.h"

#define SDT_HEADER 36
#define MADT_HEADER 44		/* SDT header, local APIC address, flags */
#define RSDP_V1 20
#define RSDP_V2 36

#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2

static uint32_t
rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool
sum_is_zero(const uint8_t *p, uint64_t n)
{
	uint8_t s = 0;

	for (uint64_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

static bool
sig_is(const uint8_t *p, const char *sig)
{
	for (unsigned i = 0; i < 4; i++)
		if (p[i] != (uint8_t)sig[i])
			return false;
	return true;
}

static enum acpi_error
fail(struct acpi_diag *d, enum acpi_error e, uint64_t table, uint32_t offset)
{
	d->error = e;
	d->table = table;
	d->offset = offset;
	return e;
}

/* Map a whole table at paddr once its header's length and checksum are sound. */
static enum acpi_error
map_table(acpi_map_fn map, void *ctx, uint64_t paddr, const uint8_t **out, uint32_t *len,
	  struct acpi_diag *d)
{
	const uint8_t *h = map(ctx, paddr, SDT_HEADER), *t;
	uint32_t n;

	if (!h)
		return fail(d, ACPI_E_UNMAPPED, paddr, 0);
	n = rd32(h + 4);
	if (n < SDT_HEADER || n > ACPI_MAX_TABLE)
		return fail(d, ACPI_E_SDT_LENGTH, paddr, 4);
	if (!(t = map(ctx, paddr, n)))
		return fail(d, ACPI_E_UNMAPPED, paddr, 0);
	if (!sum_is_zero(t, n))
		return fail(d, ACPI_E_SDT_CHECKSUM, paddr, 9);
	*out = t;
	*len = n;
	return ACPI_OK;
}

static enum acpi_error
read_override(struct acpi_madt *m, const uint8_t *e, uint64_t at, uint32_t off,
	      struct acpi_diag *d)
{
	unsigned src = e[3], pol = rd16(e + 8) & 3, trig = rd16(e + 8) >> 2 & 3;
	struct acpi_isa_route *r;

	/* Bus 0 is ISA, the only bus overrides exist for; 2 is a reserved encoding. */
	if (e[2] != 0 || src >= ACPI_ISA_IRQS || pol == 2 || trig == 2)
		return fail(d, ACPI_E_OVERRIDE, at, off);
	r = &m->isa[src];
	if (r->overridden)
		return fail(d, ACPI_E_DUPLICATE_OVERRIDE, at, off);
	r->overridden = true;
	r->gsi = rd32(e + 4);
	r->active_low = pol == ACPI_POLARITY_LOW;
	r->level = trig == ACPI_TRIGGER_LEVEL;
	return ACPI_OK;
}

static enum acpi_error
read_madt(const uint8_t *t, uint32_t len, uint64_t at, struct acpi_madt *m,
	  struct acpi_diag *d)
{
	enum acpi_error err;

	if (len < MADT_HEADER)
		return fail(d, ACPI_E_SDT_LENGTH, at, 4);
	m->lapic_addr = rd32(t + 36);
	m->has_8259 = rd32(t + 40) & 1;
	for (uint32_t off = MADT_HEADER; off < len;) {
		const uint8_t *e = t + off;
		uint32_t elen;

		/* Type and length must both be inside, then the whole entry. */
		if (len - off < 2 || (elen = e[1]) < 2 || elen > len - off)
			return fail(d, ACPI_E_MADT_ENTRY, at, off);
		if (e[0] == MADT_IOAPIC) {
			if (elen < 12)
				return fail(d, ACPI_E_MADT_ENTRY, at, off);
			if (m->n_ioapics == ACPI_MAX_IOAPICS)
				return fail(d, ACPI_E_TOO_MANY_IOAPICS, at, off);
			m->ioapics[m->n_ioapics++] = (struct acpi_ioapic){
				.id = e[2], .addr = rd32(e + 4), .gsi_base = rd32(e + 8) };
		} else if (e[0] == MADT_OVERRIDE) {
			if (elen < 10)
				return fail(d, ACPI_E_MADT_ENTRY, at, off);
			if ((err = read_override(m, e, at, off, d)) != ACPI_OK)
				return err;
		}
		off += elen;
	}
	if (m->n_ioapics == 0)
		return fail(d, ACPI_E_NO_IOAPIC, at, 0);
	return ACPI_OK;
}

/* The root table's physical address from the RSDP: XSDT when revision 2 gives one. */
static enum acpi_error
read_rsdp(const uint8_t *p, uint64_t n, uint64_t *root, bool *wide, struct acpi_diag *d)
{
	if (n < RSDP_V1)
		return fail(d, ACPI_E_RSDP_SHORT, 0, 0);
	if (!(p[0] == 'R' && p[1] == 'S' && p[2] == 'D' && p[3] == ' ' && p[4] == 'P' &&
	      p[5] == 'T' && p[6] == 'R' && p[7] == ' '))
		return fail(d, ACPI_E_RSDP_SIGNATURE, 0, 0);
	if (!sum_is_zero(p, RSDP_V1))
		return fail(d, ACPI_E_RSDP_CHECKSUM, 0, 8);
	*root = rd32(p + 16);
	*wide = false;
	if (p[15] < 2)
		return ACPI_OK;
	if (n < RSDP_V2 || rd32(p + 20) < RSDP_V2 || rd32(p + 20) > n)
		return fail(d, ACPI_E_RSDP_SHORT, 0, 20);
	if (!sum_is_zero(p, rd32(p + 20)))
		return fail(d, ACPI_E_XSDP_CHECKSUM, 0, 32);
	if (rd64(p + 24)) {
		*root = rd64(p + 24);
		*wide = true;
	}
	return ACPI_OK;
}

enum acpi_error
acpi_parse(const void *rsdp, uint64_t rsdp_len, acpi_map_fn map, void *ctx,
	   struct acpi_madt *out, struct acpi_diag *d)
{
	struct acpi_madt zero = { 0 };
	const uint8_t *root, *t;
	uint32_t len, tlen, esz;
	uint64_t root_pa;
	enum acpi_error err;
	bool wide;

	*out = zero;
	d->error = ACPI_OK;
	for (unsigned i = 0; i < ACPI_ISA_IRQS; i++)
		out->isa[i].gsi = i;
	if ((err = read_rsdp(rsdp, rsdp_len, &root_pa, &wide, d)) != ACPI_OK)
		return err;
	if ((err = map_table(map, ctx, root_pa, &root, &len, d)) != ACPI_OK)
		return err;
	if (!sig_is(root, wide ? "XSDT" : "RSDT"))
		return fail(d, ACPI_E_SDT_SIGNATURE, root_pa, 0);
	esz = wide ? 8 : 4;
	/* Entries that would run past the declared length are ignored, not read. */
	for (uint32_t off = SDT_HEADER; len - off >= esz; off += esz) {
		uint64_t pa = wide ? rd64(root + off) : rd32(root + off);
		const uint8_t *h = map(ctx, pa, SDT_HEADER);

		if (!h || !sig_is(h, "APIC"))
			continue;	/* not ours to judge: only the MADT must be sound */
		if ((err = map_table(map, ctx, pa, &t, &tlen, d)) != ACPI_OK)
			return err;
		return read_madt(t, tlen, pa, out, d);
	}
	return fail(d, ACPI_E_NO_MADT, root_pa, 0);
}

const char *
acpi_strerror(enum acpi_error e)
{
	switch (e) {
#define E(name, text) case name: return text;
	ACPI_ERRORS(E)
#undef E
	}
	return "unknown ACPI error";
}
