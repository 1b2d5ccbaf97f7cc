/*
 * ACPI, as much as interrupt routing needs: from the RSDP (which the boot loader copied
 * into the multiboot2 information) through the RSDT or XSDT to the MADT, and from the
 * MADT the IOAPICs and the interrupt source overrides of the ISA IRQs.
 *
 * The tables are firmware's, not ours: every signature, length and checksum is checked
 * before a field is read, and a table is reached only through the caller's map
 * function, which says whether a physical range is readable at all (the kernel: inside
 * its direct map; host tests: inside a crafted buffer). Pure C, no allocation, so host
 * tests run this same file on crafted and malformed tables.
 */
#ifndef WRIT_ACPI_H
#define WRIT_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_IOAPICS 8
#define ACPI_ISA_IRQS 16
#define ACPI_MAX_TABLE (1u << 20)	/* larger "tables" are taken as corrupt */

#define ACPI_ERRORS(E)                                                            \
	E(ACPI_OK, "no error")                                                    \
	E(ACPI_E_RSDP_SHORT, "RSDP shorter than its revision needs")              \
	E(ACPI_E_RSDP_SIGNATURE, "RSDP signature is not 'RSD PTR '")              \
	E(ACPI_E_RSDP_CHECKSUM, "RSDP checksum wrong")                            \
	E(ACPI_E_XSDP_CHECKSUM, "XSDP extended checksum wrong")                   \
	E(ACPI_E_UNMAPPED, "table lies outside readable memory")                  \
	E(ACPI_E_SDT_LENGTH, "table length implausible")                          \
	E(ACPI_E_SDT_CHECKSUM, "table checksum wrong")                            \
	E(ACPI_E_SDT_SIGNATURE, "root table signature is not RSDT/XSDT")          \
	E(ACPI_E_NO_MADT, "no MADT ('APIC') table")                               \
	E(ACPI_E_MADT_ENTRY, "MADT entry length wrong or past the table")         \
	E(ACPI_E_TOO_MANY_IOAPICS, "more IOAPICs than supported")                 \
	E(ACPI_E_OVERRIDE, "interrupt source override invalid")                   \
	E(ACPI_E_DUPLICATE_OVERRIDE, "two overrides for one ISA IRQ")             \
	E(ACPI_E_NO_IOAPIC, "MADT lists no IOAPIC")

enum acpi_error {
#define E(name, text) name,
	ACPI_ERRORS(E)
#undef E
};

/* Override flags (MPS INTI flags): polarity bits 0..1, trigger mode bits 2..3. */
#define ACPI_POLARITY_CONFORMS 0
#define ACPI_POLARITY_HIGH 1
#define ACPI_POLARITY_LOW 3
#define ACPI_TRIGGER_CONFORMS 0
#define ACPI_TRIGGER_EDGE 1
#define ACPI_TRIGGER_LEVEL 3

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;		/* physical, of its registers */
	uint32_t gsi_base;	/* first global system interrupt it serves */
};

struct acpi_isa_route {
	uint32_t gsi;		/* the IRQ number itself when there is no override */
	bool overridden;
	bool level;		/* level-triggered (ISA default: edge) */
	bool active_low;	/* (ISA default: active high) */
};

struct acpi_madt {
	uint32_t lapic_addr;
	bool has_8259;		/* PC/AT compatible PICs present (to be masked) */
	unsigned n_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	struct acpi_isa_route isa[ACPI_ISA_IRQS];
};

struct acpi_diag {
	enum acpi_error error;
	uint64_t table;		/* physical address of the table at fault (0: the RSDP) */
	uint32_t offset;	/* byte offset in it */
};

/* A readable view of physical [paddr, paddr + len), or NULL. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t paddr, uint64_t len);

/*
 * Finds and reads the MADT. rsdp/rsdp_len: the RSDP copy (20 bytes for revision 0,
 * 36 for 2+). Returns ACPI_OK and fills *out, or an error with *diag saying where.
 */
enum acpi_error acpi_parse(const void *rsdp, uint64_t rsdp_len, acpi_map_fn map, void *ctx,
			   struct acpi_madt *out, struct acpi_diag *diag);

const char *acpi_strerror(enum acpi_error e);

#endif
