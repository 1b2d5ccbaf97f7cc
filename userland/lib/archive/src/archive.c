/*
 * The cpio newc reader; the format and the model are in <archive/archive.h>.
 *
 * One function, read_entry(), decodes the entry at an offset with every bounds
 * check; archive_open() runs it over the whole buffer and adds the checks that span
 * entries (trailer, names, duplicates, parents), and the iterator reuses it on the
 * archive that passed. Offsets are compared against what is left of the buffer,
 * never added first, so no check can wrap. The cross-entry checks are quadratic in
 * the number of entries, which ARCHIVE_MAX_ENTRIES bounds; that buys freedom from
 * any scratch memory, at a cost that is nothing for a boot archive of a few
 * hundred files (and about 20 ms on a 2020s core at the limit).
 *
 * Loosening a check here lets a malformed archive through to init and the file
 * server, which trust what archive_open() accepted; change it only together with
 * the tests for it.
 */
#include <string.h>

#include <archive/archive.h>
#include <portable/msg.h>

enum field {
        F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR,
        F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT
};

static const char *const field_names[F_COUNT] = {
        "c_ino", "c_mode", "c_uid", "c_gid", "c_nlink", "c_mtime", "c_filesize",
        "c_devmajor", "c_devminor", "c_rdevmajor", "c_rdevminor", "c_namesize", "c_check",
};

#define MAGIC           "070701"
#define MAGIC_LEN       6
#define FIELD_AT(f)     (MAGIC_LEN + 8 * (size_t)(f))
#define TRAILER         "TRAILER!!!"
#define TRAILER_LEN     10

/* ---- messages ---------------------------------------------------------------- */

/* Messages are built with <portable/msg.h>; a quoted text shows at most 48 bytes. */
#define QUOTED_MAX 48

static struct msg
fail_begin(struct archive_err *err, enum archive_error code, size_t offset)
{
        struct msg m = {err->msg, 0, ARCHIVE_MSG_MAX};

        err->code = code;
        err->offset = offset;
        m.b[0] = '\0';
        return m;
}

/* "WHAT 'TEXT'TAIL", TEXT optional. */
static enum archive_error
fail(struct archive_err *err, enum archive_error code, size_t offset, const char *what,
     const void *text, size_t text_len, const char *tail)
{
        struct msg m = fail_begin(err, code, offset);

        msg_str(&m, what);
        if (text) {
                msg_str(&m, " ");
                msg_quoted(&m, text, text_len, QUOTED_MAX);
        }
        if (tail)
                msg_str(&m, tail);
        return code;
}

/* ---- one entry --------------------------------------------------------------- */

struct raw {
        uint32_t f[F_COUNT];
        size_t   off;           /* header */
        size_t   name_off;
        size_t   data_off;
        size_t   next;          /* next header, or the buffer's end */
};

static int
hex_digit(uint8_t c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* x rounded up to a multiple of 4, or size when that is past the buffer. */
static size_t
align4(size_t x, size_t size)
{
        size_t pad = (4 - (x & 3)) & 3;

        return pad > size - x ? size : x + pad;
}

static enum archive_error
read_fields(const uint8_t *b, size_t off, struct raw *r, struct archive_err *err)
{
        for (int f = 0; f < F_COUNT; f++) {
                uint32_t v = 0;

                for (size_t k = 0; k < 8; k++) {
                        size_t at = off + FIELD_AT(f) + k;
                        int d = hex_digit(b[at]);

                        if (d < 0) {
                                struct msg m = fail_begin(err, ARCHIVE_E_HEX, at);

                                msg_str(&m, "non-hex digit ");
                                msg_quoted(&m, &b[at], 1, QUOTED_MAX);
                                msg_str(&m, " in ");
                                msg_str(&m, field_names[f]);
                                return ARCHIVE_E_HEX;
                        }
                        v = v << 4 | (uint32_t)d;
                }
                r->f[f] = v;
        }
        return ARCHIVE_OK;
}

/*
 * Decodes the entry whose header is at off (< size): header, fields, name and the
 * extent of its data. Checks only what one entry says about itself and the
 * buffer's bounds.
 */
static enum archive_error
read_entry(const uint8_t *b, size_t size, size_t off, struct raw *r,
           struct archive_err *err)
{
        enum archive_error e;
        uint32_t namesize, filesize;
        const uint8_t *nul;

        r->off = off;
        if (size - off < ARCHIVE_HEADER_SIZE) {
                struct msg m = fail_begin(err, ARCHIVE_E_TRUNCATED, off);

                msg_str(&m, "truncated header: ");
                msg_uint(&m, size - off);
                msg_str(&m, " bytes left, a header takes 110");
                return ARCHIVE_E_TRUNCATED;
        }
        if (memcmp(b + off, MAGIC, MAGIC_LEN) != 0)
                return fail(err, ARCHIVE_E_MAGIC, off, "bad magic", b + off, MAGIC_LEN,
                            " (want 070701, cpio -H newc)");
        if ((e = read_fields(b, off, r, err)) != ARCHIVE_OK)
                return e;
        namesize = r->f[F_NAMESIZE];
        filesize = r->f[F_FILESIZE];
        r->name_off = off + ARCHIVE_HEADER_SIZE;
        if (namesize == 0)
                return fail(err, ARCHIVE_E_NAMESIZE, off + FIELD_AT(F_NAMESIZE),
                            "name size 0", NULL, 0, NULL);
        if (namesize > size - r->name_off)
                return fail(err, ARCHIVE_E_NAME_PAST_END, off + FIELD_AT(F_NAMESIZE),
                            "name runs past the end of the archive", NULL, 0, NULL);
        nul = memchr(b + r->name_off, '\0', namesize);
        if (!nul || (size_t)(nul - b) != r->name_off + namesize - 1)
                return fail(err, ARCHIVE_E_NAME_NUL,
                            nul ? (size_t)(nul - b) : r->name_off + namesize - 1,
                            nul ? "NUL inside name" : "name not NUL-terminated",
                            b + r->name_off, nul ? (size_t)(nul - b) - r->name_off
                                                 : namesize, NULL);
        r->data_off = align4(r->name_off + namesize, size);
        if (filesize > size - r->data_off)
                return fail(err, ARCHIVE_E_DATA_PAST_END, off + FIELD_AT(F_FILESIZE),
                            "data of", b + r->name_off, namesize - 1,
                            " runs past the end of the archive");
        r->next = align4(r->data_off + filesize, size);
        return ARCHIVE_OK;
}

static bool
is_trailer(const uint8_t *b, const struct raw *r)
{
        return r->f[F_NAMESIZE] == TRAILER_LEN + 1 &&
               memcmp(b + r->name_off, TRAILER, TRAILER_LEN) == 0;
}

static enum archive_type
type_of(uint32_t mode)
{
        switch (mode & ARCHIVE_S_IFMT) {
        case ARCHIVE_S_IFREG:
                return ARCHIVE_REG;
        case ARCHIVE_S_IFDIR:
                return ARCHIVE_DIR;
        case ARCHIVE_S_IFLNK:
                return ARCHIVE_SYMLINK;
        default:
                return 0;
        }
}

static void
to_entry(const uint8_t *b, const struct raw *r, struct archive_entry *e)
{
        e->name = (const char *)b + r->name_off;
        e->name_len = r->f[F_NAMESIZE] - 1;
        e->mode = r->f[F_MODE];
        e->type = type_of(e->mode);
        e->perm = e->mode & ARCHIVE_PERM_MASK;
        e->data = b + r->data_off;
        e->size = r->f[F_FILESIZE];
        e->mtime = r->f[F_MTIME];
        e->ino = r->f[F_INO];
        e->nlink = r->f[F_NLINK];
        e->uid = r->f[F_UID];
        e->gid = r->f[F_GID];
        e->devmajor = r->f[F_DEVMAJOR];
        e->devminor = r->f[F_DEVMINOR];
        e->offset = r->off;
}

/* ---- checks on one entry's meaning ------------------------------------------- */

/*
 * A canonical relative path: segments of 1..255 bytes separated by single '/',
 * none "." or "..", no leading or trailing '/'. Absolute names and "./" prefixes
 * are refused, not normalised: the packer writes canonical names, and a name that
 * means something other than what it says is a bug to report.
 */
static enum archive_error
check_name(const struct archive_entry *e, size_t name_off, struct archive_err *err)
{
        const char *s = e->name;
        size_t n = e->name_len, seg = 0;

        if (n > ARCHIVE_PATH_MAX)
                return fail(err, ARCHIVE_E_NAME_LONG, name_off, "name", s, n,
                            " longer than 4095 bytes");
        if (n == 0)
                return fail(err, ARCHIVE_E_NAME, name_off, "empty name", NULL, 0, NULL);
        for (size_t k = 0; k <= n; k++) {
                if (k < n && s[k] != '/')
                        continue;
                size_t len = k - seg;
                const char *p = s + seg;

                if (len == 0 || (len == 1 && p[0] == '.') ||
                    (len == 2 && p[0] == '.' && p[1] == '.'))
                        return fail(err, ARCHIVE_E_NAME, name_off + seg, "bad name", s, n,
                                    k == 0 ? " (absolute; want a relative path)" :
                                    len == 0 ? " (empty segment or trailing '/')" :
                                    " ('.' or '..' segment)");
                if (len > ARCHIVE_NAME_MAX)
                        return fail(err, ARCHIVE_E_NAME_LONG, name_off + seg, "name", s, n,
                                    " has a segment longer than 255 bytes");
                seg = k + 1;
        }
        return ARCHIVE_OK;
}

static enum archive_error
check_kind(const struct archive_entry *e, const struct raw *r, struct archive_err *err)
{
        if (e->type == 0) {
                struct msg m = fail_begin(err, ARCHIVE_E_TYPE, r->off + FIELD_AT(F_MODE));
                static const char oct[] = "01234567";
                char t[7];

                for (int k = 0; k < 6; k++)
                        t[k] = oct[(e->mode >> (3 * (5 - k))) & 7];
                t[6] = '\0';
                msg_str(&m, "unsupported file type of ");
                msg_quoted(&m, e->name, e->name_len, QUOTED_MAX);
                msg_str(&m, " (mode 0");
                msg_str(&m, t);
                msg_str(&m, "; want regular, directory or symlink)");
                return ARCHIVE_E_TYPE;
        }
        if (e->type == ARCHIVE_DIR && e->size != 0)
                return fail(err, ARCHIVE_E_DIR_DATA, r->off + FIELD_AT(F_FILESIZE),
                            "directory", e->name, e->name_len, " has data");
        if (e->type == ARCHIVE_SYMLINK &&
            (e->size == 0 || e->size > ARCHIVE_PATH_MAX || memchr(e->data, '\0', e->size)))
                return fail(err, ARCHIVE_E_SYMLINK, r->data_off, "symlink", e->name,
                            e->name_len, " has an empty, too long or NUL-holding target");
        return ARCHIVE_OK;
}

/* Is p (n bytes) a proper ancestor of q (m bytes): q starts with p + '/'? */
static bool
is_under(const char *q, size_t m, const char *p, size_t n)
{
        return m > n && q[n] == '/' && memcmp(q, p, n) == 0;
}

/*
 * What the pairwise checks need of an entry, read from an archive that passed the
 * first pass with three fields instead of thirteen: the inner loop runs n^2 / 2
 * times.
 */
struct name_ref {
        const char *name;
        size_t   len;
        size_t   off;           /* of the header */
        bool     dir;
};

static uint32_t
field_value(const uint8_t *b, size_t off, enum field f)
{
        uint32_t v = 0;

        for (size_t k = 0; k < 8; k++)
                v = v << 4 | (uint32_t)hex_digit(b[off + FIELD_AT(f) + k]);
        return v;
}

/* The entry at *off, then *off moves to the next; false at the trailer. */
static bool
skim(const struct archive *a, size_t *off, struct name_ref *r)
{
        uint32_t namesize, filesize;
        size_t data_off;

        if (*off >= a->trailer)
                return false;
        namesize = field_value(a->base, *off, F_NAMESIZE);
        filesize = field_value(a->base, *off, F_FILESIZE);
        r->off = *off;
        r->name = (const char *)a->base + *off + ARCHIVE_HEADER_SIZE;
        r->len = namesize - 1;
        r->dir = type_of(field_value(a->base, *off, F_MODE)) == ARCHIVE_DIR;
        data_off = align4(*off + ARCHIVE_HEADER_SIZE + namesize, a->size);
        *off = align4(data_off + filesize, a->size);
        return true;
}

static enum archive_error
check_pair(const struct name_ref *x, const struct name_ref *y, struct archive_err *err)
{
        struct msg m;

        if (x->len == y->len && memcmp(x->name, y->name, x->len) == 0) {
                m = fail_begin(err, ARCHIVE_E_DUP, y->off + ARCHIVE_HEADER_SIZE);
                msg_str(&m, "duplicate name ");
                msg_quoted(&m, y->name, y->len, QUOTED_MAX);
                msg_str(&m, " (first at offset ");
                msg_uint(&m, x->off);
                msg_str(&m, ")");
                return ARCHIVE_E_DUP;
        }
        for (int swap = 0; swap < 2; swap++) {
                const struct name_ref *up = swap ? y : x, *down = swap ? x : y;

                if (!up->dir && is_under(down->name, down->len, up->name, up->len)) {
                        m = fail_begin(err, ARCHIVE_E_PARENT, down->off + ARCHIVE_HEADER_SIZE);
                        msg_quoted(&m, down->name, down->len, QUOTED_MAX);
                        msg_str(&m, " is under ");
                        msg_quoted(&m, up->name, up->len, QUOTED_MAX);
                        msg_str(&m, ", which is not a directory");
                        return ARCHIVE_E_PARENT;
                }
        }
        return ARCHIVE_OK;
}

/* ---- the archive ------------------------------------------------------------- */

static enum archive_error
check_after_trailer(const uint8_t *b, size_t size, size_t from, struct archive_err *err)
{
        for (size_t k = from; k < size; k++)
                if (b[k] != 0)
                        return fail(err, ARCHIVE_E_AFTER_TRAILER, k,
                                    "non-zero byte after the trailer", NULL, 0,
                                    " (two archives concatenated?)");
        return ARCHIVE_OK;
}

/* First pass: every entry alone, up to the trailer. */
static enum archive_error
scan(struct archive *a, struct archive_err *err)
{
        const uint8_t *b = a->base;
        size_t off = 0;
        enum archive_error e;
        struct archive_entry en;
        struct raw r;

        for (;;) {
                if (off == a->size)
                        return fail(err, ARCHIVE_E_NO_TRAILER, off,
                                    "missing trailer (TRAILER!!!) at the end", NULL, 0, NULL);
                if ((e = read_entry(b, a->size, off, &r, err)) != ARCHIVE_OK)
                        return e;
                if (is_trailer(b, &r)) {
                        if (r.f[F_FILESIZE] != 0)
                                return fail(err, ARCHIVE_E_TRAILER_DATA,
                                            off + FIELD_AT(F_FILESIZE), "trailer has data",
                                            NULL, 0, NULL);
                        a->trailer = off;
                        return check_after_trailer(b, a->size, r.next, err);
                }
                if (a->nentries == ARCHIVE_MAX_ENTRIES)
                        return fail(err, ARCHIVE_E_TOO_MANY, off,
                                    "too many entries (more than 4096)", NULL, 0, NULL);
                to_entry(b, &r, &en);
                if ((e = check_name(&en, r.name_off, err)) != ARCHIVE_OK ||
                    (e = check_kind(&en, &r, err)) != ARCHIVE_OK)
                        return e;
                a->nentries++;
                off = r.next;
        }
}

/*
 * Second pass: every pair of names. Names are taken a block at a time into a small
 * array on the stack, and each block is compared with the entries after it in one
 * walk, so headers are decoded n^2 / 64 times rather than n^2 / 2.
 */
#define NAME_BLOCK 64

static enum archive_error
check_block(const struct name_ref *blk, size_t nb, const struct name_ref *y,
            struct archive_err *err)
{
        enum archive_error e;

        for (size_t p = 0; p < nb; p++)
                if ((e = check_pair(&blk[p], y, err)) != ARCHIVE_OK)
                        return e;
        return ARCHIVE_OK;
}

static enum archive_error
check_names(const struct archive *a, struct archive_err *err)
{
        struct name_ref blk[NAME_BLOCK], y;
        size_t i = 0, j, nb;
        enum archive_error e;

        while (i < a->trailer) {
                for (nb = 0; nb < NAME_BLOCK && skim(a, &i, &blk[nb]); nb++)
                        if ((e = check_block(blk, nb, &blk[nb], err)) != ARCHIVE_OK)
                                return e;
                j = i;
                while (skim(a, &j, &y))
                        if ((e = check_block(blk, nb, &y, err)) != ARCHIVE_OK)
                                return e;
        }
        return ARCHIVE_OK;
}

enum archive_error
archive_open(struct archive *a, const void *buf, size_t size, struct archive_err *err)
{
        enum archive_error e;

        if (!a || !err || (!buf && size))
                return ARCHIVE_E_ARG;
        err->code = ARCHIVE_OK;
        err->offset = 0;
        err->msg[0] = '\0';
        a->base = buf;
        a->size = size;
        a->trailer = 0;
        a->nentries = 0;
        if ((e = scan(a, err)) != ARCHIVE_OK || (e = check_names(a, err)) != ARCHIVE_OK) {
                a->size = a->trailer = a->nentries = 0;
                return e;
        }
        return ARCHIVE_OK;
}

void
archive_iter_init(struct archive_iter *it, const struct archive *a)
{
        it->a = a;
        it->off = 0;
}

/* Decodes the entry at it->off of an archive that passed archive_open(). */
static bool
next_raw(struct archive_iter *it, struct archive_entry *e)
{
        const struct archive *a = it->a;
        struct archive_err err;
        struct raw r;

        if (it->off >= a->trailer ||
            read_entry(a->base, a->size, it->off, &r, &err) != ARCHIVE_OK)
                return false;
        to_entry(a->base, &r, e);
        it->off = r.next;
        return true;
}

/* A hard link written before the last of its names: take the data from that one. */
static void
resolve_link(const struct archive *a, struct archive_entry *e)
{
        struct archive_iter it;
        struct archive_entry o;

        if (e->type != ARCHIVE_REG || e->size != 0 || e->nlink < 2)
                return;
        archive_iter_init(&it, a);
        while (next_raw(&it, &o)) {
                if (o.type == ARCHIVE_REG && o.size != 0 && o.ino == e->ino &&
                    o.devmajor == e->devmajor && o.devminor == e->devminor) {
                        e->data = o.data;
                        e->size = o.size;
                        return;
                }
        }
}

bool
archive_next(struct archive_iter *it, struct archive_entry *e)
{
        if (!next_raw(it, e))
                return false;
        resolve_link(it->a, e);
        return true;
}

enum archive_error
archive_lookup(const struct archive *a, const char *path, size_t len,
               struct archive_entry *e)
{
        struct archive_iter it;

        if (len > 0 && path[0] == '/')
                path++, len--;
        archive_iter_init(&it, a);
        while (next_raw(&it, e)) {
                if (e->name_len == len && memcmp(e->name, path, len) == 0) {
                        resolve_link(a, e);
                        return ARCHIVE_OK;
                }
        }
        return ARCHIVE_E_NOT_FOUND;
}

static const struct {
        enum archive_error code;
        const char *name, *msg;
} errors[] = {
#define ARCHIVE_E_ROW(name, num, msg) {name, #name, msg},
        ARCHIVE_ERRORS(ARCHIVE_E_ROW)
#undef ARCHIVE_E_ROW
};

const char *
archive_strerror(enum archive_error e)
{
        for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++)
                if (errors[k].code == e)
                        return errors[k].msg;
        return "unknown error";
}

const char *
archive_error_name(enum archive_error e)
{
        for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++)
                if (errors[k].code == e)
                        return errors[k].name;
        return "ARCHIVE_E_?";
}
