/*
 * The pipe and cable tests' and benchmark's other process: /test/bin/pipe-peer.
 */
#ifndef TEST_PEER_H
#define TEST_PEER_H

#include <writ/abi.h>

/* Start /test/bin/pipe-peer MODE with this process's schemes and serial line, and
 * fd3, fd4 (either may be -1) as its fds 3 and 4. -> pid or -errno. */
long test_spawn_peer(const char *mode, int fd3, int fd4, writ_cptr_t *child);

#endif
