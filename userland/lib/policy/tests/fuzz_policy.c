/*
 * libFuzzer harness (ASan + UBSan): input is "A\nB\nPATH".
 *  - parse A; when it parses, print(parse(A)) must parse to the same text;
 *  - match A against PATH; a canonical PATH must never make match fail, and the
 *    bit-parallel matcher must agree with the state-by-state run;
 *  - subset(A, B) under a small budget; a counterexample must be matched by A
 *    and not by B, and when A <= B is claimed, PATH matched by A must be matched
 *    by B.
 * Any broken property traps, so libFuzzer reports it with the input.
 */
#include <stdint.h>
#include <string.h>

#include <policy/policy.h>

#include "../src/policy_internal.h"

static struct policy a, b, c;
static struct policy_work work;
static char o1[POLICY_TEXT_MAX + 8], o2[POLICY_TEXT_MAX + 8];

static void
fixed_point(const struct policy *p)
{
        struct policy_err err;
        size_t n = policy_print(p, o1, sizeof o1);

        if (n >= sizeof o1 || policy_parse(&c, o1, n, &err) != POLICY_OK)
                __builtin_trap();
        policy_print(&c, o2, sizeof o2);
        if (strcmp(o1, o2) != 0)
                __builtin_trap();
}

static const uint8_t *
field(const uint8_t **data, size_t *size, size_t *len)
{
        const uint8_t *start = *data, *nl = memchr(*data, '\n', *size);

        *len = nl ? (size_t)(nl - start) : *size;
        *data += *len + (nl != NULL);
        *size -= *len + (nl != NULL);
        return start;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t la, lb, lp;
        const char *ta = (const char *)field(&data, &size, &la);
        const char *tb = (const char *)field(&data, &size, &lb);
        const char *path = (const char *)field(&data, &size, &lp);
        struct policy_err err;
        struct policy_verdict v;
        bool ya = false, yb = false, ok_a, ok_b;
        int r;

        ok_a = policy_parse(&a, ta, la, &err) == POLICY_OK;
        ok_b = policy_parse(&b, tb, lb, &err) == POLICY_OK;
        if (ok_a)
                fixed_point(&a);
        if (ok_a && policy_check_path(path, lp, NULL) == POLICY_OK) {
                if (policy_match(&a.glob, path, lp, &ya) != POLICY_OK ||
                    ya != policy_nfa_run(&a.glob, (const unsigned char *)path, lp == 1 ? 0 : lp))
                        __builtin_trap();
        }
        if (!ok_a || !ok_b)
                return 0;
        work.max_states = 4096;
        work.max_steps = 200000;
        r = policy_subset(&a, &b, &work, &v);
        if (r != POLICY_OK)
                return 0;
        if (!v.subset && v.why == POLICY_WHY_GLOB) {
                if (policy_match(&a.glob, v.ce, v.ce_len, &ya) != POLICY_OK || !ya ||
                    policy_match(&b.glob, v.ce, v.ce_len, &yb) != POLICY_OK || yb)
                        __builtin_trap();
        }
        if (v.subset && ya && (policy_match(&b.glob, path, lp, &yb) != POLICY_OK || !yb))
                __builtin_trap();
        return 0;
}
