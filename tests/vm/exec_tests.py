"""The `exec` group: `./writ exec` as a user runs it, one command line per scenario.

Each scenario runs `python3 tests/runner.py exec ...` (what `./writ exec` ends in, after
its build) and checks the exit status, the bytes on stdout and on stderr. The program is
/test/bin/execprobe from the build, added with --add (so every run also tests --add and
PATH renaming); it prints its arguments, writes to stderr, reads and opens files, exits
with a given status or faults (userland/test/bin/execprobe). Boots are the fewest that
can tell the statuses apart: one status per boot.
"""
import os
import subprocess
import sys

from . import qemu

PROBE = os.path.join(qemu.ROOT, "build", "release", "userland", "test-bin-execprobe.elf")
RUNNER = os.path.join(qemu.ROOT, "tests", "runner.py")
# Arguments that a kernel command line could not carry: spaces, both quotes, an empty
# one, a newline, a backslash, a leading dash, UTF-8.
HARD_ARGS = ["two words", "q\"u'te", "", "line\nbreak", "back\\slash", "--not-an-option",
             "caf\u00e9"]


class Run:
    """One `./writ exec`: status, stdout, stderr, and COM1's log as `log`."""

    def __init__(self, status, out, err, log):
        self.status, self.out, self.err, self.log = status, out, err, log


def writ_exec(ctx, tag, words, timeout=90):
    log = os.path.join(ctx.scratch, "exec-%s.log" % tag)
    argv = [sys.executable, RUNNER, "exec", "--timeout", "60", "--log", log] + words
    # A later --timeout (the timeout test's own) wins over this default.
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout, cwd=ctx.scratch)
        status, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        status, out, err = None, e.stdout or b"", e.stderr or b""
    lines = []
    if os.path.exists(log):
        with open(log, "rb") as f:
            lines = f.read().decode("utf-8", "replace").replace("\r", "").splitlines()
    lines += ["# stdout: %r" % out[-400:], "# stderr: %r" % err[-400:]]
    return Run(status, out, err, lines)


def check(results, ok, name, why):
    results.append((bool(ok), "exec/" + name, "" if ok else why))


def expect_status(results, r, want, name):
    check(results, r.status == want, name, "exit status %s, expected %d" % (r.status, want))


def added_tree(ctx):
    """A file and a folder (with a subfolder) on the host, for --add."""
    root = os.path.join(ctx.scratch, "exec-add")
    with ctx.lock:
        if not os.path.exists(root):
            os.makedirs(os.path.join(root, "tree", "sub"))
            with open(os.path.join(root, "note.txt"), "w") as f:
                f.write("a note from the host\n")
            with open(os.path.join(root, "tree", "sub", "deep.txt"), "w") as f:
                f.write("deep in a folder\n")
            with open(os.path.join(root, "tree", "top.txt"), "w") as f:
                f.write("top of a folder\n")
    return root


def main_run(ctx):
    """Arguments intact, stdout and stderr apart and free of Writ's own lines, a file
    added at /+basename, a folder added under a new name, a status passed through."""
    root = added_tree(ctx)
    program = ["/bin/probe", "args"] + HARD_ARGS + [
        "err", "to stderr", "cat", "/note.txt", "cat", "/opt/t/top.txt",
        "cat", "/opt/t/sub/deep.txt", "open", "/etc/boot.conf", "cat", "/etc/passwd",
        "cat", "/etc/group", "err", "done", "exit", "3"]
    words = ["--add", PROBE + ":/bin/probe", "--add", os.path.join(root, "note.txt"),
             "--add", os.path.join(root, "tree") + ":/opt/t", "--"] + program
    r = writ_exec(ctx, "main", words)
    res = []
    expect_status(res, r, 3, "status-3")
    args_out = "".join("[%s]\n" % a for a in program).encode()
    check(res, r.out.startswith(args_out), "args-intact",
          "argv did not arrive as given: %r" % r.out[:300])
    tail = r.out[len(args_out):]
    check(res, b"a note from the host\n" in tail, "add-file-at-basename",
          "/note.txt did not hold the host file: %r" % tail)
    check(res, b"top of a folder\n" in tail and b"deep in a folder\n" in tail,
          "add-folder-renamed", "/opt/t did not hold the host folder: %r" % tail)
    check(res, b"open /etc/boot.conf: ok\n" in tail, "default-policy-whole-file",
          "without --policy the program could not open /etc/boot.conf: %r" % tail)
    passwd = open(os.path.join(qemu.ROOT, "userland", "rootfs", "etc", "passwd"), "rb").read()
    group = open(os.path.join(qemu.ROOT, "userland", "rootfs", "etc", "group"), "rb").read()
    check(res, b"\nroot:x:0:0:" in tail and b"\nyoric:x:1000:1000:" in tail and
          b"\nroot:x:0:\n" in tail and b"\nyoric:x:1000:\n" in tail, "etc-passwd-group",
          "/etc/passwd and /etc/group do not name root (0) and yoric (1000): %r" % tail)
    want = args_out + (b"a note from the host\ntop of a folder\ndeep in a folder\n"
                       b"open /etc/boot.conf: ok\n") + passwd + group
    check(res, r.out == want, "stdout-only-program-output",
          "stdout is not exactly what the program wrote: %r" % r.out[-300:])
    check(res, r.err == b"to stderr\ndone\n", "stderr-apart",
          "stderr was %r, expected the program's two lines only" % r.err)
    return res, r


def true_run(ctx):
    """/bin/true from the boot archive: status 0, nothing on stdout or stderr."""
    r = writ_exec(ctx, "true", ["--", "/bin/true"])
    res = []
    expect_status(res, r, 0, "status-0")
    check(res, r.out == b"" and r.err == b"", "silent-boot",
          "a silent program left output: stdout %r, stderr %r" % (r.out[:200], r.err[:200]))
    return res, r


def policy_run(ctx):
    """--policy narrows: inside the glob opens, outside is refused (ENOENT: a policy
    does not even show what lies outside it); status 255 passes through."""
    r = writ_exec(ctx, "policy", ["--add", PROBE + ":/bin/probe", "--policy",
                                  "file:/home/**:r", "--", "/bin/probe",
                                  "open", "/home/yoric/readme.txt", "open", "/etc/boot.conf",
                                  "open", "pipe:", "exit", "255"])
    res = []
    expect_status(res, r, 255, "status-255")
    check(res, r.out.startswith(b"open /home/yoric/readme.txt: ok\n"), "policy-allows-inside",
          "a path inside the policy did not open: %r" % r.out)
    check(res, b"open /etc/boot.conf: errno 2\n" in r.out, "policy-denies-outside",
          "a path outside the policy was not refused with ENOENT: %r" % r.out)
    check(res, b"open pipe:: errno 2\n" in r.out, "policy-only-given-schemes",
          "a scheme not given (pipe:) was reachable: %r" % r.out)
    return res, r


def fault_run(ctx):
    """A fault nobody handles ends the program as SIGSEGV would: 128 + 11."""
    r = writ_exec(ctx, "fault", ["--add", PROBE + ":/bin/probe", "--", "/bin/probe",
                                 "out", "before", "fault", "out", "after"])
    res = []
    expect_status(res, r, 139, "status-fault-139")
    check(res, r.out == b"before\n", "fault-output-kept",
          "stdout before the fault was %r, expected 'before'" % r.out)
    return res, r


def timeout_run(ctx):
    """--timeout ends a program that never ends: 125 and a line saying so, and what it
    wrote before is out."""
    r = writ_exec(ctx, "timeout", ["--add", PROBE + ":/bin/probe", "--timeout", "4", "--",
                                   "/bin/probe", "out", "waiting", "block"])
    res = []
    expect_status(res, r, 125, "timeout-125")
    check(res, r.out == b"waiting\n" and b"timed out after 4 s" in r.err, "timeout-message",
          "stdout %r, stderr %r" % (r.out, r.err))
    return res, r


def missing_program_run(ctx):
    r = writ_exec(ctx, "missing", ["--", "/bin/no-such-program", "x"])
    res = []
    expect_status(res, r, 127, "missing-program-127")
    check(res, r.out == b"" and b"/bin/no-such-program: no such program" in r.err,
          "missing-program-message", "stderr %r, stdout %r" % (r.err, r.out))
    return res, r


def not_elf_run(ctx):
    """A file that is no program (a text file added as /bin/notes): 126 and why."""
    root = added_tree(ctx)
    r = writ_exec(ctx, "notelf", ["--add", os.path.join(root, "note.txt") + ":/bin/notes",
                                  "--", "/bin/notes"])
    res = []
    expect_status(res, r, 126, "not-an-elf-126")
    check(res, r.out == b"" and b"/bin/notes: not a program Writ can start" in r.err,
          "not-an-elf-message", "stderr %r, stdout %r" % (r.err, r.out))
    return res, r


def capi_run(ctx):
    """<writ/cap.h>'s test program and the reference's examples (userland/lib/wcap),
    added as /wcap: each `ok`/`not ok` line of /wcap/capi is a result here."""
    folder = os.path.join(qemu.ROOT, "build", "release", "userland", "wcap")
    r = writ_exec(ctx, "capi", ["--add", folder + ":/wcap", "--", "/wcap/capi"])
    res = []
    lines = r.out.decode("utf-8", "replace").splitlines()
    for line in lines:
        if line.startswith("ok - "):
            res.append((True, line[5:], ""))
        elif line.startswith("not ok - "):
            name, _, why = line[9:].partition(": ")
            res.append((False, name, why))
    check(res, r.status == 0 and len(res) >= 40, "capi-ran",
          "status %s, %d lines, stderr %r" % (r.status, len(res), r.err[-300:]))
    return res, r


def dynamic_elf_run(ctx):
    """A dynamically linked program (musl-gcc without -static): 126, and says so."""
    dyn = os.path.join(qemu.ROOT, "build", "release", "userland", "test-bin-lx-dynamic.elf")
    r = writ_exec(ctx, "dynamic", ["--add", dyn + ":/bin/dyn", "--", "/bin/dyn"])
    res = []
    expect_status(res, r, 126, "dynamic-elf-126")
    check(res, r.out == b"" and b"/bin/dyn: dynamically linked: not supported" in r.err,
          "dynamic-elf-message", "stderr %r, stdout %r" % (r.err, r.out))
    return res, r


def bad_policy_guest_run(ctx):
    """Well formed, but no such scheme in the boot: the guest refuses, 125."""
    r = writ_exec(ctx, "badscheme", ["--policy", "nosuch:/x:r", "--", "/bin/true"])
    res = []
    expect_status(res, r, 125, "unknown-scheme-125")
    check(res, b"--policy 'nosuch:/x:r': no such scheme" in r.err, "unknown-scheme-message",
          "stderr %r" % r.err)
    return res, r


def host_input_run(ctx):
    """Bad input found before any boot: a clear line on stderr and status 2."""
    res = []
    cases = [("malformed-policy", ["--policy", "file:/x[:r", "--", "/bin/true"],
              b"--policy 'file:/x[:r': "),
             ("missing-host-path", ["--add", "/no/such/host/file", "--", "/bin/true"],
              b"/no/such/host/file: no such file or directory"),
             ("no-program", ["--add", PROBE], b"no PROGRAM to run")]
    last = None
    for name, words, want in cases:
        last = r = writ_exec(ctx, name, words, timeout=30)
        check(res, r.status == 2 and want in r.err and r.out == b"", name,
              "status %s, stderr %r (wanted status 2 and %r)" % (r.status, r.err, want))
    return res, last


def newcomer_run(ctx):
    """The README's first app, exactly as it says: `./writ cc` a program against
    <writ/cap.h> (userland/lib/wcap/examples/hello.c), then `./writ exec --add hello --
    /hello`: it reads through the view it kept and is denied everything else."""
    res = []
    src = os.path.join(qemu.ROOT, "userland", "lib", "wcap", "examples", "hello.c")
    exe = os.path.join(ctx.scratch, "hello")
    cc = subprocess.run([os.path.join(qemu.ROOT, "writ"), "cc", src, "-o", exe],
                        capture_output=True, timeout=600, cwd=ctx.scratch)
    check(res, cc.returncode == 0 and os.path.exists(exe), "newcomer-cc",
          "./writ cc: status %s, %r" % (cc.returncode, cc.stderr[-400:]))
    r = writ_exec(ctx, "newcomer", ["--add", exe, "--", "/hello"])
    want = (b"Hello from Writ. This file is readable through file:/home/yoric/*.txt:r.\n"
            b"open /etc/boot.conf: denied\n")
    check(res, r.status == 0 and r.out == want, "newcomer-run",
          "status %s, stdout %r" % (r.status, r.out))
    return res, r


def diff_run(ctx, prog):
    """One program of tests/diff/passing.txt: the same bytes and status as on the host."""
    from tests.diff import run as diff
    exe, why = diff.build(prog)
    res, r = [], Run(None, b"", b"", [])
    if exe:
        a, r = diff.run_host(exe), diff.run_writ(exe)
        r.log = ["# stdout: %r" % r.out[-400:], "# stderr: %r" % r.err[-400:]]
        why = diff.compare(a, r, "host", "writ")
    res.append((why is None, "diff/" + prog, why or ""))
    return res, r


def scenarios():
    """(group, name, function, kernel config) for tests/vm/scenarios.py."""
    from tests.diff import run as diff
    out = [("diff", "diff-" + p, lambda ctx, p=p: diff_run(ctx, p), "release")
           for p in diff.passing_programs()]
    runs = [("main", main_run), ("true", true_run), ("policy", policy_run),
            ("fault", fault_run), ("timeout", timeout_run),
            ("missing-program", missing_program_run), ("not-an-elf", not_elf_run),
            ("unknown-scheme", bad_policy_guest_run), ("host-input", host_input_run),
            ("newcomer", newcomer_run), ("dynamic-elf", dynamic_elf_run),
            ("capi", capi_run)]
    return out + [("exec", name, fn, "release") for name, fn in runs]
