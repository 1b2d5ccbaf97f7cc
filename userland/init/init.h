#ifndef WRIT_INIT_H
#define WRIT_INIT_H

#include <writ/writ.h>

#define FULL_DEPTH 64

struct init_state {
	struct writ_bootinfo *bi;
	unsigned next_slot;
	unsigned failures;
	writ_cptr_t ram;		/* the largest RAM untyped */
	unsigned ram_bits;
	writ_cptr_t device;		/* some device untyped */
};

extern struct init_state init;

writ_cptr_t slot_alloc(void);
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void check_err(long got, long want, const char *name);
void tests_run(void);

#endif
