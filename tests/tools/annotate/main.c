/*
 * writ-annotate [--elf PATH]... [--root DIR] [LOG]
 *
 * Copies a serial log (LOG, or stdin) to stdout byte for byte, and after each line of a
 * fault dump that carries an address adds lines starting with "    = ": the function and
 * source file:line of the address and, for the RIP line, the instructions around it.
 *
 * Dumps are recognised by shape (kern/arch/x86_64/trap.c, kern/panic.c):
 *   *** CPU exception: ... | *** kernel panic: ... | *** ... fault ...   opens a dump
 *   RIP <hex> [<sym+off>]                                                 annotated + code
 *   backtrace:  then  "  #N <hex> <sym+off>"  until "end of backtrace"   each annotated
 * Backtrace addresses are already return address minus one, so they are looked up as is.
 * Each address is looked up in the first --elf whose PT_LOAD segments contain it, except
 * that an ELF whose name the dump mentions (a user fault naming its program) goes first.
 *
 * Streaming: input is passed on as soon as it is read, not a line at a time, so a prompt
 * without a newline still shows when this sits between QEMU and a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotate.h"

/* Dump lines are short; longer lines pass through but are not parsed. */
#define LINE_KEEP 1024
/* A dump whose backtrace has not started after this many lines was cut off. */
#define DUMP_MAX_LINES 32

enum dump_state { OUTSIDE, IN_DUMP, IN_BACKTRACE };

struct elf_slot {
	struct elf_file ef;
	bool ok;
	char why[256];
};

struct annot {
	struct elf_slot *elfs;
	size_t nelfs;
	const char *root;
	enum dump_state state;
	int dump_lines;
	long preferred;		/* index into elfs of the ELF the dump names, or -1 */
	bool noted_bad_elfs;
	bool noted_no_addr2line;
	const char *eol;
	char line[LINE_KEEP + 1];
	size_t len;
	bool overlong;
};

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* 1 to 16 hex digits, ending the string or followed by a space or '<'. */
static bool
parse_addr(const char *s, uint64_t *v)
{
	unsigned digits = 0;

	*v = 0;
	for (; digits < 17; s++, digits++) {
		char c = *s;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		*v = *v << 4 | d;
	}
	return digits >= 1 && digits <= 16 && (*s == '\0' || *s == ' ' || *s == '<');
}

static bool
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool
mentions(const char *line, const char *word)
{
	size_t n = strlen(word);

	if (n == 0)
		return false;
	for (const char *p = strstr(line, word); p; p = strstr(p + 1, word))
		if ((p == line || !is_word_char(p[-1])) && !is_word_char(p[n]))
			return true;
	return false;
}

static const struct elf_file *
elf_for(const struct annot *a, uint64_t addr)
{
	if (a->preferred >= 0 && elf_contains(&a->elfs[a->preferred].ef, addr))
		return &a->elfs[a->preferred].ef;
	for (size_t i = 0; i < a->nelfs; i++)
		if (a->elfs[i].ok && elf_contains(&a->elfs[i].ef, addr))
			return &a->elfs[i].ef;
	return NULL;
}

/* Said once per run, in the output itself, so a failure log shows why names are missing. */
static void
note_bad_elfs(struct annot *a)
{
	if (a->noted_bad_elfs)
		return;
	a->noted_bad_elfs = true;
	if (a->nelfs == 0)
		printf(ANNOTATION "(note: no --elf given, so no address can be named)%s", a->eol);
	for (size_t i = 0; i < a->nelfs; i++)
		if (!a->elfs[i].ok)
			printf(ANNOTATION "(note: ELF %s is unusable: %s)%s", a->elfs[i].ef.path,
			       a->elfs[i].why, a->eol);
}

static void
print_source(struct annot *a, const struct elf_file *ef, uint64_t addr)
{
	struct src_frame f[SRC_MAX_FRAMES];
	const struct elf_sym *s = elf_sym_at(ef, addr);
	int n = src_lookup(ef->path, addr, a->root, f, SRC_MAX_FRAMES);
	const char *in = a->nelfs > 1 ? ef->base : NULL;

	if (n < 0 && !a->noted_no_addr2line) {
		a->noted_no_addr2line = true;
		printf(ANNOTATION "(note: addr2line could not be run: no line numbers)%s", a->eol);
	}
	for (int i = 0; i < n; i++) {
		const char *func = f[i].func[0] ? f[i].func : i == 0 && s ? s->name : "??";

		printf(ANNOTATION "%s%s", i ? "  inlined into " : "", func);
		if (f[i].file[0])
			printf(" at %s:%lu", f[i].file, f[i].line);
		else
			printf(" (no line information)");
		printf("%s%s%s%s", in && i == 0 ? " [" : "", in && i == 0 ? in : "",
		       in && i == 0 ? "]" : "", a->eol);
	}
	if (n > 0)
		return;
	if (s)
		printf(ANNOTATION "%s+0x%llx (no line information)%s", s->name,
		       (unsigned long long)(addr - s->value), a->eol);
	else
		printf(ANNOTATION "(no symbol in %s)%s", ef->path, a->eol);
}

static void
annotate_addr(struct annot *a, uint64_t addr, bool is_rip)
{
	const struct elf_file *ef = elf_for(a, addr);

	note_bad_elfs(a);
	if (!ef) {
		printf(ANNOTATION "(no symbol)%s", a->eol);
		return;
	}
	print_source(a, ef, addr);
	if (is_rip)
		disasm_around(stdout, a->eol, ef, addr);
}

static void
open_dump(struct annot *a)
{
	a->state = IN_DUMP;
	a->dump_lines = 0;
	a->preferred = -1;
}

static void
look_for_program(struct annot *a, const char *text)
{
	for (size_t i = 0; i < a->nelfs; i++)
		if (a->elfs[i].ok && mentions(text, a->elfs[i].ef.base))
			a->preferred = (long)i;
}

/* One complete line of the log, already passed through; text has no line ending. */
static void
process_line(struct annot *a, const char *text)
{
	uint64_t addr;

	while (*text == ' ' || *text == '\t' || *text == '\r')
		text++;
	if (starts_with(text, "*** kernel halted")) {
		a->state = OUTSIDE;
	} else if (starts_with(text, "*** ") && (strstr(text, "exception") ||
						 strstr(text, "panic") || strstr(text, "fault"))) {
		open_dump(a);
		look_for_program(a, text);
	} else if (strcmp(text, "backtrace:") == 0) {
		if (a->state == OUTSIDE)
			a->preferred = -1;
		a->state = IN_BACKTRACE;
	} else if (a->state == IN_BACKTRACE) {
		const char *p = text;

		if (*p == '#' && p[1] >= '0' && p[1] <= '9') {
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
			if (*p == ' ' && parse_addr(p + 1, &addr))
				annotate_addr(a, addr, false);
			else
				a->state = OUTSIDE;
		} else {
			a->state = OUTSIDE;	/* "end of backtrace", or the log moved on */
		}
	} else if (a->state == IN_DUMP) {
		if (starts_with(text, "RIP ") && parse_addr(text + 4, &addr))
			annotate_addr(a, addr, true);
		else
			look_for_program(a, text);
		if (++a->dump_lines > DUMP_MAX_LINES)
			a->state = OUTSIDE;
	}
}

static void
end_of_line(struct annot *a, bool crlf)
{
	a->line[a->len] = '\0';
	a->eol = crlf ? "\r\n" : "\n";
	if (!a->overlong)
		process_line(a, a->line);
	a->len = 0;
	a->overlong = false;
}

/* Passes chunk through, handing each completed line to process_line. */
static void
feed(struct annot *a, const char *chunk, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(chunk, '\n', n);
		size_t take = nl ? (size_t)(nl - chunk) + 1 : n;
		size_t text = nl ? take - 1 : take;

		fwrite(chunk, 1, take, stdout);
		if (text > LINE_KEEP - a->len) {
			a->overlong = true;
			text = 0;
		}
		memcpy(a->line + a->len, chunk, text);
		a->len += text;
		if (nl) {
			bool crlf = a->len > 0 && a->line[a->len - 1] == '\r';

			if (crlf)
				a->len--;
			end_of_line(a, crlf);
		}
		chunk += take;
		n -= take;
	}
	fflush(stdout);
}

static int
stream(struct annot *a, int fd)
{
	char buf[4096];
	bool partial;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "writ-annotate: read: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		feed(a, buf, (size_t)n);
	}
	partial = a->len > 0 || a->overlong;
	if (a->state != OUTSIDE) {
		printf("%s" ANNOTATION "(the log ends inside a dump: it was cut off)\n",
		       partial ? "\n" : "");
		fflush(stdout);
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: writ-annotate [--elf PATH]... [--root DIR] [LOG]\n"
			"  Copies LOG (default: stdin) to stdout, explaining fault dumps from the\n"
			"  ELFs given (the kernel's, and any user program's). --root: the source\n"
			"  tree whose prefix is cut from file names (default: the current directory).\n");
}

int
main(int argc, char **argv)
{
	struct annot a = { .preferred = -1, .eol = "\n" };
	const char *log = NULL;
	char cwd[PATH_MAX];
	int fd = STDIN_FILENO, rc;

	a.elfs = calloc((size_t)argc, sizeof(*a.elfs));
	if (!a.elfs)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--elf") == 0 && i + 1 < argc) {
			struct elf_slot *e = &a.elfs[a.nelfs++];

			e->ok = elf_open(&e->ef, argv[++i], e->why, sizeof(e->why)) == 0;
			if (!e->ok)
				fprintf(stderr, "writ-annotate: %s: %s; its addresses stay unnamed\n",
					argv[i], e->why);
		} else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			a.root = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage();
			rc = 0;
			goto out;
		} else if ((argv[i][0] == '-' && argv[i][1] != '\0') || log) {
			usage();
			rc = 2;
			goto out;
		} else {
			log = argv[i];
		}
	}
	if (!a.root && getcwd(cwd, sizeof(cwd)))
		a.root = cwd;
	if (log && strcmp(log, "-") != 0) {
		fd = open(log, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "writ-annotate: %s: %s\n", log, strerror(errno));
			rc = 1;
			goto out;
		}
	}
	rc = stream(&a, fd);
	if (fd != STDIN_FILENO)
		close(fd);
out:
	for (size_t i = 0; i < a.nelfs; i++)
		elf_close(&a.elfs[i].ef);
	free(a.elfs);
	return rc;
}
