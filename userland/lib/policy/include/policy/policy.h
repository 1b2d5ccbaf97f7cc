/*
 * The policy language: `scheme:glob:rights`, e.g. `file:/home/u/notes.txt:rw`.
 *
 * Model. A policy names a scheme, a glob over canonical absolute paths, and a set of
 * rights. Text is parsed once into a struct policy (the compiled form: a small
 * epsilon-NFA over bytes, one instruction per glob item); everything else (printing,
 * matching, inclusion) reads only the compiled form, so the canonical text printed
 * from it is what the library actually enforces. The grammar, the semantics and the
 * argument that inclusion is exact are in proofs-notes/policy.md.
 *
 * Memory. Nothing here allocates. A struct policy is self-contained and fixed-size
 * (about 22 KiB; send policies between processes as canonical text, not as this
 * struct); inclusion needs a struct policy_work the caller provides (about 5 MiB),
 * which also bounds the work a single decision may do: past it the answer is
 * POLICY_E_BUDGET ("cannot prove"), never a guess.
 *
 * Paths and globs are byte strings: no Unicode normalisation and no case folding.
 * Only NUL and '/' are special in a path.
 */
#ifndef POLICY_POLICY_H
#define POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_TEXT_MAX     4096   /* bytes of policy text accepted by the parser */
#define POLICY_GLOB_MAX     1024   /* bytes of the glob's canonical form */
#define POLICY_SCHEME_MAX   31
#define POLICY_PATH_MAX     4095   /* bytes of a path, PATH_MAX less its NUL */
#define POLICY_OPS_MAX      (POLICY_GLOB_MAX + 1)
#define POLICY_SETS_MAX     (POLICY_GLOB_MAX / 3 + 1)
#define POLICY_WORDS_MAX    ((POLICY_OPS_MAX + 63) / 64)

/* Rights, one letter each; the canonical order is the order of the bits. */
#define POLICY_R_READ       0x01   /* r: read a file's bytes, readlink */
#define POLICY_R_WRITE      0x02   /* w: write, truncate, chmod/chown/utimes */
#define POLICY_R_CREATE     0x04   /* c: create a new name (file, dir, link) */
#define POLICY_R_DELETE     0x08   /* d: remove a name (unlink, rmdir, rename away) */
#define POLICY_R_EXEC       0x10   /* x: execute a file */
#define POLICY_R_LIST       0x20   /* l: list a directory's names */
#define POLICY_R_ALL        0x3f
#define POLICY_RIGHT_LETTERS "rwcdxl"

#define POLICY_ERRORS(E)                                                        \
        E(POLICY_OK,                 0, "ok")                                   \
        E(POLICY_E_EMPTY,            1, "empty policy")                         \
        E(POLICY_E_SCHEME,           2, "bad scheme (want [a-z][a-z0-9-]*, at most 31 bytes)") \
        E(POLICY_E_COLON,            3, "missing ':' (want scheme:glob:rights)") \
        E(POLICY_E_RELATIVE,         4, "glob must start with '/'")             \
        E(POLICY_E_EMPTY_SEGMENT,    5, "empty segment ('//' or trailing '/')") \
        E(POLICY_E_DOT_SEGMENT,      6, "'.' or '..' segment never matches a canonical path") \
        E(POLICY_E_DSTAR,            7, "'**' must be a whole segment")         \
        E(POLICY_E_CLASS_OPEN,       8, "unterminated character class")         \
        E(POLICY_E_CLASS_EMPTY,      9, "character class matches no byte")      \
        E(POLICY_E_CLASS_RANGE,     10, "class range runs backwards")           \
        E(POLICY_E_ESCAPE,          11, "'\\' must precede a byte other than NUL and '/'") \
        E(POLICY_E_NUL,             12, "NUL byte")                             \
        E(POLICY_E_TOO_LONG,        13, "too long")                             \
        E(POLICY_E_RIGHT,           14, "unknown right (letters are rwcdxl)")   \
        E(POLICY_E_RIGHT_DUP,       15, "right given twice")                    \
        E(POLICY_E_PATH_RELATIVE,   16, "path must start with '/'")             \
        E(POLICY_E_PATH_EMPTY_SEG,  17, "path has an empty segment or trailing '/'") \
        E(POLICY_E_PATH_DOT,        18, "path has a '.' or '..' segment")       \
        E(POLICY_E_PATH_NUL,        19, "path has a NUL byte")                  \
        E(POLICY_E_PATH_TOO_LONG,   20, "path longer than 4095 bytes")          \
        E(POLICY_E_BUDGET,          21, "cannot prove: inclusion exceeds the work budget") \
        E(POLICY_E_NOT_SUBSET,      22, "not a subset of the parent")           \
        E(POLICY_E_ARG,             23, "bad argument")

enum policy_error {
#define POLICY_E_ENUM(name, num, msg) name = num,
        POLICY_ERRORS(POLICY_E_ENUM)
#undef POLICY_E_ENUM
};

/* One instruction of the compiled glob; see src/policy_nfa.c for their meaning. */
enum policy_opk {
        POLICY_OP_END = 0,      /* accept */
        POLICY_OP_SLASH,        /* '/' then the next segment */
        POLICY_OP_LIT,          /* one byte, arg */
        POLICY_OP_ANY,          /* '?' */
        POLICY_OP_CLASS,        /* one byte in sets[set] */
        POLICY_OP_STAR,         /* '*' */
        POLICY_OP_DSTAR,        /* '**': '/' or skip to after the group */
        POLICY_OP_DFIRST,       /* '**': first byte of a segment, never '.' */
        POLICY_OP_DLOOP,        /* '**': more bytes, or back to POLICY_OP_DSTAR */
};

#define POLICY_OPF_FIRST 0x1    /* first item of its segment (the dotfile rule) */

struct policy_op {
        uint8_t  kind;
        uint8_t  flags;
        uint8_t  arg;
        uint8_t  pad;
        uint16_t set;
};

/*
 * Bit-parallel tables, derived from ops[] by the parser (never set by hand): the
 * glob's own byte classes and, per class, the states that consume such a byte;
 * masks of the epsilon structure. When nclasses * words would not fit in take[],
 * nclasses is 0 and the matcher steps states one by one instead.
 */
#define POLICY_TAKE_WORDS 512

struct policy_bits {
        uint16_t nclasses;
        uint8_t  cls_of[256];
        uint64_t take[POLICY_TAKE_WORDS];       /* [class][word] */
        uint64_t loop[POLICY_WORDS_MAX];        /* STAR, DLOOP: stay on the byte */
        uint64_t seed[POLICY_WORDS_MAX];        /* where an epsilon run may start */
        uint64_t bound[POLICY_WORDS_MAX];       /* states an epsilon run may add */
        uint64_t pass[POLICY_WORDS_MAX];        /* bit i: a run passes from i-1 to i */
        uint64_t dloop[POLICY_WORDS_MAX];
        uint64_t dotlead[POLICY_WORDS_MAX];     /* LIT '.' first in its segment */
        uint64_t start[POLICY_WORDS_MAX];       /* closure of state 0 */
};

struct policy_glob {
        uint16_t nops;          /* instructions, END included */
        uint16_t nsets;
        uint8_t  simple;        /* no `**`: policy_match walks the items, and bits'
                                 * tables are not built (nor ever read) */
        struct policy_op ops[POLICY_OPS_MAX];   /* before sets and bits: see policy_size */
        uint64_t sets[POLICY_SETS_MAX][4];      /* 256-bit byte sets, never '/' or NUL */
        struct policy_bits bits;
};

struct policy {
        char     scheme[POLICY_SCHEME_MAX + 1];
        uint8_t  rights;
        struct policy_glob glob;
};

struct policy_err {
        enum policy_error code;
        size_t offset;          /* byte offset of the offending byte in the input */
};

/* Workspace and budget for inclusion. */
#define POLICY_WORK_STATES  65536
#define POLICY_WORK_WORDS   (1u << 18)
#define POLICY_WORK_HASH    (1u << 17)

struct policy_pstate {
        uint32_t pset;          /* offset of the parent's state set in words[] */
        uint32_t from;          /* BFS predecessor, for the counterexample */
        uint16_t child;         /* one child instruction */
        uint8_t  canon;         /* canonical-path automaton state */
        uint8_t  cls;           /* byte class that led here */
};

struct policy_slot {
        uint32_t gen;           /* valid only when equal to policy_work.gen */
        uint32_t val;
};

/*
 * Caller-owned workspace for inclusion; initialise once with policy_work_init().
 * Reused across calls without clearing: hash slots carry a generation number.
 */
struct policy_work {
        uint32_t max_states;    /* budget, <= POLICY_WORK_STATES; 0 means the maximum */
        uint64_t max_steps;     /* budget in work units; 0 means POLICY_WORK_STEPS */
        bool     exhaustive;    /* always the full search, never the shortcut (tests) */
        uint32_t nstates;       /* statistics of the last run */
        uint64_t steps;
        uint32_t nwords;
        uint32_t nclasses;
        uint32_t gen;
        uint8_t  cls_of[256];
        uint8_t  cls_rep[256];
        uint8_t  cls_order[256];
        struct policy_slot shash[POLICY_WORK_HASH];
        struct policy_slot phash[POLICY_WORK_HASH];
        struct policy_pstate st[POLICY_WORK_STATES];
        uint64_t words[POLICY_WORK_WORDS];
        char     ce[POLICY_WORK_STATES + 2];
};

#define POLICY_WORK_STEPS   (1u << 24)     /* about 0.1 s on a 2020s core */

enum policy_why {
        POLICY_WHY_SUBSET = 0,
        POLICY_WHY_SCHEME,      /* different schemes */
        POLICY_WHY_RIGHTS,      /* child holds a right the parent lacks */
        POLICY_WHY_GLOB,        /* child matches a path the parent does not */
};

struct policy_verdict {
        bool     subset;
        enum policy_why why;
        uint8_t  extra_rights;  /* POLICY_WHY_RIGHTS: the rights not held */
        const char *ce;         /* POLICY_WHY_GLOB: shortest counterexample, in work */
        size_t   ce_len;
};

/*
 * Bytes of *p its readers ever look at (everything after is unused room): a policy
 * without `**` and without character classes reads only its first nops instructions,
 * so a typical one is a few hundred bytes, not sizeof(struct policy). A copy of that
 * many bytes, in a block of that size, serves policy_match*, policy_subset (either
 * side), policy_weaken's parent and policy_print; never pass one as a parse target.
 */
size_t policy_size(const struct policy *p);

/* Message and enum name of an error code; never NULL. */
const char *policy_strerror(enum policy_error e);
const char *policy_error_name(enum policy_error e);

/*
 * policy_parse: text[0..len) -> *out.
 * Returns POLICY_OK, or the error also stored in err->code with err->offset the
 * byte that caused it (POLICY_E_EMPTY .. POLICY_E_RIGHT_DUP); POLICY_E_ARG for
 * NULL pointers. *out is meaningful only on POLICY_OK.
 */
int policy_parse(struct policy *out, const char *text, size_t len,
                 struct policy_err *err);
/* Rights letters alone ("rw"); same errors as the rights part of policy_parse. */
int policy_parse_rights(const char *text, size_t len, uint8_t *rights,
                        struct policy_err *err);
/* True when every right in want is in have: the one "rights only shrink" check. */
bool policy_rights_subset(uint8_t want, uint8_t have);

/*
 * Canonical text (proofs-notes/policy.md §1). Returns the length the text needs,
 * excluding the NUL; writes at most cap bytes, always NUL-terminated when cap > 0.
 * A buffer of POLICY_PRINT_MAX bytes always suffices for policy_print.
 */
#define POLICY_PRINT_MAX (POLICY_SCHEME_MAX + 1 + POLICY_GLOB_MAX + 1 + 6 + 1)
size_t policy_print(const struct policy *p, char *buf, size_t cap);
size_t policy_print_glob(const struct policy_glob *g, char *buf, size_t cap);
size_t policy_print_rights(uint8_t rights, char *buf, size_t cap);

/*
 * Paths must be canonical: absolute, no empty, '.' or '..' segment, no trailing '/',
 * no NUL, at most POLICY_PATH_MAX bytes. policy_check_path returns POLICY_OK or
 * POLICY_E_PATH_* with *bad_offset (may be NULL) the offending byte. Nothing is
 * ever "fixed up": canonicalising is the server's job.
 */
int policy_check_path(const char *path, size_t len, size_t *bad_offset);
/*
 * policy_match: does glob g match path[0..len)? Returns POLICY_OK with *matched, or
 * a POLICY_E_PATH_* error (then *matched is false), or POLICY_E_ARG. Time is linear
 * in len for a compiled glob; no allocation.
 */
int policy_match(const struct policy_glob *g, const char *path, size_t len,
                 bool *matched);
/* Glob matches and every right in want is held: *allowed. Errors as policy_match. */
/* policy_match for a path the caller vouches is canonical (absolute, no empty, '.' or
 * '..' segments, no NUL, at most 4095 bytes: what memfs's walk produces), so it is not
 * checked again. Anything else gives an answer that means nothing. */
bool policy_match_canonical(const struct policy_glob *g, const char *path, size_t len);
int policy_match_policy(const struct policy *p, const char *path, size_t len,
                        uint8_t want, bool *allowed);

/* Once, before the first policy_subset/policy_weaken with w. */
void policy_work_init(struct policy_work *w);
/*
 * policy_subset: may parent be weakened to child? Returns POLICY_OK with *v:
 * v->subset, or v->why = SCHEME, RIGHTS (v->extra_rights) or GLOB (v->ce, v->ce_len:
 * a shortest canonical path child matches and parent does not; it points into w and
 * lives until w's next use). Returns POLICY_E_BUDGET when deciding would exceed w's
 * budget — "cannot prove", never a verdict — and POLICY_E_ARG for bad pointers.
 */
int policy_subset(const struct policy *child, const struct policy *parent,
                  struct policy_work *w, struct policy_verdict *v);
/*
 * policy_weaken: parse text into *out and accept it only if it is within parent.
 * Returns POLICY_OK; a parse error (err says where); POLICY_E_NOT_SUBSET with *v
 * saying why; or POLICY_E_BUDGET. Never returns POLICY_OK for a policy it could
 * not prove to be within parent.
 */
int policy_weaken(const struct policy *parent, const char *text, size_t len,
                  struct policy *out, struct policy_work *w,
                  struct policy_verdict *v, struct policy_err *err);

#endif
