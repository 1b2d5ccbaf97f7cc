#!/usr/bin/env python3
"""The last `captree --dot` picture in a serial log, as DOT and rendered by Graphviz.

    captree_dot.py LOG [--out FILE]     (FILE.svg, .png or .pdf; default captree.svg)

captree prints its DOT on the console among other programs' lines: the picture is the
last `digraph captree {` line, and after it the lines that belong to DOT (indented ones)
up to the closing `}`; lines of others that came in between are left out. Exit status
0 with the file written, 1 when the log holds no picture or dot failed, 2 on bad usage.
"""
import os
import shutil
import subprocess
import sys


def extract(text):
    """The last captree DOT graph in text (a serial log), or None."""
    lines = text.replace("\r", "").split("\n")
    start = max((i for i, l in enumerate(lines) if l.strip() == "digraph captree {"),
                default=None)
    if start is None:
        return None
    out = ["digraph captree {"]
    for l in lines[start + 1:]:
        if l == "}":
            out.append("}")
            return "\n".join(out) + "\n"
        if l.startswith("  "):
            out.append(l)
    return None     # cut short: the log ended inside the picture


def render(dot_text, out):
    """Graphviz's rendering of dot_text into out (format from its suffix): None, or why not."""
    fmt = os.path.splitext(out)[1].lstrip(".") or "svg"
    if fmt not in ("svg", "png", "pdf"):
        return "unknown picture format %r (svg, png or pdf)" % fmt
    dot = shutil.which("dot")
    if not dot:
        return "Graphviz's dot is not installed (./writ deps installs it)"
    r = subprocess.run([dot, "-T" + fmt, "-o", out], input=dot_text.encode(),
                       capture_output=True)
    if r.returncode:
        return "dot failed: %s" % r.stderr.decode(errors="replace").strip()
    return None


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    log, out = argv[0], "captree.svg"
    if len(argv) == 3 and argv[1] == "--out":
        out = argv[2]
    elif len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(log, errors="replace") as f:
            text = f.read()
    except OSError as e:
        print("captree: cannot read %s: %s" % (log, e.strerror), file=sys.stderr)
        return 1
    dot_text = extract(text)
    if dot_text is None:
        print("captree: no 'captree --dot' picture in %s (run captree --dot in Writ first)"
              % log, file=sys.stderr)
        return 1
    why = render(dot_text, out)
    if why:
        print("captree: " + why, file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
