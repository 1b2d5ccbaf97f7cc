/*
 * captree: the derivation tree of a scheme's policies and open files, as it is now:
 * each policy's glob and rights under the one it was weakened from, the files opened
 * through it, who made each policy and opened each file, and which processes hold a
 * capability to each *now*; then the last revokes (what went, under what, by whom).
 *   captree [--dot] [--pid N] [SCHEME]
 * (SCHEME: a file:-like server; without one, every scheme the caller holds that lists
 * its policies: file: and tmp: in the standard namespace)
 * The server lists its records (STATS 7, 10 and 11: srv/file/README.md); init says who
 * holds them (writ_proc_holders: it looks into every process's CSpace), for the scheme
 * whose capability captree sends along. --pid N shows only what process N holds, with
 * the policies above it for context. --dot prints Graphviz DOT instead of text
 * (render: dot -Tsvg). Exit status 0, or 1 when the scheme cannot be asked.
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#define MAXP 512
#define MAXF 512
#define MAXR 32
#define MAXH 2048
#define SHOW_PIDS 8

enum { STATS_POLICIES = 7, STATS_FILES = 10, STATS_REVOKED = 11 };

struct node {
	unsigned index, parent, fds, maker;
	char rights[8], flags[2], openers[64];
	char glob[160];
	bool shown;                     /* --pid: held by the process, or above such */
};

struct file {
	unsigned index, policy, opener;
	char access[4];
	char path[160];
};

struct gone {
	unsigned number, record, parent, by, freed;
	char rights[8];
	char glob[96];
};

static struct node nodes[MAXP];
static unsigned n_nodes;
static struct file files[MAXF];
static unsigned n_files;
static struct gone revoked[MAXR];
static unsigned n_revoked;
static struct writ_holder holders[MAXH];
static unsigned n_holders;
static bool holders_known;


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

/* The rest of the line (a glob or path may hold spaces). */
static void
rest(const char *s, char *dst, size_t cap)
{
	size_t n = strlen(s) < cap - 1 ? strlen(s) : cap - 1;

	memcpy(dst, s, n);
	dst[n] = 0;
}

/* "index parent rights flags fds maker openers glob" */
static void
policy_line(const char *s)
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
	rest(s, n->glob, sizeof(n->glob));
}

/* "index policy access opener path" */
static void
file_line(const char *s)
{
	struct file *f;

	if (n_files == MAXF)
		return;
	f = &files[n_files++];
	f->index = num(&s);
	f->policy = num(&s);
	word(&s, f->access, sizeof(f->access));
	f->opener = num(&s);
	rest(s, f->path, sizeof(f->path));
}

/* "number record parent rights by freed glob" */
static void
revoked_line(const char *s)
{
	struct gone *g;

	if (n_revoked == MAXR)
		return;
	g = &revoked[n_revoked++];
	g->number = num(&s);
	g->record = num(&s);
	g->parent = num(&s);
	word(&s, g->rights, sizeof(g->rights));
	g->by = num(&s);
	g->freed = num(&s);
	rest(s, g->glob, sizeof(g->glob));
}

/* Every line of one STATS listing, page by page; false when the server refused. */
static bool
list(writ_cptr_t cap, unsigned which, void (*fn)(const char *line))
{
	static char buf[SCHEME_INLINE + 1];
	writ_word_t from = 1;

	do {
		writ_word_t args[2] = { which, from }, next = 0;
		long n = writ_scheme_call(cap, SCHEME_OP_STATS, args, 2, NULL, 0, buf,
					  SCHEME_INLINE, &next, 1);

		if (n < 0)
			return false;
		buf[n] = 0;
		for (char *l = buf; *l;) {
			char *e = strchr(l, '\n');

			if (!e)
				break;
			*e = 0;
			fn(l);
			l = e + 1;
		}
		if (next && next <= from)
			return false;	/* not a listing: it would never end */
		from = next;
	} while (from);
	return true;
}

/* Who holds the scheme's capabilities now (init's view); false if init refused. */
static bool
ask_holders(writ_cptr_t cap)
{
	unsigned long cursor = 0;

	do {
		long n = writ_proc_holders(cap, &cursor, holders + n_holders,
					   MAXH - n_holders);

		if (n < 0)
			return false;
		n_holders += (unsigned)n;
	} while (cursor && MAXH - n_holders >= WRIT_CNODE_FIND_MAX_FOUND);
	return true;
}

/* Does holder entry i name this record (index and kind)? */
static bool
names(unsigned i, unsigned record, unsigned kind)
{
	return scheme_badge_index(holders[i].badge) == record &&
	       scheme_badge_kind(holders[i].badge) == kind;
}

/* Does one of the first n holder entries give pid this record? */
static bool
held_in(unsigned n, unsigned pid, unsigned record, unsigned kind)
{
	for (unsigned i = 0; i < n; i++)
		if (holders[i].pid == pid && names(i, record, kind))
			return true;
	return false;
}

static bool
holds(unsigned pid, unsigned record, unsigned kind)
{
	return held_in(n_holders, pid, record, kind);
}

/* "pid N NAME" for a process init knows, "pid N" for one gone, "init" for 0. */
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

/* ", held by pid 3 sh, pid 9 cat" for a record of this kind, each pid once. */
static const char *
held_by(unsigned record, unsigned kind)
{
	static char b[400];
	size_t at = 0;
	unsigned shown = 0, more = 0;

	b[0] = 0;
	if (!holders_known)
		return "";
	for (unsigned i = 0; i < n_holders; i++) {
		unsigned pid = holders[i].pid;

		if (!names(i, record, kind) || held_in(i, pid, record, kind))
			continue;	/* another record's, or a pid already named */
		if (shown == SHOW_PIDS) {
			more++;
			continue;
		}
		at += (size_t)writ_snprintf(b + at, sizeof(b) - at, "%s%s",
					    shown ? ", " : "; held by ", who(pid));
		if (at >= sizeof(b))
			at = sizeof(b) - 1;
		shown++;
	}
	if (more)
		writ_snprintf(b + at, sizeof(b) - at, " and %u more", more);
	else if (!shown)
		writ_snprintf(b, sizeof(b), "; held by no process");
	return b;
}

static struct node *
node_of(unsigned index)
{
	for (unsigned i = 0; i < n_nodes; i++)
		if (nodes[i].index == index)
			return &nodes[i];
	return NULL;
}

/* --pid: mark what `pid` holds, and every policy above it. */
static void
mark_held(unsigned pid)
{
	for (unsigned i = 0; i < n_nodes; i++) {
		bool mine = holds(pid, nodes[i].index, SCHEME_KIND_POLICY);

		for (unsigned k = 0; k < n_files && !mine; k++)
			mine = files[k].policy == nodes[i].index &&
			       holds(pid, files[k].index, SCHEME_KIND_FILE);
		for (struct node *n = mine ? &nodes[i] : NULL; n && !n->shown;
		     n = node_of(n->parent))
			n->shown = true;
	}
}

static void print_tree(const char *scheme, unsigned parent, unsigned depth, int pid);

static void
indent(unsigned depth)
{
	for (unsigned d = 0; d < depth; d++)
		writ_dprintf(1, "  ");
}

static void
print_node(const char *scheme, const struct node *n, unsigned depth, int pid)
{
	indent(depth);
	writ_dprintf(1, "%s:%s:%s  [record %u, made by %s%s%s]\n", scheme, n->glob, n->rights, n->index,
	    who(n->maker), n->flags[0] == 'n' ? ", giver-only" : "",
	    held_by(n->index, SCHEME_KIND_POLICY));
	for (unsigned i = 0; i < n_files; i++) {
		const struct file *f = &files[i];

		if (f->policy != n->index ||
		    (pid >= 0 && !holds((unsigned)pid, f->index, SCHEME_KIND_FILE)))
			continue;
		indent(depth + 1);
		writ_dprintf(1, "open %s %s  [record %u, opened by %s%s]\n", f->path, f->access, f->index,
		    who(f->opener), held_by(f->index, SCHEME_KIND_FILE));
	}
	if (depth < 32)
		print_tree(scheme, n->index, depth + 1, pid);
}

/* The policies weakened from record `parent`; parent 0: those with no parent shown
 * (the root, and policies whose parent nobody holds any more). */
static void
print_tree(const char *scheme, unsigned parent, unsigned depth, int pid)
{
	for (unsigned i = 0; i < n_nodes; i++) {
		struct node *n = &nodes[i];

		if (pid >= 0 && !n->shown)
			continue;
		if (parent ? n->parent == parent : !n->parent || !node_of(n->parent))
			print_node(scheme, n, depth, pid);
	}
}

static void
print_revoked(const char *scheme)
{
	if (!n_revoked)
		return;
	writ_dprintf(1, "revoked (the last %u):\n", n_revoked);
	for (unsigned i = 0; i < n_revoked; i++) {
		const struct gone *g = &revoked[i];

		writ_dprintf(1, "  %s:%s:%s  [record %u, weakened from record %u, by %s, %u record%s]\n",
		    scheme, g->glob, g->rights, g->record, g->parent, who(g->by), g->freed,
		    g->freed == 1 ? "" : "s");
	}
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

/* held_by() without its leading "; ", for a DOT label line. */
static const char *
dot_held(unsigned record, unsigned kind)
{
	const char *h = held_by(record, kind);

	return h[0] ? h + 2 : "";
}

/* One scheme's nodes as a DOT cluster (ids prefixed with the scheme: several may be
 * drawn together). */
static void
print_dot(const char *scheme, int pid)
{
	writ_dprintf(1, "  subgraph cluster_%s {\n  label=\"%s:\";\n", scheme, scheme);
	for (unsigned i = 0; i < n_nodes; i++) {
		struct node *n = &nodes[i];

		if (pid >= 0 && !n->shown)
			continue;
		writ_dprintf(1, "  %s_p%u [label=\"%s:%s:%s\\nmade by %s%s", scheme, n->index, scheme,
		    dot_escape(n->glob), n->rights, who(n->maker),
		    n->flags[0] == 'n' ? "\\ngiver-only" : "");
		writ_dprintf(1, "\\n%s\"];\n", dot_held(n->index, SCHEME_KIND_POLICY));
		if (n->parent && node_of(n->parent))
			writ_dprintf(1, "  %s_p%u -> %s_p%u;\n", scheme, n->parent, scheme, n->index);
	}
	for (unsigned i = 0; i < n_files; i++) {
		const struct file *f = &files[i];

		if (!node_of(f->policy) || (pid >= 0 && !holds((unsigned)pid, f->index,
								 SCHEME_KIND_FILE)))
			continue;
		writ_dprintf(1, "  %s_f%u [shape=note, label=\"%s %s\\nopened by %s", scheme, f->index,
		    dot_escape(f->path), f->access, who(f->opener));
		writ_dprintf(1, "\\n%s\"];\n  %s_p%u -> %s_f%u;\n", dot_held(f->index, SCHEME_KIND_FILE),
		    scheme, f->policy, scheme, f->index);
	}
	for (unsigned i = 0; i < n_revoked && pid < 0; i++) {
		const struct gone *g = &revoked[i];

		writ_dprintf(1, "  %s_r%u [style=dashed, color=gray, label=\"revoked %s:%s:%s\\nby %s\"];\n",
		    scheme, g->number, scheme, dot_escape(g->glob), g->rights, who(g->by));
		if (node_of(g->parent))
			writ_dprintf(1, "  %s_p%u -> %s_r%u [style=dashed, color=gray];\n", scheme, g->parent,
			    scheme, g->number);
	}
	writ_dprintf(1, "  }\n");
}

/* One scheme's tree; false when it does not list policies (not a file-like server). */
static bool
show(const char *scheme, bool dot, int pid, bool quiet)
{
	writ_cptr_t cap = writ_scheme_cap(scheme);

	n_nodes = n_files = n_revoked = n_holders = 0;
	if (!cap) {
		if (!quiet)
			writ_dprintf(1, "captree: no %s: capability\n", scheme);
		return false;
	}
	/* A file-like server lists its root policy first (record 1, no parent); other
	 * servers answer STATS 7 with something else, or not at all. */
	if (!list(cap, STATS_POLICIES, policy_line) || !n_nodes || nodes[0].index != 1 ||
	    nodes[0].parent != 0) {
		if (!quiet)
			writ_dprintf(1, "captree: %s: does not list its policies\n", scheme);
		return false;
	}
	list(cap, STATS_FILES, file_line);
	list(cap, STATS_REVOKED, revoked_line);
	holders_known = ask_holders(cap);
	if (!holders_known)
		writ_dprintf(1, "captree: init did not say who holds %s: capabilities\n", scheme);
	if (pid >= 0)
		mark_held((unsigned)pid);
	if (dot) {
		print_dot(scheme, pid);
		return true;
	}
	if (pid >= 0)
		writ_dprintf(1, "captree: what %s holds of %s: (and the policies above it)\n",
		    who((unsigned)pid), scheme);
	else
		writ_dprintf(1, "captree: %u %s: policies, %u open files (record 1 is the root)\n", n_nodes,
		    scheme, n_files);
	print_tree(scheme, 0, 0, pid);
	if (pid < 0)
		print_revoked(scheme);
	return true;
}

int
main(int argc, char **argv)
{
	const struct writ_startinfo *si = writ_startinfo();
	const char *scheme = NULL;
	bool dot = false, any = false;
	int pid = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dot") == 0) {
			dot = true;
		} else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc) {
			const char *s = argv[++i];

			pid = (int)num(&s);
			if (*s || !pid) {
				writ_dprintf(1, "captree: --pid wants a process number, not %s\n", argv[i]);
				return 1;
			}
		} else if (argv[i][0] == '-') {
			writ_dprintf(1, "usage: captree [--dot] [--pid N] [SCHEME]\n");
			return 1;
		} else {
			scheme = argv[i];
		}
	}
	if (scheme) {
		bool ok;

		if (dot)
			writ_dprintf(1, "digraph captree {\n  node [shape=box, fontname=monospace];\n");
		ok = show(scheme, dot, pid, false);
		if (dot)
			writ_dprintf(1, "}\n");
		return ok ? 0 : 1;
	}
	/* The whole system: every scheme this process holds that lists policies. */
	if (dot)
		writ_dprintf(1, "digraph captree {\n  node [shape=box, fontname=monospace];\n");
	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS; i++)
		if (si->caps[i].kind == WRIT_SCAP_SCHEME)
			any |= show(si->caps[i].name, dot, pid, true);
	if (dot)
		writ_dprintf(1, "}\n");
	if (!any)
		writ_dprintf(1, "captree: no scheme here lists its policies\n");
	return any ? 0 : 1;
}
