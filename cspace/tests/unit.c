/*
 * unit.c - one check per operation and per error path of cspace/.
 *
 * Every error case also proves "bad input changes nothing": the whole arena (slots,
 * links, CNodes) is snapshotted before the call and compared after. The invariant
 * checker runs after every successful operation.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct world W;
static void *snap;

#define CS (&W.cs)
#define S(i) (&W.slots[(i)])

static void
fresh(unsigned ut_bits, unsigned boot_radix)
{
	if (W.mem)
		world_free(&W);
	free(snap);
	world_init(&W, ut_bits, boot_radix);
	snap = malloc(W.bytes);
}

static void
snapshot(void)
{
	memcpy(snap, W.mem, W.bytes);
}

/* An error case: the call returned `want` and left every byte of the arena alone. */
static void
expect_err(const char *name, int got, int want)
{
	bool same = memcmp(snap, W.mem, W.bytes) == 0;

	t_check(got == want && same, name, "got %s, want %s%s", writ_error_name(got),
		writ_error_name(want), same ? "" : "; state changed");
}

#define ERR(name, call, want) do { snapshot(); expect_err(name, (call), (want)); } while (0)

static bool
expect_ok(const char *name, int got)
{
	bool ok = t_check(got == WRIT_OK, name, "got %s", writ_error_name(got));

	world_check(&W, name);
	return ok;
}

/* Retypes n objects into boot slots [at, at + n). */
static int
mk(unsigned type, unsigned size_bits, unsigned at, unsigned n)
{
	return ut_retype(CS, W.ut, type, size_bits, &W.boot, at, n);
}

static void
test_representation(void)
{
	struct cap c;
	uintptr_t hi = (uintptr_t)0xffff800012345670ull;

	t_check(sizeof(struct cte) == 32, "slot-size-32", "sizeof(struct cte) = %zu",
		sizeof(struct cte));
	c = cap_make(WRIT_OBJ_ENDPOINT, hi, WRIT_RIGHT_READ | WRIT_RIGHT_GRANT, 0, 77);
	t_check(cap_addr(&c) == hi && cap_type(&c) == WRIT_OBJ_ENDPOINT &&
		cap_rights(&c) == (WRIT_RIGHT_READ | WRIT_RIGHT_GRANT) && cap_badge(&c) == 77,
		"cap-roundtrip-higher-half", "fields did not round-trip");
	c = cap_make(WRIT_OBJ_UNTYPED, 0x7ffffff00000ull, 3, 20 | CAP_UT_DEVICE, 5);
	t_check(cap_addr(&c) == 0x7ffffff00000ull && cap_ut_size_bits(&c) == 20 &&
		cap_ut_is_device(&c) && c.w1 == 5, "cap-roundtrip-untyped",
		"untyped fields did not round-trip");
	t_check(strcmp(writ_error_name(WRIT_E_RIGHTS), "WRIT_E_RIGHTS") == 0 &&
		strcmp(writ_error_name(999), "WRIT_E_?") == 0 &&
		strcmp(writ_object_name(WRIT_OBJ_TCB), "WRIT_OBJ_TCB") == 0,
		"abi-names", "error/object name tables wrong");
	t_check(rights_subset(WRIT_RIGHT_READ, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE) &&
		!rights_subset(WRIT_RIGHT_GRANT, WRIT_RIGHT_READ),
		"rights-subset", "rights_subset wrong");
}

static void
test_lookup(void)
{
	struct cte *s;
	struct cnode_fault f;
	int e;

	fresh(16, 6);
	/* Slot 5: a CNode of radix 4 with guard 0b101 (3 bits); slot 6: an endpoint. */
	expect_ok("lookup-setup-cnode", mk(WRIT_OBJ_CNODE, 4, 5, 1));
	expect_ok("lookup-setup-guard", cte_mutate(CS, S(7), S(5), WRIT_RIGHTS_ALL,
						    WRIT_CNODE_GUARD(5, 3)));
	expect_ok("lookup-setup-ep", mk(WRIT_OBJ_ENDPOINT, 0, 6, 1));
	e = cnode_lookup_cap(&W.boot, 6, 6, &s, &f);
	t_check(e == WRIT_OK && s == S(6), "lookup-1level", "%s", writ_error_name(e));
	expect_ok("lookup-2level-setup", mk(WRIT_OBJ_NOTIFICATION, 0, 8, 1));
	expect_ok("lookup-2level-setup-copy",
		  cte_copy(CS, cnode_slots(&S(7)->cap) + 9, S(8), WRIT_RIGHT_READ));
	e = cnode_lookup_cap(&W.boot, (7ull << 7) | (5 << 4) | 9, 13, &s, &f);
	t_check(e == WRIT_OK && s == cnode_slots(&S(7)->cap) + 9, "lookup-2level-guard",
		"%s", writ_error_name(e));
	e = cnode_lookup_cap(&W.boot, (7ull << 7) | (4 << 4) | 9, 13, &s, &f);
	t_check(e == WRIT_E_LOOKUP_GUARD_MISMATCH && f.bits_left == 7 &&
		f.guard_found == 4 && f.guard_bits == 3, "lookup-guard-mismatch",
		"%s bits_left %u found %llu", writ_error_name(e), f.bits_left,
		(unsigned long long)f.guard_found);
	e = cnode_lookup_cap(&W.boot, (7ull << 3) | 5, 9, &s, &f);
	t_check(e == WRIT_E_LOOKUP_DEPTH_MISMATCH && f.bits_left == 3,
		"lookup-depth-mismatch", "%s bits_left %u", writ_error_name(e), f.bits_left);
	e = cnode_lookup_cap(&W.boot, (9ull << 7) | (5 << 4) | 9, 13, &s, &f);
	t_check(e == WRIT_E_LOOKUP_MISSING_CAP && f.bits_left == 7,
		"lookup-missing-cap-midway", "%s bits_left %u", writ_error_name(e),
		f.bits_left);
	e = cnode_lookup_cap(&W.boot, (6ull << 7) | (5 << 4) | 9, 13, &s, &f);
	t_check(e == WRIT_E_LOOKUP_WRONG_TYPE && f.bits_left == 7, "lookup-wrong-type",
		"%s bits_left %u", writ_error_name(e), f.bits_left);
	e = cnode_lookup_cap(&W.boot, 40, 6, &s, &f);
	t_check(e == WRIT_E_LOOKUP_MISSING_CAP && f.bits_left == 0, "lookup-missing-cap-end",
		"%s", writ_error_name(e));
	e = cnode_lookup_slot(&W.boot, 40, 6, &s, &f);
	t_check(e == WRIT_OK && s == S(40), "lookup-empty-slot", "%s", writ_error_name(e));
	e = cnode_lookup_cap(&S(6)->cap, 0, 6, &s, &f);
	t_check(e == WRIT_E_LOOKUP_INVALID_ROOT && f.bits_left == 6, "lookup-invalid-root",
		"%s", writ_error_name(e));
	e = cnode_lookup_cap(&W.boot, 0, 0, &s, &f);
	t_check(e == WRIT_E_RANGE, "lookup-depth-zero", "%s", writ_error_name(e));
	e = cnode_lookup_cap(&W.boot, 0, 65, &s, &f);
	t_check(e == WRIT_E_RANGE, "lookup-depth-65", "%s", writ_error_name(e));
	/* Full 64-bit depth: guard 58 bits of ones above a radix-6 root. */
	W.boot.w1 = WRIT_CNODE_GUARD((1ull << 58) - 1, 58);
	e = cnode_lookup_cap(&W.boot, ~0ull << 6 | 6, 64, &s, &f);
	t_check(e == WRIT_OK && s == S(6), "lookup-64bit-guard", "%s", writ_error_name(e));
	e = cnode_lookup_cap(&W.boot, ~0ull << 7 | 6, 64, &s, &f);
	t_check(e == WRIT_E_LOOKUP_GUARD_MISMATCH && f.bits_left == 64 && f.guard_bits == 58 &&
		f.guard_found == ((1ull << 58) - 2), "lookup-64bit-guard-mismatch",
		"%s bits_left %u", writ_error_name(e), f.bits_left);
	/* One level, guard and radix covering `depth` bits: bits above depth are ignored. */
	W.boot.w1 = WRIT_CNODE_GUARD(5, 3);
	e = cnode_lookup_cap(&W.boot, 0xabcull << 9 | 5 << 6 | 6, 9, &s, &f);
	t_check(e == WRIT_OK && s == S(6), "lookup-1level-guard", "%s", writ_error_name(e));
	e = cnode_lookup_cap(&W.boot, 4 << 6 | 6, 9, &s, &f);
	t_check(e == WRIT_E_LOOKUP_GUARD_MISMATCH && f.bits_left == 9 && f.guard_found == 4 &&
		f.guard_bits == 3, "lookup-1level-guard-mismatch", "%s bits_left %u",
		writ_error_name(e), f.bits_left);
	e = cnode_lookup_cap(&W.boot, 5 << 6 | 40, 9, &s, &f);
	t_check(e == WRIT_E_LOOKUP_MISSING_CAP && f.bits_left == 0, "lookup-1level-guard-empty",
		"%s", writ_error_name(e));
	e = cnode_lookup_cap(&W.boot, 5 << 6 | 6, 8, &s, &f);
	t_check(e == WRIT_E_LOOKUP_DEPTH_MISMATCH && f.bits_left == 8,
		"lookup-1level-guard-short", "%s", writ_error_name(e));
	W.boot.w1 = 0;
}

static void
test_retype(void)
{
	uint64_t wm;

	fresh(16, 6);
	expect_ok("retype-endpoints", mk(WRIT_OBJ_ENDPOINT, 0, 1, 4));
	t_check(W.ut->cap.w1 == 64 && cdt_parent(CS, S(3)) == W.ut &&
		cap_addr(&S(2)->cap) == cap_addr(&W.ut->cap) + 16, "retype-placement",
		"watermark %llu", (unsigned long long)W.ut->cap.w1);
	expect_ok("retype-alignment", mk(WRIT_OBJ_TCB, 0, 5, 1));
	t_check(cap_addr(&S(5)->cap) == cap_addr(&W.ut->cap) + 2048 &&
		W.ut->cap.w1 == 4096, "retype-aligned-to-size", "tcb at +%llu",
		(unsigned long long)(cap_addr(&S(5)->cap) - cap_addr(&W.ut->cap)));
	wm = W.ut->cap.w1;
	ERR("retype-dest-occupied", mk(WRIT_OBJ_ENDPOINT, 0, 4, 2), WRIT_E_DELETE_FIRST);
	ERR("retype-count-zero", mk(WRIT_OBJ_ENDPOINT, 0, 10, 0), WRIT_E_RANGE);
	ERR("retype-offset-range", mk(WRIT_OBJ_ENDPOINT, 0, 64, 1), WRIT_E_RANGE);
	ERR("retype-count-past-cnode", mk(WRIT_OBJ_ENDPOINT, 0, 60, 5), WRIT_E_RANGE);
	ERR("retype-count-limit", ut_retype(CS, W.ut, WRIT_OBJ_ENDPOINT, 0,
		&(struct cap){ cap_make(WRIT_OBJ_CNODE, (uintptr_t)W.mem + 32768, 0, 9, 0).w0, 0 },
		0, UT_RETYPE_MAX_COUNT + 1), WRIT_E_RANGE);
	ERR("retype-bad-type", mk(WRIT_OBJ_IRQ_HANDLER, 0, 10, 1), WRIT_E_INVALID_ARGUMENT);
	ERR("retype-null-type", mk(WRIT_OBJ_NULL, 0, 10, 1), WRIT_E_INVALID_ARGUMENT);
	ERR("retype-cnode-radix-0", mk(WRIT_OBJ_CNODE, 0, 10, 1), WRIT_E_RANGE);
	ERR("retype-cnode-radix-big", mk(WRIT_OBJ_CNODE, 27, 10, 1), WRIT_E_RANGE);
	ERR("retype-untyped-too-small", mk(WRIT_OBJ_UNTYPED, 3, 10, 1), WRIT_E_RANGE);
	ERR("retype-bigger-than-untyped", mk(WRIT_OBJ_FRAME_2M, 0, 10, 1),
	    WRIT_E_NOT_ENOUGH_MEMORY);
	ERR("retype-out-of-memory", mk(WRIT_OBJ_FRAME_4K, 0, 10, 16),
	    WRIT_E_NOT_ENOUGH_MEMORY);
	ERR("retype-not-untyped", ut_retype(CS, S(1), WRIT_OBJ_ENDPOINT, 0, &W.boot, 10, 1),
	    WRIT_E_INVALID_CAP);
	ERR("retype-empty-untyped", ut_retype(CS, S(30), WRIT_OBJ_ENDPOINT, 0, &W.boot, 10, 1),
	    WRIT_E_INVALID_CAP);
	ERR("retype-dest-not-cnode", ut_retype(CS, W.ut, WRIT_OBJ_ENDPOINT, 0, &S(1)->cap, 0, 1),
	    WRIT_E_INVALID_CAP);
	t_check(W.ut->cap.w1 == wm, "retype-errors-keep-watermark", "watermark moved");
	/* Children alive: placement continues past the watermark, never below. */
	expect_ok("retype-delete-some", cte_delete(CS, S(1)));
	expect_ok("retype-past-watermark", mk(WRIT_OBJ_ENDPOINT, 0, 1, 1));
	t_check(cap_addr(&S(1)->cap) == cap_addr(&W.ut->cap) + 4096,
		"retype-with-children-past-watermark", "placed at +%llu",
		(unsigned long long)(cap_addr(&S(1)->cap) - cap_addr(&W.ut->cap)));
	/* No children left: the memory is free again, placement restarts at 0. */
	for (unsigned i = 1; i <= 5; i++)
		cte_delete(CS, S(i));
	world_check(&W, "retype-deleted-all");
	expect_ok("retype-reuse-after-delete", mk(WRIT_OBJ_FRAME_4K, 0, 1, 16));
	t_check(cap_addr(&S(1)->cap) == cap_addr(&W.ut->cap) &&
		cap_addr(&S(16)->cap) == cap_addr(&W.ut->cap) + 15 * 4096 &&
		W.ut->cap.w1 == 65536, "retype-fills-untyped", "frames misplaced");
	expect_ok("retype-revoke", cte_revoke(CS, W.ut));
	t_check(W.ut->cap.w1 == 0 && W.ut->first == 0 && cte_is_empty(S(1)),
		"revoke-resets-untyped", "watermark %llu", (unsigned long long)W.ut->cap.w1);
	/* Sub-untyped, then objects inside it stay inside it. */
	expect_ok("retype-sub-untyped", mk(WRIT_OBJ_UNTYPED, 12, 1, 2));
	expect_ok("retype-from-sub", ut_retype(CS, S(2), WRIT_OBJ_CNODE, 3, &W.boot, 3, 2));
	t_check(cap_addr(&S(3)->cap) >= cap_addr(&S(2)->cap) &&
		cdt_parent(CS, S(4)) == S(2), "retype-child-inside-sub",
		"CNode outside its untyped");
}

static void
test_device(void)
{
	struct cap dev;

	fresh(16, 6);
	dev = cap_make(WRIT_OBJ_UNTYPED, (uintptr_t)W.mem + 65536 + 32768, WRIT_RIGHTS_ALL,
		       15 | CAP_UT_DEVICE, 0);
	ERR("device-root-misaligned", cte_insert_root(CS, S(1), &(struct cap){
		cap_make(WRIT_OBJ_UNTYPED, (uintptr_t)W.mem + 65536 + 4096, 0, 15, 0).w0, 0 }),
	    WRIT_E_ALIGNMENT);
	expect_ok("device-insert-root", cte_insert_root(CS, S(1), &dev));
	ERR("device-no-cnode", ut_retype(CS, S(1), WRIT_OBJ_CNODE, 2, &W.boot, 2, 1),
	    WRIT_E_ILLEGAL_OPERATION);
	ERR("device-no-endpoint", ut_retype(CS, S(1), WRIT_OBJ_ENDPOINT, 0, &W.boot, 2, 1),
	    WRIT_E_ILLEGAL_OPERATION);
	ERR("device-no-tcb", ut_retype(CS, S(1), WRIT_OBJ_TCB, 0, &W.boot, 2, 1),
	    WRIT_E_ILLEGAL_OPERATION);
	expect_ok("device-frames", ut_retype(CS, S(1), WRIT_OBJ_FRAME_4K, 0, &W.boot, 2, 2));
	expect_ok("device-sub-untyped", ut_retype(CS, S(1), WRIT_OBJ_UNTYPED, 12, &W.boot, 4, 1));
	t_check(cap_ut_is_device(&S(4)->cap), "device-sub-untyped-stays-device",
		"device flag lost");
	ERR("device-sub-no-cnode", ut_retype(CS, S(4), WRIT_OBJ_CNODE, 2, &W.boot, 5, 1),
	    WRIT_E_ILLEGAL_OPERATION);
	ERR("insert-root-occupied", cte_insert_root(CS, S(1), &dev), WRIT_E_DELETE_FIRST);
	ERR("insert-root-endpoint", cte_insert_root(CS, S(9), &(struct cap){
		cap_make(WRIT_OBJ_ENDPOINT, 0x1000, 0, 0, 0).w0, 0 }), WRIT_E_INVALID_ARGUMENT);
}

static void
test_copy_mint(void)
{
	fresh(16, 6);
	mk(WRIT_OBJ_ENDPOINT, 0, 1, 1);
	expect_ok("copy", cte_copy(CS, S(2), S(1), WRIT_RIGHT_READ | WRIT_RIGHT_WRITE));
	t_check(cdt_parent(CS, S(2)) == S(1) && cap_same_object(&S(1)->cap, &S(2)->cap) &&
		cap_rights(&S(2)->cap) == (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE),
		"copy-is-child", "copy not a child of its source");
	ERR("copy-more-rights", cte_copy(CS, S(3), S(2), WRIT_RIGHTS_ALL), WRIT_E_RIGHTS);
	ERR("copy-grant-from-rw", cte_copy(CS, S(3), S(2), WRIT_RIGHT_GRANT), WRIT_E_RIGHTS);
	ERR("copy-bad-rights-bits", cte_copy(CS, S(3), S(1), 0x20), WRIT_E_INVALID_ARGUMENT);
	ERR("copy-dest-occupied", cte_copy(CS, S(2), S(1), 0), WRIT_E_DELETE_FIRST);
	ERR("copy-onto-itself", cte_copy(CS, S(1), S(1), 0), WRIT_E_DELETE_FIRST);
	ERR("copy-src-empty", cte_copy(CS, S(3), S(9), 0), WRIT_E_INVALID_CAP);
	expect_ok("mint-badge", cte_mint(CS, S(3), S(1), WRIT_RIGHT_WRITE, 42));
	t_check(cap_badge(&S(3)->cap) == 42 && cdt_parent(CS, S(3)) == S(1),
		"mint-badge-set", "badge %llu", (unsigned long long)cap_badge(&S(3)->cap));
	ERR("mint-rebadge", cte_mint(CS, S(4), S(3), WRIT_RIGHT_WRITE, 43), WRIT_E_BADGE);
	ERR("mint-more-rights", cte_mint(CS, S(4), S(3), WRIT_RIGHT_READ, 0), WRIT_E_RIGHTS);
	expect_ok("mint-keep-badge", cte_mint(CS, S(4), S(3), WRIT_RIGHT_WRITE, 0));
	t_check(cap_badge(&S(4)->cap) == 42, "mint-zero-keeps-badge", "badge lost");
	expect_ok("copy-of-badged", cte_copy(CS, S(5), S(3), 0));
	t_check(cdt_parent(CS, S(5)) == S(3) && cap_badge(&S(5)->cap) == 42,
		"copy-of-badged-is-child-of-minted", "copy not under the minted cap");
	mk(WRIT_OBJ_FRAME_4K, 0, 10, 1);
	ERR("mint-badge-on-frame", cte_mint(CS, S(11), S(10), WRIT_RIGHT_READ, 7), WRIT_E_BADGE);
	expect_ok("copy-frame-exec", cte_copy(CS, S(11), S(10), WRIT_RIGHT_READ | WRIT_RIGHT_EXEC));
	ERR("copy-frame-write-from-rx", cte_copy(CS, S(12), S(11), WRIT_RIGHT_WRITE),
	    WRIT_E_RIGHTS);
	mk(WRIT_OBJ_CNODE, 3, 20, 1);
	expect_ok("mint-cnode-guard", cte_mint(CS, S(21), S(20), WRIT_RIGHTS_ALL,
					       WRIT_CNODE_GUARD(3, 2)));
	t_check(cap_cnode_guard(&S(21)->cap) == 3 && cap_cnode_guard_bits(&S(21)->cap) == 2,
		"mint-cnode-guard-set", "guard not set");
	ERR("mint-guard-too-wide", cte_mint(CS, S(22), S(20), 0, WRIT_CNODE_GUARD(0, 62)),
	    WRIT_E_RANGE);
	ERR("mint-guard-value-overflow", cte_mint(CS, S(22), S(20), 0, WRIT_CNODE_GUARD(8, 3)),
	    WRIT_E_RANGE);
	/* Control capabilities and untyped memory. */
	expect_ok("insert-irq-control", cte_insert_root(CS, S(30), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_CONTROL, 0, WRIT_RIGHTS_ALL, 0, 0).w0, 0 }));
	ERR("copy-irq-control", cte_copy(CS, S(31), S(30), 0), WRIT_E_ILLEGAL_OPERATION);
	expect_ok("issue-irq-handler", cte_insert_issued(CS, S(31), S(30), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_HANDLER, 0, WRIT_RIGHTS_ALL, 0, 0).w0, 4 }));
	ERR("issue-irq-out-of-range", cte_insert_issued(CS, S(32), S(30), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_HANDLER, 0, WRIT_RIGHTS_ALL, 0, 0).w0, 300 }),
	    WRIT_E_RANGE);
	ERR("issue-dest-occupied", cte_insert_issued(CS, S(31), S(30), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_HANDLER, 0, 0, 0, 0).w0, 5 }), WRIT_E_DELETE_FIRST);
	ERR("issue-wrong-type", cte_insert_issued(CS, S(32), S(30), &(struct cap){
		cap_make(WRIT_OBJ_IOPORT, 0, 0, 0, 0).w0, 0 }), WRIT_E_INVALID_ARGUMENT);
	ERR("issue-from-non-control", cte_insert_issued(CS, S(32), S(1), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_HANDLER, 0, 0, 0, 0).w0, 1 }), WRIT_E_INVALID_CAP);
	expect_ok("insert-ioport-control", cte_insert_root(CS, S(33), &(struct cap){
		cap_make(WRIT_OBJ_IOPORT_CONTROL, 0, WRIT_RIGHTS_ALL, 0, 0).w0, 0 }));
	ERR("issue-ioport-inverted", cte_insert_issued(CS, S(34), S(33), &(struct cap){
		cap_make(WRIT_OBJ_IOPORT, 0, 0, 0, 0).w0, 0x60 | 0x40 << 16 }), WRIT_E_RANGE);
	expect_ok("issue-ioport", cte_insert_issued(CS, S(34), S(33), &(struct cap){
		cap_make(WRIT_OBJ_IOPORT, 0, WRIT_RIGHTS_ALL, 0, 0).w0, 0x60 | 0x64 << 16 }));
	ERR("copy-untyped-with-children", cte_copy(CS, S(40), W.ut, 0), WRIT_E_REVOKE_FIRST);
}

static void
test_untyped_copy(void)
{
	fresh(16, 6);
	ERR("ut-mint-badge", cte_mint(CS, S(1), W.ut, WRIT_RIGHTS_ALL, 1), WRIT_E_BADGE);
	expect_ok("ut-copy", cte_copy(CS, S(1), W.ut, WRIT_RIGHTS_ALL));
	t_check(W.ut->cap.w1 == 65536 && S(1)->cap.w1 == 0, "ut-copy-lends-memory",
		"source watermark %llu", (unsigned long long)W.ut->cap.w1);
	ERR("ut-source-exhausted", mk(WRIT_OBJ_ENDPOINT, 0, 2, 1), WRIT_E_NOT_ENOUGH_MEMORY);
	expect_ok("ut-copy-retypes", ut_retype(CS, S(1), WRIT_OBJ_ENDPOINT, 0, &W.boot, 2, 3));
	expect_ok("ut-copy-delete", cte_delete(CS, S(1)));
	t_check(cdt_parent(CS, S(2)) == W.ut, "ut-copy-children-move-up",
		"objects lost their untyped");
	ERR("ut-still-lent", mk(WRIT_OBJ_ENDPOINT, 0, 5, 1), WRIT_E_NOT_ENOUGH_MEMORY);
	expect_ok("ut-revoke-after-copy", cte_revoke(CS, W.ut));
	expect_ok("ut-retype-after-revoke", mk(WRIT_OBJ_ENDPOINT, 0, 5, 1));
}

static void
test_move_mutate_rotate(void)
{
	struct cte *p;

	fresh(16, 6);
	mk(WRIT_OBJ_ENDPOINT, 0, 1, 1);
	cte_copy(CS, S(2), S(1), WRIT_RIGHTS_ALL);
	cte_copy(CS, S(3), S(2), WRIT_RIGHT_READ);
	world_check(&W, "move-setup");
	expect_ok("move", cte_move(CS, S(10), S(2)));
	t_check(cte_is_empty(S(2)) && cdt_parent(CS, S(10)) == S(1) &&
		cdt_parent(CS, S(3)) == S(10), "move-keeps-tree-place",
		"tree position lost on move");
	ERR("move-dest-occupied", cte_move(CS, S(3), S(10)), WRIT_E_DELETE_FIRST);
	ERR("move-src-empty", cte_move(CS, S(11), S(2)), WRIT_E_INVALID_CAP);
	ERR("move-onto-itself", cte_move(CS, S(10), S(10)), WRIT_E_DELETE_FIRST);
	expect_ok("move-parent-next-to-child", cte_move(CS, S(4), S(3)));
	expect_ok("move-into-child-slot", cte_move(CS, S(3), S(10)));
	t_check(cdt_parent(CS, S(4)) == S(3), "move-adjacent", "parent lost");
	ERR("mutate-narrow-with-children", cte_mutate(CS, S(11), S(3), WRIT_RIGHT_READ, 0),
	    WRIT_E_REVOKE_FIRST);
	ERR("mutate-more-rights", cte_mutate(CS, S(11), S(4), WRIT_RIGHTS_ALL, 0),
	    WRIT_E_RIGHTS);
	ERR("mutate-badge-with-children", cte_mutate(CS, S(11), S(3), WRIT_RIGHTS_ALL, 9),
	    WRIT_E_REVOKE_FIRST);
	expect_ok("mutate-badge", cte_mutate(CS, S(11), S(4), WRIT_RIGHT_READ, 9));
	t_check(cap_badge(&S(11)->cap) == 9 && cte_is_empty(S(4)) &&
		cdt_parent(CS, S(11)) == S(3), "mutate-badge-set", "mutate result wrong");
	ERR("mutate-rebadge", cte_mutate(CS, S(12), S(11), WRIT_RIGHT_READ, 10), WRIT_E_BADGE);
	expect_ok("mutate-narrow", cte_mutate(CS, S(12), S(11), 0, 0));
	/* Rotate: 1 -> 20, 3 -> 1 (3 is 1's child: adjacent in the tree). */
	expect_ok("rotate", cte_rotate(CS, S(20), S(1), S(3), 0, 0));
	p = cdt_parent(CS, S(1));
	t_check(cte_is_empty(S(3)) && p == S(20) && cdt_parent(CS, S(12)) == S(1),
		"rotate-moves-both", "rotate result wrong");
	expect_ok("rotate-swap", cte_rotate(CS, S(1), S(20), S(1), 0, 0));
	t_check(cdt_parent(CS, S(20)) == S(1), "rotate-swap-parent-child", "swap wrong");
	ERR("rotate-pivot-is-src", cte_rotate(CS, S(5), S(1), S(1), 0, 0),
	    WRIT_E_INVALID_ARGUMENT);
	ERR("rotate-pivot-is-dest", cte_rotate(CS, S(1), S(1), S(20), 0, 0),
	    WRIT_E_INVALID_ARGUMENT);
	ERR("rotate-dest-occupied", cte_rotate(CS, S(12), S(1), S(20), 0, 0),
	    WRIT_E_DELETE_FIRST);
	ERR("rotate-src-empty", cte_rotate(CS, S(5), S(1), S(6), 0, 0), WRIT_E_INVALID_CAP);
	ERR("rotate-bad-badge", cte_rotate(CS, S(5), S(20), S(12), 0, 77), WRIT_E_BADGE);
}

static void
test_delete(void)
{
	fresh(16, 6);
	mk(WRIT_OBJ_ENDPOINT, 0, 1, 1);
	cte_copy(CS, S(2), S(1), WRIT_RIGHTS_ALL);
	cte_copy(CS, S(3), S(2), WRIT_RIGHTS_ALL);
	cte_copy(CS, S(4), S(2), WRIT_RIGHTS_ALL);
	expect_ok("delete-middle", cte_delete(CS, S(2)));
	t_check(cdt_parent(CS, S(3)) == S(1) && cdt_parent(CS, S(4)) == S(1) &&
		W.env.finalised == 0, "delete-children-move-up", "children lost or finalised");
	expect_ok("delete-empty-slot", cte_delete(CS, S(2)));
	cte_delete(CS, S(1));
	cte_delete(CS, S(3));
	t_check(W.env.finalised == 0, "delete-not-last-no-finalise", "finalised early");
	expect_ok("delete-last", cte_delete(CS, S(4)));
	t_check(W.env.finalised == 1 && W.env.finalised_type[WRIT_OBJ_ENDPOINT] == 1,
		"delete-last-finalises", "finalised %lu", W.env.finalised);
	expect_ok("delete-untyped-copy", cte_copy(CS, S(5), W.ut, WRIT_RIGHTS_ALL));
	cte_delete(CS, S(5));
	t_check(W.env.finalised == 1, "delete-untyped-no-finalise", "untyped finalised");

	/* Frame capabilities each own a mapping: a non-final delete releases it. */
	mk(WRIT_OBJ_FRAME_4K, 0, 6, 1);
	cte_copy(CS, S(7), S(6), WRIT_RIGHTS_ALL);
	expect_ok("delete-frame-copy", cte_delete(CS, S(7)));
	t_check(W.env.released == 1 && W.env.released_type[WRIT_OBJ_FRAME_4K] == 1 &&
		W.env.finalised == 1, "delete-frame-copy-released",
		"released %lu, finalised %lu", W.env.released, W.env.finalised);
	expect_ok("delete-frame-last", cte_delete(CS, S(6)));

	/* The last capability with a badge: a minted cap without copies, not a copy. */
	mk(WRIT_OBJ_ENDPOINT, 0, 8, 1);
	cte_mint(CS, S(9), S(8), WRIT_RIGHTS_ALL, 5);
	cte_copy(CS, S(10), S(9), WRIT_RIGHTS_ALL);
	cte_delete(CS, S(10));
	t_check(W.env.badges_gone == 0, "badge-copy-not-last", "copy counted as the last");
	cte_copy(CS, S(10), S(9), WRIT_RIGHTS_ALL);
	cte_delete(CS, S(9));
	t_check(W.env.badges_gone == 0, "badge-minted-with-copies-not-last",
		"the minted cap's copy still carries the badge");
	cte_delete(CS, S(10));
	t_check(W.env.badges_gone == 1 && W.env.last_badge_gone == 5, "badge-gone-at-last",
		"badges gone %lu (badge %lu)", W.env.badges_gone,
		(unsigned long)W.env.last_badge_gone);
	t_check(W.env.released == 1 && W.env.finalised == 2, "delete-frame-last-finalised",
		"released %lu, finalised %lu", W.env.released, W.env.finalised);
}

/* A CNode holding capabilities, nested CNodes and itself is torn down by its last cap. */
static void
build_nest(void)
{
	struct cte *c1, *c2;

	fresh(16, 6);
	mk(WRIT_OBJ_CNODE, 2, 1, 2);            /* slots 1, 2: CNodes C1, C2 */
	mk(WRIT_OBJ_ENDPOINT, 0, 3, 2);
	c1 = cnode_slots(&S(1)->cap);
	c2 = cnode_slots(&S(2)->cap);
	cte_copy(CS, &c1[0], S(3), WRIT_RIGHTS_ALL);    /* copy of an endpoint */
	cte_move(CS, &c1[1], S(4));                     /* the only cap to endpoint 2 */
	cte_move(CS, &c1[2], S(2));                     /* the only cap to C2 */
	cte_copy(CS, &c2[3], S(1), WRIT_RIGHTS_ALL);    /* C2 holds a cap to C1 */
	world_check(&W, "nest-setup");
}

static void
test_cnode_teardown(void)
{
	unsigned long steps = 0;
	int e;

	build_nest();
	expect_ok("teardown-not-last", cte_delete(CS, S(1)));
	t_check(W.env.finalised == 0, "teardown-cnode-held-elsewhere", "finalised early");
	/* C1's last cap now lives in C2, whose last cap lives in C1: a garbage cycle
	 * that only revoking the untyped can reclaim. */
	expect_ok("teardown-cycle-revoke", cte_revoke(CS, W.ut));
	t_check(W.env.finalised_type[WRIT_OBJ_CNODE] == 2 &&
		W.env.finalised_type[WRIT_OBJ_ENDPOINT] == 2 && W.ut->first == 0,
		"teardown-cycle-reclaimed", "cnodes %lu endpoints %lu",
		W.env.finalised_type[WRIT_OBJ_CNODE], W.env.finalised_type[WRIT_OBJ_ENDPOINT]);
	/* The same, preempted at every step, with the checker between steps. */
	build_nest();
	/* Without C2's cap to C1, S(1) is C1's last capability. */
	expect_ok("teardown-drop-cycle",
		  cte_delete(CS, &cnode_slots(&cnode_slots(&S(1)->cap)[2].cap)[3]));
	W.env.preempt_every = 1;
	while ((e = cte_delete(CS, S(1))) == WRIT_E_PREEMPTED && steps++ < 1000)
		if (!world_check(&W, "teardown-step"))
			break;
	t_check(e == WRIT_OK && steps > 5 && W.env.finalised_type[WRIT_OBJ_CNODE] == 2 &&
		W.env.finalised_type[WRIT_OBJ_ENDPOINT] == 1 && cte_is_empty(S(1)),
		"teardown-preempted-every-step", "%s after %lu steps, cnodes %lu",
		writ_error_name(e), steps, W.env.finalised_type[WRIT_OBJ_CNODE]);
	t_check(S(3)->first == 0, "teardown-copies-gone", "copy in C1 survived");
	world_check(&W, "teardown-done");
	W.env.preempt_every = 0;
	/* A CNode whose last capability is inside itself. */
	fresh(16, 6);
	mk(WRIT_OBJ_CNODE, 1, 1, 1);
	cte_move(CS, cnode_slots(&S(1)->cap), S(1));
	world_check(&W, "self-cnode");
	expect_ok("teardown-self-revoke", cte_revoke(CS, W.ut));
	t_check(W.env.finalised_type[WRIT_OBJ_CNODE] == 1, "teardown-self-held",
		"finalised %lu", W.env.finalised_type[WRIT_OBJ_CNODE]);
}

static bool revoke_stepwise(struct cte *root, const char *name, unsigned long *steps);

/* Revoking an untyped whose CNode holds the untyped's own capability. */
static void
test_revoke_self_held(void)
{
	struct cte *c;
	unsigned long steps;
	bool ok;

	fresh(16, 6);
	mk(WRIT_OBJ_UNTYPED, 12, 1, 1);                 /* S(1): sub-untyped */
	ut_retype(CS, S(1), WRIT_OBJ_CNODE, 3, &W.boot, 2, 1);
	ut_retype(CS, S(1), WRIT_OBJ_ENDPOINT, 0, &W.boot, 3, 2);
	c = cnode_slots(&S(2)->cap);
	cte_move(CS, &c[5], S(1));                      /* the untyped, inside its CNode */
	cte_move(CS, &c[6], S(3));
	world_check(&W, "self-held-setup");
	ok = revoke_stepwise(&c[5], "revoke-self-held-step", &steps);
	t_check(ok && cte_is_empty(&c[5]) && W.env.finalised_type[WRIT_OBJ_ENDPOINT] == 2,
		"revoke-root-deleted-by-teardown", "endpoints %lu",
		W.env.finalised_type[WRIT_OBJ_ENDPOINT]);
	/* The revoked cap is gone; a teardown cut short waits, as a zombie, in the slot
	 * that held the CNode's last capability, under the parent untyped. */
	t_check(cap_type(&S(2)->cap) == CAP_ZOMBIE && cdt_parent(CS, S(2)) == W.ut,
		"revoke-leaves-zombie-reachable", "type %u", cap_type(&S(2)->cap));
	ok = revoke_stepwise(W.ut, "revoke-self-held-finish", &steps);
	t_check(ok && cte_is_empty(S(2)) && W.env.finalised_type[WRIT_OBJ_CNODE] == 1 &&
		W.ut->first == 0, "revoke-parent-finishes-zombie", "cnodes %lu",
		W.env.finalised_type[WRIT_OBJ_CNODE]);
}

/* A teardown left unfinished leaves a zombie: pinned, then adopted and finished. */
static void
test_zombie(void)
{
	struct cte *c1, *c2;
	unsigned long fin;

	fresh(16, 6);
	mk(WRIT_OBJ_CNODE, 2, 1, 2);
	mk(WRIT_OBJ_ENDPOINT, 0, 3, 2);
	c1 = cnode_slots(&S(1)->cap);
	c2 = cnode_slots(&S(2)->cap);
	cte_move(CS, &c1[0], S(3));
	cte_move(CS, &c1[1], S(4));
	cte_move(CS, &c2[2], S(1));             /* C1's last cap lives in C2 */
	world_check(&W, "zombie-setup");
	W.env.preempt_every = 1;
	t_check(cte_delete(CS, &c2[2]) == WRIT_E_PREEMPTED, "zombie-delete-preempted",
		"teardown finished in one step");
	W.env.preempt_every = 0;
	memcpy(snap, W.mem, W.bytes);           /* the preempted state is the reference */
	world_check(&W, "zombie-abandoned");
	t_check(cap_type(&c2[2].cap) == CAP_ZOMBIE, "zombie-in-place", "type %u",
		cap_type(&c2[2].cap));
	ERR("zombie-no-copy", cte_copy(CS, S(9), &c2[2], 0), WRIT_E_ILLEGAL_OPERATION);
	ERR("zombie-no-move", cte_move(CS, S(9), &c2[2]), WRIT_E_ILLEGAL_OPERATION);
	ERR("zombie-no-mutate", cte_mutate(CS, S(9), &c2[2], 0, 0), WRIT_E_ILLEGAL_OPERATION);
	ERR("zombie-no-rotate", cte_rotate(CS, S(9), &c2[2], S(2), 0, 0),
	    WRIT_E_ILLEGAL_OPERATION);
	ERR("zombie-revoke-noop", cte_revoke(CS, &c2[2]), WRIT_OK);
	ERR("zombie-not-a-cnode", ut_retype(CS, W.ut, WRIT_OBJ_ENDPOINT, 0, &c2[2].cap, 0, 1),
	    WRIT_E_INVALID_CAP);
	fin = W.env.finalised;
	/* Deleting C2's last cap tears C2 down, meets the abandoned zombie, adopts it. */
	expect_ok("zombie-adopted", cte_delete(CS, S(2)));
	t_check(W.env.finalised - fin == 2 && W.env.finalised_type[WRIT_OBJ_CNODE] == 2,
		"zombie-adopted-finished", "finalised %lu more", W.env.finalised - fin);
}

/*
 * n objects with slots (CNodes; the first a TCB when tcb_first) around a cycle, each
 * holding the last capability to the next, each made from its own untyped S(1 + i)
 * and holding an endpoint; then the first one's untyped is revoked, preempted after
 * every step. Between steps the checker runs, and any untyped whose memory is free
 * again is retyped at once, as a hostile program would: before the fix the top zombie
 * still lived in such memory (issue 18 E).
 */
static void
cycle_revoke(unsigned n, bool tcb_first, const char *name)
{
	struct cte *obj[3];
	char what[64];
	unsigned long steps = 0;
	bool checked = true, retyped[3] = { false, false, false };
	unsigned reused = 0;
	int e;

	fresh(16, 6);
	for (unsigned i = 0; i < n; i++) {
		bool tcb = tcb_first && i == 0;

		mk(WRIT_OBJ_UNTYPED, 12, 1 + i, 1);
		ut_retype(CS, S(1 + i), tcb ? WRIT_OBJ_TCB : WRIT_OBJ_CNODE, tcb ? 0 : 3,
			  &W.boot, 10 + i, 1);
		ut_retype(CS, S(1 + i), WRIT_OBJ_ENDPOINT, 0, &W.boot, 20 + i, 1);
		obj[i] = (struct cte *)cap_addr(&S(10 + i)->cap);
		cte_move(CS, &obj[i][1], S(20 + i));
	}
	for (unsigned i = 0; i < n; i++)
		cte_move(CS, &obj[i][0], S(10 + (i + 1) % n));
	snprintf(what, sizeof(what), "%s-setup", name);
	world_check(&W, what);
	snprintf(what, sizeof(what), "%s-step", name);
	W.env.preempt_every = 1;
	while ((e = cte_revoke(CS, S(1))) == WRIT_E_PREEMPTED && steps++ < 1000) {
		if (!(checked = world_check(&W, what)))
			break;
		for (unsigned i = 1; i < n; i++)
			if (!retyped[i] && S(1 + i)->first == 0) {
				retyped[i] = true;
				reused++;
				ut_retype(CS, S(1 + i), WRIT_OBJ_CNODE, 7, &W.boot, 30 + i, 1);
				if (!(checked = world_check(&W, what)))
					break;
			}
		if (!checked)
			break;
	}
	W.env.preempt_every = 0;
	snprintf(what, sizeof(what), "%s-finishes", name);
	t_check(checked && e == WRIT_OK && S(1)->first == 0 &&
		W.env.finalised_type[WRIT_OBJ_ENDPOINT] == n &&
		W.env.finalised_type[WRIT_OBJ_CNODE] + W.env.finalised_type[WRIT_OBJ_TCB] == n,
		what, "%s after %lu steps, %lu endpoints finalised",
		writ_error_name(e), steps, W.env.finalised_type[WRIT_OBJ_ENDPOINT]);
	snprintf(what, sizeof(what), "%s-memory-reused", name);
	t_check(checked && reused == n - 1 && steps > 2 * n, what,
		"%u of %u untypeds freed and retyped while preempted", reused, n - 1);
	world_check(&W, what);
}

static void
test_zombie_cycles(void)
{
	cycle_revoke(2, false, "zombie-cycle-2");
	cycle_revoke(3, false, "zombie-cycle-3");
	cycle_revoke(2, true, "zombie-cycle-tcb");
	cycle_revoke(3, true, "zombie-cycle-3-tcb");
}

/* A TCB's own slots are emptied when its last capability goes. */
static void
test_tcb(void)
{
	struct cte *t, *c;
	unsigned long steps = 0;
	bool first_ok = true;
	int e;

	fresh(16, 6);
	mk(WRIT_OBJ_TCB, 0, 1, 1);
	mk(WRIT_OBJ_CNODE, 2, 2, 1);
	mk(WRIT_OBJ_ENDPOINT, 0, 3, 1);
	t = (struct cte *)cap_addr(&S(1)->cap);
	c = cnode_slots(&S(2)->cap);
	cte_copy(CS, &c[1], S(3), WRIT_RIGHT_WRITE);
	expect_ok("tcb-slot-copy", cte_copy(CS, &t[0], S(2), WRIT_RIGHTS_ALL));
	expect_ok("tcb-slot-move", cte_move(CS, &t[3], S(3)));
	cte_delete(CS, S(2));                   /* the TCB holds the CNode's last cap */
	cte_copy(CS, &t[7], S(1), WRIT_RIGHTS_ALL);     /* and a cap to itself */
	world_check(&W, "tcb-setup");
	expect_ok("tcb-not-last", cte_delete(CS, &t[7]));
	t_check(W.env.finalised == 0, "tcb-held-elsewhere", "finalised early");
	W.env.preempt_every = 1;
	while ((e = cte_delete(CS, S(1))) == WRIT_E_PREEMPTED && steps++ < 100) {
		first_ok &= W.env.finalised_type[WRIT_OBJ_TCB] == 1;
		if (!world_check(&W, "tcb-step"))
			break;
		if (steps == 1)
			t_check(cap_type(&S(1)->cap) == CAP_ZOMBIE &&
				cap_object_kind(&S(1)->cap) == WRIT_OBJ_TCB, "tcb-zombie",
				"type %u", cap_type(&S(1)->cap));
	}
	W.env.preempt_every = 0;
	t_check(first_ok && steps > 0, "tcb-finalised-first",
		"TCB not finalised before its slots were emptied");
	t_check(e == WRIT_OK && W.env.finalised_type[WRIT_OBJ_TCB] == 1 &&
		W.env.finalised_type[WRIT_OBJ_CNODE] == 1 &&
		W.env.finalised_type[WRIT_OBJ_ENDPOINT] == 1 && cte_is_empty(S(1)) &&
		W.ut->first == 0, "tcb-slots-emptied", "%s: tcb %lu cnode %lu ep %lu",
		writ_error_name(e), W.env.finalised_type[WRIT_OBJ_TCB],
		W.env.finalised_type[WRIT_OBJ_CNODE], W.env.finalised_type[WRIT_OBJ_ENDPOINT]);
	/* Retype gives a TCB empty slots even over memory that held capabilities. */
	memset((char *)W.mem + (1u << 16), 0xa5, 32u << CSPACE_TCB_SLOT_RADIX);
	expect_ok("tcb-retype-zeroes-slots", mk(WRIT_OBJ_TCB, 0, 1, 1));
	t = (struct cte *)cap_addr(&S(1)->cap);
	t_check(cte_is_empty(&t[0]) && t[7].next == 0, "tcb-fresh-slots-empty",
		"TCB slots not zeroed");
}

static void
test_window(void)
{
	struct cap far;

	fresh(16, 6);
	far = cap_make(WRIT_OBJ_UNTYPED, (uintptr_t)W.mem + W.bytes, WRIT_RIGHTS_ALL, 12, 0);
	expect_ok("window-untyped-outside", cte_insert_root(CS, S(1), &far));
	ERR("window-cnode-outside", ut_retype(CS, S(1), WRIT_OBJ_CNODE, 2, &W.boot, 2, 1),
	    WRIT_E_RANGE);
	expect_ok("window-endpoint-outside", ut_retype(CS, S(1), WRIT_OBJ_ENDPOINT, 0,
						       &W.boot, 2, 1));
	ERR("issue-from-untyped", cte_insert_issued(CS, S(2), S(1), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_HANDLER, 0, 0, 0, 0).w0, 1 }), WRIT_E_INVALID_CAP);
	ERR("mutate-src-empty", cte_mutate(CS, S(3), S(4), 0, 0), WRIT_E_INVALID_CAP);
	ERR("mutate-dest-occupied", cte_mutate(CS, S(1), S(2), 0, 0), WRIT_E_DELETE_FIRST);
	ERR("mutate-bad-rights-bits", cte_mutate(CS, S(3), S(2), 0x40, 0),
	    WRIT_E_INVALID_ARGUMENT);
	ERR("insert-root-control-with-addr", cte_insert_root(CS, S(5), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_CONTROL, 0x1000, 0, 0, 0).w0, 0 }), WRIT_E_INVALID_ARGUMENT);
	ERR("insert-root-handler", cte_insert_root(CS, S(5), &(struct cap){
		cap_make(WRIT_OBJ_IRQ_HANDLER, 0, 0, 0, 0).w0, 3 }), WRIT_E_INVALID_ARGUMENT);
}

/* Revokes `root`, preempting at every step and checking between steps. */
static bool
revoke_stepwise(struct cte *root, const char *name, unsigned long *steps)
{
	int e;

	W.env.preempt_every = 1;
	*steps = 0;
	while ((e = cte_revoke(CS, root)) == WRIT_E_PREEMPTED) {
		++*steps;
		if (!world_check(&W, name))
			break;
	}
	W.env.preempt_every = 0;
	return e == WRIT_OK;
}

static void
test_revoke(void)
{
	unsigned long steps;
	struct cte *inner;
	bool ok;

	fresh(16, 8);
	mk(WRIT_OBJ_ENDPOINT, 0, 1, 1);
	mk(WRIT_OBJ_CNODE, 3, 2, 1);
	inner = cnode_slots(&S(2)->cap);
	cte_mint(CS, S(3), S(1), WRIT_RIGHTS_ALL, 5);           /* the minted cap */
	for (unsigned i = 0; i < 40; i++)                       /* copies, some deep */
		cte_copy(CS, S(10 + i), i % 3 == 2 ? S(9 + i) : S(3), WRIT_RIGHT_WRITE);
	cte_copy(CS, &inner[4], S(20), WRIT_RIGHT_WRITE);       /* one in another CNode */
	cte_copy(CS, S(60), S(1), WRIT_RIGHT_READ);             /* unbadged: survives */
	world_check(&W, "revoke-setup");
	ok = revoke_stepwise(S(3), "revoke-step", &steps);
	t_check(ok && steps == 40 && S(3)->first == 0 && cte_is_empty(&inner[4]) &&
		!cte_is_empty(S(60)) && !cte_is_empty(S(3)), "revoke-badged-everywhere",
		"steps %lu", steps);
	t_check(W.env.finalised == 0, "revoke-no-finalise-while-held", "finalised");
	/* A chain 200 deep, then the untyped that holds everything. */
	for (unsigned i = 0; i < 200; i++)
		cte_copy(CS, S(61 + i), S(60 + i), WRIT_RIGHT_READ);
	ok = revoke_stepwise(S(60), "revoke-chain-step", &steps);
	t_check(ok && steps == 199 && S(60)->first == 0, "revoke-deep-chain",
		"steps %lu", steps);
	ok = revoke_stepwise(W.ut, "revoke-untyped-step", &steps);
	t_check(ok && W.ut->first == 0 && W.ut->cap.w1 == 0 && W.env.finalised == 2,
		"revoke-untyped-everything", "finalised %lu", W.env.finalised);
	expect_ok("revoke-empty", cte_revoke(CS, S(200)));
	expect_ok("revoke-leaf", cte_revoke(CS, W.ut));
}

/* The checker itself: each kind of corruption is reported with its invariant. */
static void
expect_broken(const char *name, const char *inv)
{
	struct cspace_range r[2];
	struct cspace_report rep;
	int e;

	world_ranges(&W, r);
	e = cspace_check(CS, r, 2, &rep);

	t_check(e != WRIT_OK && rep.why && strncmp(rep.why, inv, strlen(inv)) == 0, name,
		"%s", e == WRIT_OK ? "not detected" : rep.why);
	memcpy(W.mem, snap, W.bytes);           /* undo the corruption */
}

static void
test_checker(void)
{
	uint32_t i2;

	fresh(16, 6);
	mk(WRIT_OBJ_ENDPOINT, 0, 1, 2);
	cte_mint(CS, S(3), S(1), WRIT_RIGHT_READ, 5);
	cte_copy(CS, S(4), S(3), WRIT_RIGHT_READ);
	mk(WRIT_OBJ_CNODE, 2, 5, 1);
	world_check(&W, "checker-setup");
	snapshot();
	i2 = cte_index(CS, S(2));
	S(4)->prev = i2;
	expect_broken("check-detects-bad-backlink", "I1");
	S(3)->first = 0;
	expect_broken("check-detects-half-child-list", "I1");
	S(3)->first = S(3)->last = cte_index(CS, S(3));
	S(3)->prev = S(3)->next = cte_index(CS, S(3));
	expect_broken("check-detects-cycle", "I1");
	S(4)->cap = cap_make(WRIT_OBJ_ENDPOINT, cap_addr(&S(1)->cap), WRIT_RIGHTS_ALL, 0, 5);
	expect_broken("check-detects-rights-growth", "I2");
	S(4)->cap.w1 = 6;
	expect_broken("check-detects-badge-change", "I2");
	S(4)->cap = S(2)->cap;
	expect_broken("check-detects-other-object", "I4");
	S(2)->cap = cap_make(WRIT_OBJ_NOTIFICATION, cap_addr(&S(1)->cap), WRIT_RIGHTS_ALL, 0, 0);
	expect_broken("check-detects-overlap", "I3");
	W.ut->cap.w1 = 16;
	expect_broken("check-detects-past-watermark", "I3");
	S(9)->next = 1;
	expect_broken("check-detects-linked-empty-slot", "I5");
	S(5)->cap.w0 = (S(5)->cap.w0 & ~(CAP_SMALL_MASK << CAP_SMALL_SHIFT)) |
		       (uint64_t)30 << CAP_SMALL_SHIFT;
	expect_broken("check-detects-bad-radix", "I5");
	S(3)->cap = cap_make(CAP_ZOMBIE, cap_addr(&S(5)->cap), WRIT_RIGHTS_ALL, 2, 0);
	expect_broken("check-detects-zombie-with-children", "I6");
	/* The CNode's only capability gone while a capability still lives in it. */
	cte_move(CS, &cnode_slots(&S(5)->cap)[1], S(4));
	S(5)->cap = cap_make(WRIT_OBJ_ENDPOINT, cap_addr(&S(5)->cap), WRIT_RIGHTS_ALL, 0, 0);
	expect_broken("check-detects-capability-in-freed-memory", "I7");
}

/* CNode find: which slots name one object, with their badges and rights, in pieces. */
static void
test_find_same(void)
{
	struct cnode_match m[4];
	uint64_t next;
	unsigned n;

	fresh(16, 6);
	mk(WRIT_OBJ_ENDPOINT, 0, 1, 2);
	cte_mint(CS, S(10), S(1), WRIT_RIGHT_WRITE, 7);
	cte_mint(CS, S(20), S(1), WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT, 8);
	cte_mint(CS, S(30), S(2), WRIT_RIGHT_WRITE, 9);     /* the other endpoint */
	cte_copy(CS, S(40), S(20), WRIT_RIGHT_WRITE);
	snapshot();
	n = cnode_find_same(&W.boot, &S(1)->cap, 0, 64, m, 4, &next);
	t_check(n == 4 && next == 64 && m[0].slot == 1 && m[0].badge == 0 &&
		m[1].slot == 10 && m[1].badge == 7 && m[1].rights == WRIT_RIGHT_WRITE &&
		m[2].slot == 20 && m[2].badge == 8 &&
		m[2].rights == (WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT) &&
		m[3].slot == 40 && m[3].badge == 8, "find-same-all",
		"n %u next %llu", n, (unsigned long long)next);
	n = cnode_find_same(&W.boot, &S(1)->cap, 0, 64, m, 2, &next);
	t_check(n == 2 && next == 20 && m[1].slot == 10, "find-same-full-stops",
		"n %u next %llu", n, (unsigned long long)next);
	n = cnode_find_same(&W.boot, &S(1)->cap, next, 64, m, 4, &next);
	t_check(n == 2 && next == 64 && m[0].slot == 20 && m[1].slot == 40,
		"find-same-goes-on", "n %u next %llu", n, (unsigned long long)next);
	n = cnode_find_same(&W.boot, &S(30)->cap, 0, 64, m, 4, &next);
	t_check(n == 2 && m[0].slot == 2 && m[1].slot == 30 && m[1].badge == 9,
		"find-same-other-object", "n %u", n);
	n = cnode_find_same(&W.boot, &S(1)->cap, 11, 9, m, 4, &next);
	t_check(n == 0 && next == 20, "find-same-window", "n %u next %llu", n,
		(unsigned long long)next);
	n = cnode_find_same(&W.boot, &S(1)->cap, 60, ~0ull, m, 4, &next);
	t_check(n == 0 && next == 64, "find-same-count-cut-at-end", "next %llu",
		(unsigned long long)next);
	n = cnode_find_same(&W.boot, &S(50)->cap, 0, 64, m, 4, &next);
	t_check(n == 0, "find-same-empty-ref-finds-nothing", "n %u", n);
	expect_err("find-same-changes-nothing", WRIT_OK, WRIT_OK);
}

/* Remint: Delete then Mint at once over a childless badged capability; every refusal
 * leaves every byte alone; the old badge is reported gone. */
static void
test_remint(void)
{
	fresh(16, 6);
	mk(WRIT_OBJ_ENDPOINT, 0, 1, 2);
	expect_ok("remint-setup-mint", cte_mint(CS, S(3), S(1), WRIT_RIGHT_WRITE, 5));
	expect_ok("remint-setup-copy", cte_copy(CS, S(4), S(3), WRIT_RIGHT_WRITE));
	ERR("remint-held", cte_remint(CS, S(3), S(1), WRIT_RIGHT_WRITE, 9), WRIT_E_REVOKE_FIRST);
	expect_ok("remint-setup-delete-copy", cte_delete(CS, S(4)));
	W.env.badges_gone = 0;
	expect_ok("remint", cte_remint(CS, S(3), S(1), WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT, 9));
	t_check(cap_badge(&S(3)->cap) == 9 && cdt_parent(CS, S(3)) == S(1) &&
		cap_rights(&S(3)->cap) == (WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT) &&
		W.env.badges_gone == 1 && W.env.last_badge_gone == 5, "remint-result",
		"badge %llu, gone %u (%llu)", (unsigned long long)cap_badge(&S(3)->cap),
		(unsigned)W.env.badges_gone, (unsigned long long)W.env.last_badge_gone);
	expect_ok("remint-setup-other", cte_mint(CS, S(5), S(2), WRIT_RIGHT_WRITE, 6));
	expect_ok("remint-setup-badged", cte_mint(CS, S(6), S(1), WRIT_RIGHT_WRITE, 7));
	expect_ok("remint-setup-weak", cte_copy(CS, S(7), S(1), WRIT_RIGHT_WRITE));
	ERR("remint-empty-dest", cte_remint(CS, S(8), S(1), WRIT_RIGHT_WRITE, 9),
	    WRIT_E_INVALID_CAP);
	ERR("remint-empty-src", cte_remint(CS, S(3), S(8), WRIT_RIGHT_WRITE, 9),
	    WRIT_E_INVALID_CAP);
	ERR("remint-itself", cte_remint(CS, S(3), S(3), WRIT_RIGHT_WRITE, 9),
	    WRIT_E_INVALID_ARGUMENT);
	ERR("remint-other-object", cte_remint(CS, S(5), S(1), WRIT_RIGHT_WRITE, 9),
	    WRIT_E_INVALID_CAP);
	ERR("remint-badge-zero", cte_remint(CS, S(3), S(1), WRIT_RIGHT_WRITE, 0), WRIT_E_BADGE);
	ERR("remint-badged-src", cte_remint(CS, S(3), S(6), WRIT_RIGHT_WRITE, 9), WRIT_E_BADGE);
	ERR("remint-more-rights", cte_remint(CS, S(3), S(7), WRIT_RIGHT_READ, 9), WRIT_E_RIGHTS);
	ERR("remint-bad-rights-bits", cte_remint(CS, S(3), S(1), 0x20, 9),
	    WRIT_E_INVALID_ARGUMENT);
	mk(WRIT_OBJ_FRAME_4K, 0, 10, 1);
	expect_ok("remint-setup-frame-copy", cte_copy(CS, S(11), S(10), WRIT_RIGHT_READ));
	expect_ok("remint-unbadged-dest", cte_remint(CS, S(7), S(1), WRIT_RIGHT_WRITE, 9));
	t_check(cap_badge(&S(7)->cap) == 9, "remint-unbadged-dest-badged", "badge %llu",
		(unsigned long long)cap_badge(&S(7)->cap));
	ERR("remint-frame", cte_remint(CS, S(11), S(10), WRIT_RIGHT_READ, 9), WRIT_E_INVALID_CAP);
}

int
main(void)
{
	test_representation();
	test_lookup();
	test_retype();
	test_device();
	test_copy_mint();
	test_remint();
	test_untyped_copy();
	test_move_mutate_rotate();
	test_delete();
	test_cnode_teardown();
	test_revoke();
	test_zombie();
	test_revoke_self_held();
	test_zombie_cycles();
	test_tcb();
	test_window();
	test_find_same();
	test_checker();
	world_free(&W);
	free(snap);
	return t_done();
}
