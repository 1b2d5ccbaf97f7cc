/*
 * The terminal layer: one line discipline for every console (the serial line, the
 * screen and keyboard). Pure C with no globals and no system calls, so the drivers
 * link it and host tests run it; a driver owns a struct tty per terminal, feeds it
 * the bytes that arrive (tty_input), writes programs' bytes through it (tty_write),
 * answers reads from it (tty_read), and supplies the function that puts bytes on the
 * device (emit).
 *
 * Model. Input bytes land in one ring, buf[tail, head). [tail, canon) is what a read
 * may take; [canon, head) is the line being edited (canonical mode only; in raw mode
 * canon == head). A byte whose mark says "delimiter" ends a line (newline, EOL, EOL2,
 * or the EOF character, which is marked "eof" too and is never handed to a reader: an
 * EOF at the start of a line makes a read return 0). Overlong lines: one slot always
 * stays free for a delimiter, so a line holds at most TTY_BUF - 1 bytes and the bytes
 * typed past that are dropped (as Linux's N_TTY), while Enter still ends it.
 *
 * Attributes are Linux's (<writ/termios.h>), defaults as a Linux console's: canonical,
 * echo, ICRNL, OPOST|ONLCR, ^C ^\ ^Z ^? ^U ^D. What is served:
 *   iflag  ISTRIP INLCR IGNCR ICRNL IUTF8 (erase takes a whole UTF-8 character)
 *   oflag  OPOST ONLCR OCRNL ONLRET
 *   lflag  ISIG ICANON ECHO ECHOE ECHOK ECHONL NOFLSH ECHOCTL ECHOKE IEXTEN (WERASE,
 *          REPRINT, LNEXT)
 *   cc     INTR QUIT SUSP ERASE KILL EOF EOL EOL2 WERASE REPRINT LNEXT MIN TIME
 * Flow control (IXON/IXOFF), parity and speeds are kept as set but do nothing.
 *
 * Signals. With ISIG, INTR/QUIT/SUSP are not input: they flush the pending input
 * (unless NOFLSH), echo as ^C, and set a bit in `events` (TTY_EV_INT/QUIT/SUSP) that
 * tty_input also returns; the driver hands the bits to whoever waits on TTY_EVENTS
 * (the Linux personality turns them into SIGINT, SIGQUIT, SIGTSTP for the foreground
 * process group `pgrp`).
 *
 * Time. VTIME counts tenths of a second; tty_read and tty_input take the time in those
 * units from the caller (host tests use a fake clock), and tty_read says when a timed
 * read is due so the caller can come back then.
 */
#ifndef TTY_TTY_H
#define TTY_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <writ/termios.h>

#define TTY_BUF 4096                    /* a power of two; Linux's N_TTY buffer */

/* tty_input's answer, beside the TTY_EV_* bits. */
#define TTY_IN_READABLE 0x100u          /* a read that waited may now be answered */

/* tty_read's answer when the read must wait; *due is when to call again (or 0). */
#define TTY_READ_WAIT (-1L)

typedef void tty_emit_fn(void *ctx, const uint8_t *p, size_t n);

struct tty {
	struct writ_termios tio;
	struct writ_winsize ws;
	int32_t pgrp;                   /* the foreground process group (0: none yet) */
	unsigned events;                /* TTY_EV_* raised and not yet taken */
	uint8_t buf[TTY_BUF];
	uint8_t mark[TTY_BUF];          /* TTY_M_* per byte of buf */
	uint32_t tail, canon, head;     /* free-running indices */
	bool lnext;                     /* the next byte is literal (after ^V) */
	unsigned col;                   /* the output column, for erasing tabs */
	unsigned line_col;              /* the column where the edited line began */
	uint64_t last_input;            /* when the last byte came (VTIME's clock) */
	tty_emit_fn *emit;
	void *ctx;
};

/* A terminal in Linux's default state, emitting through emit(ctx, ...). */
void tty_init(struct tty *t, tty_emit_fn *emit, void *ctx, uint16_t rows, uint16_t cols);
/* One byte from the device at time `now`. -> TTY_IN_READABLE and TTY_EV_* bits. */
unsigned tty_input(struct tty *t, uint8_t c, uint64_t now);
/* A program's bytes, through output processing (OPOST...) to emit. */
void tty_write(struct tty *t, const void *p, size_t n);
/* The most bytes tty_write can emit for n bytes of a program (ONLCR doubles). */
static inline size_t tty_write_max(size_t n) { return 2 * n; }
/*
 * A read of up to len bytes that began at time `start`, asked at `now`: the bytes
 * taken (0: end of file in canonical mode, or a raw read's timer ran out), or
 * TTY_READ_WAIT with *due the time to ask again (0: only when input comes).
 */
long tty_read(struct tty *t, void *dst, size_t len, uint64_t start, uint64_t now,
	      uint64_t *due);
/* Bytes a read could take now. */
size_t tty_readable(const struct tty *t);
/* New attributes (TTY_TCSAFLUSH also drops pending input; draining output is the
 * driver's part). -> 0, or -22 (EINVAL) for an unknown `when`. */
int tty_setattr(struct tty *t, unsigned when, const struct writ_termios *tio);
/* Drop all pending input, the edited line too. */
void tty_flush_input(struct tty *t);
/* Take the raised TTY_EV_* bits (and clear them). */
unsigned tty_take_events(struct tty *t);

#endif
