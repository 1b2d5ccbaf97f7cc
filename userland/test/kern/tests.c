/*
 * The kernel-core tests, run by the root task (group `kern`). Each test makes what it
 * needs from untyped memory, checks exact error codes for bad input, and leaves the
 * kernel usable for the next one.
 */
#include <writ/writ.h>

#include "init.h"

#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)

static void
test_bootinfo(void)
{
	const struct writ_bootinfo *bi = init.bi;

	check(bi->magic == WRIT_BOOTINFO_MAGIC && bi->version == 1, "kern/bootinfo-magic",
	      "magic %lx version %u", bi->magic, bi->version);
	check(bi->n_untyped > 0 && init.ram_bits >= 20, "kern/bootinfo-untyped",
	      "%u untyped, largest 2^%u", bi->n_untyped, init.ram_bits);
	check(bi->first_empty_slot > WRIT_SLOT_FIRST_FREE_FIXED &&
	      bi->first_empty_slot < (1u << bi->root_cnode_radix), "kern/bootinfo-slots",
	      "first empty slot %u", bi->first_empty_slot);
	check(init.device != 0, "kern/bootinfo-device-untyped", "no device untyped listed");
}

/* The display GRUB left is described whole: a driver in user space draws with what
 * BootInfo says (geometry, pixel format) on frames made from the device untyped that
 * covers it, so every byte of it must lie in device untyped listed here. Every test
 * boot has one (VGA text under SeaBIOS, RGB under OVMF). */
static void
test_bootinfo_framebuffer(void)
{
	const struct writ_bootinfo *bi = init.bi;
	uint64_t end = bi->fb_paddr + (uint64_t)bi->fb_pitch * bi->fb_height, at;
	bool format;

	if (bi->fb_type == WRIT_FB_EGA_TEXT)
		format = bi->fb_bpp == 16 && bi->fb_pitch >= bi->fb_width * 2;
	else
		format = bi->fb_type == WRIT_FB_RGB && bi->fb_bpp >= 15 && bi->fb_bpp <= 32 &&
			 bi->fb_pitch >= bi->fb_width * ((bi->fb_bpp + 7u) / 8) &&
			 bi->fb_red_size && bi->fb_red_size <= 8 && bi->fb_green_size &&
			 bi->fb_green_size <= 8 && bi->fb_blue_size && bi->fb_blue_size <= 8 &&
			 bi->fb_red_pos + bi->fb_red_size <= bi->fb_bpp &&
			 bi->fb_green_pos + bi->fb_green_size <= bi->fb_bpp &&
			 bi->fb_blue_pos + bi->fb_blue_size <= bi->fb_bpp &&
			 bi->fb_red_pos != bi->fb_green_pos && bi->fb_green_pos != bi->fb_blue_pos;
	check(bi->fb_paddr && bi->fb_width && bi->fb_height && format,
	      "kern/bootinfo-framebuffer-format", "type %u, %ux%u, %u bpp, pitch %u, colours "
	      "%u/%u %u/%u %u/%u", bi->fb_type, bi->fb_width, bi->fb_height, bi->fb_bpp,
	      bi->fb_pitch, bi->fb_red_pos, bi->fb_red_size, bi->fb_green_pos,
	      bi->fb_green_size, bi->fb_blue_pos, bi->fb_blue_size);
	/* Walk the range from its start, each step through the device untyped holding it. */
	for (at = bi->fb_paddr & ~4095ull; at < end;) {
		uint64_t next = at;

		for (unsigned i = 0; i < bi->n_untyped; i++) {
			const struct writ_bootinfo_untyped *u = &bi->untyped[i];

			if (u->is_device && at >= u->paddr && at - u->paddr < 1ull << u->size_bits)
				next = u->paddr + (1ull << u->size_bits);
		}
		if (next == at)
			break;
		at = next;
	}
	check(bi->fb_paddr && at >= end, "kern/bootinfo-framebuffer-in-device-untyped",
	      "framebuffer %lx..%lx: %lx is in no device untyped", bi->fb_paddr, end, at);
}

/* Every frame the kernel handed over is a usable capability, and BootInfo is readable. */
static void
test_boot_frames(void)
{
	const struct writ_bootinfo *bi = init.bi;
	unsigned bad = 0;
	writ_word_t pa;

	for (unsigned i = 0; i < bi->n_image_frames; i++)
		bad += writ_frame_get_address(bi->first_image_frame_slot + i, &pa) != WRIT_OK;
	for (unsigned m = 0; m < bi->n_modules; m++)
		for (unsigned i = 0; i < bi->modules[m].frames; i++)
			bad += writ_frame_get_address(bi->modules[m].first_frame_slot + i, &pa) !=
			       WRIT_OK;
	bad += writ_frame_get_address(WRIT_SLOT_BOOTINFO_FRAME, &pa) != WRIT_OK;
	bad += writ_frame_get_address(WRIT_SLOT_IPC_BUFFER, &pa) != WRIT_OK;
	check(bad == 0 && bi->n_image_frames > 0, "kern/boot-frames-usable",
	      "%u of the boot frames are not usable frame capabilities", bad);
}

static void
test_retype_each_type(void)
{
	static const struct { unsigned type, bits; const char *name; } objs[] = {
		{ WRIT_OBJ_UNTYPED, 16, "kern/retype-untyped" },
		{ WRIT_OBJ_CNODE, 4, "kern/retype-cnode" },
		{ WRIT_OBJ_ENDPOINT, 0, "kern/retype-endpoint" },
		{ WRIT_OBJ_NOTIFICATION, 0, "kern/retype-notification" },
		{ WRIT_OBJ_TCB, 0, "kern/retype-tcb" },
		{ WRIT_OBJ_PML4, 0, "kern/retype-pml4" },
		{ WRIT_OBJ_PDPT, 0, "kern/retype-pdpt" },
		{ WRIT_OBJ_PD, 0, "kern/retype-pd" },
		{ WRIT_OBJ_PT, 0, "kern/retype-pt" },
		{ WRIT_OBJ_FRAME_4K, 0, "kern/retype-frame-4k" },
		{ WRIT_OBJ_FRAME_2M, 0, "kern/retype-frame-2m" },
	};

	for (unsigned i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		writ_cptr_t s = slot_alloc();

		check_err(writ_untyped_retype(init.ram, objs[i].type, objs[i].bits,
					      WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1), WRIT_OK,
			  objs[i].name);
	}
}

static void
test_retype_errors(void)
{
	writ_cptr_t ut = obj_new(WRIT_OBJ_UNTYPED, 14), s = slot_alloc(), busy;

	for (unsigned i = 1; i < 5; i++)
		slot_alloc();		/* s .. s + 4 for the fill below */
	busy = slot_alloc();

	check_err(writ_untyped_retype(ut, WRIT_OBJ_CNODE, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1),
		  WRIT_E_RANGE, "kern/retype-bad-cnode-size");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, 3, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1),
		  WRIT_E_RANGE, "kern/retype-bad-untyped-size");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_IRQ_CONTROL, 0, WRIT_SLOT_ROOT_CNODE, 0, 0,
				      s, 1), WRIT_E_INVALID_ARGUMENT, "kern/retype-bad-type");
	check_err(writ_untyped_retype(ut, 99, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1),
		  WRIT_E_INVALID_ARGUMENT, "kern/retype-unknown-type");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_FRAME_2M, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1),
		  WRIT_E_NOT_ENOUGH_MEMORY, "kern/retype-object-larger-than-untyped");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 5),
		  WRIT_E_NOT_ENOUGH_MEMORY, "kern/retype-exhausted");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_ENDPOINT, 0, WRIT_SLOT_ROOT_CNODE, 0, 0,
				      WRIT_SLOT_ROOT_TCB, 1), WRIT_E_DELETE_FIRST,
		  "kern/retype-occupied-slot");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_ENDPOINT, 0, WRIT_SLOT_ROOT_CNODE, 0, 0,
				      1u << init.bi->root_cnode_radix, 1), WRIT_E_RANGE,
		  "kern/retype-offset-past-cnode");
	check_err(writ_untyped_retype(init.device, WRIT_OBJ_TCB, 0, WRIT_SLOT_ROOT_CNODE, 0, 0,
				      s, 1), WRIT_E_ILLEGAL_OPERATION, "kern/retype-device-as-tcb");
	check_err(writ_untyped_retype(WRIT_SLOT_ROOT_TCB, WRIT_OBJ_ENDPOINT, 0,
				      WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1), WRIT_E_ILLEGAL_OPERATION,
		  "kern/retype-on-non-untyped");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_ENDPOINT, 0, WRIT_SLOT_ROOT_TCB, 0, 0, s, 1),
		  WRIT_E_INVALID_CAP, "kern/retype-dest-not-cnode");
	/* Revoking the untyped deletes its children and makes its memory new again. */
	check_err(writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 4),
		  WRIT_OK, "kern/retype-fill");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, busy,
				      1), WRIT_E_NOT_ENOUGH_MEMORY, "kern/retype-full");
	check_err(writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, ut, FULL_DEPTH), WRIT_OK,
		  "kern/retype-revoke-untyped");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 4),
		  WRIT_OK, "kern/retype-after-revoke");
}

static void
test_cnode_ops(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), a = slot_alloc(), b = slot_alloc(),
		    c = slot_alloc();
	const writ_cptr_t R = WRIT_SLOT_ROOT_CNODE;

	check_err(writ_cnode_copy(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, WRIT_RIGHT_WRITE),
		  WRIT_OK, "kern/cnode-copy");
	check_err(writ_cnode_copy(R, b, FULL_DEPTH, R, a, FULL_DEPTH, RW), WRIT_E_RIGHTS,
		  "kern/cnode-copy-more-rights-refused");
	check_err(writ_cnode_copy(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, RW), WRIT_E_DELETE_FIRST,
		  "kern/cnode-copy-occupied");
	check_err(writ_cnode_mint(R, b, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 42), WRIT_OK,
		  "kern/cnode-mint-badge");
	check_err(writ_cnode_mint(R, c, FULL_DEPTH, R, b, FULL_DEPTH, RW, 43), WRIT_E_BADGE,
		  "kern/cnode-mint-rebadge-refused");
	check_err(writ_cnode_move(R, c, FULL_DEPTH, R, b, FULL_DEPTH), WRIT_OK, "kern/cnode-move");
	check_err(writ_cnode_delete(R, b, FULL_DEPTH), WRIT_OK, "kern/cnode-delete-empty");
	check_err(writ_cnode_mutate(R, b, FULL_DEPTH, R, a, FULL_DEPTH, WRIT_RIGHT_WRITE, 7),
		  WRIT_OK, "kern/cnode-mutate");
	check_err(writ_cnode_rotate(R, a, FULL_DEPTH, R, b, FULL_DEPTH, R, c, FULL_DEPTH, 0, 0),
		  WRIT_OK, "kern/cnode-rotate");
	check_err(writ_cnode_revoke(R, ep, FULL_DEPTH), WRIT_OK, "kern/cnode-revoke");
	check_err(writ_cnode_delete(R, a, FULL_DEPTH), WRIT_OK, "kern/cnode-revoked-gone");
	check_err(writ_cnode_copy(R, a, FULL_DEPTH, R, b, FULL_DEPTH, RW),
		  WRIT_E_LOOKUP_MISSING_CAP, "kern/cnode-copy-from-empty");
	check_err(writ_cnode_copy(R, a, 70, R, ep, FULL_DEPTH, RW), WRIT_E_RANGE,
		  "kern/cnode-depth-too-large");
	check_err(writ_cnode_copy(R, a, 8, R, ep, FULL_DEPTH, RW), WRIT_E_LOOKUP_DEPTH_MISMATCH,
		  "kern/cnode-depth-mismatch");
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_TCB, a, FULL_DEPTH), WRIT_E_ILLEGAL_OPERATION,
		  "kern/cnode-op-on-tcb");
	check_err(writ_cnode_delete(R, 1ull << 40, FULL_DEPTH), WRIT_E_LOOKUP_GUARD_MISMATCH,
		  "kern/cnode-guard-mismatch");
}

/* CNode Find: the slots naming one object, with rights and badges, piece by piece. */
static void
test_cnode_find(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), other = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t a = slot_alloc(), b = slot_alloc(), c = slot_alloc();
	writ_word_t r[2 + 2 * WRIT_CNODE_FIND_MAX_FOUND];
	const writ_cptr_t R = WRIT_SLOT_ROOT_CNODE;
	writ_word_t size = 1ull << init.bi->root_cnode_radix, seen = 0, from = 0;
	bool badge_a = false, badge_b = false, stray = false;
	unsigned calls = 0;

	writ_cnode_mint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, WRIT_RIGHT_WRITE, 5);
	writ_cnode_mint(R, b, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 6);
	writ_cnode_mint(R, c, FULL_DEPTH, R, other, FULL_DEPTH, RW, 7);
	while (from < size && calls++ < 4 * size / WRIT_CNODE_FIND_MAX_SLOTS + 8) {
		if (writ_cnode_find(R, ep, from, WRIT_CNODE_FIND_MAX_SLOTS, r, 20) != WRIT_OK)
			break;
		for (unsigned i = 0; i < r[1]; i++) {
			writ_word_t slot = r[2 + 2 * i] & ((1ull << WRIT_CNODE_FIND_RIGHTS_SHIFT) - 1);
			unsigned rights = (unsigned)(r[2 + 2 * i] >> WRIT_CNODE_FIND_RIGHTS_SHIFT);

			seen++;
			if (slot == a)
				badge_a = r[3 + 2 * i] == 5 && rights == WRIT_RIGHT_WRITE;
			else if (slot == b)
				badge_b = r[3 + 2 * i] == 6 && rights == RW;
			else if (slot != ep)
				stray = true;
		}
		if (r[0] <= from)
			break;
		from = r[0];
	}
	check(from == size && seen == 3 && badge_a && badge_b && !stray, "kern/cnode-find",
	      "went to %lu of %lu, found %lu (a %d, b %d, stray %d)", from, size, seen, badge_a,
	      badge_b, stray);
	writ_cnode_find(R, other, c, 1, r, 20);
	check(r[0] == c + 1 && r[1] == 1 && r[3] == 7, "kern/cnode-find-one-slot",
	      "next %lu, %lu found, badge %lu", r[0], r[1], r[3]);
	check_err(writ_cnode_find(R, ep, size, 1, r, 20), WRIT_E_RANGE,
		  "kern/cnode-find-first-past-end");
	check_err(writ_cnode_find(R, ep, 0, 0, r, 20), WRIT_E_RANGE, "kern/cnode-find-count-0");
	check_err(writ_cnode_find(R, ep, 0, WRIT_CNODE_FIND_MAX_SLOTS + 1, r, 20), WRIT_E_RANGE,
		  "kern/cnode-find-count-too-large");
	check_err(writ_cnode_find(R, ep, ~0ull, 1, r, 20), WRIT_E_RANGE,
		  "kern/cnode-find-first-huge");
	check(writ_cnode_find(R, slot_alloc(), 0, 1, r, 20) == WRIT_E_LOOKUP_MISSING_CAP,
	      "kern/cnode-find-empty-ref", "an empty REF was accepted");
	check_err(writ_cnode_find(WRIT_SLOT_ROOT_TCB, ep, 0, 1, r, 20),
		  WRIT_E_ILLEGAL_OPERATION, "kern/cnode-find-on-tcb");
	writ_cnode_revoke(R, ep, FULL_DEPTH);
	writ_cnode_find(R, ep, a, 1, r, 20);
	check(r[1] == 0, "kern/cnode-find-after-revoke", "a revoked copy was found");
	writ_cnode_delete(R, c, FULL_DEPTH);
}

/* A Call with this label and up to four argument words, on cap; the reply in *m. */
static long
call_words(writ_cptr_t cap, writ_word_t label, unsigned n, writ_word_t a0, writ_word_t a1,
	   struct writ_msg *m)
{
	*m = (struct writ_msg){ .info = writ_msginfo(label, 0, n), .mr = { a0, a1 } };
	return writ_call(cap, m);
}

/* The reply of a failed Call carries this lookup fault (<writ/abi.h>, "Lookup faults"). */
static void
check_lookup_fault(const struct writ_msg *m, writ_word_t cptr, writ_word_t bits_left,
		   writ_word_t guard, writ_word_t guard_bits, const char *name)
{
	check(writ_msginfo_length(m->info) == WRIT_LOOKUP_FAULT_LENGTH &&
	      m->mr[WRIT_LOOKUP_FAULT_CPTR] == cptr &&
	      m->mr[WRIT_LOOKUP_FAULT_BITS_LEFT] == bits_left &&
	      m->mr[WRIT_LOOKUP_FAULT_GUARD] == guard &&
	      m->mr[WRIT_LOOKUP_FAULT_GUARD_BITS] == guard_bits, name,
	      "length %u, cptr 0x%lx bits left %lu guard 0x%lx of %lu bits; want cptr 0x%lx "
	      "bits left %lu guard 0x%lx of %lu bits", writ_msginfo_length(m->info),
	      m->mr[0], m->mr[1], m->mr[2], m->mr[3], cptr, bits_left, guard, guard_bits);
}

/*
 * The lookup fault the ABI promises: which capability pointer failed, the bits left,
 * and the guard found. The root CNode's guard (64 - radix zero bits) makes a cptr the
 * slot index; a cptr with a bit set above the radix fails that guard at once.
 */
static void
test_lookup_fault(void)
{
	unsigned radix = init.bi->root_cnode_radix;
	writ_cptr_t empty = slot_alloc(), bad = 1ull << 50;
	const writ_cptr_t R = WRIT_SLOT_ROOT_CNODE;
	struct writ_msg m;

	check_err(call_words(bad, WRIT_LABEL_TCB_RESUME, 0, 0, 0, &m),
		  WRIT_E_LOOKUP_GUARD_MISMATCH, "kern/lookup-fault-invoked-guard-error");
	check_lookup_fault(&m, bad, 64, bad >> radix, 64 - radix,
			   "kern/lookup-fault-invoked-guard");
	check_err(call_words(empty, WRIT_LABEL_TCB_RESUME, 0, 0, 0, &m),
		  WRIT_E_LOOKUP_MISSING_CAP, "kern/lookup-fault-invoked-empty-error");
	check_lookup_fault(&m, empty, 0, 0, 0, "kern/lookup-fault-invoked-empty");
	check_err(call_words(WRIT_SLOT_ROOT_TCB, WRIT_LABEL_TCB_SET_PRIORITY, 2, empty, 0, &m),
		  WRIT_E_LOOKUP_MISSING_CAP, "kern/lookup-fault-argument-empty-error");
	check_lookup_fault(&m, empty, 0, 0, 0, "kern/lookup-fault-argument-empty");
	check_err(call_words(R, WRIT_LABEL_CNODE_DELETE, 2, empty, 8, &m),
		  WRIT_E_LOOKUP_DEPTH_MISMATCH, "kern/lookup-fault-slot-depth-error");
	check_lookup_fault(&m, empty, 8, 0, 0, "kern/lookup-fault-slot-depth");
	check_err(call_words(R, WRIT_LABEL_CNODE_DELETE, 2, 1ull << 40, FULL_DEPTH, &m),
		  WRIT_E_LOOKUP_GUARD_MISMATCH, "kern/lookup-fault-slot-guard-error");
	check_lookup_fault(&m, 1ull << 40, 64, (1ull << 40) >> radix, 64 - radix,
			   "kern/lookup-fault-slot-guard");
	/* Any other error answers with no words, even after a lookup fault in the call. */
	check_err(call_words(R, WRIT_LABEL_CNODE_DELETE, 2, empty, 70, &m), WRIT_E_RANGE,
		  "kern/lookup-fault-none-for-range-error");
	check(writ_msginfo_length(m.info) == 0, "kern/lookup-fault-none-for-range",
	      "length %u", writ_msginfo_length(m.info));
	check_err(call_words(R, WRIT_LABEL_CNODE_DELETE, 2, empty, FULL_DEPTH, &m), WRIT_OK,
		  "kern/lookup-fault-none-on-success-error");
	check(writ_msginfo_length(m.info) == 0, "kern/lookup-fault-none-on-success",
	      "length %u", writ_msginfo_length(m.info));
}

static void
test_invalid_caps(void)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_LABEL_TCB_RESUME, 0, 0) };
	writ_cptr_t empty = slot_alloc();

	check_err(writ_call(empty, &m), WRIT_E_LOOKUP_MISSING_CAP, "kern/call-empty-slot");
	m.info = writ_msginfo(WRIT_LABEL_TCB_RESUME, 0, 0);
	check_err(writ_call(1ull << 50, &m), WRIT_E_LOOKUP_GUARD_MISMATCH, "kern/call-bad-cptr");
	check_err(writ_tcb_resume(WRIT_SLOT_ROOT_CNODE), WRIT_E_ILLEGAL_OPERATION,
		  "kern/tcb-op-on-cnode");
	check_err(writ_frame_unmap(WRIT_SLOT_ROOT_TCB), WRIT_E_ILLEGAL_OPERATION,
		  "kern/frame-op-on-tcb");
	m.info = writ_msginfo(1000, 0, 0);
	check_err(writ_call(WRIT_SLOT_ROOT_TCB, &m), WRIT_E_ILLEGAL_OPERATION,
		  "kern/unknown-label");
	m.info = writ_msginfo(WRIT_LABEL_UNTYPED_RETYPE, 0, 2);
	check_err(writ_call(init.ram, &m), WRIT_E_TRUNCATED_MESSAGE, "kern/truncated-message");
	check_err(writ_recv(WRIT_SLOT_ROOT_TCB, &m), WRIT_E_INVALID_CAP, "kern/recv-on-tcb");
	check_err(writ_reply(&m), WRIT_E_NO_REPLY, "kern/reply-with-nobody");
}

/* ---- memory ---- */

static void
test_map_unmap(void)
{
	writ_cptr_t f = obj_new(WRIT_OBJ_FRAME_4K, 0), f2;
	uint64_t va = va_alloc();
	volatile uint64_t *p = (volatile uint64_t *)va;
	writ_word_t pa = 0;

	check_err(writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, va, RW, WRIT_MAP_WRITE_BACK), WRIT_OK,
		  "kern/frame-map");
	*p = 0x1234;
	check(*p == 0x1234, "kern/frame-write-read", "read back %lx", *p);
	check_err(writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, va_alloc(), RW, 0),
		  WRIT_E_ILLEGAL_OPERATION, "kern/frame-map-twice-one-cap");
	f2 = obj_new(WRIT_OBJ_FRAME_4K, 0);
	check_err(writ_frame_map(f2, WRIT_SLOT_ROOT_VSPACE, va, RW, 0), WRIT_E_DELETE_FIRST,
		  "kern/frame-map-over-mapping");
	check_err(writ_frame_map(f2, WRIT_SLOT_ROOT_VSPACE, 0xffff800000000000ull, RW, 0),
		  WRIT_E_RANGE, "kern/frame-map-kernel-half");
	check_err(writ_frame_map(f2, WRIT_SLOT_ROOT_VSPACE, va + 8, RW, 0), WRIT_E_ALIGNMENT,
		  "kern/frame-map-misaligned");
	check_err(writ_frame_map(f2, WRIT_SLOT_ROOT_VSPACE, 0x40000000000ull, RW, 0),
		  WRIT_E_LOOKUP_MISSING_CAP, "kern/frame-map-no-page-table");
	check_err(writ_frame_map(f2, WRIT_SLOT_ROOT_VSPACE, va_alloc(), 0x80, 0),
		  WRIT_E_INVALID_ARGUMENT, "kern/frame-map-bad-rights");
	check_err(writ_frame_get_address(f, &pa), WRIT_OK, "kern/frame-get-address");
	check(pa != 0 && pa % 4096 == 0, "kern/frame-address-sane", "address %lx", pa);
	check_err(writ_frame_unmap(f), WRIT_OK, "kern/frame-unmap");
	check_err(writ_frame_map(f2, WRIT_SLOT_ROOT_VSPACE, va, RW, 0), WRIT_OK,
		  "kern/frame-map-after-unmap");
	check(*p == 0, "kern/frame-fresh-is-zero", "a new frame read %lx", *p);
}

/* ---- faults ---- */

static volatile uint64_t shared_word;

static void
fault_thread(uint64_t addr)
{
	shared_word = *(volatile uint64_t *)addr;	/* faults */
	thread_exit();
}

static void
test_vm_fault(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	struct writ_msg m = { 0 };
	writ_cptr_t t;
	uint64_t addr = 0x500000000ull;
	long err;

	t = thread_new(fault_thread, addr, 100, ep);
	check(t != 0, "kern/thread-create", "could not make a thread");
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_VM &&
	      m.mr[WRIT_VM_FAULT_ADDR] == addr, "kern/vm-fault-delivered",
	      "err %ld label %lu addr %lx", err, writ_msginfo_label(m.info),
	      m.mr[WRIT_VM_FAULT_ADDR]);
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH), WRIT_OK,
		  "kern/delete-faulted-thread");
	check_err(writ_reply(&m), WRIT_E_NO_REPLY, "kern/reply-to-deleted-caller");
}

static void
syscall_thread(uint64_t ep)
{
	long r;
	struct writ_msg m = { .info = writ_msginfo(0, 0, 1) };

	__asm__ volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");	/* getpid */
	m.mr[0] = (writ_word_t)r;
	writ_send(ep, &m);
	thread_exit();
}

static void
test_unknown_syscall(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	struct writ_msg m = { 0 };
	writ_word_t ctx[WRIT_CTX_COUNT];
	long err;

	thread_new(syscall_thread, ep, 100, ep);
	err = writ_recv(ep, &m);
	for (unsigned i = 0; i < WRIT_CTX_COUNT; i++)
		ctx[i] = i < WRIT_MSG_REGS ? m.mr[i] : writ_mr_get(i);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_UNKNOWN_SYSCALL &&
	      writ_msginfo_length(m.info) == WRIT_CTX_COUNT && ctx[WRIT_CTX_RAX] == 39,
	      "kern/unknown-syscall-delivered", "label %lu length %u rax %lu",
	      writ_msginfo_label(m.info), writ_msginfo_length(m.info), ctx[WRIT_CTX_RAX]);
	ctx[WRIT_CTX_RAX] = 4242;
	for (unsigned i = 0; i < WRIT_CTX_COUNT; i++) {
		if (i < WRIT_MSG_REGS)
			m.mr[i] = ctx[i];
		else
			writ_mr_set(i, ctx[i]);
	}
	m.info = writ_msginfo(0, 0, WRIT_CTX_COUNT);
	check_err(writ_reply(&m), WRIT_OK, "kern/unknown-syscall-reply");
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && m.mr[0] == 4242, "kern/unknown-syscall-result",
	      "thread saw rax %lu", m.mr[0]);
}

static void
priv_thread(uint64_t kind)
{
	if (kind == 0)
		__asm__ volatile("cli");
	else if (kind == 1)
		__asm__ volatile("hlt");
	else if (kind == 2)
		__asm__ volatile("mov %0, %%cr3" : : "r"(0ul));
	else
		__asm__ volatile("inb $0x80, %%al" : : : "rax");	/* no IOPL, no bitmap */
	thread_exit();
}

static void
test_privileged(void)
{
	static const char *const names[] = { "kern/user-cli-faults", "kern/user-hlt-faults",
					     "kern/user-mov-cr3-faults",
					     "kern/user-port-io-faults" };
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);

	for (unsigned k = 0; k < 4; k++) {
		struct writ_msg m = { 0 };
		writ_cptr_t t = thread_new(priv_thread, k, 100, ep);
		long err = writ_recv(ep, &m);
		writ_word_t vector = writ_mr_get(WRIT_CTX_COUNT);

		check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_USER_EXCEPTION &&
		      vector == 13, names[k], "label %lu vector %lu",
		      writ_msginfo_label(m.info), vector);
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	}
}

static void
test_ioport_ranges(void)
{
	writ_cptr_t p = slot_alloc();
	uint32_t v;

	check_err(writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0x80, 0x80, WRIT_SLOT_ROOT_CNODE, p,
				    FULL_DEPTH), WRIT_OK, "kern/ioport-issue");
	check_err(writ_ioport_out(p, 1, 0x80, 0x5a), WRIT_OK, "kern/ioport-out8-in-range");
	check_err(writ_ioport_in(p, 1, 0x81, &v), WRIT_E_RANGE, "kern/ioport-past-range");
	check_err(writ_ioport_in(p, 2, 0x80, &v), WRIT_E_RANGE, "kern/ioport-wide-past-range");
	check_err(writ_ioport_out(p, 4, 0x7f, 0), WRIT_E_RANGE, "kern/ioport-below-range");
	check_err(writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0x90, 0x10000, WRIT_SLOT_ROOT_CNODE,
				    slot_alloc(), FULL_DEPTH), WRIT_E_RANGE,
		  "kern/ioport-issue-bad-range");
	check_err(writ_ioport_issue(p, 0x80, 0x80, WRIT_SLOT_ROOT_CNODE, slot_alloc(),
				    FULL_DEPTH), WRIT_E_ILLEGAL_OPERATION,
		  "kern/ioport-issue-needs-control");
}

static void
test_ipc_buffer_config(void)
{
	writ_cptr_t t = obj_new(WRIT_OBJ_TCB, 0), ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t dev = slot_alloc(), f = obj_new(WRIT_OBJ_FRAME_4K, 0);

	check_err(writ_tcb_configure(t, 0, WRIT_SLOT_ROOT_CNODE, 0, WRIT_SLOT_ROOT_VSPACE,
				     0x10000, ep), WRIT_E_INVALID_CAP,
		  "kern/ipc-buffer-not-a-frame");
	check_err(writ_untyped_retype(init.device, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0,
				      0, dev, 1), WRIT_OK, "kern/device-frame-retype");
	check_err(writ_tcb_configure(t, 0, WRIT_SLOT_ROOT_CNODE, 0, WRIT_SLOT_ROOT_VSPACE,
				     0x10000, dev), WRIT_E_ILLEGAL_OPERATION,
		  "kern/ipc-buffer-device-frame-refused");
	check_err(writ_tcb_configure(t, 0, WRIT_SLOT_ROOT_CNODE, 0, WRIT_SLOT_ROOT_VSPACE,
				     0x10008, f), WRIT_E_ALIGNMENT, "kern/ipc-buffer-misaligned");
	check_err(writ_tcb_configure(t, ep, WRIT_SLOT_ROOT_TCB, 0, 0, 0, 0), WRIT_E_INVALID_CAP,
		  "kern/configure-cspace-not-cnode");
	check_err(writ_tcb_configure(t, ep, WRIT_SLOT_ROOT_CNODE, 0, WRIT_SLOT_ROOT_VSPACE,
				     0x10000, f), WRIT_OK, "kern/configure-ok");
}

/* A thread of ours that reads `addr` must take a VM fault there (test `name`). */
static void
check_read_faults(uint64_t addr, const char *name)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t t = thread_new(fault_thread, addr, 100, ep);
	struct writ_msg m = { 0 };
	long err = writ_recv(ep, &m);

	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_VM &&
	      m.mr[WRIT_VM_FAULT_ADDR] == addr, name, "label %lu addr %lx",
	      writ_msginfo_label(m.info), m.mr[WRIT_VM_FAULT_ADDR]);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
}

/* Deleting the only capability to a mapped frame takes the mapping with it. */
static void
test_frame_delete_unmaps(void)
{
	writ_cptr_t f;
	volatile uint64_t *p = page_new(&f);

	*p = 77;
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, f, FULL_DEPTH), WRIT_OK,
		  "kern/frame-delete");
	check_read_faults((uint64_t)p, "kern/frame-delete-unmaps");
}

/*
 * A 2 MiB page: mapped through a page directory of its own, used at both ends, then
 * unmapped, after which a touch at its far end faults (one TLB entry to drop).
 */
static void
test_large_page(void)
{
	const uint64_t va = 0x600000000000ull;
	writ_cptr_t pdpt = obj_new(WRIT_OBJ_PDPT, 0), pd = obj_new(WRIT_OBJ_PD, 0);
	writ_cptr_t big = obj_new(WRIT_OBJ_FRAME_2M, 0);
	volatile uint64_t *lo = (volatile uint64_t *)va, *hi = (volatile uint64_t *)(va + 0x1ff000);
	long err;

	err = writ_page_table_map(pdpt, WRIT_SLOT_ROOT_VSPACE, va) |
	      writ_page_table_map(pd, WRIT_SLOT_ROOT_VSPACE, va);
	check_err(err, WRIT_OK, "kern/large-page-tables");
	check_err(writ_frame_map(big, WRIT_SLOT_ROOT_VSPACE, va + 0x1000, RW, WRIT_MAP_WRITE_BACK),
		  WRIT_E_ALIGNMENT, "kern/large-page-misaligned");
	err = writ_frame_map(big, WRIT_SLOT_ROOT_VSPACE, va, RW, WRIT_MAP_WRITE_BACK);
	check_err(err, WRIT_OK, "kern/large-page-map");
	if (err != WRIT_OK)
		return;
	*lo = 11;
	*hi = 22;
	check(*lo == 11 && *hi == 22, "kern/large-page-both-ends", "%lu %lu", *lo, *hi);
	check_err(writ_frame_unmap(big), WRIT_OK, "kern/large-page-unmap");
	check_read_faults((uint64_t)hi, "kern/large-page-gone-after-unmap");
}

/*
 * A thread whose address space is deleted while it waits runs on without one: the kernel
 * switches to its own page tables (no user memory), and the thread's next fetch is an
 * ordinary VM fault, not a bad CR3.
 */
static void
test_vspace_deleted_under_thread(void)
{
	writ_cptr_t pml4 = obj_new(WRIT_OBJ_PML4, 0), ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t t = obj_new(WRIT_OBJ_TCB, 0);
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	struct writ_msg m = { 0 };
	long err;

	ctx[WRIT_CTX_RIP] = 0x400000;		/* nothing mapped there in the new space */
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	err = writ_tcb_configure(t, ep, WRIT_SLOT_ROOT_CNODE, 0, pml4, 0, 0) |
	      writ_tcb_set_priority(t, WRIT_SLOT_ROOT_TCB, 100) |
	      writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT);
	err = err ? err : writ_recv(ep, &m);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_VM &&
	      m.mr[WRIT_VM_FAULT_IP] == 0x400000, "kern/fault-in-empty-vspace",
	      "err %ld label %lu ip %lx", err, writ_msginfo_label(m.info), m.mr[WRIT_VM_FAULT_IP]);
	/* the revoke takes the thread's copy too: the PML4 itself goes */
	check_err(writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, pml4, FULL_DEPTH) |
		  writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, pml4, FULL_DEPTH), WRIT_OK,
		  "kern/vspace-delete-under-thread");
	m.info = writ_msginfo(0, 0, 0);		/* resume it */
	err = writ_reply_recv(ep, &m);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_VM &&
	      m.mr[WRIT_VM_FAULT_IP] == 0x400000, "kern/thread-without-vspace-faults",
	      "err %ld label %lu ip %lx", err, writ_msginfo_label(m.info), m.mr[WRIT_VM_FAULT_IP]);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
}

/*
 * A thread in a second address space: its code is six bytes that load a word of ours
 * (mov rax, [abs64]; ud2). The word is not mapped there, so it faults, and the fault
 * names the address: it cannot read our memory.
 */
static void
test_second_address_space(void)
{
	writ_cptr_t pml4 = obj_new(WRIT_OBJ_PML4, 0), pdpt = obj_new(WRIT_OBJ_PDPT, 0);
	writ_cptr_t pd = obj_new(WRIT_OBJ_PD, 0), pt = obj_new(WRIT_OBJ_PT, 0);
	writ_cptr_t code_cap, code_copy = slot_alloc(), ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t t = obj_new(WRIT_OBJ_TCB, 0);
	uint8_t *code = page_new(&code_cap);
	uint64_t target = (uint64_t)&shared_word, at = 0x400000000ull;
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	struct writ_msg m = { 0 };
	long err;

	code[0] = 0x48;
	code[1] = 0xa1;
	for (unsigned i = 0; i < 8; i++)
		code[2 + i] = (uint8_t)(target >> (8 * i));
	code[10] = 0x0f;
	code[11] = 0x0b;
	err = writ_page_table_map(pdpt, pml4, at) | writ_page_table_map(pd, pml4, at) |
	      writ_page_table_map(pt, pml4, at) |
	      writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, code_copy, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
			      code_cap, FULL_DEPTH, WRIT_RIGHT_READ | WRIT_RIGHT_EXEC) |
	      writ_frame_map(code_copy, pml4, at, WRIT_RIGHT_READ | WRIT_RIGHT_EXEC,
			     WRIT_MAP_WRITE_BACK) |
	      writ_tcb_configure(t, ep, WRIT_SLOT_ROOT_CNODE, 0, pml4, 0, 0) |
	      writ_tcb_set_priority(t, WRIT_SLOT_ROOT_TCB, 100);
	check_err(err, WRIT_OK, "kern/second-vspace-built");
	check_err(writ_page_table_map(pt, pml4, at), WRIT_E_ILLEGAL_OPERATION,
		  "kern/page-table-map-twice");
	ctx[WRIT_CTX_RIP] = at;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	check_err(writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT), WRIT_OK,
		  "kern/second-vspace-thread-start");
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_VM &&
	      m.mr[WRIT_VM_FAULT_ADDR] == target && m.mr[WRIT_VM_FAULT_IP] == at,
	      "kern/second-vspace-isolated", "label %lu addr %lx ip %lx",
	      writ_msginfo_label(m.info), m.mr[WRIT_VM_FAULT_ADDR], m.mr[WRIT_VM_FAULT_IP]);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, pml4, FULL_DEPTH), WRIT_OK,
		  "kern/vspace-delete");
	check_err(writ_frame_unmap(code_copy), WRIT_OK, "kern/unmap-after-vspace-gone");
}

/* ---- scheduling ---- */

static volatile uint64_t counters[2];

static void
spin_thread(uint64_t i)
{
	for (;;)
		counters[i]++;
}

static void
test_preemption(void)
{
	writ_cptr_t a = thread_new(spin_thread, 0, 100, 0), b = thread_new(spin_thread, 1, 100, 0);

	root_yield_at(100, 30);
	check(counters[0] > 0 && counters[1] > 0, "kern/preemption-both-run",
	      "counters %lu and %lu", counters[0], counters[1]);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, a, FULL_DEPTH);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, b, FULL_DEPTH);
	check(true, "kern/delete-running-threads", "%s", "");
}

static volatile unsigned order[4], order_n;

static void
mark_thread(uint64_t id)
{
	order[order_n++] = (unsigned)id;
	thread_exit();
}

static void
test_priorities(void)
{
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 120);
	thread_new(mark_thread, 1, 50, 0);
	thread_new(mark_thread, 2, 150, 0);	/* runs at once: above us */
	check(order_n == 1 && order[0] == 2, "kern/higher-priority-runs-first",
	      "%u ran first of %u", order[0], order_n);
	root_yield_at(40, 3);
	check(order_n == 2 && order[1] == 1, "kern/lower-priority-runs-when-idle",
	      "order %u %u (%u)", order[0], order[1], order_n);
	check_err(writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, limbo_ep, 10), WRIT_E_INVALID_CAP,
		  "kern/priority-authority-not-tcb");
}

static void
wait_then_mark(uint64_t arg)
{
	struct writ_msg m;

	writ_recv(arg >> 8, &m);	/* cancelled when the endpoint goes */
	order[order_n++] = (unsigned)(arg & 0xff);
	thread_exit();
}

/*
 * Threads woken in one kernel entry (an endpoint deleted under its waiters) run by
 * priority, and in the order they were woken within a priority, the same as if each
 * had gone to the tail of its ready queue as it woke. (Each starts with a whole
 * timeslice, having blocked, so a timer tick as it starts cannot reorder equals.)
 */
static void
test_wake_order(void)
{
	static const unsigned prio[4] = { 150, 200, 150, 200 };
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);

	order_n = 0;
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	for (unsigned i = 0; i < 4; i++)
		thread_new(wait_then_mark, ep << 8 | (i + 1), prio[i], 0);	/* each waits */
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH);
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	check(order_n == 4 && order[0] == 2 && order[1] == 4 && order[2] == 1 && order[3] == 3,
	      "kern/woken-together-run-in-order", "order %u %u %u %u (%u ran)", order[0],
	      order[1], order[2], order[3], order_n);
}

/*
 * The partner of an IPC runs ahead of ready threads of its priority (seL4's rule,
 * sched_may_hand_off in kern/include/kern/sched.h): a client's Call runs the waiting
 * server at once, and the server's ReplyRecv runs the client at once, though a third
 * thread of that priority was ready before either. A one-word message takes the
 * fastpath, a ten-word one the full path; both must agree.
 */
static volatile unsigned handoff_log[4], handoff_n;

static void
handoff_server(uint64_t ep)
{
	struct writ_msg m = { 0 };

	writ_recv(ep, &m);
	for (;;) {
		handoff_log[handoff_n++] = 'S';
		/* as long as the call, so that a long one is answered by the full path too */
		m.info = writ_msginfo(0, 0, writ_msginfo_length(m.info));
		writ_reply_recv(ep, &m);
	}
}

static void
handoff_client(uint64_t arg)
{
	struct writ_msg m = { .info = writ_msginfo(1, 0, arg >> 32) };

	writ_call((uint32_t)arg, &m);
	handoff_log[handoff_n++] = 'C';
	thread_exit();
}

static void
handoff_bystander(uint64_t unused)
{
	(void)unused;
	handoff_log[handoff_n++] = 'B';
	thread_exit();
}

static void
test_hand_off_order(unsigned words, const char *name)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), s;

	handoff_n = 0;
	/* created above them: they queue in this order, the server first to Recv */
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	s = thread_new(handoff_server, ep, 100, 0);
	thread_new(handoff_client, ep | (uint64_t)words << 32, 100, 0);
	thread_new(handoff_bystander, 0, 100, 0);
	root_yield_at(50, 1);
	check(handoff_n == 3 && handoff_log[0] == 'S' && handoff_log[1] == 'C' &&
	      handoff_log[2] == 'B', name, "order %c %c %c (%u ran)", handoff_log[0],
	      handoff_log[1], handoff_log[2], handoff_n);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, s, FULL_DEPTH);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH);
}

/*
 * The other side of that rule: a client and a server of one priority calling each
 * other for ever leave a third thread of their priority a turn, because the client
 * keeps its timeslice while it waits for each answer (a thread that blocks otherwise
 * starts its next turn afresh, and the pair would keep the third waiting for ever).
 * The third runs within a few timer periods: 3,900 round trips in the debug kernel
 * under TCG, 8,900 in the release kernel under -icount; without the kept turn the
 * pair went on for 79,000 (TCG) before two ticks happened to fall in one thread's
 * run. The pair stops by itself after PAIR_CALLS round trips, so that the test ends
 * either way.
 */
#define PAIR_CALLS 30000u
static volatile unsigned pair_calls, pair_calls_when_third_ran;

static void
pair_server(uint64_t ep)
{
	struct writ_msg m = { 0 };

	writ_recv(ep, &m);
	for (;;) {
		m.info = writ_msginfo(0, 0, 0);
		writ_reply_recv(ep, &m);
	}
}

static void
pair_client(uint64_t ep)
{
	struct writ_msg m = { 0 };

	while (!pair_calls_when_third_ran && pair_calls < PAIR_CALLS) {
		m.info = writ_msginfo(0, 0, 0);
		writ_call(ep, &m);
		pair_calls++;
	}
	thread_exit();
}

static void
pair_third(uint64_t unused)
{
	(void)unused;
	pair_calls_when_third_ran = pair_calls + 1;
	thread_exit();
}

static void
test_hand_off_shares_turn(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), s;

	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	s = thread_new(pair_server, ep, 100, 0);
	thread_new(pair_client, ep, 100, 0);
	thread_new(pair_third, 0, 100, 0);
	root_yield_at(50, 1);
	check(pair_calls_when_third_ran > 0 && pair_calls_when_third_ran <= PAIR_CALLS,
	      "kern/call-pair-leaves-equals-a-turn", "the third ran after %u of %u calls",
	      pair_calls_when_third_ran, pair_calls);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, s, FULL_DEPTH);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH);
}

static void
test_mcp(void)
{
	writ_cptr_t t = obj_new(WRIT_OBJ_TCB, 0);

	check_err(writ_tcb_set_priority(t, t, 10), WRIT_E_RANGE, "kern/priority-above-mcp");
	check_err(writ_tcb_set_mcp(t, WRIT_SLOT_ROOT_TCB, 20), WRIT_OK, "kern/set-mcp");
	check_err(writ_tcb_set_priority(t, t, 20), WRIT_OK, "kern/priority-within-mcp");
	check_err(writ_tcb_set_priority(t, t, 21), WRIT_E_RANGE, "kern/priority-past-own-mcp");
	check_err(writ_tcb_resume(t), WRIT_E_ILLEGAL_OPERATION, "kern/resume-without-vspace");
}

/* ---- registers ---- */

uint64_t regs_after_syscall[6];
uint64_t regs_syscall_cap;

/*
 * Magic values in every register syscall `n` (on capability regs_syscall_cap) does not
 * define, checked after: rbx, rbp, r12-r15.
 */
static void
regs_preserved(long n, const char *name)
{
	uint64_t *out = regs_after_syscall;

	__asm__ volatile(
		"push %%rbp\n\t"
		"movabs $0x1111111111111111, %%rbx\n\t"
		"movabs $0x5555555555555555, %%rbp\n\t"
		"movabs $0xcccccccccccccccc, %%r12\n\t"
		"movabs $0xdddddddddddddddd, %%r13\n\t"
		"movabs $0xeeeeeeeeeeeeeeee, %%r14\n\t"
		"movabs $0xffffffffffffffff, %%r15\n\t"
		"mov regs_syscall_cap(%%rip), %%rdi\n\t"
		"xor %%esi, %%esi\n\t"
		"syscall\n\t"
		"mov %%rbx, regs_after_syscall(%%rip)\n\t"
		"mov %%rbp, regs_after_syscall+8(%%rip)\n\t"
		"mov %%r12, regs_after_syscall+16(%%rip)\n\t"
		"mov %%r13, regs_after_syscall+24(%%rip)\n\t"
		"mov %%r14, regs_after_syscall+32(%%rip)\n\t"
		"mov %%r15, regs_after_syscall+40(%%rip)\n\t"
		"pop %%rbp"
		: "+a"(n)
		:
		: "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
		  "r14", "r15", "memory");
	check(out[0] == 0x1111111111111111ull && out[1] == 0x5555555555555555ull &&
	      out[2] == 0xccccccccccccccccull && out[3] == 0xddddddddddddddddull &&
	      out[4] == 0xeeeeeeeeeeeeeeeeull && out[5] == 0xffffffffffffffffull, name,
	      "a register changed: rbx %lx rbp %lx r12 %lx r15 %lx", out[0], out[1], out[2],
	      out[5]);
}

static void
test_register_preservation(void)
{
	static const long calls[] = { WRIT_SYS_YIELD, WRIT_SYS_NBSEND, WRIT_SYS_NBRECV,
				      WRIT_SYS_REPLY, WRIT_SYS_CALL };
	static const char *const names[] = { "kern/regs-preserved-yield",
					     "kern/regs-preserved-nbsend",
					     "kern/regs-preserved-nbrecv",
					     "kern/regs-preserved-reply",
					     "kern/regs-preserved-call-error" };
	/* sel4test SYSCALL0011-0013: receives that return at once from a signalled
	 * notification (Wait, Poll, ReplyRecv). */
	static const long ntfn_calls[] = { WRIT_SYS_RECV, WRIT_SYS_NBRECV, WRIT_SYS_REPLY_RECV };
	static const char *const ntfn_names[] = { "kern/regs-preserved-wait-signalled",
						  "kern/regs-preserved-poll-signalled",
						  "kern/regs-preserved-reply-recv-signalled" };
	writ_cptr_t n = obj_new(WRIT_OBJ_NOTIFICATION, 0), b = slot_alloc();

	regs_syscall_cap = 0x7777;	/* an empty slot: the calls fail, registers must not */
	for (unsigned i = 0; i < 5; i++)
		regs_preserved(calls[i], names[i]);
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, b, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, n, FULL_DEPTH,
			RW, 3);
	regs_syscall_cap = n;
	for (unsigned i = 0; i < 3; i++) {
		writ_signal(b);
		regs_preserved(ntfn_calls[i], ntfn_names[i]);
	}
}

/*
 * A thread stopped inside a syscall, whose registers are then written, gets every one
 * of them back, RCX and R11 too: `syscall` clobbers both, so the kernel's quick way
 * back (sysret) may only be taken for frames nobody wrote.
 */
volatile uint64_t regs_probe_seen[3];
void regs_probe(void);
__asm__(".pushsection .text\n"
	".globl regs_probe\n"
	"regs_probe:\n\t"
	"mov %rcx, regs_probe_seen(%rip)\n\t"
	"mov %r11, regs_probe_seen+8(%rip)\n\t"
	"movq $1, regs_probe_seen+16(%rip)\n"
	"1:\tpause\n\t"
	"jmp 1b\n"
	".popsection\n");

static void
recv_forever(uint64_t ep)
{
	struct writ_msg m;

	for (;;)
		writ_recv(ep, &m);
}

static void
test_written_registers_return(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), t;
	writ_word_t ctx[WRIT_CTX_COUNT];

	/* at the root's priority while it yields: the probe spins, the timer shares */
	t = thread_new(recv_forever, ep, 50, 0);
	root_yield_at(50, 2);			/* it blocks in its Recv */
	writ_tcb_suspend(t);
	writ_tcb_read_regs(t, ctx, WRIT_CTX_COUNT);
	ctx[WRIT_CTX_RIP] = (writ_word_t)regs_probe;
	ctx[WRIT_CTX_RCX] = 0x1234567887654321ull;
	ctx[WRIT_CTX_R11] = 0x0badc0dedeadbeefull;
	writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT);
	root_yield_at(50, 2);
	check(regs_probe_seen[2] == 1 && regs_probe_seen[0] == 0x1234567887654321ull &&
	      regs_probe_seen[1] == 0x0badc0dedeadbeefull, "kern/written-rcx-r11-kept",
	      "ran %lu, rcx %lx r11 %lx", regs_probe_seen[2], regs_probe_seen[0],
	      regs_probe_seen[1]);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
}

/*
 * User memory ends a page below the canonical hole, so even a `syscall` in its very
 * last bytes returns to a canonical address (sysret faults in the kernel otherwise):
 * here it returns to WRIT_USER_HI itself, where the next fetch is an ordinary VM fault.
 */
static void
test_syscall_at_top_of_user_memory(void)
{
	writ_cptr_t f = obj_new(WRIT_OBJ_FRAME_4K, 0), ep = obj_new(WRIT_OBJ_ENDPOINT, 0), t;
	writ_cptr_t g = obj_new(WRIT_OBJ_FRAME_4K, 0);
	uint64_t top = WRIT_USER_HI - 4096;
	static const uint8_t code[] = { 0x48, 0xc7, 0xc0, 0xf8, 0xff, 0xff, 0xff,	/* rax = -8 */
					0x0f, 0x05 };					/* syscall */
	writ_word_t ctx[WRIT_CTX_COUNT];
	struct writ_msg m;
	long err;

	_Static_assert(WRIT_SYS_YIELD == -8, "the code yields");
	check_err(writ_frame_map(g, WRIT_SLOT_ROOT_VSPACE, WRIT_USER_HI, RW,
				 WRIT_MAP_WRITE_BACK), WRIT_E_RANGE, "kern/map-at-user-hi-refused");
	err = writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, top, RW | WRIT_RIGHT_EXEC,
			     WRIT_MAP_WRITE_BACK);
	check_err(err, WRIT_OK, "kern/map-last-user-page");
	if (err != WRIT_OK)
		return;
	for (unsigned i = 0; i < sizeof(code); i++)
		((volatile uint8_t *)top)[4096 - sizeof(code) + i] = code[i];
	t = thread_new(recv_forever, ep, 100, ep);
	writ_tcb_suspend(t);
	writ_tcb_read_regs(t, ctx, WRIT_CTX_COUNT);
	ctx[WRIT_CTX_RIP] = WRIT_USER_HI - sizeof(code);
	writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT);
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_VM &&
	      m.mr[WRIT_VM_FAULT_IP] == WRIT_USER_HI && m.mr[WRIT_VM_FAULT_ADDR] == WRIT_USER_HI,
	      "kern/syscall-at-top-returns-canonical", "err %ld label %lu ip %lx addr %lx", err,
	      writ_msginfo_label(m.info), m.mr[WRIT_VM_FAULT_IP], m.mr[WRIT_VM_FAULT_ADDR]);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	check_err(writ_frame_unmap(f), WRIT_OK, "kern/unmap-last-user-page");
}

static volatile uint64_t align_seen;

static void
align_thread(uint64_t unused)
{
	(void)unused;
	align_seen = (uint64_t)__builtin_frame_address(0) | 1;
	thread_exit();
}

static void
test_stack_alignment(void)
{
	thread_new(align_thread, 0, 200, 0);
	root_yield_at(199, 1);
	/* After the prologue's push of rbp, rbp is 16-byte aligned in a correct frame. */
	check(align_seen && ((align_seen & ~1ull) % 16) == 0, "kern/thread-stack-aligned",
	      "frame at %lx", align_seen);
}

static volatile uint64_t fpu_ok[2], fpu_done[2];

static void
fpu_thread(uint64_t i)
{
	double v = i ? 2.5 : 1.5, acc = 0;

	for (unsigned n = 0; n < 200000; n++) {
		__asm__ volatile("" : "+x"(v));	/* keep it in an XMM register */
		acc += v;
	}
	fpu_ok[i] = acc == v * 200000;
	fpu_done[i] = 1;
	thread_exit();
}

static void
test_fpu(void)
{
	thread_new(fpu_thread, 0, 100, 0);
	thread_new(fpu_thread, 1, 100, 0);
	for (unsigned n = 0; n < 200 && !(fpu_done[0] && fpu_done[1]); n++)
		root_yield_at(100, 5);
	check(fpu_done[0] && fpu_done[1] && fpu_ok[0] && fpu_ok[1], "kern/fpu-state-per-thread",
	      "done %lu %lu ok %lu %lu", fpu_done[0], fpu_done[1], fpu_ok[0], fpu_ok[1]);
}

static uint64_t tls_blocks[2][2];
static volatile uint64_t tls_seen[2];

static void
tls_thread(uint64_t i)
{
	uint64_t v;

	writ_yield();
	__asm__ volatile("mov %%fs:8, %0" : "=r"(v));
	tls_seen[i] = v;
	thread_exit();
}

static void
test_tls(void)
{
	writ_word_t ctx[WRIT_CTX_COUNT];

	for (unsigned i = 0; i < 2; i++) {
		writ_cptr_t t = thread_new(tls_thread, i, 100, 0);

		tls_blocks[i][1] = 0xabc0 + i;
		writ_tcb_suspend(t);
		writ_tcb_read_regs(t, ctx, WRIT_CTX_COUNT);
		ctx[WRIT_CTX_FS_BASE] = (writ_word_t)tls_blocks[i];
		writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT);
	}
	root_yield_at(100, 10);
	check(tls_seen[0] == 0xabc0 && tls_seen[1] == 0xabc1, "kern/tls-per-thread",
	      "threads saw %lx and %lx", tls_seen[0], tls_seen[1]);
}

/* ---- long operations ---- */

/*
 * Revoking an untyped that 16384 objects were retyped from is long enough for the
 * timer to interrupt it several times: the kernel stops (WRIT_E_PREEMPTED) and the
 * next call continues. Retyping 256 objects per call keeps the set-up to 64 syscalls,
 * so it stays quick even when the debug kernel checks every invariant after each one.
 */
static void
test_long_revoke(void)
{
	writ_cptr_t cn = obj_new(WRIT_OBJ_CNODE, 14), ut = obj_new(WRIT_OBJ_UNTYPED, 19);
	unsigned made = 0, preempted = 0, rounds = 0;
	long err = WRIT_OK;

	while (rounds < 3 && preempted == 0 && err == WRIT_OK) {
		rounds++;
		made = 0;
		for (unsigned i = 0; i < 16384; i += 256)
			if (writ_untyped_retype(ut, WRIT_OBJ_ENDPOINT, 0, cn, 0, 0, i, 256) == 0)
				made += 256;
		for (;;) {
			const writ_word_t a[] = { ut, FULL_DEPTH };

			err = writ_invoke(WRIT_SLOT_ROOT_CNODE, WRIT_LABEL_CNODE_REVOKE, a, 2,
					  NULL, 0);
			if (err != WRIT_E_PREEMPTED)
				break;
			preempted++;
		}
	}
	writ_printf("# revoke of %u objects: preempted %u times in %u rounds\n", made,
		    preempted, rounds);
	check(made == 16384 && err == WRIT_OK, "kern/long-revoke-completes", "made %u err %s",
	      made, writ_error_name((int)err));
	check(preempted > 0, "kern/long-revoke-preempted", "never preempted in %u rounds",
	      rounds);
	check_err(writ_cnode_delete(cn, 17, 14), WRIT_OK, "kern/long-revoke-emptied");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_ENDPOINT, 0, cn, 0, 0, 0, 1), WRIT_OK,
		  "kern/long-revoke-memory-reusable");
}

static volatile long nobuf_err = -1;
static volatile unsigned nobuf_len = 99;

/* Asks for 20 result words without an IPC buffer to put words 4..19 in. */
static void
nobuf_thread(uint64_t target)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_LABEL_TCB_READ_REGS, 0, 1) };

	m.mr[0] = WRIT_CTX_COUNT;
	nobuf_err = writ_call(target, &m);
	nobuf_len = writ_msginfo_length(m.info);
	thread_exit();
}

static void
test_results_without_ipc_buffer(void)
{
	writ_cptr_t target = obj_new(WRIT_OBJ_TCB, 0);
	writ_cptr_t t = thread_new(nobuf_thread, target, 100, 0);

	writ_tcb_configure(t, 0, WRIT_SLOT_ROOT_CNODE, 0, WRIT_SLOT_ROOT_VSPACE, 0, 0);
	root_yield_at(99, 2);
	check(nobuf_err == WRIT_OK && nobuf_len == WRIT_MSG_REGS,
	      "kern/results-truncated-without-ipc-buffer", "err %ld length %u", nobuf_err,
	      nobuf_len);
}

static volatile long send_result[2] = { -1, -1 };

static void
badged_sender(uint64_t arg)
{
	struct writ_msg m = { .info = writ_msginfo(1, 0, 0) };

	send_result[arg >> 32] = writ_send((writ_cptr_t)(uint32_t)arg, &m);
	thread_exit();
}

/* The badge CNode Find reports for slot `at` (a capability to ep), or ~0 if none. */
static writ_word_t
badge_at(writ_cptr_t ep, writ_cptr_t at)
{
	writ_word_t r[2 + 2 * WRIT_CNODE_FIND_MAX_FOUND];

	if (writ_cnode_find(WRIT_SLOT_ROOT_CNODE, ep, at, 1, r, 2 + 2 * WRIT_CNODE_FIND_MAX_FOUND) !=
	    WRIT_OK || r[1] != 1)
		return ~0ull;
	return r[3];
}

/* Remint: Delete then Mint in one step, only over a childless badged capability to the
 * source's object; every refusal leaves the slot as it was. */
static void
test_cnode_remint(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), other = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t frame = obj_new(WRIT_OBJ_FRAME_4K, 0), fcopy = slot_alloc();
	writ_cptr_t a = slot_alloc(), kid = slot_alloc(), b = slot_alloc(), c = slot_alloc();
	writ_cptr_t weak = slot_alloc(), empty = slot_alloc();
	const writ_cptr_t R = WRIT_SLOT_ROOT_CNODE;

	writ_cnode_mint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 5);
	writ_cnode_copy(R, kid, FULL_DEPTH, R, a, FULL_DEPTH, RW);
	writ_cnode_mint(R, b, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 6);
	writ_cnode_mint(R, c, FULL_DEPTH, R, other, FULL_DEPTH, RW, 7);
	writ_cnode_copy(R, weak, FULL_DEPTH, R, ep, FULL_DEPTH, WRIT_RIGHT_WRITE);
	writ_cnode_copy(R, fcopy, FULL_DEPTH, R, frame, FULL_DEPTH, RW);
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 9),
		  WRIT_E_REVOKE_FIRST, "kern/remint-held-refused");
	check(badge_at(ep, a) == 5 && badge_at(ep, kid) == 5, "kern/remint-held-unchanged",
	      "badges %lx %lx", badge_at(ep, a), badge_at(ep, kid));
	writ_cnode_delete(R, kid, FULL_DEPTH);
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, WRIT_RIGHT_WRITE, 9),
		  WRIT_OK, "kern/remint");
	check(badge_at(ep, a) == 9, "kern/remint-new-badge", "badge %lx", badge_at(ep, a));
	check_err(writ_cnode_copy(R, kid, FULL_DEPTH, R, a, FULL_DEPTH, RW), WRIT_E_RIGHTS,
		  "kern/remint-new-rights");
	check_err(writ_cnode_remint(R, empty, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 9),
		  WRIT_E_INVALID_CAP, "kern/remint-empty-dest");
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, empty, FULL_DEPTH, RW, 9),
		  WRIT_E_LOOKUP_MISSING_CAP, "kern/remint-empty-source");
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, a, FULL_DEPTH, RW, 9),
		  WRIT_E_INVALID_ARGUMENT, "kern/remint-onto-itself");
	check_err(writ_cnode_remint(R, c, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 9),
		  WRIT_E_INVALID_CAP, "kern/remint-other-object");
	check_err(writ_cnode_remint(R, fcopy, FULL_DEPTH, R, frame, FULL_DEPTH, RW, 9),
		  WRIT_E_INVALID_CAP, "kern/remint-type-without-badge");
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 0),
		  WRIT_E_BADGE, "kern/remint-badge-zero");
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, b, FULL_DEPTH, RW, 11),
		  WRIT_E_BADGE, "kern/remint-badged-source");
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, weak, FULL_DEPTH, RW, 11),
		  WRIT_E_RIGHTS, "kern/remint-more-rights-refused");
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, 1u << 12, 11),
		  WRIT_E_INVALID_ARGUMENT, "kern/remint-unknown-rights");
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, WRIT_SLOT_ROOT_TCB, ep, FULL_DEPTH, RW, 11),
		  WRIT_E_INVALID_CAP, "kern/remint-source-root-not-cnode");
	check(badge_at(ep, a) == 9 && badge_at(ep, b) == 6 && badge_at(other, c) == 7,
	      "kern/remint-refusals-change-nothing", "badges %lx %lx %lx", badge_at(ep, a),
	      badge_at(ep, b), badge_at(other, c));
	/* A sender queued under the old badge is cancelled, as by Delete; others stay. */
	root_yield_at(99, 2);		/* the senders of test_cancel_badged_sends finish */
	send_result[0] = send_result[1] = -1;
	thread_new(badged_sender, a, 100, 0);
	thread_new(badged_sender, b | 1ull << 32, 100, 0);
	root_yield_at(99, 2);
	check_err(writ_cnode_remint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 12), WRIT_OK,
		  "kern/remint-with-queued-sender");
	root_yield_at(99, 2);
	check_err(send_result[0], WRIT_E_CANCELLED, "kern/remint-cancels-old-badge-sends");
	check(send_result[1] == -1, "kern/remint-other-badge-still-queued", "result %ld",
	      send_result[1]);
	{
		struct writ_msg m = { 0 };
		long err = writ_nbrecv(ep, &m);

		check(err == WRIT_OK && m.badge == 6, "kern/remint-other-badge-delivered",
		      "err %s badge %lu", writ_error_name((int)err), m.badge);
	}
	root_yield_at(99, 2);
	send_result[0] = send_result[1] = -1;
}

/* Deleting the last capability with a badge cancels the sends queued with it, only. */
static void
test_cancel_badged_sends(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), a = slot_alloc(), b = slot_alloc();
	struct writ_msg m = { 0 };
	long err;

	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, a, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, ep,
			FULL_DEPTH, RW, 5);
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, b, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, ep,
			FULL_DEPTH, RW, 6);
	thread_new(badged_sender, a, 100, 0);
	thread_new(badged_sender, b | 1ull << 32, 100, 0);
	root_yield_at(99, 2);		/* both now wait in Send */
	check(send_result[0] == -1 && send_result[1] == -1, "ipc/badged-senders-queued",
	      "results %ld %ld", send_result[0], send_result[1]);
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, a, FULL_DEPTH), WRIT_OK,
		  "ipc/delete-last-badged-cap");
	root_yield_at(99, 2);
	check_err(send_result[0], WRIT_E_CANCELLED, "ipc/cancel-badged-send");
	check(send_result[1] == -1, "ipc/other-badge-still-queued", "result %ld",
	      send_result[1]);
	err = writ_nbrecv(ep, &m);
	check(err == WRIT_OK && m.badge == 6, "ipc/other-badge-delivered", "err %s badge %lu",
	      writ_error_name((int)err), m.badge);
}

static volatile writ_word_t got_info, got_badge0;
static volatile long got_addr_err = -1;

/* Receives one message with a capability into `slot`, then uses the capability. */
static void
cap_receiver(uint64_t arg)
{
	writ_cptr_t ep = (uint32_t)arg, slot = arg >> 32;
	struct writ_msg m = { 0 };
	writ_word_t pa;

	writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, slot, FULL_DEPTH);
	writ_recv(ep, &m);
	got_info = m.info;
	got_badge0 = writ_get_badge(0);
	got_addr_err = writ_frame_get_address(slot, &pa);
	thread_exit();
}

/* Receives one message into three consecutive slots from `base`; records each slot. */
static volatile long got_slot_err[3];
static volatile writ_word_t got_badge1;

static void
caps_receiver(uint64_t arg)
{
	writ_cptr_t ep = (uint32_t)arg, base = arg >> 32;
	struct writ_msg m = { 0 };
	writ_word_t pa;

	writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, base, FULL_DEPTH);
	writ_recv(ep, &m);
	got_info = m.info;
	got_badge1 = writ_get_badge(1);
	for (unsigned i = 0; i < 3; i++)
		got_slot_err[i] = writ_frame_get_address(base + i, &pa);
	thread_exit();
}

/* One Send of three capabilities to a waiting receiver; returns the info it got. */
static writ_word_t
send_three(writ_cptr_t ep, writ_cptr_t base, const writ_cptr_t caps[3])
{
	struct writ_msg m = { .info = writ_msginfo(9, 3, 0) };

	got_info = ~0ull;
	thread_new(caps_receiver, ep | (uint64_t)base << 32, 200, 0);
	root_yield_at(199, 1);			/* it now waits in Recv */
	for (unsigned i = 0; i < 3; i++)
		writ_set_cap(i, caps[i]);
	writ_send(ep, &m);
	root_yield_at(199, 1);
	return got_info;
}

/*
 * Up to three capabilities in one message: copied ones land in consecutive receive
 * slots, unwrapped ones take no slot, and transfer stops at the first without a slot.
 */
static void
test_three_caps(writ_cptr_t ep, writ_cptr_t badged)
{
	writ_cptr_t f[3] = { obj_new(WRIT_OBJ_FRAME_4K, 0), obj_new(WRIT_OBJ_FRAME_4K, 0),
			     obj_new(WRIT_OBJ_FRAME_4K, 0) };
	writ_cptr_t base = slot_alloc(), mixed[3] = { f[0], badged, f[1] }, occupied;
	writ_word_t info;

	slot_alloc();
	slot_alloc();				/* base .. base + 2 */
	info = send_three(ep, base, f);
	check(writ_msginfo_caps(info) == 3 && !(info >> WRIT_MSGINFO_UNWRAP_SHIFT & 7) &&
	      got_slot_err[0] == WRIT_OK && got_slot_err[1] == WRIT_OK &&
	      got_slot_err[2] == WRIT_OK, "ipc/three-caps-received", "info %lx slots %ld %ld %ld",
	      info, got_slot_err[0], got_slot_err[1], got_slot_err[2]);

	base = slot_alloc();
	slot_alloc();
	slot_alloc();
	info = send_three(ep, base, mixed);
	check(writ_msginfo_caps(info) == 3 && (info >> WRIT_MSGINFO_UNWRAP_SHIFT & 7) == 2 &&
	      got_badge1 == 99 && got_slot_err[0] == WRIT_OK && got_slot_err[1] == WRIT_OK &&
	      got_slot_err[2] != WRIT_OK, "ipc/caps-mixed-with-unwrapped",
	      "info %lx badge %lu slots %ld %ld %ld", info, got_badge1, got_slot_err[0],
	      got_slot_err[1], got_slot_err[2]);

	/* The second receive slot is taken: the first capability goes, the rest stop. */
	base = slot_alloc();
	occupied = slot_alloc();
	slot_alloc();
	/* (a frame: the receiver looks at each slot, and a Call on an endpoint would block) */
	writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, occupied, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, f[2],
			FULL_DEPTH, RW);
	info = send_three(ep, base, f);
	check(writ_msginfo_caps(info) == 1 && got_slot_err[0] == WRIT_OK,
	      "ipc/caps-stop-at-occupied-slot", "info %lx slot0 %ld", info, got_slot_err[0]);

	/* Receive slots past the end of the CNode, or past the last index, are none. */
	base = ((writ_cptr_t)1 << init.bi->root_cnode_radix) - 1;
	info = send_three(ep, base, f);
	check(writ_msginfo_caps(info) == 1 && got_slot_err[0] == WRIT_OK,
	      "ipc/caps-stop-at-cnode-end", "info %lx slot0 %ld", info, got_slot_err[0]);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, base, FULL_DEPTH);
	info = send_three(ep, ~(writ_cptr_t)0, f);
	check(writ_msginfo_caps(info) == 0 && writ_msginfo_label(info) == 9,
	      "ipc/caps-past-last-index-none", "info %lx", info);
}

/* One Send of n capabilities, those with a bit in `move` moved, to a waiting receiver
 * of three consecutive slots from base; returns the info it got. */
static writ_word_t
send_moving(writ_cptr_t ep, writ_cptr_t base, const writ_cptr_t *caps, unsigned n,
	    unsigned move)
{
	struct writ_msg m = { .info = writ_msginfo_move(writ_msginfo(10, n, 0), move) };

	got_info = ~0ull;
	thread_new(caps_receiver, ep | (uint64_t)base << 32, 200, 0);
	root_yield_at(199, 1);			/* it now waits in Recv */
	for (unsigned i = 0; i < n; i++)
		writ_set_cap(i, caps[i]);
	writ_send(ep, &m);
	root_yield_at(199, 1);
	return got_info;
}

static writ_cptr_t
three_slots(void)
{
	writ_cptr_t base = slot_alloc();

	slot_alloc();
	slot_alloc();
	return base;
}

static bool
is_frame(writ_cptr_t c)
{
	writ_word_t pa;

	return writ_frame_get_address(c, &pa) == WRIT_OK;
}

/* A thread that moves its own TCB and CSpace root capabilities away in one Send, then
 * goes on using its CSpace: the TCB holds its own references. */
static writ_cptr_t mover_caps[3];
static volatile long mover_sent = -1, mover_after = -1;

static void
mover(uint64_t ep)
{
	struct writ_msg m = { .info = writ_msginfo_move(writ_msginfo(11, 3, 0), 7) };
	writ_word_t pa;

	for (unsigned i = 0; i < 3; i++)
		writ_set_cap(i, mover_caps[i]);
	mover_sent = writ_send(ep, &m);
	mover_after = writ_frame_get_address(mover_caps[2], &pa);
	thread_exit();
}

/*
 * Capabilities moved by IPC (the message info's move bits): the sender's slot is
 * emptied and the capability lands with its children; what cannot go stays with the
 * sender. The attacks: moving the sender's own IPC buffer frame, TCB and CSpace root
 * capabilities (the thread and the kernel go on with the TCB's own references), a
 * capability with children, and a move to a full receive slot.
 */
static void
test_cap_move(writ_cptr_t ep)
{
	writ_cptr_t f = obj_new(WRIT_OBJ_FRAME_4K, 0), child = slot_alloc(), base = three_slots();
	writ_cptr_t g = obj_new(WRIT_OBJ_FRAME_4K, 0), ipcbuf = WRIT_SLOT_IPC_BUFFER, t;
	writ_word_t info;

	writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, child, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, f,
			FULL_DEPTH, RW);
	info = send_moving(ep, base, &f, 1, 1);
	check(writ_msginfo_caps(info) == 1 && !(info >> WRIT_MSGINFO_UNWRAP_SHIFT & 7) &&
	      got_slot_err[0] == WRIT_OK && !is_frame(f) && is_frame(child),
	      "ipc/cap-move-empties-sender", "info %lx slot %ld sender %d child %d", info,
	      got_slot_err[0], is_frame(f), is_frame(child));
	/* the moved capability is still the child's parent: revoking it takes the child */
	check(writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, base, FULL_DEPTH) == WRIT_OK &&
	      is_frame(base) && !is_frame(child), "ipc/cap-move-keeps-children",
	      "moved %d child %d", is_frame(base), is_frame(child));

	/* a full receive slot: nothing moves */
	base = three_slots();
	writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, base, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, g,
			FULL_DEPTH, RW);
	info = send_moving(ep, base, &g, 1, 1);
	check(writ_msginfo_caps(info) == 0 && is_frame(g), "ipc/cap-move-to-full-slot-stays",
	      "info %lx sender %d", info, is_frame(g));

	/* the sender's own IPC buffer frame: the kernel still finds the buffer */
	base = three_slots();
	info = send_moving(ep, base, &ipcbuf, 1, 1);
	check(writ_msginfo_caps(info) == 1 && got_slot_err[0] == WRIT_OK && !is_frame(ipcbuf),
	      "ipc/cap-move-own-ipc-buffer", "info %lx slot %ld", info, got_slot_err[0]);
	info = send_moving(ep, three_slots(), &g, 1, 0);	/* reads caps from the buffer */
	check_err(writ_cnode_move(WRIT_SLOT_ROOT_CNODE, ipcbuf, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
				  base, FULL_DEPTH), WRIT_OK, "ipc/cap-move-own-ipc-buffer-back");
	check(writ_msginfo_caps(info) == 1 && got_slot_err[0] == WRIT_OK,
	      "ipc/cap-move-then-caps-still-sent", "info %lx slot %ld", info, got_slot_err[0]);

	/* a thread's own TCB and its CSpace root: they go, and the third capability stops
	 * (its receive slot was named through the CSpace root just moved) */
	base = three_slots();
	thread_new(caps_receiver, ep | (uint64_t)base << 32, 200, 0);
	root_yield_at(199, 1);
	t = thread_new(mover, ep, 150, 0);
	mover_caps[0] = t;
	mover_caps[1] = WRIT_SLOT_ROOT_CNODE;
	mover_caps[2] = g;
	got_info = ~0ull;
	root_yield_at(149, 1);
	info = got_info;
	/* the CNode capability back where the root task's calls look for it */
	check_err(writ_cnode_move(base + 1, WRIT_SLOT_ROOT_CNODE, FULL_DEPTH, base + 1, base + 1,
				  FULL_DEPTH), WRIT_OK, "ipc/cap-move-own-cspace-back");
	check(mover_sent == WRIT_OK && writ_msginfo_caps(info) == 2 && mover_after == WRIT_OK &&
	      is_frame(g) && writ_tcb_set_priority(base, WRIT_SLOT_ROOT_TCB, 150) == WRIT_OK,
	      "ipc/cap-move-own-tcb-and-cspace", "sent %ld info %lx after %ld", mover_sent,
	      info, mover_after);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, base, FULL_DEPTH);	/* the mover */
}

static void
test_cap_transfer(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), frame = obj_new(WRIT_OBJ_FRAME_4K, 0);
	writ_cptr_t slot = slot_alloc(), nogrant = slot_alloc(), badged = slot_alloc();
	struct writ_msg m = { .info = writ_msginfo(7, 1, 0) };

	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, nogrant, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, ep,
			FULL_DEPTH, RW, 0);
	writ_set_cap(0, frame);
	check_err(writ_send(nogrant, &m), WRIT_E_RIGHTS, "ipc/cap-transfer-needs-grant");

	thread_new(cap_receiver, ep | (uint64_t)slot << 32, 200, 0);
	root_yield_at(199, 1);			/* it now waits in Recv */
	m.info = writ_msginfo(7, 1, 0);
	writ_set_cap(0, frame);
	check_err(writ_send(ep, &m), WRIT_OK, "ipc/cap-transfer-send");
	root_yield_at(199, 1);			/* let it look at what it got */
	check(writ_msginfo_caps(got_info) == 1 && writ_msginfo_label(got_info) == 7 &&
	      !(got_info >> WRIT_MSGINFO_UNWRAP_SHIFT & 1), "ipc/cap-transfer-received",
	      "info %lx", got_info);
	check_err(got_addr_err, WRIT_OK, "ipc/cap-transfer-usable");

	/* A capability to the endpoint itself arrives as its badge. */
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, badged, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, ep,
			FULL_DEPTH, RW, 99);
	thread_new(cap_receiver, ep | (uint64_t)slot_alloc() << 32, 200, 0);
	root_yield_at(199, 1);
	m.info = writ_msginfo(8, 1, 0);
	writ_set_cap(0, badged);
	check_err(writ_send(ep, &m), WRIT_OK, "ipc/unwrap-send");
	root_yield_at(199, 1);
	check((got_info >> WRIT_MSGINFO_UNWRAP_SHIFT & 1) && got_badge0 == 99 &&
	      writ_msginfo_caps(got_info) == 1, "ipc/unwrap-badge", "info %lx badge %lu",
	      got_info, got_badge0);
	test_three_caps(ep, badged);
	test_cap_move(ep);
}

static void
test_debug_syscalls(void)
{
	struct writ_msg m = { 0 };
	long err = writ_sys(WRIT_SYS_DEBUG_CHECK, 0, &m);

	if (init.bi->flags & WRIT_BOOTINFO_F_DEBUG_KERNEL)
		check_err(err, WRIT_OK, "kern/debug-check-invariants");
	else
		check_err(err, WRIT_E_ILLEGAL_SYSCALL, "kern/release-has-no-debug-syscalls");
}

void
tests_run(void)
{
	test_bootinfo();
	test_bootinfo_framebuffer();
	test_boot_frames();
	test_retype_each_type();
	test_retype_errors();
	test_cnode_ops();
	test_cnode_find();
	test_invalid_caps();
	test_lookup_fault();
	test_map_unmap();
	test_vm_fault();
	test_unknown_syscall();
	upcall_tests_run();	/* tests_upcall.c: TCB_SET_UPCALL */
	test_privileged();
	test_ioport_ranges();
	test_ipc_buffer_config();
	test_frame_delete_unmaps();
	test_large_page();
	test_second_address_space();
	test_vspace_deleted_under_thread();
	vspace_sec_tests_run();	/* tests_vspace_sec.c: tables against a hostile program */
	test_mcp();
	test_priorities();
	test_wake_order();
	/* Under `check` every syscall outlasts a timer period: the client's turn runs
	 * out inside the exchange and the third thread rightly goes between. */
	if (!cmdline_has("check")) {
		test_hand_off_order(1, "kern/call-partner-runs-before-equals");
		test_hand_off_order(10, "kern/call-partner-runs-before-equals-full-path");
	}
	test_hand_off_shares_turn();
	test_preemption();
	test_register_preservation();
	test_written_registers_return();
	test_syscall_at_top_of_user_memory();
	test_stack_alignment();
	test_fpu();
	test_tls();
	test_long_revoke();
	test_results_without_ipc_buffer();
	test_cancel_badged_sends();
	test_cnode_remint();
	test_cap_transfer();
	reply_tests_run();	/* tests_reply.c: GrantReply, callers of a dead server */
	test_debug_syscalls();
	ipc_tests_run();
	tests_ntfn_run();	/* tests_ntfn.c: notifications, binding, IRQs */
	msi_tests_run();	/* tests_msi.c: MSIs */
	sec_tests_run();	/* tests_sec.c: the security regressions of issue 18 */
	abi_tests_run();	/* tests_abi.c: the kernel decodes what the ABI's list says */
	stress_run();
	/* Last: their teardowns leave the suite's RAM too fragmented for the stress
	 * test's 4 MiB arena in the boots that lend /test/kern less memory. */
	preempt_tests_run();	/* tests_preempt.c: long deletions against the timer */
}
