#include <test/peer.h>
#include <writ/proc.h>
#include <writ/writ.h>

long
test_spawn_peer(const char *mode, int fd3, int fd4, writ_cptr_t *child)
{
	static struct writ_spawn_opts o;
	const char *argv[] = { "/test/bin/pipe-peer", mode, NULL };

	memset(&o, 0, sizeof(o));
	writ_spawn_opts_inherit(&o);
	if (fd3 >= 0)
		writ_spawn_opts_fd(&o, fd3, 3);
	if (fd4 >= 0)
		writ_spawn_opts_fd(&o, fd4, 4);
	return writ_spawn("/test/bin/pipe-peer", argv, &o, child);
}
