"""Booting Writ in QEMU: one place that knows QEMU's command line, ISOs and timeouts.

Every boot here is bounded: a wall-clock timeout kills QEMU's whole process group, so no
QEMU outlives the command that started it. Tests leave QEMU through isa-debug-exit,
which makes QEMU exit with (value << 1) | 1; exit_code() maps that back.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BANNER = "capability microkernel for x86_64"

# kern/include/kern/boot.h
EXIT_PASS, EXIT_FAIL, EXIT_PANIC = 0x10, 0x11, 0x12
EXIT_NAMES = {EXIT_PASS: "pass", EXIT_FAIL: "fail", EXIT_PANIC: "panic"}

# QEMU's `edu` teaching device (PCI 1234:11e8): it raises an MSI on request, so the root
# task's MSI tests use it. Boots that add it say `edu` on the kernel command line, and
# there the root task fails the tests if it does not find the device.
EDU = ["-device", "edu"]

# Every QEMU we started and have not reaped: killed at exit and on SIGTERM/SIGINT, so
# no QEMU outlives the runner even when the runner itself is killed.
_live = set()


def kill_all(*_):
    for pid in list(_live):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def install_reaper():
    import atexit
    atexit.register(kill_all)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: (kill_all(), os._exit(128 + signum)))


OVMF_CANDIDATES = ["/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd",
                   "/usr/share/ovmf/OVMF.fd"]


def ovmf_code():
    for path in OVMF_CANDIDATES:
        if os.path.exists(path):
            return path
    raise RuntimeError("no OVMF firmware found (apt-get install ovmf)")


def make_iso(kernel, out, cmdline="", modules=()):
    """An ISO of `kernel` booting with `cmdline`; modules are (path, cmdline) pairs."""
    args = [os.path.join(ROOT, "bootloader", "mkiso.sh"), kernel, out, cmdline]
    for path, mod_cmdline in modules:
        args.append("%s=%s" % (path, mod_cmdline))
    subprocess.run(args, check=True)
    return out


def accel_args(accel, cpu=None):
    if accel == "kvm":
        return ["-accel", "kvm", "-cpu", cpu or "host"]
    if accel == "tcg-icount":
        return ["-accel", "tcg", "-cpu", cpu or "qemu64", "-icount", "shift=0"]
    return ["-accel", "tcg", "-cpu", cpu or "qemu64"]


def qemu_args(iso, uefi=False, accel="tcg", mem=256, smp=1, serial="stdio", extra=(),
              cpu=None):
    args = ["qemu-system-x86_64", *accel_args(accel, cpu), "-m", "%dM" % mem, "-smp", str(smp),
            "-cdrom", iso, "-boot", "d", "-no-reboot", "-nic", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", serial]
    if uefi:
        args += ["-drive", "if=pflash,format=raw,readonly=on,file=%s" % ovmf_code()]
    return args + list(extra)


def exit_code(status):
    """The value the guest wrote to isa-debug-exit, or None if it did not exit that way."""
    if status is None or status < 0 or status % 2 == 0:
        return None
    return status >> 1


class Boot:
    """The result of one boot: serial log, QEMU's status, timing."""

    def __init__(self, log, status, timed_out, banner_s, wall_s):
        self.log, self.status, self.timed_out = log, status, timed_out
        self.banner_s, self.wall_s = banner_s, wall_s

    @property
    def guest_exit(self):
        return None if self.timed_out else exit_code(self.status)

    def describe(self):
        if self.timed_out:
            return "timed out after %.0f s" % self.wall_s
        code = self.guest_exit
        if code is None:
            return "QEMU exited with status %s, not through isa-debug-exit" % self.status
        return "guest exited with 0x%x (%s)" % (code, EXIT_NAMES.get(code, "?"))


class Monitor:
    """QEMU's human monitor on a unix socket, for reading the machine from outside."""

    def __init__(self, path):
        self.path = path

    def command(self, line):
        """Run one monitor command; return its output once the next prompt appears."""
        import socket
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.path)
            self._until_prompt(s)               # the greeting
            s.sendall(line.encode() + b"\n")
            return self._until_prompt(s)

    @staticmethod
    def _until_prompt(s):
        out = b""
        while not out.rstrip().endswith(b"(qemu)"):
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out.decode("utf-8", "replace")

    def read_phys(self, addr, size, scratch):
        path = os.path.join(scratch, "pmem-%x-%d.bin" % (addr, os.getpid()))
        # Quoted: unquoted, "SIZE /path" parses as a division.
        self.command("pmemsave 0x%x %d \"%s\"" % (addr, size, path))
        for _ in range(50):
            if os.path.exists(path) and os.path.getsize(path) == size:
                break
            time.sleep(0.1)
        data = open(path, "rb").read()
        os.unlink(path)
        return data


# A guest line "# send on COM1: HEX" makes the host type those bytes on the serial line.
SEND_PREFIX = "# send on COM1: "


def boot(iso, timeout, uefi=False, accel="tcg", mem=256, smp=1, until_banner=False,
         on_hold=None, until_line=None, cpu=None, extra=(), type_after=()):
    """Boot `iso` headless; return a Boot. With until_banner, stop QEMU at the banner;
    with until_line, at the first line containing that text (its time in Boot.until_s).

    on_hold(monitor, lines): called when a `hold` test boot waits on COM1; the guest is then
    sent a byte and leaves QEMU through isa-debug-exit as usual. A line starting with
    SEND_PREFIX has the host type the hex bytes after it, and type_after's (TEXT, BYTES)
    pairs type BYTES once a line containing TEXT came. `extra`: more QEMU
    arguments (devices).
    """
    args = qemu_args(iso, uefi=uefi, accel=accel, mem=mem, smp=smp, cpu=cpu, extra=extra)
    tmp = tempfile.mkdtemp(prefix="writ-qemu-")
    monitor = Monitor(os.path.join(tmp, "monitor.sock"))
    args += ["-display", "none", "-monitor",
             "unix:%s,server=on,wait=off" % monitor.path if on_hold else "none"]
    start = time.monotonic()
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    _live.add(proc.pid)
    deadline = start + timeout
    lines, banner_s, until_s, timed_out = [], None, None, False
    os.set_blocking(proc.stdout.fileno(), False)
    buf = b""
    try:
        while True:
            chunk = _read_some(proc, deadline)
            if chunk is None:
                timed_out = time.monotonic() >= deadline
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", "replace").strip("\r")
                lines.append(text)
                if banner_s is None and BANNER in text:
                    banner_s = time.monotonic() - start
                    if until_banner:
                        raise StopIteration
                if until_line and until_s is None and until_line in text:
                    until_s = time.monotonic() - start
                    raise StopIteration
                for want, keys in type_after:
                    if want in text:
                        proc.stdin.write(keys)
                        proc.stdin.flush()
                if text.startswith(SEND_PREFIX):
                    # A guest test asks for keys on COM1 (console input tests).
                    try:
                        proc.stdin.write(bytes.fromhex(text[len(SEND_PREFIX):].strip()))
                        proc.stdin.flush()
                    except (ValueError, OSError):
                        pass
                if on_hold and text.startswith("# holding:"):
                    on_hold(monitor, lines)
                    proc.stdin.write(b"x")
                    proc.stdin.flush()
    except StopIteration:
        pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        status = proc.wait()
        _live.discard(proc.pid)
        shutil.rmtree(tmp, ignore_errors=True)
    if buf:
        lines.append(buf.decode("utf-8", "replace"))
    result = Boot(lines, status, timed_out, banner_s, time.monotonic() - start)
    result.until_s = until_s
    return result


def _read_some(proc, deadline):
    """Bytes from QEMU's output; None at end of output or at the deadline."""
    import select
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            data = proc.stdout.read(65536)
            if not data:
                return None
            return data
        if proc.poll() is not None:
            data = proc.stdout.read(65536)
            return data or None


def kvm_usable(kernel, cache_dir):
    """True when a short probe boot under KVM reaches the banner in time.

    /dev/kvm may exist and still be useless (a nested, emulated KVM where ring 0 runs far
    slower than TCG), so only a real boot decides. The answer is cached per host boot.
    """
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    try:
        boot_id = open("/proc/sys/kernel/random/boot_id").read().strip()
    except OSError:
        boot_id = "unknown"
    cache = os.path.join(cache_dir, "kvm-probe")
    if os.path.exists(cache):
        saved = open(cache).read().split()
        if len(saved) == 2 and saved[0] == boot_id:
            return saved[1] == "yes"
    with tempfile.TemporaryDirectory() as tmp:
        iso = make_iso(kernel, os.path.join(tmp, "probe.iso"), "exit")
        result = boot(iso, timeout=8, accel="kvm", until_banner=True)
    ok = result.banner_s is not None and result.banner_s < 5
    os.makedirs(cache_dir, exist_ok=True)
    with open(cache, "w") as f:
        f.write("%s %s\n" % (boot_id, "yes" if ok else "no"))
    return ok


ANNOTATOR = os.path.join(ROOT, "build", "host", "bin", "writ-annotate")
ANNOTATION = "    = "


def kernel_elf(cfg):
    return os.path.join(ROOT, "build", cfg, "writ.elf")


def annotator_argv(elfs):
    """writ-annotate's command line for these ELFs, or None when it is not built."""
    if not os.access(ANNOTATOR, os.X_OK):
        return None
    argv = [ANNOTATOR, "--root", ROOT]
    for elf in elfs:
        argv += ["--elf", elf]
    return argv


def annotate(lines, elfs):
    """The serial log with fault dumps explained (tests/tools/annotate); lines in, lines out.

    Never raises: without the tool, or if it fails, the log comes back as it was with one
    line saying why, since a missing annotation must not hide the log it would explain.
    """
    argv = annotator_argv(elfs)
    if argv is None:
        return list(lines) + ["# (not annotated: %s is not built)" % ANNOTATOR]
    text = "".join(l + "\n" for l in lines)
    try:
        p = subprocess.run(argv, input=text, capture_output=True, text=True, errors="replace",
                           timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return list(lines) + ["# (not annotated: %s)" % e]
    out = p.stdout.splitlines()
    out += ["# " + l for l in p.stderr.splitlines()]
    if p.returncode != 0:
        out.append("# (writ-annotate exited with status %d)" % p.returncode)
    return out


def have(cmd):
    return shutil.which(cmd) is not None
