/*
 * File data: a radix tree of 4 KiB blocks (see memfs_internal.h). Writes allocate the
 * path to one block at a time, so running out of budget stops a write at a block
 * boundary with everything before it in place. Invariant: no block lies wholly at or
 * past the size, and the bytes past the size in the last block are zero.
 */
#include "memfs_internal.h"

static uint64_t
radix_cap(unsigned height)          /* blocks a tree of this height can index */
{
        return (uint64_t)1 << (RADIX_BITS * height);
}

/* The slot holding block bno, allocating index nodes when alloc; NULL if absent/no room. */
static void **
radix_slot(struct memfs *fs, struct memfs_node *n, uint64_t bno, bool alloc)
{
        void **slot;

        while (bno >= radix_cap(n->u.file.height)) {
                if (!alloc)
                        return NULL;
                MEMFS_ASSERT(n->u.file.height < RADIX_MAXH);
                if (n->u.file.root) {
                        void **idx = fs_zalloc(fs, RADIX_FAN * sizeof(void *));

                        if (!idx)
                                return NULL;
                        idx[0] = n->u.file.root;
                        n->u.file.root = idx;
                        n->u.file.nindex++;
                }
                n->u.file.height++;
        }
        slot = &n->u.file.root;
        for (unsigned h = n->u.file.height; h > 0; h--) {
                void **idx = *slot;

                if (!idx) {
                        if (!alloc)
                                return NULL;
                        idx = fs_zalloc(fs, RADIX_FAN * sizeof(void *));
                        if (!idx)
                                return NULL;
                        *slot = idx;
                        n->u.file.nindex++;
                }
                slot = &idx[(bno >> (RADIX_BITS * (h - 1))) & (RADIX_FAN - 1)];
        }
        return slot;
}

static void *
block_get(struct memfs *fs, struct memfs_node *n, uint64_t bno)
{
        void **slot = radix_slot(fs, n, bno, false);

        return slot ? *slot : NULL;
}

/* Frees every block numbered >= keep under *slot; frees index nodes left empty. */
static bool
radix_prune(struct memfs *fs, struct memfs_node *n, void **slot, unsigned h, uint64_t base,
            uint64_t keep)
{
        void **idx = *slot;
        bool empty = true;

        if (!idx)
                return true;
        if (h == 0) {
                if (base < keep)
                        return false;
                fs_free(fs, idx, MEMFS_BLOCK);
                n->u.file.nblocks--;
                *slot = NULL;
                return true;
        }
        for (unsigned i = 0; i < RADIX_FAN; i++) {
                uint64_t child = base + (uint64_t)i * radix_cap(h - 1);

                if (child + radix_cap(h - 1) <= keep) {
                        if (idx[i])
                                empty = false;
                        continue;
                }
                if (!radix_prune(fs, n, &idx[i], h - 1, child, keep))
                        empty = false;
        }
        if (!empty)
                return false;
        fs_free(fs, idx, RADIX_FAN * sizeof(void *));
        n->u.file.nindex--;
        *slot = NULL;
        return true;
}

void
file_free_blocks(struct memfs *fs, struct memfs_node *n)
{
        radix_prune(fs, n, &n->u.file.root, n->u.file.height, 0, 0);
        n->u.file.height = 0;
}

void
file_shrink(struct memfs *fs, struct memfs_node *n, uint64_t size)
{
        uint64_t keep = (size + MEMFS_BLOCK - 1) / MEMFS_BLOCK;
        char *last;

        MEMFS_ASSERT(size <= n->size);
        radix_prune(fs, n, &n->u.file.root, n->u.file.height, 0, keep);
        if (!n->u.file.root)
                n->u.file.height = 0;
        if (size % MEMFS_BLOCK && (last = block_get(fs, n, size / MEMFS_BLOCK)))
                memset(last + size % MEMFS_BLOCK, 0, MEMFS_BLOCK - size % MEMFS_BLOCK);
        n->size = size;
}

static int
check_data_node(const struct memfs_node *n)
{
        if (node_is_dir(n))
                return EISDIR;
        if (!node_is_reg(n))
                return EINVAL;
        return 0;
}

int
memfs_read_span(struct memfs *fs, struct memfs_node *n, uint64_t off, const void **data,
                size_t *len)
{
        int err = check_data_node(n);
        uint64_t in = off % MEMFS_BLOCK, left;
        char *b;

        *data = NULL;
        *len = 0;
        if (err)
                return err;
        if (off >= n->size)
                return 0;
        left = n->size - off;
        *len = (size_t)(left < MEMFS_BLOCK - in ? left : MEMFS_BLOCK - in);
        b = block_get(fs, n, off / MEMFS_BLOCK);
        *data = b ? b + in : NULL;
        return 0;
}

int
memfs_write_span(struct memfs *fs, struct memfs_node *n, uint64_t off, size_t len,
                 void **data, size_t *got)
{
        int err = check_data_node(n);
        uint64_t in = off % MEMFS_BLOCK;
        void **slot;

        *data = NULL;
        *got = 0;
        if (err)
                return err;
        if (off >= MEMFS_FILE_MAX)
                return EFBIG;
        if (len > MEMFS_BLOCK - in)
                len = (size_t)(MEMFS_BLOCK - in);
        if (len == 0)
                return 0;
        slot = radix_slot(fs, n, off / MEMFS_BLOCK, true);
        if (!slot)
                return ENOSPC;
        if (!*slot) {
                *slot = fs_zalloc(fs, MEMFS_BLOCK);
                if (!*slot)
                        return ENOSPC;
                n->u.file.nblocks++;
        }
        if (off + len > n->size)
                n->size = off + len;
        node_touch_mc(fs, n);
        *data = (char *)*slot + in;
        *got = len;
        return 0;
}

int
memfs_read(struct memfs *fs, struct memfs_node *n, uint64_t off, void *buf, size_t len,
           size_t *got)
{
        size_t done = 0;
        int err = check_data_node(n);

        *got = 0;
        if (err)
                return err;
        while (done < len) {
                const void *p;
                size_t k;

                memfs_read_span(fs, n, off + done, &p, &k);
                if (k == 0)
                        break;
                if (k > len - done)
                        k = len - done;
                if (p)
                        memcpy((char *)buf + done, p, k);
                else
                        memset((char *)buf + done, 0, k);
                done += k;
        }
        if (len)
                memfs_accessed(fs, n);
        *got = done;
        return 0;
}

int
memfs_write(struct memfs *fs, struct memfs_node *n, uint64_t off, const void *buf, size_t len,
            size_t *done)
{
        int err = check_data_node(n);

        *done = 0;
        if (err)
                return err;
        if (len == 0)
                return 0;
        if (off >= MEMFS_FILE_MAX)
                return EFBIG;
        if (len > MEMFS_FILE_MAX - off)
                len = (size_t)(MEMFS_FILE_MAX - off);
        while (*done < len) {
                void *p;
                size_t k;

                err = memfs_write_span(fs, n, off + *done, len - *done, &p, &k);
                if (err)
                        return *done ? 0 : err;
                memcpy(p, (const char *)buf + *done, k);
                *done += k;
        }
        return 0;
}

int
memfs_truncate(struct memfs *fs, struct memfs_node *n, uint64_t size)
{
        int err = check_data_node(n);

        if (err)
                return err;
        if (size > MEMFS_FILE_MAX)
                return EFBIG;
        if (size < n->size)
                file_shrink(fs, n, size);
        else
                n->size = size;         /* growing makes a hole: nothing to allocate */
        node_touch_mc(fs, n);
        return 0;
}

/* Counts data blocks, checking none lies past the size; *why set on a broken file. */
static uint64_t
count_rec(void *p, unsigned h, uint64_t base, const struct memfs_node *n, uint64_t *index,
          const char **why)
{
        uint64_t c = 0;

        if (!p)
                return 0;
        if (h == 0) {
                const unsigned char *b = p;

                if (base * MEMFS_BLOCK >= n->size)
                        *why = "file block past the end of file";
                else if (n->size - base * MEMFS_BLOCK < MEMFS_BLOCK)
                        for (uint64_t i = n->size - base * MEMFS_BLOCK; i < MEMFS_BLOCK; i++)
                                if (b[i])
                                        *why = "nonzero byte past the end of file";
                return 1;
        }
        ++*index;
        for (unsigned i = 0; i < RADIX_FAN; i++)
                c += count_rec(((void **)p)[i], h - 1, base + i * radix_cap(h - 1), n, index,
                               why);
        return c;
}

uint64_t
file_count(const struct memfs_node *n, uint64_t *index, const char **why)
{
        *index = 0;
        return count_rec(n->u.file.root, n->u.file.height, 0, n, index, why);
}
