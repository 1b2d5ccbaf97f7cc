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
 * usage: writ-pathlen KERNEL.elf    prints one line per function, then
 *        `bench ipc/fastpath-static-code N instructions accel=host`; exit 1 if a
 *        function is missing (renamed or inlined away: update the list below).
 */
#include <capstone/capstone.h>
#include <stdbool.h>
#include <stdio.h>
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

int
main(int argc, char **argv)
{
	struct elf_file ef;
	char why[256];
	long total = 0;
	int missing = 0;
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
	cs_close(&cs);
	elf_close(&ef);
	printf("bench ipc/fastpath-static-code %ld instructions accel=host\n", total);
	return missing ? 1 : 0;
}
