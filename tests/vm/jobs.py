"""ash's job control at the login shell over the serial line (the `shell` group): ^Z
stops the foreground job and the prompt comes back, `jobs` lists it, `fg` resumes it
and ^C ends it, `bg` runs a stopped job in the background, `cmd &` then `kill %1`.

^Z only reaches the job once it runs with the terminal given to its group, so each is
typed after a pause and, when no prompt came back, once more."""
import time

STOPPED = "Stopped                    sleep 100"


def _stop(s, command):
    """Type command, then ^Z once it runs: the text up to the prompt, or None."""
    s.type(command + "\r")
    s.wait_for(command, 30)
    for _ in range(2):
        time.sleep(2)
        s.type("\x1a")
        out = s.prompt(30)
        if out is not None:
            return out.decode("utf-8", "replace").replace("\r", "")
    return None


def job_cases(s):
    """Results (ok, name, why) of the job control cases, typed in the session s."""
    res = []
    out = _stop(s, "sleep 100")
    res.append((out is not None and "[1]+  " + STOPPED in out, "shell/jobs-ctrl-z-stops",
                "after ^Z: %r" % out))
    if out is None:
        return res
    out = s.run("jobs")
    res.append((out == "[1]+  " + STOPPED + "\n", "shell/jobs-lists-stopped", "printed %r" % out))
    s.type("fg\r")
    s.wait_for("sleep 100", 30)
    time.sleep(2)
    s.type("\x03")
    out = s.prompt(30)
    res.append((out is not None, "shell/jobs-fg-then-ctrl-c", "after fg and ^C: %r" % out))
    out = s.run("jobs; echo done")
    res.append((out == "done\n", "shell/jobs-fg-job-gone", "printed %r" % out))
    out = _stop(s, "sleep 100")
    s.run("bg")
    out = s.run("jobs")
    res.append((out is not None and "Running                    sleep 100" in out,
                "shell/jobs-bg-runs", "printed %r" % out))
    out = s.run("kill %1; wait %1; echo status $?")
    res.append((out is not None and "status 143\n" in out, "shell/jobs-kill-bg",
                "printed %r" % out))
    s.run("sleep 100 &")
    out = s.run("jobs")
    res.append((out is not None and "[1]+  Running                    sleep 100" in out,
                "shell/jobs-background-listed", "printed %r" % out))
    out = s.run("kill %1; wait; jobs; echo done")
    res.append((out is not None and out.endswith("done\n") and "Running" not in out,
                "shell/jobs-kill-background", "printed %r" % out))
    return res
