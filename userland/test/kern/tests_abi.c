/*
 * The ABI's one list of invocations against the kernel (group kern). Every invocation
 * in <writ/invocations.def> that takes arguments is sent with one argument too few and
 * must answer WRIT_E_TRUNCATED_MESSAGE before it acts: so the kernel's decode wants at
 * least the words the .def lists (its static asserts and WRIT_ARGC_* say no more), and
 * the label reaches the decode the .def names. The list is the .def itself, so a new
 * invocation is tested the day it is added.
 */
#include <writ/writ.h>

#include "init.h"

#define R WRIT_SLOT_ROOT_CNODE
#define MAX_ARGS 16

struct invocation {
	const char *name;
	writ_word_t label;
	unsigned obj;
	unsigned argc;
};

static const struct invocation invocations[] = {
#define WRIT_INV(name, num, obj, doc) \
	{ #name, WRIT_LABEL_##name, WRIT_OBJ_##obj, WRIT_ARGC_##name },
#include <writ/invocations.def>
};

/* A capability of each type the .def invokes; 0 if it could not be made. */
struct targets {
	writ_cptr_t cap[WRIT_OBJ_COUNT];
	writ_cptr_t ioport, irq_handler;
};

static void
targets_make(struct targets *t)
{
	t->cap[WRIT_OBJ_UNTYPED] = obj_new(WRIT_OBJ_UNTYPED, 12);
	t->cap[WRIT_OBJ_CNODE] = obj_new(WRIT_OBJ_CNODE, 2);
	t->cap[WRIT_OBJ_TCB] = obj_new(WRIT_OBJ_TCB, 0);
	t->cap[WRIT_OBJ_PT] = obj_new(WRIT_OBJ_PT, 0);
	t->cap[WRIT_OBJ_FRAME_4K] = obj_new(WRIT_OBJ_FRAME_4K, 0);
	t->cap[WRIT_OBJ_IOPORT_CONTROL] = WRIT_SLOT_IOPORT_CONTROL;
	t->cap[WRIT_OBJ_IRQ_CONTROL] = WRIT_SLOT_IRQ_CONTROL;
	t->ioport = slot_alloc();
	if (writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0x80, 0x80, R, t->ioport, FULL_DEPTH) ==
	    WRIT_OK)
		t->cap[WRIT_OBJ_IOPORT] = t->ioport;
	/* The last MSI: the MSI tests use the first ones; deleted again below. */
	t->irq_handler = slot_alloc();
	if (writ_irq_control_get_msi(WRIT_SLOT_IRQ_CONTROL, WRIT_IRQ_MSIS - 1, R, t->irq_handler,
				     FULL_DEPTH, NULL, NULL) == WRIT_OK)
		t->cap[WRIT_OBJ_IRQ_HANDLER] = t->irq_handler;
}

/* "kern/abi-truncated-cnode-copy" for CNODE_COPY. */
static void
test_name(char *buf, size_t n, const char *inv)
{
	size_t len = (size_t)writ_snprintf(buf, n, "kern/abi-truncated-");

	for (; *inv && len + 1 < n; inv++, len++)
		buf[len] = *inv == '_' ? '-' : (char)(*inv >= 'A' && *inv <= 'Z' ? *inv + 32 : *inv);
	buf[len] = 0;
}

static void
test_truncated(const struct targets *t, const struct invocation *inv)
{
	static const writ_word_t zeros[MAX_ARGS];
	char name[64];
	writ_cptr_t cap = t->cap[inv->obj];
	long err;

	test_name(name, sizeof(name), inv->name);
	if (cap == 0 || inv->argc > MAX_ARGS) {
		check(false, name, "no %s capability to invoke", writ_object_name((int)inv->obj));
		return;
	}
	err = writ_invoke(cap, inv->label, zeros, inv->argc - 1, NULL, 0);
	check(err == WRIT_E_TRUNCATED_MESSAGE, name, "%u of %u arguments: got %s",
	      inv->argc - 1, inv->argc, writ_error_name((int)err));
}

void
abi_tests_run(void)
{
	struct targets t = { 0 };
	unsigned tested = 0;

	targets_make(&t);
	for (unsigned i = 0; i < sizeof(invocations) / sizeof(invocations[0]); i++) {
		if (invocations[i].argc == 0)
			continue;
		test_truncated(&t, &invocations[i]);
		tested++;
	}
	check(tested > 0, "kern/abi-truncated-all", "%u invocations with arguments", tested);
	writ_cnode_delete(R, t.irq_handler, FULL_DEPTH);
	writ_cnode_delete(R, t.ioport, FULL_DEPTH);
}
