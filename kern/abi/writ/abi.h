/*
 * writ/abi.h - the one header shared by the kernel, cspace/ and user space.
 *
 * Everything that crosses the user/kernel boundary is defined here and nowhere else:
 * fixed-width words, error codes, rights bits, object type numbers, object sizes,
 * invocation labels and (later) syscall numbers and the message-info layout.
 *
 * Rules for editors:
 *  - every number is written out; nothing depends on implicit enum order, because a
 *    reorder would silently change the meaning of existing binaries;
 *  - a number, once released, is never reused: retire it with a comment instead;
 *  - lists are X-macros so the enum, name tables and stubs come from the same lines;
 *  - bit layouts are shifts and masks (never C bitfields), checked by _Static_assert;
 *  - this file includes only <stdint.h> and must compile alone under
 *    -std=c11 -Wall -Wextra -Werror (tests: cspace/abi-alone).
 */
#ifndef WRIT_ABI_H
#define WRIT_ABI_H

#include <stdint.h>

/* ---- Fixed-width words ------------------------------------------------------------ */

typedef uint64_t writ_word_t;   /* one machine word, as passed in registers */
typedef uint64_t writ_cptr_t;   /* a capability address, resolved through a CSpace */
typedef uint64_t writ_badge_t;  /* set once by Mint on endpoint/notification caps */

#define WRIT_WORD_BITS 64

_Static_assert(sizeof(writ_word_t) == 8, "writ_word_t is 64 bits");
_Static_assert(sizeof(writ_cptr_t) == 8, "writ_cptr_t is 64 bits");
_Static_assert(sizeof(writ_badge_t) == 8, "writ_badge_t is 64 bits");

/* ---- Errors ------------------------------------------------------------------------
 *
 * One list for the kernel, cspace/ and libwrit. E(name, number, text).
 * The LOOKUP errors come with a writ_lookup_fault (cspace) saying how many bits of the
 * capability pointer were left and, for a guard mismatch, which guard was found.
 */
#define WRIT_ERRORS(E)                                                               \
	E(WRIT_OK,                      0, "success")                                \
	E(WRIT_E_INVALID_ARGUMENT,      1, "argument out of its domain")             \
	E(WRIT_E_INVALID_CAP,           2, "capability of the wrong type or empty")  \
	E(WRIT_E_ILLEGAL_OPERATION,     3, "operation not allowed on this object")   \
	E(WRIT_E_RANGE,                 4, "index or count out of range")            \
	E(WRIT_E_ALIGNMENT,             5, "misaligned address or size")             \
	E(WRIT_E_LOOKUP_INVALID_ROOT,   6, "lookup: root is not a CNode capability") \
	E(WRIT_E_LOOKUP_MISSING_CAP,    7, "lookup: empty slot on the path")         \
	E(WRIT_E_LOOKUP_DEPTH_MISMATCH, 8, "lookup: depth ends inside a level")      \
	E(WRIT_E_LOOKUP_GUARD_MISMATCH, 9, "lookup: guard bits differ")              \
	E(WRIT_E_LOOKUP_WRONG_TYPE,    10, "lookup: bits left but cap not a CNode")  \
	E(WRIT_E_TRUNCATED_MESSAGE,    11, "message shorter than the call needs")    \
	E(WRIT_E_DELETE_FIRST,         12, "destination slot is occupied")           \
	E(WRIT_E_REVOKE_FIRST,         13, "capability has children in the way")     \
	E(WRIT_E_NOT_ENOUGH_MEMORY,    14, "untyped has too little free memory")     \
	E(WRIT_E_RIGHTS,               15, "requested rights exceed the source's")   \
	E(WRIT_E_BADGE,                16, "badge already set or not allowed")       \
	E(WRIT_E_NOT_EMPTY,            17, "CNode still holds capabilities")         \
	E(WRIT_E_PREEMPTED,            18, "not finished: call again to continue")

enum writ_error {
#define WRIT_E_ENUM_(name, num, text) name = num,
	WRIT_ERRORS(WRIT_E_ENUM_)
#undef WRIT_E_ENUM_
};

#define WRIT_E_COUNT 19         /* one past the highest number; checked below */

_Static_assert(WRIT_OK == 0, "success is zero");
_Static_assert(WRIT_E_PREEMPTED == WRIT_E_COUNT - 1, "WRIT_E_COUNT follows the list");

/* The constant name of an error ("WRIT_E_RANGE"), or "WRIT_E_?" for unknown numbers. */
static inline const char *
writ_error_name(int err)
{
	switch (err) {
#define WRIT_E_NAME_(name, num, text) case num: return #name;
	WRIT_ERRORS(WRIT_E_NAME_)
#undef WRIT_E_NAME_
	}
	return "WRIT_E_?";
}

/* A one-line description of an error, for logs and test diagnostics. */
static inline const char *
writ_error_text(int err)
{
	switch (err) {
#define WRIT_E_TEXT_(name, num, text) case num: return text;
	WRIT_ERRORS(WRIT_E_TEXT_)
#undef WRIT_E_TEXT_
	}
	return "unknown error";
}

/* ---- Rights ------------------------------------------------------------------------
 *
 * A derived capability never holds a right its source lacks; asking for one is
 * WRIT_E_RIGHTS, never a silent downgrade. Frames use READ, WRITE and EXEC;
 * endpoints and notifications READ (receive), WRITE (send), GRANT (transfer caps)
 * and GRANT_REPLY (transfer caps in a reply). Other objects carry the bits but the
 * kernel gives them no meaning yet.
 */
#define WRIT_RIGHT_READ        0x01u
#define WRIT_RIGHT_WRITE       0x02u
#define WRIT_RIGHT_GRANT       0x04u
#define WRIT_RIGHT_GRANT_REPLY 0x08u
#define WRIT_RIGHT_EXEC        0x10u
#define WRIT_RIGHTS_ALL        0x1fu
#define WRIT_RIGHTS_BITS       5

_Static_assert((WRIT_RIGHT_READ | WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT |
		WRIT_RIGHT_GRANT_REPLY | WRIT_RIGHT_EXEC) == WRIT_RIGHTS_ALL,
	       "rights bits cover WRIT_RIGHTS_ALL");
_Static_assert(WRIT_RIGHTS_ALL < (1u << WRIT_RIGHTS_BITS), "rights fit their field");

/* ---- Kernel object types -----------------------------------------------------------
 *
 * E(name, number). 0 is the null capability (an empty slot).
 */
#define WRIT_OBJECT_TYPES(E)             \
	E(WRIT_OBJ_NULL,            0)    \
	E(WRIT_OBJ_UNTYPED,         1)    \
	E(WRIT_OBJ_CNODE,           2)    \
	E(WRIT_OBJ_ENDPOINT,        3)    \
	E(WRIT_OBJ_NOTIFICATION,    4)    \
	E(WRIT_OBJ_TCB,             5)    \
	E(WRIT_OBJ_PML4,            6)    \
	E(WRIT_OBJ_PDPT,            7)    \
	E(WRIT_OBJ_PD,              8)    \
	E(WRIT_OBJ_PT,              9)    \
	E(WRIT_OBJ_FRAME_4K,       10)    \
	E(WRIT_OBJ_FRAME_2M,       11)    \
	E(WRIT_OBJ_IRQ_CONTROL,    12)    \
	E(WRIT_OBJ_IRQ_HANDLER,    13)    \
	E(WRIT_OBJ_IOPORT_CONTROL, 14)    \
	E(WRIT_OBJ_IOPORT,         15)

enum writ_object_type {
#define WRIT_OBJ_ENUM_(name, num) name = num,
	WRIT_OBJECT_TYPES(WRIT_OBJ_ENUM_)
#undef WRIT_OBJ_ENUM_
};

#define WRIT_OBJ_COUNT 16       /* one past the highest number */
_Static_assert(WRIT_OBJ_IOPORT == WRIT_OBJ_COUNT - 1, "WRIT_OBJ_COUNT follows the list");

static inline const char *
writ_object_name(int type)
{
	switch (type) {
#define WRIT_OBJ_NAME_(name, num) case num: return #name;
	WRIT_OBJECT_TYPES(WRIT_OBJ_NAME_)
#undef WRIT_OBJ_NAME_
	}
	return "WRIT_OBJ_?";
}

/*
 * Object sizes as log2 bytes: what Untyped Retype consumes per object. Untyped and
 * CNode take a size argument: untyped size_bits in [WRIT_UNTYPED_MIN_BITS,
 * WRIT_UNTYPED_MAX_BITS]; a CNode's size argument is its radix (log2 slots) in
 * [1, WRIT_CNODE_MAX_RADIX], each slot WRIT_SLOT_BITS bytes.
 */
#define WRIT_SLOT_BITS          5
#define WRIT_ENDPOINT_BITS      4
#define WRIT_NOTIFICATION_BITS  5
#define WRIT_TCB_BITS          11
#define WRIT_PAGE_TABLE_BITS   12       /* PML4, PDPT, PD and PT alike */
#define WRIT_FRAME_4K_BITS     12
#define WRIT_FRAME_2M_BITS     21
#define WRIT_UNTYPED_MIN_BITS   4
#define WRIT_UNTYPED_MAX_BITS  47
#define WRIT_CNODE_MAX_RADIX   26

/* ---- CNode guard encoding -----------------------------------------------------------
 *
 * Mint and Mutate on a CNode capability take the new guard in their badge word:
 * the low 6 bits are the guard's width, the bits above it the guard value.
 * guard_bits + radix must not exceed 64 and the value must fit in guard_bits.
 */
#define WRIT_GUARD_BITS_SHIFT  0
#define WRIT_GUARD_BITS_MASK   0x3full
#define WRIT_GUARD_VALUE_SHIFT 6
#define WRIT_CNODE_GUARD(value, bits) \
	((((writ_word_t)(value)) << WRIT_GUARD_VALUE_SHIFT) | \
	 ((writ_word_t)(bits) & WRIT_GUARD_BITS_MASK))

_Static_assert(WRIT_GUARD_BITS_MASK == 63, "guard width field holds 0..63");

/* ---- Invocation labels ---------------------------------------------------------------
 *
 * The label of the message that invokes an object. E(name, number).
 * CNode ops address slots by (CNode cap, index, depth) triples, as in the message
 * layout the kernel-core issue will define. Every slot lookup may also fail with
 * WRIT_E_LOOKUP_* (with the bits left) or WRIT_E_RANGE (depth outside 1..64).
 *
 * UNTYPED_RETYPE (type, size_bits, dest CNode, offset, count): count objects into
 *   empty slots. INVALID_CAP (not untyped / dest not a CNode), INVALID_ARGUMENT
 *   (type), RANGE (size_bits, offset, count, count > 256), ILLEGAL_OPERATION (kernel
 *   object from device memory), NOT_ENOUGH_MEMORY, DELETE_FIRST.
 * CNODE_REVOKE (slot): delete all descendants. PREEMPTED (call again).
 * CNODE_DELETE (slot): empty it; children move up. PREEMPTED (CNode teardown).
 * CNODE_COPY (dest, src, rights): child of src. INVALID_CAP, DELETE_FIRST, RIGHTS,
 *   INVALID_ARGUMENT (unknown rights bits), ILLEGAL_OPERATION (control caps),
 *   REVOKE_FIRST (untyped with children).
 * CNODE_MINT (dest, src, rights, badge): as Copy, and sets the badge of an unbadged
 *   endpoint/notification or the guard of a CNode (WRIT_CNODE_GUARD). BADGE, RANGE.
 * CNODE_MOVE (dest, src): INVALID_CAP, DELETE_FIRST.
 * CNODE_MUTATE (dest, src, rights, badge): Move narrowing rights / setting a badge
 *   or guard. As Mint, plus REVOKE_FIRST when src has children.
 * CNODE_ROTATE (dest, pivot, src, dest_badge, pivot_badge): pivot -> dest and
 *   src -> pivot at once; dest == src swaps. INVALID_ARGUMENT (pivot is src or dest).
 */
#define WRIT_LABELS(E)                          \
	E(WRIT_LABEL_INVALID,              0)    \
	E(WRIT_LABEL_UNTYPED_RETYPE,       1)    \
	E(WRIT_LABEL_CNODE_REVOKE,        16)    \
	E(WRIT_LABEL_CNODE_DELETE,        17)    \
	E(WRIT_LABEL_CNODE_COPY,          18)    \
	E(WRIT_LABEL_CNODE_MINT,          19)    \
	E(WRIT_LABEL_CNODE_MOVE,          20)    \
	E(WRIT_LABEL_CNODE_MUTATE,        21)    \
	E(WRIT_LABEL_CNODE_ROTATE,        22)
	/* 32.. : TCB, endpoint, IRQ, IOPort and VSpace labels (kernel-core issue). */

enum writ_label {
#define WRIT_LABEL_ENUM_(name, num) name = num,
	WRIT_LABELS(WRIT_LABEL_ENUM_)
#undef WRIT_LABEL_ENUM_
};

/* ---- Syscall numbers and message-info layout -----------------------------------------
 *
 * Reserved for the kernel-core issue (the lead adds them here):
 *  - kernel syscalls are negative numbers in rax: Call, ReplyRecv, Send, NBSend, Recv,
 *    NBRecv, Reply, Yield (+ debug calls); an X-macro list with explicit numbers;
 *  - the message-info word: label, length, extra caps, unwrapped mask, as
 *    WRIT_MSGINFO_*_SHIFT / _MASK macros with _Static_asserts that the fields are
 *    disjoint and fit in 64 bits;
 *  - BootInfo layout, with _Static_assert on its size and offsets.
 */

#endif /* WRIT_ABI_H */
