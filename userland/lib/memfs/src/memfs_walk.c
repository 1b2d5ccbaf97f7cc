/*
 * Path resolution. The path still to walk is a stack of byte ranges: the caller's
 * path at the bottom and, above it, the unread rest of each symlink body being
 * followed (at most MEMFS_SYMLOOP_MAX of them), so no body is ever copied or glued to
 * another. While walking, canon holds the canonical path of the current directory
 * (empty for the root): a name appends "/name", '..' cuts the last component, an
 * absolute symlink empties it. Because every directory has exactly one parent and
 * one name, that string is the directory's true path, which is what policy globs are
 * matched against: keep the two in step when changing anything here.
 */
#include "memfs_internal.h"

struct seg {
        const char *s;
        size_t n;
};

/* struct memfs_parent less its path, which the walk keeps in walk.canon. */
struct walk_res {
        struct memfs_node *parent, *node;
        enum memfs_last last;
        bool trailing;
        size_t name_len;
        char name[MEMFS_NAME_MAX + 1];
        size_t parent_len;
};

struct walk {
        struct memfs *fs;
        const struct memfs_at *at;
        struct memfs_node *dir;
        struct memfs_path *canon;
        struct seg seg[MEMFS_SYMLOOP_MAX + 1];
        int nseg;
        int links;
        bool looked;                    /* the veto was asked of a step before the last */
};

static const char *
canon_str(struct walk *w)
{
        return w->canon->len ? w->canon->buf : "/";
}

static int
veto(struct walk *w, enum memfs_step_kind kind, int which, const struct memfs_node *node,
     const char *path, size_t path_len, const char *target, size_t target_len)
{
        struct memfs_step st = { kind, which, node, path, path_len, target, target_len };

        if (kind != MEMFS_STEP_FINAL)
                w->looked = true;
        if (!w->at || !w->at->veto)
                return 0;
        return w->at->veto(w->at->ctx, &st);
}

/* Appends "/name" to canon (ENAMETOOLONG past PATH_MAX). */
static int
canon_push(struct memfs_path *c, const char *name, size_t len)
{
        if (c->len + 1 + len >= MEMFS_PATH_MAX)
                return ENAMETOOLONG;
        c->buf[c->len] = '/';
        memcpy(c->buf + c->len + 1, name, len);
        c->len += 1 + len;
        c->buf[c->len] = '\0';
        return 0;
}

static void
canon_pop(struct memfs_path *c)
{
        while (c->len && c->buf[c->len - 1] != '/')
                c->len--;
        if (c->len)
                c->len--;
        c->buf[c->len] = '\0';
}

/* Makes canon presentable: "/" for the root. */
static void
canon_finish(struct memfs_path *c)
{
        if (c->len == 0) {
                c->buf[0] = '/';
                c->len = 1;
        }
        c->buf[c->len] = '\0';
}

static int
walk_start(struct walk *w, struct memfs *fs, const struct memfs_at *at, const char *path,
           size_t len, struct memfs_path *canon)
{
        int err;

        w->fs = fs;
        w->at = at;
        w->canon = canon;
        w->nseg = 0;
        w->links = 0;
        w->looked = false;
        if (len == 0)
                return ENOENT;
        if (len >= MEMFS_PATH_MAX)
                return ENAMETOOLONG;
        if (memchr(path, '\0', len))
                return EINVAL;
        w->dir = path[0] == '/' || !at || !at->dir ? fs->root : at->dir;
        if (w->dir == fs->root) {
                canon->len = 0;
                canon->buf[0] = '\0';
        } else {
                err = memfs_dir_path(fs, w->dir, canon);
                if (err)
                        return err;
        }
        w->seg[w->nseg++] = (struct seg){ path, len };
        return 0;
}

/* Takes the next component; false when the path is used up. */
static bool
next_name(struct walk *w, const char **name, size_t *len)
{
        while (w->nseg) {
                struct seg *s = &w->seg[w->nseg - 1];
                size_t k = 0;

                while (s->n && *s->s == '/') {
                        s->s++;
                        s->n--;
                }
                if (!s->n) {
                        w->nseg--;
                        continue;
                }
                while (k < s->n && s->s[k] != '/')
                        k++;
                *name = s->s;
                *len = k;
                s->s += k;
                s->n -= k;
                return true;
        }
        return false;
}

/* After a component: is it the last one, and did a slash follow it? */
static void
rest_of_path(const struct walk *w, bool *last, bool *trailing)
{
        *last = true;
        *trailing = false;
        for (int i = w->nseg - 1; i >= 0; i--)
                for (size_t k = 0; k < w->seg[i].n; k++) {
                        if (w->seg[i].s[k] != '/') {
                                *last = false;
                                return;
                        }
                        *trailing = true;
                }
}

static bool
is_dot(const char *name, size_t len)
{
        return len == 1 && name[0] == '.';
}

static bool
is_dotdot(const char *name, size_t len)
{
        return len == 2 && name[0] == '.' && name[1] == '.';
}

static int
go_up(struct walk *w)
{
        int err = veto(w, MEMFS_STEP_DOTDOT, 0, w->dir, canon_str(w), w->canon->len ?
                       w->canon->len : 1, NULL, 0);

        if (err)
                return err;
        if (w->dir != w->fs->root) {
                w->dir = w->dir->u.dir.parent;
                canon_pop(w->canon);
        }
        return 0;
}

static struct memfs_node *
find(struct walk *w, const char *name, size_t len)
{
        struct memfs_dent *e = dir_find(w->dir, name, len, dir_key(w->fs, name, len), NULL);

        return e ? e->node : NULL;
}

/* Pushes the body of link (named name in the current directory) onto the path. */
static int
follow(struct walk *w, struct memfs_node *link, const char *name, size_t len)
{
        struct memfs_path *c = w->canon;
        size_t saved = c->len;
        int err;

        if (++w->links > MEMFS_SYMLOOP_MAX)
                return ELOOP;
        err = canon_push(c, name, len);
        if (err)
                return err;
        err = veto(w, MEMFS_STEP_SYMLINK, 0, link, c->buf, c->len, link->u.lnk.target,
                   link->size);
        c->len = saved;
        c->buf[saved] = '\0';
        if (err)
                return err;
        MEMFS_ASSERT(w->nseg <= MEMFS_SYMLOOP_MAX);
        w->seg[w->nseg++] = (struct seg){ link->u.lnk.target, link->size };
        if (link->u.lnk.target[0] == '/') {
                w->dir = w->fs->root;
                c->len = 0;
                c->buf[0] = '\0';
        }
        return 0;
}

/* name (in the current directory) is no directory, yet the path goes on: ENOTDIR,
 * unless the veto, seeing its path, answers another error (one that must not reveal
 * that something is there says ENOENT). */
static int
not_dir(struct walk *w, const struct memfs_node *n, const char *name, size_t len)
{
        struct memfs_path *c = w->canon;
        size_t saved = c->len;
        int err = canon_push(c, name, len);

        if (!err)
                err = veto(w, MEMFS_STEP_NOTDIR, 0, n, c->buf, c->len, NULL, 0);
        c->len = saved;
        c->buf[saved] = '\0';
        return err ? err : ENOTDIR;
}

/* A component that is not the last: it must lead to a directory. */
static int
step(struct walk *w, const char *name, size_t len)
{
        struct memfs_node *n;

        if (is_dot(name, len))
                return 0;
        if (is_dotdot(name, len))
                return go_up(w);
        if (len > MEMFS_NAME_MAX)
                return ENAMETOOLONG;
        n = find(w, name, len);
        if (!n)
                return ENOENT;
        if (node_is_link(n))
                return follow(w, n, name, len);
        if (!node_is_dir(n))
                return not_dir(w, n, name, len);
        w->dir = n;
        return canon_push(w->canon, name, len);
}

static void
result_at_dir(struct walk *w, struct walk_res *r, enum memfs_last last)
{
        r->parent = w->dir;
        r->node = w->dir;
        r->last = last;
        r->name_len = 0;
        r->name[0] = '\0';
        canon_finish(w->canon);
        r->parent_len = w->canon->len;
}

/*
 * The common walk. On return r describes the final component (see struct
 * memfs_parent); final symlinks are followed when follow_last, or, when !parent_mode,
 * also when a slash follows them.
 */
static int
walk(struct walk *w, bool parent_mode, bool follow_last, int which, struct walk_res *r)
{
        const char *name;
        size_t len;
        bool last, trailing;
        struct memfs_node *n;
        int err;

        for (;;) {
                if (!next_name(w, &name, &len)) {       /* "/" or a body "/" */
                        result_at_dir(w, r, MEMFS_LAST_ROOT);
                        r->trailing = true;
                        break;
                }
                rest_of_path(w, &last, &trailing);
                if (!last) {
                        err = step(w, name, len);
                        if (err)
                                return err;
                        continue;
                }
                r->trailing = trailing;
                if (is_dot(name, len)) {
                        result_at_dir(w, r, MEMFS_LAST_DOT);
                        break;
                }
                if (is_dotdot(name, len)) {
                        err = go_up(w);
                        if (err)
                                return err;
                        result_at_dir(w, r, MEMFS_LAST_DOTDOT);
                        break;
                }
                if (len > MEMFS_NAME_MAX)
                        return ENAMETOOLONG;
                n = find(w, name, len);
                /*
                 * A slash after a final link follows it in a lookup; in parent mode
                 * it stops there (open(O_CREAT) then says EISDIR without looking on).
                 */
                if (n && node_is_link(n) &&
                    (parent_mode ? follow_last && !trailing : follow_last || trailing)) {
                        err = follow(w, n, name, len);
                        if (err)
                                return err;
                        continue;
                }
                r->parent = w->dir;
                r->node = n;
                r->last = MEMFS_LAST_NORM;
                memcpy(r->name, name, len);
                r->name[len] = '\0';
                r->name_len = len;
                canon_finish(w->canon);
                r->parent_len = w->canon->len;
                if (w->canon->len == 1)
                        w->canon->len = 0;      /* "/" + "/name" would double the slash */
                err = canon_push(w->canon, name, len);
                if (err)
                        return err;
                break;
        }
        if (!parent_mode) {
                if (!r->node)
                        return ENOENT;
                if (r->trailing && !node_is_dir(r->node)) {
                        int e = veto(w, MEMFS_STEP_NOTDIR, 0, r->node, w->canon->buf,
                                     w->canon->len, NULL, 0);

                        return e ? e : ENOTDIR;
                }
        }
        return veto(w, MEMFS_STEP_FINAL, which, r->node, w->canon->buf, w->canon->len,
                    NULL, 0);
}

int
walk_parent(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
            bool follow_last, int which, struct memfs_parent *r)
{
        struct walk_res wr;
        struct walk w;
        int err = walk_start(&w, fs, at, path, len, &r->canon);

        if (err)
                return err;
        err = walk(&w, true, follow_last, which, &wr);
        if (err)
                return err;
        r->parent = wr.parent;
        r->node = wr.node;
        r->last = wr.last;
        r->trailing = wr.trailing;
        r->name_len = wr.name_len;
        memcpy(r->name, wr.name, wr.name_len + 1);
        r->parent_len = wr.parent_len;
        return 0;
}

/*
 * The lookup cache (memfs_internal.h, struct lookup_cache): an absolute path looked up
 * as it was last time, with the tree unchanged since, reaches the same node by the same
 * canonical path; only the veto's final look is made again (only walks that asked it
 * nothing else are kept: no '..', no link). True when it answered, *err its answer.
 */
static bool
lookup_cached(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
              bool follow_last, int which, struct memfs_node **out, struct memfs_path *canon,
              int *err)
{
        const struct lookup_cache *c = &fs->lookup;
        struct walk w = { .fs = fs, .at = at, .canon = canon };

        if (c->gen != fs->tree_gen || c->len != len || c->follow != follow_last ||
            memcmp(c->path, path, len) != 0)
                return false;
        memcpy(canon->buf, c->canon, c->canon_len + 1);
        canon->len = c->canon_len;
        fs->lookup_hits++;
        *err = veto(&w, MEMFS_STEP_FINAL, which, c->node, canon->buf, canon->len, NULL, 0);
        if (!*err)
                *out = c->node;
        return true;
}

static void
lookup_keep(struct memfs *fs, const char *path, size_t len, bool follow_last,
            struct memfs_node *node, const struct memfs_path *canon)
{
        struct lookup_cache *c = &fs->lookup;

        if (path[0] != '/' || len >= MEMFS_CACHE_PATH || canon->len >= MEMFS_CACHE_PATH)
                return;
        c->gen = fs->tree_gen;
        c->follow = follow_last;
        c->len = len;
        memcpy(c->path, path, len);
        c->node = node;
        c->canon_len = canon->len;
        memcpy(c->canon, canon->buf, canon->len + 1);
}

int
walk_lookup(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
            bool follow_last, int which, struct memfs_node **out, struct memfs_path *canon)
{
        struct walk_res r;
        struct walk w;
        int err;

        *out = NULL;
        if (len && path[0] == '/' &&
            lookup_cached(fs, at, path, len, follow_last, which, out, canon, &err))
                return err;
        err = walk_start(&w, fs, at, path, len, canon);
        if (!err)
                err = walk(&w, false, follow_last, which, &r);
        if (!err) {
                *out = r.node;
                if (!w.looked)  /* a walk with other looks (.., links) is walked again */
                        lookup_keep(fs, path, len, follow_last, r.node, canon);
        }
        return err;
}

uint64_t
memfs_lookup_hits(const struct memfs *fs)
{
        return fs->lookup_hits;
}

int
memfs_lookup(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
             unsigned flags, struct memfs_node **out, struct memfs_path *canon)
{
        struct memfs_path scratch;

        return walk_lookup(fs, at, path, len, flags & MEMFS_LOOKUP_FOLLOW, 0, out,
                           canon ? canon : &scratch);
}

int
memfs_lookup_parent(struct memfs *fs, const struct memfs_at *at, const char *path,
                    size_t len, bool follow_last, struct memfs_parent *out)
{
        return walk_parent(fs, at, path, len, follow_last, 0, out);
}
