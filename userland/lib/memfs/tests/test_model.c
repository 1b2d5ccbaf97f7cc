/*
 * Model-based random test: random operation sequences over a small name space, applied
 * to memfs and to a reference model written here the plainest way possible (a flat
 * table of (directory, name, inode) rows searched linearly, file bytes in one array,
 * symlinks resolved by rewriting the path string). After every step: the results and
 * errno agree, the canonical path a lookup reports agrees, memfs_check() passes, and
 * the whole tree (names, types, link counts, sizes, bytes, link bodies, which names
 * share an inode) is compared.
 *
 * Usage: memfs_test_model [SEED [RUNS [STEPS]]]; a failure prints the seed and step.
 */
#include "common.h"

#define MAXN   2048
#define MAXE   4096
#define NFD    6
#define ROOT   0

struct mnode {
        int type;                       /* MEMFS_S_IF* */
        bool freed;
        uint32_t nlink;
        int refs;
        int parent;                     /* directories */
        unsigned char *data;
        size_t size;
        char target[256];
        uint64_t ino;                   /* memfs inode it stands for; 0: not seen yet */
};

struct ment {
        int dir, child;
        char name[64];
};

static struct mnode mn[MAXN];
static int nmn;
static struct ment me[MAXE];
static int nme;

struct fd {
        int id;                         /* model node, -1: free */
        struct memfs_node *node;
};
static struct fd fds[NFD];

static struct memfs *fs;
static uint64_t rng;
static int fails;
static char why[1024];

#define FAIL(...) do { if (!fails++) snprintf(why, sizeof why, __VA_ARGS__); } while (0)

/* ---- The model ---------------------------------------------------------------- */

static int
m_new(int type)
{
        struct mnode *n = &mn[nmn];

        memset(n, 0, sizeof *n);
        n->type = type;
        n->parent = -1;
        return nmn++;
}

static int
m_find(int dir, const char *name)
{
        for (int i = 0; i < nme; i++)
                if (me[i].dir == dir && !strcmp(me[i].name, name))
                        return i;
        return -1;
}

static int
m_child(int dir, const char *name)
{
        int e = m_find(dir, name);

        return e < 0 ? -1 : me[e].child;
}

static int
m_count(int dir)
{
        int c = 0;

        for (int i = 0; i < nme; i++)
                c += me[i].dir == dir;
        return c;
}

static void
m_canon(int dir, char *out)
{
        char tmp[8192];

        if (dir == ROOT) {
                strcpy(out, "/");
                return;
        }
        out[0] = '\0';
        for (int d = dir; d != ROOT; d = mn[d].parent) {
                for (int i = 0; i < nme; i++)
                        if (me[i].child == d) {
                                snprintf(tmp, sizeof tmp, "/%s%s", me[i].name, out);
                                strcpy(out, tmp);
                                break;
                        }
        }
}

static void
m_maybe_free(int id)
{
        struct mnode *n = &mn[id];

        if (n->nlink == 0 && n->refs == 0 && !n->freed) {
                n->freed = true;
                free(n->data);
                n->data = NULL;
        }
}

enum { L_NORM, L_DOT, L_DOTDOT, L_ROOT };

struct mres {
        int parent, node, last;
        bool trailing;
        char name[300];
        char canon[8192];
};

static bool m_is(int id, int type) { return id >= 0 && mn[id].type == type; }

/* Resolution by rewriting: a symlink's body replaces it in the path string. */
static int
m_walk(int start, const char *path, bool parent_mode, bool follow, int *links,
       struct mres *r)
{
        char buf[8192], *comp[1024], rest[8192];
        size_t len = strlen(path);
        int n = 0, cur;
        bool trailing = len && path[len - 1] == '/';

        if (len == 0)
                return ENOENT;
        cur = path[0] == '/' ? ROOT : start;
        strcpy(buf, path);
        for (char *t = strtok(buf, "/"); t; t = strtok(NULL, "/"))
                comp[n++] = t;
        r->trailing = trailing;
        if (n == 0) {
                r->parent = r->node = cur;
                r->last = L_ROOT;
                r->trailing = true;
                m_canon(cur, r->canon);
                return 0;
        }
        for (int i = 0; i < n; i++) {
                bool last = i == n - 1;
                int ch;

                if (!strcmp(comp[i], ".") || !strcmp(comp[i], "..")) {
                        if (comp[i][1] && cur != ROOT)
                                cur = mn[cur].parent;
                        if (last) {
                                r->parent = r->node = cur;
                                r->last = comp[i][1] ? L_DOTDOT : L_DOT;
                                m_canon(cur, r->canon);
                                goto done;
                        }
                        continue;
                }
                if (strlen(comp[i]) > MEMFS_NAME_MAX)
                        return ENAMETOOLONG;
                ch = m_child(cur, comp[i]);
                if (!last && ch < 0)
                        return ENOENT;
                if (m_is(ch, MEMFS_S_IFLNK) &&
                    (!last || (parent_mode ? follow && !trailing : follow || trailing))) {
                        if (++*links > MEMFS_SYMLOOP_MAX)
                                return ELOOP;
                        rest[0] = '\0';
                        for (int j = i + 1; j < n; j++) {
                                strcat(rest, "/");
                                strcat(rest, comp[j]);
                        }
                        snprintf(buf, sizeof buf, "%s%s%s", mn[ch].target, rest,
                                 trailing ? "/" : "");
                        return m_walk(mn[ch].target[0] == '/' ? ROOT : cur, buf, parent_mode,
                                      follow, links, r);
                }
                if (!last) {
                        if (!m_is(ch, MEMFS_S_IFDIR))
                                return ENOTDIR;
                        cur = ch;
                        continue;
                }
                r->parent = cur;
                r->node = ch;
                r->last = L_NORM;
                snprintf(r->name, sizeof r->name, "%s", comp[i]);
                m_canon(cur, r->canon);
                if (cur != ROOT)
                        strcat(r->canon, "/");
                strcat(r->canon, comp[i]);
        }
done:
        if (!parent_mode) {
                if (r->node < 0)
                        return ENOENT;
                if (r->trailing && !m_is(r->node, MEMFS_S_IFDIR))
                        return ENOTDIR;
        }
        return 0;
}

static int
m_resolve(int at, const char *path, bool parent_mode, bool follow, struct mres *r)
{
        int links = 0;

        if (strlen(path) >= MEMFS_PATH_MAX)
                return ENAMETOOLONG;
        if (path[0] && path[0] != '/' && at != ROOT && mn[at].nlink == 0)
                return ENOENT;          /* relative to a removed directory */
        return m_walk(at, path, parent_mode, follow, &links, r);
}

static void
m_add(int dir, const char *name, int child)
{
        struct ment *e = &me[nme++];

        e->dir = dir;
        e->child = child;
        snprintf(e->name, sizeof e->name, "%s", name);
        if (mn[child].type == MEMFS_S_IFDIR) {
                mn[child].parent = dir;
                mn[dir].nlink++;
        }
}

/* Removes entry e; the inode loses a link. */
static void
m_del(int e)
{
        int c = me[e].child, d = me[e].dir;

        me[e] = me[--nme];
        if (mn[c].type == MEMFS_S_IFDIR) {
                mn[c].nlink = 0;
                mn[d].nlink--;
        } else {
                mn[c].nlink--;
        }
        m_maybe_free(c);
}

static int
m_create(int dir, const char *name, int type)
{
        int id = m_new(type);

        mn[id].nlink = type == MEMFS_S_IFDIR ? 2 : 1;
        if (type == MEMFS_S_IFDIR)
                mn[id].nlink = 1;       /* m_add's parent bump counts '..'; own '.' below */
        m_add(dir, name, id);
        if (type == MEMFS_S_IFDIR)
                mn[id].nlink = 2;
        return id;
}

static int
m_open(int at, const char *path, unsigned of, int *out, char *canon)
{
        struct mres r;
        bool created = false;
        int n, err;

        if ((of & MEMFS_O_CREAT) && (of & MEMFS_O_DIRECTORY))
                return EINVAL;
        if (of & MEMFS_O_CREAT) {
                err = m_resolve(at, path, true, !(of & (MEMFS_O_EXCL | MEMFS_O_NOFOLLOW)), &r);
                if (err)
                        return err;
                if (r.last != L_NORM)
                        return of & MEMFS_O_EXCL ? EEXIST : EISDIR;
                if (r.trailing)
                        return EISDIR;
                if (r.node >= 0) {
                        if (of & MEMFS_O_EXCL)
                                return EEXIST;
                        if (m_is(r.node, MEMFS_S_IFDIR))
                                return EISDIR;
                        n = r.node;
                } else {
                        n = m_create(r.parent, r.name, MEMFS_S_IFREG);
                        created = true;
                }
        } else {
                err = m_resolve(at, path, false, !(of & MEMFS_O_NOFOLLOW), &r);
                if (err)
                        return err;
                n = r.node;
        }
        strcpy(canon, r.canon);
        if ((of & MEMFS_O_DIRECTORY) && !m_is(n, MEMFS_S_IFDIR))
                return ENOTDIR;
        if (m_is(n, MEMFS_S_IFLNK))
                return ELOOP;
        if (m_is(n, MEMFS_S_IFDIR) && (of & (MEMFS_O_WRITE | MEMFS_O_TRUNC)))
                return EISDIR;
        if ((of & MEMFS_O_TRUNC) && !created)
                mn[n].size = 0;
        mn[n].refs++;
        *out = n;
        return 0;
}

static int
m_mkdir(int at, const char *path)
{
        struct mres r;
        int err = m_resolve(at, path, true, false, &r);

        if (err)
                return err;
        if (r.last != L_NORM || r.node >= 0)
                return EEXIST;
        m_create(r.parent, r.name, MEMFS_S_IFDIR);
        return 0;
}

static int
m_rmdir(int at, const char *path)
{
        struct mres r;
        int err = m_resolve(at, path, true, false, &r);

        if (err)
                return err;
        if (r.last == L_DOTDOT)
                return ENOTEMPTY;
        if (r.last == L_DOT)
                return EINVAL;
        if (r.last == L_ROOT)
                return EBUSY;
        if (r.node < 0)
                return ENOENT;
        if (!m_is(r.node, MEMFS_S_IFDIR))
                return ENOTDIR;
        if (m_count(r.node))
                return ENOTEMPTY;
        m_del(m_find(r.parent, r.name));
        return 0;
}

static int
m_unlink(int at, const char *path)
{
        struct mres r;
        int err = m_resolve(at, path, true, false, &r);

        if (err)
                return err;
        if (r.last != L_NORM)
                return EISDIR;
        if (r.node < 0)
                return ENOENT;
        if (m_is(r.node, MEMFS_S_IFDIR))
                return EISDIR;
        if (r.trailing)
                return ENOTDIR;
        m_del(m_find(r.parent, r.name));
        return 0;
}

static int
m_newname(int at, const char *path, struct mres *r)
{
        int err = m_resolve(at, path, true, false, r);

        if (err)
                return err;
        if (r->last != L_NORM || r->node >= 0)
                return EEXIST;
        return r->trailing ? ENOENT : 0;
}

static int
m_symlink(const char *target, int at, const char *path)
{
        struct mres r;
        int err, id;

        if (!target[0])
                return ENOENT;
        err = m_newname(at, path, &r);
        if (err)
                return err;
        id = m_create(r.parent, r.name, MEMFS_S_IFLNK);
        snprintf(mn[id].target, sizeof mn[id].target, "%s", target);
        mn[id].size = strlen(target);
        return 0;
}

static int
m_link(int at, const char *a, const char *b, bool follow)
{
        struct mres ra, rb;
        int err = m_resolve(at, a, false, follow, &ra);

        if (err)
                return err;
        err = m_newname(at, b, &rb);
        if (err)
                return err;
        if (m_is(ra.node, MEMFS_S_IFDIR))
                return EPERM;
        m_add(rb.parent, rb.name, ra.node);
        mn[ra.node].nlink++;
        return 0;
}

static bool
m_under(int anc, int d)         /* is d anc or below it? */
{
        for (; d != -1; d = d == ROOT ? -1 : mn[d].parent)
                if (d == anc)
                        return true;
        return false;
}

static int
m_rename(int at, const char *a, const char *b, unsigned flags)
{
        struct mres o, t;
        int err = m_resolve(at, a, true, false, &o);
        bool nr = flags & MEMFS_RENAME_NOREPLACE;

        if (err)
                return err;
        err = m_resolve(at, b, true, false, &t);
        if (err)
                return err;
        if (o.last != L_NORM)
                return EBUSY;
        if (t.last != L_NORM)
                return nr ? EEXIST : EBUSY;
        if (o.node < 0)
                return ENOENT;
        if (nr && t.node >= 0)
                return EEXIST;
        if (!m_is(o.node, MEMFS_S_IFDIR) && (o.trailing || t.trailing))
                return ENOTDIR;
        if (m_is(o.node, MEMFS_S_IFDIR) && m_under(o.node, t.parent))
                return EINVAL;
        if (m_is(t.node, MEMFS_S_IFDIR) && m_under(t.node, o.parent))
                return ENOTEMPTY;
        if (o.node == t.node)
                return 0;
        if (t.node >= 0) {
                if (m_is(o.node, MEMFS_S_IFDIR) && !m_is(t.node, MEMFS_S_IFDIR))
                        return ENOTDIR;
                if (!m_is(o.node, MEMFS_S_IFDIR) && m_is(t.node, MEMFS_S_IFDIR))
                        return EISDIR;
                if (m_is(t.node, MEMFS_S_IFDIR) && m_count(t.node))
                        return ENOTEMPTY;
                m_del(m_find(t.parent, t.name));
        }
        /* Move: drop the old row (without losing the link), add the new one. */
        int e = m_find(o.parent, o.name), n = o.node;

        me[e] = me[--nme];
        if (m_is(n, MEMFS_S_IFDIR))
                mn[o.parent].nlink--;
        m_add(t.parent, t.name, n);
        return 0;
}

static void
m_write(int id, uint64_t off, const unsigned char *p, size_t len)
{
        struct mnode *n = &mn[id];

        if (off + len > n->size) {
                n->data = realloc(n->data, off + len);
                memset(n->data + n->size, 0, off + len - n->size);
                n->size = off + len;
        }
        memcpy(n->data + off, p, len);
}

static void
m_truncate(int id, uint64_t size)
{
        struct mnode *n = &mn[id];

        if (size > n->size) {
                n->data = realloc(n->data, size);
                memset(n->data + n->size, 0, size - n->size);
        }
        n->size = size;
}

/* ---- Random inputs ------------------------------------------------------------ */

static const char *names[] = { "a", "b", "c", "d", "e" };

static unsigned
below(unsigned n)
{
        return tap_below(&rng, n);
}

static void
gen_path(char *out, bool allow_empty)
{
        int n = below(4) ? 1 + below(2) : 3 + below(3);

        out[0] = '\0';
        if (allow_empty && below(60) == 0)
                return;
        if (below(3))
                strcat(out, "/");
        for (int i = 0; i < n; i++) {
                unsigned k = below(100);

                if (i)
                        strcat(out, "/");
                if (k < 5)
                        strcat(out, ".");
                else if (k < 11)
                        strcat(out, "..");
                else if (k < 13)
                        strcat(out, "/");
                else
                        strcat(out, names[below(5)]);
        }
        if (below(10) == 0)
                strcat(out, "/");
}

/* Half the time, a name that exists: the canonical path of a random model row. */
static void
gen_source(char *out)
{
        char dir[8192];
        int e;

        if (nme == 0 || below(2)) {
                gen_path(out, true);
                return;
        }
        e = below(nme);
        m_canon(me[e].dir, dir);
        if (strlen(dir) > 150) {
                gen_path(out, true);
                return;
        }
        snprintf(out, 200, "%s%s%s%s", dir, me[e].dir == ROOT ? "" : "/", me[e].name,
                 below(8) ? "" : "/");
}

/* ---- Comparing the two -------------------------------------------------------- */

static void
check_map(int id, uint64_t ino, const char *where)
{
        if (mn[id].ino == 0) {
                for (int i = 0; i < nmn; i++)
                        if (!mn[i].freed && mn[i].ino == ino)
                                FAIL("%s: inode %llu stands for two model nodes", where,
                                     (unsigned long long)ino);
                mn[id].ino = ino;
        } else if (mn[id].ino != ino) {
                FAIL("%s: model node %d is inode %llu, memfs says %llu", where, id,
                     (unsigned long long)mn[id].ino, (unsigned long long)ino);
        }
}

static void
compare_node(int id, struct memfs_node *n, const char *where)
{
        struct memfs_stat st;
        static unsigned char buf[1 << 17];
        size_t got;

        memfs_stat(fs, n, &st);
        check_map(id, st.ino, where);
        if ((int)(st.mode & MEMFS_S_IFMT) != mn[id].type)
                FAIL("%s: type %o, model %o", where, st.mode & MEMFS_S_IFMT, mn[id].type);
        if (st.nlink != mn[id].nlink)
                FAIL("%s: nlink %u, model %u", where, st.nlink, mn[id].nlink);
        if (mn[id].type == MEMFS_S_IFDIR)
                return;
        if (st.size != mn[id].size)
                FAIL("%s: size %llu, model %zu", where, (unsigned long long)st.size,
                     mn[id].size);
        if (mn[id].type == MEMFS_S_IFREG && st.size == mn[id].size) {
                memfs_read(fs, n, 0, buf, sizeof buf, &got);
                if (got != mn[id].size || (got && memcmp(buf, mn[id].data, got)))
                        FAIL("%s: file bytes differ", where);
        }
}

struct listing {
        int n;
        char name[64][64];
        uint64_t ino[64];
};

struct batch {
        int n, cap;
        struct listing *l;
};

static bool
list_one(void *ctx, const struct memfs_dirent *d)
{
        struct batch *b = ctx;
        struct listing *l = b->l;

        if (b->n == b->cap)
                return false;
        if (l->n + b->n < 64) {
                snprintf(l->name[l->n + b->n], 64, "%.*s", (int)d->name_len, d->name);
                l->ino[l->n + b->n] = d->ino;
        }
        b->n++;
        return true;
}

/*
 * Lists a directory in small batches, as getdents does with a small buffer: only the
 * entries memfs says to keep are kept; a batch that can keep nothing is retried bigger.
 */
static void
list_dir(struct memfs_node *d, struct listing *l, const char *path)
{
        uint64_t cookie = below(MEMFS_COOKIE_FIRST);
        int cap = 1 + below(4), guard = 0;

        while (cookie != MEMFS_COOKIE_END && ++guard < 1000) {
                struct batch b = { 0, cap, l };
                size_t keep;
                int err = memfs_readdir(fs, d, &cookie, list_one, &b, &keep);

                if (err == EINVAL && keep == 0) {
                        cap *= 2;
                        continue;
                }
                if (err)
                        FAIL("%s: readdir %s", path, en(err));
                l->n += (int)keep;
        }
        if (guard >= 1000)
                FAIL("%s: readdir does not finish", path);
}

static void
compare_tree(int dir, struct memfs_node *d, const char *path, int depth)
{
        struct listing l = { 0 };
        char where[600];

        if (depth > 64) {
                FAIL("%s: tree deeper than the name space allows", path);
                return;
        }
        list_dir(d, &l, path);
        if (l.n != m_count(dir))
                FAIL("%s: %d entries, model %d", path, l.n, m_count(dir));
        for (int i = 0; i < l.n && i < 64 && !fails; i++) {
                int e = m_find(dir, l.name[i]);
                struct memfs_at at = { d, NULL, NULL };
                struct memfs_node *n;
                char body[300];
                size_t got;

                snprintf(where, sizeof where, "%s/%s", path, l.name[i]);
                if (e < 0) {
                        FAIL("%s: in memfs, not in the model", where);
                        return;
                }
                if (memfs_lookup(fs, &at, P(l.name[i]), 0, &n, NULL)) {
                        FAIL("%s: listed but not found", where);
                        return;
                }
                compare_node(me[e].child, n, where);
                if (mn[me[e].child].type == MEMFS_S_IFLNK) {
                        memfs_readlink(fs, &at, P(l.name[i]), body, sizeof body, &got);
                        if (got != strlen(mn[me[e].child].target) ||
                            memcmp(body, mn[me[e].child].target, got))
                                FAIL("%s: link body differs", where);
                }
                if (mn[me[e].child].type == MEMFS_S_IFDIR)
                        compare_tree(me[e].child, n, where, depth + 1);
        }
}

/* ---- One step ------------------------------------------------------------------- */

static int
pick_fd(bool used)
{
        int k = below(NFD);

        for (int i = 0; i < NFD; i++) {
                int j = (k + i) % NFD;

                if ((fds[j].id >= 0) == used)
                        return j;
        }
        return -1;
}

/* A directory to start relative paths from: the root, or an open directory. */
static void
pick_at(int *mid, struct memfs_at *at)
{
        int f = pick_fd(true);

        *mid = ROOT;
        at->dir = NULL;
        at->veto = NULL;
        if (f >= 0 && below(3) == 0 && mn[fds[f].id].type == MEMFS_S_IFDIR) {
                *mid = fds[f].id;
                at->dir = fds[f].node;
        }
}

/* How often each operation succeeded and failed, to see the mix is useful. */
static const char *op_names[] = { "open", "mkdir", "rmdir", "unlink", "symlink", "link",
                                  "rename", "lookup", "write", "truncate" };
static long op_ok[10], op_err[10];

static void
agree(const char *op, const char *a, const char *b, int me_, int got)
{
        for (int i = 0; i < 10; i++)
                if (!strcmp(op, op_names[i]))
                        (got ? op_err : op_ok)[i]++;
        if (me_ != got)
                FAIL("%s(%s%s%s): memfs %s, model %s", op, a, b ? ", " : "", b ? b : "",
                     en(got), en(me_));
}

static void
step(void)
{
        char a[200], b[200];
        struct memfs_at at;
        int mid, k = below(100), merr, err;

        pick_at(&mid, &at);
        gen_source(a);
        gen_path(b, true);
        if (k < 14) {                                   /* open */
                static const unsigned flag[] = { MEMFS_O_CREAT, MEMFS_O_EXCL, MEMFS_O_TRUNC,
                                                 MEMFS_O_DIRECTORY, MEMFS_O_NOFOLLOW,
                                                 MEMFS_O_WRITE };
                unsigned of = 0;
                int f = pick_fd(false), id = -1;
                struct memfs_node *n = NULL;
                struct memfs_path c;
                char mc[8192];

                for (int i = 0; i < 6; i++)
                        if (below(3) == 0)
                                of |= flag[i];
                if (below(2))
                        of |= MEMFS_O_CREAT;
                if (f < 0)
                        return;
                merr = m_open(mid, a, of, &id, mc);
                err = memfs_open(fs, &at, P(a), of, &test_attr, &n, &c);
                agree("open", a, NULL, merr, err);
                if (!err && !merr) {
                        if (strcmp(c.buf, mc))
                                FAIL("open(%s): canonical %s, model %s", a, c.buf, mc);
                        fds[f].id = id;
                        fds[f].node = n;
                        compare_node(id, n, a);
                }
        } else if (k < 22) {
                agree("mkdir", a, NULL, m_mkdir(mid, a), memfs_mkdir(fs, &at, P(a), &test_attr));
        } else if (k < 28) {
                agree("rmdir", a, NULL, m_rmdir(mid, a), memfs_rmdir(fs, &at, P(a)));
        } else if (k < 35) {
                agree("unlink", a, NULL, m_unlink(mid, a), memfs_unlink(fs, &at, P(a)));
        } else if (k < 43) {
                agree("symlink", b, a, m_symlink(b, mid, a),
                      memfs_symlink(fs, P(b), &at, P(a), &test_attr));
        } else if (k < 49) {
                bool fl = below(2);

                agree("link", a, b, m_link(mid, a, b, fl),
                      memfs_link(fs, &at, P(a), &at, P(b), fl ? MEMFS_LOOKUP_FOLLOW : 0));
        } else if (k < 61) {
                unsigned fl = below(4) == 0 ? MEMFS_RENAME_NOREPLACE : 0;

                agree("rename", a, b, m_rename(mid, a, b, fl),
                      memfs_rename(fs, &at, P(a), &at, P(b), fl));
        } else if (k < 70) {                            /* lookup, compare the path */
                bool fl = below(2);
                struct mres r;
                struct memfs_path c;
                struct memfs_node *n;

                merr = m_resolve(mid, a, false, fl, &r);
                err = memfs_lookup(fs, &at, P(a), fl ? MEMFS_LOOKUP_FOLLOW : 0, &n, &c);
                agree("lookup", a, NULL, merr, err);
                if (!err && !merr) {
                        if (strcmp(c.buf, r.canon))
                                FAIL("lookup(%s): canonical %s, model %s", a, c.buf, r.canon);
                        compare_node(r.node, n, a);
                }
        } else if (k < 82) {                            /* write */
                int f = pick_fd(true);
                unsigned char buf[6000];
                uint64_t off = below(4) ? below(3 * MEMFS_BLOCK) : below(1 << 16);
                size_t len = below(sizeof buf), done;

                if (f < 0)
                        return;
                for (size_t i = 0; i < len; i++)
                        buf[i] = (unsigned char)(tap_rand(&rng) | 1);
                err = memfs_write(fs, fds[f].node, off, buf, len, &done);
                merr = mn[fds[f].id].type == MEMFS_S_IFDIR ? EISDIR : 0;
                agree("write", "fd", NULL, merr, err);
                if (!err && done != len)
                        FAIL("write: short %zu of %zu", done, len);
                if (!merr && len)
                        m_write(fds[f].id, off, buf, len);
        } else if (k < 88) {                            /* truncate */
                int f = pick_fd(true);
                uint64_t size = below(3) ? below(2 * MEMFS_BLOCK) : below(1 << 16);

                if (f < 0)
                        return;
                err = memfs_truncate(fs, fds[f].node, size);
                merr = mn[fds[f].id].type == MEMFS_S_IFDIR ? EISDIR : 0;
                agree("truncate", "fd", NULL, merr, err);
                if (!merr)
                        m_truncate(fds[f].id, size);
        } else if (k < 94) {                            /* read and compare */
                int f = pick_fd(true);

                if (f >= 0 && mn[fds[f].id].type == MEMFS_S_IFREG)
                        compare_node(fds[f].id, fds[f].node, "open file");
        } else {                                        /* close */
                int f = pick_fd(true);

                if (f < 0)
                        return;
                mn[fds[f].id].refs--;
                m_maybe_free(fds[f].id);
                memfs_unref(fs, fds[f].node);
                fds[f].id = -1;
        }
}

static void
reset(void)
{
        for (int i = 0; i < nmn; i++)
                free(mn[i].data);
        nmn = nme = 0;
        m_new(MEMFS_S_IFDIR);
        mn[ROOT].nlink = 2;
        for (int i = 0; i < NFD; i++)
                fds[i].id = -1;
}

static int
run(uint64_t seed, int steps)
{
        rng = seed;
        reset();
        fs = test_fs(256 << 20);
        for (int s = 0; s < steps && !fails; s++) {
                const char *w;

                step();
                if ((w = memfs_check(fs)))
                        FAIL("memfs_check: %s", w);
                if (!fails)
                        compare_tree(ROOT, memfs_root(fs), "", 0);
                if (fails)
                        printf("# seed %llu step %d: %s\n", (unsigned long long)seed, s, why);
                if (nmn > MAXN - 10 || nme > MAXE - 10)
                        break;
        }
        for (int i = 0; i < NFD; i++)
                if (fds[i].id >= 0)
                        memfs_unref(fs, fds[i].node);
        if (!fails && memfs_check(fs))
                FAIL("memfs_check after closing: %s", memfs_check(fs));
        memfs_destroy(fs);
        return fails;
}

int
main(int argc, char **argv)
{
#ifndef MODEL_NAME
#define MODEL_NAME "model"
#endif
        uint64_t seed = tap_seed(argc, argv, MODEL_NAME);
        int runs = argc > 2 ? atoi(argv[2]) : 2000;
        int steps = argc > 3 ? atoi(argv[3]) : 200;

        tap_begin();
        for (int r = 0; r < runs && !fails; r++)
                run(seed + (uint64_t)r, steps);
        printf("#");
        for (int i = 0; i < 10; i++)
                printf(" %s %ld/%ld", op_names[i], op_ok[i], op_ok[i] + op_err[i]);
        printf(" (succeeded/tried)\n");
        if (fails)
                tap_fail("%s (seed above)", why);
        tap_end(MODEL_NAME);
        return tap_exit();
}
