/*
 * libFuzzer harness: the input is a program of memfs operations over a tiny name
 * space, on a small budget and with an allocator that fails when the input says so.
 * memfs_check() runs after every operation; a broken invariant aborts. ASan and UBSan
 * catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memfs/memfs.h>

struct in {
        const uint8_t *p;
        size_t n;
};

static uint8_t
byte(struct in *in)
{
        if (!in->n)
                return 0;
        in->n--;
        return *in->p++;
}

static uint32_t fail_mask, alloc_calls;

static void *
f_alloc(void *ctx, size_t n)
{
        (void)ctx;
        if (fail_mask && (++alloc_calls & 31) == (fail_mask & 31))
                return NULL;
        return malloc(n);
}

static void
f_free(void *ctx, void *p, size_t n)
{
        (void)ctx;
        (void)n;
        free(p);
}

static uint64_t clk;

static uint64_t
tick(void *ctx)
{
        (void)ctx;
        return ++clk;
}

/* A path from the input: components drawn from a small set, lengths from the input. */
static size_t
path(struct in *in, char *out)
{
        static const char *part[] = { "a", "b", "c", ".", "..", "", "a", "b" };
        size_t len = 0;
        int n = 1 + byte(in) % 5;

        if (byte(in) & 1)
                out[len++] = '/';
        for (int i = 0; i < n; i++) {
                uint8_t k = byte(in);
                const char *s = part[k & 7];

                if (i)
                        out[len++] = '/';
                if (k == 0xff) {                /* a name just over the limit */
                        memset(out + len, 'x', 256);
                        len += 256;
                        continue;
                }
                memcpy(out + len, s, strlen(s));
                len += strlen(s);
        }
        if (byte(in) % 8 == 0)
                out[len++] = '/';
        out[len] = '\0';
        return len;
}

#define NFD 4

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct in in = { data, size };
        struct memfs_config cfg = { .budget = 64 * 1024 + byte(&in) * 1024, .now = tick,
                                    .alloc = f_alloc, .free = f_free, .root_mode = 0755 };
        struct memfs_attr attr = { 0644, 1, 1 };
        struct memfs_node *fd[NFD] = { 0 };
        struct memfs *fs;
        static char a[2048], b[2048], buf[3 * MEMFS_BLOCK];

        fail_mask = 0;
        alloc_calls = 0;
        fs = memfs_create(&cfg);
        if (!fs)
                return 0;
        fail_mask = byte(&in) & 0x1f;
        while (in.n) {
                uint8_t op = byte(&in), f = byte(&in) % NFD;
                size_t la = path(&in, a), lb = path(&in, b), got;
                struct memfs_at at = { fd[f] && memfs_is_dir(fd[f]) ? fd[f] : NULL, NULL, NULL };
                uint64_t off = (uint64_t)byte(&in) << (byte(&in) % 20);
                const char *why;

                switch (op % 12) {
                case 0:
                        if (!fd[f])
                                memfs_open(fs, &at, a, la, byte(&in) & 0x3f, &attr, &fd[f], NULL);
                        break;
                case 1:
                        memfs_mkdir(fs, &at, a, la, &attr);
                        break;
                case 2:
                        memfs_rmdir(fs, &at, a, la);
                        break;
                case 3:
                        memfs_unlink(fs, &at, a, la);
                        break;
                case 4:
                        memfs_symlink(fs, b, lb, &at, a, la, &attr);
                        break;
                case 5:
                        memfs_link(fs, &at, a, la, &at, b, lb, op >> 7);
                        break;
                case 6:
                        memfs_rename(fs, &at, a, la, &at, b, lb, op >> 7);
                        break;
                case 7:
                        if (fd[f])
                                memfs_write(fs, fd[f], off, buf, byte(&in) * 48, &got);
                        break;
                case 8:
                        if (fd[f])
                                memfs_truncate(fs, fd[f], off);
                        break;
                case 9:
                        if (fd[f])
                                memfs_read(fs, fd[f], off, buf, sizeof buf, &got);
                        break;
                case 10:
                        memfs_readlink(fs, &at, a, la, buf, sizeof buf, &got);
                        break;
                default:
                        if (fd[f]) {
                                memfs_unref(fs, fd[f]);
                                fd[f] = NULL;
                        }
                        break;
                }
                if ((why = memfs_check(fs))) {
                        fprintf(stderr, "memfs_check after op %u: %s\n", op % 12, why);
                        abort();
                }
        }
        for (int i = 0; i < NFD; i++)
                if (fd[i])
                        memfs_unref(fs, fd[i]);
        if (memfs_check(fs))
                abort();
        memfs_destroy(fs);
        return 0;
}
