/*
 * memfs_check: recomputes everything the file system keeps incrementally and compares.
 * Invariants (see README.md): every entry names a live inode on fs->all; names are
 * valid and a table is strictly sorted by (key, name) with key = hash(name); a linked
 * directory has one entry naming it, in its recorded parent, under its recorded name,
 * and following parents reaches the root (no cycles); nlink of a file or link = its
 * entries, of a linked directory = 2 + subdirectories; an inode without entries is
 * open (else it leaked); file blocks respect the size; used = the sum of everything
 * allocated <= budget. Costs O(inodes * depth): for tests, not the server's fast path.
 */
#include "memfs_internal.h"

/* Pass 1 (count): validates a table and counts entries per inode. Pass 2: sizes. */
static const char *
check_names(struct memfs *fs, struct memfs_node *d, bool count, uint64_t *bytes,
            uint64_t *subdirs)
{
        const struct memfs_dent *e = d->u.dir.ents;

        *subdirs = 0;
        if (d->u.dir.count > d->u.dir.cap)
                return "directory count exceeds its table";
        *bytes += (uint64_t)d->u.dir.cap * sizeof *e;
        for (uint32_t i = 0; i < d->u.dir.count; i++) {
                if (e[i].len == 0 || e[i].len > MEMFS_NAME_MAX)
                        return "entry name length out of range";
                if (memchr(e[i].name, '/', e[i].len) || memchr(e[i].name, '\0', e[i].len))
                        return "entry name holds '/' or NUL";
                if ((e[i].len == 1 && e[i].name[0] == '.') ||
                    (e[i].len == 2 && e[i].name[0] == '.' && e[i].name[1] == '.'))
                        return "entry named . or ..";
                if (e[i].key != dir_key(fs, e[i].name, e[i].len))
                        return "entry key is not the hash of its name";
                if (i > 0 && dir_find(d, e[i].name, e[i].len, e[i].key, NULL) != &e[i])
                        return "entries out of order or duplicated";
                if (count)
                        e[i].node->check_links++;
                *bytes += e[i].len;
                if (node_is_dir(e[i].node)) {
                        ++*subdirs;
                        if (e[i].node->u.dir.parent != d)
                                return "directory's parent is not where its entry is";
                        if (e[i].node->u.dir.name != e[i].name ||
                            e[i].node->u.dir.name_len != e[i].len)
                                return "directory's name is not its entry's";
                }
        }
        return NULL;
}

static const char *
check_dir_place(struct memfs *fs, struct memfs_node *n)
{
        const struct memfs_node *d = n;

        if (n == fs->root)
                return n->check_links ? "the root has an entry" : NULL;
        if (n->nlink == 0)
                return n->check_links || n->u.dir.count ? "removed directory still in use" :
                       NULL;
        if (n->check_links != 1)
                return "directory with other than one entry";
        for (uint64_t steps = 0; d != fs->root; d = d->u.dir.parent)
                if (!d || ++steps > fs->nnodes)
                        return "directory not under the root (cycle or detached)";
        return NULL;
}

static const char *
check_node(struct memfs *fs, struct memfs_node *n, uint64_t *bytes)
{
        const char *why = NULL;
        uint64_t subdirs, index, blocks;

        *bytes += sizeof *n;
        if (n->nlink == 0 && n->refs == 0)
                return "inode with neither names nor references";
        if (node_is_dir(n)) {
                if ((why = check_dir_place(fs, n)))
                        return why;
                if ((why = check_names(fs, n, false, bytes, &subdirs)))
                        return why;
                if (n->nlink && n->nlink != 2 + subdirs)
                        return "directory nlink is not 2 + subdirectories";
                return NULL;
        }
        if (!node_is_reg(n) && !node_is_link(n))
                return "inode of unknown type";
        /* Entries were counted in a first pass over every directory. */
        if (n->nlink != n->check_links)
                return "nlink differs from the number of entries";
        if (node_is_link(n)) {
                if (n->size == 0 || n->size >= MEMFS_PATH_MAX || !n->u.lnk.target)
                        return "symlink body length out of range";
                *bytes += n->size;
                return NULL;
        }
        if (n->size > MEMFS_FILE_MAX || n->u.file.height > RADIX_MAXH)
                return "file size or height out of range";
        blocks = file_count(n, &index, &why);
        if (why)
                return why;
        if (blocks != n->u.file.nblocks || index != n->u.file.nindex)
                return "file block counts disagree with the tree";
        *bytes += (blocks + index) * MEMFS_BLOCK;
        return NULL;
}

const char *
memfs_check(struct memfs *fs)
{
        struct memfs_node *n;
        uint64_t count = 0, bytes = 0, sub;
        const char *why;

        for (n = fs->all; n; n = n->next) {
                if (++count > fs->nnodes)
                        return "inode list longer than the count";
                if (n->next && n->next->prev != n)
                        return "inode list links broken";
                n->check_links = 0;
        }
        if (count != fs->nnodes)
                return "inode count disagrees with the list";
        if (!fs->root || !node_is_dir(fs->root) || fs->root->u.dir.parent)
                return "root is not a parentless directory";
        /* First pass: count entries per inode. */
        for (n = fs->all; n; n = n->next)
                if (node_is_dir(n)) {
                        uint64_t scratch = 0;

                        if ((why = check_names(fs, n, true, &scratch, &sub)))
                                return why;
                }
        for (n = fs->all; n; n = n->next)
                if ((why = check_node(fs, n, &bytes)))
                        return why;
        if (bytes != fs->used)
                return "budget accounting differs from the allocations";
        if (fs->used > fs->cfg.budget)
                return "more used than the budget";
        return NULL;
}
