#!/usr/bin/env python3
"""`./writ bench`'s figures beside their references: a text table and an HTML page.

usage: bench_table.py [--html FILE] [--linux DIR] [--refs FILE] RAW...

RAW holds `bench group/name VALUE UNIT accel=...` lines (other lines are ignored), e.g. a
saved `./writ bench` output. References come from tests/bench_refs.json (seL4's figures,
the issues' targets, and which Linux benchmark matches which figure) and from the saved
results of ../shared/bench-linux/ (Linux in the same QEMU), or, for a figure that names a
`results` file of this repository (tests/bench_linux_shell.txt), from that file. Without
any Linux result the table has no Linux column, and says so. Ratios are Writ / reference: below 1 is faster.
"""
import argparse
import glob
import html
import json
import os
import re
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFS = os.path.join(ROOT, "tests", "bench_refs.json")
RAW = re.compile(r"^bench (\S+) (-?[0-9.]+) (\S+) accel=(\S+)\s*$")
LINUX_LINE = re.compile(r"^([a-z][A-Za-z0-9_]*) ([0-9.]+) ([0-9.]+) ([0-9]+)")
HOST_LINE = re.compile(r"^# host: (\w+) ([0-9.]+)")
HEADER = re.compile(r"^# host: mode=(\S+) boot=(\S+)")
KINDS = ("sel4", "linux", "target")
KIND_TITLE = {"sel4": "seL4", "linux": "Linux", "target": "target"}


def linux_dir(root=ROOT):
    """Where bench-linux lives: beside the checkout (../shared), as in CI and on the
    development machines; WRIT_BENCH_LINUX overrides it."""
    return os.environ.get("WRIT_BENCH_LINUX") or \
        os.path.normpath(os.path.join(root, "..", "shared", "bench-linux"))


def parse_raw(lines):
    """The figures of raw bench lines, in order: dicts of name, value, unit, accel."""
    figures = []
    for line in lines:
        m = RAW.match(line.rstrip("\n"))
        if m:
            figures.append({"name": m.group(1), "value": float(m.group(2)),
                            "unit": m.group(3), "accel": m.group(4)})
    return figures


def parse_linux_result(lines):
    """One saved run.sh output: (mode, boot, {benchmark: cycles}). `# host: KEY VALUE`
    lines come in as `host:KEY`."""
    mode, boot, values = None, None, {}
    for line in lines:
        m = HEADER.match(line)
        if m:
            mode, boot = m.group(1), m.group(2)
            continue
        m = HOST_LINE.match(line)
        if m:
            values["host:" + m.group(1)] = float(m.group(2))
            continue
        m = LINUX_LINE.match(line)
        if m:
            values[m.group(1)] = float(m.group(2))
    return mode, boot, values


def load_linux(path):
    """{(mode, benchmark): value} over the default-boot (bzImage) runs in path/results,
    the lowest run of each (the README: prefer the lowest; icount runs agree anyway).
    None when there are no results."""
    files = sorted(glob.glob(os.path.join(path, "results", "*.txt")))
    if not files:
        return None
    out = {}
    for name in files:
        with open(name, errors="replace") as f:
            mode, boot, values = parse_linux_result(f.read().splitlines())
        if mode is None or boot != "bzimage":
            continue
        for bench, value in values.items():
            key = (mode, bench)
            out[key] = min(out.get(key, value), value)
    return out or None


def load_repo_results(rel, root=ROOT):
    """{name: value} of the `bench NAME VALUE UNIT` lines of a Linux results file kept in
    the repository (rel: its path from the checkout's root), for figures that the shared
    baseline does not measure; {} when the file is missing."""
    out = {}
    try:
        with open(os.path.join(root, rel), errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 4 and parts[0] == "bench":
                    out[parts[1]] = float(parts[2])
    except OSError:
        pass
    return out


def load_refs(path=REFS):
    with open(path) as f:
        return json.load(f)


def reference_values(entry, refs, linux):
    """{kind: (value, label)} for one entry of bench_refs.json."""
    got = {}
    sel4 = entry.get("sel4")
    if sel4:
        got["sel4"] = (float(sel4["value"]), refs["sources"].get(sel4["source"], ""))
    lx = entry.get("linux")
    if lx and "results" in lx:
        v = load_repo_results(lx["results"]).get(lx["benchmark"])
        if v is not None:
            got["linux"] = (v * float(lx.get("scale", 1)),
                            "%s (%s, %s)" % (lx.get("what", ""), lx["results"], lx["mode"]))
    elif lx and linux is not None:
        v = linux.get((lx["mode"], lx["benchmark"]))
        if v is not None:
            got["linux"] = (v * float(lx.get("scale", 1)),
                            "%s (%s, %s)" % (lx.get("what", ""), lx["benchmark"], lx["mode"]))
    target = entry.get("target")
    if target:
        if target.get("linux"):
            if "linux" in got:
                got["target"] = (got["linux"][0], "Linux's figure")
        else:
            got["target"] = (float(target["value"]),
                             refs["sources"].get(target["source"], ""))
    return got


def build_report(figures, refs, linux, linux_path=None):
    """Rows for the figures that have a reference (in bench_refs.json's order), the
    figures without one, the references whose figure was not measured, and notes."""
    entries = {(e["name"], e["accel"]): e for e in refs["figures"]}
    measured = {}
    for f in figures:
        measured.setdefault((f["name"], f["accel"]), f)
    rows, missing = [], []
    for e in refs["figures"]:
        f = measured.get((e["name"], e["accel"]))
        got = reference_values(e, refs, linux)
        if f is None:
            if got:
                missing.append({"name": e["name"], "accel": e["accel"],
                                "title": e.get("title", e["name"]), "refs": got})
            continue
        cells = {}
        for kind, (value, label) in got.items():
            ratio = f["value"] / value if value else None
            cells[kind] = {"value": value, "label": label, "ratio": ratio}
        rows.append({"name": f["name"], "accel": f["accel"], "unit": f["unit"],
                     "title": e.get("title", f["name"]), "value": f["value"],
                     "refs": cells})
    unknown = [f for key, f in measured.items() if key not in entries]
    notes = []
    if linux is None:
        notes.append("no Linux figures: %s has no results/ (see ../shared/bench-linux "
                     "in the development set-up)" % (linux_path or "bench-linux"))
    return {"rows": rows, "unknown": unknown, "missing": missing, "notes": notes,
            "sources": refs["sources"],
            "linux": linux is not None or any("linux" in r["refs"] for r in rows)}


def fmt_value(v):
    if v is None:
        return "-"
    return "{:,.0f}".format(v) if abs(v) >= 10 or v == int(v) else "{:.2f}".format(v)


def fmt_ratio(r):
    return "-" if r is None else "{:.2f}x".format(r)


def columns(report):
    return [k for k in KINDS if k != "linux" or report["linux"]]


def render_text(report):
    """The report as Markdown tables (they read as plain text, and paste into notes)."""
    out = []
    kinds = columns(report)
    head = ["figure", "accel", "Writ", "unit"]
    for k in kinds:
        head += [KIND_TITLE[k], "Writ/" + KIND_TITLE[k]]
    out.append("| " + " | ".join(head) + " |")
    out.append("| --- | --- | ---: | --- |" + " ---: | ---: |" * len(kinds))
    for r in report["rows"]:
        cells = [r["name"], r["accel"], fmt_value(r["value"]), r["unit"]]
        for k in kinds:
            c = r["refs"].get(k)
            cells += [fmt_value(c["value"]), fmt_ratio(c["ratio"])] if c else ["-", "-"]
        out.append("| " + " | ".join(cells) + " |")
    if report["missing"]:
        out.append("")
        out.append("Not measured in this run (a reference is waiting): " +
                   ", ".join(m["name"] for m in report["missing"]))
    if report["unknown"]:
        out.append("")
        out.append("Figures without a reference (%d, values in the raw lines above):" %
                   len(report["unknown"]))
        out += textwrap.wrap(", ".join("%s (%s)" % (f["name"], f["accel"])
                                       for f in report["unknown"]), 92,
                             initial_indent="  ", subsequent_indent="  ",
                             break_on_hyphens=False)
    for note in report["notes"]:
        out.append("")
        out.append("Note: " + note)
    out.append("")
    out.append("Ratios are Writ / reference (below 1: Writ is faster or within the target). "
               "seL4: " + report["sources"].get("sel4", "") + ".")
    return "\n".join(out) + "\n"


CSS = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.better { color: #070; } td.worse { color: #a00; }
.chart { margin: 1em 0; max-width: 60em; }
.fig { margin: 0.8em 0; }
.fig h3 { font-size: 1em; margin: 0 0 0.2em 0; }
.bar { display: flex; align-items: center; margin: 1px 0; }
.bar span.k { width: 5em; font-size: 0.85em; }
.bar span.b { height: 1em; display: inline-block; }
.bar span.v { font-size: 0.85em; margin-left: 0.4em; }
.writ { background: #2a6fdb; } .sel4 { background: #e08a00; }
.linux { background: #555; } .target { background: #3a3; }
.note { color: #555; }
"""


def render_html(report, title="Writ benchmarks"):
    """The same report as one self-contained page: tables and a bar chart in CSS."""
    e = html.escape
    kinds = columns(report)
    out = ["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
           "<title>%s</title>" % e(title), "<style>%s</style>" % CSS, "</head>", "<body>",
           "<h1>%s</h1>" % e(title),
           "<p>Ratios are Writ / reference: below 1, Writ is faster (or within the "
           "target). seL4: %s.</p>" % e(report["sources"].get("sel4", ""))]
    for note in report["notes"]:
        out.append("<p class=\"note\">Note: %s</p>" % e(note))
    out.append("<h2>Figures beside their references</h2>")
    out.append("<table>")
    head = "".join("<th>%s</th><th>Writ/%s</th>" % (KIND_TITLE[k], KIND_TITLE[k])
                   for k in kinds)
    out.append("<tr><th>figure</th><th>accel</th><th>Writ</th><th>unit</th>%s</tr>" % head)
    for r in report["rows"]:
        cells = ""
        for k in kinds:
            c = r["refs"].get(k)
            if c is None:
                cells += "<td class=\"num\">-</td><td class=\"num\">-</td>"
                continue
            cls = "num" if c["ratio"] is None else \
                "num better" if c["ratio"] <= 1 else "num worse"
            cells += "<td class=\"num\" title=\"%s\">%s</td><td class=\"%s\">%s</td>" % (
                e(c["label"]), fmt_value(c["value"]), cls, fmt_ratio(c["ratio"]))
        out.append("<tr><td title=\"%s\">%s</td><td>%s</td><td class=\"num\">%s</td>"
                   "<td>%s</td>%s</tr>" % (e(r["title"]), e(r["name"]), e(r["accel"]),
                                           fmt_value(r["value"]), e(r["unit"]), cells))
    out.append("</table>")
    out.append("<h2>Bar chart</h2>")
    out.append("<p class=\"note\">Each figure's bars share one scale: the longest is its "
               "largest value.</p>")
    out.append("<div class=\"chart\">")
    for r in report["rows"]:
        bars = [("writ", "Writ", r["value"])]
        bars += [(k, KIND_TITLE[k], r["refs"][k]["value"]) for k in kinds if k in r["refs"]]
        top = max(v for _, _, v in bars) or 1
        out.append("<div class=\"fig\"><h3>%s <small>(%s, %s)</small></h3>" % (
            e(r["title"]), e(r["name"]), e(r["unit"])))
        for cls, label, v in bars:
            out.append("<div class=\"bar\"><span class=\"k\">%s</span>"
                       "<span class=\"b %s\" style=\"width: %.1f%%\"></span>"
                       "<span class=\"v\">%s</span></div>" % (
                           e(label), cls, max(0.0, 70.0 * v / top), fmt_value(v)))
        out.append("</div>")
    out.append("</div>")
    if report["missing"]:
        out.append("<h2>Not measured in this run</h2><ul>")
        for m in report["missing"]:
            out.append("<li>%s (%s)</li>" % (e(m["name"]), e(m["title"])))
        out.append("</ul>")
    if report["unknown"]:
        out.append("<h2>Figures without a reference</h2>")
        out.append("<table><tr><th>figure</th><th>accel</th><th>value</th><th>unit</th></tr>")
        for f in report["unknown"]:
            out.append("<tr><td>%s</td><td>%s</td><td class=\"num\">%s</td><td>%s</td></tr>"
                       % (e(f["name"]), e(f["accel"]), fmt_value(f["value"]), e(f["unit"])))
        out.append("</table>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


def report_for(lines, linux_path=None, refs_path=REFS):
    linux_path = linux_path or linux_dir()
    return build_report(parse_raw(lines), load_refs(refs_path), load_linux(linux_path),
                        linux_path)


def main():
    p = argparse.ArgumentParser(prog="bench_table.py")
    p.add_argument("--html", metavar="FILE")
    p.add_argument("--linux", metavar="DIR", help="bench-linux (default: ../shared)")
    p.add_argument("--refs", metavar="FILE", default=REFS)
    p.add_argument("raw", nargs="+")
    args = p.parse_args()
    lines = []
    for name in args.raw:
        with open(name, errors="replace") as f:
            lines += f.read().splitlines()
    report = report_for(lines, args.linux, args.refs)
    sys.stdout.write(render_text(report))
    if args.html:
        with open(args.html, "w") as f:
            f.write(render_html(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
