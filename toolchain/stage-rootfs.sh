#!/bin/sh
# Stages the boot archive's file tree and packs it:
#   stage-rootfs.sh STAGE ROOTFS_SRC OUT.cpio [PROGRAM=/PATH | raw:FILE=/PATH |
#                                               link:TARGET=/PATH]...
# The tree is ROOTFS_SRC (userland/rootfs: /etc/boot.conf, /home, ...) with every
# program copied to its path, without its symbols and debug information; a raw: file is copied
# byte for byte (Debian's busybox stays what Debian ships) and a link: is a symbolic
# link to TARGET.
set -eu
stage=$1 src=$2 out=$3
shift 3
rm -rf "$stage"
mkdir -p "$stage"
cp -a "$src/." "$stage/"
for pair in "$@"; do
  from=${pair%%=*} to=${pair#*=}
  mkdir -p "$stage$(dirname "$to")"
  case $from in
    raw:*) cp "${from#raw:}" "$stage$to"; continue ;;
    link:*) ln -sfn "${from#link:}" "$stage$to"; continue ;;
  esac
  cp "$from" "$stage$to"
  # Symbols and debug information stay in the build's ELF files (crash reports are
  # annotated from those); the archive GRUB loads, and init and file: hold, is a fifth
  # the size without, and every byte of it is GRUB's to read at boot.
  "${STRIP:-strip}" --strip-all "$stage$to"
done
exec "$(dirname "$0")/mkarchive.sh" "$stage" "$out"
