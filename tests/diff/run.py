#!/usr/bin/env python3
"""Differential tests: the same static musl program on the host's Linux and on Writ.

usage: python3 tests/diff/run.py [-v] [--host-twice] [--passing] [--no-build] [PROG...]

Each PROG (a name in tests/diff/progs/, e.g. `stdio`, or a path to a .c file; default:
every program there) is built with plain `musl-gcc -static` into build/diff/, run on the
host and through `./writ exec` (added as /bin/NAME, default policies), and its stdout,
stderr and exit status are compared byte for byte: `ok - diff/NAME` or `not ok -
diff/NAME: ...` with the first difference (-v: the whole outputs), then `N passed,
N failed`. Programs print only what is the same on every run and machine (no pids, no
times, no addresses); they work under /tmp/writ-diff-NAME and remove it again.

--host-twice runs each program twice on the host instead and compares the two runs: the
check that a program is fit for the suite (it builds, and its output is stable). `./writ
test` runs that (ctest group `diff`), and the Writ comparison for the programs listed
in tests/diff/passing.txt (tests/vm/exec_tests.py, scenarios of group `diff`);
`--passing --no-build` runs the same by hand on the release build as it is.
"""
import argparse
import difflib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGS = os.path.join(HERE, "progs")
OUT = os.path.join(ROOT, "build", "diff")
PASSING = os.path.join(HERE, "passing.txt")
CFLAGS = ["-static", "-O2", "-Wall", "-Wextra", "-Werror"]
# The environment both sides give the program (Writ's /sbin/exec gives this one).
ENV = {"PATH": "/bin:/sbin", "HOME": "/"}
TIMEOUT = 120


class Result:
    def __init__(self, status, out, err):
        self.status, self.out, self.err = status, out, err


def source_of(prog):
    if prog.endswith(".c") or os.sep in prog:
        return os.path.abspath(prog)
    return os.path.join(PROGS, prog + ".c")


def name_of(prog):
    return os.path.splitext(os.path.basename(prog))[0]


def all_programs():
    return sorted(name_of(f) for f in os.listdir(PROGS) if f.endswith(".c"))


def passing_programs():
    """The programs `./writ test` compares on Writ: one name a line, # comments."""
    if not os.path.exists(PASSING):
        return []
    with open(PASSING) as f:
        return [l.split("#")[0].strip() for l in f if l.split("#")[0].strip()]


def build(prog):
    """-> (path of the static binary, None) or (None, the compiler's complaint)."""
    src = source_of(prog)
    if not os.path.exists(src):
        return None, "no such program: %s" % src
    os.makedirs(OUT, exist_ok=True)
    exe = os.path.join(OUT, name_of(prog))
    # Built aside and renamed: `./writ test` runs two of us at once on the same names.
    tmp = "%s.%d" % (exe, os.getpid())
    p = subprocess.run(["musl-gcc"] + CFLAGS + ["-o", tmp, src], capture_output=True,
                       text=True)
    if p.returncode != 0:
        return None, "musl-gcc failed: " + p.stderr.strip().replace("\n", " | ")[:500]
    os.replace(tmp, exe)
    return exe, None


def run_host(exe):
    with tempfile.TemporaryDirectory(prefix="writ-diff-") as cwd:
        try:
            p = subprocess.run([exe], capture_output=True, env=ENV, cwd=cwd,
                               stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return Result("timeout", b"", b"")
    return Result(p.returncode if p.returncode >= 0 else 128 - p.returncode, p.stdout,
                  p.stderr)


def run_writ(exe):
    """Through `./writ exec` without its build step (run.py built Writ once first)."""
    name = os.path.basename(exe)
    argv = [sys.executable, os.path.join(ROOT, "tests", "runner.py"), "exec", "--timeout",
            str(TIMEOUT), "--add", "%s:/bin/%s" % (exe, name), "--", "/bin/" + name]
    try:
        p = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=TIMEOUT + 60)
    except subprocess.TimeoutExpired:
        return Result("timeout", b"", b"")
    return Result(p.returncode, p.stdout, p.stderr)


def first_difference(a, b, what, left, right):
    """One line saying where two outputs part, or None when they are equal."""
    if a.status != b.status and what == "status":
        return "status: %s %s, %s %s" % (left, a.status, right, b.status)
    x, y = getattr(a, what), getattr(b, what)
    if x == y:
        return None
    at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
    return "%s differs at byte %d: %s %r, %s %r" % (what, at, left, x[at:at + 40], right,
                                                      y[at:at + 40])


def compare(a, b, left, right):
    for what in ("status", "out", "err"):
        d = first_difference(a, b, what, left, right)
        if d:
            return d.replace("out differs", "stdout differs").replace("err differs",
                                                                      "stderr differs")
    return None


def show(a, b, left, right):
    for what, label in (("out", "stdout"), ("err", "stderr")):
        x = getattr(a, what).decode("utf-8", "replace").splitlines(keepends=True)
        y = getattr(b, what).decode("utf-8", "replace").splitlines(keepends=True)
        for line in difflib.unified_diff(x, y, "%s %s" % (left, label),
                                         "%s %s" % (right, label)):
            sys.stdout.write("# " + line.rstrip("\n") + "\n")
    print("# status: %s %s, %s %s" % (left, a.status, right, b.status))


def build_writ():
    """`./writ iso --release`: the dependency check and the release build, which
    includes the ISO `./writ exec` boots. -> None, or why it failed."""
    p = subprocess.run([os.path.join(ROOT, "writ"), "iso", "--release"],
                       capture_output=True, text=True)
    return None if p.returncode == 0 else (p.stderr or p.stdout).strip()[-2000:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="show whole differences")
    ap.add_argument("--host-twice", action="store_true",
                    help="compare two host runs instead (is the program's output stable?)")
    ap.add_argument("--passing", action="store_true",
                    help="the programs of passing.txt (what `./writ test` compares)")
    ap.add_argument("--no-build", action="store_true",
                    help="use build/release as it is (`./writ test` has just built it)")
    ap.add_argument("progs", nargs="*", help="names in tests/diff/progs or .c paths")
    args = ap.parse_args()
    progs = args.progs or (passing_programs() if args.passing else all_programs())
    if not args.host_twice and not args.no_build:
        why = build_writ()
        if why:
            print("not ok - diff/build-writ: %s" % why)
            print("0 passed, 1 failed")
            return 1
    passed = failed = 0
    for prog in progs:
        name = name_of(prog)
        exe, why = build(prog)
        if exe:
            a = run_host(exe)
            b = run_host(exe) if args.host_twice else run_writ(exe)
            right = "second host run" if args.host_twice else "writ"
            why = compare(a, b, "host", right)
            if why and args.verbose:
                show(a, b, "host", right)
        test = "diff/%s%s" % (name, "-host-stable" if args.host_twice else "")
        if why:
            failed += 1
            print("not ok - %s: %s" % (test, why), flush=True)
        else:
            passed += 1
            print("ok - %s" % test, flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
