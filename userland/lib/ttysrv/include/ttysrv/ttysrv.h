/*
 * A terminal as a scheme: the console: protocol (scheme.h, "Terminals") over lib/tty's
 * line discipline, for any console driver. The driver supplies the device (where bytes
 * go out, how much room it has, whether it drained) and feeds what arrives through
 * ttysrv_input; this file answers open, read, write, fsync, fstat and the TTY_ ops.
 *
 * Records: 1 is the root policy, 2 the terminal itself, pinned, so that init can mint
 * programs' fds 0, 1 and 2 knowing the badge without calling the server (init is
 * single-threaded and must never wait on a server). Each open makes a record of its
 * own, swept when its last holder is gone. Every record names the one terminal.
 *
 * Locking: everything runs under the server's lock (s.lock): requests by the loop, and
 * the driver's IRQ thread takes it around ttysrv_input and ttysrv_output_moved, then
 * lets go with srv_unlock.
 */
#ifndef TTYSRV_TTYSRV_H
#define TTYSRV_TTYSRV_H

#include <srv/srv.h>
#include <tty/tty.h>

#define TTYSRV_RECORD 2

struct ttysrv_dev {
	/* Bytes the device takes now without waiting. */
	size_t (*room)(void *ctx);
	/* Put n <= room() bytes out (echo may be cut short when there is less). */
	void (*put)(void *ctx, const uint8_t *p, size_t n);
	/* Has everything put left the device? */
	bool (*drained)(void *ctx);
	/* Input time in tenths of a second, for VTIME (NULL: no clock, see ttysrv.c). */
	uint64_t (*now)(void *ctx);
};

struct ttysrv {
	struct srv s;
	struct tty tty;
	const struct ttysrv_dev *dev;
	void *ctx;
	const char *path;               /* what FPATH answers, e.g. "console:" */
	struct srv_waitq readers, writers, drainers, eventers;
	/* The last ^C ^\ ^Z raised while EVENTS waited, for every one of those waiters: a
	 * waiter whose process ended since takes its copy, and the others still get theirs. */
	uint64_t ev_gen;
	unsigned ev_bits;
	int32_t ev_pgrp;
};

/* Make the server `scheme` with its two first records; 0, or -1 (nothing to serve). */
int ttysrv_init(struct ttysrv *ts, const char *scheme, const char *path,
		const struct ttysrv_dev *dev, void *ctx, uint16_t rows, uint16_t cols);
/* A byte from the device (lock held). */
void ttysrv_input(struct ttysrv *ts, uint8_t c);
/* The device made room or drained (lock held): writers and fsyncs look again. */
void ttysrv_output_moved(struct ttysrv *ts);
__attribute__((noreturn)) void ttysrv_run(struct ttysrv *ts);

#endif
