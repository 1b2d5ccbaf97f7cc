/*
 * writ/abi.h - the one header shared by the kernel, cspace/ and user space.
 *
 * Everything that crosses the user/kernel boundary is defined here and nowhere else:
 * fixed-width words, error codes, rights bits, object type numbers, object sizes,
 * invocation labels and arguments (from <writ/invocations.def>), syscall numbers, the message-info layout, the IPC buffer, fault
 * messages and BootInfo.
 *
 * Rules for editors:
 *  - every number is written out; nothing depends on implicit enum order, because a
 *    reorder would silently change the meaning of existing binaries;
 *  - a number, once released, is never reused: retire it with a comment instead;
 *  - lists are X-macros so the enum, name tables and stubs come from the same lines;
 *  - bit layouts are shifts and masks (never C bitfields), checked by _Static_assert;
 *  - this file includes only <stdint.h> and its own invocations.def (the list of
 *    invocations), and must compile alone under
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
 * The LOOKUP errors come with a lookup fault (struct writ_lookup_fault, below the
 * message info): which capability pointer failed, how many of its bits were left and,
 * for a guard mismatch, which guard was found.
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
	E(WRIT_E_PREEMPTED,            18, "not finished: call again to continue")  \
	E(WRIT_E_CANCELLED,            19, "IPC cancelled: object deleted or revoked") \
	E(WRIT_E_WOULD_BLOCK,          20, "no partner ready and not allowed to wait")\
	E(WRIT_E_NO_REPLY,             21, "nobody to reply to")                     \
	E(WRIT_E_ILLEGAL_SYSCALL,      22, "syscall not available in this build")

enum writ_error {
#define WRIT_E_ENUM_(name, num, text) name = num,
	WRIT_ERRORS(WRIT_E_ENUM_)
#undef WRIT_E_ENUM_
};

#define WRIT_E_COUNT 23         /* one past the highest number; checked below */

_Static_assert(WRIT_OK == 0, "success is zero");
_Static_assert(WRIT_E_ILLEGAL_SYSCALL == WRIT_E_COUNT - 1, "WRIT_E_COUNT follows the list");

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
 * and GRANT_REPLY: a Call through the capability may be answered with authority over
 * the caller: a reply that carries capabilities (they go as a send with GRANT would
 * take them), or a fault reply, which rewrites the faulting thread's registers and
 * resumes it. So a fault endpoint capability (TCB_CONFIGURE) needs WRITE plus GRANT or
 * GRANT_REPLY, as in seL4. Other objects carry the bits but the kernel gives them no
 * meaning yet.
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
/*
 * Retype zeroes the objects it makes (all but untyped and device frames) in one
 * kernel entry, with interrupts off: one call zeroes at most this many bytes, about
 * a quarter of a 1 ms timer period at one store per instruction. So a CNode has at
 * most radix 16 in practice, and 2 MiB frames come one per call.
 */
#define WRIT_RETYPE_MAX_ZEROED (1ull << 21)

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

/* ---- Invocations ------------------------------------------------------------------------
 *
 * Every invocation of a kernel object is one entry of <writ/invocations.def>: its label,
 * object, arguments, results, errors and what it does; kern/abi/README.md is the same
 * list as a reference page, generated from it. From it come, here:
 *   WRIT_LABEL_<NAME>          the label (one enum for every object; numbers never reused)
 *   WRIT_ARG_<NAME>_<ARG>      the message word that carries an argument
 *   WRIT_ARGC_<NAME>           how many fixed arguments it takes (fewer:
 *                              WRIT_E_TRUNCATED_MESSAGE)
 *   WRIT_RES_<NAME>_<RES>      the reply word that carries a result
 *   WRIT_RESC_<NAME>           how many fixed results it returns
 * The kernel's decode of <NAME> reads its arguments by these positions; libwrit's stub
 * for it, writ_inv_<name>() in <writ/stubs.h>, is generated from the same lines.
 */
enum writ_label {
	WRIT_LABEL_INVALID = 0,
#define WRIT_INV(name, num, obj, doc) WRIT_LABEL_##name = num,
#include "invocations.def"
};

/* Argument positions and counts: an enum per invocation, opened by its WRIT_INV line. */
#define WRIT_INV(name, num, obj, doc) enum writ_args_##name {
#define WRIT_ARG(inv, arg, kind, obj, doc) WRIT_ARG_##inv##_##arg,
#define WRIT_END(inv) WRIT_ARGC_##inv };
#include "invocations.def"

/* Result positions and counts, the same way. */
#define WRIT_INV(name, num, obj, doc) enum writ_results_##name {
#define WRIT_RES(inv, res, doc) WRIT_RES_##inv##_##res,
#define WRIT_END(inv) WRIT_RESC_##inv };
#include "invocations.def"

/* The constant name of an invocation label ("WRIT_LABEL_CNODE_COPY"), or "WRIT_LABEL_?"
 * for unknown numbers. */
static inline const char *
writ_label_name(writ_word_t label)
{
	switch (label) {
	case WRIT_LABEL_INVALID: return "WRIT_LABEL_INVALID";
#define WRIT_INV(name, num, obj, doc) case num: return "WRIT_LABEL_" #name;
#include "invocations.def"
	}
	return "WRIT_LABEL_?";
}

/* ---- Syscalls -------------------------------------------------------------------------
 *
 * A thread enters the kernel with the `syscall` instruction. Kernel syscalls are
 * negative numbers in rax; every other number (a Linux syscall from an unmodified musl
 * program) becomes an UnknownSyscall fault message to the thread's fault handler.
 *
 * Registers, in and out:
 *   rax  in: syscall number            out: error (enum writ_error), 0 on success
 *   rdi  in: capability pointer        out: badge of the sender (receives)
 *   rsi  in: message info              out: message info
 *   rdx, r10, r8, r9: message registers 0..3 (more in the IPC buffer)
 *   rcx, r11: destroyed by the `syscall` instruction itself
 * Every other register is preserved on every path.
 *
 * Invoking a kernel object is a Call on its capability: the label names the operation
 * (WRIT_LABEL_*), the arguments are message registers, and the reply carries the error
 * in its label and rax, and the results in its message registers.
 */
#define WRIT_SYSCALLS(E)                          \
	E(WRIT_SYS_CALL,           -1)             \
	E(WRIT_SYS_REPLY_RECV,     -2)             \
	E(WRIT_SYS_SEND,           -3)             \
	E(WRIT_SYS_NBSEND,         -4)             \
	E(WRIT_SYS_RECV,           -5)             \
	E(WRIT_SYS_NBRECV,         -6)             \
	E(WRIT_SYS_REPLY,          -7)             \
	E(WRIT_SYS_YIELD,          -8)             \
	E(WRIT_SYS_DEBUG_PUTCHAR, -64)             \
	E(WRIT_SYS_DEBUG_CHECK,   -65)             \
	E(WRIT_SYS_DEBUG_EXIT,    -66)
	/* DEBUG calls exist in debug kernels only; release kernels answer
	 * WRIT_E_ILLEGAL_SYSCALL. DEBUG_CHECK runs the cspace invariant checker over every
	 * capability and returns its verdict; DEBUG_EXIT leaves QEMU (isa-debug-exit) with
	 * the code in rdi. */

enum writ_syscall {
#define WRIT_SYS_ENUM_(name, num) name = num,
	WRIT_SYSCALLS(WRIT_SYS_ENUM_)
#undef WRIT_SYS_ENUM_
};

/* ---- Message info ----------------------------------------------------------------------
 *
 *   bits  0..6   length: message registers used (0..WRIT_MSG_MAX_LENGTH)
 *   bits  7..8   extra capabilities sent (0..3)
 *   bits  9..11  a bit per extra capability: on receipt, unwrapped into its badge; on
 *                send, moved instead of copied (WRIT_MSGINFO_MOVE_*)
 *   bits 12..63  label
 *
 * A moved capability leaves the sender's slot empty and lands in the receive slot as
 * it was (rights, badge, and its place in the derivation tree: children stay its
 * children), as CNode Move would place it; one that CNode Move refuses stops the
 * transfer there. A capability unwrapped into its badge is not moved: the sender keeps
 * it. Where the transfer stops (no receive slot, a lookup fails), the capabilities not
 * transferred stay with the sender.
 */
#define WRIT_MSGINFO_LENGTH_SHIFT   0
#define WRIT_MSGINFO_LENGTH_MASK    0x7full
#define WRIT_MSGINFO_CAPS_SHIFT     7
#define WRIT_MSGINFO_CAPS_MASK      0x3ull
#define WRIT_MSGINFO_UNWRAP_SHIFT   9
#define WRIT_MSGINFO_UNWRAP_MASK    0x7ull
#define WRIT_MSGINFO_MOVE_SHIFT     WRIT_MSGINFO_UNWRAP_SHIFT	/* the same bits, on send */
#define WRIT_MSGINFO_MOVE_MASK      WRIT_MSGINFO_UNWRAP_MASK
#define WRIT_MSGINFO_LABEL_SHIFT    12
#define WRIT_MSGINFO_LABEL_MASK     0xfffffffffffffull

#define WRIT_MSG_REGS               4       /* message registers carried in CPU registers */
#define WRIT_MSG_MAX_LENGTH         120
#define WRIT_MSG_MAX_CAPS           3

_Static_assert(WRIT_MSG_MAX_LENGTH <= WRIT_MSGINFO_LENGTH_MASK, "length fits its field");
_Static_assert(((WRIT_MSGINFO_LENGTH_MASK << WRIT_MSGINFO_LENGTH_SHIFT) &
		(WRIT_MSGINFO_CAPS_MASK << WRIT_MSGINFO_CAPS_SHIFT)) == 0 &&
	       ((WRIT_MSGINFO_CAPS_MASK << WRIT_MSGINFO_CAPS_SHIFT) &
		(WRIT_MSGINFO_UNWRAP_MASK << WRIT_MSGINFO_UNWRAP_SHIFT)) == 0 &&
	       ((WRIT_MSGINFO_UNWRAP_MASK << WRIT_MSGINFO_UNWRAP_SHIFT) &
		(WRIT_MSGINFO_LABEL_MASK << WRIT_MSGINFO_LABEL_SHIFT)) == 0,
	       "message-info fields are disjoint");
_Static_assert((WRIT_MSGINFO_LABEL_MASK << WRIT_MSGINFO_LABEL_SHIFT) >> WRIT_MSGINFO_LABEL_SHIFT
	       == WRIT_MSGINFO_LABEL_MASK, "label fits in 64 bits");

static inline writ_word_t
writ_msginfo(writ_word_t label, unsigned caps, unsigned length)
{
	return (label & WRIT_MSGINFO_LABEL_MASK) << WRIT_MSGINFO_LABEL_SHIFT |
	       ((writ_word_t)caps & WRIT_MSGINFO_CAPS_MASK) << WRIT_MSGINFO_CAPS_SHIFT |
	       ((writ_word_t)length & WRIT_MSGINFO_LENGTH_MASK) << WRIT_MSGINFO_LENGTH_SHIFT;
}

/* Message info mi whose extra capabilities with a bit in `move` are moved, not copied. */
static inline writ_word_t
writ_msginfo_move(writ_word_t mi, unsigned move)
{
	return mi | ((writ_word_t)move & WRIT_MSGINFO_MOVE_MASK) << WRIT_MSGINFO_MOVE_SHIFT;
}

static inline writ_word_t
writ_msginfo_label(writ_word_t mi)
{
	return mi >> WRIT_MSGINFO_LABEL_SHIFT & WRIT_MSGINFO_LABEL_MASK;
}

static inline unsigned
writ_msginfo_length(writ_word_t mi)
{
	return (unsigned)(mi >> WRIT_MSGINFO_LENGTH_SHIFT & WRIT_MSGINFO_LENGTH_MASK);
}

static inline unsigned
writ_msginfo_caps(writ_word_t mi)
{
	return (unsigned)(mi >> WRIT_MSGINFO_CAPS_SHIFT & WRIT_MSGINFO_CAPS_MASK);
}

/* ---- Lookup faults ------------------------------------------------------------------------
 *
 * A Call that fails with a WRIT_E_LOOKUP_* error (of the invoked capability, or of a
 * capability or slot an invocation names) replies with the lookup fault in its message
 * registers, WRIT_LOOKUP_FAULT_LENGTH of them (the reply's length says so):
 *   [CPTR]       the capability pointer or slot index that failed to resolve
 *   [BITS_LEFT]  how many of its bits were not yet resolved where it failed (0: it
 *                resolved to an empty slot)
 *   [GUARD]      GUARD_MISMATCH: the bits the pointer held where the guard is
 *   [GUARD_BITS] GUARD_MISMATCH: the guard's width; otherwise 0
 * A Send that fails the same way has no reply: rax alone says which error. PAGE_TABLE_MAP
 * and FRAME_MAP answer LOOKUP_MISSING_CAP with no words when the table above the address
 * is not mapped (no capability pointer failed; the Map figures stay as they were).
 */
#define WRIT_LOOKUP_FAULT_CPTR       0
#define WRIT_LOOKUP_FAULT_BITS_LEFT  1
#define WRIT_LOOKUP_FAULT_GUARD      2
#define WRIT_LOOKUP_FAULT_GUARD_BITS 3
#define WRIT_LOOKUP_FAULT_LENGTH     4

struct writ_lookup_fault {
	writ_word_t cptr, bits_left, guard, guard_bits;
};

_Static_assert(WRIT_LOOKUP_FAULT_LENGTH <= WRIT_MSG_REGS,
	       "a lookup fault travels in registers: no IPC buffer needed");
_Static_assert(sizeof(struct writ_lookup_fault) == WRIT_LOOKUP_FAULT_LENGTH * 8,
	       "struct writ_lookup_fault is the reply's words in order");

static inline int
writ_error_is_lookup(int err)
{
	return err >= WRIT_E_LOOKUP_INVALID_ROOT && err <= WRIT_E_LOOKUP_WRONG_TYPE;
}

/* ---- IPC buffer ------------------------------------------------------------------------
 *
 * One per thread, in a frame the thread configured (TCB Configure). msg[0..3] are
 * shadowed by the CPU registers above; longer messages continue at msg[4].
 *
 * Capabilities. A sender whose endpoint capability has Grant names up to
 * WRIT_MSG_MAX_CAPS capabilities in caps_or_badges (the message info says how many).
 * Each that is a capability to the endpoint the message goes through arrives unwrapped:
 * its badge in the receiver's caps_or_badges[i] and bit i of the unwrap mask. The
 * others are copied, in order, into the receiver's slots receive_index,
 * receive_index + 1, ... (at receive_depth in the CNode receive_cnode names), which
 * must be empty. Transfer stops at the first capability that cannot go; the received
 * message info counts those that went.
 *
 * A Reply or ReplyRecv that names capabilities learns how many of them went in
 * replied_caps (the caps field of the message info its caller got: 0 without
 * GrantReply, without a caller, for a fault; those past it stay with the replier), so a
 * server that moves a capability in its reply knows, without a syscall, whether its
 * slot was emptied. The kernel writes it then only, and never reads it.
 */
struct writ_ipc_buffer {
	writ_word_t replied_caps;
	writ_word_t msg[WRIT_MSG_MAX_LENGTH];
	writ_word_t user_data;                  /* the thread's own word (TLS-free storage) */
	writ_word_t caps_or_badges[WRIT_MSG_MAX_CAPS];
	writ_cptr_t receive_cnode;
	writ_cptr_t receive_index;
	writ_word_t receive_depth;
};

_Static_assert(sizeof(struct writ_ipc_buffer) == 128 * 8, "IPC buffer is 1 KiB");
#define WRIT_IPC_BUFFER_ALIGN_BITS 10

/* ---- Faults ------------------------------------------------------------------------------
 *
 * A fault arrives at the handler as a Call from the faulting thread on its fault
 * endpoint: the label says which fault, the message words say what happened. The
 * handler's Reply resumes the thread (label 0), with the registers in the reply written
 * back first (UnknownSyscall, UserException), or leaves it suspended (no reply).
 */
#define WRIT_FAULTS(E)                          \
	E(WRIT_FAULT_NONE,             0)        \
	E(WRIT_FAULT_UNKNOWN_SYSCALL,  1)        \
	E(WRIT_FAULT_VM,               2)        \
	E(WRIT_FAULT_USER_EXCEPTION,   3)        \
	E(WRIT_FAULT_CAP,              4)

enum writ_fault {
#define WRIT_FAULT_ENUM_(name, num) name = num,
	WRIT_FAULTS(WRIT_FAULT_ENUM_)
#undef WRIT_FAULT_ENUM_
};

/*
 * UnknownSyscall and UserException messages carry the whole user context, in this
 * order (WRIT_CTX_*), as message words 0..WRIT_CTX_COUNT-1; UserException adds the
 * vector and error code after it. A reply of the same length writes them back.
 * VM fault: [0] faulting address (CR2), [1] error code (x86 page-fault bits), [2] RIP,
 * [3] 1 if an instruction fetch.
 */
#define WRIT_CTX_RIP     0
#define WRIT_CTX_RSP     1
#define WRIT_CTX_RFLAGS  2
#define WRIT_CTX_RAX     3
#define WRIT_CTX_RBX     4
#define WRIT_CTX_RCX     5
#define WRIT_CTX_RDX     6
#define WRIT_CTX_RSI     7
#define WRIT_CTX_RDI     8
#define WRIT_CTX_RBP     9
#define WRIT_CTX_R8     10
#define WRIT_CTX_R9     11
#define WRIT_CTX_R10    12
#define WRIT_CTX_R11    13
#define WRIT_CTX_R12    14
#define WRIT_CTX_R13    15
#define WRIT_CTX_R14    16
#define WRIT_CTX_R15    17
#define WRIT_CTX_FS_BASE 18
#define WRIT_CTX_GS_BASE 19
#define WRIT_CTX_COUNT  20

/*
 * CNode Find (<writ/invocations.def>): slots looked at per call, kept small because the
 * kernel looks at them with interrupts off (about ten instructions a slot), and the
 * matches one reply holds (two result words each, after NEXT and N).
 */
#define WRIT_CNODE_FIND_MAX_SLOTS 1024
#define WRIT_CNODE_FIND_MAX_FOUND ((WRIT_CTX_COUNT - 2) / 2)
#define WRIT_CNODE_FIND_RIGHTS_SHIFT 56

#define WRIT_VM_FAULT_ADDR   0
#define WRIT_VM_FAULT_ERROR  1
#define WRIT_VM_FAULT_IP     2
#define WRIT_VM_FAULT_FETCH  3
#define WRIT_VM_FAULT_LENGTH 4

/* ---- Notifications, bound notifications and IRQs -----------------------------------------
 *
 * A notification is a word of bits and a queue of waiting threads. Its capability's
 * badge is what a signal through it ORs in, so a waiter learns which of its signallers
 * fired by the bits set. No new syscalls: the endpoint syscalls do it, by the capability
 * type they are given.
 *
 *   Signal = WRIT_SYS_SEND, WRIT_SYS_NBSEND or WRIT_SYS_CALL on a notification capability
 *            with Write (the label and message are ignored; it never blocks). With a
 *            thread waiting, the first waiter wakes with (word | badge) and the word is 0
 *            again; otherwise the badge is ORed into the word. rax: OK, or RIGHTS.
 *   Wait   = WRIT_SYS_RECV (or the receive half of REPLY_RECV) on a notification
 *            capability with Read: returns at once if the word is non-zero, else blocks
 *            until a signal. Out: rax OK, rdi the word (which is then 0),
 *            rsi WRIT_MSGINFO_NOTIFICATION; message registers are left alone.
 *            Errors: RIGHTS (no Read), ILLEGAL_OPERATION (the notification is bound to
 *            another thread), CANCELLED (the notification was deleted while waiting).
 *   Poll   = WRIT_SYS_NBRECV on it: as Wait, but never blocks; rdi is 0 (rax OK) when
 *            nothing was signalled.
 *
 * Bound notifications (TCB_BIND_NOTIFICATION): a thread bound to a notification that
 * does Recv (or NBRecv, ReplyRecv) on an endpoint receives whichever comes first, a
 * message or a signal; a signal already pending is delivered before any queued sender.
 * A signal arrives as rax OK, rdi the word, rsi WRIT_MSGINFO_NOTIFICATION, which no
 * endpoint message can carry (its unwrap mask names capabilities it does not hold);
 * test it with writ_msginfo_is_notification().
 *
 * IRQs. Lines 0..15 are the legacy ISA IRQs (routed through the IOAPIC, with the ACPI
 * interrupt source overrides applied, e.g. PIT IRQ 0 -> GSI 2); lines 16..WRIT_IRQ_LINES-1
 * are IOAPIC inputs (GSIs) of the same number (PCI INTx, level, active low). The kernel's
 * own timer is the local APIC's and has no line, so it can never be handed out. A line
 * starts masked; one IRQHandler capability per line can exist (copies of it aside).
 * An interrupt masks its line and signals the handler's notification with its badge;
 * the driver Acks once it has served the device, which unmasks the line. An interrupt
 * on a line without a notification is masked and counted (IRQ_CONTROL_STATS), never
 * silently dropped; the kernel logs the first one per line.
 *
 * Deleting the last IRQHandler capability masks the line and lets it be issued again.
 *
 * MSIs. A PCI device with an MSI capability interrupts by writing a data word to an
 * address; the kernel keeps WRIT_IRQ_MSIS vectors for them, MSI 0..WRIT_IRQ_MSIS-1.
 * The IRQHandler of MSI i answers to IRQ number WRIT_IRQ_MSI(i) (IRQ_CONTROL_STATS).
 * IRQ_CONTROL_GET_MSI issues the handler of an MSI and returns what the driver programs
 * into the device's MSI capability: a fixed, edge-triggered message.
 * An MSI has no mask the kernel could set (the IOAPIC never sees it, and the device's
 * own mask bit, where it has one, belongs to the driver), so the kernel does not hold
 * MSIs back: each one signals the notification, and signals that arrive before the
 * driver Waits merge in the notification word. Ack is valid and changes nothing for an
 * MSI that was delivered. An MSI that finds no notification (none set, cleared, or no
 * handler issued: a device can write any vector) is counted as unhandled, never lost
 * silently; the kernel also remembers that one was missed, and the next Ack on the
 * handler while it has a notification signals it once, as an unmasked level-triggered
 * line would fire again. Issuing a handler forgets what was missed before it existed.
 * IRQ_HANDLER_CLEAR forgets the notification; deleting the last handler capability
 * frees the MSI to be issued again.
 */
#define WRIT_IRQ_LINES 24       /* ISA 0..15, then IOAPIC GSIs 16..23 */
#define WRIT_IRQ_ISA_LINES 16

#define WRIT_IRQ_MSIS 32                /* MSI 0..31 */
#define WRIT_IRQ_MSI_FIRST 64           /* the IRQ number of MSI 0 */
#define WRIT_IRQ_MSI(i) (WRIT_IRQ_MSI_FIRST + (writ_word_t)(i))
#define WRIT_MSI_VECTOR_BASE 0x50       /* MSI i arrives on CPU vector 0x50 + i */
#define WRIT_MSI_ADDRESS_BASE 0xfee00000ull

_Static_assert(WRIT_IRQ_LINES <= WRIT_IRQ_MSI_FIRST, "MSI numbers follow the lines");
_Static_assert(WRIT_MSI_VECTOR_BASE + WRIT_IRQ_MSIS <= 0xf0, "MSI vectors below 0xf0");

/* The MSI address for a local APIC: physical destination mode, no redirection hint. */
static inline writ_word_t
writ_msi_address(unsigned apic_id)
{
	return WRIT_MSI_ADDRESS_BASE | ((writ_word_t)(apic_id & 0xff) << 12);
}

/* The MSI data word for MSI i: its vector, fixed delivery, edge-triggered. */
static inline writ_word_t
writ_msi_data(unsigned msi)
{
	return WRIT_MSI_VECTOR_BASE + (writ_word_t)msi;
}

/* A delivered signal: label 0, no words, no caps, all three unwrap bits set. */
#define WRIT_MSGINFO_NOTIFICATION (WRIT_MSGINFO_UNWRAP_MASK << WRIT_MSGINFO_UNWRAP_SHIFT)

static inline int
writ_msginfo_is_notification(writ_word_t mi)
{
	return mi == WRIT_MSGINFO_NOTIFICATION;
}

/* Frame and page-table mapping attributes (caching). */
#define WRIT_MAP_WRITE_BACK     0
#define WRIT_MAP_UNCACHED       1
#define WRIT_MAP_WRITE_COMBINE  2

/* Priorities: 0 (lowest) .. 255. */
#define WRIT_PRIO_MAX 255

/* User virtual addresses: [WRIT_USER_LO, WRIT_USER_HI). Page 0 stays unmapped. */
/* The root task's stack ends at WRIT_ROOT_STACK_TOP, WRIT_ROOT_STACK_PAGES long; its
 * IPC buffer is at WRIT_ROOT_IPC_BUFFER. */
#define WRIT_ROOT_STACK_TOP   0x7ffffff00000ull
#define WRIT_ROOT_STACK_PAGES 16
#define WRIT_ROOT_IPC_BUFFER  0x7fff00001000ull
#define WRIT_USER_LO 0x1000ull
/* The last page below the canonical hole stays out of user memory: a `syscall` ending
 * there would leave a non-canonical return address, which sysret cannot take. */
#define WRIT_USER_HI 0x7ffffffff000ull

/* ---- BootInfo ------------------------------------------------------------------------
 *
 * A read-only page mapped into the root task at WRIT_BOOTINFO_VADDR; its address is
 * also in rdi when the root task starts. Slot numbers are cptrs in the root CNode,
 * whose guard makes a cptr equal to the slot index.
 */
#define WRIT_BOOTINFO_VADDR   0x7fff00000000ull
#define WRIT_BOOTINFO_MAGIC   0x5772697442496e66ull   /* "WritBInf" */
#define WRIT_BOOTINFO_MAX_UNTYPED 160
#define WRIT_BOOTINFO_MAX_MODULES 8
#define WRIT_BOOTINFO_CMDLINE 256
#define WRIT_BOOTINFO_F_DEBUG_KERNEL 1u  /* the WRIT_SYS_DEBUG_* calls exist */

/* Fixed slots of the root CNode. */
#define WRIT_SLOT_NULL            0
#define WRIT_SLOT_ROOT_TCB        1
#define WRIT_SLOT_ROOT_CNODE      2
#define WRIT_SLOT_ROOT_VSPACE     3
#define WRIT_SLOT_IRQ_CONTROL     4
#define WRIT_SLOT_IOPORT_CONTROL  5
#define WRIT_SLOT_BOOTINFO_FRAME  6
#define WRIT_SLOT_IPC_BUFFER      7
#define WRIT_SLOT_BOOT_UNTYPED    8     /* the memory of all the objects above */
#define WRIT_SLOT_KLOG_FRAME      9     /* the page at WRIT_KLOG_VADDR */
#define WRIT_SLOT_FIRST_FREE_FIXED 10

/* A read-only page in the root task: the kernel's console output until the root task
 * started, oldest first (its last 4 KiB when longer), BootInfo's klog_len bytes. */
#define WRIT_KLOG_VADDR       0x7fff00002000ull

struct writ_bootinfo_untyped {
	writ_word_t paddr;
	uint8_t size_bits;
	uint8_t is_device;
	uint16_t reserved;
	uint32_t slot;
};

struct writ_bootinfo_module {
	writ_word_t paddr;
	writ_word_t size;
	uint32_t first_frame_slot;      /* read-only 4 KiB frames, consecutive slots */
	uint32_t frames;
	char name[48];
};

struct writ_bootinfo {
	writ_word_t magic;
	uint32_t version;
	uint32_t root_cnode_radix;
	uint32_t first_empty_slot;      /* [first_empty_slot, 1 << root_cnode_radix) */
	uint32_t n_untyped;
	uint32_t n_modules;
	uint32_t n_image_frames;        /* the root task's own frames, from slot ... */
	uint32_t first_image_frame_slot;
	uint32_t first_page_table_slot; /* its page tables, PDPT/PD/PT, consecutive */
	uint32_t n_page_tables;
	uint32_t flags;                 /* WRIT_BOOTINFO_F_* */
	writ_word_t boot_tsc;           /* the TSC at kernel entry (instructions under icount) */
	writ_word_t ipc_buffer_vaddr;
	writ_word_t rsdp_paddr;         /* 0 if none */
	writ_word_t fb_paddr;           /* 0 if none */
	uint32_t fb_width, fb_height, fb_pitch; /* pixels (EGA text: cells), bytes per row */
	uint8_t fb_bpp, fb_type, reserved1[2];  /* fb_type: WRIT_FB_* */
	struct writ_bootinfo_untyped untyped[WRIT_BOOTINFO_MAX_UNTYPED];
	struct writ_bootinfo_module modules[WRIT_BOOTINFO_MAX_MODULES];
	char cmdline[WRIT_BOOTINFO_CMDLINE];
	/* A WRIT_FB_RGB framebuffer's pixel: each colour's lowest bit and width in bits
	 * (at most 8, inside fb_bpp, as the kernel checked before drawing on it). */
	uint8_t fb_red_pos, fb_red_size, fb_green_pos, fb_green_size;
	uint8_t fb_blue_pos, fb_blue_size, reserved2[2];
	uint32_t klog_len;              /* bytes of text at WRIT_KLOG_VADDR */
};

/* BootInfo fb_type: multiboot2's framebuffer types. */
#define WRIT_FB_INDEXED  0
#define WRIT_FB_RGB      1
#define WRIT_FB_EGA_TEXT 2              /* cells of (character, attribute) bytes */

_Static_assert(sizeof(struct writ_bootinfo) <= 4096, "BootInfo fits one page");
_Static_assert(sizeof(struct writ_bootinfo_untyped) == 16, "untyped entry layout");

#endif /* WRIT_ABI_H */
