#!/usr/bin/env python3
"""Fail the build if the second kernel link moved any function (see kern/ksyms.c)."""
import subprocess
import sys


def functions(nm, elf):
    out = subprocess.run([nm, "--defined-only", elf], check=True,
                         capture_output=True, text=True).stdout
    return {p[2]: p[0] for p in (l.split() for l in out.splitlines())
            if len(p) == 3 and p[1] in "tT"}


nm, first, second = sys.argv[1:4]
a, b = functions(nm, first), functions(nm, second)
moved = sorted(n for n in a if b.get(n) != a[n])
if moved or not a:
    sys.exit("check_ksyms: functions moved between links: %s" % ", ".join(moved[:10]))
