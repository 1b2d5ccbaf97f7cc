/*
 * Processes, from the inside: spawn, wait and kill through init (see <writ/proc.h>).
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/writ.h>

#include <errno.h>

static struct writ_thread first_thread;

/* The calling thread's wake notification (the first thread gets one on demand). */
static writ_cptr_t
my_wake(void)
{
	struct writ_thread *t = writ_thread_self();

	if (!t && writ_thread_adopt(&first_thread) == WRIT_OK)
		t = &first_thread;
	return t ? t->wake : 0;
}

static size_t
put_string(char *buf, size_t pos, size_t max, const char *s)
{
	size_t n = strlen(s) + 1;

	if (pos + n > max)
		return max + 1;
	memcpy(buf + pos, s, n);
	return pos + n;
}

long
writ_spawn(const char *path, const char *const *argv, const struct writ_spawn_opts *o,
	   writ_cptr_t *child)
{
	static char msg[SCHEME_INLINE];
	struct writ_spawn_hdr h = { 0 };
	struct writ_spawn_cap caps[16];
	const struct writ_startinfo *si = writ_startinfo();
	const char *const *envp = o && o->envp ? o->envp : (const char *const *)writ_envp;
	struct writ_msg m = { 0 };
	size_t pos, capbytes, total;
	unsigned n = 0;
	writ_cptr_t slot;
	long err;

	if (o) {
		if (o->ncaps > 16)
			return -EINVAL;
		memcpy(caps, o->caps, o->ncaps * sizeof(caps[0]));
		n = o->ncaps;
		h.quota_bits = o->quota_bits;
	} else {
		/* The caller's namespace and standard fds. */
		for (unsigned i = 0; si && i < si->n_caps && n < 16; i++)
			if (si->caps[i].kind == WRIT_SCAP_SCHEME ||
			    (si->caps[i].kind == WRIT_SCAP_IOPORT &&
			     strcmp(si->caps[i].name, "serial") == 0)) {
				caps[n].slot = si->caps[i].slot;
				caps[n].kind = si->caps[i].kind;
				caps[n].arg = si->caps[i].arg;
				memcpy(caps[n].name, si->caps[i].name, sizeof(caps[n].name) - 1);
				caps[n].name[sizeof(caps[n].name) - 1] = 0;
				n++;
			}
		for (int fd = 0; fd < 3 && n < 16; fd++)
			if (writ_fd_cap(fd)) {
				caps[n] = (struct writ_spawn_cap){ .slot = (uint32_t)writ_fd_cap(fd),
					.kind = WRIT_SCAP_FD, .arg = (writ_word_t)fd };
				writ_snprintf(caps[n].name, sizeof(caps[n].name), "fd%d", fd);
				n++;
			}
	}
	h.ncaps = (uint16_t)n;
	capbytes = (n * sizeof(caps[0]) + 7) & ~7ul;
	pos = put_string(msg, 0, sizeof(msg), path);
	for (h.argc = 0; argv && argv[h.argc]; h.argc++)
		pos = put_string(msg, pos, sizeof(msg), argv[h.argc]);
	for (h.envc = 0; envp && envp[h.envc]; h.envc++)
		pos = put_string(msg, pos, sizeof(msg), envp[h.envc]);
	total = ((sizeof(h) + 7) & ~7ul) + capbytes + pos;
	if (pos > sizeof(msg) || total > SCHEME_INLINE)
		return -E2BIG;
	h.bytes = (uint16_t)pos;
	{
		/* header, capabilities, strings: each starts on a word */
		static uint8_t body[SCHEME_INLINE + 8];
		size_t off = 0;

		memset(body, 0, sizeof(body));
		memcpy(body, &h, sizeof(h));
		off = (sizeof(h) + 7) & ~7ul;
		memcpy(body + off, caps, n * sizeof(caps[0]));
		off += capbytes;
		memcpy(body + off, msg, pos);
		off += pos;
		for (size_t i = 0; i < off; i += 8) {
			writ_word_t w;

			memcpy(&w, body + i, 8);
			writ_mr_set(SCHEME_DATA_WORD + (unsigned)(i / 8), w);
		}
		m.info = writ_msginfo(WRIT_PROC_SPAWN, 0,
				      SCHEME_DATA_WORD + (unsigned)((off + 7) / 8));
	}
	if (!(slot = writ_slot_alloc()))
		return -EMFILE;
	writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, 64);
	err = writ_call(WRIT_PSLOT_PROC, &m);
	if (err != WRIT_OK || (long)m.mr[0] < 0 || writ_msginfo_caps(m.info) != 1) {
		writ_slot_free(slot);
		return err != WRIT_OK ? -EIO : (long)m.mr[0] < 0 ? (long)m.mr[0] : -EIO;
	}
	*child = slot;
	return (long)m.mr[0];
}

long
writ_proc_wait(writ_cptr_t child)
{
	writ_cptr_t wake = my_wake();

	for (;;) {
		struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_WAIT, 1, 0) };
		writ_word_t w;
		long err;

		if (!wake)
			return -ENOMEM;
		writ_set_cap(0, wake);
		err = writ_call(child, &m);
		if (err != WRIT_OK)
			return -ECHILD;
		if ((long)m.mr[0] != -EAGAIN) {
			writ_cnode_delete(WRIT_PSLOT_CNODE, child, 64);
			writ_slot_free(child);
			return (long)m.mr[0];
		}
		writ_wait(wake, &w);	/* init signals it when the child ends */
	}
}

long
writ_proc_kill(writ_cptr_t child)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_KILL, 0, 0) };

	return writ_call(child, &m) == WRIT_OK ? (long)m.mr[0] : -ESRCH;
}

long
writ_proc_info(writ_word_t *free_bytes, writ_word_t *free_blocks)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_INFO, 0, 0) };

	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
		return -EIO;
	if (free_bytes)
		*free_bytes = m.mr[1];
	if (free_blocks)
		*free_blocks = m.mr[2];
	return (long)m.mr[0];
}
