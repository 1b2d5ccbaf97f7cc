/*
 * ChaCha20 from RFC 8439's description, and the fast-key-erasure generator; the
 * model is in <chacha/chacha.h>.
 *
 * The state is sixteen 32-bit words: four constants ("expand 32-byte k"), eight key
 * words, the block counter, three nonce words, all read little-endian. Twenty rounds
 * alternate column and diagonal quarter rounds; the input state is then added back
 * word by word (without that addition the block function could be run backwards),
 * and the words are written out little-endian.
 *
 * Everything secret that passes through a local (keystream blocks, old keys) is
 * erased with chacha_wipe() before the function returns, so the generator's promise
 * (past output cannot be recovered from its state) is not broken by a stack copy.
 */
#include <errno.h>
#include <string.h>

#include <chacha/chacha.h>

static uint32_t
rotl(uint32_t v, unsigned n)
{
        return v << n | v >> (32 - n);
}

static uint32_t
load32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
               (uint32_t)p[3] << 24;
}

static void
store32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
}

void
chacha_wipe(void *p, size_t n)
{
        volatile uint8_t *v = p;

        while (n--)
                *v++ = 0;
}

void
chacha_quarter_round(uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
        *a += *b;
        *d = rotl(*d ^ *a, 16);
        *c += *d;
        *b = rotl(*b ^ *c, 12);
        *a += *b;
        *d = rotl(*d ^ *a, 8);
        *c += *d;
        *b = rotl(*b ^ *c, 7);
}

static void
qr(uint32_t *x, int a, int b, int c, int d)
{
        chacha_quarter_round(&x[a], &x[b], &x[c], &x[d]);
}

void
chacha20_block(const uint8_t key[CHACHA_KEY_SIZE], uint32_t counter,
               const uint8_t nonce[CHACHA_NONCE_SIZE], uint8_t out[CHACHA_BLOCK_SIZE])
{
        uint32_t in[16], x[16];

        in[0] = 0x61707865;
        in[1] = 0x3320646e;
        in[2] = 0x79622d32;
        in[3] = 0x6b206574;
        for (int k = 0; k < 8; k++)
                in[4 + k] = load32(key + 4 * k);
        in[12] = counter;
        for (int k = 0; k < 3; k++)
                in[13 + k] = load32(nonce + 4 * k);
        memcpy(x, in, sizeof x);
        for (int round = 0; round < 10; round++) {
                qr(x, 0, 4, 8, 12);
                qr(x, 1, 5, 9, 13);
                qr(x, 2, 6, 10, 14);
                qr(x, 3, 7, 11, 15);
                qr(x, 0, 5, 10, 15);
                qr(x, 1, 6, 11, 12);
                qr(x, 2, 7, 8, 13);
                qr(x, 3, 4, 9, 14);
        }
        for (int k = 0; k < 16; k++)
                store32(out + 4 * k, x[k] + in[k]);
        chacha_wipe(in, sizeof in);
        chacha_wipe(x, sizeof x);
}

int
chacha20_xor(const uint8_t key[CHACHA_KEY_SIZE], uint32_t counter,
             const uint8_t nonce[CHACHA_NONCE_SIZE], const void *in, void *out, size_t len)
{
        const uint8_t *src = in;
        uint8_t *dst = out, ks[CHACHA_BLOCK_SIZE];
        uint64_t blocks = len / CHACHA_BLOCK_SIZE + (len % CHACHA_BLOCK_SIZE != 0);

        /* Blocks counter .. counter + blocks - 1 must all exist. */
        if (blocks > (uint64_t)UINT32_MAX - counter + 1)
                return EOVERFLOW;
        while (len) {
                size_t n = len < CHACHA_BLOCK_SIZE ? len : CHACHA_BLOCK_SIZE;

                chacha20_block(key, counter++, nonce, ks);
                for (size_t k = 0; k < n; k++)
                        dst[k] = src[k] ^ ks[k];
                src += n;
                dst += n;
                len -= n;
        }
        chacha_wipe(ks, sizeof ks);
        return 0;
}

/* ---- the generator ----------------------------------------------------------- */

/*
 * Nonce spaces: output uses the zero nonce; mixing puts this tag in the first
 * nonce word, so no mixing block is ever an output block under the same key.
 */
#define MIX_TAG 0x0078696du     /* "mix" */

/* key := first half of ChaCha20(key, w0, (MIX_TAG, w1, w2)). */
static void
mix_block(struct chacha_rng *r, uint32_t w0, uint32_t w1, uint32_t w2)
{
        uint8_t nonce[CHACHA_NONCE_SIZE], blk[CHACHA_BLOCK_SIZE];

        store32(nonce, MIX_TAG);
        store32(nonce + 4, w1);
        store32(nonce + 8, w2);
        chacha20_block(r->key, w0, nonce, blk);
        memcpy(r->key, blk, CHACHA_KEY_SIZE);
        chacha_wipe(blk, sizeof blk);
        chacha_wipe(nonce, sizeof nonce);
}

void
chacha_rng_seed(struct chacha_rng *r, const uint8_t seed[CHACHA_KEY_SIZE])
{
        memcpy(r->key, seed, CHACHA_KEY_SIZE);
        /* The stored key is never the caller's seed itself. */
        mix_block(r, 0, 0, 0);
        r->mixed = 0;
        r->seeded = true;
}

void
chacha_rng_mix(struct chacha_rng *r, const uint32_t *words, size_t n)
{
        for (size_t k = 0; k < n; k += 3) {
                uint32_t w[3] = {0, 0, 0};

                for (size_t i = 0; i < 3 && k + i < n; i++)
                        w[i] = words[k + i];
                /* The block count keeps short tails distinct from zero words. */
                mix_block(r, w[0], w[1] ^ (uint32_t)(n - k), w[2]);
                chacha_wipe(w, sizeof w);
        }
        r->mixed += n;
}

/* One chunk: the first 32 bytes of keystream are the next key, then n bytes out. */
static void
generate_chunk(struct chacha_rng *r, uint8_t *out, size_t n)
{
        static const uint8_t zero_nonce[CHACHA_NONCE_SIZE];
        uint8_t key[CHACHA_KEY_SIZE], blk[CHACHA_BLOCK_SIZE];
        size_t take = n < CHACHA_BLOCK_SIZE - CHACHA_KEY_SIZE ? n
                                                              : CHACHA_BLOCK_SIZE - CHACHA_KEY_SIZE;
        uint32_t counter = 1;

        memcpy(key, r->key, CHACHA_KEY_SIZE);
        chacha20_block(key, 0, zero_nonce, blk);
        memcpy(r->key, blk, CHACHA_KEY_SIZE);
        memcpy(out, blk + CHACHA_KEY_SIZE, take);
        out += take;
        n -= take;
        while (n) {
                take = n < CHACHA_BLOCK_SIZE ? n : CHACHA_BLOCK_SIZE;
                chacha20_block(key, counter++, zero_nonce, blk);
                memcpy(out, blk, take);
                out += take;
                n -= take;
        }
        chacha_wipe(key, sizeof key);
        chacha_wipe(blk, sizeof blk);
}

bool
chacha_rng_generate(struct chacha_rng *r, void *out, size_t n)
{
        uint8_t *dst = out;

        if (!r->seeded)
                return false;
        do {
                size_t take = n < CHACHA_RNG_CHUNK ? n : CHACHA_RNG_CHUNK;

                generate_chunk(r, dst, take);
                dst += take;
                n -= take;
        } while (n);
        return true;
}

void
chacha_rng_wipe(struct chacha_rng *r)
{
        chacha_wipe(r, sizeof *r);
}
