/*
 * Records used again (lib/srv's spares): a freed record keeps its capability, reminted
 * under the next generation's badge, so the next open makes none. Checked here: a
 * reused record answers to a new badge, the old one names nothing (a CLOSE to the
 * closer under it frees nothing), and open/close cycles leave no record behind.
 */
#include <errno.h>
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "ftest.h"

#define STATS_RECORDS 0
#define STATS_SELF 8

/* The badge our capability in slot cap carries (CNode Find on our own CSpace), or 0. */
static writ_word_t
badge_of(writ_cptr_t cap)
{
	writ_word_t r[2 + 2 * WRIT_CNODE_FIND_MAX_FOUND];

	if (!cap || writ_cnode_find(WRIT_PSLOT_CNODE, cap, cap, 1, r, 2 + 2 * WRIT_CNODE_FIND_MAX_FOUND) !=
	    WRIT_OK || r[1] != 1)
		return 0;
	return r[3];
}

static long
record_index(int fd)
{
	writ_word_t a[1] = { STATS_SELF };

	return writ_scheme_call_cap(writ_fd_cap(fd), SCHEME_OP_STATS, a, 1, NULL, 0, NULL, 0,
				    NULL, 0, NULL);
}

/* CLOSE on a copy of fd's capability, by hand: the closer the server answers, or 0. */
static writ_cptr_t
closer_of_fd(int fd)
{
	writ_cptr_t copy = writ_slot_alloc(), closer = 0;
	writ_word_t res[2] = { 0, 0 };

	if (!copy || writ_cnode_copy(WRIT_PSLOT_CNODE, copy, 64, WRIT_PSLOT_CNODE, writ_fd_cap(fd),
				     64, SCHEME_CAP_RIGHTS) != WRIT_OK)
		return 0;
	writ_scheme_call_cap(copy, SCHEME_OP_CLOSE, NULL, 0, NULL, 0, NULL, 0, res, 2, &closer);
	writ_cnode_delete(WRIT_PSLOT_CNODE, copy, 64);
	writ_slot_free(copy);
	return closer;
}

void
test_reuse(void)
{
	const char *path = "/tmp/reuse-me";
	long recs = file_stats("file", STATS_RECORDS), i1, i2;
	int fd1 = writ_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644), fd2;
	writ_word_t b1 = badge_of(writ_fd_cap(fd1)), b2, a[1];
	writ_cptr_t closer = fd1 >= 0 ? closer_of_fd(fd1) : 0;
	struct scheme_stat st;

	i1 = record_index(fd1);
	check(fd1 >= 0 && b1 && i1 > 0 && closer, "reuse-setup", "fd %d badge %lx index %ld closer %lu",
	      fd1, b1, i1, closer);
	writ_close(fd1);
	fd2 = writ_open(path, O_RDWR, 0);
	b2 = badge_of(writ_fd_cap(fd2));
	i2 = record_index(fd2);
	check(fd2 >= 0 && i2 == i1 && b2 && b2 != b1 &&
	      scheme_badge_index(b2) == scheme_badge_index(b1) &&
	      scheme_badge_gen(b2) != scheme_badge_gen(b1), "reused-record-new-badge",
	      "index %ld then %ld, badge %lx then %lx", i1, i2, b1, b2);
	/* The old badge, sent to the closer as a client's CLOSE does, names nothing. */
	a[0] = b1;
	writ_scheme_call_cap(closer, SCHEME_OP_CLOSE, a, 1, NULL, 0, NULL, 0, NULL, 0, NULL);
	check(record_index(fd2) == i2 && writ_write(fd2, "x", 1) == 1 && writ_fstat(fd2, &st) == 0 &&
	      st.size == 1, "old-badge-names-nothing", "index %ld, size %ld", record_index(fd2),
	      (long)st.size);
	writ_close(fd2);
	for (int k = 0; k < 200; k++) {
		int fd = writ_open(path, O_RDONLY, 0);

		if (fd < 0 || writ_close(fd) != 0) {
			check(false, "reuse-cycles", "round %d: fd %d", k, fd);
			break;
		}
	}
	check(file_stats("file", STATS_RECORDS) == recs, "reuse-no-record-left",
	      "records %ld before, %ld after", recs, file_stats("file", STATS_RECORDS));
	writ_cnode_delete(WRIT_PSLOT_CNODE, closer, 64);
	writ_slot_free(closer);
	writ_unlink(path);
}
