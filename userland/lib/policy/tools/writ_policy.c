/*
 * writ-policy: the policy library for people, on the host.
 *
 *   writ-policy parse TEXT              canonical form
 *   writ-policy match POLICY PATH       does the glob match the canonical PATH?
 *   writ-policy subset CHILD PARENT     may PARENT be weakened to CHILD?
 *
 * Exit status: 0 yes, 1 no, 2 error (bad input, or inclusion could not be proven
 * within the budget). Output is line-oriented: `canonical:`, `verdict:`, `reason:`,
 * `counterexample:`, `error:` lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <policy/policy.h>

/* The work area (5 MB) is allocated when it is needed, not in .bss: Writ's process
 * builder maps every page of an image up front (and limits how many). */
static struct policy_work *workp;
#define work (*workp)
static struct policy pa, pb;

static void
usage(FILE *f)
{
        fprintf(f,
"usage: writ-policy parse TEXT\n"
"       writ-policy match POLICY PATH\n"
"       writ-policy subset CHILD PARENT\n"
"\n"
"A policy is scheme:glob:rights, e.g. file:/home/u/*.txt:r\n"
"  glob: absolute; * ? [a-z] [!x] within one segment, ** = whole segments,\n"
"        \\ escapes a byte (write ':' as \\:); no wildcard matches a leading '.'\n"
"  rights: r read, w write, c create, d delete, x execute, l list\n"
"exit status: 0 yes, 1 no, 2 error or cannot prove\n");
}

static void
show_error(const char *what, const char *text, int code, size_t off)
{
        fprintf(stderr, "error: %s: %s (%s) at byte %zu\n", what,
                policy_strerror(code), policy_error_name(code), off);
        if (strlen(text) < 200) {
                fprintf(stderr, "  %s\n  %*s^\n", text, (int)off, "");
        }
}

static int
parse_arg(const char *text, struct policy *p)
{
        struct policy_err err;

        if (policy_parse(p, text, strlen(text), &err) != POLICY_OK) {
                show_error("parse", text, err.code, err.offset);
                return -1;
        }
        return 0;
}

static void
print_canonical(const char *label, const struct policy *p)
{
        static char buf[POLICY_TEXT_MAX + 64];

        policy_print(p, buf, sizeof buf);
        printf("%s%s\n", label, buf);
}

static int
cmd_parse(const char *text)
{
        if (parse_arg(text, &pa) < 0)
                return 2;
        print_canonical("canonical: ", &pa);
        return 0;
}

static int
cmd_match(const char *text, const char *path)
{
        size_t off;
        bool yes;
        int r;

        if (parse_arg(text, &pa) < 0)
                return 2;
        print_canonical("policy: ", &pa);
        if ((r = policy_check_path(path, strlen(path), &off)) != POLICY_OK) {
                show_error("path", path, r, off);
                return 2;
        }
        if ((r = policy_match(&pa.glob, path, strlen(path), &yes)) != POLICY_OK) {
                show_error("match", path, r, 0);
                return 2;
        }
        printf("verdict: %s\n", yes ? "match" : "no match");
        if (!yes)
                printf("reason: the glob does not match %s\n", path);
        return yes ? 0 : 1;
}

static int
cmd_subset(const char *child, const char *parent)
{
        struct policy_verdict v;
        char letters[8];
        int r;

        if (parse_arg(child, &pa) < 0 || parse_arg(parent, &pb) < 0)
                return 2;
        print_canonical("child: ", &pa);
        print_canonical("parent: ", &pb);
        if ((r = policy_subset(&pa, &pb, &work, &v)) != POLICY_OK) {
                printf("verdict: cannot prove\n");
                fprintf(stderr, "error: subset: %s (%s); explored %u states\n",
                        policy_strerror(r), policy_error_name(r), work.nstates);
                return 2;
        }
        printf("verdict: %s\n", v.subset ? "subset" : "not a subset");
        switch (v.why) {
        case POLICY_WHY_SUBSET:
                return 0;
        case POLICY_WHY_SCHEME:
                printf("reason: schemes differ (%s vs %s)\n", pa.scheme, pb.scheme);
                break;
        case POLICY_WHY_RIGHTS:
                policy_print_rights(v.extra_rights, letters, sizeof letters);
                printf("reason: the parent lacks right(s) %s\n", letters);
                break;
        case POLICY_WHY_GLOB:
                printf("reason: the child matches a path the parent does not\n");
                printf("counterexample: %.*s\n", (int)v.ce_len, v.ce);
                break;
        }
        return 1;
}

int
main(int argc, char **argv)
{
        if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                usage(stdout);
                return 0;
        }
        if (!(workp = malloc(sizeof(*workp)))) {
                fprintf(stderr, "error: no memory for the work area\n");
                return 2;
        }
        policy_work_init(&work);
        if (argc == 3 && !strcmp(argv[1], "parse"))
                return cmd_parse(argv[2]);
        if (argc == 4 && !strcmp(argv[1], "match"))
                return cmd_match(argv[2], argv[3]);
        if (argc == 4 && !strcmp(argv[1], "subset"))
                return cmd_subset(argv[2], argv[3]);
        usage(stderr);
        return 2;
}
