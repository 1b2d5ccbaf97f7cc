/*
 * chacha_tool KEYHEX COUNTER NONCEHEX LEN: prints LEN bytes of ChaCha20 keystream
 * from block COUNTER as hex (the library's chacha20_xor over zeros). For the
 * OpenSSL oracle test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chacha/chacha.h>

static int
unhex(const char *s, uint8_t *out, size_t n)
{
        if (strlen(s) != 2 * n)
                return -1;
        for (size_t k = 0; k < n; k++) {
                unsigned v;

                if (sscanf(s + 2 * k, "%2x", &v) != 1)
                        return -1;
                out[k] = (uint8_t)v;
        }
        return 0;
}

int
main(int argc, char **argv)
{
        uint8_t key[32], nonce[12], *buf;
        size_t len;

        if (argc != 5 || unhex(argv[1], key, 32) || unhex(argv[3], nonce, 12)) {
                fprintf(stderr, "usage: chacha_tool KEYHEX COUNTER NONCEHEX LEN\n");
                return 2;
        }
        len = strtoul(argv[4], NULL, 0);
        buf = calloc(len + 1, 1);
        if (chacha20_xor(key, (uint32_t)strtoul(argv[2], NULL, 0), nonce, buf, buf, len)) {
                printf("overflow\n");
                return 0;
        }
        for (size_t k = 0; k < len; k++)
                printf("%02x", buf[k]);
        printf("\n");
        free(buf);
        return 0;
}
