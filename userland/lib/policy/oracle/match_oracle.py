#!/usr/bin/env python3
"""Matching oracle: Python's `re` against the policy library.

Reads cases from `oracle_gen match SEED N` (canonical glob, path, library verdict,
all hex), translates each canonical glob to a byte regular expression with its own
parser of the grammar in proofs-notes/policy.md, and checks the library's verdict
with re.fullmatch. Standard library only.

usage: match_oracle.py ORACLE_GEN [SEED [N]]
"""
import random
import re
import subprocess
import sys

SLASH, DOT = 0x2F, 0x2E


def parse_class(g, i):
    """g[i] is just after '['; returns (set of bytes, index after ']')."""
    neg = i < len(g) and g[i] == ord("!")
    if neg:
        i += 1
    members, first = set(), True

    def one(i):
        if g[i] == ord("\\"):
            return g[i + 1], i + 2
        return g[i], i + 1

    while True:
        if i >= len(g):
            raise ValueError("unterminated class")
        if g[i] == ord("]") and not first:
            i += 1
            break
        if first and g[i] == ord("]"):
            lo, i = g[i], i + 1
        else:
            lo, i = one(i)
        first = False
        hi = lo
        if i + 1 < len(g) and g[i] == ord("-") and g[i + 1] != ord("]"):
            hi, i = one(i + 1)
        members.update(range(lo, hi + 1))
    if neg:
        members = set(range(1, 256)) - members
    members.discard(SLASH)
    members.discard(0)
    return members, i


def parse_segment(seg):
    """Items: ('lit', b) | ('set', {bytes}) | ('star',)."""
    items, i = [], 0
    while i < len(seg):
        c = seg[i]
        if c == ord("\\"):
            items.append(("lit", seg[i + 1]))
            i += 2
        elif c == ord("*"):
            items.append(("star",))
            i += 1
        elif c == ord("?"):
            items.append(("set", set(range(1, 256)) - {SLASH}))
            i += 1
        elif c == ord("["):
            s, i = parse_class(seg, i + 1)
            items.append(("lit", next(iter(s))) if len(s) == 1 else ("set", s))
        else:
            items.append(("lit", c))
            i += 1
    return items


def byteclass(s):
    if not s:
        return None
    return b"[" + b"".join(b"\\x%02x" % b for b in sorted(s)) + b"]"


def item_re(it):
    if it[0] == "lit":
        return re.escape(bytes([it[1]]))
    if it[0] == "set":
        return byteclass(it[1])
    return b"[^/]*"


def rest_re(items):
    return b"".join(item_re(it) for it in items)


def nodot_re(items):
    """Regex for L(items) minus the words starting with '.', or None if empty."""
    if not items:
        return b""
    it, rest = items[0], items[1:]
    if it[0] == "lit":
        return None if it[1] == DOT else item_re(it) + rest_re(rest)
    if it[0] == "set":
        c = byteclass(it[1] - {DOT})
        return None if c is None else c + rest_re(rest)
    alts = [b"[^/.][^/]*" + rest_re(rest)]
    tail = nodot_re(rest)
    if tail is not None:
        alts.append(tail)
    return b"(?:" + b"|".join(alts) + b")"


def glob_re(g):
    """Paths are read as their segments, each after '/'; the root is b''."""
    if g == b"/":
        return b""
    out = []
    for seg in g.split(b"/")[1:]:
        if seg == b"**":
            out.append(b"(?:/[^/.][^/]*)*")
            continue
        items = parse_segment(seg)
        if items[0] == ("lit", DOT):
            out.append(b"/" + rest_re(items))
        else:
            r = nodot_re(items)
            if r is None:
                return b"(?!)"
            out.append(b"/" + r)
    return b"".join(out)


def families(g, p):
    fam = {"all"}
    for name, probe in (("star", b"*"), ("question", b"?"), ("class", b"["), ("escape", b"\\")):
        if probe in g.replace(b"**", b""):
            fam.add(name)
    if b"**" in g:
        fam.add("dstar")
    if re.search(rb"/\.", p):
        fam.add("dotfile")
    if any(b >= 0x80 for b in p):
        fam.add("bytes")
    return fam


def main():
    gen = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else random.randrange(1 << 32)
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    print("# match_oracle: seed %d (rerun: match_oracle.py GEN %d %d)" % (seed, seed, n))
    out = subprocess.run([gen, "match", str(seed), str(n)], check=True,
                         capture_output=True).stdout.decode()
    seen, bad, yes, cache = {}, {}, 0, {}
    for line in out.splitlines():
        gh, ph, v = line.split()
        g, p = bytes.fromhex(gh), bytes.fromhex(ph)
        if g not in cache:
            cache[g] = re.compile(glob_re(g), re.DOTALL)
        want = cache[g].fullmatch(b"" if p == b"/" else p) is not None
        yes += want
        for f in families(g, p):
            seen[f] = seen.get(f, 0) + 1
            if want != (v == "1") and f not in bad:
                bad[f] = "glob %r path %r: library says %s, re says %s" % (
                    g, p, "match" if v == "1" else "no match", "match" if want else "no match")
    print("# %d cases, %d matches (re)" % (sum(1 for _ in out.splitlines()), yes))
    failed = False
    for f in ("all", "star", "question", "dstar", "class", "escape", "dotfile", "bytes"):
        name = "policy/oracle-python-match-" + f
        if seen.get(f, 0) < 50:
            print("not ok - %s: only %d cases" % (name, seen.get(f, 0)))
            failed = True
        elif f in bad:
            print("not ok - %s: %s" % (name, bad[f]))
            failed = True
        else:
            print("ok - %s" % name)
            print("# %s: %d cases agree" % (f, seen[f]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
