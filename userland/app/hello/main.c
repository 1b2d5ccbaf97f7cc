/*
 * hello: what `./writ run` ends with until there is a shell. It greets through fd 1,
 * then echoes what is typed on the console (fd 0), byte for byte: console: hands over
 * raw bytes, so a carriage return (what a terminal's Enter sends) is echoed as a new
 * line.
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
	char buf[128];
	long n;

	say("\nHello from Writ! This is /bin/hello, a placeholder for the shell.\n"
	    "Type something: it comes back through console: (quit QEMU with Ctrl-A then X).\n"
	    "> ");
	while ((n = writ_read(0, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\r' || buf[i] == '\n')
				say("\n> ");
			else if (buf[i] == 0x7f || buf[i] == '\b')
				say("\b \b");
			else
				writ_write(1, &buf[i], 1);
		}
	}
	writ_printf("hello: console read ended (%ld)\n", n);
	return n < 0 ? 1 : 0;
}
