/*
 * Terminals: the attributes of a console fd (scheme.h, "Terminals"). Each call is one
 * scheme op and answers 0 (or the value) or -errno: -ENOTTY on an fd that is no
 * terminal, -EBADF on no fd.
 * Example (raw mode, a byte per read, no echo):
 *   struct writ_termios t;
 *   writ_tty_getattr(0, &t);
 *   t.c_lflag &= ~(TTY_ICANON | TTY_ECHO);
 *   t.c_cc[TTY_VMIN] = 1; t.c_cc[TTY_VTIME] = 0;
 *   writ_tty_setattr(0, TTY_TCSANOW, &t);
 */
#ifndef WRIT_TTY_H
#define WRIT_TTY_H

#include <stdbool.h>

#include <writ/termios.h>

int writ_tty_getattr(int fd, struct writ_termios *tio);
/* when: TTY_TCSANOW, TTY_TCSADRAIN (after the output left), TTY_TCSAFLUSH (and drop
 * pending input). */
int writ_tty_setattr(int fd, unsigned when, const struct writ_termios *tio);
int writ_tty_getwinsz(int fd, struct writ_winsize *ws);
int writ_tty_setwinsz(int fd, const struct writ_winsize *ws);
/* The foreground process group (0: none set), or -errno. */
long writ_tty_getpgrp(int fd);
int writ_tty_setpgrp(int fd, long pgrp);
/* The TTY_EV_* signals typed since the last call (waiting for one if `wait`), and in
 * *pgrp the foreground group they are for. */
long writ_tty_events(int fd, bool wait, long *pgrp);
/* Example: `if (writ_isatty(1)) ...` */
bool writ_isatty(int fd);

#endif
