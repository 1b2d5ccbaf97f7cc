/*
 * Directory tables: entries sorted by (key, name) where key is SipHash-2-4 of the name
 * under the file system's key, shifted into [MEMFS_COOKIE_FIRST, 2^62 + 4). The key
 * doubles as the readdir cookie: a scan walks keys upward, so it sees each name at most
 * once, and a name present throughout is seen exactly once, whatever is added or
 * removed meanwhile. A keyed hash keeps a client from piling names onto one key.
 * Tables only grow by allocating a new one first, so running out of budget leaves the
 * old table untouched.
 */
#include "memfs_internal.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sip_round(uint64_t v[4])
{
        v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
        v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64_t
load64le(const unsigned char *p)
{
        uint64_t x = 0;

        for (int i = 7; i >= 0; i--)
                x = x << 8 | p[i];
        return x;
}

/* SipHash-2-4 (Aumasson and Bernstein), 64-bit output. */
uint64_t memfs_siphash(const uint64_t k[2], const void *data, size_t len);

uint64_t
memfs_siphash(const uint64_t k[2], const void *data, size_t len)
{
        const unsigned char *p = data;
        uint64_t v[4] = { k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
                          k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull };
        uint64_t b = (uint64_t)len << 56, m;
        size_t i;

        for (i = 0; i + 8 <= len; i += 8) {
                m = load64le(p + i);
                v[3] ^= m;
                sip_round(v);
                sip_round(v);
                v[0] ^= m;
        }
        for (size_t j = 0; i + j < len; j++)
                b |= (uint64_t)p[i + j] << (8 * j);
        v[3] ^= b;
        sip_round(v);
        sip_round(v);
        v[0] ^= b;
        v[2] ^= 0xff;
        for (int r = 0; r < 4; r++)
                sip_round(v);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t
dir_key(const struct memfs *fs, const char *name, size_t len)
{
        uint64_t h = memfs_siphash(fs->cfg.hash_key, name, len) >> 2;

#ifdef MEMFS_TEST_KEY_BITS
        /* Tests only: a few bits, so that names share keys all the time. */
        h &= (1ull << MEMFS_TEST_KEY_BITS) - 1;
#endif
        return h + MEMFS_COOKIE_FIRST;
}

static int
dent_cmp(uint64_t key, const char *name, size_t len, const struct memfs_dent *e)
{
        size_t m = len < e->len ? len : e->len;
        int c;

        if (key != e->key)
                return key < e->key ? -1 : 1;
        c = memcmp(name, e->name, m);
        if (c)
                return c;
        return len < e->len ? -1 : len > e->len;
}

/* The entry for name, or NULL with *pos where it would go. */
struct memfs_dent *
dir_find(const struct memfs_node *dir, const char *name, size_t len, uint64_t key,
         uint32_t *pos)
{
        const struct memfs_dent *e = dir->u.dir.ents;
        uint32_t lo = 0, n = dir->u.dir.count;

        /* Lower bound on the key alone (a hash: names rarely need comparing). */
        while (n > 0) {
                uint32_t half = n / 2;

                if (e[lo + half].key < key) {
                        lo += half + 1;
                        n -= half + 1;
                } else {
                        n = half;
                }
        }
        for (; lo < dir->u.dir.count && e[lo].key == key; lo++) {
                int c = dent_cmp(key, name, len, &e[lo]);

                if (c == 0) {
                        if (pos)
                                *pos = lo;
                        return (struct memfs_dent *)&e[lo];
                }
                if (c < 0)
                        break;
        }
        if (pos)
                *pos = lo;
        return NULL;
}

/* Makes room for one more entry; the only step of an insertion that can fail. */
int
dir_reserve(struct memfs *fs, struct memfs_node *dir)
{
        uint32_t cap = dir->u.dir.cap, ncap;
        struct memfs_dent *t;

        if (dir->u.dir.count < cap)
                return 0;
        if (cap >= UINT32_MAX / 2)
                return ENOSPC;
        ncap = cap ? cap * 2 : 4;
        t = fs_alloc(fs, (size_t)ncap * sizeof *t);
        if (!t)
                return ENOSPC;
        if (cap)
                memcpy(t, dir->u.dir.ents, (size_t)dir->u.dir.count * sizeof *t);
        fs_free(fs, dir->u.dir.ents, (size_t)cap * sizeof *t);
        dir->u.dir.ents = t;
        dir->u.dir.cap = ncap;
        return 0;
}

char *
name_dup(struct memfs *fs, const char *name, size_t len)
{
        char *p = fs_alloc(fs, len);

        if (p)
                memcpy(p, name, len);
        return p;
}

void
dir_insert(struct memfs_node *dir, uint32_t pos, uint64_t key, char *name, size_t len,
           struct memfs_node *node)
{
        struct memfs_dent *e = dir->u.dir.ents;

        MEMFS_ASSERT(dir->u.dir.count < dir->u.dir.cap && pos <= dir->u.dir.count);
        memmove(&e[pos + 1], &e[pos], (size_t)(dir->u.dir.count - pos) * sizeof *e);
        e[pos] = (struct memfs_dent){ key, node, name, (uint32_t)len };
        dir->u.dir.count++;
        if (node_is_dir(node)) {
                node->u.dir.parent = dir;
                node->u.dir.name = name;
                node->u.dir.name_len = (uint32_t)len;
        }
}

/* Shrinks a table that has become mostly empty, when the allocator allows. */
static void
dir_maybe_shrink(struct memfs *fs, struct memfs_node *dir)
{
        uint32_t cap = dir->u.dir.cap, ncap = cap / 2;
        struct memfs_dent *t;

        if (dir->u.dir.count == 0) {
                fs_free(fs, dir->u.dir.ents, (size_t)cap * sizeof *t);
                dir->u.dir.ents = NULL;
                dir->u.dir.cap = 0;
                return;
        }
        if (cap <= 8 || dir->u.dir.count > cap / 4)
                return;
        t = fs_alloc(fs, (size_t)ncap * sizeof *t);
        if (!t)
                return;
        memcpy(t, dir->u.dir.ents, (size_t)dir->u.dir.count * sizeof *t);
        fs_free(fs, dir->u.dir.ents, (size_t)cap * sizeof *t);
        dir->u.dir.ents = t;
        dir->u.dir.cap = ncap;
}

/* Removes the entry at pos and frees its name (the inode is the caller's business). */
void
dir_remove(struct memfs *fs, struct memfs_node *dir, uint32_t pos)
{
        struct memfs_dent *e = dir->u.dir.ents;

        MEMFS_ASSERT(pos < dir->u.dir.count);
        tree_changed(fs);
        fs_free(fs, e[pos].name, e[pos].len);
        memmove(&e[pos], &e[pos + 1], (size_t)(dir->u.dir.count - pos - 1) * sizeof *e);
        dir->u.dir.count--;
        dir_maybe_shrink(fs, dir);
}

void
dir_free_table(struct memfs *fs, struct memfs_node *dir)
{
        for (uint32_t i = 0; i < dir->u.dir.count; i++)
                fs_free(fs, dir->u.dir.ents[i].name, dir->u.dir.ents[i].len);
        fs_free(fs, dir->u.dir.ents, (size_t)dir->u.dir.cap * sizeof(struct memfs_dent));
        dir->u.dir.ents = NULL;
        dir->u.dir.count = dir->u.dir.cap = 0;
}

/* Is directory a equal to d or above it? */
bool
dir_is_ancestor(const struct memfs_node *a, const struct memfs_node *d)
{
        for (; d; d = d->u.dir.parent)
                if (d == a)
                        return true;
        return false;
}

int
memfs_dir_path(struct memfs *fs, const struct memfs_node *dir, struct memfs_path *out)
{
        size_t len = 0, at;
        const struct memfs_node *d;

        if (!node_is_dir(dir))
                return ENOTDIR;
        if (dir->nlink == 0)
                return ENOENT;
        for (d = dir; d != fs->root; d = d->u.dir.parent) {
                len += 1 + d->u.dir.name_len;
                if (len >= MEMFS_PATH_MAX)
                        return ENAMETOOLONG;
        }
        if (len == 0) {
                out->buf[0] = '/';
                out->buf[1] = '\0';
                out->len = 1;
                return 0;
        }
        out->len = len;
        out->buf[len] = '\0';
        at = len;
        for (d = dir; d != fs->root; d = d->u.dir.parent) {
                at -= d->u.dir.name_len;
                memcpy(out->buf + at, d->u.dir.name, d->u.dir.name_len);
                out->buf[--at] = '/';
        }
        return 0;
}

static uint8_t
dt_of(const struct memfs_node *n)
{
        return node_is_dir(n) ? MEMFS_DT_DIR : node_is_reg(n) ? MEMFS_DT_REG : MEMFS_DT_LNK;
}

int
memfs_readdir(struct memfs *fs, struct memfs_node *dir, uint64_t *cookie,
              memfs_emit_fn emit, void *ctx, size_t *keep)
{
        const struct memfs_dent *e = dir->u.dir.ents;
        uint32_t n, i, lo = 0, group = 0;
        uint64_t c = *cookie < MEMFS_COOKIE_FIRST ? MEMFS_COOKIE_FIRST : *cookie;
        size_t emitted = 0, kept = 0;

        *keep = 0;
        if (!node_is_dir(dir))
                return ENOTDIR;
        n = dir->u.dir.count;
        for (uint32_t hi = n; lo < hi;) {       /* first entry with key >= c */
                uint32_t mid = lo + (hi - lo) / 2;

                if (e[mid].key < c)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (i = lo; i < n && c < MEMFS_COOKIE_END; i++) {
                bool last_of_key = i + 1 == n || e[i + 1].key != e[i].key;
                struct memfs_dirent d = {
                        e[i].node->ino, last_of_key ? e[i].key + 1 : e[i].key,
                        dt_of(e[i].node), e[i].len, e[i].name };

                if (i == lo || e[i].key != e[i - 1].key) {
                        group = i;
                        kept = emitted;
                }
                if (!emit(ctx, &d)) {
                        *keep = kept;
                        *cookie = e[group].key;
                        memfs_accessed(fs, dir);
                        return kept ? 0 : EINVAL;
                }
                emitted++;
        }
        *keep = emitted;
        *cookie = MEMFS_COOKIE_END;
        memfs_accessed(fs, dir);
        return 0;
}
