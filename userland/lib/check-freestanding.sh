#!/bin/sh
# Proves a pure user-space library compiles the way user programs will build it
# (musl-gcc, or gcc, with -ffreestanding) and calls nothing but the few string.h
# functions libwrit's tiny libc provides. Prints one test line.
# usage: check-freestanding.sh TESTNAME NM CC INCLUDE-DIR[:INCLUDE-DIR...] SOURCE...
name=$1 nm=$2 cc=$3 inc=$4
shift 4
allowed="memcpy memset memmove memcmp memchr strlen strcmp strncmp strchr"
o=$(mktemp -d)
trap 'rm -rf "$o"' EXIT
bad=
incs=
for d in $(echo "$inc" | tr : ' '); do incs="$incs -I$d"; done
for src in "$@"; do
  obj="$o/$(basename "$src").o"
  if ! "$cc" -std=gnu11 -ffreestanding -fno-builtin -O2 -Wall -Wextra -Werror \
       $incs -c -o "$obj" "$src"; then
    echo "not ok - $name: $src does not compile freestanding with $cc"
    exit 1
  fi
  for sym in $("$nm" -u "$obj" | awk '{print $2}'); do
    case " $allowed " in
      *" $sym "*) ;;
      *) bad="$bad $sym" ;;
    esac
  done
done
if [ -n "$bad" ]; then
  echo "not ok - $name: calls$bad (allowed: $allowed)"
  exit 1
fi
echo "ok - $name"
