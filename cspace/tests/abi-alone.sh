#!/usr/bin/env bash
# The ABI header compiles by itself, as strict C11 with every warning an error, under
# the host compiler and under gcc (the kernel's compiler) when it is installed.
set -u
cc=$1 abi=$2 src=$3
fail=0
for c in "$cc" gcc; do
  command -v "$c" >/dev/null || continue
  if ! "$c" -std=c11 -Wall -Wextra -Werror -pedantic -I"$abi" -c "$src" -o /dev/null; then
    echo "# $c: writ/abi.h does not compile alone"
    fail=1
  fi
done
if [ "$fail" = 0 ]; then
  echo "ok - cspace/abi-alone"
  exit 0
fi
echo "not ok - cspace/abi-alone: writ/abi.h does not compile alone"
exit 1
