#!/usr/bin/env python3
"""Tests for writ-annotate: prints `ok - PREFIX-name` or `not ok - PREFIX-name: why` per check.

The fault dumps are made up at test time from the tiny test ELFs' `nm` addresses (the
template is testdata/crash-dump.log.in), so the expected function, file:line and faulting
instruction are known exactly: line numbers come from marker comments in testdata/*.c.
testdata/kernel-pf.log is a real serial log of a `fault=pf` boot, recorded once; its
kernel addresses lie outside the test ELFs. Malformed input (noise, cut-off dumps,
missing and corrupt ELFs) must pass through unchanged and never crash the tool.
"""
import argparse
import os
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "testdata")
ANNOT = "    = "

failures = 0
args = None


def check(ok, name, why=""):
    global failures
    if ok:
        print("ok - %s-%s" % (args.prefix, name), flush=True)
    else:
        failures += 1
        print("not ok - %s-%s: %s" % (args.prefix, name, why), flush=True)


def symbols(elf):
    out = subprocess.run([args.nm, elf], check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def marker_line(path, marker):
    for n, line in enumerate(open(path), 1):
        if "/* %s */" % marker in line:
            return n
    raise RuntimeError("no marker %r in %s" % (marker, path))


def fill(template, syms):
    """Replaces @sym@ and @sym+N@ with the 16-digit address."""
    def sub(m):
        return "%016x" % (syms[m.group(1)] + int(m.group(2) or 0))
    return re.sub(r"@(\w+)(?:\+(\d+))?@", sub, template)


def run(log, elfs=(), extra=(), stdin=True, timeout=60):
    """Runs the tool; returns (status, stdout bytes, stderr text). status < 0: a signal."""
    argv = [args.tool] + [a for e in elfs for a in ("--elf", e)] + ["--root", args.root]
    argv += list(extra)
    data = log.encode() if isinstance(log, str) else log
    p = subprocess.run(argv, input=data if stdin else None, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def without_annotations(out):
    return [l for l in out.splitlines() if not l.startswith(ANNOT.encode())]


def passes_through(log, out):
    data = log.encode() if isinstance(log, str) else log
    return data.splitlines() == without_annotations(out)


def status_why(rc, err):
    if rc < 0:
        return "killed by signal %d; stderr: %s" % (-rc, err[-300:])
    return "exit status %d; stderr: %s" % (rc, err[-300:])


def annotations_after(out, prefix):
    """The annotation lines that follow the first line starting with prefix."""
    lines = out.decode(errors="replace").splitlines()
    for i, l in enumerate(lines):
        if l.startswith(prefix):
            got = []
            for a in lines[i + 1:]:
                if not a.startswith(ANNOT):
                    break
                got.append(a)
            return got
    return []


# ---- checks ------------------------------------------------------------------------

def check_dump(crash, syms):
    src = "tests/tools/annotate/testdata/crash.c"
    fault_line = marker_line(os.path.join(DATA, "crash.c"), "FAULT LINE")
    log = fill(open(os.path.join(DATA, "crash-dump.log.in")).read(), syms)
    rc, out, err = run(log, [crash])
    check(rc == 0, "exit-status", status_why(rc, err))
    check(passes_through(log, out), "passthrough", "the log did not come through unchanged")
    rip = annotations_after(out, "RIP ")
    want = "%scrash_here at %s:%d" % (ANNOT, src, fault_line)
    check(rip[:1] == [want], "rip-function-line", "want %r, got %r" % (want, rip[:1]))
    arrows = [l for l in rip if l.startswith(ANNOT + "-->")]
    at = "%016x" % syms["crash_insn"]
    check(len(arrows) == 1 and at in arrows[0] and "movq $1, 0xdead000" in arrows[0],
          "rip-arrow", "want one arrow on %s movq $1, 0xdead000; got %r" % (at, arrows))
    listing = [l for l in rip if re.match(re.escape(ANNOT) + r"(-->|   ) [0-9a-f]{16} ", l)]
    idx = listing.index(arrows[0]) if arrows and arrows[0] in listing else -1
    check(idx >= 1 and len(listing) - idx - 1 == 4, "rip-context",
          "want instructions before and 4 after the arrow; got %r" % listing)
    check(any("AT&T" in l for l in rip), "rip-syntax-named", "the listing does not say AT&T")
    frame0 = annotations_after(out, "  #0 ")
    check(frame0 == [want], "frame-function-line", "want %r, got %r" % (want, frame0))
    frame1 = annotations_after(out, "  #1 ")
    check(len(frame1) == 1 and frame1[0].startswith(ANNOT + "crash_caller at " + src + ":"),
          "frame-caller", "got %r" % frame1)
    frame2 = annotations_after(out, "  #2 ")
    check(frame2 == [ANNOT + "(no symbol)"], "frame-outside-every-elf", "got %r" % frame2)
    stray = annotations_after(out, "a line after") + annotations_after(out, "CR2 ")
    check(not stray, "only-dump-lines", "annotations after non-dump lines: %r" % stray)
    # CRLF logs (a serial line straight from a terminal) get CRLF annotations.
    crlf = log.replace("\n", "\r\n")
    rc, out, err = run(crlf, [crash])
    check(rc == 0 and passes_through(crlf, out) and
          (want + "\r\n").encode() in out, "crlf", status_why(rc, err))


def check_inlined(crash, syms):
    path = os.path.join(DATA, "crash.c")
    src = "tests/tools/annotate/testdata/crash.c"
    log = "*** kernel panic: made up\nbacktrace:\n  #0 %016x <poke>\nend of backtrace\n" % (
        syms["inline_insn"])
    rc, out, err = run(log, [crash])
    got = annotations_after(out, "  #0 ")
    want = [ANNOT + "poke at %s:%d" % (src, marker_line(path, "INLINE FAULT LINE")),
            ANNOT + "  inlined into crash_inline at %s:%d" % (
                src, marker_line(path, "POKE CALL LINE"))]
    check(rc == 0 and got == want, "inlined", "want %r, got %r (%s)" % (
        want, got, status_why(rc, err)))


def check_elf_choice(crash, second, tmp):
    syms2 = symbols(second)
    syms1 = symbols(crash)
    log = ("*** CPU exception: vector 6 (#UD invalid opcode), error code 0x0, in user mode\n"
           "RIP %016x <second_fault+0x6>\n" % syms2["second_insn"])
    rc, out, err = run(log, [crash, second])
    rip = annotations_after(out, "RIP ")
    line = marker_line(os.path.join(DATA, "second.c"), "SECOND FAULT LINE")
    want = "%ssecond_fault at tests/tools/annotate/testdata/second.c:%d [annotate-second]" % (
        ANNOT, line)
    check(rc == 0 and rip[:1] == [want] and any("--> " in l and "ud2" in l for l in rip),
          "second-elf-by-address", "want %r and ud2 at the arrow, got %r" % (want, rip))
    # Two ELFs at the same addresses (two user programs): the one the dump names wins.
    alpha, beta = os.path.join(tmp, "alpha"), os.path.join(tmp, "beta")
    shutil.copy(crash, alpha)
    shutil.copy(crash, beta)
    rip_line = "RIP %016x\n" % syms1["crash_insn"]
    plain = "*** CPU exception: vector 14 (#PF page fault), error code 0x6, in user mode\n"
    named = "*** user fault: thread 7 of beta: vector 14 (#PF page fault) in user mode\n"
    _, out_plain, _ = run(plain + rip_line, [alpha, beta])
    _, out_named, _ = run(named + rip_line, [alpha, beta])
    first = annotations_after(out_plain, "RIP ")[:1]
    chosen = annotations_after(out_named, "RIP ")[:1]
    check(first and first[0].endswith("[alpha]") and chosen and chosen[0].endswith("[beta]"),
          "elf-named-by-dump", "unnamed dump got %r, dump naming beta got %r" % (first, chosen))


def check_recorded_kernel_log(crash):
    log = open(os.path.join(DATA, "kernel-pf.log"), "rb").read()
    rc, out, err = run(log, [crash])
    rip = annotations_after(out, "RIP ")
    frames = sum(1 for l in out.splitlines() if l == (ANNOT + "(no symbol)").encode())
    check(rc == 0 and passes_through(log, out) and rip == [ANNOT + "(no symbol)"] and
          frames == 6, "recorded-kernel-log-wrong-elf",
          "want the log unchanged and 6 '(no symbol)' lines; got %d, RIP %r (%s)" % (
              frames, rip, status_why(rc, err)))


def check_malformed_logs(crash, syms):
    rnd = random.Random(12)
    good = fill(open(os.path.join(DATA, "crash-dump.log.in")).read(), syms)
    cases = {
        "empty": "",
        "no-newline-at-end": "boot: no newline at the end",
        "binary-noise": bytes(rnd.randrange(256) for _ in range(20000)),
        "long-lines": "RIP " + "f" * 100000 + "\nbacktrace:\n  #0 " + "1" * 5000 + "\n",
        "bad-addresses": ("*** CPU exception: x\nRIP zzzz\nRIP \nRIP 12345678123456789\n"
                          "backtrace:\n  #0 \n  #1 0x10\n  #x ffff\n  #2 ffffffffffffffff\n"),
        "nul-bytes": b"*** CPU exception: \0\nRIP \0ffff\nbacktrace:\n  #0 00\0 x\n",
        "truncated-mid-backtrace": good[:good.index("  #1 ")],
        "truncated-mid-rip": good[:good.index("RIP ") + 12],
        "truncated-mid-line": good[:good.index("  #1 ") + 9],
        "random-cuts": "".join(good[:rnd.randrange(len(good))] + "\n" for _ in range(20)),
    }
    for name, log in cases.items():
        rc, out, err = run(log, [crash])
        check(rc == 0 and passes_through(log, out), "malformed-" + name,
              "not passed through unchanged (%s)" % status_why(rc, err))
    rc, out, _ = run(good[:good.index("  #1 ")], [crash])
    check(out.rstrip().endswith(b"(the log ends inside a dump: it was cut off)"),
          "truncated-note", "no note that the dump was cut off: %r" % out[-200:])


def corruptions(elf):
    """(name, bytes) of broken variants of a good ELF."""
    data = open(elf, "rb").read()
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phnum, shnum = struct.unpack_from("<H", data, 0x38)[0], struct.unpack_from("<H", data, 0x3c)[0]

    def patch(off, fmt, value):
        b = bytearray(data)
        struct.pack_into(fmt, b, off, value)
        return bytes(b)

    out = [("empty", b""), ("text", b"this is not an ELF\n" * 10), ("header-only", data[:64]),
           ("truncated-200", data[:200]), ("truncated-half", data[:len(data) // 2]),
           ("elf32", patch(4, "<B", 1)), ("big-endian", patch(5, "<B", 2)),
           ("wrong-machine", patch(0x12, "<H", 40)),
           ("phoff-huge", patch(0x20, "<Q", 2**64 - 8)), ("phnum-max", patch(0x38, "<H", 0xffff)),
           ("phentsize", patch(0x36, "<H", 12)), ("shoff-huge", patch(0x28, "<Q", 2**63)),
           ("shnum-max", patch(0x3c, "<H", 0xffff)), ("shentsize", patch(0x3a, "<H", 7))]
    for i in range(phnum):
        ph = phoff + 56 * i
        out += [("ph%d-offset" % i, patch(ph + 8, "<Q", 2**64 - 1)),
                ("ph%d-filesz" % i, patch(ph + 32, "<Q", 2**62)),
                ("ph%d-memsz-wraps" % i, patch(ph + 40, "<Q", 2**64 - 16))]
    for i in range(shnum):
        sh = shoff + 64 * i
        out += [("sh%d-offset" % i, patch(sh + 24, "<Q", 2**64 - 100)),
                ("sh%d-size" % i, patch(sh + 32, "<Q", 2**63 + 5)),
                ("sh%d-link" % i, patch(sh + 40, "<I", 0xffffffff)),
                ("sh%d-entsize" % i, patch(sh + 56, "<Q", 0))]
    rnd = random.Random(1234)
    for i in range(args.mutations):
        b = bytearray(data)
        for _ in range(rnd.randrange(1, 40)):
            # Mostly the headers and tables, where a wrong byte does the most damage.
            where = rnd.choice([range(0, 64), range(phoff, phoff + 56 * phnum),
                                range(shoff, min(len(b), shoff + 64 * shnum)), range(len(b))])
            b[rnd.choice(where)] = rnd.randrange(256)
        out.append(("random-%d" % i, bytes(b)))
    return out


def check_bad_elfs(crash, syms, tmp):
    log = fill(open(os.path.join(DATA, "crash-dump.log.in")).read(), syms)
    missing = os.path.join(tmp, "no-such.elf")
    rc, out, err = run(log, [missing])
    check(rc == 0 and passes_through(log, out) and
          ("(note: ELF %s is unusable: cannot open" % missing).encode() in out and
          annotations_after(out, "  #0 ")[-1:] == [ANNOT + "(no symbol)"] and
          "no-such.elf" in err, "missing-elf",
          "want the log unchanged, a note and '(no symbol)' (%s)" % status_why(rc, err))
    rc, out, err = run(log, [os.path.join(DATA)])
    check(rc == 0 and passes_through(log, out) and b"(note: ELF" in out, "directory-as-elf",
          status_why(rc, err))
    bad = []
    for name, data in corruptions(crash):
        path = os.path.join(tmp, "corrupt-" + name)
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = run(log, [path])
        if rc != 0 or not passes_through(log, out):
            bad.append("%s (%s)" % (name, status_why(rc, err)))
        os.unlink(path)
    check(not bad, "corrupt-elfs", "%d broken ELFs upset it: %s" % (len(bad), "; ".join(bad[:5])))
    for name in ("text", "header-only", "wrong-machine"):
        data = dict(corruptions(crash))[name]
        path = os.path.join(tmp, "corrupt-" + name)
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = run(log, [path])
        check(b"is unusable: " in out, "corrupt-elf-noted-" + name,
              "no note names the unusable ELF: %r" % out[:300])


def check_file_argument(crash, syms, tmp):
    log = fill(open(os.path.join(DATA, "crash-dump.log.in")).read(), syms)
    path = os.path.join(tmp, "serial.log")
    with open(path, "w") as f:
        f.write(log)
    rc, out, err = run(b"", [crash], extra=[path])
    _, from_stdin, _ = run(log, [crash])
    check(rc == 0 and out == from_stdin, "file-argument", status_why(rc, err))
    rc, out, err = run(b"", [crash], extra=[os.path.join(tmp, "absent.log")])
    check(rc == 1 and "absent.log" in err, "absent-log", "want status 1 and a message, got "
          + status_why(rc, err))
    rc, _, err = run(b"", [crash], extra=["--bogus"])
    check(rc == 2 and "usage" in err, "bad-option", status_why(rc, err))


def check_streaming(crash, syms):
    """A prompt with no newline must reach the terminal at once; QEMU never closes early."""
    argv = [args.tool, "--elf", crash, "--root", args.root]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    got = b""
    try:
        p.stdin.write(b"writ> ")
        p.stdin.flush()
        deadline = time.monotonic() + 10
        while got != b"writ> " and time.monotonic() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 0.5)
            if ready:
                got += os.read(p.stdout.fileno(), 4096)
        check(got == b"writ> ", "streaming-partial-line", "got %r before end of input" % got)
        got = b""
        p.stdin.write(("\n*** kernel panic: x\nbacktrace:\n  #0 %016x\n"
                       % syms["crash_insn"]).encode())
        p.stdin.flush()
        deadline = time.monotonic() + 10
        while b"crash_here at" not in got and time.monotonic() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 0.5)
            if ready:
                got += os.read(p.stdout.fileno(), 4096)
        check(b"crash_here at" in got, "streaming-annotates-before-eof", "got %r" % got)
    finally:
        p.stdin.close()
        p.stdout.read()
        p.wait(timeout=30)


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--tool", required=True)
    p.add_argument("--elf", required=True)
    p.add_argument("--second", required=True)
    p.add_argument("--nm", default="nm")
    p.add_argument("--root", required=True)
    p.add_argument("--prefix", default="kern/annotate")
    p.add_argument("--mutations", type=int, default=150)
    args = p.parse_args()
    # A dead reader must not make this script die of SIGPIPE without saying why.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    syms = symbols(args.elf)
    with tempfile.TemporaryDirectory(prefix="writ-annotate-") as tmp:
        check_dump(args.elf, syms)
        check_inlined(args.elf, syms)
        check_elf_choice(args.elf, args.second, tmp)
        check_recorded_kernel_log(args.elf)
        check_malformed_logs(args.elf, syms)
        check_bad_elfs(args.elf, syms, tmp)
        check_file_argument(args.elf, syms, tmp)
        check_streaming(args.elf, syms)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
