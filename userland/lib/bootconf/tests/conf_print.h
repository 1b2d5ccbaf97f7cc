/*
 * Test helpers shared by the unit tests and the fuzzer: print a parsed file back
 * as text (every string quoted, so any value survives), and compare two parses.
 * parse(print(parse(x))) == parse(x) is the round-trip property both check.
 */
#ifndef BOOTCONF_CONF_PRINT_H
#define BOOTCONF_CONF_PRINT_H

#include <stdio.h>
#include <string.h>

#include <bootconf/bootconf.h>

static size_t
cp_put(char *buf, size_t size, size_t n, const char *s)
{
        size_t l = strlen(s);

        if (n < size)
                memcpy(buf + n, s, l < size - n ? l : size - n);
        return n + l;
}

static size_t
cp_quoted(char *buf, size_t size, size_t n, const char *s)
{
        n = cp_put(buf, size, n, "\"");
        for (; *s; s++) {
                char e[3] = {*s, 0, 0};

                if (*s == '"' || *s == '\\')
                        e[0] = '\\', e[1] = *s;
                else if (*s == '\n')
                        e[0] = '\\', e[1] = 'n';
                n = cp_put(buf, size, n, e);
        }
        return cp_put(buf, size, n, "\"");
}

/* Prints conf as boot.conf text into buf, NUL-terminated; returns the full length. */
static size_t
conf_print(const struct bootconf *c, char *buf, size_t size)
{
        char t[128];
        size_t n = 0;

        for (size_t k = 0; k < c->nentries; k++) {
                const struct bootconf_entry *e = &c->entries[k];

                snprintf(t, sizeof t, "%s %s ", bootconf_kind_name(e->kind), e->name);
                n = cp_put(buf, size, n, t);
                n = cp_quoted(buf, size, n, e->path);
                if (e->given & BOOTCONF_HAS_SERVES)
                        n = cp_put(buf, size, n, " serves="), n = cp_put(buf, size, n, e->serves);
                if (e->given & BOOTCONF_HAS_QUOTA) {
                        snprintf(t, sizeof t, " quota=%llu", (unsigned long long)e->quota);
                        n = cp_put(buf, size, n, t);
                }
                if (e->given & BOOTCONF_HAS_PRIO) {
                        snprintf(t, sizeof t, " prio=%u", e->prio);
                        n = cp_put(buf, size, n, t);
                }
                if (e->given & BOOTCONF_HAS_RESTART)
                        n = cp_put(buf, size, n, e->restart ? " restart=yes" : " restart=no");
                for (unsigned i = 0; i < e->nioports; i++) {
                        snprintf(t, sizeof t, " ioport=0x%x-%u", e->ioports[i].first,
                                 e->ioports[i].last);
                        n = cp_put(buf, size, n, t);
                }
                for (unsigned i = 0; i < e->nirqs; i++) {
                        snprintf(t, sizeof t, " irq=%u", e->irqs[i]);
                        n = cp_put(buf, size, n, t);
                }
                for (unsigned i = 0; i < e->ndevmem; i++) {
                        if (e->devmem[i].size == 0)
                                snprintf(t, sizeof t, " devmem=framebuffer");
                        else
                                snprintf(t, sizeof t, " devmem=0x%llx+%llu",
                                         (unsigned long long)e->devmem[i].addr,
                                         (unsigned long long)e->devmem[i].size);
                        n = cp_put(buf, size, n, t);
                }
                for (unsigned i = 0; i < e->nuses; i++)
                        n = cp_put(buf, size, n, " use="), n = cp_quoted(buf, size, n, e->uses[i]);
                for (unsigned i = 0; i < e->nenv; i++)
                        n = cp_put(buf, size, n, " env="), n = cp_quoted(buf, size, n, e->env[i]);
                if (e->nargs)
                        n = cp_put(buf, size, n, " --");
                for (unsigned i = 0; i < e->nargs; i++)
                        n = cp_put(buf, size, n, " "), n = cp_quoted(buf, size, n, e->args[i]);
                n = cp_put(buf, size, n, "\n");
        }
        if (size)
                buf[n < size ? n : size - 1] = '\0';
        return n;
}

/* NULL when equal, else the first field that differs. */
static const char *
conf_diff(const struct bootconf *a, const struct bootconf *b)
{
        if (a->nentries != b->nentries)
                return "nentries";
        for (size_t k = 0; k < a->nentries; k++) {
                const struct bootconf_entry *x = &a->entries[k], *y = &b->entries[k];

                if (x->kind != y->kind || x->given != y->given)
                        return "kind/given";
                if (strcmp(x->name, y->name) || strcmp(x->path, y->path) ||
                    strcmp(x->serves, y->serves))
                        return "name/path/serves";
                if (x->quota != y->quota || x->prio != y->prio || x->restart != y->restart)
                        return "quota/prio/restart";
                if (x->nioports != y->nioports || x->nirqs != y->nirqs ||
                    x->ndevmem != y->ndevmem || x->nuses != y->nuses || x->nenv != y->nenv ||
                    x->nargs != y->nargs)
                        return "counts";
                if (memcmp(x->ioports, y->ioports, sizeof x->ioports) ||
                    memcmp(x->irqs, y->irqs, sizeof x->irqs) ||
                    memcmp(x->devmem, y->devmem, sizeof x->devmem))
                        return "ioport/irq/devmem";
                for (unsigned i = 0; i < x->nuses; i++)
                        if (strcmp(x->uses[i], y->uses[i]))
                                return "use";
                for (unsigned i = 0; i < x->nenv; i++)
                        if (strcmp(x->env[i], y->env[i]))
                                return "env";
                for (unsigned i = 0; i < x->nargs; i++)
                        if (strcmp(x->args[i], y->args[i]))
                                return "args";
        }
        return NULL;
}

#endif
