/*
 * Parser: policy text -> compiled struct policy.
 *
 * Model. The text is `scheme:glob:rights`. The glob runs from the first ':' to the
 * first ':' that is not escaped (an unescaped ':' cannot occur inside a glob, so
 * the split is unambiguous). The glob is compiled item by item into the instruction
 * list of struct policy_glob: each segment becomes SLASH followed by one instruction
 * per item, and a `**` segment becomes the three-instruction group DSTAR, DFIRST,
 * DLOOP. Classes are normalised to byte sets at once (a one-byte class becomes a
 * literal, a class of every byte becomes '?'), so the compiled form is the meaning
 * and the printer can derive one canonical text from it.
 *
 * Every malformed input returns an error with the offset of the offending byte.
 * The length limit is on the canonical form (what print would produce), so that
 * print(parse(x)) always parses again.
 */
#include <stddef.h>
#include <string.h>

#include "policy_internal.h"

struct pstate {
        const char *t;
        size_t len;
        size_t i;
        size_t canon;           /* canonical glob bytes so far */
        struct policy_glob *g;
        struct policy_err *err;
};

static int
fail(struct pstate *s, enum policy_error code, size_t off)
{
        s->err->code = code;
        s->err->offset = off;
        return code;
}

static int
emit(struct pstate *s, uint8_t kind, uint8_t arg, uint16_t set, size_t at)
{
        struct policy_op *op;

        /* Unreachable while the canonical-length limit holds; kept as a guard. */
        if (s->g->nops >= POLICY_OPS_MAX)
                return fail(s, POLICY_E_TOO_LONG, at);
        op = &s->g->ops[s->g->nops++];
        op->kind = kind;
        op->flags = 0;
        op->arg = arg;
        op->pad = 0;
        op->set = set;
        s->canon += policy_op_print_len(s->g, op);
        if (s->canon > POLICY_GLOB_MAX)
                return fail(s, POLICY_E_TOO_LONG, at);
        return POLICY_OK;
}

/* One byte of a class: `\x` or a plain byte. Stops (returns 0) at ']' or ':'. */
static int
class_byte(struct pstate *s, int *b)
{
        unsigned char c;

        if (s->i >= s->len)
                return 0;
        c = (unsigned char)s->t[s->i];
        if (c == ']' || c == ':')
                return 0;
        if (c == '\\') {
                if (s->i + 1 >= s->len || s->t[s->i + 1] == '/')
                        return -1;
                *b = (unsigned char)s->t[s->i + 1];
                s->i += 2;
                return 1;
        }
        *b = c;
        s->i++;
        return 1;
}

static void
set_range(uint64_t set[4], int lo, int hi)
{
        for (int b = lo; b <= hi; b++)
                set[b >> 6] |= 1ull << (b & 63);
}

/* Reads the members of a class after '[' and '!'; leaves i after ']'. */
static int
class_members(struct pstate *s, size_t open, uint64_t set[4])
{
        bool first = true;
        int lo, hi, r;
        size_t at;

        for (;;) {
                at = s->i;
                if (first && s->i < s->len && s->t[s->i] == ']') {
                        lo = ']';
                        s->i++;
                } else {
                        r = class_byte(s, &lo);
                        if (r < 0)
                                return fail(s, POLICY_E_ESCAPE, at);
                        if (r == 0)
                                break;
                }
                first = false;
                hi = lo;
                /* A '-' is a range only between two members; before ']' it is literal. */
                if (s->i + 1 < s->len && s->t[s->i] == '-' && s->t[s->i + 1] != ']') {
                        s->i++;
                        r = class_byte(s, &hi);
                        if (r < 0)
                                return fail(s, POLICY_E_ESCAPE, s->i);
                        if (r == 0)
                                break;  /* `-:` or end: the class is unterminated */
                        if (hi < lo)
                                return fail(s, POLICY_E_CLASS_RANGE, at);
                }
                set_range(set, lo, hi);
        }
        if (s->i >= s->len || s->t[s->i] != ']')
                return fail(s, POLICY_E_CLASS_OPEN, open);
        s->i++;
        return POLICY_OK;
}

static int
parse_class(struct pstate *s)
{
        size_t open = s->i;
        uint64_t set[4] = {0, 0, 0, 0};
        bool neg = false;
        int r, n;

        s->i++;
        if (s->i < s->len && s->t[s->i] == '!') {
                neg = true;
                s->i++;
        }
        r = class_members(s, open, set);
        if (r != POLICY_OK)
                return r;
        if (neg)
                for (int k = 0; k < 4; k++)
                        set[k] = ~set[k];
        /* Classes never match '/' (they stay inside a segment) nor NUL (never in a path). */
        set[0] &= ~((1ull << '/') | 1ull);
        n = policy_set_count(set);
        if (n == 0)
                return fail(s, POLICY_E_CLASS_EMPTY, open);
        if (n == 1)
                return emit(s, POLICY_OP_LIT, (uint8_t)policy_set_first(set), 0, open);
        if (n == POLICY_SEG_BYTES)
                return emit(s, POLICY_OP_ANY, 0, 0, open);
        return emit(s, POLICY_OP_CLASS, 0, policy_glob_intern_set(s->g, set), open);
}

/* One item inside a segment (not a `**` segment). */
static int
parse_item(struct pstate *s)
{
        unsigned char c = (unsigned char)s->t[s->i];
        size_t at = s->i;

        switch (c) {
        case '*':
                if (s->i + 1 < s->len && s->t[s->i + 1] == '*')
                        return fail(s, POLICY_E_DSTAR, at);
                s->i++;
                return emit(s, POLICY_OP_STAR, 0, 0, at);
        case '?':
                s->i++;
                return emit(s, POLICY_OP_ANY, 0, 0, at);
        case '[':
                return parse_class(s);
        case '\\':
                if (s->i + 1 >= s->len || s->t[s->i + 1] == '/')
                        return fail(s, POLICY_E_ESCAPE, at);
                s->i += 2;
                return emit(s, POLICY_OP_LIT, (uint8_t)s->t[at + 1], 0, at);
        default:
                s->i++;
                return emit(s, POLICY_OP_LIT, c, 0, at);
        }
}

static bool
at_glob_end(const struct pstate *s)
{
        return s->i >= s->len || s->t[s->i] == ':';
}

static bool
at_seg_end(const struct pstate *s)
{
        return at_glob_end(s) || s->t[s->i] == '/';
}

/* Only "." and ".." are refused: they never occur in a canonical path. */
static bool
is_dot_segment(const struct policy_glob *g, uint16_t first)
{
        uint16_t n = g->nops - first;

        if (n < 1 || n > 2)
                return false;
        for (uint16_t k = first; k < g->nops; k++)
                if (g->ops[k].kind != POLICY_OP_LIT || g->ops[k].arg != '.')
                        return false;
        return true;
}

static int
parse_segment(struct pstate *s)
{
        size_t seg = s->i;
        uint16_t first;
        int r;

        if (s->i + 1 < s->len && s->t[s->i] == '*' && s->t[s->i + 1] == '*') {
                s->i += 2;
                if (!at_seg_end(s))
                        return fail(s, POLICY_E_DSTAR, seg);
                /* The '/' before `**` belongs to the group: zero segments, zero slashes. */
                s->g->nops--;
                s->canon--;
                if ((r = emit(s, POLICY_OP_DSTAR, 0, 0, seg)) != POLICY_OK ||
                    (r = emit(s, POLICY_OP_DFIRST, 0, 0, seg)) != POLICY_OK ||
                    (r = emit(s, POLICY_OP_DLOOP, 0, 0, seg)) != POLICY_OK)
                        return r;
                return POLICY_OK;
        }
        first = s->g->nops;
        while (!at_seg_end(s))
                if ((r = parse_item(s)) != POLICY_OK)
                        return r;
        if (first == s->g->nops)
                return fail(s, POLICY_E_EMPTY_SEGMENT, seg);
        if (is_dot_segment(s->g, first))
                return fail(s, POLICY_E_DOT_SEGMENT, seg);
        s->g->ops[first].flags |= POLICY_OPF_FIRST;
        return POLICY_OK;
}

static int
parse_glob(struct pstate *s)
{
        int r;

        if (at_glob_end(s) || s->t[s->i] != '/')
                return fail(s, POLICY_E_RELATIVE, s->i);
        s->g->nops = 0;
        s->g->nsets = 0;
        s->canon = 0;
        s->i++;
        if (at_glob_end(s)) {           /* "/" alone: the root and nothing else */
                s->canon = 1;
                return emit(s, POLICY_OP_END, 0, 0, s->i);
        }
        for (;;) {
                if ((r = emit(s, POLICY_OP_SLASH, 0, 0, s->i - 1)) != POLICY_OK)
                        return r;
                if ((r = parse_segment(s)) != POLICY_OK)
                        return r;
                if (at_glob_end(s))
                        break;
                s->i++;         /* the '/' */
        }
        return emit(s, POLICY_OP_END, 0, 0, s->i);
}

static int
parse_glob_finish(struct pstate *s)
{
        int r = parse_glob(s);

        if (r == POLICY_OK)
                policy_glob_finish(s->g);
        return r;
}

static int
parse_scheme(struct pstate *s, char *scheme)
{
        size_t n = 0;

        while (s->i < s->len && s->t[s->i] != ':') {
                char c = s->t[s->i];
                bool ok = (c >= 'a' && c <= 'z') ||
                          (n > 0 && ((c >= '0' && c <= '9') || c == '-'));
                if (!ok || n >= POLICY_SCHEME_MAX)
                        return fail(s, POLICY_E_SCHEME, s->i);
                scheme[n++] = c;
                s->i++;
        }
        if (s->i >= s->len)
                return fail(s, POLICY_E_COLON, s->i);
        if (n == 0)
                return fail(s, POLICY_E_SCHEME, s->i);
        scheme[n] = '\0';
        s->i++;
        return POLICY_OK;
}

static int
rights_at(const char *t, size_t len, size_t base, uint8_t *rights,
          struct policy_err *err)
{
        static const char letters[] = POLICY_RIGHT_LETTERS;
        uint8_t r = 0;

        for (size_t i = 0; i < len; i++) {
                const char *p = t[i] ? strchr(letters, t[i]) : NULL;
                uint8_t bit;

                if (p == NULL) {
                        err->code = t[i] ? POLICY_E_RIGHT : POLICY_E_NUL;
                        err->offset = base + i;
                        return err->code;
                }
                bit = (uint8_t)(1u << (p - letters));
                if (r & bit) {
                        err->code = POLICY_E_RIGHT_DUP;
                        err->offset = base + i;
                        return err->code;
                }
                r |= bit;
        }
        *rights = r;
        return POLICY_OK;
}

int
policy_parse_rights(const char *text, size_t len, uint8_t *rights,
                    struct policy_err *err)
{
        if (text == NULL || rights == NULL || err == NULL)
                return POLICY_E_ARG;
        return rights_at(text, len, 0, rights, err);
}

int
policy_parse(struct policy *out, const char *text, size_t len,
             struct policy_err *err)
{
        struct pstate s = {text, len, 0, 0, NULL, err};
        const char *nul;
        int r;

        if (out == NULL || err == NULL || (text == NULL && len != 0))
                return POLICY_E_ARG;
        err->code = POLICY_OK;
        err->offset = 0;
        if (len == 0)
                return fail(&s, POLICY_E_EMPTY, 0);
        if (len > POLICY_TEXT_MAX)
                return fail(&s, POLICY_E_TOO_LONG, POLICY_TEXT_MAX);
        /* NUL first: C callers would silently cut the text there. */
        if ((nul = memchr(text, '\0', len)) != NULL)
                return fail(&s, POLICY_E_NUL, (size_t)(nul - text));
        s.g = &out->glob;
        if ((r = parse_scheme(&s, out->scheme)) != POLICY_OK)
                return r;
        if ((r = parse_glob_finish(&s)) != POLICY_OK)
                return r;
        if (s.i >= len)
                return fail(&s, POLICY_E_COLON, s.i);
        s.i++;
        return rights_at(text + s.i, len - s.i, s.i, &out->rights, err);
}

size_t
policy_size(const struct policy *p)
{
        const struct policy_glob *g = &p->glob;

        /* sets[] and bits follow ops[]: only a glob that needs neither ends early. */
        if (!g->simple || g->nsets != 0)
                return sizeof *p;
        return offsetof(struct policy, glob.ops) + g->nops * sizeof g->ops[0];
}

bool
policy_rights_subset(uint8_t want, uint8_t have)
{
        return (want & ~have) == 0;
}
