/*
 * writ-pathlen: the static length of the kernel's IPC fastpath, counted with capstone
 * from the kernel ELF, so a change that lengthens the hot path shows at once (the
 * dynamic count is `./writ bench`'s ipc/call-one-way-0w figure).
 *
 * It counts every instruction of the functions a fast Call runs through, from the
 * `syscall` entry stub to the `sysretq` that leaves: whole functions, so it is an upper
 * bound of the path, not the path itself (branches not taken, and the declining calls
 * to the full path, are counted too). Entry and exit stubs are nasm symbols without
 * sizes; for those it counts up to and including a given instruction.
 *
 * It also finds the shortest way, instruction by instruction, from the `syscall` entry
 * to a `sysret` through the Call fastpath (the full path's functions are walls): the
 * fewest instructions a fast Call can run, a lower bound, as the first figure is an
 * upper one. Each instruction is a step; a conditional branch may go either way; a
 * call goes into its callee for good, so only a callee that never returns (the exit)
 * can lead on, and a `ret` ends that way.
 *
 * usage: writ-pathlen KERNEL.elf    prints one line per function, then
 *        `bench ipc/fastpath-static-code N instructions accel=host` and
 *        `bench ipc/fastpath-static-path N instructions accel=host`; exit 1 if a
 *        function is missing (renamed or inlined away: update the lists below) or no
 *        way to a sysret is found.
 */
#include <capstone/capstone.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"

/* A nasm stub has no size in the ELF: it is counted up to and including `stop`. */
struct step {
	const char *name;
	const char *stop;	/* NULL: the whole (sized) C function */
};

static const struct step path[] = {
	{ "syscall_entry", "call" },	/* to the first call: the Call test comes before it */
	{ "syscall_call", NULL },	/* kern/fastpath.c: checks, message, FPU, TLS, switch */
	{ "vs_switch", NULL },		/* only across address spaces */
	{ "kernel_exit", "je" },	/* the syscall-frame test */
	{ "syscall_exit", "sysret" },	/* capstone may say sysret or sysretq */
};
static const struct elf_sym *
find(const struct elf_file *ef, const char *name)
{
	for (size_t i = 0; i < ef->nsyms; i++)
		if (strcmp(ef->syms[i].name, name) == 0)
			return &ef->syms[i];
	return NULL;
}

/* Instructions in the function, or up to `stop` for a stub. */
static long
count(csh cs, const struct elf_file *ef, const struct elf_sym *s, const char *stop)
{
	const unsigned char *code;
	uint64_t seg, addr = s->value;
	size_t avail = elf_code_at(ef, addr, &seg, &code), len;
	cs_insn *insn;
	long n = 0;

	if (avail == 0)
		return -1;
	/* elf_code_at gives the whole segment: start at the function. */
	code += addr - seg;
	avail -= addr - seg;
	len = s->size && !stop ? (s->size < avail ? s->size : avail) : (avail < 4096 ? avail : 4096);
	insn = cs_malloc(cs);
	while (len > 0 && cs_disasm_iter(cs, &code, &len, &addr, insn)) {
		n++;
		if (stop && strncmp(insn->mnemonic, stop, strlen(stop)) == 0)
			break;
	}
	cs_free(insn, 1);
	return n;
}

/* The full path, which the shortest way may not enter. */
static const char *const walls[] = {
	"syscall_dispatch", "syscall_reply_recv", "syscall_call_slow", "syscall_reply_recv_slow",
};

enum flow { STEP_NEXT, STEP_BRANCH, STEP_JUMP, STEP_CALL, STEP_END, STEP_SYSRET };

struct insn {
	uint64_t addr, target;	/* target: of a direct jump or call, else 0 */
	enum flow kind;
	int dist;		/* steps from the entry to here, INT_MAX: not reached */
};

static struct insn *code;
static size_t ncode;

static long
insn_index(uint64_t addr)
{
	size_t lo = 0, hi = ncode;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (code[mid].addr == addr)
			return (long)mid;
		if (code[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid - 1 < mid ? mid : 0;
	}
	return -1;
}

static enum flow
step_of(csh cs, const cs_insn *in, uint64_t *target)
{
	const cs_x86 *x = &in->detail->x86;
	bool direct = x->op_count == 1 && x->operands[0].type == X86_OP_IMM;

	*target = direct ? (uint64_t)x->operands[0].imm : 0;
	if (in->id == X86_INS_SYSRET)
		return STEP_SYSRET;
	if (cs_insn_group(cs, in, CS_GRP_RET) || cs_insn_group(cs, in, CS_GRP_IRET) ||
	    in->id == X86_INS_UD2 || in->id == X86_INS_HLT)
		return STEP_END;
	if (cs_insn_group(cs, in, CS_GRP_CALL))
		return direct ? STEP_CALL : STEP_END;
	if (cs_insn_group(cs, in, CS_GRP_JUMP)) {
		if (!direct)
			return STEP_END;	/* through a register: not on a straight path */
		return in->id == X86_INS_JMP ? STEP_JUMP : STEP_BRANCH;
	}
	return STEP_NEXT;
}

/* Decodes the whole segment holding `addr`, one entry per instruction. */
static int
decode_segment(csh cs, const struct elf_file *ef, uint64_t addr)
{
	const unsigned char *bytes;
	uint64_t seg, pc;
	size_t len = elf_code_at(ef, addr, &seg, &bytes), cap = 0;
	cs_insn *in = cs_malloc(cs);

	if (len == 0 || !in)
		return -1;
	pc = seg;
	while (len > 0) {
		if (ncode == cap) {
			cap = cap ? cap * 2 : 4096;
			code = realloc(code, cap * sizeof(*code));
			if (!code)
				return -1;
		}
		if (!cs_disasm_iter(cs, &bytes, &len, &pc, in)) {
			bytes++;		/* not code (padding, data): skip a byte */
			len--;
			pc++;
			continue;
		}
		code[ncode].addr = in->address;
		code[ncode].kind = step_of(cs, in, &code[ncode].target);
		code[ncode].dist = INT_MAX;
		ncode++;
	}
	cs_free(in, 1);
	return 0;
}

static bool
relax(long to, int dist)
{
	if (to < 0 || code[to].dist <= dist)
		return false;
	code[to].dist = dist;
	return true;
}

/* Steps from `entry` to the nearest sysret, not entering a wall; -1 if none. */
static long
shortest_to_sysret(const struct elf_file *ef, uint64_t entry)
{
	long best = -1;
	bool changed = true;

	relax(insn_index(entry), 0);
	while (changed) {
		changed = false;
		for (size_t i = 0; i < ncode; i++) {
			const struct insn *c = &code[i];
			int d = c->dist;

			if (d == INT_MAX)
				continue;
			if (c->kind == STEP_SYSRET) {
				if (best < 0 || d + 1 < best)
					best = d + 1;
				continue;
			}
			if (c->kind == STEP_NEXT || c->kind == STEP_BRANCH)
				changed |= i + 1 < ncode && relax((long)i + 1, d + 1);
			if (c->kind == STEP_BRANCH || c->kind == STEP_JUMP)
				changed |= relax(insn_index(c->target), d + 1);
			if (c->kind == STEP_CALL) {
				const struct elf_sym *s = elf_sym_at(ef, c->target);
				bool wall = false;

				for (size_t w = 0; s && w < sizeof(walls) / sizeof(walls[0]); w++)
					wall |= s->value == c->target && strcmp(s->name, walls[w]) == 0;
				if (!wall)
					changed |= relax(insn_index(c->target), d + 1);
			}
		}
	}
	return best;
}

int
main(int argc, char **argv)
{
	struct elf_file ef;
	char why[256];
	long total = 0, shortest;
	int missing = 0;
	const struct elf_sym *entry;
	csh cs;

	if (argc != 2) {
		fprintf(stderr, "usage: writ-pathlen KERNEL.elf\n");
		return 2;
	}
	if (elf_open(&ef, argv[1], why, sizeof(why)) != 0) {
		fprintf(stderr, "writ-pathlen: %s: %s\n", argv[1], why);
		return 1;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return 1;
	for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		const struct elf_sym *s = find(&ef, path[i].name);
		long n = s ? count(cs, &ef, s, path[i].stop) : -1;

		if (n < 0) {
			printf("# %-22s missing\n", path[i].name);
			missing++;
			continue;
		}
		printf("# %-22s %ld\n", path[i].name, n);
		total += n;
	}
	printf("bench ipc/fastpath-static-code %ld instructions accel=host\n", total);
	shortest = -1;
	entry = find(&ef, "syscall_entry");
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	if (entry && decode_segment(cs, &ef, entry->value) == 0)
		shortest = shortest_to_sysret(&ef, entry->value);
	if (shortest < 0)
		printf("# no way from syscall_entry to a sysret through the fastpath\n");
	else
		printf("bench ipc/fastpath-static-path %ld instructions accel=host\n", shortest);
	free(code);
	cs_close(&cs);
	elf_close(&ef);
	return missing || shortest < 0 ? 1 : 0;
}
