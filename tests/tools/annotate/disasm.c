/*
 * The instructions around a faulting RIP, with capstone, in AT&T syntax (what objdump and
 * gdb print by default on this toolchain, so the listing reads like theirs).
 *
 * x86 cannot be decoded backwards: from an arbitrary byte before RIP a linear sweep may
 * walk through the middle of instructions. So the sweep starts where an instruction is
 * known to begin, the start of the enclosing function, and is believed only if it lands
 * exactly on RIP. Failing that (no symbol, or data inside the code), it tries starting
 * points from 64 bytes before RIP upwards and keeps the first that lands on RIP; x86
 * streams resynchronise quickly, so this almost always shows real instructions. If
 * nothing lands, only RIP and what follows are shown.
 */
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"

#define BEFORE 6
#define AFTER 4
#define MAX_SWEEP (64u << 10)	/* longer functions: fall back to the short window */
#define SHORT_WINDOW 64

struct insn_line {
	uint64_t addr;
	uint16_t size;
	uint8_t bytes[16];
	char text[sizeof(((cs_insn *)0)->mnemonic) + sizeof(((cs_insn *)0)->op_str) + 2];
};

struct code {
	const unsigned char *bytes;	/* the segment's file bytes */
	uint64_t start;			/* their virtual address */
	size_t len;
};

static void
keep(struct insn_line *l, const cs_insn *in)
{
	l->addr = in->address;
	l->size = in->size < sizeof(l->bytes) ? in->size : sizeof(l->bytes);
	memcpy(l->bytes, in->bytes, l->size);
	snprintf(l->text, sizeof(l->text), "%s%s%s", in->mnemonic, in->op_str[0] ? " " : "",
		 in->op_str);
}

/*
 * Decodes from `from` up to rip, keeping the last BEFORE instructions in ring[] (oldest
 * first); returns how many were kept, or -1 if the sweep did not land exactly on rip.
 */
static int
sweep_to(csh h, cs_insn *in, const struct code *c, uint64_t from, uint64_t rip,
	 struct insn_line ring[BEFORE])
{
	const uint8_t *p = c->bytes + (from - c->start);
	size_t left = (size_t)(rip - from);
	uint64_t addr = from;
	struct insn_line all[BEFORE];
	size_t n = 0;

	while (addr < rip && cs_disasm_iter(h, &p, &left, &addr, in))
		keep(&all[n++ % BEFORE], in);
	if (addr != rip)
		return -1;
	for (size_t i = 0; i < BEFORE && i < n; i++)
		ring[i] = all[(n > BEFORE ? n - BEFORE + i : i) % BEFORE];
	return n < BEFORE ? (int)n : BEFORE;
}

static int
lines_before(csh h, cs_insn *in, const struct elf_file *ef, const struct code *c,
	     uint64_t rip, struct insn_line ring[BEFORE])
{
	const struct elf_sym *s = elf_sym_at(ef, rip);
	int n;

	if (s && s->value >= c->start && s->value <= rip && rip - s->value <= MAX_SWEEP) {
		n = sweep_to(h, in, c, s->value, rip, ring);
		if (n >= 0)
			return n;
	}
	for (uint64_t back = SHORT_WINDOW; back > 0; back--) {
		if (rip - c->start < back)
			continue;
		n = sweep_to(h, in, c, rip - back, rip, ring);
		if (n >= 0)
			return n;
	}
	return 0;
}

/* "callq 0xffffffff801035c3" reads better as "callq 0xffffffff801035c3 <strncmp>". */
static void
name_target(const struct elf_file *ef, const struct insn_line *l, char *out, size_t cap)
{
	const char *op = strchr(l->text, ' ');
	const struct elf_sym *s;
	uint64_t target;
	char *end;

	out[0] = '\0';
	if ((l->text[0] != 'j' && strncmp(l->text, "call", 4) != 0) || !op ||
	    strncmp(op + 1, "0x", 2) != 0)
		return;
	target = strtoull(op + 1, &end, 16);
	if (*end != '\0' || !(s = elf_sym_at(ef, target)))
		return;
	if (target == s->value)
		snprintf(out, cap, " <%s>", s->name);
	else
		snprintf(out, cap, " <%s+0x%llx>", s->name, (unsigned long long)(target - s->value));
}

static void
print_line(FILE *out, const char *eol, const struct elf_file *ef, const struct insn_line *l,
	   bool here)
{
	const struct elf_sym *s = elf_sym_at(ef, l->addr);
	char where[96] = "", hex[3 * 16 + 1] = "", target[96];

	if (s)
		snprintf(where, sizeof(where), "<%s+0x%llx>", s->name,
			 (unsigned long long)(l->addr - s->value));
	for (unsigned i = 0; i < l->size; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", l->bytes[i]);
	name_target(ef, l, target, sizeof(target));
	fprintf(out, ANNOTATION "%s %016llx %-24s %-24s %s%s%s", here ? "-->" : "   ",
		(unsigned long long)l->addr, where, hex, l->text, target, eol);
}

void
disasm_around(FILE *out, const char *eol, const struct elf_file *ef, uint64_t rip)
{
	struct insn_line ring[BEFORE], l;
	struct code c;
	csh h;
	cs_insn *in;
	const uint8_t *p;
	size_t left;
	uint64_t addr = rip;
	int before;

	c.len = elf_code_at(ef, rip, &c.start, &c.bytes);
	if (c.len == 0) {
		fprintf(out, ANNOTATION "(no code bytes for this address in %s)%s", ef->path, eol);
		return;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
		fprintf(out, ANNOTATION "(capstone would not open: no disassembly)%s", eol);
		return;
	}
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	in = cs_malloc(h);
	if (!in)
		goto done;
	before = lines_before(h, in, ef, &c, rip, ring);
	fprintf(out, ANNOTATION "code around RIP (AT&T syntax):%s", eol);
	for (int i = 0; i < before; i++)
		print_line(out, eol, ef, &ring[i], false);
	p = c.bytes + (rip - c.start);
	left = c.len - (size_t)(rip - c.start);
	for (int i = 0; i <= AFTER && cs_disasm_iter(h, &p, &left, &addr, in); i++) {
		keep(&l, in);
		print_line(out, eol, ef, &l, i == 0);
	}
	if (addr == rip)
		fprintf(out, ANNOTATION "--> (the bytes at RIP do not decode as an instruction)%s",
			eol);
	cs_free(in, 1);
done:
	cs_close(&h);
}
