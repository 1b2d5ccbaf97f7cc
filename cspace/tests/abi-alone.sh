#!/usr/bin/env bash
# The ABI header compiles by itself, as strict C11, with every warning an error.
set -u
cc=$1 abi=$2 src=$3
if "$cc" -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$abi" "$src"; then
  echo "ok - cspace/abi-alone"
  exit 0
fi
echo "not ok - cspace/abi-alone: writ/abi.h does not compile alone"
exit 1
