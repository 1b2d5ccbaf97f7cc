"""Scripted sessions at Writ's login shell over the serial line (the `shell` group).

A Session boots `./writ run`'s ISO, waits for the prompt, then types lines one at a
time and reads what came back up to the next prompt, as a user at the console would.
The prompt is /etc/profile's PS1 ('\\w \\$ '): the working directory, then '$ ' or '# '.
"""
import os
import re
import signal
import subprocess
import time

from tests.vm import jobs, qemu

# The end of a prompt: "~ $ " or "/tmp # ", at the end of what came so far.
PROMPT_RE = re.compile(rb"(\S+) [$#] $")


class Session:
    def __init__(self, iso, timeout=240):
        self.deadline = time.monotonic() + timeout
        self.log = b""          # every byte from COM1, for the report
        self.proc = subprocess.Popen(
            qemu.qemu_args(iso) + ["-display", "none", "-monitor", "none"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        qemu._live.add(self.proc.pid)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buf = b""
        self.last_cwd = None

    def _read(self, until, limit):
        """Bytes until the regex `until` matches the tail of the buffer; None at the
        deadline or when QEMU is gone. The matched buffer is consumed."""
        end = min(self.deadline, time.monotonic() + limit)
        while True:
            m = until.search(self.buf)
            if m:
                out, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return out
            chunk = qemu._read_some(self.proc, end)
            if chunk is None:
                return None
            self.buf += chunk
            self.log += chunk

    def prompt(self, limit=180):
        """Wait for a prompt; the text before it (None if none came)."""
        return self._read(re.compile(rb"(\S+) [$#] $"), limit)

    def wait_for(self, text, limit=60):
        return self._read(re.compile(re.escape(text.encode())), limit)

    def type(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def run(self, line, limit=90):
        """Type one line; the output it produced (the echoed line removed), or None when
        no prompt came back. CR LF become LF."""
        self.type(line + "\r")
        out = self.prompt(limit)
        if out is None:
            return None
        text = out.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
        text = self._drop_echo(text, line)
        m = re.search(r"(\S+) [$#] $", text)
        self.last_cwd = m.group(1) if m else None
        return text[:m.start()] if m else text

    @staticmethod
    def _drop_echo(text, line):
        """text without the shell's echo of line at its start: the echo wraps at the
        terminal's width (newlines inside it) and ends with one. Lines the shell does
        not echo as typed (control bytes) lose up to the first newline."""
        i = 0
        for ch in line.replace("\r", "\n"):
            while i < len(text) and text[i] == "\n" and ch != "\n":
                i += 1
            if i >= len(text) or text[i] != ch:
                nl = text.find("\n")
                return text[nl + 1:] if nl >= 0 else ""
            i += 1
        return text[i + 1:] if text[i:i + 1] == "\n" else text[i:]

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        qemu._live.discard(self.proc.pid)

    def lines(self):
        return self.log.decode("utf-8", "replace").replace("\r", "").split("\n")


# ---- the `shell` group: scripted sessions ---------------------------------------------

def _has(out, *texts):
    return out is not None and all(t in out for t in texts)


# (name, lines typed, check(output) -> bool). Each line is typed after the prompt; the
# output of the last is checked. `exec` replaces the shell (login starts a new one in
# /home/yoric), which is how external programs run until ash can fork.
CASES = [
    ("variables", ['x=5; y=$((x * 3)); echo "x=$x y=$y"'], lambda o: o == "x=5 y=15\n"),
    ("status-false", ["false; echo $?"], lambda o: o == "1\n"),
    ("status-true", ["true; echo $?"], lambda o: o == "0\n"),
    # touch tries utimensat first and creates the file when that says ENOENT.
    ("touch-creates", ["rm -f /tmp/new.txt; touch /tmp/new.txt; ls /tmp/new.txt; touch /tmp/new.txt; echo $?"],
     lambda o: o == "/tmp/new.txt\n0\n"),
    ("redirect-write", ["echo one > /tmp/r.txt", "read a < /tmp/r.txt; echo \"[$a]\""],
     lambda o: o == "[one]\n"),
    ("redirect-append", ["echo two >> /tmp/r.txt",
                         'while read l; do echo "[$l]"; done < /tmp/r.txt'],
     lambda o: o == "[one]\n[two]\n"),
    ("redirect-2>&1", ["{ echo out; echo err >&2; } > /tmp/both.txt 2>&1",
                       'while read l; do echo "<$l>"; done < /tmp/both.txt'],
     lambda o: o == "<out>\n<err>\n"),
    ("redirect-stderr-only", ["{ echo out; echo err >&2; } 2>/tmp/err.txt",
                              'read e < /tmp/err.txt; echo "e=$e"'],
     lambda o: o == "e=err\n"),
    ("unknown-command", ["nosuchcmd"], lambda o: _has(o, "nosuchcmd: not found")),
    ("unknown-command-status", ["nosuchcmd 2>/dev/null; echo $?"], lambda o: o == "127\n"),
    ("cd-bad", ["cd /nowhere; echo $?"], lambda o: _has(o, "can't cd to /nowhere", "2\n")),
    ("sandbox-allows-inside",
     ["exec sandbox 'file:/home/yoric/*.txt:r' -- /bin/cat /home/yoric/readme.txt"],
     lambda o: _has(o, "Hello from Writ. This file is readable")),
    ("sandbox-denies-outside",
     ["exec sandbox --explain 'file:/home/yoric/*.txt:r' -- /bin/cat /home/yoric/notes.md"],
     lambda o: _has(o, "cat: can't open '/home/yoric/notes.md'",
                    "sandbox: policy file:/home/yoric/*.txt:r refused open "
                    "/home/yoric/notes.md (ENOENT") and "# Notes" not in o),
    ("sandbox-denies-write",
     ["exec sandbox --explain 'file:/home/yoric/*.txt:r' -- /bin/sh -c "
      "'echo x > /home/yoric/readme.txt'"],
     lambda o: _has(o, "can't create /home/yoric/readme.txt: Permission denied",
                    "refused open /home/yoric/readme.txt (EACCES")),
    ("sandbox-no-wider",
     ["exec sandbox 'file:/home/yoric/*.txt:r' -- /bin/sandbox 'file:/home/**:r' -- /bin/true"],
     lambda o: _has(o, "sandbox: 'file:/home/**:r': reaches")),
    ("sandbox-print-id",
     ["exec sandbox --print-id 'file:/home/yoric/*.txt:r' -- /bin/true"],
     lambda o: o is not None and re.search(r"^\d+\n", o, re.M) is not None),
    ("captree-after-weaken",
     ["exec sandbox 'file:/**:rlx' -- /bin/sandbox 'file:/home/yoric/*.txt:r'"
      " -- /bin/captree"],
     lambda o: _has(o, "file:(root):rwcdxl", "\n  file:/**:rxl",
                    "\n    file:/home/yoric/*.txt:r")),
    ("sandbox-reads-program-with-its-policy",
     ["exec sandbox 'file:/home/yoric/**:rl' -- /bin/sandbox 'file:/home/yoric/*.txt:r'"
      " -- /bin/captree"],
     lambda o: _has(o, "sandbox: /bin/captree: no such program")),
    ("revoke-refused-outside",
     ["exec sandbox 'file:/home/yoric/**:rl' -- /bin/revoke 1"],
     lambda o: _has(o, "revoke: file policy 1 is not yours to revoke")),
    ("revoke-unknown-id", ["exec revoke 4000"], lambda o: _has(o, "no file policy has id 4000")),
    ("script-file",
     ["echo 'echo script says $1; exit 3' > /tmp/s.sh", "exec sh /tmp/s.sh hi"],
     lambda o: _has(o, "script says hi")),
    # Through the personality's sysinfo (memory figures are not the machine's yet).
    ("free", ["exec free"], lambda o: _has(o, "Mem:", "total")),
    ("uptime", ["exec uptime"], lambda o: _has(o, " up ", "load average:")),
    ("help", ["help"], lambda o: _has(o, "sandbox POLICY", "revoke ID", "captree")),
]

# `policy` on Writ against the host tool (build/host/bin/writ-policy): the same output.
POLICY_ARGS = [
    ("policy-parse", ["parse", "file:/tmp/a\\:b[0-9].log:wr"]),
    ("policy-parse-error", ["parse", "file:/a/b**:r"]),
    ("policy-match", ["match", "file:/home/u/*.txt:r", "/home/u/readme.txt"]),
    ("policy-match-no", ["match", "file:/home/u/*.txt:r", "/home/u/.txt"]),
    ("policy-subset", ["subset", "file:/home/u/readme.txt:r", "file:/home/u/*.txt:rw"]),
    ("policy-subset-counterexample", ["subset", "file:/home/u/*:r", "file:/home/u/*.txt:r"]),
    ("policy-subset-rights", ["subset", "file:/a:rwx", "file:/**:r"]),
]


def host_policy(args):
    """The host tool's output (stdout then stderr) and status for args."""
    tool = os.path.join(qemu.ROOT, "build", "host", "bin", "writ-policy")
    r = subprocess.run([tool] + args, capture_output=True, text=True)
    return r.stdout + r.stderr, r.returncode


def sh_quote(a):
    return "'" + a.replace("'", "'\\''") + "'"

# Cases that need ash to fork (pipelines, external commands, $(...), &): run when the
# shell can (a probe), not reported otherwise.
FORK_CASES = [
    ("pipeline", ["echo hi there | tr a-z A-Z"], lambda o: o == "HI THERE\n"),
    # $! is the program the job's fork exec'd: execve keeps the pid.
    ("kill-background-job", ["sleep 30 & p=$!; kill $p; wait $p; echo \"status $?\""],
     lambda o: o is not None and "status 143\n" in o),
    ("external-command", ["ls /home/yoric"], lambda o: _has(o, "notes.md", "readme.txt")),
    ("command-substitution", ['echo "[$(echo sub)]"'], lambda o: o == "[sub]\n"),
    ("script-status", ["sh /tmp/s.sh hi; echo \"status $?\""],
     lambda o: o == "script says hi\nstatus 3\n"),
    ("sandbox-status-fork", ["sandbox 'file:/tmp/**:r' -- /bin/false; echo $?"],
     lambda o: o == "1\n"),
]

# Processes and /proc (issue 23; the personality's procfs.c and init's process list),
# in a session of their own (proc_session_boot): a fresh machine, so what they count
# (processes, free memory) is not what the cases before them left. A revoke while a sandboxed program runs: the program
# waits on its standard input, a pipe from a loop that ends once the session touches
# /tmp/go, so nothing depends on how fast the guest's clock runs.
PROC_CASES = [
    ("ps", ["ps"], lambda o: _has(o, "PID", "COMMAND", "/sbin/file", "/sbin/login")),
    ("ps-columns", ["ps -o pid,ppid,pgid,stat,comm | grep -c '^ *[0-9][0-9]* '"],
     lambda o: o is not None and o.strip().isdigit() and int(o) >= 10),
    ("ps-sandboxed-sees-its-own",
     ["sandbox 'file:/tmp/**:r' -- /bin/ps -o pid,comm | grep -c '^ *[0-9]'"],
     lambda o: o == "1\n"),
    ("proc-listing", ["ls /proc | grep -c '^[0-9][0-9]*$'; ls /proc/self"],
     lambda o: _has(o, "cmdline", "comm", "stat", "status")
     and int(o.split()[0]) >= 10),
    ("proc-pid-files", ["cat /proc/$$/comm; tr '\\0' ' ' < /proc/$$/cmdline; echo;"
                        " grep -c '^PPid:' /proc/$$/status; cut -d' ' -f1,3 /proc/$$/stat"],
     lambda o: o is not None and o.split("\n")[0] == "sh"
     and re.search(r"^1\n\d+ S$", o, re.M) is not None),
    ("proc-no-such-pid", ["cat /proc/999999/stat; echo $?"],
     lambda o: _has(o, "can't open '/proc/999999/stat': No such file or directory", "1\n")),
    ("proc-ended-pid", ["sh -c 'exit 0' & p=$!; wait $p; cat /proc/$p/stat; echo $?"],
     lambda o: _has(o, "No such file or directory", "1\n")),
    ("ps-while-processes-end",
     ["(for i in 1 2 3 4 5 6; do /bin/true; done) & ps > /dev/null; echo ps=$?; wait"],
     lambda o: o is not None and o.startswith("ps=0\n")),
    # kill PID of a process that runs (a background job's $!: FORK_CASES).
    ("kill", ["sh -c 'kill -TERM $$; echo unreachable'; echo \"status $?\""],
     lambda o: o is not None and "status 143" in o and "unreachable" not in o),
    ("kill-no-such-pid", ["kill 999999; echo $?"],
     lambda o: _has(o, "can't kill pid 999999: No such process", "1\n")),
    ("pidof", ["pidof sh | grep -c $$"], lambda o: o == "1\n"),
    ("free-real", ["free | awk '/^Mem:/ { print ($2 > 65536 && $4 > 0 && $3 > 0) }'"],
     lambda o: o == "1\n"),
    ("uptime-real", ["cut -d' ' -f1 /proc/uptime | awk '{ print ($1 > 0) }'; cat /proc/loadavg"],
     lambda o: o is not None and o.startswith("1\n0.00 0.00 0.00 1/")),
    # log:'s kept lines through syslog(2): sethostname (170) is not served, which the
    # personality says on log: once.
    ("dmesg", ["busybox hostname writ 2>/dev/null; dmesg | grep -c 'syscall 170 not served'"],
     lambda o: o is not None and re.search(r"^1$", o, re.M) is not None),
    ("dmesg-lines-say-who", ["dmesg | grep -Evc '^\\[pid [0-9]* |^\\[kernel\\] '"],
     lambda o: o == "0\n"),
    ("dmesg-kernel-lines", ["dmesg | grep -c '^\\[kernel\\] Writ .*capability microkernel'"],
     lambda o: o == "1\n"),
    ("top", ["top -b -n 1 | head -5"],
     lambda o: _has(o, "Mem:", "Load average:", "PID")),
]


# A sandboxed program that outlives a revoke typed at the shell (the program waits on
# its standard input, a pipe from a loop that ends once the session touches /tmp/go):
# the live tree no longer has the policy and "revoked" lists it; the program's next
# open through it fails (EIO, as the harness's revoke/* expect), where the same open
# without the revoke reads the file.
REVOKE_CASES = [
    ("sandbox-sh-reads", ["sandbox 'file:/home/yoric/**:r' -- /bin/sh -c "
                          "'read l < /home/yoric/readme.txt; echo \"[$l]\"'"],
     lambda o: o is not None and "\n[Hello from Writ." in "\n" + o),
    ("captree-after-revoke",
     ["rm -f /tmp/go /tmp/id.txt; (until [ -e /tmp/go ]; do sleep 1; done; echo go) |"
      " sandbox --print-id 'file:/home/yoric/**:r' -- /bin/sh -c 'read x' > /tmp/id.txt &",
      "until read id < /tmp/id.txt; do sleep 1; done; revoke $id; captree > /tmp/ct.txt;"
      " sed '/^revoked/,$d' /tmp/ct.txt | grep -c 'yoric/\\*\\*';"
      " sed -n '/^revoked/,$p' /tmp/ct.txt | grep -c 'yoric/\\*\\*'; touch /tmp/go; wait"],
     lambda o: _has(o, "revoked", "\n0\n1\n")),
    ("revoke-while-running",
     ["rm -f /tmp/go /tmp/run.txt; (until [ -e /tmp/go ]; do sleep 1; done; echo go) |"
      " sandbox --print-id 'file:/home/yoric/**:r' -- /bin/sh -c "
      "'read x; read l < /home/yoric/readme.txt; echo \"[$l]\"' > /tmp/run.txt 2>&1 &",
      "until read id < /tmp/run.txt; do sleep 1; done; revoke $id; touch /tmp/go; wait;"
      " cat /tmp/run.txt"],
     lambda o: _has(o, "revoked", "can't open /home/yoric/readme.txt: Input/output error",
                    "\n[]\n") and "Hello from Writ" not in o),
]


def session_boot(ctx, cfg):
    """`./writ run`'s ISO, and a session at its login shell over the serial line: every
    case of CASES typed in order (FORK_CASES too when the shell can fork), then
    binary garbage at the prompt, after which the shell must still answer."""
    iso = os.path.join(qemu.ROOT, "build", cfg, "writ.iso")
    s = Session(iso, timeout=400)
    res = []
    try:
        first = s.prompt()
        res.append((first is not None, "shell/prompt", "no prompt came"))
        if first is None:
            return res, qemu.Boot(s.lines(), None, True, None, 0)
        out = s.run("cd /tmp")
        res.append((s.last_cwd == "/tmp", "shell/cd-prompt",
                    "after cd /tmp the prompt shows %r" % s.last_cwd))
        s.run("cd")
        res.append((s.last_cwd == "/home/yoric", "shell/cd-home",
                    "after cd the prompt shows %r" % s.last_cwd))
        heredoc = s.run('while read l; do echo "<$l>"; done <<EOF\ralpha\r$HOME\rEOF')
        res.append((_has(heredoc, "<alpha>\n<" + "/home/yoric>\n"), "shell/here-document",
                    "printed %r" % heredoc))
        for name, lines, check in CASES:
            for line in lines:
                out = s.run(line)
            res.append((out is not None and check(out), "shell/" + name, "printed %r" % out))
        for name, args in POLICY_ARGS:
            want, status = host_policy(args)
            out = s.run("policy() { exec /bin/policy \"$@\" 2>&1; }; policy " +
                        " ".join(sh_quote(a) for a in args))
            got = out.split("login: /bin/sh ended")[0] if out is not None else None
            res.append((got == want, "shell/" + name, "printed %r, the host tool %r" %
                        (got, want)))
        probe = s.run('echo "[$(echo forked)]"')
        if probe == "[forked]\n":
            for name, lines, check in FORK_CASES + REVOKE_CASES:
                for line in lines:
                    out = s.run(line)
                res.append((out is not None and check(out), "shell/" + name,
                            "printed %r" % out))
            res += jobs.job_cases(s)
        else:
            s.log += b"\n# shell: ash cannot fork here: the FORK_CASES were not run\n"
        garbage = s.run("\x01\x02\xde\xad\xbe\xef\x80\x9f\x7f\x0b zz")
        alive = s.run("echo alive")
        res.append((garbage is not None and alive == "alive\n", "shell/binary-garbage",
                    "after garbage the shell printed %r, then %r" % (garbage, alive)))
    finally:
        s.close()
    return res, qemu.Boot(s.lines(), s.proc.returncode, False, None, 0)


def proc_session_boot(ctx, cfg):
    """A session of its own for PROC_CASES, on `./writ run`'s ISO."""
    iso = os.path.join(qemu.ROOT, "build", cfg, "writ.iso")
    s = Session(iso, timeout=400)
    res = []
    try:
        if s.prompt() is None:
            res.append((False, "shell/proc-prompt", "no prompt came"))
            return res, qemu.Boot(s.lines(), None, True, None, 0)
        for name, lines, check in PROC_CASES:
            for line in lines:
                out = s.run(line)
            res.append((out is not None and check(out), "shell/" + name, "printed %r" % out))
    finally:
        s.close()
    return res, qemu.Boot(s.lines(), s.proc.returncode, False, None, 0)
