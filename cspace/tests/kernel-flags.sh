#!/usr/bin/env bash
# Compiles every cspace source the way the kernel build does (gcc, freestanding, no
# red zone, kernel code model, no SSE), so a host-only habit cannot break the kernel.
set -u
src=$1 abi=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
for f in "$src"/src/*.c; do
  if ! gcc -std=gnu11 -Wall -Wextra -Werror -ffreestanding -mno-red-zone -mcmodel=kernel \
       -fno-pic -mgeneral-regs-only -nostdlib -O2 -I"$src/include" -I"$abi" \
       -c "$f" -o "$out/$(basename "$f").o"; then
    fail=1
  fi
done
# The only symbols the objects may need from outside: the env hooks and mem* helpers.
ld -r -o "$out/all.o" "$out"/*.c.o || fail=1
undef=$(nm -u "$out/all.o" | awk '{print $2}' | sort -u |
        grep -v -E '^(cspace_env_(assert_fail|preempt|finalise|released|badge_gone)|memset|memcpy|memmove|memcmp)$')
if [ "$fail" = 0 ] && [ -z "$undef" ]; then
  echo "ok - cspace/kernel-flags-build"
  exit 0
fi
[ -n "$undef" ] && echo "# unexpected external symbols: $undef"
echo "not ok - cspace/kernel-flags-build: gcc freestanding build failed"
exit 1
