"""`./writ exec`: run one program in a fresh Writ and return its exit status.

    ./writ exec [--add HOSTPATH[:PATH]]... [--policy POLICY]... [--timeout S] [--log FILE]
                [--debug] -- PROGRAM [ARGS...]

How a run reaches the guest. The ISO is built once (build/CFG/writ-exec.iso, `exec` on
the kernel command line); each run only writes a small disk: a cpio (newc) archive that
GRUB reads as a file system, holding two files GRUB loads as boot modules:
  exec        /sbin/exec's argument vector, NUL-terminated strings (so arguments keep
              spaces, quotes and newlines: nothing goes through the kernel command line)
  added.cpio  the --add files, a cpio archive that file: seeds over its boot tree
init runs /sbin/exec (userland/srv/init/exec.c, userland/srv/exec), which starts PROGRAM.

Output. The program's fds 1 and 2 are two UARTs of their own, COM2 and COM3, which QEMU
writes into two pipes: we copy them to our stdout and stderr as they come. COM1, where
the kernel, init and the servers write, goes to a log (--log FILE keeps it); none of it
reaches the terminal. stdin is empty (the program's fd 0 is null:).

Exit status: the program's; 128+N when it was killed by signal N (a fault nobody
handled counts as SIGSEGV: 139; a kill as SIGKILL: 137); 127 when PROGRAM is not in
file:, 126 when it cannot be started (not an ELF Writ runs, arguments too long), 125
when Writ failed (a policy refused in the guest, a panic, --timeout), 2 for bad input
found before booting (a missing host path, a malformed policy, no PROGRAM).
"""
import os
import re
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from . import qemu

STATUS_LINE = re.compile(r"^exec: status (\d+)\s*$")
BROKEN = 125
TIMED_OUT = -1
USAGE = 2
SCHEME_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


class ExecError(Exception):
    """Bad input found on the host: the message is for the user, the status is 2."""


# ---- cpio (newc) --------------------------------------------------------------------

def _newc_entry(name, mode, data=b"", ino=0):
    name_b = name.encode("utf-8", "surrogateescape") + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = head + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def newc(entries):
    """A newc archive of (name, mode, data) entries, in the order given."""
    out = b"".join(_newc_entry(n, m, d, i + 1) for i, (n, m, d) in enumerate(entries))
    return out + _newc_entry("TRAILER!!!", 0)


# ---- what the user asked for ----------------------------------------------------------

def split_add(spec):
    """HOSTPATH[:PATH] -> (hostpath, guest path). PATH is absolute, so the split is at
    the last ':' followed by '/' (a host path may hold ':' itself)."""
    at = spec.rfind(":/")
    host, dest = (spec[:at], spec[at + 1:]) if at > 0 else (spec, None)
    if not os.path.lexists(host):
        raise ExecError("--add %s: %s: no such file or directory" % (spec, host))
    if dest is None:
        base = os.path.basename(os.path.normpath(host))
        if base in ("", ".", "..", "/"):
            raise ExecError("--add %s: give a PATH for it (HOSTPATH:/PATH)" % spec)
        dest = "/" + base
    parts = [p for p in dest.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise ExecError("--add %s: the path in Writ must be absolute, without . or .. "
                        "and not / itself" % spec)
    return host, "/".join(parts)


def added_entries(adds):
    """The (name, mode, data) entries of every --add, parents before their contents."""
    entries = []

    def one(path, name):
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            entries.append((name, stat.S_IFLNK | 0o777, os.readlink(path).encode()))
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                entries.append((name, stat.S_IFREG | (st.st_mode & 0o7777), f.read()))
        elif stat.S_ISDIR(st.st_mode):
            entries.append((name, stat.S_IFDIR | (st.st_mode & 0o7777), b""))
            for child in sorted(os.listdir(path)):
                one(os.path.join(path, child), name + "/" + child)
        else:
            raise ExecError("--add: %s is neither a file, a folder nor a symbolic link"
                            % path)

    for host, dest in adds:
        try:
            one(host, dest)
        except OSError as e:
            raise ExecError("--add %s: %s" % (host, e.strerror or e))
    return entries


def check_policy(text, policy_tool):
    """A whole scheme (`pipe`) or scheme:glob:rights, checked with the same library the
    file server uses (writ-policy parse)."""
    if SCHEME_NAME.match(text):
        return
    if ":" not in text or not SCHEME_NAME.match(text.split(":", 1)[0]):
        raise ExecError("--policy %r: expected SCHEME or SCHEME:GLOB:RIGHTS, e.g. "
                        "'file:/home/yoric/**:rl'" % text)
    if not os.access(policy_tool, os.X_OK):
        return          # the guest checks it too
    p = subprocess.run([policy_tool, "parse", text], capture_output=True, text=True)
    if p.returncode != 0:
        why = (p.stderr or p.stdout).strip().splitlines()
        raise ExecError("--policy %r: %s" % (text, why[0] if why else "malformed"))


def description(policies, argv):
    """/sbin/exec's argument vector as the "exec" module holds it."""
    words = ["/sbin/exec"]
    for p in policies:
        words += ["--policy", p]
    words += ["--"] + list(argv)
    if any("\0" in w for w in words):
        raise ExecError("an argument holds a NUL byte, which no C program can receive")
    if len(words) > 64:
        raise ExecError("too many arguments (at most %d words with the policies)" % 60)
    return b"".join(w.encode("utf-8", "surrogateescape") + b"\0" for w in words)


def make_disk(path, desc, entries):
    """The disk GRUB reads the two modules from: padded to whole sectors."""
    disk = newc([("exec", stat.S_IFREG | 0o644, desc),
                 ("added.cpio", stat.S_IFREG | 0o644, newc(entries))])
    disk += b"\0" * (-len(disk) % 512)
    with open(path, "wb") as f:
        f.write(disk)


# ---- the run --------------------------------------------------------------------------

def exec_iso(cfg):
    return os.path.join(qemu.ROOT, "build", cfg, "writ-exec.iso")


def run(argv, adds=(), policies=(), cfg="release", timeout=0, log_path=None,
        accel="tcg", mem=256, out=None, err=None):
    """Boot, run argv[0] with argv, copy its output to out/err (binary files; default
    our stdout and stderr) as it comes; -> the exit status for the user."""
    out = out or sys.stdout.buffer
    err = err or sys.stderr.buffer
    if not argv:
        raise ExecError("no PROGRAM to run (usage: ./writ exec [OPTIONS] -- PROGRAM [ARGS...])")
    policy_tool = os.path.join(qemu.ROOT, "build", "host", "bin", "writ-policy")
    for p in policies:
        check_policy(p, policy_tool)
    entries = added_entries([split_add(a) for a in adds])
    desc = description(policies, argv)
    iso = exec_iso(cfg)
    if not os.path.exists(iso):
        raise ExecError("%s is not built (./writ exec builds it)" % iso)
    tmp = tempfile.mkdtemp(prefix="writ-exec-")
    try:
        disk = os.path.join(tmp, "exec.disk")
        log = log_path or os.path.join(tmp, "com1.log")
        make_disk(disk, desc, entries)
        status = _boot(iso, disk, log, timeout, accel, mem, out, err)
        if status == TIMED_OUT:
            return BROKEN
        if status is None:
            err.write(b"writ exec: Writ failed before the program ended; the end of its "
                      b"log:\n")
            with open(log, "rb") as f:
                for line in f.read().splitlines()[-15:]:
                    err.write(b"  | " + line.rstrip(b"\r") + b"\n")
            err.flush()
            return BROKEN
        return status
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _Discard:
    def write(self, data):
        pass

    def flush(self):
        pass


def _boot(iso, disk, log, timeout, accel, mem, out, err):
    """QEMU with COM1 to `log`, COM2 and COM3 to pipes copied to out and err.
    -> the status from `exec: status N` on COM1, or None."""
    pipes = [os.pipe(), os.pipe()]
    args = qemu.qemu_args(iso, accel=accel, mem=mem, serial="file:" + log)
    for r, w in pipes:
        # QEMU opens /dev/fd/N afresh: the same pipe, our copy stays the only reader.
        args += ["-serial", "file:/dev/fd/%d" % w]
    args += ["-drive", "file=%s,format=raw,if=ide,index=0" % disk,
             "-display", "none", "-monitor", "none"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, pass_fds=[w for _, w in pipes],
                            start_new_session=True)
    qemu._live.add(proc.pid)
    for _, w in pipes:
        os.close(w)
    sinks = {pipes[0][0]: out, pipes[1][0]: err}
    deadline = time.monotonic() + timeout if timeout else None
    timed_out = False
    try:
        while sinks:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select(list(sinks), [], [], left)
            for fd in ready:
                data = os.read(fd, 65536)
                if not data:
                    del sinks[fd]
                    os.close(fd)
                    continue
                try:
                    sinks[fd].write(data)
                    sinks[fd].flush()
                except (BrokenPipeError, ValueError):
                    # Our reader left (`| head`): keep draining, so QEMU never blocks.
                    sinks[fd] = _Discard()
    finally:
        if proc.poll() is None and timed_out:
            os.killpg(proc.pid, 9)
        proc.wait()
        qemu._live.discard(proc.pid)
        for fd in list(sinks):
            os.close(fd)
    if timed_out:
        err.write(b"writ exec: timed out after %d s (--timeout)\n" % timeout)
        err.flush()
        return TIMED_OUT
    with open(log, "rb") as f:
        lines = f.read().decode("utf-8", "replace").splitlines()
    for line in lines:
        m = STATUS_LINE.match(line.strip("\r"))
        if m:
            return int(m.group(1))
    qemu_err = proc.stderr.read().decode("utf-8", "replace").strip()
    if qemu_err:
        err.write(("writ exec: QEMU: %s\n" % qemu_err).encode())
    return None


OPTIONS_HELP = """usage: ./writ exec [--add HOSTPATH[:PATH]]... [--policy POLICY]... [--timeout S]
                  [--log FILE] [--mem MIB] [--debug] -- PROGRAM [ARGS...]"""


def parse(words):
    """The command line by hand: everything after `--` (or the first word that is no
    option) is the program's, untouched."""
    o = {"add": [], "policy": [], "timeout": 0, "log": None, "mem": 256, "debug": False}
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--":
            return o, words[i + 1:]
        if w == "--debug":
            o["debug"] = True
        elif w in ("--add", "--policy", "--timeout", "--log", "--mem"):
            if i + 1 == len(words):
                raise ExecError("%s needs a value\n%s" % (w, OPTIONS_HELP))
            v = words[i + 1]
            i += 1
            if w in ("--add", "--policy"):
                o[w[2:]].append(v)
            elif w == "--log":
                o["log"] = os.path.abspath(v)
            else:
                try:
                    o[w[2:]] = int(v)
                except ValueError:
                    raise ExecError("%s wants a number, not %r" % (w, v))
        elif w in ("-h", "--help"):
            raise ExecError(OPTIONS_HELP)
        elif w.startswith("-"):
            raise ExecError("unknown option %s\n%s" % (w, OPTIONS_HELP))
        else:
            return o, words[i:]
        i += 1
    return o, []


def main(words):
    """`runner.py exec`'s entry: the words after `exec` in, exit status out. Relative
    host paths are the caller's (./writ runs us from the checkout)."""
    os.chdir(os.environ.get("WRIT_CALLER_DIR", os.getcwd()))
    try:
        o, argv = parse(words)
        return run(argv, adds=o["add"], policies=o["policy"],
                   cfg="debug" if o["debug"] else "release", timeout=o["timeout"],
                   log_path=o["log"], mem=o["mem"])
    except ExecError as e:
        sys.stderr.write("writ exec: %s\n" % e)
        return USAGE
