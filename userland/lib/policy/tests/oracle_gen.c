/*
 * Case generator for the independent oracles (oracle/match_oracle.py with Python's
 * `re`, oracle/subset_oracle.js with refa). It prints, one case a line, canonical
 * globs and the library's own verdicts in hex, so the oracles can re-derive each
 * verdict from the text alone and compare:
 *   oracle_gen match  SEED N   ->  GLOB PATH 0|1
 *   oracle_gen subset SEED N   ->  CHILD PARENT 0|1|B CE|-      (B: over budget)
 * The oracles re-parse the canonical glob themselves; they share no code with the
 * library.
 */
#include "tap.h"

static struct policy pa, pb;
static struct policy_work work;

static const char *const items[] = {
        "a", "b", "\\.", ".", "\\:", "\\*", "-", "]", "\xc3\xa9", "?", "*", "*",
        "[a-c]", "[!a]", "[]a]", "[.-0]", "[\x80-\xff]", "[!.]", "[ab.]", "[!/]", "\\?",
};
#define NITEMS (sizeof items / sizeof items[0])

static int
gen_glob(uint64_t *s, char *out, unsigned nitems)
{
        int nseg = (int)tap_below(s, 4), n = sprintf(out, "file:");

        if (nseg == 0)
                n += sprintf(out + n, "/");
        for (int k = 0; k < nseg; k++) {
                n += sprintf(out + n, "/");
                if (tap_below(s, 5) == 0) {
                        n += sprintf(out + n, "**");
                        continue;
                }
                for (int m = 1 + (int)tap_below(s, 3); m > 0; m--) {
                        const char *it = items[tap_below(s, nitems)];
                        if (it[0] == '*' && out[n - 1] == '*')
                                it = "a";
                        n += sprintf(out + n, "%s", it);
                }
        }
        return n + sprintf(out + n, ":r");
}

static int
parse_random(uint64_t *s, struct policy *p, unsigned nitems)
{
        char text[256];
        struct policy_err err;

        for (;;) {
                int n = gen_glob(s, text, nitems);
                if (policy_parse(p, text, (size_t)n, &err) == POLICY_OK)
                        return 0;
        }
}

static void
hex(const char *b, size_t n)
{
        if (n == 0)
                putchar('-');
        for (size_t i = 0; i < n; i++)
                printf("%02x", (unsigned char)b[i]);
}

static void
put_glob(const struct policy *p)
{
        char buf[2048];

        hex(buf, policy_print_glob(&p->glob, buf, sizeof buf));
}

/* A byte the glob's item at op i may take (a sample of its language). */
static unsigned
sample_byte(uint64_t *s, const struct policy_glob *g, const struct policy_op *op)
{
        static const char pool[] = "abc.:*-]0\xc3\xa9\x80\xff";
        unsigned b;

        if (op->kind == POLICY_OP_LIT)
                return op->arg;
        do
                b = (unsigned char)pool[tap_below(s, sizeof pool - 1)];
        while (op->kind == POLICY_OP_CLASS && !((g->sets[op->set][b >> 6] >> (b & 63)) & 1) &&
               tap_below(s, 8));
        return b;
}

/* A path near the glob: sampled from it, then sometimes mutated. */
static size_t
gen_path(uint64_t *s, const struct policy_glob *g, char *out)
{
        static const char pool[] = "abc.:*-]0\xc3\xa9/";
        size_t n = 0;

        for (unsigned i = 0; i + 1 < g->nops && n < 60; i++) {
                const struct policy_op *op = &g->ops[i];
                unsigned reps = 1;

                if (op->kind == POLICY_OP_STAR || op->kind == POLICY_OP_DLOOP)
                        reps = tap_below(s, 3);
                if (op->kind == POLICY_OP_DSTAR && tap_below(s, 2)) {
                        i += 2;
                        continue;
                }
                for (; reps > 0; reps--)
                        out[n++] = op->kind == POLICY_OP_SLASH || op->kind == POLICY_OP_DSTAR ?
                                   '/' : (char)sample_byte(s, g, op);
        }
        if (tap_below(s, 3) == 0 && n > 1)
                out[1 + tap_below(s, (unsigned)n - 1)] = pool[tap_below(s, sizeof pool - 1)];
        if (n == 0)
                out[n++] = '/';
        return n;
}

static void
gen_match(uint64_t seed, long count)
{
        char path[128];

        for (long k = 0; k < count;) {
                size_t n;
                bool yes;

                parse_random(&seed, &pa, NITEMS);
                n = gen_path(&seed, &pa.glob, path);
                if (policy_match(&pa.glob, path, n, &yes) != POLICY_OK)
                        continue;       /* non-canonical: the oracle has no say */
                put_glob(&pa);
                putchar(' ');
                hex(path, n);
                printf(" %d\n", yes);
                k++;
        }
}

static void
gen_subset(uint64_t seed, long count)
{
        for (long k = 0; k < count; k++) {
                struct policy_verdict v;
                int r;

                /* Small alphabets make inclusion frequent; the full list, rare. */
                unsigned ni = tap_below(&seed, 2) ? 12 : NITEMS;

                parse_random(&seed, &pa, ni);
                if (tap_below(&seed, 3) == 0)
                        pb = pa;
                else
                        parse_random(&seed, &pb, ni);
                r = policy_subset(&pa, &pb, &work, &v);
                put_glob(&pa);
                putchar(' ');
                put_glob(&pb);
                if (r == POLICY_E_BUDGET) {
                        printf(" B -\n");
                        continue;
                }
                printf(" %d ", r == POLICY_OK && v.subset);
                if (r == POLICY_OK && !v.subset)
                        hex(v.ce, v.ce_len);
                else
                        putchar('-');
                putchar('\n');
        }
}

int
main(int argc, char **argv)
{
        uint64_t seed;
        long count;

        if (argc != 4) {
                fprintf(stderr, "usage: oracle_gen match|subset SEED N\n");
                return 2;
        }
        seed = strtoull(argv[2], NULL, 0);
        count = atol(argv[3]);
        policy_work_init(&work);
        if (!strcmp(argv[1], "match"))
                gen_match(seed, count);
        else if (!strcmp(argv[1], "subset"))
                gen_subset(seed, count);
        else
                return 2;
        return 0;
}
