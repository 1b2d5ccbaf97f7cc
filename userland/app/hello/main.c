/*
 * hello: what `./writ run` ends with until there is a shell. It greets through fd 1,
 * then reads lines from the console (fd 0) and says what it read. The console is a
 * terminal in canonical mode (lib/tty): it echoes what is typed and edits the line
 * (backspace, ^U, ^W), and a read returns one whole line; ^D on an empty line ends it.
 * Control bytes in what it read are shown as ^X, so the keys that send escape
 * sequences (arrows, Home, Delete...) can be seen for what they sent.
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

static void
say(const char *s)
{
	writ_write(1, s, strlen(s));
}

int
main(void)
{
	char buf[256];
	long n;

	say("\nHello from Writ! This is /bin/hello, a placeholder for the shell.\n"
	    "Type a line: the terminal edits it (backspace, ^U), hello says what it read;\n"
	    "^D ends it (quit QEMU with Ctrl-A then X).\n"
	    "> ");
	while ((n = writ_read(0, buf, sizeof(buf))) > 0) {
		char shown[2 * sizeof(buf) + 1];
		size_t k = 0;

		if (buf[n - 1] == '\n')
			n--;
		for (long i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c < 0x20 || c == 0x7f) {
				shown[k++] = '^';
				shown[k++] = (char)(c ^ 0x40);
			} else {
				shown[k++] = (char)c;
			}
		}
		shown[k] = 0;
		writ_printf("hello: read '%s'\n> ", shown);
	}
	writ_printf("\nhello: console read ended (%ld)\n", n);
	return n < 0 ? 1 : 0;
}
