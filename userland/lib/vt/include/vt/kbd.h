/*
 * A PS/2 keyboard's scan codes (set 1: what an i8042 with translation on hands over,
 * as PC firmware leaves it and QEMU gives) to the bytes a Linux console sends for
 * each key, US layout: letters and symbols with Shift and Caps Lock, Ctrl-letter as
 * the control character, Alt as an ESC prefix, Enter as CR, Backspace as DEL, and
 *   arrows  ESC [ A/B/C/D        Home/End  ESC [ 1~ / 4~     Insert/Delete ESC [ 2~ / 3~
 *   PgUp/Dn ESC [ 5~ / 6~        F1-F5     ESC [ [ A..E      F6-F12 ESC [ 17~ .. 24~
 * The keypad works as with Num Lock off (its digits move the cursor), but for / * - +
 * and Enter. Pure C, no globals: the state (modifiers, prefixes) is the caller's.
 */
#ifndef VT_KBD_H
#define VT_KBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KBD_OUT_MAX 8

struct kbd {
	bool lshift, rshift, lctrl, rctrl, lalt, ralt, caps;
	bool e0;                        /* the last byte was the 0xE0 prefix */
	uint8_t skip;                   /* bytes of a Pause sequence (0xE1 ...) still to come */
};

/* One byte from the keyboard: the bytes the key sends (at most KBD_OUT_MAX), or 0. */
size_t kbd_scancode(struct kbd *k, uint8_t sc, uint8_t out[KBD_OUT_MAX]);

#endif
