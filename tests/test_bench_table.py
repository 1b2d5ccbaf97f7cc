#!/usr/bin/env python3
"""Host tests of tests/bench_table.py and `./writ bench`'s summary: sample raw lines and
sample reference data in, the table and the HTML page checked. Prints the test protocol
(`ok - bench-tools/NAME`); registered with ctest in tests/CMakeLists.txt."""
import contextlib
import html.parser
import io
import json
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests import bench_table  # noqa: E402

GROUP = "bench-tools"

RAW = """\
# a diagnostic line, not a figure
bench kern/null-syscall 180 instructions accel=tcg-icount
bench kern/null-syscall 400 tsc-ticks accel=tcg
bench kern/map-4k-page 500 instructions accel=tcg-icount
bench pipe/round-trip-1byte-2proc 3300 instructions accel=tcg-icount
bench file/read-16MiB-64k 2000000 instructions accel=tcg-icount
bench boot/bios-qemu-start-to-root-task 550 ms accel=tcg
bench odd/<b>&name 7 ns accel=host
bench broken line
bench kern/new-thing 12.5 ns accel=host
"""

REFS = {
    "sources": {"s": "seL4 sample source", "t": "sample issue"},
    "figures": [
        {"name": "kern/null-syscall", "accel": "tcg-icount", "title": "null syscall",
         "linux": {"benchmark": "null_syscall_getppid", "mode": "tcg-icount"}},
        {"name": "kern/map-4k-page", "accel": "tcg-icount", "title": "map",
         "sel4": {"value": 800, "source": "s"}},
        {"name": "pipe/round-trip-1byte-2proc", "accel": "tcg-icount", "title": "pipe",
         "linux": {"benchmark": "pipe_pingpong_1byte_rt", "mode": "tcg-icount"},
         "target": {"value": 3000, "source": "t"}},
        {"name": "file/read-16MiB-64k", "accel": "tcg-icount", "title": "16 MiB",
         "linux": {"benchmark": "tmpfs_read_16MiB_64k", "mode": "tcg-icount"},
         "target": {"linux": True, "source": "t"}},
        {"name": "boot/bios-qemu-start-to-root-task", "accel": "tcg", "title": "boot",
         "linux": {"benchmark": "host:boot_to_init_first_line_wall_s", "mode": "tcg",
                   "scale": 1000},
         "target": {"value": 600, "source": "t"}},
        {"name": "cable/fd-round-trip", "accel": "tcg-icount", "title": "cable",
         "target": {"value": 6000, "source": "t"}},
    ],
}


def linux_result(mode, boot, figures, wall):
    lines = ["# host: mode=%s boot=%s QEMU emulator version 7.2" % (mode, boot),
             "# format: name cycles_median ns_median iterations"]
    lines += ["%s %d %.1f 100 ns_min=1" % (n, v, v) for n, v in figures.items()]
    lines.append("# host: boot_to_init_first_line_wall_s %s total_wall_s 60.0" % wall)
    return "\n".join(lines) + "\n"


def make_linux_dir(tmp):
    """Two icount runs, one tcg run, and a PVH run that must be ignored."""
    os.makedirs(os.path.join(tmp, "results"))
    runs = {
        "tcg-icount-1.txt": linux_result("tcg-icount", "bzimage", {
            "null_syscall_getppid": 360, "pipe_pingpong_1byte_rt": 12000,
            "tmpfs_read_16MiB_64k": 4000000}, "15.3"),
        "tcg-icount-2.txt": linux_result("tcg-icount", "bzimage", {
            "null_syscall_getppid": 362, "pipe_pingpong_1byte_rt": 11000,
            "tmpfs_read_16MiB_64k": 4000001}, "14.2"),
        "tcg-1.txt": linux_result("tcg", "bzimage", {"null_syscall_getppid": 900}, "5.5"),
        "tcg-pvh.txt": linux_result("tcg", "pvh", {"null_syscall_getppid": 1}, "1.0"),
    }
    for name, text in runs.items():
        with open(os.path.join(tmp, "results", name), "w") as f:
            f.write(text)
    with open(os.path.join(tmp, "results", "README"), "w") as f:
        f.write("not a result\n")


class WellFormed(html.parser.HTMLParser):
    """Checks that every element closes in order, and collects text and tags."""
    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %s" % (tag, self.stack[-1:] or "nothing"))
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse_html(page):
    p = WellFormed()
    p.feed(page)
    p.close()
    return p


class BenchTable(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="writ-bench-table-")
        self.linux_path = os.path.join(self.tmp.name, "bench-linux")
        make_linux_dir(self.linux_path)
        self.linux = bench_table.load_linux(self.linux_path)
        self.figures = bench_table.parse_raw(RAW.splitlines())
        self.report = bench_table.build_report(self.figures, REFS, self.linux,
                                               self.linux_path)

    def tearDown(self):
        self.tmp.cleanup()

    def row(self, name):
        return next(r for r in self.report["rows"] if r["name"] == name)

    def test_parse_raw_takes_only_bench_lines(self):
        names = [(f["name"], f["accel"]) for f in self.figures]
        self.assertEqual(len(names), 8)
        self.assertIn(("kern/null-syscall", "tcg"), names)
        self.assertNotIn("broken", " ".join(n for n, _ in names))
        self.assertEqual(self.figures[-1]["value"], 12.5)

    def test_linux_lowest_bzimage_run(self):
        self.assertEqual(self.linux[("tcg-icount", "pipe_pingpong_1byte_rt")], 11000)
        self.assertEqual(self.linux[("tcg-icount", "null_syscall_getppid")], 360)
        self.assertEqual(self.linux[("tcg", "null_syscall_getppid")], 900)   # not PVH's 1
        self.assertEqual(self.linux[("tcg", "host:boot_to_init_first_line_wall_s")], 5.5)

    def test_linux_missing_dir_is_none(self):
        self.assertIsNone(bench_table.load_linux(os.path.join(self.tmp.name, "nowhere")))

    def test_ratios(self):
        self.assertAlmostEqual(self.row("kern/null-syscall")["refs"]["linux"]["ratio"],
                               0.5)
        self.assertAlmostEqual(self.row("kern/map-4k-page")["refs"]["sel4"]["ratio"], 0.625)
        pipe = self.row("pipe/round-trip-1byte-2proc")["refs"]
        self.assertAlmostEqual(pipe["linux"]["ratio"], 0.3)
        self.assertAlmostEqual(pipe["target"]["ratio"], 1.1)

    def test_target_linux_and_scale(self):
        big = self.row("file/read-16MiB-64k")["refs"]
        self.assertEqual(big["target"]["value"], 4000000)
        self.assertAlmostEqual(big["target"]["ratio"], 0.5)
        boot = self.row("boot/bios-qemu-start-to-root-task")["refs"]
        self.assertEqual(boot["linux"]["value"], 5500)       # seconds -> ms
        self.assertAlmostEqual(boot["linux"]["ratio"], 0.1)

    def test_accel_must_match(self):
        rows = [(r["name"], r["accel"]) for r in self.report["rows"]]
        self.assertNotIn(("kern/null-syscall", "tcg"), rows)
        unknown = [(f["name"], f["accel"]) for f in self.report["unknown"]]
        self.assertIn(("kern/null-syscall", "tcg"), unknown)

    def test_unknown_and_missing_listed(self):
        unknown = [f["name"] for f in self.report["unknown"]]
        self.assertEqual(unknown, ["kern/null-syscall", "odd/<b>&name", "kern/new-thing"])
        self.assertEqual([m["name"] for m in self.report["missing"]], ["cable/fd-round-trip"])
        text = bench_table.render_text(self.report)
        self.assertIn("kern/new-thing (host)", text)
        self.assertIn("cable/fd-round-trip", text)

    def test_text_table(self):
        text = bench_table.render_text(self.report)
        line = next(l for l in text.splitlines()
                    if l.startswith("| pipe/round-trip-1byte-2proc "))
        self.assertEqual([c.strip() for c in line.strip("|").split("|")],
                         ["pipe/round-trip-1byte-2proc", "tcg-icount", "3,300",
                          "instructions", "-", "-", "11,000", "0.30x", "3,000", "1.10x"])
        self.assertIn("| figure | accel | Writ | unit | seL4 |", text)
        self.assertNotIn("Note:", text)

    def test_without_linux(self):
        report = bench_table.build_report(self.figures, REFS, None, "/no/bench-linux")
        text = bench_table.render_text(report)
        self.assertNotIn("Linux", text.splitlines()[0])
        self.assertIn("Note: no Linux figures: /no/bench-linux", text)
        self.assertAlmostEqual(
            next(r for r in report["rows"] if r["name"] == "kern/map-4k-page")
            ["refs"]["sel4"]["ratio"], 0.625)
        # a figure whose only reference is Linux's is then listed as measured, no reference
        null = next(r for r in report["rows"] if r["name"] == "kern/null-syscall")
        self.assertEqual(null["refs"], {})
        page = bench_table.render_html(report)
        p = parse_html(page)
        self.assertEqual(p.errors, [])
        self.assertIn("no Linux figures", "".join(p.text))

    def test_html_well_formed(self):
        page = bench_table.render_html(self.report)
        p = parse_html(page)
        self.assertEqual(p.errors, [])
        self.assertEqual(p.stack, [])
        tags = [t for t, _ in p.tags]
        self.assertEqual(tags[0], "html")
        self.assertNotIn("script", tags)
        for _, attrs in p.tags:
            for v in attrs.values():
                self.assertNotIn("://", v or "")    # nothing fetched from the network
        text = "".join(p.text)
        self.assertIn("odd/<b>&name", text)          # escaped, so it came back as text
        self.assertIn("1.10x", text)
        self.assertIn("0.30x", text)

    def test_html_bars(self):
        p = parse_html(bench_table.render_html(self.report))
        bars = [a for t, a in p.tags if t == "span" and "b " in (a.get("class") or "")]
        # one bar per value: Writ plus each reference, for each row with a reference
        self.assertEqual(len(bars), sum(1 + len(r["refs"]) for r in self.report["rows"]))
        widths = [float(a["style"].split(":")[1].strip().rstrip("%")) for a in bars]
        self.assertTrue(all(0 <= w <= 70 for w in widths))
        self.assertIn(70.0, widths)

    def test_shipped_refs(self):
        refs = bench_table.load_refs()
        seen = set()
        for e in refs["figures"]:
            key = (e["name"], e["accel"])
            self.assertNotIn(key, seen)
            seen.add(key)
            self.assertTrue(any(k in e for k in bench_table.KINDS), e["name"])
            for k in ("sel4", "target"):
                if k in e:
                    self.assertIn(e[k]["source"], refs["sources"])
        linux = bench_table.load_linux(bench_table.linux_dir())
        if linux is None:
            self.skipTest("no ../shared/bench-linux here")
        for e in refs["figures"]:
            if "linux" in e and "results" not in e["linux"]:
                self.assertIn((e["linux"]["mode"], e["linux"]["benchmark"]), linux,
                              e["name"])

    def test_shipped_repo_results(self):
        # figures whose Linux side is a results file of the repository find it there
        refs = bench_table.load_refs()
        named = [e for e in refs["figures"] if "results" in e.get("linux", {})]
        self.assertIn("shell/ls-l-1000", [e["name"] for e in named])
        self.assertIn("shell/for-true-100", [e["name"] for e in named])
        for e in named:
            got = bench_table.load_repo_results(e["linux"]["results"])
            self.assertGreater(got.get(e["linux"]["benchmark"], 0), 0, e["name"])

    def test_repo_results_without_bench_linux(self):
        # a repository results file gives a Linux column even without ../shared's results
        with open(os.path.join(self.tmp.name, "lx.txt"), "w") as f:
            f.write("# host: x\nbench shell/x 2000 instructions\nbench bad\n")
        refs = {"sources": {}, "figures": [
            {"name": "shell/x", "accel": "tcg-icount",
             "linux": {"results": os.path.join(self.tmp.name, "lx.txt"),
                       "benchmark": "shell/x", "mode": "tcg-icount"}}]}
        figures = bench_table.parse_raw(["bench shell/x 3000 instructions accel=tcg-icount"])
        report = bench_table.build_report(figures, refs, None, "/no/bench-linux")
        self.assertTrue(report["linux"])
        self.assertAlmostEqual(report["rows"][0]["refs"]["linux"]["ratio"], 1.5)
        self.assertIn("Linux", bench_table.render_text(report).splitlines()[0])

    def test_runner_summary_writes_html(self):
        from tests import runner
        out = os.path.join(self.tmp.name, "bench.html")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            runner.bench_summary(RAW.splitlines(), out)
        self.assertIn("| kern/map-4k-page ", buf.getvalue())
        with open(out) as f:
            self.assertEqual(parse_html(f.read()).errors, [])

    def test_cli(self):
        raw = os.path.join(self.tmp.name, "raw.txt")
        out = os.path.join(self.tmp.name, "page.html")
        with open(raw, "w") as f:
            f.write(RAW)
        refs = os.path.join(self.tmp.name, "refs.json")
        with open(refs, "w") as f:
            json.dump(REFS, f)
        argv = sys.argv
        buf = io.StringIO()
        try:
            sys.argv = ["bench_table.py", "--html", out, "--linux", self.linux_path,
                        "--refs", refs, raw]
            with contextlib.redirect_stdout(buf):
                self.assertEqual(bench_table.main(), 0)
        finally:
            sys.argv = argv
        self.assertIn("0.30x", buf.getvalue())
        self.assertTrue(os.path.getsize(out) > 0)


class Protocol(unittest.TestResult):
    """unittest's results as the test protocol's lines."""

    def name(self, test):
        return "%s/%s" % (GROUP, test._testMethodName[len("test_"):].replace("_", "-"))

    def addSuccess(self, test):
        super().addSuccess(test)
        print("ok - " + self.name(test), flush=True)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print("ok - %s: skipped, %s" % (self.name(test), reason), flush=True)

    def fail(self, test, err):
        text = self._exc_info_to_string(err, test)
        print("\n".join("# " + l for l in text.splitlines()))
        why = text.strip().splitlines()[-1]
        print("not ok - %s: %s" % (self.name(test), why), flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.fail(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self.fail(test, err)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(BenchTable)
    result = Protocol()
    suite.run(result)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
