#!/bin/bash
# usage: tests/tools/linux-shell-bench.sh [OUT]
# Issue 23's shell figures on Linux, in the QEMU set-up of ../shared/bench-linux/run.sh
# (TCG, qemu64, -icount shift=0: the guest's TSC counts instructions): Debian's kernel
# boots an initramfs holding Debian's busybox-static (/bin/busybox, as in Writ's boot
# archive) with /bin/sh, ls, seq and true linked to it, and cmdbench
# (userland/bench/cmdbench) as /init, which runs the same `cmdbench --suite` Writ's
# /bench/linux runs. (On Writ, /bin/true is Writ's own userland/app/true, not busybox's:
# each system's /bin/true runs.) Prints the guest's
# lines; with OUT, also keeps them there (tests/linux_shell_bench.txt is such a run).
# Needs: apt-get install -y linux-image-amd64 busybox-static musl-tools cpio qemu-system-x86
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-}
kernel=${KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
[ -n "$kernel" ] && [ -r "$kernel" ] || {
	echo "linux-shell-bench: no kernel in /boot (apt-get install -y linux-image-amd64)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "linux-shell-bench: no /bin/busybox (busybox-static)" >&2; exit 1; }
work=$(mktemp -d /tmp/linux-shell-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/dev" "$work/root/proc" "$work/root/tmp"
musl-gcc -static -O2 -Wall -Wextra -Werror -o "$work/root/init" \
	"$root/userland/bench/cmdbench/cmdbench.c"
cp /bin/busybox "$work/root/bin/busybox"
for a in sh ls seq true; do ln -s busybox "$work/root/bin/$a"; done
(cd "$work/root" && find . -print0 | sort -z | cpio --null -o -H newc --owner=0:0 --quiet) |
	gzip -9 > "$work/initramfs.cpio.gz"
{
	echo "# host: $(qemu-system-x86_64 --version | head -n 1) kernel=$(basename "$kernel")"
	echo "# host: qemu -accel tcg -cpu qemu64 -icount shift=0 -m 256M -smp 1"
	echo "# host: $(dpkg-query -W -f '${Package} ${Version}' busybox-static 2>/dev/null || echo busybox)"
} | tee ${out:+"$out"}
set +e
timeout -k 5 600 qemu-system-x86_64 -accel tcg -cpu qemu64 -icount shift=0 -m 256M -smp 1 \
	-nographic -no-reboot -nic none -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
	-append 'console=ttyS0 quiet panic=-1' -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	</dev/null 2>&1 | tr -d '\r' | grep --line-buffered -E '^(bench |# )' | tee -a ${out:+"$out"}
rc=${PIPESTATUS[0]}
set -e
# /init writes 0 to isa-debug-exit when every figure was taken: QEMU exits with 1
[ "$rc" = 1 ] || { echo "linux-shell-bench: FAILED (qemu exit status $rc)" >&2; exit 1; }
