/*
 * libFuzzer harness (ASan + UBSan) for the boot.conf parser. Any input either
 * fails with a position inside the text, or parses into entries whose every field
 * is within its limits, and then print(parse(x)) parses to the same entries.
 * Any broken property traps, so libFuzzer reports it with the input.
 */
#include <stdint.h>
#include <string.h>

#include <bootconf/bootconf.h>

#include "conf_print.h"

#define MAXE 8
static struct bootconf_entry e1[MAXE], e2[MAXE];
static char p1[8192], p2[8192];
static struct bootconf c1, c2;
static char out[64 * 1024];

static void
check_entry(const struct bootconf *c, const struct bootconf_entry *e)
{
        if (strlen(e->name) == 0 || strlen(e->name) > BOOTCONF_NAME_MAX || e->path[0] != '/')
                __builtin_trap();
        if (e->nioports > BOOTCONF_IOPORTS_MAX || e->nirqs > BOOTCONF_IRQS_MAX ||
            e->ndevmem > BOOTCONF_DEVMEM_MAX || e->nuses > BOOTCONF_USES_MAX ||
            e->nenv > BOOTCONF_ENV_MAX || e->nargs > BOOTCONF_ARGS_MAX)
                __builtin_trap();
        for (unsigned i = 0; i < e->nioports; i++)
                if (e->ioports[i].first > e->ioports[i].last)
                        __builtin_trap();
        for (unsigned i = 0; i < e->nirqs; i++)
                if (e->irqs[i] > BOOTCONF_IRQ_LAST)
                        __builtin_trap();
        for (unsigned i = 0; i < e->ndevmem; i++)
                if (e->devmem[i].addr % 4096 || e->devmem[i].size % 4096 ||
                    (e->devmem[i].size == 0 && e->devmem[i].addr != 0))
                        __builtin_trap();       /* both 0: devmem=framebuffer */
        for (unsigned i = 0; i < e->nargs; i++)
                if (e->args[i] < c->pool || e->args[i] >= c->pool + c->pool_used)
                        __builtin_trap();
        if (e->serves[0] && bootconf_find_server(c, e->serves) != e)
                __builtin_trap();
        if (bootconf_find(c, e->name) != e)
                __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct bootconf_err err;
        size_t n;

        bootconf_init(&c1, e1, MAXE, p1, sizeof p1);
        if (bootconf_parse(&c1, (const char *)data, size, &err) != BOOTCONF_OK) {
                if (err.line == 0 || err.col == 0 || err.col > BOOTCONF_LINE_MAX + 1 ||
                    err.msg[0] == '\0' || strlen(err.msg) >= BOOTCONF_MSG_MAX)
                        __builtin_trap();
                return 0;
        }
        if (c1.pool_used > sizeof p1 || c1.nentries > MAXE)
                __builtin_trap();
        for (size_t k = 0; k < c1.nentries; k++)
                check_entry(&c1, &e1[k]);
        n = conf_print(&c1, out, sizeof out);
        if (n >= sizeof out)
                return 0;
        bootconf_init(&c2, e2, MAXE, p2, sizeof p2);
        if (bootconf_parse(&c2, out, n, &err) != BOOTCONF_OK) {
                /* Printing may lengthen a line past the limit or the pool; nothing else. */
                if (err.code != BOOTCONF_E_LINE_LONG && err.code != BOOTCONF_E_SPACE)
                        __builtin_trap();
                return 0;
        }
        if (conf_diff(&c1, &c2))
                __builtin_trap();
        return 0;
}
