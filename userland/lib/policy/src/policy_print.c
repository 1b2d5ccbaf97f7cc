/*
 * Canonical printer: compiled form -> text.
 *
 * Model. The text is derived from the compiled instructions alone, so two policies
 * with the same compiled form print the same, and print(parse(x)) is a fixed point:
 * parsing the printed text rebuilds the same instructions. Canonical choices:
 *  - outside a class, exactly the bytes  \ * ? [ :  are escaped;
 *  - a class prints its byte set as maximal runs (a-c for three or more bytes),
 *    negated with '!' only when that needs strictly fewer runs; inside a class the
 *    bytes  \ ] [ - ! ^ :  are escaped; other bytes (controls, >= 0x80) are raw;
 *  - rights in the order rwcdxl.
 */
#include <string.h>

#include "policy_internal.h"

struct out {
        char *buf;
        size_t cap;
        size_t n;
};

static void
put(struct out *o, char c)
{
        if (o->n + 1 < o->cap)
                o->buf[o->n] = c;
        o->n++;
}

static size_t
finish(struct out *o)
{
        if (o->cap > 0)
                o->buf[o->n < o->cap ? o->n : o->cap - 1] = '\0';
        return o->n;
}

static void
put_lit(struct out *o, unsigned b)
{
        if (b == '\\' || b == '*' || b == '?' || b == '[' || b == ':')
                put(o, '\\');
        put(o, (char)b);
}

static void
put_class_byte(struct out *o, unsigned b)
{
        if (b == '\\' || b == ']' || b == '[' || b == '-' || b == '!' || b == '^' ||
            b == ':')
                put(o, '\\');
        put(o, (char)b);
}

/* Runs of consecutive members of set (or of its complement among segment bytes). */
static int
class_runs(const uint64_t set[4], bool neg, struct out *o)
{
        int runs = 0;

        for (unsigned b = 1; b < 256; b++) {
                unsigned e;

                if (b == '/' || policy_set_has(set, b) == neg)
                        continue;
                for (e = b; e + 1 < 256 && e + 1 != '/' &&
                            policy_set_has(set, e + 1) != neg; e++)
                        ;
                runs++;
                if (o) {
                        put_class_byte(o, b);
                        if (e >= b + 2)
                                put(o, '-');
                        if (e >= b + 1)
                                put_class_byte(o, e);
                }
                b = e;
        }
        return runs;
}

static void
put_class(struct out *o, const uint64_t set[4])
{
        bool neg = class_runs(set, true, NULL) < class_runs(set, false, NULL);

        put(o, '[');
        if (neg)
                put(o, '!');
        class_runs(set, neg, o);
        put(o, ']');
}

static void
put_op(struct out *o, const struct policy_glob *g, const struct policy_op *op)
{
        switch (op->kind) {
        case POLICY_OP_SLASH:
                put(o, '/');
                break;
        case POLICY_OP_LIT:
                put_lit(o, op->arg);
                break;
        case POLICY_OP_ANY:
                put(o, '?');
                break;
        case POLICY_OP_STAR:
                put(o, '*');
                break;
        case POLICY_OP_CLASS:
                put_class(o, g->sets[op->set]);
                break;
        case POLICY_OP_DSTAR:
                put(o, '/');
                put(o, '*');
                put(o, '*');
                break;
        default:                /* DFIRST, DLOOP, END print nothing */
                break;
        }
}

size_t
policy_op_print_len(const struct policy_glob *g, const struct policy_op *op)
{
        struct out o = {NULL, 0, 0};

        put_op(&o, g, op);
        return o.n;
}

static void
put_glob(struct out *o, const struct policy_glob *g)
{
        if (g->nops <= 1) {
                put(o, '/');
                return;
        }
        for (unsigned i = 0; i < g->nops; i++)
                put_op(o, g, &g->ops[i]);
}

static void
put_rights(struct out *o, uint8_t rights)
{
        static const char letters[] = POLICY_RIGHT_LETTERS;

        for (unsigned k = 0; letters[k]; k++)
                if (rights & (1u << k))
                        put(o, letters[k]);
}

size_t
policy_print_glob(const struct policy_glob *g, char *buf, size_t cap)
{
        struct out o = {buf, cap, 0};

        put_glob(&o, g);
        return finish(&o);
}

size_t
policy_print_rights(uint8_t rights, char *buf, size_t cap)
{
        struct out o = {buf, cap, 0};

        put_rights(&o, rights);
        return finish(&o);
}

size_t
policy_print(const struct policy *p, char *buf, size_t cap)
{
        struct out o = {buf, cap, 0};

        for (const char *s = p->scheme; *s; s++)
                put(&o, *s);
        put(&o, ':');
        put_glob(&o, &p->glob);
        put(&o, ':');
        put_rights(&o, p->rights);
        return finish(&o);
}

static const char *const policy_msgs[] = {
#define POLICY_E_MSG(name, num, msg) [num] = msg,
        POLICY_ERRORS(POLICY_E_MSG)
#undef POLICY_E_MSG
};

static const char *const policy_names[] = {
#define POLICY_E_NAME(name, num, msg) [num] = #name,
        POLICY_ERRORS(POLICY_E_NAME)
#undef POLICY_E_NAME
};

const char *
policy_strerror(enum policy_error e)
{
        if ((unsigned)e >= sizeof policy_msgs / sizeof policy_msgs[0] || !policy_msgs[e])
                return "unknown error";
        return policy_msgs[e];
}

const char *
policy_error_name(enum policy_error e)
{
        if ((unsigned)e >= sizeof policy_names / sizeof policy_names[0] ||
            !policy_names[e])
                return "POLICY_E_UNKNOWN";
        return policy_names[e];
}
