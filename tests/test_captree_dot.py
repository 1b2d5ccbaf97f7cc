#!/usr/bin/env python3
"""Host tests of tests/tools/captree_dot.py (`./writ captree`): the last captree DOT
picture is found in a serial log among other programs' lines and rendered by Graphviz.
Prints `ok - captree-tools/NAME` lines, then `N passed, N failed`."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import captree_dot  # noqa: E402

LOG = """\
[pid 3 file] file: up\r
digraph captree {\r
  node [shape=box, fontname=monospace];\r
  subgraph cluster_file {\r
  label="file:";\r
  }\r
}\r
init: something else\r
digraph captree {\r
  node [shape=box, fontname=monospace];\r
  subgraph cluster_file {\r
  label="file:";\r
  file_p1 [label="file:(root):rwcdxl\\nmade by init\\nheld by pid 12 /bin/sh"];\r
file: denied open /x (ENOENT, policy /a/*) by pid 9 /bin/cat\r
  file_p3 [label="file:/a/*:r\\nmade by pid 12 /bin/sh\\nheld by pid 13 /bin/cat"];\r
  file_p1 -> file_p3;\r
  }\r
}\r
$ \r
"""

passed = failed = 0


def check(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - captree-tools/%s" % name)
    else:
        failed += 1
        print("not ok - captree-tools/%s: %s" % (name, why))


dot = captree_dot.extract(LOG)
check(dot is not None and "file_p3" in dot and "denied" not in dot and
      dot.count("digraph") == 1 and dot.endswith("}\n"), "extract-last-picture-without-noise",
      repr(dot))
check(captree_dot.extract("no picture here\n") is None, "extract-none")
check(captree_dot.extract("digraph captree {\n  a -> b;\n") is None, "extract-cut-short")
with tempfile.TemporaryDirectory() as d:
    log = os.path.join(d, "run.log")
    with open(log, "w") as f:
        f.write(LOG)
    out = os.path.join(d, "tree.svg")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "tools", "captree_dot.py"),
                        log, "--out", out], capture_output=True, text=True)
    check(r.returncode == 0 and os.path.exists(out) and
          "<svg" in open(out).read() and "held by pid 13" in open(out).read(),
          "render-svg", r.stderr)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "tools", "captree_dot.py"),
                        os.path.join(d, "missing.log")], capture_output=True, text=True)
    check(r.returncode == 1 and "cannot read" in r.stderr, "missing-log", r.stderr)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "tools", "captree_dot.py"),
                        log, "--out", os.path.join(d, "x.gif")], capture_output=True, text=True)
    check(r.returncode == 1 and "unknown picture format" in r.stderr, "bad-format", r.stderr)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
