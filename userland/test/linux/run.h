/* Running a Linux program of the archive with its output caught (run.c). */
#ifndef LX_RUN_H
#define LX_RUN_H

#include <stddef.h>

/*
 * Spawn `path` with argv (its stdin null:, stdout and stderr one pipe) and a quota of
 * 16 MiB; read everything it writes into out (at most cap - 1 bytes, NUL-terminated;
 * *len its length); wait for it. -> its wait status, or -errno from the spawn.
 */
long lx_run(const char *path, const char *const *argv, char *out, size_t cap, size_t *len);
/* The same with an environment of its own (envp NULL: ours) and a quota of 2^quota_bits. */
long lx_run_env(const char *path, const char *const *argv, const char *const *envp,
		unsigned quota_bits, char *out, size_t cap, size_t *len);
/* Print the protocol lines (`ok`, `not ok`, `bench`, `#`) of out[0..len) as our own.
 * -> how many `ok` and `not ok` lines there were. */
void lx_forward(const char *out, size_t len, unsigned *ok, unsigned *not_ok);

#endif
