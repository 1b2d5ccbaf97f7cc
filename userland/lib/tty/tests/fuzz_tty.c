/*
 * libFuzzer harness (ASan + UBSan) for the line discipline: the input is a script of
 * operations (type a byte, read, write, change a flag or a control character) and
 * after each one the ring's indices keep tail <= canon <= head, at most TTY_BUF bytes
 * held, reads answer within their length. A broken property traps.
 */
#include <stdint.h>
#include <string.h>

#include <tty/tty.h>

static size_t emitted;

static void
emit(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)p;
	emitted += n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tty t;
	uint8_t buf[300];
	uint64_t now = 0, due;

	tty_init(&t, emit, NULL, 24, 80);
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t op = data[i], arg = data[i + 1];
		long n;

		switch (op % 8) {
		case 0:
		case 1:
		case 2:
			tty_input(&t, arg, now);
			break;
		case 3:
			n = tty_read(&t, buf, arg, now > 5 ? now - 5 : 0, now, &due);
			if (n != TTY_READ_WAIT && (n < 0 || n > arg))
				__builtin_trap();
			break;
		case 4:
			emitted = 0;
			tty_write(&t, data, size < arg ? size : arg);
			if (emitted > tty_write_max(size < arg ? size : arg))
				__builtin_trap();
			break;
		case 5: {
			struct writ_termios tio = t.tio;

			tio.c_lflag ^= 1u << (arg % 16);
			tio.c_iflag ^= (arg & 0x80) ? 1u << (arg % 16) : 0;
			tty_setattr(&t, arg % 3, &tio);
			break;
		}
		case 6:
			t.tio.c_cc[arg % TTY_NCCS] = (uint8_t)(arg * 7);
			break;
		default:
			now += arg;
			break;
		}
		if ((uint32_t)(t.canon - t.tail) > (uint32_t)(t.head - t.tail) ||
		    (uint32_t)(t.head - t.tail) > TTY_BUF)
			__builtin_trap();
	}
	return 0;
}
