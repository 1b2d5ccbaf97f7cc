/*
 * Test helper: writes cpio newc entries into a buffer, with hooks to break them.
 * Shared by the unit tests and the fuzzer's seed generator.
 */
#ifndef ARCHIVE_BUILDER_H
#define ARCHIVE_BUILDER_H

#include <stdio.h>
#include <string.h>

#include <archive/archive.h>

struct builder {
        unsigned char *b;
        size_t cap, n;
};

struct spec {
        const char *name;
        size_t name_len;        /* 0: strlen(name) */
        unsigned mode;
        const void *data;
        size_t size;
        unsigned ino, nlink, mtime;
        long namesize;          /* > 0 or -1: written instead of name_len + 1 (-1 means 0) */
        long filesize;          /* > 0: written instead of size */
        int no_nul;             /* leave out the name's NUL */
};

static void
b_bytes(struct builder *bd, const void *p, size_t n)
{
        if (bd->n + n <= bd->cap)
                memcpy(bd->b + bd->n, p, n);
        bd->n += n;
}

static void
b_pad(struct builder *bd)
{
        while (bd->n & 3)
                b_bytes(bd, "", 1);
}

static void
b_hex(struct builder *bd, unsigned long v)
{
        char t[9];

        snprintf(t, sizeof t, "%08lX", v & 0xffffffffUL);
        b_bytes(bd, t, 8);
}

/* Returns the offset of the entry's header. */
static size_t
b_entry(struct builder *bd, const struct spec *s)
{
        size_t at = bd->n, nl = s->name_len ? s->name_len : strlen(s->name);
        unsigned long namesize = s->namesize == -1 ? 0 : s->namesize ? (unsigned long)s->namesize
                                                                  : nl + 1;

        b_bytes(bd, "070701", 6);
        b_hex(bd, s->ino);
        b_hex(bd, s->mode);
        b_hex(bd, 0);
        b_hex(bd, 0);
        b_hex(bd, s->nlink ? s->nlink : 1);
        b_hex(bd, s->mtime);
        b_hex(bd, s->filesize ? (unsigned long)s->filesize : s->size);
        for (int k = 0; k < 4; k++)
                b_hex(bd, 0);
        b_hex(bd, namesize);
        b_hex(bd, 0);
        b_bytes(bd, s->name, nl);
        if (!s->no_nul)
                b_bytes(bd, "", 1);
        b_pad(bd);
        if (s->size)
                b_bytes(bd, s->data, s->size);
        b_pad(bd);
        return at;
}

static size_t
b_file(struct builder *bd, const char *name, const char *data)
{
        struct spec s = {.name = name, .mode = 0100644, .data = data, .size = strlen(data)};

        return b_entry(bd, &s);
}

static size_t
b_dir(struct builder *bd, const char *name)
{
        struct spec s = {.name = name, .mode = 0040755, .nlink = 2};

        return b_entry(bd, &s);
}

static size_t
b_symlink(struct builder *bd, const char *name, const char *target)
{
        struct spec s = {.name = name, .mode = 0120777, .data = target, .size = strlen(target)};

        return b_entry(bd, &s);
}

static size_t
b_trailer(struct builder *bd)
{
        struct spec s = {.name = "TRAILER!!!", .nlink = 1};

        return b_entry(bd, &s);
}

#endif
