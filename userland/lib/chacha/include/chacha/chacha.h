/*
 * ChaCha20 (RFC 8439) and a random-number generator built on it, for the rand:
 * server and anyone else who needs unpredictable bytes.
 *
 * ChaCha20. A 64-byte block is a function of a 256-bit key, a 32-bit block counter
 * and a 96-bit nonce; encryption XORs the blocks for counter, counter + 1, ... into
 * the data. The counter does not wrap: a request that would need a block past
 * counter 2^32 - 1 is refused.
 *
 * The generator ("fast key erasure"). The state is one 256-bit key. Each request
 * runs ChaCha20 under that key with a zero nonce: the first 32 bytes of keystream
 * become the next key at once, and the bytes after them are the output. The old key
 * is then erased, so someone who reads the state later cannot recompute anything
 * already handed out. Requests above CHACHA_RNG_CHUNK bytes are served a chunk at a
 * time, with a new key per chunk. Entropy is mixed in as ChaCha20's input under the
 * current key (three words per block, in a nonce space the output never uses), and
 * the first 32 bytes of each block become the key.
 *
 * Pure C, no allocation, no globals; the caller owns the state and must serialise
 * its use.
 */
#ifndef CHACHA_CHACHA_H
#define CHACHA_CHACHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHACHA_KEY_SIZE    32
#define CHACHA_NONCE_SIZE  12
#define CHACHA_BLOCK_SIZE  64
#define CHACHA_RNG_CHUNK   65536   /* bytes served per key */

/* One quarter round on four words of the state (RFC 8439, 2.1). */
void chacha_quarter_round(uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d);

/* The ChaCha20 block function (RFC 8439, 2.3): 64 bytes of keystream. */
void chacha20_block(const uint8_t key[CHACHA_KEY_SIZE], uint32_t counter,
                    const uint8_t nonce[CHACHA_NONCE_SIZE], uint8_t out[CHACHA_BLOCK_SIZE]);

/*
 * Encryption and decryption (RFC 8439, 2.4): out = in XOR keystream from block
 * `counter` on. in and out may be the same buffer. Returns 0, or EOVERFLOW (and
 * writes nothing) when len needs a block counter past 2^32 - 1.
 */
int chacha20_xor(const uint8_t key[CHACHA_KEY_SIZE], uint32_t counter,
                 const uint8_t nonce[CHACHA_NONCE_SIZE], const void *in, void *out,
                 size_t len);

struct chacha_rng {
        uint8_t  key[CHACHA_KEY_SIZE];
        uint64_t mixed;         /* entropy words mixed in since seeding (statistics) */
        bool     seeded;
};

/* Seeds from 32 bytes of key material; the caller should erase its copy. */
void chacha_rng_seed(struct chacha_rng *r, const uint8_t seed[CHACHA_KEY_SIZE]);

/* Mixes extra entropy words into the key (e.g. RDSEED values, timer jitter). */
void chacha_rng_mix(struct chacha_rng *r, const uint32_t *words, size_t n);

/*
 * n bytes of output, then a new key. Returns false (and writes nothing) when the
 * generator was never seeded.
 */
bool chacha_rng_generate(struct chacha_rng *r, void *out, size_t n);

/* Erases the state. */
void chacha_rng_wipe(struct chacha_rng *r);

/* Sets n bytes to zero in a way the compiler may not drop as a dead store. */
void chacha_wipe(void *p, size_t n);

#endif
