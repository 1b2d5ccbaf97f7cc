/*
 * The boot configuration parser: `/etc/boot.conf` in the boot archive says which
 * servers, drivers and programs init starts, and with exactly which capabilities.
 * The format is in ../README.md.
 *
 * Memory. Nothing here allocates and nothing is global. The caller gives an array of
 * entries and a string pool; the strings that may be long or many (use=, env=, the
 * arguments) are decoded into the pool, NUL-terminated, and the entries point at
 * them, so the pool must outlive the entries. Names, paths and schemes are short and
 * live inside the entry. A struct bootconf also holds one line's scratch space (4 KiB).
 *
 * Errors. The first bad byte stops the parse: the error carries a code, the 1-based
 * line and column (in bytes) and a message naming what was wrong, which
 * bootconf_format_error() turns into `boot.conf:3:17: unknown key 'qouta'`.
 */
#ifndef BOOTCONF_BOOTCONF_H
#define BOOTCONF_BOOTCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOTCONF_LINE_MAX     4096   /* bytes of a line, its newline not counted */
#define BOOTCONF_NAME_MAX     31
#define BOOTCONF_PATH_MAX     255
#define BOOTCONF_SCHEME_MAX   31
#define BOOTCONF_USE_MAX      4096   /* bytes of one use= value */
#define BOOTCONF_IOPORTS_MAX  8
#define BOOTCONF_IRQS_MAX     8
#define BOOTCONF_IRQ_LAST     23
#define BOOTCONF_DEVMEM_MAX   4
#define BOOTCONF_USES_MAX     16
#define BOOTCONF_ENV_MAX      16
#define BOOTCONF_ARGS_MAX     64
#define BOOTCONF_PAGE_SIZE    4096u
#define BOOTCONF_MSG_MAX      128

#define BOOTCONF_ERRORS(E)                                                      \
        E(BOOTCONF_OK,             0, "ok")                                     \
        E(BOOTCONF_E_NUL,          1, "NUL byte")                               \
        E(BOOTCONF_E_LINE_LONG,    2, "line longer than 4096 bytes")            \
        E(BOOTCONF_E_CONTROL,      3, "control character")                      \
        E(BOOTCONF_E_QUOTE,        4, "unterminated quote")                     \
        E(BOOTCONF_E_ESCAPE,       5, "bad escape (want \\\" \\\\ or \\n)")     \
        E(BOOTCONF_E_KIND,         6, "unknown kind (want server, driver or run)") \
        E(BOOTCONF_E_MISSING,      7, "missing NAME or PATH")                   \
        E(BOOTCONF_E_NAME,         8, "bad name (want [a-z][a-z0-9-]*, at most 31 bytes)") \
        E(BOOTCONF_E_NAME_DUP,     9, "duplicate name")                         \
        E(BOOTCONF_E_PATH_RELATIVE, 10, "path must be absolute")                \
        E(BOOTCONF_E_PATH,        11, "bad path (want /a/b: no empty, '.' or '..' segment, at most 255 bytes)") \
        E(BOOTCONF_E_NOT_KEY,     12, "expected KEY=VALUE or --")               \
        E(BOOTCONF_E_KEY,         13, "unknown key")                            \
        E(BOOTCONF_E_KEY_KIND,    14, "key not valid for this kind")            \
        E(BOOTCONF_E_KEY_DUP,     15, "key given twice")                        \
        E(BOOTCONF_E_TOO_MANY,    16, "too many of a repeatable key")           \
        E(BOOTCONF_E_NUMBER,      17, "bad number")                             \
        E(BOOTCONF_E_OUT_OF_RANGE, 18, "number out of range")                   \
        E(BOOTCONF_E_REVERSED,    19, "range reversed")                         \
        E(BOOTCONF_E_ALIGN,       20, "not page-aligned")                       \
        E(BOOTCONF_E_VALUE,       21, "bad value")                              \
        E(BOOTCONF_E_SCHEME,      22, "bad scheme (want [a-z][a-z0-9-]*, at most 31 bytes)") \
        E(BOOTCONF_E_SCHEME_DUP,  23, "scheme already served by another entry") \
        E(BOOTCONF_E_USE,         24, "bad use= (want scheme or scheme:glob:rights)") \
        E(BOOTCONF_E_ENV,         25, "bad env= (want NAME=VALUE)")             \
        E(BOOTCONF_E_TOO_MANY_ARGS, 26, "too many arguments (at most 64)")      \
        E(BOOTCONF_E_ENTRIES,     27, "too many entries for the caller's array") \
        E(BOOTCONF_E_SPACE,       28, "string pool full")                       \
        E(BOOTCONF_E_ARG,         29, "bad argument to bootconf_parse")

enum bootconf_error {
#define BOOTCONF_E_ENUM(name, num, msg) name = num,
        BOOTCONF_ERRORS(BOOTCONF_E_ENUM)
#undef BOOTCONF_E_ENUM
};

enum bootconf_kind {
        BOOTCONF_SERVER = 1,
        BOOTCONF_DRIVER,
        BOOTCONF_RUN,
};

/* Bits of bootconf_entry.given: which single-valued keys the line set. */
#define BOOTCONF_HAS_SERVES   0x01
#define BOOTCONF_HAS_QUOTA    0x02
#define BOOTCONF_HAS_PRIO     0x04
#define BOOTCONF_HAS_RESTART  0x08

struct bootconf_ioport {
        uint16_t first, last;           /* inclusive */
};

struct bootconf_devmem {
        uint64_t addr, size;            /* page-aligned, size > 0, no wrap; or both 0:
                                         * devmem=framebuffer, the boot display */
};

struct bootconf_entry {
        enum bootconf_kind kind;
        uint32_t line;                  /* where it was written, for later messages */
        uint32_t given;                 /* BOOTCONF_HAS_* */
        char     name[BOOTCONF_NAME_MAX + 1];
        char     path[BOOTCONF_PATH_MAX + 1];
        char     serves[BOOTCONF_SCHEME_MAX + 1];       /* "" when none */
        uint64_t quota;                 /* bytes; 0: init's default */
        uint8_t  prio;                  /* meaningful when given & BOOTCONF_HAS_PRIO */
        bool     restart;
        uint8_t  nioports, nirqs, ndevmem, nuses, nenv, nargs;
        struct bootconf_ioport ioports[BOOTCONF_IOPORTS_MAX];
        uint8_t  irqs[BOOTCONF_IRQS_MAX];
        struct bootconf_devmem devmem[BOOTCONF_DEVMEM_MAX];
        const char *uses[BOOTCONF_USES_MAX];    /* in the pool, as written */
        const char *env[BOOTCONF_ENV_MAX];      /* in the pool, "NAME=VALUE" */
        const char *args[BOOTCONF_ARGS_MAX];    /* in the pool; argv[1..], not argv[0] */
};

struct bootconf {
        struct bootconf_entry *entries;
        size_t   max_entries;
        size_t   nentries;
        char    *pool;
        size_t   pool_size;
        size_t   pool_used;
        char     word[BOOTCONF_LINE_MAX + 1];   /* scratch: one decoded word */
};

struct bootconf_err {
        enum bootconf_error code;
        uint32_t line;                  /* 1-based */
        uint32_t col;                   /* 1-based, in bytes */
        char     msg[BOOTCONF_MSG_MAX]; /* NUL-terminated, e.g. "unknown key 'qouta'" */
};

/* Gives the parser its memory; the entries and pool are the caller's. */
void bootconf_init(struct bootconf *conf, struct bootconf_entry *entries,
                   size_t max_entries, char *pool, size_t pool_size);

/*
 * Parses a whole file. On success returns BOOTCONF_OK and conf->entries[0..nentries)
 * in file order. On failure returns the error (also in err->code) and leaves the
 * entries unspecified.
 */
enum bootconf_error bootconf_parse(struct bootconf *conf, const char *text, size_t len,
                                   struct bootconf_err *err);

/* The entry named NAME, or the one that serves SCHEME; NULL when none. */
const struct bootconf_entry *bootconf_find(const struct bootconf *conf, const char *name);
const struct bootconf_entry *bootconf_find_server(const struct bootconf *conf,
                                                  const char *scheme);

/* The last `run` entry ("what to run last"), or NULL. */
const struct bootconf_entry *bootconf_last_run(const struct bootconf *conf);

/*
 * Writes "FILE:LINE:COL: MESSAGE" into buf (always NUL-terminated when size > 0,
 * truncated when short). Returns the length the full text has.
 */
size_t bootconf_format_error(const struct bootconf_err *err, const char *file, char *buf,
                             size_t size);

/* The generic message and enum name of a code; never NULL. */
const char *bootconf_strerror(enum bootconf_error e);
const char *bootconf_error_name(enum bootconf_error e);
const char *bootconf_kind_name(enum bootconf_kind k);

#endif
