#!/usr/bin/env bash
# Compiles every memfs source as the file server will (musl-gcc, -ffreestanding,
# static, no PIC) and checks that the objects need nothing from outside but the
# mem*/str* basics and malloc/free: a host-only habit (stdio, time, assert) cannot slip
# in. Skipped, saying so, when musl-gcc is not installed.
set -u
src=$1
if ! command -v musl-gcc >/dev/null; then
  echo "ok - file/musl-freestanding # skipped: no musl-gcc"
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
for f in "$src"/src/*.c; do
  if ! musl-gcc -std=gnu11 -Wall -Wextra -Werror -ffreestanding -fno-pic -O2 \
       -I"$src/include" -c "$f" -o "$out/$(basename "$f").o"; then
    fail=1
  fi
done
ld -r -o "$out/all.o" "$out"/*.c.o || fail=1
undef=$(nm -u "$out/all.o" | awk '{print $2}' | sort -u |
        grep -v -E '^(memset|memcpy|memmove|memcmp|memchr|strlen|malloc|free)$')
if [ "$fail" = 0 ] && [ -z "$undef" ]; then
  echo "ok - file/musl-freestanding"
  exit 0
fi
[ -n "$undef" ] && echo "# unexpected external symbols: $undef"
echo "not ok - file/musl-freestanding: the freestanding build failed or needs more"
exit 1
