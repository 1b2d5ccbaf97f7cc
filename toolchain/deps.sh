#!/usr/bin/env bash
# The dependency installer: makes sure every Debian package Writ needs is present.
#   deps.sh          install what is missing (as root), or print the exact apt-get line
#   deps.sh --list   print the package list
# Exit 0 when everything is there, 1 when something is missing and we cannot install it.
set -euo pipefail

# One line per purpose, so the reason for each package stays next to it.
packages=(
  cmake ninja-build gcc libc6-dev make binutils python3   # configure and build
  nasm                                                 # every assembly file
  clang llvm libclang-rt-14-dev                        # host tests: libFuzzer, ASan, UBSan
  grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools   # the hybrid BIOS/UEFI ISO
  qemu-system-x86 ovmf                                 # run and test (ovmf: UEFI firmware)
  musl-tools                                           # user programs (musl-gcc)
  cpio                                                 # the boot archive (toolchain/mkarchive.sh)
  libcapstone-dev                                      # host tools: disassembly in fault reports
  gdb                                                  # ./writ run --gdb
  busybox-static                                       # the shell and tools (/bin/busybox, unchanged)
  graphviz                                             # ./writ captree: captree --dot as a picture
)
# node and npm run the policy oracle (refa). Any node >= 18 will do, so a machine that
# already has one from elsewhere keeps it rather than fighting Debian's package over it.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

if [ "${1:-}" = --list ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "writ: missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "writ: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
