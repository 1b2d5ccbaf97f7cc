/*
 * The model check: a seeded random sequence of operations, applied through file: and
 * to a small reference model here, every result (errno, bytes, sizes, link counts,
 * listings) compared. The name space is small on purpose, so operations collide:
 * directories /mN, /mN/a, /mN/b (a and b come and go, and rename into each other), files
 * x, y, z in each, hard links between any two, writes, appends and truncates.
 */
#include <errno.h>
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/writ.h>

#include "ftest.h"

#define NDIRS 3
#define NNAMES 3
#define NSLOTS (NDIRS * NNAMES)
#define MAXLEN 1024
#define NINODES 32
#define STEPS 400

struct minode {
	bool used;
	unsigned nlink;
	size_t len;
	uint8_t data[MAXLEN];
};

static struct minode ino[NINODES];
static int slot[NSLOTS];                /* inode index, or -1 */
static bool dir_exists[NDIRS];
static char dir_name[NDIRS][16];         /* /mN, /mN/a, /mN/b */
static const char names[NNAMES] = { 'x', 'y', 'z' };
static uint64_t rng;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next() % n);
}

static void
slot_path(unsigned s, char *p, size_t n)
{
	writ_snprintf(p, n, "%s/%c", dir_name[s / NNAMES], names[s % NNAMES]);
}

static int
inode_new(void)
{
	for (int i = 0; i < NINODES; i++)
		if (!ino[i].used) {
			ino[i] = (struct minode){ .used = true, .nlink = 1 };
			return i;
		}
	return -1;
}

static void
inode_drop(int i)
{
	if (--ino[i].nlink == 0)
		ino[i].used = false;
}

/* Is slot s's path reachable: its directory exists? */
static bool
reachable(unsigned s)
{
	return dir_exists[s / NNAMES];
}

static bool
dir_empty(unsigned d)
{
	for (unsigned k = 0; k < NNAMES; k++)
		if (slot[d * NNAMES + k] >= 0)
			return false;
	return d != 0 || (!dir_exists[1] && !dir_exists[2]);
}

/* Compare a listing of directory d with the model. */
static bool
listing_ok(unsigned d, char *why, size_t wn)
{
	static uint64_t buf[512 / 8];
	unsigned seen_names[NNAMES] = { 0 }, seen_dirs[NDIRS] = { 0 }, dots = 0, other = 0;
	int fd = writ_open(dir_name[d], O_RDONLY | O_DIRECTORY, 0);
	long r;

	if (!dir_exists[d]) {
		writ_close(fd);
		if (fd != -ENOENT)
			writ_snprintf(why, wn, "list %s: %d, want ENOENT", dir_name[d], fd);
		return fd == -ENOENT;
	}
	if (fd < 0) {
		writ_snprintf(why, wn, "list %s: %d", dir_name[d], fd);
		return false;
	}
	while ((r = writ_getdents(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < r;) {
			struct scheme_dirent *e = (struct scheme_dirent *)((char *)buf + off);

			if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
				dots++;
			else if (e->name[1] == 0 && (e->name[0] == 'a' || e->name[0] == 'b'))
				seen_dirs[e->name[0] - 'a' + 1]++;
			else if (e->name[1] == 0 && e->name[0] >= 'x' && e->name[0] <= 'z')
				seen_names[e->name[0] - 'x']++;
			else
				other++;
			off += e->reclen;
		}
	writ_close(fd);
	for (unsigned k = 0; k < NNAMES; k++)
		if (seen_names[k] != (slot[d * NNAMES + k] >= 0)) {
			writ_snprintf(why, wn, "list %s: %c seen %u times", dir_name[d], names[k],
				      seen_names[k]);
			return false;
		}
	for (unsigned k = 1; k < NDIRS; k++)
		if (seen_dirs[k] != (d == 0 && dir_exists[k])) {
			writ_snprintf(why, wn, "list %s: dir %u seen %u times", dir_name[d], k,
				      seen_dirs[k]);
			return false;
		}
	if (r < 0 || dots != 2 || other) {
		writ_snprintf(why, wn, "list %s: r %ld dots %u other %u", dir_name[d], r, dots,
			      other);
		return false;
	}
	return true;
}

/* One random step: applied to both; false (with why) on a difference. */
static bool
step(char *why, size_t wn)
{
	static uint8_t data[MAXLEN], got[2 * MAXLEN];
	char p1[24], p2[24];
	unsigned s1 = pick(NSLOTS), s2 = pick(NSLOTS), d = 1 + pick(2);
	unsigned op = pick(12), n = pick(600);
	long want = 0, r = 0;
	int fd, i = slot[s1];

	slot_path(s1, p1, sizeof(p1));
	slot_path(s2, p2, sizeof(p2));
	for (unsigned k = 0; k < n; k++)
		data[k] = (uint8_t)next();
	switch (op) {
	case 0:         /* create or truncate, then write */
		fd = writ_open(p1, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (!reachable(s1)) {
			want = -ENOENT;
			r = fd;
			break;
		}
		if (fd < 0) {
			r = fd;
			want = 0;
			break;
		}
		if (i < 0)
			i = slot[s1] = inode_new();
		r = writ_write(fd, data, n);
		writ_close(fd);
		ino[i].len = n;
		memcpy(ino[i].data, data, n);
		want = n;
		break;
	case 1:         /* append */
		fd = writ_open(p1, O_WRONLY | O_APPEND, 0);
		if (!reachable(s1) || i < 0) {
			want = -ENOENT;
			r = fd;
			break;
		}
		if (ino[i].len + n > MAXLEN)
			n = (unsigned)(MAXLEN - ino[i].len);
		r = fd < 0 ? fd : writ_write(fd, data, n);
		writ_close(fd);
		memcpy(ino[i].data + ino[i].len, data, n);
		ino[i].len += n;
		want = n;
		break;
	case 2:         /* read it all */
		fd = writ_open(p1, O_RDONLY, 0);
		if (!reachable(s1) || i < 0) {
			want = -ENOENT;
			r = fd;
			break;
		}
		r = fd < 0 ? fd : writ_read(fd, got, sizeof(got));
		writ_close(fd);
		want = (long)ino[i].len;
		if (r == want && memcmp(got, ino[i].data, ino[i].len) != 0) {
			writ_snprintf(why, wn, "read %s: bytes differ", p1);
			return false;
		}
		break;
	case 3:
		r = writ_unlink(p1);
		want = !reachable(s1) || i < 0 ? -ENOENT : 0;
		if (!want) {
			inode_drop(i);
			slot[s1] = -1;
		}
		break;
	case 4:
		r = writ_mkdir(dir_name[d], 0755);
		want = dir_exists[d] ? -EEXIST : 0;
		dir_exists[d] = true;
		break;
	case 5:
		r = writ_rmdir(dir_name[d]);
		want = !dir_exists[d] ? -ENOENT : !dir_empty(d) ? -ENOTEMPTY : 0;
		if (!want)
			dir_exists[d] = false;
		break;
	case 6:         /* rename a file */
		r = writ_rename(p1, p2);
		if (!reachable(s1) || !reachable(s2) || i < 0) {
			want = -ENOENT;
		} else if (slot[s2] == i) {
			want = 0;       /* the same file: nothing happens */
		} else {
			if (slot[s2] >= 0)
				inode_drop(slot[s2]);
			slot[s2] = i;
			slot[s1] = -1;
		}
		break;
	case 7:         /* hard link */
		r = writ_link(p1, p2);
		if (!reachable(s1) || i < 0 || !reachable(s2)) {
			want = -ENOENT;
		} else if (slot[s2] >= 0) {
			want = -EEXIST;
		} else {
			slot[s2] = i;
			ino[i].nlink++;
		}
		break;
	case 8: {
		struct scheme_stat st = { 0 };

		r = writ_stat(p1, &st, 0);
		want = !reachable(s1) || i < 0 ? -ENOENT : 0;
		if (!want && !r && (st.size != ino[i].len || st.nlink != ino[i].nlink)) {
			writ_snprintf(why, wn, "stat %s: size %lu nlink %lu, want %lu %u", p1,
				      st.size, st.nlink, ino[i].len, ino[i].nlink);
			return false;
		}
		break;
	}
	case 9:         /* truncate to n (capped) */
		if (n > MAXLEN)
			n = MAXLEN;
		fd = writ_open(p1, O_WRONLY, 0);
		if (!reachable(s1) || i < 0) {
			want = -ENOENT;
			r = fd;
			break;
		}
		r = fd < 0 ? fd : writ_ftruncate(fd, n);
		writ_close(fd);
		if (n > ino[i].len)
			memset(ino[i].data + ino[i].len, 0, n - ino[i].len);
		ino[i].len = n;
		break;
	case 10: {      /* rename a directory onto the other */
		unsigned e = 3 - d;

		r = writ_rename(dir_name[d], dir_name[e]);
		if (!dir_exists[d]) {
			want = -ENOENT;
		} else if (dir_exists[e] && !dir_empty(e)) {
			want = -ENOTEMPTY;
		} else {
			for (unsigned k = 0; k < NNAMES; k++) {
				slot[e * NNAMES + k] = slot[d * NNAMES + k];
				slot[d * NNAMES + k] = -1;
			}
			dir_exists[e] = true;
			dir_exists[d] = false;
		}
		break;
	}
	default:
		return listing_ok(pick(NDIRS), why, wn);
	}
	if (r != want) {
		writ_snprintf(why, wn, "op %u on %s %s: got %ld, want %ld", op, p1, p2, r, want);
		return false;
	}
	return true;
}

static void
model_run(unsigned run, uint64_t seed)
{
	char why[160] = "", name[24];
	unsigned s;
	bool ok;

	writ_snprintf(dir_name[0], sizeof(dir_name[0]), "/m%u", run);
	writ_snprintf(dir_name[1], sizeof(dir_name[1]), "/m%u/a", run);
	writ_snprintf(dir_name[2], sizeof(dir_name[2]), "/m%u/b", run);
	ok = writ_mkdir(dir_name[0], 0755) == 0;
	rng = seed | 1;
	memset(ino, 0, sizeof(ino));
	dir_exists[1] = dir_exists[2] = false;
	for (unsigned k = 0; k < NSLOTS; k++)
		slot[k] = -1;
	dir_exists[0] = true;
	for (s = 0; ok && s < STEPS; s++)
		ok = step(why, sizeof(why));
	for (unsigned d = 0; ok && d < NDIRS; d++)
		ok = listing_ok(d, why, sizeof(why));
	writ_snprintf(name, sizeof(name), "model-%u", run);
	check(ok, name, "seed %lu, step %u: %s", (unsigned long)seed, s, why);
}

/* Three runs of STEPS operations, seeds seed, seed + 1, seed + 2. */
void
test_model(uint64_t seed)
{
	for (unsigned run = 0; run < 3; run++)
		model_run(run, seed + run);
	check(file_stats("file", 1) == 0, "model-tree-consistent", "memfs_check failed");
}
