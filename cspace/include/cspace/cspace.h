/*
 * cspace/cspace.h - capabilities, CNode slots, the derivation tree and untyped retype.
 *
 * Model
 * -----
 * A capability (struct cap, 16 bytes) names one kernel object: its type, address,
 * rights and type-specific words (badge, CNode guard, untyped watermark...). A slot
 * (struct cte, 32 bytes) holds one capability and its four links in the capability
 * derivation tree (CDT). Slots live inside CNode objects (arrays of 2^radix slots) in
 * memory the caller owns; nothing here allocates.
 *
 * CDT links are 32-bit slot numbers relative to struct cspace.base (0 = none), so a
 * slot fits in 32 bytes. Each slot is at once:
 *  - a member of its siblings' list (prev/next), whose two ends point at the parent
 *    slot, or are 0 for capabilities without a parent (boot capabilities);
 *  - the head of its children's list (first/last).
 * Every pointer to a slot is therefore held by one of its own four neighbours, which
 * is what makes insert, delete (children move up into the deleted slot's place), move
 * and swap O(1), and revoke linear: see proofs-notes/cspace.md.
 *
 * Invariants (checked by cspace_check(), argued in proofs-notes/cspace.md):
 *  I1 links are consistent both ways and the CDT is a forest;
 *  I2 a child's rights are a subset of its parent's, and a child of a badged
 *     capability carries the same badge;
 *  I3 a child of an untyped lies inside it and below its watermark; objects retyped
 *     from one untyped never overlap; device untyped holds only frames and untyped;
 *  I4 a child is either the same object as its parent, or an object made from it
 *     (untyped -> any, IRQ control -> IRQ handler, IOPort control -> IOPort);
 *  I5 empty slots have no links; every capability field is in its domain;
 *  I6 a zombie (a CNode or TCB whose slots are being emptied) has no children;
 *  I7 every capability lives in the slots of an object some capability still names
 *     (a CNode, a TCB, or the zombie emptying one): none lives in freed memory.
 *
 * Errors are enum writ_error from <writ/abi.h>. Every function validates what it is
 * given and, on error, changes nothing.
 */
#ifndef CSPACE_CSPACE_H
#define CSPACE_CSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <writ/abi.h>
#include <cspace/env.h>

/* ---- Capabilities -------------------------------------------------------------------
 *
 * w0: [0..5] type, [6..10] rights, [11..17] per-type small field, [20..63] address
 *     bits 4..47 (objects are 16-byte aligned; the address is sign-extended from bit
 *     47, so kernel higher-half addresses round-trip);
 * w1: per type: badge (endpoint, notification), guard (CNode, WRIT_CNODE_GUARD
 *     encoding), watermark in bytes (untyped), mapping word (frames, page tables),
 *     IRQ number (IRQ handler), first | last << 16 (IOPort), cursor | link << 32
 *     (zombie).
 * small: untyped: size_bits | device << 6; CNode: radix; frame: device (bit 0);
 *     zombie: radix | top << 6
 *     (radix of the slots being emptied).
 * zombie w1: cursor (bits 0..26) | original type << 27 | link << 32.
 */
struct cap {
	uint64_t w0;
	uint64_t w1;
};

_Static_assert(sizeof(struct cap) == 16, "a capability is two words");

/*
 * Internal type: an object with capability slots (CNode, TCB) whose last capability
 * is being deleted while cspace/ empties those slots. Never in the ABI.
 */
#define CAP_ZOMBIE 63

/*
 * A TCB object begins with 2^CSPACE_TCB_SLOT_RADIX capability slots (CSpace root,
 * VSpace root, IPC buffer frame, fault endpoint, spares): the kernel's struct tcb
 * places them first. Retype zeroes them; deleting the last capability to the TCB
 * empties them, like a CNode's.
 */
#define CSPACE_TCB_SLOT_RADIX 3

_Static_assert((1u << CSPACE_TCB_SLOT_RADIX) * 32u <= (1u << WRIT_TCB_BITS),
	       "TCB slots fit in the TCB object");

#define CAP_TYPE_MASK    0x3full
#define CAP_RIGHTS_SHIFT 6
#define CAP_SMALL_SHIFT  11
#define CAP_SMALL_MASK   0x7full
#define CAP_ADDR_SHIFT   16             /* address bit 4 lands on w0 bit 20 */
#define CAP_ADDR_LOW     0xfffffull     /* w0 bits below the address */
#define CAP_UT_DEVICE    0x40u
#define CAP_FRAME_DEVICE 0x01u          /* frames: small field */
#define CAP_IRQ_LINES    256            /* IRQ handler numbers: x86 vectors */
#define CAP_ZOMBIE_TOP   0x40u

_Static_assert(WRIT_OBJ_COUNT <= CAP_ZOMBIE, "zombie type is outside the ABI range");
_Static_assert(WRIT_RIGHTS_ALL << CAP_RIGHTS_SHIFT < 1u << CAP_SMALL_SHIFT,
	       "rights field does not overlap the small field");

static inline unsigned
cap_type(const struct cap *c)
{
	return (unsigned)(c->w0 & CAP_TYPE_MASK);
}

static inline unsigned
cap_rights(const struct cap *c)
{
	return (unsigned)(c->w0 >> CAP_RIGHTS_SHIFT) & WRIT_RIGHTS_ALL;
}

static inline unsigned
cap_small(const struct cap *c)
{
	return (unsigned)((c->w0 >> CAP_SMALL_SHIFT) & CAP_SMALL_MASK);
}

static inline uintptr_t
cap_addr(const struct cap *c)
{
	/* Arithmetic shift sign-extends bit 47; gcc and clang define it for int64_t. */
	return (uintptr_t)((int64_t)(c->w0 & ~CAP_ADDR_LOW) >> CAP_ADDR_SHIFT);
}

static inline bool
cap_is_null(const struct cap *c)
{
	return cap_type(c) == WRIT_OBJ_NULL;
}

/* Builds a capability; addr must be 16-byte aligned and canonical (asserted by users). */
static inline struct cap
cap_make(unsigned type, uintptr_t addr, unsigned rights, unsigned small, uint64_t w1)
{
	struct cap c;

	c.w0 = (uint64_t)type | (uint64_t)(rights & WRIT_RIGHTS_ALL) << CAP_RIGHTS_SHIFT |
	       (uint64_t)(small & CAP_SMALL_MASK) << CAP_SMALL_SHIFT |
	       ((uint64_t)addr << CAP_ADDR_SHIFT & ~CAP_ADDR_LOW);
	c.w1 = w1;
	return c;
}

static inline unsigned
cap_cnode_radix(const struct cap *c)
{
	return cap_small(c) & 0x3fu;
}

static inline unsigned
cap_cnode_guard_bits(const struct cap *c)
{
	return (unsigned)(c->w1 & WRIT_GUARD_BITS_MASK);
}

static inline uint64_t
cap_cnode_guard(const struct cap *c)
{
	return c->w1 >> WRIT_GUARD_VALUE_SHIFT;
}

static inline unsigned
cap_ut_size_bits(const struct cap *c)
{
	return cap_small(c) & 0x3fu;
}

static inline bool
cap_ut_is_device(const struct cap *c)
{
	return (cap_small(c) & CAP_UT_DEVICE) != 0;
}

/* A frame made from device untyped: MMIO, never RAM the kernel may write (an IPC
 * buffer, say). Kept in the frame's own capability, and so in every copy of it, because
 * the derivation tree cannot say it once the device untyped is gone. */
static inline bool
cap_frame_is_device(const struct cap *c)
{
	return (cap_small(c) & CAP_FRAME_DEVICE) != 0;
}

static inline uint64_t
cap_badge(const struct cap *c)
{
	return c->w1;
}

/* True for the two frame types: memory that is mapped, never a table. */
static inline bool
cap_type_is_frame(unsigned type)
{
	return type == WRIT_OBJ_FRAME_4K || type == WRIT_OBJ_FRAME_2M;
}

/* The size of a frame type in bytes. */
static inline uint64_t
cap_frame_size(unsigned type)
{
	return type == WRIT_OBJ_FRAME_2M ? 1ull << WRIT_FRAME_2M_BITS : 1ull << WRIT_FRAME_4K_BITS;
}

/* True for what an address space is made of: PML4, PDPT, PD, PT and frames. The
 * kernel tears each of them down through its paging code (vs_finalise). */
static inline bool
cap_type_is_vspace(unsigned type)
{
	return type >= WRIT_OBJ_PML4 && type <= WRIT_OBJ_FRAME_2M;
}

_Static_assert(WRIT_OBJ_PDPT == WRIT_OBJ_PML4 + 1 && WRIT_OBJ_PD == WRIT_OBJ_PML4 + 2 &&
	       WRIT_OBJ_PT == WRIT_OBJ_PML4 + 3 && WRIT_OBJ_FRAME_4K == WRIT_OBJ_PML4 + 4 &&
	       WRIT_OBJ_FRAME_2M == WRIT_OBJ_PML4 + 5, "the VSpace types are one range");

/* True when objects of this type hold capability slots of their own. */
static inline bool
cap_type_has_slots(unsigned type)
{
	return type == WRIT_OBJ_CNODE || type == WRIT_OBJ_TCB;
}

/* The type of the object a capability names: a zombie names its original object. */
static inline unsigned
cap_object_kind(const struct cap *c)
{
	return cap_type(c) == CAP_ZOMBIE ? (unsigned)(c->w1 >> 27) & 0x1f : cap_type(c);
}

/* True when the type carries a badge word. */
static inline bool
cap_type_is_badged(unsigned type)
{
	return type == WRIT_OBJ_ENDPOINT || type == WRIT_OBJ_NOTIFICATION;
}

/* ---- Rights -------------------------------------------------------------------------- */

/* The one test for "no more than": used by Copy, Mint, Mutate (and policy Weaken). */
static inline bool
rights_subset(unsigned want, unsigned have)
{
	return (want & ~have) == 0;
}

/* ---- Slots and the cspace context -------------------------------------------------- */

struct cte {
	struct cap cap;
	uint32_t prev;          /* previous sibling, or the parent if first child */
	uint32_t next;          /* next sibling, or the parent if last child */
	uint32_t first;         /* first child */
	uint32_t last;          /* last child */
};

_Static_assert(sizeof(struct cte) == 1u << WRIT_SLOT_BITS, "a slot is 32 bytes");

/*
 * The caller's context. Every slot cspace/ will ever see lies in the window
 * [base, base + nslots * 32): slot number n (1-based) is at base + (n - 1) * 32.
 * The kernel sets base to the start of its direct map; tests to their arena.
 */
struct cspace {
	uintptr_t base;
	uint32_t nslots;
	void *env;              /* handed to the cspace_env_* hooks */
};

static inline uint32_t
cte_index(const struct cspace *cs, const struct cte *slot)
{
	return (uint32_t)((((uintptr_t)slot - cs->base) >> WRIT_SLOT_BITS) + 1);
}

static inline struct cte *
cte_at(const struct cspace *cs, uint32_t index)
{
	return (struct cte *)(cs->base + ((uintptr_t)(index - 1) << WRIT_SLOT_BITS));
}

static inline bool
cte_is_empty(const struct cte *slot)
{
	return cap_is_null(&slot->cap);
}

/* The slots of the CNode a CNode capability names. */
static inline struct cte *
cnode_slots(const struct cap *cnode)
{
	return (struct cte *)cap_addr(cnode);
}

/* True when addr .. addr + size lies inside the cspace window. */
bool cspace_window_holds(const struct cspace *cs, uintptr_t addr, uint64_t size);

/* ---- CNode addressing ------------------------------------------------------------------ */

/* Why a lookup failed, precisely enough for the caller to act on. */
struct cnode_fault {
	int err;                /* a WRIT_E_LOOKUP_* error, or WRIT_OK */
	unsigned bits_left;     /* bits of the cptr not yet resolved when it failed */
	unsigned guard_bits;    /* guard mismatch: width of the guard checked */
	uint64_t guard_found;   /* guard mismatch: the bits the cptr held there */
};

/*
 * Resolves the top `depth` bits (of 64) of `cptr`, right-aligned, through the CSpace
 * whose root is `root`. Each level consumes guard_bits + radix bits. On success
 * *slot is the slot reached (possibly empty); lookups of capabilities use
 * cnode_lookup_cap(), which also refuses an empty slot.
 */
int cnode_lookup_slot(const struct cap *root, writ_cptr_t cptr, unsigned depth,
		      struct cte **slot, struct cnode_fault *fault);
int cnode_lookup_cap_walk(const struct cap *root, writ_cptr_t cptr, unsigned depth,
			  struct cte **slot, struct cnode_fault *fault);

/* One capability cnode_find_same() found. */
struct cnode_match {
	uint64_t slot;
	unsigned rights;
	uint64_t badge;         /* 0 for a type that takes none */
};

/*
 * The slots of `cnode`, from `first` for `count` slots (cut at the CNode's end), whose
 * capabilities name the object `ref` names: at most `max` into out[], and *next the
 * first slot not looked at (the CNode's size when every slot was). A process manager
 * holding a process's CNode learns from it which of a server's capabilities the process
 * holds; it grants nothing the CNode's holder could not learn by copying them out.
 */
unsigned cnode_find_same(const struct cap *cnode, const struct cap *ref, uint64_t first,
			 uint64_t count, struct cnode_match *out, unsigned max,
			 uint64_t *next);

/*
 * Capability lookup is on every invocation's path, and nearly every CSpace is one CNode
 * whose guard, all zeros, and radix cover the whole cptr: the cptr is then the slot's
 * index itself. cnode_flat_slot() finds that slot (full or empty), or says NULL when
 * the CSpace is not of that shape. (A CNode's radix is at least 1, so the guard word
 * can only match a real guard width.)
 */
static inline __attribute__((always_inline)) struct cte *
cnode_flat_slot(const struct cap *root, writ_cptr_t cptr)
{
	unsigned radix = cap_cnode_radix(root);

	if (cap_type(root) != WRIT_OBJ_CNODE ||
	    root->w1 != WRIT_CNODE_GUARD(0, WRIT_WORD_BITS - radix) || (cptr >> radix) != 0)
		return NULL;
	return cnode_slots(root) + cptr;
}

/*
 * The flat case with a full slot is decided here, inline in the caller; it gives the
 * walk's very answer, slot and fault alike. Anything else, errors and other guards
 * included, goes to the walk, which has the last word.
 */
static inline int
cnode_lookup_cap(const struct cap *root, writ_cptr_t cptr, unsigned depth,
		 struct cte **slot, struct cnode_fault *fault)
{
	struct cte *s = depth == WRIT_WORD_BITS ? cnode_flat_slot(root, cptr) : NULL;

	if (!s || cte_is_empty(s))
		return cnode_lookup_cap_walk(root, cptr, depth, slot, fault);
	*fault = (struct cnode_fault){ WRIT_OK, depth, 0, 0 };
	*slot = s;
	return WRIT_OK;
}

/* ---- Capability operations ----------------------------------------------------------- */

/*
 * Boot only: puts an original capability without a parent into an empty slot
 * (untyped memory, IRQ and IOPort control). Errors: DELETE_FIRST, INVALID_ARGUMENT.
 */
int cte_insert_root(struct cspace *cs, struct cte *dest, const struct cap *cap);

/*
 * Kernel-made children of control capabilities: an IRQ handler under IRQ control, an
 * IOPort range under IOPort control. Errors: INVALID_CAP, DELETE_FIRST,
 * INVALID_ARGUMENT, RANGE.
 */
int cte_insert_issued(struct cspace *cs, struct cte *dest, struct cte *control,
		      const struct cap *cap);

/* Copy: dest gets src with `rights` (a subset of src's), as a child of src. */
int cte_copy(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights);

/*
 * Mint: Copy that also sets the badge (endpoint, notification: only on an unbadged
 * source, 0 keeps the source's badge) or the guard (CNode: WRIT_CNODE_GUARD).
 */
int cte_mint(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights,
	     writ_word_t badge);

/*
 * Remint: dest, an endpoint or notification capability to src's object with no
 * children (badged or not), is replaced in place by what Mint of src with rights and badge (not 0)
 * makes, as Delete then Mint would (the old badge's queued messages go as Delete's).
 * Errors: INVALID_CAP, INVALID_ARGUMENT (dest is src, rights bits), REVOKE_FIRST
 * (dest has children: nothing changes), and Mint's.
 */
int cte_remint(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights,
	       writ_word_t badge);

/* Move: src's capability and its place in the CDT go to dest; src becomes empty. */
int cte_move(struct cspace *cs, struct cte *dest, struct cte *src);

/*
 * Mutate: Move that narrows rights and sets the badge (endpoint, notification: only if
 * unbadged, 0 keeps) or the guard (CNode). Narrowing or badging a capability with
 * children is WRIT_E_REVOKE_FIRST (the children would exceed their new parent).
 */
int cte_mutate(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights,
	       writ_word_t badge);

/*
 * Rotate: pivot -> dest and src -> pivot at once, each with Mutate's badge rule and
 * rights unchanged. dest must be empty unless dest == src (a swap).
 */
int cte_rotate(struct cspace *cs, struct cte *dest, struct cte *pivot, struct cte *src,
	       writ_word_t dest_badge, writ_word_t pivot_badge);

/*
 * Delete: empties the slot; its children take its place under its parent. When it held
 * the last capability to an object, cspace_env_finalise() is called. The last
 * capability to an object with slots (CNode, TCB) is finalised at once and then
 * stays, as a zombie, while those slots are emptied, which is preemptible
 * (WRIT_E_PREEMPTED: call again to continue). Deleting an empty slot succeeds.
 */
int cte_delete(struct cspace *cs, struct cte *slot);

/*
 * Revoke: deletes every descendant of the slot's capability, in bounded steps; returns
 * WRIT_E_PREEMPTED when cspace_env_preempt() asked it to stop with work left, and a
 * later call continues. Revoking an untyped resets its watermark.
 */
int cte_revoke(struct cspace *cs, struct cte *slot);

/* ---- Untyped ----------------------------------------------------------------------------- */

/*
 * Retype: makes `count` objects of `type` (size_bits: untyped size, CNode radix,
 * ignored otherwise) from the untyped in `ut` into the empty slots
 * dest_cnode[offset .. offset + count). Objects are placed from the watermark, or from
 * the start when the untyped has no children left, aligned to their size.
 */
#define UT_RETYPE_MAX_COUNT 256

int ut_retype(struct cspace *cs, struct cte *ut, unsigned type, unsigned size_bits,
	      const struct cap *dest_cnode, uint64_t offset, uint64_t count);

/* log2 of the bytes one object takes, or -1 for types Retype cannot make. */
int ut_object_bits(unsigned type, unsigned size_bits);

/* ---- Queries and the checker -------------------------------------------------------- */

/* The CDT parent of a slot, or NULL for a root. O(number of siblings). */
struct cte *cdt_parent(const struct cspace *cs, const struct cte *slot);

/* True when a and b name the same object (copies, mints and zombies alike). */
bool cap_same_object(const struct cap *a, const struct cap *b);

/* True when slot holds the only capability to its object. */
bool cdt_is_final(const struct cspace *cs, const struct cte *slot);

/*
 * Slots for the checker to scan. A range is either one object's slot array (a
 * CNode's, a TCB's, the boot CNode's) or, with raw set, plain memory that objects are
 * made in and freed from: every capability found there must then lie inside the
 * slots of a CNode, TCB or zombie that a capability still names (I7).
 */
struct cspace_range {
	struct cte *slots;
	size_t count;
	bool raw;
};

struct cspace_report {
	const struct cte *slot;         /* where the broken invariant was seen */
	const char *why;                /* which invariant, in words */
};

/*
 * Walks every slot in the given ranges (which must hold every non-empty slot) and
 * returns WRIT_OK, or WRIT_E_INVALID_ARGUMENT with the first broken invariant in *rep.
 */
int cspace_check(const struct cspace *cs, const struct cspace_range *ranges, size_t n,
		 struct cspace_report *rep);

#endif /* CSPACE_CSPACE_H */
