/*
 * Terminal attributes as the console: scheme carries them (SCHEME_OP_TTY_*, scheme.h):
 * Linux's layout and values exactly, so the Linux personality answers TCGETS, TCSETS,
 * TIOCGWINSZ... by copying these structures as they are.
 *
 * struct writ_termios is the kernel's `struct termios` (what the TCGETS ioctl fills:
 * 19 control characters, no speed fields, 36 bytes), not glibc's or musl's larger user
 * structure, whose first 36 bytes it is. The names carry a TTY_ prefix so this header
 * can sit beside a C library's <termios.h>.
 *
 * Pure: only <stdint.h>, so lib/tty's host tests include it too.
 */
#ifndef WRIT_TERMIOS_H
#define WRIT_TERMIOS_H

#include <stdint.h>

#define TTY_NCCS 19

struct writ_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[TTY_NCCS];
};

struct writ_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

_Static_assert(sizeof(struct writ_termios) == 36, "Linux's struct termios (TCGETS)");
_Static_assert(sizeof(struct writ_winsize) == 8, "Linux's struct winsize");

/* c_cc indices */
#define TTY_VINTR    0
#define TTY_VQUIT    1
#define TTY_VERASE   2
#define TTY_VKILL    3
#define TTY_VEOF     4
#define TTY_VTIME    5
#define TTY_VMIN     6
#define TTY_VSWTC    7
#define TTY_VSTART   8
#define TTY_VSTOP    9
#define TTY_VSUSP   10
#define TTY_VEOL    11
#define TTY_VREPRINT 12
#define TTY_VDISCARD 13
#define TTY_VWERASE 14
#define TTY_VLNEXT  15
#define TTY_VEOL2   16

/* c_iflag */
#define TTY_IGNBRK  0000001
#define TTY_BRKINT  0000002
#define TTY_ISTRIP  0000040
#define TTY_INLCR   0000100
#define TTY_IGNCR   0000200
#define TTY_ICRNL   0000400
#define TTY_IXON    0002000
#define TTY_IMAXBEL 0020000
#define TTY_IUTF8   0040000

/* c_oflag */
#define TTY_OPOST   0000001
#define TTY_ONLCR   0000004
#define TTY_OCRNL   0000010
#define TTY_ONOCR   0000020
#define TTY_ONLRET  0000040

/* c_cflag */
#define TTY_B38400  0000017
#define TTY_CS8     0000060
#define TTY_CREAD   0000200
#define TTY_HUPCL   0002000

/* c_lflag */
#define TTY_ISIG    0000001
#define TTY_ICANON  0000002
#define TTY_ECHO    0000010
#define TTY_ECHOE   0000020
#define TTY_ECHOK   0000040
#define TTY_ECHONL  0000100
#define TTY_NOFLSH  0000200
#define TTY_TOSTOP  0000400
#define TTY_ECHOCTL 0001000
#define TTY_ECHOKE  0004000
#define TTY_IEXTEN  0100000

/* SETATTR's `when` (Linux's tcsetattr actions: TCSETS, TCSETSW, TCSETSF). */
#define TTY_TCSANOW   0
#define TTY_TCSADRAIN 1
#define TTY_TCSAFLUSH 2

/* What TTY_EVENTS answers: the signals the line discipline raised for the foreground
 * process group (one bit each; the personality sends SIGINT, SIGQUIT, SIGTSTP). */
#define TTY_EV_INT  1u
#define TTY_EV_QUIT 2u
#define TTY_EV_SUSP 4u

#endif
