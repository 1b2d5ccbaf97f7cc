#!/usr/bin/env python3
"""The reference page of the kernel's invocations, kern/abi/README.md, from
kern/abi/writ/invocations.def (the one list the kernel's decode, <writ/abi.h> and
libwrit's stubs are built from).

  gen_abi_doc.py            write kern/abi/README.md
  gen_abi_doc.py --check    regenerate it and compare with the committed page; also
                            check the .def itself (labels unique, every error and
                            object type known, every invocation decoded by the kernel
                            and wrapped by a libwrit stub). Prints one TAP line.

The page names, per invocation, the files that decode it and the stub that calls it,
found by the names the .def gives them (WRIT_LABEL_<NAME>, WRIT_ARG_<NAME>_*, ...), so
a decode or stub that moves, or a label no code handles, changes the page or fails.
"""
import difflib
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEF = os.path.join(ROOT, "kern/abi/writ/invocations.def")
ABI = os.path.join(ROOT, "kern/abi/writ/abi.h")
PAGE = os.path.join(ROOT, "kern/abi/README.md")
STUBS = "userland/lib/writ/src/invoke.c"
DECODE_DIRS = ["kern"]

ARITY = {"WRIT_INV": 4, "WRIT_ARG": 5, "WRIT_VARARG": 3, "WRIT_RES": 3,
         "WRIT_VARRES": 3, "WRIT_ERR": 3, "WRIT_END": 1}

KINDS = {
    "WORD": "word", "BOOL": "0 or not", "TYPE": "object type", "CPTR": "cptr",
    "INDEX": "slot index", "DEPTH": "depth", "RIGHTS": "rights", "BADGE": "badge",
    "GUARD": "guard", "VADDR": "address", "ATTR": "attributes", "PORT": "port",
}


class DefError(Exception):
    pass


def split_args(text):
    """The comma-separated arguments of one macro call; adjacent strings join."""
    args, cur, i = [], "", 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur += text[i:j + 1]
            i = j + 1
            continue
        if c == ",":
            args.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    args.append(cur.strip())
    return [join_strings(a) if a.startswith('"') else a for a in args]


def join_strings(a):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', a))


def read_calls(path):
    """(macro, args, line) for each WRIT_* call in the .def, outside comments and
    preprocessor lines."""
    src = open(path).read()
    src = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), src, flags=re.S)
    calls = []
    lines = src.split("\n")
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = re.fullmatch(r"(WRIT_[A-Z]+)\((.*)\)", s)
        if not m or m.group(1) not in ARITY:
            raise DefError(f"{path}:{n}: not an invocation line: {s}")
        args = split_args(m.group(2))
        if len(args) != ARITY[m.group(1)]:
            raise DefError(f"{path}:{n}: {m.group(1)} takes {ARITY[m.group(1)]} arguments")
        calls.append((m.group(1), args, n))
    return calls


def parse(path):
    invs, cur = [], None
    for macro, a, n in read_calls(path):
        if macro == "WRIT_INV":
            if cur:
                raise DefError(f"line {n}: {cur['name']} has no WRIT_END")
            cur = {"name": a[0], "label": int(a[1], 0), "obj": a[2], "doc": a[3],
                   "args": [], "vararg": None, "res": [], "varres": None, "errs": []}
            continue
        if not cur or a[0] != cur["name"]:
            raise DefError(f"line {n}: {macro}({a[0]}) outside its invocation")
        if macro == "WRIT_ARG":
            if cur["vararg"]:
                raise DefError(f"line {n}: an argument after the variable run")
            cur["args"].append({"name": a[1], "kind": a[2], "obj": a[3], "doc": a[4]})
        elif macro == "WRIT_VARARG":
            cur["vararg"] = {"name": a[1], "doc": a[2]}
        elif macro == "WRIT_RES":
            cur["res"].append({"name": a[1], "doc": a[2]})
        elif macro == "WRIT_VARRES":
            cur["varres"] = {"name": a[1], "doc": a[2]}
        elif macro == "WRIT_ERR":
            cur["errs"].append({"name": a[1], "doc": a[2]})
        elif macro == "WRIT_END":
            invs.append(cur)
            cur = None
    if cur:
        raise DefError(f"{cur['name']} has no WRIT_END")
    return invs


def abi_names(prefix_macro, prefix):
    """The names an X-macro list of abi.h defines, without their prefix."""
    src = open(ABI).read()
    m = re.search(r"#define " + prefix_macro + r"\(E\)(.*?)\n\n", src, re.S)
    return {x[len(prefix):] for x in re.findall(r"E\((" + prefix + r"\w+)", m.group(1))}


def uses(name, text):
    return re.search(r"\bWRIT_(?:LABEL|ARGC|RESC)_" + name + r"\b|\bWRIT_(?:ARG|RES)_" + name
                     + r"_[A-Z]|\bwrit_inv_" + name.lower() + r"\(", text)


def find_decoders(invs):
    files = []
    for d in DECODE_DIRS:
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            for f in sorted(names):
                if f.endswith(".c"):
                    p = os.path.join(dirpath, f)
                    files.append((os.path.relpath(p, ROOT), open(p).read()))
    files.sort()
    return {i["name"]: [p for p, t in files if uses(i["name"], t)] for i in invs}


def find_stubs(invs):
    text = open(os.path.join(ROOT, STUBS)).read()
    funcs = re.findall(r"^(writ_\w+)\(.*?\n\{(.*?)\n\}", text, re.M | re.S)
    return {i["name"]: [f for f, body in funcs if uses(i["name"], body)] for i in invs}


def check(invs, decoders, stubs):
    errs = abi_names("WRIT_ERRORS", "WRIT_")
    objs = abi_names("WRIT_OBJECT_TYPES", "WRIT_OBJ_")
    seen, problems = {}, []
    for i in invs:
        if i["label"] in seen or i["label"] == 0:
            problems.append(f"{i['name']}: label {i['label']} taken by {seen.get(i['label'], 'INVALID')}")
        seen[i["label"]] = i["name"]
        if i["obj"] not in objs:
            problems.append(f"{i['name']}: object type {i['obj']} unknown")
        names = [a["name"] for a in i["args"]]
        if len(set(names)) != len(names):
            problems.append(f"{i['name']}: an argument named twice")
        for a in i["args"]:
            if a["kind"] not in KINDS:
                problems.append(f"{i['name']}.{a['name']}: kind {a['kind']} unknown")
            if a["obj"] not in objs:
                problems.append(f"{i['name']}.{a['name']}: object type {a['obj']} unknown")
            if a["kind"] != "CPTR" and a["obj"] != "NULL":
                problems.append(f"{i['name']}.{a['name']}: only a CPTR names an object type")
        for e in i["errs"]:
            if "E_" + e["name"] not in errs:
                problems.append(f"{i['name']}: error WRIT_E_{e['name']} unknown")
        if not decoders[i["name"]]:
            problems.append(f"{i['name']}: no kernel file decodes it (WRIT_LABEL_{i['name']})")
        if not stubs[i["name"]]:
            problems.append(f"{i['name']}: no libwrit stub in {STUBS}")
    return problems


COMMON = """\
## Every invocation

An invocation is a Call (`WRIT_SYS_CALL`) on a capability to a kernel object: the
message label is the invocation's `WRIT_LABEL_*`, its words the arguments below, in
order (the first `WRIT_MSG_REGS` in registers, the rest in the IPC buffer). The reply
carries the error in rax and in its label, and the results in its words. Besides the
errors listed per invocation, any invocation may answer:

- `WRIT_E_TRUNCATED_MESSAGE`: fewer message words than its arguments (test
  `kern/abi-truncated-<name>` sends one too few to each);
- `WRIT_E_ILLEGAL_OPERATION`: the label is not one the object's type takes;
- `WRIT_E_INVALID_CAP`, `WRIT_E_LOOKUP_*` (with the lookup fault in the reply's
  words, see `<writ/abi.h>`): the invoked capability, or a CPTR argument, does not
  resolve, or resolves to the wrong type; `WRIT_E_RANGE` for a slot depth outside 1..64.

A CPTR argument is resolved at full depth in the caller's CSpace; a slot is an INDEX
and DEPTH in the CNode the CPTR before them names (or in the invoked CNode). A CPTR of
0 means "none" where the meaning says so.
"""


def render(invs, decoders, stubs):
    out = ["<!-- Generated by kern/tools/gen_abi_doc.py from kern/abi/writ/invocations.def;"
           " do not edit. Test: kern/abi-doc. -->", "",
           "# kern/abi: the user/kernel boundary", "",
           "This folder is the only part of `kern/` user space may include:", "",
           "- `writ/abi.h`: fixed-width words, errors, rights, object types, syscalls, the",
           "  message info, the IPC buffer, faults and BootInfo;",
           "- `writ/invocations.def`: every invocation of a kernel object, once. `abi.h`",
           "  expands it into the label enum (`WRIT_LABEL_<NAME>`), argument positions",
           "  (`WRIT_ARG_<NAME>_<ARG>`, `WRIT_ARGC_<NAME>`) and result positions",
           "  (`WRIT_RES_<NAME>_<RES>`, `WRIT_RESC_<NAME>`); the kernel's decode reads its",
           "  arguments by them; libwrit's stubs (`writ_inv_<name>()` in `<writ/stubs.h>`)",
           "  are generated from the same lines at build time",
           "  (`kern/tools/gen_invoke_stubs.py`), and so is this page.", "",
           "Find an invocation by its name: `grep -rni <NAME> kern userland/lib/writ`",
           "shows its entry in the .def, its decode and the libwrit function that calls",
           "its stub.", "",
           COMMON.rstrip(), "", "## Index", "",
           "| label | name | invoked on | arguments | results | decode | stub |",
           "| ---: | --- | --- | ---: | ---: | --- | --- |"]
    for i in invs:
        nargs = str(len(i["args"])) + ("+" if i["vararg"] else "")
        nres = str(len(i["res"])) + ("+" if i["varres"] else "")
        dec = ", ".join(f"`{d}`" for d in decoders[i["name"]])
        stub = ", ".join(f"`{s}()`" for s in stubs[i["name"]])
        out.append(f"| {i['label']} | [`{i['name']}`](#{i['name'].lower()}) | {i['obj']} | "
                   f"{nargs} | {nres} | {dec} | {stub} |")
    for i in invs:
        out += ["", f"### {i['name']}", "",
                f"`WRIT_LABEL_{i['name']}` = {i['label']}, invoked on a `WRIT_OBJ_{i['obj']}`"
                " capability.", "", i["doc"], ""]
        if i["args"] or i["vararg"]:
            out += ["| word | argument | kind | meaning |", "| ---: | --- | --- | --- |"]
            for n, a in enumerate(i["args"]):
                kind = KINDS[a["kind"]]
                if a["kind"] == "CPTR" and a["obj"] != "NULL":
                    kind += f" to {a['obj']}"
                out.append(f"| {n} | `{a['name']}` | {kind} | {a['doc']} |")
            if i["vararg"]:
                out.append(f"| {len(i['args'])}.. | `{i['vararg']['name']}` | words | "
                           f"{i['vararg']['doc']} |")
        else:
            out.append("No arguments.")
        out.append("")
        if i["res"] or i["varres"]:
            out += ["| word | result | meaning |", "| ---: | --- | --- |"]
            for n, r in enumerate(i["res"]):
                out.append(f"| {n} | `{r['name']}` | {r['doc']} |")
            if i["varres"]:
                out.append(f"| {len(i['res'])}.. | `{i['varres']['name']}` | "
                           f"{i['varres']['doc']} |")
        else:
            out.append("No results.")
        out.append("")
        if i["errs"]:
            out.append("Errors:")
            out.append("")
            for e in i["errs"]:
                out.append(f"- `WRIT_E_{e['name']}`: {e['doc']}")
        else:
            out.append("No errors of its own.")
        out += ["", "Decode: " + ", ".join(f"`{d}`" for d in decoders[i["name"]])
                + "; stub: " + ", ".join(f"`{s}()`" for s in stubs[i["name"]]) + "."]
    return "\n".join(out) + "\n"


def main(argv):
    name = "kern/abi-doc"
    try:
        invs = parse(DEF)
    except DefError as e:
        print(f"not ok - {name}: {e}")
        return 1
    decoders, stubs = find_decoders(invs), find_stubs(invs)
    page = render(invs, decoders, stubs)
    if "--check" not in argv:
        with open(PAGE, "w") as f:
            f.write(page)
        return 0
    problems = check(invs, decoders, stubs)
    old = open(PAGE).read() if os.path.exists(PAGE) else ""
    if old != page:
        diff = difflib.unified_diff(old.splitlines(), page.splitlines(), "committed",
                                    "generated", lineterm="", n=1)
        for line in list(diff)[:40]:
            print("# " + line)
        problems.append("kern/abi/README.md differs from what invocations.def gives "
                        "(run kern/tools/gen_abi_doc.py)")
    for p in problems:
        print("# " + p)
    if problems:
        print(f"not ok - {name}: {problems[0]}")
        return 1
    print(f"ok - {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
