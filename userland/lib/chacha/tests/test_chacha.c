/*
 * ChaCha20 against RFC 8439's test vectors (2.1.1 quarter round, 2.3.2 block,
 * 2.4.2 encryption, appendix A.1 blocks 1 to 5), the counter limit, and the
 * generator against a model written here from chacha20_block alone.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chacha/chacha.h>

#define TAP_GROUP "rand/"
#include "../../test/include/test/host_tap.h"

/* Hex with optional spaces and colons -> bytes; returns the count. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
        size_t n = 0;

        while (*s && n < cap) {
                unsigned v;

                if (*s == ' ' || *s == ':' || *s == '\n') {
                        s++;
                        continue;
                }
                sscanf(s, "%2x", &v);
                out[n++] = (uint8_t)v;
                s += 2;
        }
        return n;
}

static void
compare(const char *what, const uint8_t *got, const char *want_hex, size_t n)
{
        uint8_t want[512];

        if (unhex(want_hex, want, sizeof want) != n) {
                tap_fail("%s: test vector has the wrong length", what);
                return;
        }
        for (size_t k = 0; k < n; k++)
                if (got[k] != want[k]) {
                        tap_fail("%s: byte %zu is %02x, want %02x", what, k, got[k], want[k]);
                        return;
                }
}

/* ---- RFC 8439 ---------------------------------------------------------------- */

static void
test_quarter_round(void)
{
        uint32_t a = 0x11111111, b = 0x01020304, c = 0x9b8d6f43, d = 0x01234567;

        tap_begin();
        chacha_quarter_round(&a, &b, &c, &d);
        if (a != 0xea2a92f4 || b != 0xcb1cf8ce || c != 0x4581472e || d != 0x5881c4bb)
                tap_fail("got %08x %08x %08x %08x", a, b, c, d);
        tap_end("rfc8439-2.1.1-quarter-round");
}

static const char key_seq[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void
test_block(void)
{
        uint8_t key[32], nonce[12], out[64];

        tap_begin();
        unhex(key_seq, key, 32);
        unhex("00:00:00:09:00:00:00:4a:00:00:00:00", nonce, 12);
        chacha20_block(key, 1, nonce, out);
        compare("block", out,
                "10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4"
                "c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e"
                "d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2"
                "b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e", 64);
        tap_end("rfc8439-2.3.2-block");
}

static const char sunscreen[] =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
        "the future, sunscreen would be it.";

static const char sunscreen_ct[] =
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
        "5af90bbf74a35be6b40b8eedf2785e42874d";

static void
test_encrypt(void)
{
        uint8_t key[32], nonce[12], ct[128], back[128];
        size_t n = strlen(sunscreen);

        tap_begin();
        unhex(key_seq, key, 32);
        unhex("00:00:00:00:00:00:00:4a:00:00:00:00", nonce, 12);
        if (n != 114)
                tap_fail("plaintext length %zu", n);
        if (chacha20_xor(key, 1, nonce, sunscreen, ct, n) != 0)
                tap_fail("xor refused");
        compare("ciphertext", ct, sunscreen_ct, n);
        chacha20_xor(key, 1, nonce, ct, back, n);
        if (memcmp(back, sunscreen, n))
                tap_fail("decryption does not give the plaintext back");
        /* In place, and in two calls split at a block boundary. */
        memcpy(back, sunscreen, n);
        chacha20_xor(key, 1, nonce, back, back, 64);
        chacha20_xor(key, 2, nonce, back + 64, back + 64, n - 64);
        compare("in place, split", back, sunscreen_ct, n);
        tap_end("rfc8439-2.4.2-encrypt");
}

static const struct {
        const char *key;
        uint32_t counter;
        const char *nonce, *out;
} appendix[] = {
        {"0000000000000000000000000000000000000000000000000000000000000000", 0,
         "000000000000000000000000",
         "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
         "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"},
        {"0000000000000000000000000000000000000000000000000000000000000000", 1,
         "000000000000000000000000",
         "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
         "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f"},
        {"0000000000000000000000000000000000000000000000000000000000000001", 1,
         "000000000000000000000000",
         "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
         "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0"},
        {"00ff000000000000000000000000000000000000000000000000000000000000", 2,
         "000000000000000000000000",
         "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
         "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096"},
        {"0000000000000000000000000000000000000000000000000000000000000000", 0,
         "000000000000000000000002",
         "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
         "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d"},
};

static void
test_appendix(void)
{
        for (size_t k = 0; k < sizeof appendix / sizeof appendix[0]; k++) {
                uint8_t key[32], nonce[12], out[64];
                char name[64];

                tap_begin();
                unhex(appendix[k].key, key, 32);
                unhex(appendix[k].nonce, nonce, 12);
                chacha20_block(key, appendix[k].counter, nonce, out);
                compare("block", out, appendix[k].out, 64);
                snprintf(name, sizeof name, "rfc8439-a.1-block-%zu", k + 1);
                tap_end(name);
        }
}

static void
test_counter_limit(void)
{
        static uint8_t buf[200], key[32], nonce[12];
        uint8_t last[64];

        tap_begin();
        memset(buf, 0xaa, sizeof buf);
        if (chacha20_xor(key, UINT32_MAX, nonce, buf, buf, 65) != EOVERFLOW)
                tap_fail("65 bytes from the last counter accepted");
        for (size_t k = 0; k < sizeof buf; k++)
                if (buf[k] != 0xaa)
                        tap_fail("a refused request wrote byte %zu", k);
        if (chacha20_xor(key, UINT32_MAX, nonce, buf, buf, 64) != 0)
                tap_fail("64 bytes from the last counter refused");
        chacha20_block(key, UINT32_MAX, nonce, last);
        for (size_t k = 0; k < 64; k++)
                if ((buf[k] ^ 0xaa) != last[k])
                        tap_fail("last block differs at %zu", k);
        if (chacha20_xor(key, UINT32_MAX - 2, nonce, buf, buf, 193) != EOVERFLOW ||
            chacha20_xor(key, UINT32_MAX - 2, nonce, buf, buf, 192) != 0 ||
            chacha20_xor(key, 0, nonce, buf, buf, 0) != 0)
                tap_fail("limits near the end of the counter");
        tap_end("counter-limit");
}

/* ---- the generator ----------------------------------------------------------- */

/* The construction, restated from the header's words: used to check the library. */
static void
model_generate(uint8_t key[32], uint8_t *out, size_t n)
{
        static const uint8_t zero[12];
        uint8_t old[32], blk[64];
        uint32_t ctr = 0;
        size_t at = 32;

        memcpy(old, key, 32);
        chacha20_block(old, ctr++, zero, blk);
        memcpy(key, blk, 32);
        while (n--) {
                if (at == 64) {
                        chacha20_block(old, ctr++, zero, blk);
                        at = 0;
                }
                *out++ = blk[at++];
        }
}

static void
test_rng_model(void)
{
        static uint8_t got[300000], want[300000];
        static const size_t sizes[] = {0, 1, 31, 32, 33, 64, 95, 96, 97, 1000, 65536, 65537, 300000};
        struct chacha_rng r;
        uint8_t seed[32], key[32];

        tap_begin();
        for (int k = 0; k < 32; k++)
                seed[k] = (uint8_t)(k * 7 + 3);
        memset(&r, 0, sizeof r);
        if (chacha_rng_generate(&r, got, 10))
                tap_fail("an unseeded generator gave output");
        chacha_rng_seed(&r, seed);
        if (memcmp(r.key, seed, 32) == 0)
                tap_fail("the seed is kept as the key");
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                size_t n = sizes[s];

                memcpy(key, r.key, 32);
                if (!chacha_rng_generate(&r, got, n)) {
                        tap_fail("generate %zu failed", n);
                        continue;
                }
                /* Chunks of CHACHA_RNG_CHUNK bytes, each under a fresh key. */
                for (size_t off = 0; off < n || off == 0; off += CHACHA_RNG_CHUNK) {
                        size_t take = n - off < CHACHA_RNG_CHUNK ? n - off : CHACHA_RNG_CHUNK;

                        model_generate(key, want + off, take);
                        if (n == 0)
                                break;
                }
                if (memcmp(got, want, n) || memcmp(key, r.key, 32))
                        tap_fail("request of %zu bytes differs from the model", n);
        }
        tap_end("rng-matches-model");
}

static void
test_rng_erasure(void)
{
        struct chacha_rng r;
        uint8_t seed[32] = {1}, before[32], out[64], ks[64];
        static const uint8_t zero[12];

        tap_begin();
        chacha_rng_seed(&r, seed);
        memcpy(before, r.key, 32);
        chacha_rng_generate(&r, out, 32);
        /* The new key is the first half of the old key's block, the output its second. */
        chacha20_block(before, 0, zero, ks);
        if (memcmp(r.key, ks, 32) || memcmp(out, ks + 32, 32))
                tap_fail("not fast key erasure");
        /* From the state that is left, nothing already given out appears again. */
        for (uint32_t c = 0; c < 64; c++) {
                chacha20_block(r.key, c, zero, ks);
                for (int k = 0; k + 8 <= 64; k++)
                        if (memcmp(ks + k, out, 8) == 0)
                                tap_fail("old output reproducible from the new key");
        }
        chacha_rng_wipe(&r);
        for (size_t k = 0; k < sizeof r.key; k++)
                if (r.key[k] || r.seeded)
                        tap_fail("wipe left state behind");
        if (chacha_rng_generate(&r, out, 8))
                tap_fail("a wiped generator gave output");
        tap_end("rng-key-erasure");
}

static void
test_rng_mix(void)
{
        struct chacha_rng a, b, c;
        uint8_t seed[32] = {9}, oa[64], ob[64], oc[64];
        uint32_t w1[] = {1, 2, 3, 4}, w2[] = {1, 2, 3, 5}, w3[] = {1, 2, 3, 4, 0, 0};

        tap_begin();
        chacha_rng_seed(&a, seed);
        chacha_rng_seed(&b, seed);
        chacha_rng_generate(&a, oa, 64);
        chacha_rng_generate(&b, ob, 64);
        if (memcmp(oa, ob, 64))
                tap_fail("same seed, different output");
        chacha_rng_mix(&a, w1, 4);
        chacha_rng_mix(&b, w2, 4);
        chacha_rng_generate(&a, oa, 64);
        chacha_rng_generate(&b, ob, 64);
        if (memcmp(oa, ob, 64) == 0)
                tap_fail("one different entropy word made no difference");
        chacha_rng_seed(&a, seed);
        chacha_rng_seed(&c, seed);
        chacha_rng_mix(&a, w1, 4);
        chacha_rng_mix(&c, w3, 6);
        chacha_rng_generate(&a, oa, 64);
        chacha_rng_generate(&c, oc, 64);
        if (memcmp(oa, oc, 64) == 0)
                tap_fail("trailing zero words made no difference");
        if (a.mixed != 4 || c.mixed != 6)
                tap_fail("mixed counts %llu %llu", (unsigned long long)a.mixed,
                    (unsigned long long)c.mixed);
        chacha_rng_seed(&b, seed);
        chacha_rng_mix(&b, w1, 0);
        chacha_rng_generate(&b, ob, 64);
        chacha_rng_seed(&c, seed);
        chacha_rng_generate(&c, oc, 64);
        if (memcmp(ob, oc, 64))
                tap_fail("mixing nothing changed the state");
        tap_end("rng-mix");
}

/* A sanity check of the output's distribution (not a proof of anything). */
static void
test_rng_distribution(void)
{
        static uint8_t buf[1 << 20];
        struct chacha_rng r;
        uint8_t seed[32] = {42};
        double count[256] = {0}, chi = 0, expect = sizeof buf / 256.0;
        uint64_t ones = 0;

        tap_begin();
        chacha_rng_seed(&r, seed);
        for (size_t off = 0; off < sizeof buf; off += 4096)
                chacha_rng_generate(&r, buf + off, 4096);
        for (size_t k = 0; k < sizeof buf; k++) {
                count[buf[k]]++;
                ones += (uint64_t)__builtin_popcount(buf[k]);
        }
        for (int v = 0; v < 256; v++)
                chi += (count[v] - expect) * (count[v] - expect) / expect;
        /* 255 degrees of freedom: p < 1e-6 beyond about 370. */
        if (chi > 370)
                tap_fail("byte chi-square %.1f", chi);
        if (fabs((double)ones - 4.0 * sizeof buf) > 5 * sqrt(2.0 * sizeof buf))
                tap_fail("%llu one bits of %zu", (unsigned long long)ones, 8 * sizeof buf);
        printf("# 1 MiB: chi-square %.1f (255 df), ones %.5f\n", chi,
               (double)ones / (8.0 * sizeof buf));
        tap_end("rng-distribution");
}

int
main(void)
{
        test_quarter_round();
        test_block();
        test_encrypt();
        test_appendix();
        test_counter_limit();
        test_rng_model();
        test_rng_erasure();
        test_rng_mix();
        test_rng_distribution();
        fflush(stdout);
        return tap_failed_total ? 1 : 0;
}
