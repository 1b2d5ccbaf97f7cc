/*
 * Real time from time: (writ/time.h): one read on the policy capability itself.
 */
#include <writ/fd.h>
#include <writ/scheme.h>
#include <writ/time.h>
#include <writ/writ.h>

#include <errno.h>

int
writ_time_base(struct writ_time_base *b)
{
	writ_cptr_t cap = writ_scheme_cap("time");
	writ_word_t args[1] = { sizeof(*b) };
	long r;

	if (!cap)
		return -ENOENT;
	r = writ_scheme_call(cap, SCHEME_OP_READ, args, 1, NULL, 0, b, sizeof(*b), NULL, 0);
	if (r < 0)
		return (int)r;
	return r == (long)sizeof(*b) ? 0 : -EIO;
}

int
writ_timer_arm(writ_cptr_t ntfn, uint64_t tsc_deadline)
{
	writ_cptr_t cap = writ_scheme_cap("time");
	struct writ_msg m = { 0 };

	if (!cap)
		return -ENOENT;
	if (!ntfn)
		return -EINVAL;
	m.mr[0] = tsc_deadline;
	writ_set_cap(0, ntfn);
	m.info = writ_msginfo(SCHEME_OP_TIMER, 1, 1);
	if (writ_call(cap, &m) != WRIT_OK)
		return -EIO;
	return (int)(long)m.mr[0];
}
