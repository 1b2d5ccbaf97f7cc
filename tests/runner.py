#!/usr/bin/env python3
"""Writ's test and benchmark runner: `./writ test`, `./writ bench`, `./writ run` end here.

usage: runner.py test [-v] [GROUP...]
       runner.py bench [--html FILE]
       runner.py run [--uefi] [--accel tcg|kvm|auto] [--gdb] [--smp N] [--mem M] [--release]
       runner.py exec [OPTIONS] -- PROGRAM [ARGS...]   (tests/vm/wexec.py)

Tests come from two places (tests/README.md): ctest in build/host, and the QEMU scenarios
in tests/vm/scenarios.py. Every line the runner prints is `ok N - group/name` or
`not ok N - group/name: why`, numbered across the run; the last line is
`N passed, N failed`, and the exit status is non-zero on any failure, crash or timeout.
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests import bench_table  # noqa: E402
from tests.vm import matrix, qemu, scenarios, wexec  # noqa: E402

BUILD = os.path.join(ROOT, "build")
KERNEL_CFGS = ["debug", "release"]
PROTOCOL = re.compile(r"^(ok|not ok)(?: \d+)? - ([\w./+-]+)(?:: (.*))?$")
JOBS = max(1, min(os.cpu_count() or 1, 4))


def kernel_elf(cfg):
    return qemu.kernel_elf(cfg)


def init_elf(cfg):
    """The root task, module 0 of every boot that runs user space."""
    return os.path.join(BUILD, cfg, "userland", "init.elf")


def user_modules(cfg):
    """The modules of a boot that runs user space: init first, then the programs it
    starts, named by their path."""
    return [(init_elf(cfg), "init"), (os.path.join(BUILD, cfg, "boot.cpio"), "archive")]


class Context:
    """What scenarios need: ISOs built once per (config, command line), in a scratch dir."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.lock = threading.Lock()
        self.isos = {}

    def sample_module(self):
        path = os.path.join(self.scratch, "sample.txt")
        with self.lock:
            if not os.path.exists(path):
                with open(path, "w") as f:
                    f.write(scenarios.sample_module_text())
        return path

    def init_elf(self, cfg):
        return init_elf(cfg)

    def modules(self, cfg):
        return user_modules(cfg)

    def iso(self, cfg, cmdline, modules=()):
        key = (cfg, cmdline, tuple(modules))
        with self.lock:
            if key not in self.isos:
                out = os.path.join(self.scratch, "%s-%d.iso" % (cfg, len(self.isos)))
                self.isos[key] = qemu.make_iso(kernel_elf(cfg), out, cmdline, modules)
            return self.isos[key]


class Report:
    def __init__(self, verbose):
        self.n = self.passed = self.failed = 0
        self.verbose = verbose
        self.failures = []   # repeated just before the summary: a log's tail names them

    def result(self, ok, name, why=""):
        self.n += 1
        if ok:
            self.passed += 1
            print("ok %d - %s" % (self.n, name), flush=True)
        else:
            self.failed += 1
            self.failures.append("%d - %s: %s" % (self.n, name, why or "failed"))
            print("not ok %d - %s: %s" % (self.n, name, why or "failed"), flush=True)

    def summary(self):
        for f in self.failures:
            print("# failed: " + f)
        print("%d passed, %d failed" % (self.passed, self.failed))

    def diagnostics(self, lines, limit=60):
        for line in lines[-limit:]:
            print("# " + line if not line.startswith("#") else line)

    def serial_tail(self, log, cfg, limit=40):
        """The last `limit` lines of a serial log, with the dumps among them explained."""
        out = qemu.annotate(log, [kernel_elf(cfg), init_elf(cfg)])
        start, seen = 0, 0
        for i in range(len(out) - 1, -1, -1):
            if not out[i].startswith(qemu.ANNOTATION):
                seen += 1
                if seen == limit:
                    start = i
                    break
        self.diagnostics(out[start:], limit=len(out))


# ---- host tests (ctest) ------------------------------------------------------------

def host_tests(groups):
    build = os.path.join(BUILD, "host")
    out = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"],
                         check=True, capture_output=True, text=True).stdout
    tests = []
    for t in json.loads(out).get("tests", []):
        labels = []
        for prop in t.get("properties", []):
            if prop["name"] == "LABELS":
                labels = prop["value"]
        group = labels[0] if labels else t["name"].split("/")[0]
        if group == "bench" and "bench" not in groups:
            continue
        if groups and group not in groups:
            continue
        cwd = next((p["value"] for p in t.get("properties", [])
                    if p["name"] == "WORKING_DIRECTORY"), build)
        timeout = next((p["value"] for p in t.get("properties", [])
                        if p["name"] == "TIMEOUT"), 600)
        tests.append((t["name"], t["command"], cwd, timeout))
    return tests


def run_host_test(test):
    name, command, cwd, timeout = test
    try:
        p = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                           timeout=timeout, errors="replace")
        lines = (p.stdout + p.stderr).splitlines()
        return name, p.returncode, lines, False
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"")
        out = out.decode(errors="replace") if isinstance(out, bytes) else out
        return name, None, out.splitlines(), True


def report_host_test(report, result):
    name, rc, lines, timed_out = result
    checks = [PROTOCOL.match(l.strip()) for l in lines]
    checks = [m for m in checks if m]
    failed_before = report.failed
    for m in checks:
        report.result(m.group(1) == "ok", m.group(2), m.group(3) or "")
    if timed_out:
        report.result(False, name, "timed out")
    elif rc != 0 and report.failed == failed_before:
        report.result(False, name, "exited with status %s without a failing check" % rc)
    elif not checks:
        report.result(rc == 0, name, "printed no check")
    if report.failed != failed_before or report.verbose:
        report.diagnostics([l for l in lines if not PROTOCOL.match(l.strip())])


# ---- VM tests ----------------------------------------------------------------------

def run_scenario(ctx, scenario):
    group, name, fn, _ = scenario
    try:
        res, b = fn(ctx)
        return res, b.log
    except Exception as e:  # a broken scenario is a failure, not a crash of the runner
        return [(False, "%s/%s" % (group.split("+")[0], name), "scenario error: %r" % e)], []


def cmd_test(args):
    groups = set(args.groups)
    report = Report(args.verbose)
    with tempfile.TemporaryDirectory(prefix="writ-test-") as scratch:
        ctx = Context(scratch)
        with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
            vm = [s for s in scenarios.all_scenarios(KERNEL_CFGS)
                  if (groups & scenarios.groups_of(s[0]) if groups
                      else scenarios.in_default_run(s[0]))]
            vm_futures = [pool.submit(run_scenario, ctx, s) for s in vm]
            for result in pool.map(run_host_test, host_tests(groups)):
                report_host_test(report, result)
            for s, f in zip(vm, vm_futures):
                res, log = f.result()
                before = report.failed
                for ok, name, why in res:
                    report.result(ok, name, why)
                if report.failed != before or report.verbose:
                    print("# --- serial log (tail, dumps annotated) ---")
                    report.serial_tail(log, s[3], limit=40)
    if report.n == 0:
        report.result(False, "runner/no-tests", "no test matched %s" % sorted(groups))
    report.summary()
    return 1 if report.failed else 0


# ---- benchmarks --------------------------------------------------------------------

BENCH_LINES = []     # every raw figure printed, for the table after them


def bench_print(line):
    BENCH_LINES.append(line)
    print(line, flush=True)


def bench_line(name, value, unit, accel):
    bench_print("bench %s %s %s accel=%s" % (name, value, unit, accel))


def first_match(log, pattern):
    for line in log:
        m = re.search(pattern, line)
        if m:
            return m
    return None


def bench_boots(ctx):
    """Wall time to the kernel banner and to the root task's first line (tcg)."""
    iso = ctx.iso("release", "bench", ctx.modules("release"))
    for uefi, runs in ((False, 7), (True, 3)):
        banner, root = [], []
        for _ in range(runs):
            b = qemu.boot(iso, timeout=120, uefi=uefi, until_line="init: root task up")
            if b.banner_s is None or b.until_s is None:
                print("# boot did not reach the root task: " + b.describe())
                return False
            banner.append(b.banner_s * 1000)
            root.append(b.until_s * 1000)
        fw = "uefi" if uefi else "bios"
        bench_line("boot/%s-qemu-start-to-banner" % fw, "%.0f" % statistics.median(banner),
                   "ms", "tcg")
        bench_line("boot/%s-qemu-start-to-root-task" % fw, "%.0f" % statistics.median(root),
                   "ms", "tcg")
    # The first line a user program prints: /sbin/login's motd in an ordinary boot,
    # after init has started every server boot.conf names: the ISO `./writ run` boots.
    iso = os.path.join(qemu.ROOT, "build", "release", "writ.iso")
    first = []
    for _ in range(5):
        b = qemu.boot(iso, timeout=120, until_line="Welcome to Writ")
        if b.until_s is None:
            print("# boot did not reach /sbin/login's motd: " + b.describe())
            return False
        first.append(b.until_s * 1000)
    bench_line("boot/bios-qemu-start-to-first-user-line", "%.0f" % statistics.median(first),
               "ms", "tcg")
    ok = bench_exec(statistics.median(first))
    # The boot matrix's figures (tests/vm/matrix.py): to the prompt beside GRUB's floor,
    # and keystroke to echo on both consoles.
    report = lambda name, value, unit, accel: bench_line(name, value, unit, accel)
    ok &= matrix.bench_boot_to_prompt(ctx, report)
    ok &= matrix.bench_key_to_echo(ctx, report)
    return ok


def bench_exec(first_line_ms):
    """`./writ exec -- /bin/true` whole (disk made, QEMU started, program run, QEMU
    gone), right after the boot figure above, and what it adds to that boot."""
    walls = []
    with open(os.devnull, "wb") as null:
        for _ in range(5):
            t = time.monotonic()
            status = wexec.run(["/bin/true"], timeout=120, out=null, err=null)
            walls.append((time.monotonic() - t) * 1000)
            if status != 0:
                print("# ./writ exec -- /bin/true ended with status %d" % status)
                return False
    wall = statistics.median(walls)
    bench_line("exec/true-wall", "%.0f" % wall, "ms", "tcg")
    bench_line("exec/true-over-first-user-line", "%.0f" % (wall - first_line_ms), "ms", "tcg")
    return True


def bench_in_vm(ctx):
    """The root task's benchmarks and the boot's instruction counts (tcg-icount)."""
    iso = ctx.iso("release", "bench", ctx.modules("release"))
    b = qemu.boot(iso, timeout=600, accel="tcg-icount", extra=qemu.EDU)  # kern/msi-latency
    banner = first_match(b.log, r"boot: (\d+) TSC ticks from kernel entry to banner")
    root = first_match(b.log, r"init: (\d+) TSC ticks from kernel entry to the root task")
    if not banner or not root or b.guest_exit != qemu.EXIT_PASS:
        print("# the benchmark boot failed: " + b.describe())
        print("\n".join("# " + l for l in b.log[-20:]))
        return False
    bench_line("boot/kernel-entry-to-banner", banner.group(1), "instructions", "tcg-icount")
    bench_line("boot/kernel-entry-to-root-task", root.group(1), "instructions", "tcg-icount")
    for line in b.log:
        if line.startswith("bench "):
            bench_print(line + " accel=tcg-icount")
    return bench_variants(ctx)


def bench_variants(ctx):
    """The IPC figures once more through the full path (`nofastpath`), and every root-task
    figure under plain TCG, where the TSC follows wall time (noisy: compare back to back)."""
    ok = True
    variants = (("bench nofastpath", "tcg-icount", "instructions", "-full-path",
                 lambda name: name.startswith("ipc/")),
                ("bench", "tcg", "tsc-ticks", "", lambda name: True))
    for cmdline, accel, unit, suffix, wanted in variants:
        iso = ctx.iso("release", cmdline, ctx.modules("release"))
        b = qemu.boot(iso, timeout=600, accel=accel, extra=qemu.EDU)
        if b.guest_exit != qemu.EXIT_PASS:
            print("# the %r benchmark boot (%s) failed: %s" % (cmdline, accel, b.describe()))
            ok = False
            continue
        for line in b.log:
            parts = line.split()
            if line.startswith("bench ") and len(parts) == 4 and wanted(parts[1]):
                bench_line(parts[1] + suffix, parts[2], unit, accel)
    return ok


def cmd_bench(args):
    ok = True
    with tempfile.TemporaryDirectory(prefix="writ-bench-") as scratch:
        ctx = Context(scratch)
        ok &= bench_boots(ctx)
        ok &= bench_in_vm(ctx)
    for result in map(run_host_test, host_tests({"bench"})):
        name, rc, lines, timed_out = result
        for line in lines:
            if line.startswith("bench "):
                bench_print(line)
        if rc != 0 or timed_out:
            ok = False
            print("# %s failed (status %s)" % (name, rc))
            print("\n".join("# " + l for l in lines[-20:]))
    bench_summary(BENCH_LINES, args.html)
    return 0 if ok else 1


def bench_summary(lines, html_file):
    """The figures again, beside Linux's, seL4's and the issues' targets."""
    report = bench_table.report_for(lines)
    print()
    sys.stdout.write(bench_table.render_text(report))
    if html_file:
        # ./writ runs us from the checkout: a relative path is the caller's
        html_file = os.path.join(os.environ.get("WRIT_CALLER_DIR", os.getcwd()), html_file)
        with open(html_file, "w") as f:
            f.write(bench_table.render_html(report))
        print("# wrote %s" % html_file)


# ---- run ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cmd_run(args):
    cfg = "release" if args.release else "debug"
    iso = os.path.join(BUILD, cfg, "writ.iso")
    accel = args.accel
    if accel == "auto":
        accel = "kvm" if qemu.kvm_usable(kernel_elf(cfg), BUILD) else "tcg"
        if accel == "tcg" and os.path.exists("/dev/kvm"):
            print("writ: /dev/kvm is here, but a probe boot under it did not reach the "
                  "banner in time (a nested, emulated KVM?): using TCG", file=sys.stderr)
    print("writ: booting %s under %s%s (quit: Ctrl-A then X)" %
          (os.path.relpath(iso, ROOT), accel.upper(), ", UEFI" if args.uefi else ""),
          file=sys.stderr)
    extra = []
    if args.gdb:
        port = free_port()
        extra = ["-gdb", "tcp:127.0.0.1:%d" % port, "-S"]
        print("writ: QEMU waits for gdb; in another terminal run:\n"
              "  gdb -ex 'set architecture i386:x86-64' -ex 'file %s' "
              "-ex 'target remote 127.0.0.1:%d'" % (kernel_elf(cfg), port), file=sys.stderr)
    # The console as mon:stdio does it (the monitor behind Ctrl-A C, Ctrl-C to the
    # guest), and kept in build/run.log too (`./writ captree` reads it afterwards).
    log = os.path.join(BUILD, "run.log")
    extra += ["-chardev", "stdio,id=con,mux=on,signal=off,logfile=%s" % log,
              "-mon", "chardev=con,mode=readline"]
    argv = qemu.qemu_args(iso, uefi=args.uefi, accel=accel, mem=args.mem, smp=args.smp,
                          serial="chardev:con", extra=extra)
    argv += ["-display", "none"]
    annotator = qemu.annotator_argv([kernel_elf(cfg), init_elf(cfg)])
    if annotator is None:
        print("writ: %s is not built: fault dumps stay unannotated" % qemu.ANNOTATOR,
              file=sys.stderr)
        os.execvp(argv[0], argv)
    return run_annotated(argv, annotator)


def run_annotated(argv, annotator):
    """QEMU with the terminal as its stdin and its stdout piped through writ-annotate.

    stdin stays the terminal, so QEMU still puts it in raw mode and sees Ctrl-A X; only
    what QEMU prints takes the detour. Both children stay in our process group, the
    terminal's foreground group, which a tty-reading QEMU must be in. When QEMU ends, the
    annotator reads end of file, flushes and exits; QEMU's status is ours.
    """
    vm = subprocess.Popen(argv, stdout=subprocess.PIPE)
    # Ctrl-C belongs to QEMU (same process group); the annotator must outlive it to
    # print what QEMU prints on the way out, and we only wait. Set before the annotator
    # starts, so it inherits the ignored SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ann = subprocess.Popen(annotator, stdin=vm.stdout)
    except OSError as e:
        print("writ: cannot start %s (%s): output unannotated" % (annotator[0], e),
              file=sys.stderr)
        ann = subprocess.Popen(["cat"], stdin=vm.stdout)
    vm.stdout.close()           # the annotator holds the only read end now

    def stop(signum, frame):
        for p in (vm, ann):
            if p.poll() is None:
                p.kill()
        os._exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    status = vm.wait()
    ann.wait()
    return status if status >= 0 else 128 - status


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "exec":
        # Its own parser: the program's arguments must pass untouched.
        qemu.install_reaper()
        return wexec.main(sys.argv[2:])
    p = argparse.ArgumentParser(prog="runner.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("test")
    t.add_argument("-v", "--verbose", action="store_true")
    t.add_argument("groups", nargs="*")
    b = sub.add_parser("bench")
    b.add_argument("--html", metavar="FILE", help="also write the table as an HTML page")
    r = sub.add_parser("run")
    r.add_argument("--uefi", action="store_true")
    r.add_argument("--accel", choices=["tcg", "kvm", "auto"], default="auto")
    r.add_argument("--gdb", action="store_true")
    r.add_argument("--smp", type=int, default=1)
    r.add_argument("--mem", type=int, default=256)
    r.add_argument("--release", action="store_true")
    args = p.parse_args()
    qemu.install_reaper()
    return {"test": cmd_test, "bench": cmd_bench, "run": cmd_run}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
