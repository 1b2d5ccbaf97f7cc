"""The boot matrix: the machines a PC user might have, stood in for by QEMU.

Each entry boots `./writ run`'s ISO (what a user writes to a USB stick) on one machine
(pc or q35; SeaBIOS or OVMF; a CPU model; 1 or 4 CPUs; 128 MiB or 8 GiB; with or without
a serial port; the ISO as a CD, a USB stick or a SATA disk) and runs a short scripted
session on the shell: over the serial line when there is one, and on the screen with
keys typed through QEMU's monitor (sendkey) and read back through screendump.

Not the whole product of the values: ENTRIES is a covering set (every value at least
once, most pairs of values too); DEFAULT_ENTRIES are the ones `./writ test` runs, the
rest run with `./writ test matrix`.
"""
import collections
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time

from . import qemu, scenarios

Machine = collections.namedtuple(
    "Machine", "machine firmware cpu smp mem serial media")


def describe(m):
    return "%s-%s-%s-smp%d-%s-%s-%s" % (
        m.machine, m.firmware, m.cpu.lower(), m.smp,
        "8g" if m.mem >= 8192 else "%dm" % m.mem,
        "serial" if m.serial else "noserial", m.media)


def media_args(m, iso, scratch):
    """The ISO as the boot medium: CD, USB stick on an xHCI controller, or SATA disk."""
    if m.media == "cd":
        return ["-drive", "if=none,id=boot,media=cdrom,readonly=on,format=raw,file=" + iso,
                "-device", ("ide-cd,drive=boot,bootindex=0" if m.machine == "pc" else
                            "ide-cd,drive=boot,bus=ide.0,bootindex=0")]
    # A disk image is written to; QEMU's snapshot mode keeps the ISO as it was.
    drive = "if=none,id=boot,format=raw,snapshot=on,file=" + iso
    if m.media == "usb":
        return ["-device", "qemu-xhci,id=xhci", "-drive", drive,
                "-device", "usb-storage,bus=xhci.0,drive=boot,bootindex=0"]
    if m.media == "sata":
        bus = "ide.0" if m.machine == "q35" else "ahci.0"
        pre = [] if m.machine == "q35" else ["-device", "ahci,id=ahci"]
        return pre + ["-drive", drive, "-device", "ide-hd,drive=boot,bus=%s,bootindex=0" % bus]
    raise ValueError(m.media)


def qemu_argv(m, iso, scratch, serial_to, monitor_path, icount=False):
    argv = ["qemu-system-x86_64", "-machine", m.machine, "-accel", "tcg", "-cpu", m.cpu,
            "-m", "%dM" % m.mem, "-smp", str(m.smp), "-no-reboot", "-nic", "none",
            "-display", "none", "-monitor", "unix:%s,server=on,wait=off" % monitor_path,
            "-serial", serial_to if m.serial else "none"]
    if icount:
        argv += ["-icount", "shift=0"]
    if m.firmware == "uefi":
        argv += ["-drive", "if=pflash,format=raw,readonly=on,file=%s" % qemu.ovmf_code()]
    return argv + media_args(m, iso, scratch)


# A covering set: each value of each axis at least once, and the risky pairs (UEFI on
# q35, 8 GiB with 4 CPUs, no serial port with each firmware, each medium with each
# firmware) together.
ENTRIES = [
    Machine("pc", "bios", "qemu64", 1, 128, True, "cd"),
    Machine("q35", "uefi", "Nehalem", 4, 8192, False, "usb"),
    Machine("pc", "uefi", "Skylake-Client", 1, 8192, True, "sata"),
    Machine("q35", "bios", "EPYC", 4, 128, False, "sata"),
    Machine("q35", "bios", "max", 1, 8192, True, "usb"),
    Machine("pc", "uefi", "max", 4, 128, True, "cd"),
    Machine("pc", "bios", "Skylake-Client", 4, 128, False, "usb"),
    Machine("q35", "uefi", "qemu64", 1, 128, False, "sata"),
]
# In every `./writ test`: no serial port (the screen gets the shell) from a SATA disk on
# q35, and UEFI on a USB stick with 8 GiB and 4 CPUs.
DEFAULT_ENTRIES = [ENTRIES[3], ENTRIES[1]]


# ---- typing: text to QEMU sendkey names (US layout, PS/2) --------------------------

_SHIFTED = {'!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7', '*': '8',
            '(': '9', ')': '0', '_': 'minus', '+': 'equal', '{': 'bracket_left',
            '}': 'bracket_right', '|': 'backslash', ':': 'semicolon', '"': 'apostrophe',
            '~': 'grave_accent', '<': 'comma', '>': 'dot', '?': 'slash'}
_PLAIN = {' ': 'spc', '-': 'minus', '=': 'equal', '[': 'bracket_left', ']': 'bracket_right',
          '\\': 'backslash', ';': 'semicolon', "'": 'apostrophe', '`': 'grave_accent',
          ',': 'comma', '.': 'dot', '/': 'slash', '\n': 'ret', '\t': 'tab'}


def keys_of(text):
    """The sendkey names that type `text` on a US keyboard."""
    out = []
    for c in text:
        if c.isdigit() or c.islower():
            out.append(c)
        elif c.isupper():
            out.append("shift-" + c.lower())
        elif c in _PLAIN:
            out.append(_PLAIN[c])
        elif c in _SHIFTED:
            out.append("shift-" + _SHIFTED[c])
        else:
            raise ValueError("no key types %r" % c)
    return out


# What the serial line sends for the keys a session presses by name.
SERIAL_KEYS = {"left": b"\x1b[D", "right": b"\x1b[C", "up": b"\x1b[A", "down": b"\x1b[B",
               "ctrl-c": b"\x03", "ctrl-u": b"\x15", "ctrl-e": b"\x05", "ret": b"\r", "backspace": b"\x7f"}


# ---- one machine running ----------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class Vm:
    """One QEMU: the serial line through pipes (when there is one), the monitor through
    one socket kept open, the screen through screendump."""

    def __init__(self, m, iso, scratch, icount=False):
        self.m, self.scratch = m, scratch
        self.out, self.lock = b"", threading.Lock()
        sock = os.path.join(scratch, "mon.sock")
        argv = qemu_argv(m, iso, scratch, "stdio", sock, icount)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        qemu._live.add(self.proc.pid)
        threading.Thread(target=self._pump, daemon=True).start()
        self.mon = None
        for _ in range(100):
            try:
                self.mon = socket.socket(socket.AF_UNIX)
                self.mon.settimeout(20)
                self.mon.connect(sock)
                break
            except OSError:
                self.mon.close()
                self.mon = None
                time.sleep(0.1)
        if self.mon is None:
            raise RuntimeError("QEMU's monitor never came up: %r" % self.serial_text()[-300:])
        self._until_prompt()

    def _pump(self):
        while True:
            data = self.proc.stdout.read1(65536)
            if not data:
                return
            with self.lock:
                self.out += data

    def _until_prompt(self):
        got = b""
        while not got.rstrip().endswith(b"(qemu)"):
            chunk = self.mon.recv(65536)
            if not chunk:
                raise RuntimeError("the monitor closed")
            got += chunk
        return got.decode("utf-8", "replace")

    def command(self, line):
        self.mon.sendall(line.encode() + b"\n")
        return self._until_prompt()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        qemu._live.discard(self.proc.pid)
        if self.mon:
            self.mon.close()

    # the serial line
    def serial_text(self):
        with self.lock:
            return self.out.decode("utf-8", "replace")

    def serial_lines(self):
        return [ANSI.sub("", l) for l in self.serial_text().replace("\r", "").split("\n")]

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    # the keyboard and the screen
    def sendkey(self, key):
        self.command("sendkey %s 20" % key)

    def screen_rows(self):
        """The screen's text: a framebuffer's screendump decoded with the font; in VGA
        text mode (QEMU draws it 720x400 with the VGA card's own font) the text cells
        themselves, read from guest memory."""
        path = os.path.join(self.scratch, "screen.ppm")
        if os.path.exists(path):
            os.unlink(path)
        self.command('screendump "%s"' % path)
        for _ in range(50):
            if os.path.exists(path) and os.path.getsize(path) > 15:
                break
            time.sleep(0.05)
        head = open(path, "rb").read(20).split()
        if head[1:3] == [b"720", b"400"]:
            cells = qemu.Monitor.read_phys(self, 0xb8000, 80 * 25 * 2, self.scratch)
            return [cells[r * 160:(r + 1) * 160:2].decode("latin-1").rstrip("\0 ")
                    for r in range(25)]
        time.sleep(0.1)         # the dump is written whole before we read it
        return scenarios.ppm_text(path)


class Console:
    """Where the shell is: the serial line or the screen. Same verbs for both."""

    def __init__(self, vm, kind):
        self.vm, self.kind = vm, kind

    def lines(self):
        if self.kind == "serial":
            return self.vm.serial_lines()
        try:
            return self.vm.screen_rows()
        except (OSError, IndexError, ValueError):
            return []

    def type(self, text):
        if self.kind == "serial":
            self.vm.send(text.replace("\n", "\r").encode())
            return
        for k in keys_of(text):
            self.vm.sendkey(k)
            time.sleep(0.02)

    def key(self, name):
        if self.kind == "serial":
            self.vm.send(SERIAL_KEYS[name])
        else:
            self.vm.sendkey(name)
            time.sleep(0.02)

    def wait(self, check, deadline):
        """Poll until check(lines) holds; the last lines seen either way."""
        lines = []
        while time.monotonic() < deadline and self.vm.alive():
            lines = self.lines()
            if check(lines):
                return True, lines
            time.sleep(0.2 if self.kind == "serial" else 0.7)
        return False, lines


# ---- the scripted session ---------------------------------------------------------

ASH_PROMPT = re.compile(r"^\S* ?[#$] ?$")


def shell_of(lines):
    """Which program holds the console: 'hello' (/bin/hello, until there is a shell),
    'ash' (busybox's, at its prompt), or None yet."""
    if any("Hello from Writ!" in l for l in lines):
        filled = [l for l in lines if l.strip()]
        return "hello" if filled and filled[-1].startswith(">") else None
    filled = [l for l in lines if l.strip()]
    if filled and ASH_PROMPT.match(filled[-1].rstrip()) and \
            any("Welcome to Writ" in l for l in lines):
        return "ash"
    return None


def has(line):
    return lambda lines: any(l.rstrip() == line for l in lines)


def contains(text):
    return lambda lines: any(text in l for l in lines)


def _hello_read(text):
    return has("hello: read '%s'" % text) if "'" not in text else contains(text)


# Garbage a user could type by accident: every byte but those that signal or end
# input (^C ^D ^Z ^\ ^S ^Q ^O) and but CR/LF, so it stays one line at the prompt; on
# the keyboard, any key but Caps Lock (which would leave what is typed next in capitals).
_SPARED = {0x03, 0x04, 0x1a, 0x1c, 0x13, 0x11, 0x0f, 0x0a, 0x0d}
GARBAGE_KEYS = ["a", "z", "1", "shift-5", "esc", "tab", "backspace", "delete", "insert",
                "home", "end", "pgup", "pgdn", "up", "down", "left", "right", "f1", "f5",
                "f12", "ctrl-a", "ctrl-e", "ctrl-k", "ctrl-w", "ctrl-l", "alt-x", "alt-f4",
                "num_lock", "scroll_lock", "kp_5", "kp_enter", "menu",
                "ctrl-alt-f2", "shift-tab", "sysrq", "pause", "print", "ctrl-shift-z"]


def steps(shell, kind):
    """(name, actions, check) of the session; an action is ('type', TEXT),
    ('key', NAME), ('pause', SECONDS) or ('garbage', N keys or bytes)."""
    ash = shell == "ash"
    out = [("command", [("type", "echo matrix-$((6*7))\n")],
            has("matrix-42") if ash else _hello_read("echo matrix-$((6*7))"))]
    # Line editing: two steps left and a letter put in the middle; the history.
    out.append(("line-editing", [("type", "echo wo"), ("key", "left"), ("key", "left"),
                                 ("type", "t\n")],
                has("two") if ash else _hello_read("echo wo^[[D^[[Dt")))
    out.append(("history", [("key", "up"), ("key", "ret")],
                (lambda ls: sum(l.rstrip() == "two" for l in ls) >= 2) if ash
                else _hello_read("^[[A")))
    out.append(("ctrl-c-at-prompt", [("type", "echo half"), ("key", "ctrl-c"),
                                     ("type", "echo three\n")],
                (lambda ls: has("three")(ls) and not contains("halfecho")(ls)) if ash
                else _hello_read("echo three")))
    # After garbage a user clears the line as a line editor lets them: ^C, ^E ^U (end,
    # kill to the start), then Enter and ^C until the prompt is clean. busybox's line
    # editor, after an Alt+letter (ESC x) among escape sequences, goes on taking the
    # next few keys as part of them, ^C and Enter included: the same bytes over the
    # serial line do the same, as they would on Linux.
    clear = [("key", "ctrl-c"), ("pause", 0.5), ("key", "ctrl-e"), ("key", "ctrl-u"),
             ("pause", 0.5), ("key", "ctrl-e"), ("key", "ctrl-u")]
    for _ in range(4):
        clear += [("pause", 0.5), ("key", "ret"), ("pause", 0.5), ("key", "ctrl-c")]
    out.append(("garbage-then-usable", [("garbage", 300), ("pause", 1)] + clear +
                [("pause", 0.5), ("type", "echo alive-1\n")],
                has("alive-1") if ash else _hello_read("echo alive-1")))
    flood = 1500 if kind == "serial" else 200
    out.append(("key-flood-then-usable", [("type", "x" * flood), ("key", "ctrl-c"),
                                          ("type", "echo alive-2\n")],
                has("alive-2") if ash else _hello_read("echo alive-2")))
    if ash:
        # A program writing escape sequences that are broken, huge or unknown; then
        # the console must still draw what comes next where it belongs. The last one
        # resets the attributes: underline and blink (SGR 4, 5) stay on as on any
        # terminal, and underlined glyphs do not match the font.
        bad = (r"printf '\033[99999999999;99999999999H\033[;;;;;;;;;;;;;;m\033[?\033[1000000000X"
               r"\033[-5A\033]0;title\007\033P\033\\\033[38;5;999m\033[48;2;1;2;3;4;5m"
               r"\033[99999999999999999999L\033[2J\033[Hxyz\033[0m\n'; echo; echo alive-3")
        out.append(("bad-escapes-then-usable", [("type", bad + "\n")], has("alive-3")))
    return out


def run_steps(con, shell, deadline, rng):
    res = []
    for name, actions, check in steps(shell, con.kind):
        for what, arg in actions:
            if what == "type":
                con.type(arg)
            elif what == "key":
                con.key(arg)
            elif what == "pause":
                time.sleep(arg)
            elif what == "garbage":
                if con.kind == "serial":
                    con.vm.send(bytes(b for b in rng.randbytes(arg) if b not in _SPARED))
                else:
                    # Paced: QEMU's PS/2 queue holds 16 bytes, as a keyboard's buffer
                    # does, and drops what comes while it is full; a lost break code
                    # leaves a modifier down. The flood step is the one that floods.
                    for _ in range(arg // 4):
                        con.vm.sendkey(rng.choice(GARBAGE_KEYS))
                        time.sleep(0.1)
                    for mod in ("shift", "ctrl", "alt", "shift_r", "ctrl_r", "alt_r"):
                        con.vm.sendkey(mod)
        ok, lines = con.wait(check, min(deadline, time.monotonic() + 60))
        filled = [l for l in lines if l.strip()]
        res.append((ok, name, "after %s the %s shows %r" % (
            name, con.kind, filled[-8:])))
        if not ok:
            break
    return res


def matrix_boot(ctx, m, prefix="matrix"):
    """Boot `./writ run`'s ISO on machine m; the short session on its console."""
    iso = os.path.join(qemu.ROOT, "build", "release", "writ.iso")
    name = "%s/%s" % (prefix, describe(m))
    scratch = tempfile.mkdtemp(prefix="writ-matrix-", dir=ctx.scratch)
    # The prompt comes after 3 s (BIOS) or 12 s (OVMF) on an idle machine; the rest of
    # the session takes under 40 s.
    timeout = 180 if m.firmware == "uefi" else 90
    deadline = time.monotonic() + timeout
    res, log = [], []
    vm = None
    try:
        vm = Vm(m, iso, scratch)
        con = Console(vm, "serial" if m.serial else "screen")
        ok, lines = con.wait(lambda ls: shell_of(ls) is not None, deadline)
        deadline += 120
        shell = shell_of(lines)
        res.append((ok, name + "-prompt", "no prompt on the %s within %d s; it shows %r"
                    % (con.kind, timeout, [l for l in lines if l.strip()][-8:])))
        if ok:
            log.append("# prompt on the %s after %.1f s (%s)" % (
                con.kind, time.monotonic() - vm.started, shell))
            rng = random.Random(describe(m))
            res += [(ok_, "%s-%s" % (name, tag), why)
                    for ok_, tag, why in run_steps(con, shell, deadline, rng)]
        if m.serial:
            # The screen shows the kernel's log too: the display works on this machine.
            rows = Console(vm, "screen").lines()
            res.append((any(qemu.BANNER in r for r in rows), name + "-screen-drawn",
                        "no banner on the screen: %r" % [r for r in rows if r][:4]))
    except Exception as e:      # noqa: BLE001: a broken boot is a failure, with why
        res.append((False, name + "-session", "error: %r" % e))
    finally:
        if vm:
            vm.stop()
            log = vm.serial_text().replace("\r", "").split("\n") + log
        shutil.rmtree(scratch, ignore_errors=True)
    return res, qemu.Boot(log, vm.proc.returncode if vm else None, False, None, 0)


def scenarios_list():
    """(group, name, function, config) for tests/vm/scenarios.py: every entry in the
    `matrix` group, the default ones also in the default run."""
    out = []
    for m in ENTRIES:
        group = "matrix+screen+console" if m in DEFAULT_ENTRIES else "matrix"
        out.append((group, "matrix-" + describe(m),
                    lambda ctx, m=m: matrix_boot(ctx, m), "release"))
    return out


# ---- figures (./writ bench) -------------------------------------------------------

BENCH_MACHINE = Machine("pc", "bios", "qemu64", 1, 256, True, "cd")
ECHO_KEYS = 21


def echo_bench_archive(ctx):
    """./writ run's archive with both consoles' drivers told to time their echoes."""
    src = os.path.join(qemu.ROOT, "userland", "rootfs", "etc", "boot.conf")
    # The serial driver's own prints go nowhere: it puts its figures on the line itself.
    conf = "".join(l.rstrip("\n") + " env=WRIT_ECHO_BENCH=self\n"
                   if l.startswith("driver serial ") else
                   l.rstrip("\n") + " env=WRIT_ECHO_BENCH=log\n"
                   if l.startswith("driver pccon ") else l for l in open(src))
    return scenarios.archive_with_conf(ctx, "release", "echo-bench", conf)


def bench_key_to_echo(ctx, report):
    """Instructions from a key's arrival at the console driver to the end of its echo's
    output, under -icount: the shell on the serial line, then (console=screen) on the
    screen. Medians of ECHO_KEYS keys, each typed once the last one's echo came.
    report(name, value, unit, accel) prints a figure."""
    mods = [(os.path.join(qemu.ROOT, "build", "release", "init-run.elf"), "init"),
            (echo_bench_archive(ctx), "archive")]
    pat = re.compile(r"(\w+): key-to-echo (\d+)")
    ok = True
    for where, cmdline in (("console", ""), ("screen", "console=screen")):
        scratch = tempfile.mkdtemp(prefix="writ-echo-", dir=ctx.scratch)
        vm = Vm(BENCH_MACHINE, ctx.iso("release", cmdline, mods), scratch, icount=True)
        con = Console(vm, "serial" if where == "console" else "screen")
        press = (lambda: vm.send(b"a")) if where == "console" else (lambda: vm.sendkey("a"))
        try:
            if not con.wait(lambda ls: shell_of(ls) is not None, time.monotonic() + 180)[0]:
                print("# the %s echo benchmark boot reached no prompt" % where)
                ok = False
                continue
            time.sleep(1)       # the prompt's own output is not an echo
            got = []
            for _ in range(ECHO_KEYS):
                seen = len(pat.findall(vm.serial_text()))
                press()
                end = time.monotonic() + 20
                while time.monotonic() < end and len(pat.findall(vm.serial_text())) == seen:
                    time.sleep(0.05)
            got = [int(n) for w, n in pat.findall(vm.serial_text()) if w == where]
            if len(got) < ECHO_KEYS:
                print("# only %d echo figures from %s" % (len(got), where))
                ok = False
                continue
            name = "serial" if where == "console" else "screen"
            report("console/%s-key-to-echo" % name, "%.0f" % statistics.median(got[-ECHO_KEYS:]),
                   "instructions", "tcg-icount")
        finally:
            vm.stop()
            shutil.rmtree(scratch, ignore_errors=True)
    return ok


def _time_to(vm, check, limit):
    """Seconds from QEMU's start until check(serial text) holds (None: not by limit)."""
    end = vm.started + limit
    while time.monotonic() < end and vm.alive():
        if check(vm.serial_text()):
            return time.monotonic() - vm.started
        time.sleep(0.01)
    return None


def bench_boot_to_prompt(ctx, report):
    """QEMU start to the shell's prompt on the serial line (./writ run's ISO), beside
    the GRUB floor measured the same way: QEMU start to the kernel's banner when GRUB
    loads the kernel alone and the kernel stops there. Runs alternate, so both see the
    same load on the machine; medians, plain TCG (wall clock: compare only the two)."""
    floor_iso = ctx.iso("release", "exit")
    run_iso = os.path.join(qemu.ROOT, "build", "release", "writ.iso")
    at_prompt = lambda text: shell_of(text.replace("\r", "").split("\n")) is not None
    at_banner = lambda text: qemu.BANNER in text
    for fw, runs in (("bios", 7), ("uefi", 3)):
        m = BENCH_MACHINE._replace(firmware=fw)
        floor, prompt = [], []
        for _ in range(runs):
            for iso, check, out in ((floor_iso, at_banner, floor), (run_iso, at_prompt, prompt)):
                scratch = tempfile.mkdtemp(prefix="writ-boot-", dir=ctx.scratch)
                vm = Vm(m, iso, scratch)
                try:
                    took = _time_to(vm, check, 120)
                finally:
                    vm.stop()
                    shutil.rmtree(scratch, ignore_errors=True)
                if took is None:
                    print("# %s: no %s within 120 s" % (fw, "banner" if out is floor else "prompt"))
                    return False
                out.append(took * 1000)
        f, p = statistics.median(floor), statistics.median(prompt)
        report("boot/%s-grub-floor" % fw, "%.0f" % f, "ms", "tcg")
        report("boot/%s-qemu-start-to-prompt" % fw, "%.0f" % p, "ms", "tcg")
        report("boot/%s-prompt-over-floor" % fw, "%.2f" % (p / f), "x", "tcg")
    return True
