/*
 * Terminal calls on an fd: one scheme op each (scheme.h, "Terminals"), so the Linux
 * personality's ioctl maps TCGETS, TCSETS*, TIOCGWINSZ... onto them one to one.
 */
#include <writ/fd.h>
#include <writ/tty.h>

#include <errno.h>

static long
tty_call(int fd, unsigned op, const writ_word_t *a, unsigned na, const void *out,
	 size_t out_len, void *in, size_t in_len, writ_word_t *res, unsigned nres)
{
	writ_cptr_t cap = writ_fd_cap(fd);

	if (!cap)
		return -EBADF;
	return writ_scheme_call(cap, op, a, na, out, out_len, in, in_len, res, nres);
}

int
writ_tty_getattr(int fd, struct writ_termios *tio)
{
	long r = tty_call(fd, SCHEME_OP_TTY_GETATTR, NULL, 0, NULL, 0, tio, sizeof(*tio),
			  NULL, 0);

	return r < 0 ? (int)r : 0;
}

int
writ_tty_setattr(int fd, unsigned when, const struct writ_termios *tio)
{
	writ_word_t a[1] = { when };

	return (int)tty_call(fd, SCHEME_OP_TTY_SETATTR, a, 1, tio, sizeof(*tio), NULL, 0,
			     NULL, 0);
}

int
writ_tty_getwinsz(int fd, struct writ_winsize *ws)
{
	long r = tty_call(fd, SCHEME_OP_TTY_GETWINSZ, NULL, 0, NULL, 0, ws, sizeof(*ws),
			  NULL, 0);

	return r < 0 ? (int)r : 0;
}

int
writ_tty_setwinsz(int fd, const struct writ_winsize *ws)
{
	return (int)tty_call(fd, SCHEME_OP_TTY_SETWINSZ, NULL, 0, ws, sizeof(*ws), NULL, 0,
			     NULL, 0);
}

long
writ_tty_getpgrp(int fd)
{
	return tty_call(fd, SCHEME_OP_TTY_GETPGRP, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
}

int
writ_tty_setpgrp(int fd, long pgrp)
{
	writ_word_t a[1] = { (writ_word_t)pgrp };

	return (int)tty_call(fd, SCHEME_OP_TTY_SETPGRP, a, 1, NULL, 0, NULL, 0, NULL, 0);
}

long
writ_tty_events(int fd, bool wait, long *pgrp)
{
	writ_word_t a[1] = { wait ? 0 : SCHEME_READ_NOWAIT }, res[1] = { 0 };
	long r = tty_call(fd, SCHEME_OP_TTY_EVENTS, a, 1, NULL, 0, NULL, 0, res, 1);

	if (r >= 0 && pgrp)
		*pgrp = (long)res[0];	/* register 1 */
	return r;
}

bool
writ_isatty(int fd)
{
	struct writ_termios tio;

	return writ_tty_getattr(fd, &tio) == 0;
}
