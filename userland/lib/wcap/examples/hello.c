/* A newcomer's first Writ app: keep a read-only view of /home/yoric, give up every
 * other capability, read through the view, and fail to open anything else.
 *   ./writ cc userland/lib/wcap/examples/hello.c -o hello
 *   ./writ exec --add hello -- /hello                                            */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <writ/cap.h>

int
main(void)
{
	int home = wcap_weaken(WCAP_NS, "file:/home/yoric/**:r");    /* a policy fd */
	int keep[] = { 1, home };                                      /* stdout, the view */
	char buf[128];

	wcap_enter(keep, 2);                                           /* nothing else, for good */
	int fd = openat(home, "home/yoric/readme.txt", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf));
	fwrite(buf, 1, n > 0 ? (size_t)n : 0, stdout);
	printf("open /etc/boot.conf: %s\n", open("/etc/boot.conf", O_RDONLY) < 0 ? "denied" : "opened");
	return 0;
}
