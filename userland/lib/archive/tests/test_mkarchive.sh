#!/bin/sh
# Packs a small staged tree with toolchain/mkarchive.sh (GNU cpio) and reads it back
# with the library: files, directories, symlinks, a hard link, an empty file, a
# 255-byte name. Also checks that packing is reproducible and refuses a FIFO.
# usage: test_mkarchive.sh MKARCHIVE CHECK_PACKED
set -u
mk=$1 checker=$2
if ! command -v cpio >/dev/null 2>&1; then
  echo "not ok - archive/mkarchive: GNU cpio is not installed (toolchain/deps.sh)"
  exit 1
fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
s=$t/stage
umask 022
mkdir -p "$s/bin" "$s/etc" "$s/long"
printf '#!prog\n' >"$s/bin/prog"
chmod 755 "$s/bin/prog"
ln -s prog "$s/bin/sh"
printf 'run sh /bin/sh\n' >"$s/etc/boot.conf"
ln "$s/etc/boot.conf" "$s/etc/boot.link"
: >"$s/etc/empty"
chmod 600 "$s/etc/empty"
ln -s /bin/prog "$s/etc/abs"
chmod 750 "$s/etc"
printf '255\n' >"$s/long/$(printf 'x%.0s' $(seq 255))"

fail=0
"$mk" "$s" "$t/a.cpio" || { echo "not ok - archive/mkarchive-pack: mkarchive.sh failed"; exit 1; }
echo "ok - archive/mkarchive-pack"
"$checker" "$t/a.cpio" || fail=1

sleep 1
touch "$s/etc/boot.conf" "$s/bin"
"$mk" "$s" "$t/b.cpio"
if cmp -s "$t/a.cpio" "$t/b.cpio"; then
  echo "ok - archive/mkarchive-reproducible"
else
  echo "not ok - archive/mkarchive-reproducible: new mtimes changed the archive"
  fail=1
fi

mkfifo "$s/etc/fifo"
if "$mk" "$s" "$t/c.cpio" 2>/dev/null; then
  echo "not ok - archive/mkarchive-refuses-fifo: packed a FIFO"
  fail=1
else
  echo "ok - archive/mkarchive-refuses-fifo"
fi
exit $fail
