/*
 * captree: the derivation tree of a scheme's policies, as the server sees it now:
 * each policy's glob and rights under the one it was weakened from, how many files
 * are open through it, and whether only its giver may revoke it ("giver-only"), which
 * process made each policy (weakened it) and which opened its files, by pid and name
 * (as the processes' identities told the server: srv/file README, "Records"). Revoked
 * policies are gone at once, so they are not shown. Which process *holds* a copy now
 * the server cannot know: capabilities move between processes without it.
 *   captree [--dot] [SCHEME]     (SCHEME: file by default; a file:-like server)
 * --dot prints Graphviz DOT instead of text (render: dot -Tsvg). Exit status 0, or 1
 * when the scheme cannot be asked.
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#define MAXP 512

struct node {
	unsigned index, parent, fds, maker;
	char rights[8], flags[2], openers[64];
	char glob[160];
};

static struct node nodes[MAXP];
static unsigned n_nodes;

static void
out(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = writ_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	writ_write(1, line, (size_t)n);
}

static unsigned
num(const char **s)
{
	unsigned v = 0;

	while (**s >= '0' && **s <= '9')
		v = v * 10 + (unsigned)(*(*s)++ - '0');
	if (**s == ' ')
		(*s)++;
	return v;
}

static void
word(const char **s, char *dst, size_t cap)
{
	size_t n = 0;

	while (**s && **s != ' ' && **s != '\n') {
		if (n + 1 < cap)
			dst[n++] = **s;
		(*s)++;
	}
	dst[n] = 0;
	if (**s == ' ')
		(*s)++;
}

static void
strncpy_glob(char *dst, const char *s, size_t cap)
{
	size_t n = strlen(s) < cap - 1 ? strlen(s) : cap - 1;

	memcpy(dst, s, n);
	dst[n] = 0;
}

/* One "index parent rights flags fds maker openers glob" line. */
static void
parse_line(const char *s)
{
	struct node *n;

	if (n_nodes == MAXP)
		return;
	n = &nodes[n_nodes++];
	n->index = num(&s);
	n->parent = num(&s);
	word(&s, n->rights, sizeof(n->rights));
	word(&s, n->flags, sizeof(n->flags));
	n->fds = num(&s);
	n->maker = num(&s);
	word(&s, n->openers, sizeof(n->openers));
	/* The glob is the rest of the line: it may hold spaces. */
	strncpy_glob(n->glob, s, sizeof(n->glob));
}

static bool
known(unsigned index)
{
	for (unsigned i = 0; i < n_nodes; i++)
		if (nodes[i].index == index)
			return true;
	return false;
}

static void print_tree(const char *scheme, unsigned parent, unsigned depth);

/* "pid N NAME" for a process init knows, "pid N" for one gone, "" for 0 (root). */
static const char *
who(unsigned pid)
{
	static char b[WRIT_CAP_NAME + 16];
	char name[WRIT_CAP_NAME];

	if (!pid)
		return "init";
	if (writ_proc_name(pid, name, sizeof(name)) < 0)
		writ_snprintf(b, sizeof(b), "pid %u", pid);
	else
		writ_snprintf(b, sizeof(b), "pid %u %s", pid, name);
	return b;
}

static void
print_node(const char *scheme, const struct node *n, unsigned depth)
{
	for (unsigned d = 0; d < depth; d++)
		out("  ");
	out("%s:%s:%s  [record %u, made by %s, %u open file%s%s%s%s]\n", scheme, n->glob,
	    n->rights, n->index, who(n->maker), n->fds, n->fds == 1 ? "" : "s",
	    n->fds ? " by pids " : "", n->fds ? n->openers : "",
	    n->flags[0] == 'n' ? ", giver-only" : "");
	if (depth < 32)
		print_tree(scheme, n->index, depth + 1);
}

/* The policies weakened from record `parent`; parent 0: those with no parent shown
 * (the root, and policies whose parent nobody holds any more). */
static void
print_tree(const char *scheme, unsigned parent, unsigned depth)
{
	for (unsigned i = 0; i < n_nodes; i++)
		if (parent ? nodes[i].parent == parent :
			     !nodes[i].parent || !known(nodes[i].parent))
			print_node(scheme, &nodes[i], depth);
}

/* s with '"' and '\\' escaped, for a DOT label. */
static const char *
dot_escape(const char *s)
{
	static char b[2 * sizeof(nodes[0].glob)];
	size_t n = 0;

	for (; *s && n + 2 < sizeof(b); s++) {
		if (*s == '"' || *s == '\\')
			b[n++] = '\\';
		b[n++] = *s;
	}
	b[n] = 0;
	return b;
}

int
main(int argc, char **argv)
{
	const char *scheme = "file";
	bool dot = false;
	writ_cptr_t cap;
	writ_word_t from = 1;
	static char buf[SCHEME_INLINE + 1];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dot") == 0)
			dot = true;
		else
			scheme = argv[i];
	}
	if (!(cap = writ_scheme_cap(scheme))) {
		out("captree: no %s: capability\n", scheme);
		return 1;
	}
	do {
		writ_word_t args[2] = { 7, from }, next = 0;
		long n = writ_scheme_call(cap, SCHEME_OP_STATS, args, 2, NULL, 0, buf,
					  SCHEME_INLINE, &next, 1);

		if (n < 0) {
			out("captree: %s: does not list its policies (%ld)\n", scheme, n);
			return 1;
		}
		buf[n] = 0;
		for (char *l = buf; *l;) {
			char *e = strchr(l, '\n');

			if (!e)
				break;
			*e = 0;
			parse_line(l);
			l = e + 1;
		}
		from = next;
	} while (from);
	if (!dot) {
		out("captree: %u %s: policies (record 1 is the root)\n", n_nodes, scheme);
		print_tree(scheme, 0, 0);
		return 0;
	}
	out("digraph captree {\n  node [shape=box, fontname=monospace];\n");
	for (unsigned i = 0; i < n_nodes; i++) {
		struct node *n = &nodes[i];

		out("  p%u [label=\"%s:%s:%s\\nmade by %s\\n%u open file%s%s%s%s\"];\n",
		    n->index, scheme, dot_escape(n->glob), n->rights, who(n->maker), n->fds,
		    n->fds == 1 ? "" : "s", n->fds ? " by pids " : "", n->fds ? n->openers : "",
		    n->flags[0] == 'n' ? "\\ngiver-only" : "");
		if (n->parent && known(n->parent))
			out("  p%u -> p%u;\n", n->parent, n->index);
	}
	out("}\n");
	return 0;
}
