#!/usr/bin/env bash
# usage: mkiso.sh KERNEL.elf OUT.iso [KERNEL COMMAND LINE [MODULE=MODULE_CMDLINE ...]]
# A MODULE that starts with '(' is a GRUB path read at boot, e.g. (hd0)/exec=exec: the
# file in the cpio (newc) archive QEMU attaches as the first hard disk (`./writ exec`).
# Builds one hybrid ISO that boots under BIOS (SeaBIOS, or a PC's legacy boot) and UEFI,
# from a CD or from a USB stick it is written to. Only the GRUB modules we use go in, and
# no locales, themes or fonts: 4-5 MB instead of 20, and no slower to boot.
set -euo pipefail
kernel=$1 out=$2 cmdline=${3:-}
shift $(( $# < 3 ? $# : 3 ))
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/writ.elf"
mkdir -p "$stage/boot/modules"
modlines=
for m in "$@"; do
  path=${m%%=*} mod_cmdline=${m#*=}
  case $path in
    \(*)   # a GRUB device path, e.g. (hd0)/added.cpio: read at boot, not copied in
      modlines+="\tmodule2 $path $mod_cmdline\n"
      continue ;;
  esac
  name=$(basename "$path")
  cp "$path" "$stage/boot/modules/$name"
  modlines+="\tmodule2 /boot/modules/$name $mod_cmdline\n"
done
sed -e "s|@CMDLINE@|$cmdline|" -e "s|@MODULES@|$modlines|" "$here/grub.cfg.in" \
  > "$stage/boot/grub/grub.cfg"
modules="newc multiboot2 normal configfile part_msdos part_gpt iso9660 all_video serial terminal"
grub-mkrescue --output="$out.tmp" --install-modules="$modules" --modules="$modules" \
  --locales= --themes= --fonts= --compress=xz "$stage" >"$stage.log" 2>&1 || {
  cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
mv "$out.tmp" "$out"
