/*
 * writ-pathlen: the static length of the kernel's IPC fastpath, counted with capstone
 * from the kernel ELF, so a change that lengthens the hot path shows at once (the
 * dynamic count is `./writ bench`'s ipc/call-one-way-0w figure).
 *
 * It counts every instruction of the functions a fast Call runs through, from the
 * `syscall` entry stub to the `iretq` that leaves: whole functions, so it is an upper
 * bound of the path, not the path itself (branches not taken are counted too). Entry
 * and exit stubs are nasm symbols without sizes; for those it counts up to and including
 * the first `call` (entry) or `iretq` (exit).
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

static const char *const path[] = {
	"syscall_entry", "syscall_dispatch", "fastpath_call", "sched_peek_other",
	"sched_dequeue", "ep_remove", "sched_make_runnable", "sched_enqueue",
	"sched_switch_to", "vs_activate", "x86_set_entry_frame",
	"kernel_exit",		/* and restore_frame after it, up to the iretq */
};

static const struct elf_sym *
find(const struct elf_file *ef, const char *name)
{
	for (size_t i = 0; i < ef->nsyms; i++)
		if (strcmp(ef->syms[i].name, name) == 0)
			return &ef->syms[i];
	return NULL;
}

/* nasm stubs: their symbols carry no size (the ELF reader stretches them to the next
 * symbol), so they are counted up to their first call or iretq instead. */
static bool
is_stub(const char *name)
{
	return strcmp(name, "syscall_entry") == 0 || strcmp(name, "kernel_exit") == 0;
}

/* Instructions in the function, or up to the first call/iretq for a stub. */
static long
count(csh cs, const struct elf_file *ef, const struct elf_sym *s)
{
	bool stub = is_stub(s->name);
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
	len = s->size && !stub ? (s->size < avail ? s->size : avail) : (avail < 4096 ? avail : 4096);
	insn = cs_malloc(cs);
	while (len > 0 && cs_disasm_iter(cs, &code, &len, &addr, insn)) {
		n++;
		if (stub && (strcmp(insn->mnemonic, "call") == 0 ||
				 strcmp(insn->mnemonic, "iretq") == 0))
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
		const struct elf_sym *s = find(&ef, path[i]);
		long n = s ? count(cs, &ef, s) : -1;

		if (n < 0) {
			printf("# %-22s missing\n", path[i]);
			missing++;
			continue;
		}
		printf("# %-22s %ld\n", path[i], n);
		total += n;
	}
	cs_close(&cs);
	elf_close(&ef);
	printf("bench ipc/fastpath-static-code %ld instructions accel=host\n", total);
	return missing ? 1 : 0;
}
