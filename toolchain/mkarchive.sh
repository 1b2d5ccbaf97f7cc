#!/bin/sh
# Packs a staged file tree into Writ's boot archive: a cpio `newc` archive
# (userland/lib/archive reads it).
#   mkarchive.sh STAGEDIR OUT.cpio
# Reproducible: names are sorted bytewise, owners are 0:0, every mtime is
# SOURCE_DATE_EPOCH (default 0), inode numbers are renumbered and device numbers
# dropped, so the same tree gives the same bytes. Names are written relative and
# canonical ("sbin/file", never "./sbin/file"); the root itself is not an entry.
# Only regular files, directories and symbolic links may be staged; hard links are
# kept (cpio stores the data once, with the last name).
set -eu
if [ $# -ne 2 ] || [ ! -d "$1" ]; then
  echo "usage: mkarchive.sh STAGEDIR OUT.cpio" >&2
  exit 2
fi
stage=$1 out=$2
if ! command -v cpio >/dev/null 2>&1; then
  echo "mkarchive: needs GNU cpio (toolchain/deps.sh installs it)" >&2
  exit 1
fi
odd=$(find "$stage" -mindepth 1 ! -type f ! -type d ! -type l -print | head -n 3)
if [ -n "$odd" ]; then
  echo "mkarchive: only files, directories and symlinks can be packed, not:" >&2
  echo "$odd" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy, so the stage keeps its times; cp -a keeps hard links and symlinks as they are.
cp -a "$stage" "$tmp/tree"
find "$tmp/tree" -mindepth 1 -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +

flags="--reproducible"
cpio --help 2>/dev/null | grep -q -e '--reproducible' || flags="--ignore-devno --renumber-inodes"
# shellcheck disable=SC2086  # flags is a list of words
(cd "$tmp/tree" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
   cpio -o -H newc -0 -R 0:0 $flags --quiet) >"$tmp/out.cpio"
mv "$tmp/out.cpio" "$out"
