/*
 * Differential test against Linux itself: the same random operation sequences run on
 * memfs and, in a forked child chrooted into a fresh directory on tmpfs (/dev/shm), on
 * the real system calls; every errno must agree, and so must the bytes read back.
 * The chroot makes '..' at the top and absolute symlinks behave as in memfs's root.
 * Needs root (chroot): without it the check is skipped, said so in the ok line.
 *
 * Known, deliberate differences are not generated: relative lookups from a removed
 * directory (Linux still resolves "." there, memfs says ENOENT) and access modes
 * (memfs does not track O_RDONLY; writes go only to files opened for writing).
 */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NFD 5

static const struct memfs_attr dir_attr = { 0755, 0, 0 };
static uint64_t rng;
static long n_ops, n_ok;
static struct memfs *fs;
static struct {
        int lfd;                        /* Linux fd, -1: free */
        struct memfs_node *node;
        bool dir, writable;
} fds[NFD];

static unsigned
below(unsigned n)
{
        return tap_below(&rng, n);
}

static const char *names[] = { "a", "b", "c", "d" };

static void
gen_path(char *out)
{
        int n = below(4) ? 1 + below(2) : 3 + below(2);

        out[0] = '\0';
        if (below(3))
                strcat(out, "/");
        for (int i = 0; i < n; i++) {
                unsigned k = below(100);

                if (i)
                        strcat(out, "/");
                strcat(out, k < 5 ? "." : k < 11 ? ".." : k < 13 ? "/" : names[below(4)]);
        }
        if (below(10) == 0)
                strcat(out, "/");
}

/* Recently made names, so that later steps find things that exist. */
static char recent[16][128];

static void
remember(const char *p)
{
        snprintf(recent[below(16)], sizeof recent[0], "%s", p);
}

static void
gen_source(char *out)
{
        const char *r = recent[below(16)];

        if (below(2) && r[0])
                strcpy(out, r);
        else
                gen_path(out);
}

static int
lerr(long r)
{
        return r < 0 ? errno : 0;
}

static int
free_fd(void)
{
        for (int i = 0; i < NFD; i++)
                if (fds[i].lfd < 0)
                        return i;
        return -1;
}

static int
used_fd(void)
{
        int k = below(NFD);

        for (int i = 0; i < NFD; i++)
                if (fds[(k + i) % NFD].lfd >= 0)
                        return (k + i) % NFD;
        return -1;
}

static void
close_fd(int f)
{
        close(fds[f].lfd);
        memfs_unref(fs, fds[f].node);
        fds[f].lfd = -1;
}

/* One step; returns false with *why when the two disagree. */
static bool
step(char *why, size_t cap)
{
        char a[128], b[128];
        int f = used_fd(), dfd = AT_FDCWD, le = 0, me = 0, k = below(100);
        struct memfs_at at = { NULL, NULL, NULL };
        struct stat st;
        const char *op;

        if (f >= 0 && fds[f].dir && below(3) == 0 && !fstat(fds[f].lfd, &st) && st.st_nlink) {
                dfd = fds[f].lfd;
                at.dir = fds[f].node;
        }
        gen_source(a);
        gen_path(b);
        if (k < 15) {
                static const unsigned mf[] = { MEMFS_O_CREAT, MEMFS_O_EXCL, MEMFS_O_TRUNC,
                                               MEMFS_O_DIRECTORY, MEMFS_O_NOFOLLOW,
                                               MEMFS_O_WRITE };
                static const int lf[] = { O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW,
                                          O_RDWR };
                unsigned of = 0;
                int flags = 0, slot = free_fd(), fd;
                struct memfs_node *n = NULL;

                if (slot < 0) {
                        close_fd(used_fd());
                        slot = free_fd();
                }
                for (int i = 0; i < 6; i++)
                        if (below(3) == 0 || (i == 0 && below(2))) {
                                of |= mf[i];
                                flags |= lf[i];
                        }
                op = "open";
                fd = openat(dfd, a, flags, 0644);
                le = lerr(fd);
                me = memfs_open(fs, &at, P(a), of, &test_attr, &n, NULL);
                if (fd >= 0 && !me) {
                        fds[slot].lfd = fd;
                        fds[slot].node = n;
                        fds[slot].dir = memfs_is_dir(n);
                        fds[slot].writable = of & MEMFS_O_WRITE;
                } else {
                        if (fd >= 0)
                                close(fd);
                        if (!me)
                                memfs_unref(fs, n);
                }
        } else if (k < 23) {
                op = "mkdir";
                le = lerr(mkdirat(dfd, a, 0755));
                me = memfs_mkdir(fs, &at, P(a), &dir_attr);
        } else if (k < 29) {
                op = "rmdir";
                le = lerr(unlinkat(dfd, a, AT_REMOVEDIR));
                me = memfs_rmdir(fs, &at, P(a));
        } else if (k < 36) {
                op = "unlink";
                le = lerr(unlinkat(dfd, a, 0));
                me = memfs_unlink(fs, &at, P(a));
        } else if (k < 44) {
                op = "symlink";
                le = lerr(symlinkat(b, dfd, a));
                me = memfs_symlink(fs, P(b), &at, P(a), &test_attr);
        } else if (k < 50) {
                bool fl = below(2);

                op = "link";
                le = lerr(linkat(dfd, a, dfd, b, fl ? AT_SYMLINK_FOLLOW : 0));
                me = memfs_link(fs, &at, P(a), &at, P(b), fl ? MEMFS_LOOKUP_FOLLOW : 0);
        } else if (k < 63) {
                bool nr = below(4) == 0;

                op = "rename";
                le = lerr(renameat2(dfd, a, dfd, b, nr ? RENAME_NOREPLACE : 0));
                me = memfs_rename(fs, &at, P(a), &at, P(b), nr ? MEMFS_RENAME_NOREPLACE : 0);
        } else if (k < 70) {
                char lbuf[256], mbuf[256];
                size_t got;
                long r = readlinkat(dfd, a, lbuf, sizeof lbuf);

                op = "readlink";
                le = lerr(r);
                me = memfs_readlink(fs, &at, P(a), mbuf, sizeof mbuf, &got);
                if (!le && !me && ((size_t)r != got || memcmp(lbuf, mbuf, got))) {
                        snprintf(why, cap, "readlink(%s): bodies differ", a);
                        return false;
                }
        } else if (k < 76) {
                struct memfs_node *n;
                bool fl = below(2);

                op = "stat";
                le = lerr(fstatat(dfd, a, &st, fl ? 0 : AT_SYMLINK_NOFOLLOW));
                me = memfs_lookup(fs, &at, P(a), fl ? MEMFS_LOOKUP_FOLLOW : 0, &n, NULL);
                if (!le && !me) {
                        struct memfs_stat ms;

                        memfs_stat(fs, n, &ms);
                        if (ms.mode != st.st_mode || ms.nlink != st.st_nlink ||
                            (!S_ISDIR(st.st_mode) && ms.size != (uint64_t)st.st_size)) {
                                snprintf(why, cap, "stat(%s): mode %o/%o nlink %u/%lu size %llu/%lld",
                                         a, ms.mode, st.st_mode, ms.nlink,
                                         (unsigned long)st.st_nlink,
                                         (unsigned long long)ms.size, (long long)st.st_size);
                                return false;
                        }
                }
        } else if (k < 90) {
                static unsigned char buf[3 * MEMFS_BLOCK], back[3 * MEMFS_BLOCK];
                uint64_t off = below(3 * MEMFS_BLOCK);
                size_t len = below(sizeof buf), done;
                long r;

                if (f < 0 || !fds[f].writable)
                        return true;
                op = k < 86 ? "write" : "ftruncate";
                if (k < 86) {
                        for (size_t i = 0; i < len; i++)
                                buf[i] = (unsigned char)tap_rand(&rng);
                        le = lerr(pwrite(fds[f].lfd, buf, len, (off_t)off));
                        me = memfs_write(fs, fds[f].node, off, buf, len, &done);
                } else {
                        le = lerr(ftruncate(fds[f].lfd, (off_t)off));
                        me = memfs_truncate(fs, fds[f].node, off);
                }
                r = pread(fds[f].lfd, back, sizeof back, 0);
                memfs_read(fs, fds[f].node, 0, buf, sizeof buf, &done);
                if (r != (long)done || memcmp(buf, back, done)) {
                        snprintf(why, cap, "%s: file contents differ", op);
                        return false;
                }
        } else {
                if (f >= 0)
                        close_fd(f);
                return true;
        }
        n_ops++;
        n_ok += !le;
        if (!le && !me && k < 63)
                remember(k >= 44 && k < 63 ? b : a);
        if (le != me) {
                snprintf(why, cap, "%s(%s%s%s%s): linux %s, memfs %s", op, a,
                         k >= 36 && k < 63 ? ", " : "", k >= 36 && k < 63 ? b : "",
                         dfd == AT_FDCWD ? "" : " from an open dir", en(le), en(me));
                return false;
        }
        return true;
}

static void
wipe(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        char p[4096];

        if (!d)
                return;
        while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                snprintf(p, sizeof p, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
                if (e->d_type == DT_DIR)
                        wipe(p);
                if (unlinkat(AT_FDCWD, p, e->d_type == DT_DIR ? AT_REMOVEDIR : 0))
                        perror(p);
        }
        closedir(d);
}

/* Runs in the chrooted child: exit 0 when everything agreed. */
static int
child(uint64_t seed, int runs, int steps)
{
        char why[512];

        for (int r = 0; r < runs; r++) {
                rng = seed + (uint64_t)r;
                fs = test_fs(64 << 20);
                for (int i = 0; i < NFD; i++)
                        fds[i].lfd = -1;
                for (int s = 0; s < steps; s++) {
                        const char *w;

                        if (!step(why, sizeof why)) {
                                printf("# seed %llu step %d: %s\n",
                                       (unsigned long long)(seed + r), s, why);
                                return 1;
                        }
                        if ((w = memfs_check(fs))) {
                                printf("# seed %llu step %d: memfs_check: %s\n",
                                       (unsigned long long)(seed + r), s, w);
                                return 1;
                        }
                }
                for (int i = 0; i < NFD; i++)
                        if (fds[i].lfd >= 0)
                                close_fd(i);
                memfs_destroy(fs);
                wipe("/");
                memset(recent, 0, sizeof recent);
        }
        printf("# %ld operations compared, %ld of them succeeded\n", n_ops, n_ok);
        return 0;
}

int
main(int argc, char **argv)
{
        uint64_t seed = tap_seed(argc, argv, "linux");
        int runs = argc > 2 ? atoi(argv[2]) : 1000;
        int steps = argc > 3 ? atoi(argv[3]) : 200;
        char dir[] = "/dev/shm/memfs-diff-XXXXXX";
        int status;
        pid_t pid;

        if (!mkdtemp(dir)) {
                printf("ok - file/linux-diff # skipped: no /dev/shm\n");
                return 0;
        }
        chmod(dir, 0755);               /* as memfs's root */
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                if (chroot(dir) || chdir("/")) {
                        printf("ok - file/linux-diff # skipped: chroot needs root\n");
                        fflush(stdout);
                        _exit(2);
                }
                umask(0);
                status = child(seed, runs, steps);
                fflush(stdout);
                _exit(status);
        }
        waitpid(pid, &status, 0);
        rmdir(dir);     /* the child emptied it; if not, leave the evidence */
        if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
                return 0;
        tap_begin();
        if (!WIFEXITED(status) || WEXITSTATUS(status))
                tap_fail("memfs and Linux disagree (seed and step above)");
        tap_end("linux-diff");
        return tap_exit();
}
