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

from tests.vm import qemu

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

    def run(self, line, limit=60):
        """Type one line; the output it produced (the echoed line removed), or None when
        no prompt came back. CR LF become LF."""
        self.type(line + "\r")
        out = self.prompt(limit)
        if out is None:
            return None
        text = out.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
        # Drop the echo of the line (up to its newline) and the next prompt.
        nl = text.find("\n")
        text = text[nl + 1:] if nl >= 0 else ""
        m = re.search(r"(\S+) [$#] $", text)
        self.last_cwd = m.group(1) if m else None
        return text[:m.start()] if m else text

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        qemu._live.discard(self.proc.pid)

    def lines(self):
        return self.log.decode("utf-8", "replace").replace("\r", "").split("\n")
