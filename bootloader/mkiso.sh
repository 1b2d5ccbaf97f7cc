#!/usr/bin/env bash
# usage: mkiso.sh KERNEL.elf OUT.iso [KERNEL COMMAND LINE]
# Builds one hybrid ISO that boots under BIOS (SeaBIOS, or a PC's legacy boot) and UEFI,
# from a CD or from a USB stick it is written to. Only the GRUB modules we use go in, and
# no locales, themes or fonts: 4-5 MB instead of 20, and no slower to boot.
set -euo pipefail
kernel=$1 out=$2 cmdline=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/writ.elf"
sed "s|@CMDLINE@|$cmdline|" "$here/grub.cfg.in" > "$stage/boot/grub/grub.cfg"
modules="multiboot2 normal configfile part_msdos part_gpt iso9660 all_video serial terminal"
grub-mkrescue --output="$out.tmp" --install-modules="$modules" --modules="$modules" \
  --locales= --themes= --fonts= --compress=xz "$stage" >"$stage.log" 2>&1 || {
  cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
mv "$out.tmp" "$out"
