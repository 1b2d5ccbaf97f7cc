/*
 * The boot.conf parser.
 *
 * Model. The text is cut into lines; each line into words (runs of bytes between
 * spaces or tabs, with "double-quoted" parts decoded in place, as in sh). A word
 * that starts with '#' starts a comment. The first three words are KIND NAME PATH;
 * then come KEY=VALUE words, where KEY is the bare text before the word's first
 * unquoted '='; after a bare `--` every word is an argument. Each word is decoded
 * into conf->word (one line's worth of scratch, so a decoded word always fits), and
 * only values that must outlive the parse are copied into the caller's pool.
 *
 * Every check returns at the first bad byte with its line and column, so the parser
 * never reads past text + len and never writes past the caller's arrays: the
 * counts are tested before each store, and the pool's free space before each copy.
 * Loosening any check here changes what init will hand out at boot; do it only
 * together with the README's format description and the tests.
 */
#include <string.h>

#include <bootconf/bootconf.h>
#include <portable/msg.h>

#define NO_EQ ((size_t)-1)

struct word {
        uint32_t col;           /* 1-based column of the word's first byte */
        size_t   len;           /* decoded bytes in conf->word */
        size_t   eq;            /* decoded offset of the first bare '=', or NO_EQ */
        bool     quoted;        /* some part was quoted: offsets no longer map to columns */
};

struct parser {
        struct bootconf *conf;
        struct bootconf_err *err;
        const char *p;          /* this line */
        size_t   len;           /* its length, newline excluded */
        size_t   i;             /* cursor in the line */
        uint32_t line;
};

/* ---- messages ---------------------------------------------------------------- */

/* Messages are built with <portable/msg.h>; a quoted text shows at most 40 bytes. */
#define QUOTED_MAX 40

static struct msg
fail_begin(struct parser *ps, enum bootconf_error code, uint32_t col)
{
        struct msg m = {ps->err->msg, 0, BOOTCONF_MSG_MAX};

        ps->err->code = code;
        ps->err->line = ps->line;
        ps->err->col = col;
        m.b[0] = '\0';
        return m;
}

/* The common shape: "WHAT 'TEXT'TAIL". */
static enum bootconf_error
fail(struct parser *ps, enum bootconf_error code, uint32_t col, const char *what,
     const char *text, size_t text_len, const char *tail)
{
        struct msg m = fail_begin(ps, code, col);

        msg_str(&m, what);
        if (text) {
                msg_str(&m, " ");
                msg_quoted(&m, text, text_len, QUOTED_MAX);
        }
        if (tail)
                msg_str(&m, tail);
        return code;
}

static enum bootconf_error
fail_word(struct parser *ps, enum bootconf_error code, const struct word *w,
          const char *what, const char *tail)
{
        return fail(ps, code, w->col, what, ps->conf->word, w->len, tail);
}

/* ---- words ------------------------------------------------------------------- */

static bool
is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

static bool
is_control(unsigned char c)
{
        return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void
skip_space(struct parser *ps)
{
        while (ps->i < ps->len && is_space(ps->p[ps->i]))
                ps->i++;
}

/* True when the line has no more words (end, or a comment). */
static bool
at_end(struct parser *ps)
{
        skip_space(ps);
        return ps->i == ps->len || ps->p[ps->i] == '#';
}

static uint32_t
col_here(const struct parser *ps)
{
        return (uint32_t)ps->i + 1;
}

/* A "quoted" part; the cursor is on the opening quote. */
static enum bootconf_error
read_quoted(struct parser *ps, struct word *w)
{
        char *out = ps->conf->word;
        uint32_t open = col_here(ps);

        w->quoted = true;
        for (ps->i++; ps->i < ps->len; ps->i++) {
                unsigned char c = (unsigned char)ps->p[ps->i];

                if (c == '"') {
                        ps->i++;
                        return BOOTCONF_OK;
                }
                if (is_control(c))
                        return fail(ps, BOOTCONF_E_CONTROL, col_here(ps),
                                    "control character in quotes", NULL, 0, NULL);
                if (c == '\\') {
                        if (ps->i + 1 == ps->len)
                                break;
                        c = (unsigned char)ps->p[++ps->i];
                        if (c == 'n')
                                c = '\n';
                        else if (c != '"' && c != '\\')
                                return fail(ps, BOOTCONF_E_ESCAPE, col_here(ps) - 1,
                                            "bad escape", ps->p + ps->i - 1, 2,
                                            " (want \\\" \\\\ or \\n)");
                }
                out[w->len++] = (char)c;
        }
        return fail(ps, BOOTCONF_E_QUOTE, open, "unterminated quote", NULL, 0, NULL);
}

/* The next word; the caller has checked !at_end(). */
static enum bootconf_error
read_word(struct parser *ps, struct word *w)
{
        char *out = ps->conf->word;
        enum bootconf_error e;

        w->col = col_here(ps);
        w->len = 0;
        w->eq = NO_EQ;
        w->quoted = false;
        while (ps->i < ps->len && !is_space(ps->p[ps->i])) {
                unsigned char c = (unsigned char)ps->p[ps->i];

                if (c == '"') {
                        if ((e = read_quoted(ps, w)) != BOOTCONF_OK)
                                return e;
                        continue;
                }
                if (is_control(c))
                        return fail(ps, BOOTCONF_E_CONTROL, col_here(ps),
                                    "control character", NULL, 0, NULL);
                if (c == '=' && w->eq == NO_EQ && !w->quoted)
                        w->eq = w->len;
                out[w->len++] = (char)c;
                ps->i++;
        }
        out[w->len] = '\0';
        return BOOTCONF_OK;
}

/* ---- values ------------------------------------------------------------------ */

static bool
is_lower_name(const char *s, size_t n, size_t max)
{
        if (n == 0 || n > max || !(s[0] >= 'a' && s[0] <= 'z'))
                return false;
        for (size_t k = 1; k < n; k++) {
                char c = s[k];

                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                        return false;
        }
        return true;
}

/* A canonical absolute path: no empty, '.' or '..' segment, no trailing '/'. */
static bool
is_canonical_path(const char *s, size_t n)
{
        size_t seg = 0;

        if (n < 2)
                return false;
        for (size_t k = 1; k <= n; k++) {
                if (k < n && s[k] != '/')
                        continue;
                size_t slen = k - seg - 1;
                const char *sp = s + seg + 1;

                if (slen == 0 || (slen == 1 && sp[0] == '.') ||
                    (slen == 2 && sp[0] == '.' && sp[1] == '.'))
                        return false;
                seg = k;
        }
        return true;
}

static int
hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/*
 * An unsigned number: decimal (no leading zeros, so nobody writes octal by
 * mistake), or 0x hex when hex_ok. Returns BOOTCONF_E_NUMBER or
 * BOOTCONF_E_OUT_OF_RANGE (past 2^64 - 1) without filling err.
 */
static enum bootconf_error
parse_number(const char *s, size_t n, bool hex_ok, uint64_t *out)
{
        uint64_t v = 0;

        if (hex_ok && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                for (size_t k = 2; k < n; k++) {
                        int d = hex_digit(s[k]);

                        if (d < 0)
                                return BOOTCONF_E_NUMBER;
                        if (v > UINT64_MAX >> 4)
                                return BOOTCONF_E_OUT_OF_RANGE;
                        v = v << 4 | (uint64_t)d;
                }
                *out = v;
                return BOOTCONF_OK;
        }
        if (n == 0 || (n > 1 && s[0] == '0'))
                return BOOTCONF_E_NUMBER;
        for (size_t k = 0; k < n; k++) {
                if (s[k] < '0' || s[k] > '9')
                        return BOOTCONF_E_NUMBER;
                uint64_t d = (uint64_t)(s[k] - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return BOOTCONF_E_OUT_OF_RANGE;
                v = v * 10 + d;
        }
        *out = v;
        return BOOTCONF_OK;
}

/* ---- one key=value ----------------------------------------------------------- */

struct kv {
        const struct word *w;
        const char *key;
        size_t   key_len;
        const char *val;        /* NUL-terminated, in conf->word */
        size_t   val_len;
        uint32_t key_col;
        uint32_t val_col;
};

/* Column of byte off of the value, when the word's bytes still map to columns. */
static uint32_t
val_col_at(const struct kv *kv, size_t off)
{
        return kv->w->quoted ? kv->val_col : kv->val_col + (uint32_t)off;
}

static enum bootconf_error
fail_number(struct parser *ps, enum bootconf_error code, const struct kv *kv,
            size_t off, size_t n, const char *tail)
{
        return fail(ps, code, val_col_at(kv, off),
                    code == BOOTCONF_E_NUMBER ? "bad number" : "number out of range",
                    kv->val + off, n, tail);
}

/* A number in val[off..off+n) that must be <= max. */
static enum bootconf_error
number_in(struct parser *ps, const struct kv *kv, size_t off, size_t n, bool hex_ok,
          uint64_t max, const char *tail, uint64_t *out)
{
        enum bootconf_error e = parse_number(kv->val + off, n, hex_ok, out);

        if (e == BOOTCONF_OK && *out > max)
                e = BOOTCONF_E_OUT_OF_RANGE;
        if (e != BOOTCONF_OK)
                return fail_number(ps, e, kv, off, n, tail);
        return BOOTCONF_OK;
}

static char *
pool_copy(struct parser *ps, const struct kv *kv, const char *s, size_t n)
{
        struct bootconf *c = ps->conf;
        char *dst;

        if (n >= c->pool_size - c->pool_used) {
                fail(ps, BOOTCONF_E_SPACE, kv->w->col, "string pool full", NULL, 0,
                     " (give bootconf_init a larger pool)");
                return NULL;
        }
        dst = c->pool + c->pool_used;
        memcpy(dst, s, n);
        dst[n] = '\0';
        c->pool_used += n + 1;
        return dst;
}

static enum bootconf_error
once(struct parser *ps, struct bootconf_entry *en, const struct kv *kv, uint32_t bit)
{
        if (en->given & bit)
                return fail(ps, BOOTCONF_E_KEY_DUP, kv->key_col, "key", kv->key,
                            kv->key_len, " given twice");
        en->given |= bit;
        return BOOTCONF_OK;
}

static enum bootconf_error
room(struct parser *ps, const struct kv *kv, unsigned have, unsigned max)
{
        struct msg m;

        if (have < max)
                return BOOTCONF_OK;
        m = fail_begin(ps, BOOTCONF_E_TOO_MANY, kv->key_col);
        msg_str(&m, "too many ");
        msg_bytes(&m, kv->key, kv->key_len);
        msg_str(&m, "= (at most ");
        msg_uint(&m, max);
        msg_str(&m, ")");
        return BOOTCONF_E_TOO_MANY;
}

static enum bootconf_error
key_serves(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        enum bootconf_error e;
        const struct bootconf_entry *other;
        struct msg m;

        if ((e = once(ps, en, kv, BOOTCONF_HAS_SERVES)) != BOOTCONF_OK)
                return e;
        if (!is_lower_name(kv->val, kv->val_len, BOOTCONF_SCHEME_MAX))
                return fail(ps, BOOTCONF_E_SCHEME, kv->val_col, "bad scheme", kv->val,
                            kv->val_len, " (want [a-z][a-z0-9-]*, at most 31 bytes)");
        other = bootconf_find_server(ps->conf, kv->val);
        if (other) {
                m = fail_begin(ps, BOOTCONF_E_SCHEME_DUP, kv->val_col);
                msg_str(&m, "scheme ");
                msg_quoted(&m, kv->val, kv->val_len, QUOTED_MAX);
                msg_str(&m, " already served by ");
                msg_quoted(&m, other->name, strlen(other->name), QUOTED_MAX);
                msg_str(&m, " (line ");
                msg_uint(&m, other->line);
                msg_str(&m, ")");
                return BOOTCONF_E_SCHEME_DUP;
        }
        memcpy(en->serves, kv->val, kv->val_len + 1);
        return BOOTCONF_OK;
}

static enum bootconf_error
key_quota(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        enum bootconf_error e;
        size_t n = kv->val_len;
        unsigned shift = 0;
        uint64_t v;

        if ((e = once(ps, en, kv, BOOTCONF_HAS_QUOTA)) != BOOTCONF_OK)
                return e;
        if (n > 0) {
                char s = kv->val[n - 1];

                shift = s == 'K' ? 10 : s == 'M' ? 20 : s == 'G' ? 30 : 0;
                if (shift)
                        n--;
        }
        if ((e = number_in(ps, kv, 0, n, false, UINT64_MAX >> shift,
                           " (want decimal bytes, K, M or G suffix)", &v)) != BOOTCONF_OK)
                return e;
        en->quota = v << shift;
        return BOOTCONF_OK;
}

static enum bootconf_error
key_prio(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        enum bootconf_error e;
        uint64_t v;

        if ((e = once(ps, en, kv, BOOTCONF_HAS_PRIO)) != BOOTCONF_OK)
                return e;
        if ((e = number_in(ps, kv, 0, kv->val_len, true, 255, " (want 0..255)", &v)))
                return e;
        en->prio = (uint8_t)v;
        return BOOTCONF_OK;
}

static enum bootconf_error
key_restart(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        enum bootconf_error e;

        if ((e = once(ps, en, kv, BOOTCONF_HAS_RESTART)) != BOOTCONF_OK)
                return e;
        if (strcmp(kv->val, "yes") == 0)
                en->restart = true;
        else if (strcmp(kv->val, "no") == 0)
                en->restart = false;
        else
                return fail(ps, BOOTCONF_E_VALUE, kv->val_col, "bad value", kv->val,
                            kv->val_len, " for restart= (want yes or no)");
        return BOOTCONF_OK;
}

static enum bootconf_error
key_ioport(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        const char *dash = memchr(kv->val, '-', kv->val_len);
        size_t n1 = dash ? (size_t)(dash - kv->val) : kv->val_len;
        const char *tail = " (want FIRST-LAST, each <= 0xffff)";
        enum bootconf_error e;
        uint64_t first, last;

        if ((e = room(ps, kv, en->nioports, BOOTCONF_IOPORTS_MAX)) != BOOTCONF_OK)
                return e;
        if ((e = number_in(ps, kv, 0, n1, true, 0xffff, tail, &first)) != BOOTCONF_OK)
                return e;
        last = first;
        if (dash && (e = number_in(ps, kv, n1 + 1, kv->val_len - n1 - 1, true, 0xffff,
                                   tail, &last)) != BOOTCONF_OK)
                return e;
        if (first > last)
                return fail(ps, BOOTCONF_E_REVERSED, kv->val_col, "range reversed",
                            kv->val, kv->val_len, " (want FIRST <= LAST)");
        en->ioports[en->nioports].first = (uint16_t)first;
        en->ioports[en->nioports].last = (uint16_t)last;
        en->nioports++;
        return BOOTCONF_OK;
}

static enum bootconf_error
key_irq(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        enum bootconf_error e;
        uint64_t v;

        if ((e = room(ps, kv, en->nirqs, BOOTCONF_IRQS_MAX)) != BOOTCONF_OK)
                return e;
        if ((e = number_in(ps, kv, 0, kv->val_len, true, BOOTCONF_IRQ_LAST,
                           " (want 0..23)", &v)) != BOOTCONF_OK)
                return e;
        en->irqs[en->nirqs++] = (uint8_t)v;
        return BOOTCONF_OK;
}

static enum bootconf_error
key_devmem(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        const char *plus = memchr(kv->val, '+', kv->val_len);
        const char *tail = " (want ADDR+SIZE, page-aligned)";
        enum bootconf_error e;
        uint64_t addr, size;
        size_t n1;

        if ((e = room(ps, kv, en->ndevmem, BOOTCONF_DEVMEM_MAX)) != BOOTCONF_OK)
                return e;
        if (kv->val_len == 11 && memcmp(kv->val, "framebuffer", 11) == 0) {
                /* Where the boot loader left the display is known only at boot. */
                en->devmem[en->ndevmem].addr = 0;
                en->devmem[en->ndevmem].size = 0;
                en->ndevmem++;
                return BOOTCONF_OK;
        }
        if (!plus)
                return fail(ps, BOOTCONF_E_VALUE, kv->val_col, "bad value", kv->val,
                            kv->val_len, " for devmem= (want ADDR+SIZE or framebuffer)");
        n1 = (size_t)(plus - kv->val);
        if ((e = number_in(ps, kv, 0, n1, true, UINT64_MAX, tail, &addr)) != BOOTCONF_OK)
                return e;
        if ((e = number_in(ps, kv, n1 + 1, kv->val_len - n1 - 1, true, UINT64_MAX, tail,
                           &size)) != BOOTCONF_OK)
                return e;
        if (addr % BOOTCONF_PAGE_SIZE)
                return fail(ps, BOOTCONF_E_ALIGN, val_col_at(kv, 0), "address", kv->val,
                            n1, " is not page-aligned");
        if (size == 0 || size % BOOTCONF_PAGE_SIZE)
                return fail(ps, BOOTCONF_E_ALIGN, val_col_at(kv, n1 + 1), "size",
                            plus + 1, kv->val_len - n1 - 1,
                            " is not a positive multiple of the page size");
        if (size - 1 > UINT64_MAX - addr)
                return fail(ps, BOOTCONF_E_OUT_OF_RANGE, kv->val_col, "range", kv->val,
                            kv->val_len, " wraps past the end of the address space");
        en->devmem[en->ndevmem].addr = addr;
        en->devmem[en->ndevmem].size = size;
        en->ndevmem++;
        return BOOTCONF_OK;
}

static enum bootconf_error
key_use(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        const char *colon = memchr(kv->val, ':', kv->val_len);
        size_t slen = colon ? (size_t)(colon - kv->val) : kv->val_len;
        enum bootconf_error e;
        const char *s;

        if ((e = room(ps, kv, en->nuses, BOOTCONF_USES_MAX)) != BOOTCONF_OK)
                return e;
        if (kv->val_len > BOOTCONF_USE_MAX)
                return fail(ps, BOOTCONF_E_USE, kv->val_col, "use= value", kv->val,
                            kv->val_len, " longer than 4096 bytes");
        if (!is_lower_name(kv->val, slen, BOOTCONF_SCHEME_MAX))
                return fail(ps, BOOTCONF_E_SCHEME, kv->val_col, "bad scheme", kv->val,
                            slen, " in use= (want [a-z][a-z0-9-]*, at most 31 bytes)");
        /* The glob may hold escaped colons; only the policy parser can split it. */
        if (colon && !memchr(colon + 1, ':', kv->val_len - slen - 1))
                return fail(ps, BOOTCONF_E_USE, kv->val_col, "bad use=", kv->val,
                            kv->val_len, " (want scheme or scheme:glob:rights)");
        if (!(s = pool_copy(ps, kv, kv->val, kv->val_len)))
                return BOOTCONF_E_SPACE;
        en->uses[en->nuses++] = s;
        return BOOTCONF_OK;
}

static bool
is_env_name(const char *s, size_t n)
{
        if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (size_t k = 0; k < n; k++) {
                char c = s[k];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_'))
                        return false;
        }
        return true;
}

static enum bootconf_error
key_env(struct parser *ps, struct bootconf_entry *en, const struct kv *kv)
{
        const char *eq = memchr(kv->val, '=', kv->val_len);
        size_t nlen = eq ? (size_t)(eq - kv->val) : kv->val_len;
        enum bootconf_error e;
        const char *s;

        if ((e = room(ps, kv, en->nenv, BOOTCONF_ENV_MAX)) != BOOTCONF_OK)
                return e;
        if (!eq || !is_env_name(kv->val, nlen))
                return fail(ps, BOOTCONF_E_ENV, kv->val_col, "bad env=", kv->val,
                            kv->val_len, " (want NAME=VALUE, NAME [A-Za-z_][A-Za-z0-9_]*)");
        for (unsigned k = 0; k < en->nenv; k++)
                if (strncmp(en->env[k], kv->val, nlen + 1) == 0)
                        return fail(ps, BOOTCONF_E_ENV, kv->val_col, "env", kv->val,
                                    nlen, " given twice");
        if (!(s = pool_copy(ps, kv, kv->val, kv->val_len)))
                return BOOTCONF_E_SPACE;
        en->env[en->nenv++] = s;
        return BOOTCONF_OK;
}

#define KINDS_ALL     0x0e
#define KINDS_SERVING 0x06      /* server, driver */

static const struct key {
        const char *name;
        unsigned kinds;         /* bit (1 << kind) */
        enum bootconf_error (*fn)(struct parser *, struct bootconf_entry *,
                                  const struct kv *);
} keys[] = {
        {"serves", KINDS_SERVING, key_serves},
        {"quota", KINDS_ALL, key_quota},
        {"prio", KINDS_ALL, key_prio},
        {"restart", KINDS_ALL, key_restart},
        {"ioport", KINDS_ALL, key_ioport},
        {"irq", KINDS_ALL, key_irq},
        {"devmem", KINDS_ALL, key_devmem},
        {"use", KINDS_ALL, key_use},
        {"env", KINDS_ALL, key_env},
};

static enum bootconf_error
key_value(struct parser *ps, struct bootconf_entry *en, const struct word *w)
{
        struct kv kv = {
                .w = w, .key = ps->conf->word, .key_len = w->eq,
                .val = ps->conf->word + w->eq + 1, .val_len = w->len - w->eq - 1,
                .key_col = w->col, .val_col = w->col + (uint32_t)w->eq + 1,
        };

        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
                if (strlen(keys[k].name) != kv.key_len ||
                    memcmp(keys[k].name, kv.key, kv.key_len) != 0)
                        continue;
                if (!(keys[k].kinds & (1u << en->kind)))
                        return fail(ps, BOOTCONF_E_KEY_KIND, kv.key_col, "key", kv.key,
                                    kv.key_len, en->kind == BOOTCONF_RUN ?
                                    " is not valid for run (only server and driver)" :
                                    " is not valid for this kind");
                return keys[k].fn(ps, en, &kv);
        }
        return fail(ps, BOOTCONF_E_KEY, kv.key_col, "unknown key", kv.key, kv.key_len,
                    NULL);
}

/* ---- one line ---------------------------------------------------------------- */

static enum bootconf_error
read_kind(struct parser *ps, struct bootconf_entry *en, const struct word *w)
{
        const char *s = ps->conf->word;

        if (strcmp(s, "server") == 0 && !w->quoted)
                en->kind = BOOTCONF_SERVER;
        else if (strcmp(s, "driver") == 0 && !w->quoted)
                en->kind = BOOTCONF_DRIVER;
        else if (strcmp(s, "run") == 0 && !w->quoted)
                en->kind = BOOTCONF_RUN;
        else
                return fail_word(ps, BOOTCONF_E_KIND, w, "unknown kind",
                                 " (want server, driver or run)");
        return BOOTCONF_OK;
}

static enum bootconf_error
read_name(struct parser *ps, struct bootconf_entry *en, const struct word *w)
{
        const char *s = ps->conf->word;
        const struct bootconf_entry *other;
        struct msg m;

        if (!is_lower_name(s, w->len, BOOTCONF_NAME_MAX))
                return fail_word(ps, BOOTCONF_E_NAME, w, "bad name",
                                 " (want [a-z][a-z0-9-]*, at most 31 bytes)");
        if ((other = bootconf_find(ps->conf, s)) != NULL) {
                m = fail_begin(ps, BOOTCONF_E_NAME_DUP, w->col);
                msg_str(&m, "duplicate name ");
                msg_quoted(&m, s, w->len, QUOTED_MAX);
                msg_str(&m, " (first on line ");
                msg_uint(&m, other->line);
                msg_str(&m, ")");
                return BOOTCONF_E_NAME_DUP;
        }
        memcpy(en->name, s, w->len + 1);
        return BOOTCONF_OK;
}

static enum bootconf_error
read_path(struct parser *ps, struct bootconf_entry *en, const struct word *w)
{
        const char *s = ps->conf->word;

        if (w->len == 0 || s[0] != '/')
                return fail_word(ps, BOOTCONF_E_PATH_RELATIVE, w, "path", " is not absolute");
        if (w->len > BOOTCONF_PATH_MAX || !is_canonical_path(s, w->len))
                return fail_word(ps, BOOTCONF_E_PATH, w, "bad path",
                                 " (want /a/b: no empty, '.' or '..' segment, at most 255 bytes)");
        memcpy(en->path, s, w->len + 1);
        return BOOTCONF_OK;
}

static enum bootconf_error
read_arg(struct parser *ps, struct bootconf_entry *en, const struct word *w)
{
        struct kv kv = {.w = w};
        const char *s;

        if (en->nargs == BOOTCONF_ARGS_MAX)
                return fail(ps, BOOTCONF_E_TOO_MANY_ARGS, w->col,
                            "too many arguments (at most 64)", NULL, 0, NULL);
        if (!(s = pool_copy(ps, &kv, ps->conf->word, w->len)))
                return BOOTCONF_E_SPACE;
        en->args[en->nargs++] = s;
        return BOOTCONF_OK;
}

/* NAME or PATH: the word must be there. */
static enum bootconf_error
required(struct parser *ps, struct word *w, const char *what)
{
        if (at_end(ps))
                return fail(ps, BOOTCONF_E_MISSING, col_here(ps), what, NULL, 0, NULL);
        return read_word(ps, w);
}

static enum bootconf_error
parse_entry(struct parser *ps, struct bootconf_entry *en)
{
        enum bootconf_error e;
        bool args = false;
        struct word w;

        memset(en, 0, sizeof *en);
        en->line = ps->line;
        if ((e = read_word(ps, &w)) || (e = read_kind(ps, en, &w)))
                return e;
        if ((e = required(ps, &w, "missing NAME")) || (e = read_name(ps, en, &w)))
                return e;
        if ((e = required(ps, &w, "missing PATH")) || (e = read_path(ps, en, &w)))
                return e;
        while (!at_end(ps)) {
                if ((e = read_word(ps, &w)) != BOOTCONF_OK)
                        return e;
                if (args)
                        e = read_arg(ps, en, &w);
                else if (!w.quoted && w.len == 2 && memcmp(ps->conf->word, "--", 2) == 0)
                        args = true;
                else if (w.eq == NO_EQ || w.eq == 0)
                        e = fail_word(ps, BOOTCONF_E_NOT_KEY, &w, "expected KEY=VALUE or --, not",
                                      NULL);
                else
                        e = key_value(ps, en, &w);
                if (e != BOOTCONF_OK)
                        return e;
        }
        return BOOTCONF_OK;
}

/* NUL and length are checked over the raw line before any word is read. */
static enum bootconf_error
check_line(struct parser *ps)
{
        size_t scan = ps->len < BOOTCONF_LINE_MAX ? ps->len : BOOTCONF_LINE_MAX;
        const char *nul = memchr(ps->p, '\0', scan);

        if (nul)
                return fail(ps, BOOTCONF_E_NUL, (uint32_t)(nul - ps->p) + 1, "NUL byte",
                            NULL, 0, NULL);
        if (ps->len > BOOTCONF_LINE_MAX)
                return fail(ps, BOOTCONF_E_LINE_LONG, BOOTCONF_LINE_MAX + 1,
                            "line longer than 4096 bytes", NULL, 0, NULL);
        return BOOTCONF_OK;
}

static enum bootconf_error
parse_line(struct parser *ps)
{
        struct bootconf *c = ps->conf;
        enum bootconf_error e;

        if ((e = check_line(ps)) != BOOTCONF_OK || at_end(ps))
                return e;
        if (c->nentries == c->max_entries)
                return fail(ps, BOOTCONF_E_ENTRIES, col_here(ps),
                            "too many entries for the caller's array", NULL, 0, NULL);
        if ((e = parse_entry(ps, &c->entries[c->nentries])) != BOOTCONF_OK)
                return e;
        c->nentries++;
        return BOOTCONF_OK;
}

/* ---- the API ----------------------------------------------------------------- */

void
bootconf_init(struct bootconf *conf, struct bootconf_entry *entries, size_t max_entries,
              char *pool, size_t pool_size)
{
        conf->entries = entries;
        conf->max_entries = entries ? max_entries : 0;
        conf->nentries = 0;
        conf->pool = pool;
        conf->pool_size = pool ? pool_size : 0;
        conf->pool_used = 0;
}

enum bootconf_error
bootconf_parse(struct bootconf *conf, const char *text, size_t len,
               struct bootconf_err *err)
{
        struct parser ps = {.conf = conf, .err = err};
        size_t at = 0;
        enum bootconf_error e;

        if (!conf || !err || (!text && len))
                return BOOTCONF_E_ARG;
        err->code = BOOTCONF_OK;
        err->line = err->col = 0;
        err->msg[0] = '\0';
        conf->nentries = 0;
        conf->pool_used = 0;
        while (at < len) {
                const char *nl = memchr(text + at, '\n', len - at);
                size_t end = nl ? (size_t)(nl - text) : len;

                if (ps.line == UINT32_MAX)
                        return fail(&ps, BOOTCONF_E_LINE_LONG, 1, "too many lines", NULL,
                                    0, NULL);
                ps.line++;
                ps.p = text + at;
                ps.len = end - at;
                ps.i = 0;
                if ((e = parse_line(&ps)) != BOOTCONF_OK)
                        return e;
                at = nl ? end + 1 : len;
        }
        return BOOTCONF_OK;
}

const struct bootconf_entry *
bootconf_find(const struct bootconf *conf, const char *name)
{
        for (size_t k = 0; k < conf->nentries; k++)
                if (strcmp(conf->entries[k].name, name) == 0)
                        return &conf->entries[k];
        return NULL;
}

const struct bootconf_entry *
bootconf_find_server(const struct bootconf *conf, const char *scheme)
{
        if (scheme[0] == '\0')
                return NULL;
        for (size_t k = 0; k < conf->nentries; k++)
                if (strcmp(conf->entries[k].serves, scheme) == 0)
                        return &conf->entries[k];
        return NULL;
}

const struct bootconf_entry *
bootconf_last_run(const struct bootconf *conf)
{
        for (size_t k = conf->nentries; k > 0; k--)
                if (conf->entries[k - 1].kind == BOOTCONF_RUN)
                        return &conf->entries[k - 1];
        return NULL;
}

static size_t
out_str(char *buf, size_t size, size_t at, const char *s)
{
        for (; *s; s++, at++)
                if (at + 1 < size)
                        buf[at] = *s;
        return at;
}

static size_t
out_uint(char *buf, size_t size, size_t at, uint32_t v)
{
        char d[11];
        size_t k = sizeof d - 1;

        d[k] = '\0';
        do {
                d[--k] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        return out_str(buf, size, at, d + k);
}

size_t
bootconf_format_error(const struct bootconf_err *err, const char *file, char *buf,
                      size_t size)
{
        size_t n = 0;

        n = out_str(buf, size, n, file ? file : "boot.conf");
        n = out_str(buf, size, n, ":");
        n = out_uint(buf, size, n, err->line);
        n = out_str(buf, size, n, ":");
        n = out_uint(buf, size, n, err->col);
        n = out_str(buf, size, n, ": ");
        n = out_str(buf, size, n, err->msg[0] ? err->msg : bootconf_strerror(err->code));
        if (size)
                buf[n < size ? n : size - 1] = '\0';
        return n;
}

static const struct {
        enum bootconf_error code;
        const char *name, *msg;
} errors[] = {
#define BOOTCONF_E_ROW(name, num, msg) {name, #name, msg},
        BOOTCONF_ERRORS(BOOTCONF_E_ROW)
#undef BOOTCONF_E_ROW
};

const char *
bootconf_strerror(enum bootconf_error e)
{
        for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++)
                if (errors[k].code == e)
                        return errors[k].msg;
        return "unknown error";
}

const char *
bootconf_error_name(enum bootconf_error e)
{
        for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++)
                if (errors[k].code == e)
                        return errors[k].name;
        return "BOOTCONF_E_?";
}

const char *
bootconf_kind_name(enum bootconf_kind k)
{
        return k == BOOTCONF_SERVER ? "server" : k == BOOTCONF_DRIVER ? "driver" :
               k == BOOTCONF_RUN ? "run" : "?";
}
