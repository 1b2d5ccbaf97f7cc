/*
 * Processes, from the inside: spawn, wait and kill through init (see <writ/proc.h>).
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

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

/* "scheme:..." rather than a path of the boot archive. */
static bool
has_scheme(const char *path)
{
	for (const char *c = path; *c && *c != '/'; c++)
		if (*c == ':')
			return true;
	return false;
}

/*
 * Read the program at `path` with the caller's own capabilities into the image buffer
 * init lends for it (WRIT_PROC_IMAGE in <writ/proc.h>). -> 0 or -errno.
 */
static long
read_image(const char *path)
{
	struct writ_msg m = { .info = writ_msginfo(WRIT_PROC_IMAGE, 0, 1) };
	struct scheme_stat st;
	int fd = writ_open(path, O_RDONLY, 0);
	long r;

	if (fd < 0)
		return fd;
	r = writ_fstat(fd, &st);
	if (r == 0 && (st.mode & 0170000) != 0100000)
		r = -EACCES;	/* as execve: only a regular file runs */
	else if (r == 0 && st.size > WRIT_IMAGE_MAX)
		r = -EFBIG;
	else if (r == 0 && st.size == 0)
		r = -ENOEXEC;
	if (r == 0) {
		m.mr[0] = st.size;
		r = writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK ? -EIO : (long)m.mr[0];
	}
	for (uint64_t got = 0; r == 0 && got < st.size;) {
		long n = writ_pread(fd, (char *)WRIT_IMAGE_VADDR + got, st.size - got,
				    (int64_t)got);

		if (n <= 0)
			r = n < 0 ? n : -EIO;	/* it shrank under us */
		else
			got += (uint64_t)n;
	}
	writ_close(fd);
	return r;
}

long
writ_spawn(const char *path, const char *const *argv, const struct writ_spawn_opts *o,
	   writ_cptr_t *child)
{
	static char msg[SCHEME_INLINE];
	struct writ_spawn_hdr h = { 0 };
	struct writ_spawn_cap caps[16];
	const char *const *envp = o && o->envp ? o->envp : (const char *const *)writ_envp;
	struct writ_msg m = { 0 };
	size_t pos, capbytes, total;
	unsigned n = 0;
	writ_cptr_t slot;
	long err;

	if (!o) {
		/* The caller's namespace and standard fds. */
		static struct writ_spawn_opts inherit;

		memset(&inherit, 0, sizeof(inherit));
		writ_spawn_opts_inherit(&inherit);
		for (int fd = 0; fd < 3; fd++)
			if (writ_fd_cap(fd))
				writ_spawn_opts_fd(&inherit, fd, fd);
		o = &inherit;
	}
	if (o->ncaps > 16)
		return -EINVAL;
	memcpy(caps, o->caps, o->ncaps * sizeof(caps[0]));
	n = o->ncaps;
	h.quota_bits = o->quota_bits;
	h.flags = o->flags & (WRIT_SPAWN_CONFINED | WRIT_SPAWN_EXEC);
	h.signals = (o->flags & WRIT_SPAWN_EXEC) ? o->signals : 0;
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
	if (has_scheme(path)) {
		if ((err = read_image(path)) != 0)
			return err;
		h.flags |= WRIT_SPAWN_IMAGE;
	}
	{
		/* header, capabilities, strings: each starts on a word; written straight
		 * into the IPC buffer's message words (SCHEME_DATA_WORD is past the ones in
		 * registers), with the last word's tail cleared */
		uint8_t *body = (uint8_t *)&writ_ipc_buffer()->msg[SCHEME_DATA_WORD];
		size_t off = (sizeof(h) + 7) & ~7ul;

		memset(body, 0, off);
		memcpy(body, &h, sizeof(h));
		memcpy(body + off, caps, n * sizeof(caps[0]));
		memset(body + off + n * sizeof(caps[0]), 0, capbytes - n * sizeof(caps[0]));
		off += capbytes;
		memcpy(body + off, msg, pos);
		off += pos;
		memset(body + off, 0, (8 - off % 8) % 8);
		m.info = writ_msginfo(WRIT_PROC_SPAWN, 0,
				      SCHEME_DATA_WORD + (unsigned)((off + 7) / 8));
	}
	if (!(slot = writ_slot_alloc()))
		return -EMFILE;
	/* init mints the handle into the slot (no transfer, no copy of its own to
	 * delete); the receive slot is for an init that does not. */
	m.mr[0] = slot;
	writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, 64);
	err = writ_call(WRIT_PSLOT_PROC, &m);
	if (err != WRIT_OK || (long)m.mr[0] < 0 ||
	    (writ_msginfo_caps(m.info) != 1 && m.mr[1] != WRIT_SPAWN_HANDLE_PLACED)) {
		writ_slot_free(slot);
		return err != WRIT_OK ? -EIO : (long)m.mr[0] < 0 ? (long)m.mr[0] : -EIO;
	}
	*child = slot;
	return (long)m.mr[0];
}

void
writ_spawn_opts_inherit(struct writ_spawn_opts *o)
{
	const struct writ_startinfo *si = writ_startinfo();
	const unsigned max = sizeof(o->caps) / sizeof(o->caps[0]);

	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS && o->ncaps < max; i++)
		if (writ_startinfo_held(i) && (si->caps[i].kind == WRIT_SCAP_SCHEME ||
		    (si->caps[i].kind == WRIT_SCAP_IOPORT &&
		     strcmp(si->caps[i].name, "serial") == 0))) {
			struct writ_spawn_cap *c = &o->caps[o->ncaps++];

			c->slot = si->caps[i].slot;
			c->kind = si->caps[i].kind;
			c->arg = si->caps[i].arg;
			memcpy(c->name, si->caps[i].name, sizeof(c->name) - 1);
			c->name[sizeof(c->name) - 1] = 0;
		}
}

int
writ_spawn_opts_fd(struct writ_spawn_opts *o, int fd, int child_fd)
{
	struct writ_spawn_cap *c;

	if (!writ_fd_cap(fd))
		return -EBADF;
	if (o->ncaps == sizeof(o->caps) / sizeof(o->caps[0]))
		return -EMFILE;
	c = &o->caps[o->ncaps++];
	*c = (struct writ_spawn_cap){ .slot = (uint32_t)writ_fd_cap(fd), .kind = WRIT_SCAP_FD,
				      .arg = (writ_word_t)child_fd };
	writ_snprintf(c->name, sizeof(c->name), "fd%d", child_fd);
	return 0;
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

long
writ_proc_kill_service(const char *scheme)
{
	struct writ_msg m = { 0 };
	size_t n = strlen(scheme);
	writ_word_t w[4] = { 0, 0, 0, 0 };

	if (n >= sizeof(w))
		return -ENOENT;
	memcpy(w, scheme, n);
	m.mr[0] = n;
	for (unsigned i = 0; i < 4; i++)
		writ_mr_set(SCHEME_DATA_WORD + i, w[i]);
	m.info = writ_msginfo(WRIT_PROC_KILL_SERVICE, 0, SCHEME_DATA_WORD + 4);
	if (writ_call(WRIT_PSLOT_PROC, &m) != WRIT_OK)
		return -EIO;
	return (long)m.mr[0];
}
