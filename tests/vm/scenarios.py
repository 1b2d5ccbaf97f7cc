"""The in-QEMU tests: each scenario boots an ISO and checks its serial log.

Lines the guest prints in the test protocol (`ok - group/name`, `not ok - ...`) become
tests of their own; each scenario adds the checks that only the host can make (the boot
ended the way it should, the banner came, a dump has every field). A scenario returns a
list of (ok, name, why) and the log, which the runner shows when something failed.
"""
import os
import re

from . import qemu

PROTOCOL = re.compile(r"^(ok|not ok)(?: \d+)? - ([\w./-]+)(?:: (.*))?$")


def guest_results(boot):
    out = []
    for line in boot.log:
        m = PROTOCOL.match(line.strip())
        if m:
            out.append((m.group(1) == "ok", m.group(2), m.group(3) or ""))
    return out


def expect_exit(boot, code, name):
    if boot.guest_exit == code:
        return (True, name, "")
    return (False, name, "expected the guest to exit with %s; %s"
            % (qemu.EXIT_NAMES[code], boot.describe()))


def selftest_boot(ctx, cfg, uefi):
    """A test boot: banner, summary, in-kernel self-tests, clean exit."""
    fw = "uefi" if uefi else "bios"
    iso = ctx.iso(cfg, "test", [(ctx.sample_module(), "sample module")])
    b = qemu.boot(iso, timeout=120 if uefi else 60, uefi=uefi)
    name = "boot/%s-%s" % (fw, cfg)
    res = [(b.banner_s is not None, name + "-banner", "no kernel banner on the serial log")]
    res.append((any("boot: 1 module" in l for l in b.log) and
                any("'sample module'" in l for l in b.log), name + "-modules",
                "the boot summary does not list the sample module"))
    res.append((any(re.search(r"boot: RAM \d+ MiB usable", l) for l in b.log), name + "-ram",
                "the boot summary does not report usable RAM"))
    want_fb = "framebuffer" if uefi else "VGA text"
    res.append((any(l.startswith("boot: " + want_fb) for l in b.log), name + "-display",
                "no %s in the boot summary" % want_fb))
    guest = [(ok, "%s/%s" % (n, name.split("/")[1]), why) for ok, n, why in guest_results(b)]
    res += guest
    res.append((len(guest) > 0, name + "-selftests-ran", "the kernel printed no self-test"))
    res.append(expect_exit(b, qemu.EXIT_PASS, name + "-exit"))
    return res, b


FAULTS = {
    # kind: (vector, mnemonic, extra checks on the log)
    "pf": (14, "#PF", [r"CR2 000000000dead000", r"error code 0x2\b"]),
    "ud": (6, "#UD", []),
    "gp": (13, "#GP", []),
}


def fault_boot(ctx, cfg, kind):
    """A deliberate exception: the dump has every field and the backtrace names callers."""
    vector, mnemonic, extra = FAULTS[kind]
    iso = ctx.iso(cfg, "test fault=" + kind)
    b = qemu.boot(iso, timeout=60)
    name = "boot/exception-%s-%s" % (kind, cfg)
    text = "\n".join(b.log)
    res = []
    head = r"CPU exception: vector %d \(%s" % (vector, re.escape(mnemonic))
    res.append((re.search(head, text) is not None, name + "-vector",
                "no dump line for vector %d" % vector))
    fields = [r"error code 0x[0-9a-f]+", r"RIP [0-9a-f]{16} <fault_trigger\+0x[0-9a-f]+>",
              r"CR2 [0-9a-f]{16}", r"RSP [0-9a-f]{16}", r"RFLAGS [0-9a-f]{16}"] + extra
    missing = [f for f in fields if not re.search(f, text)]
    res.append((not missing, name + "-registers", "dump lacks " + ", ".join(missing)))
    bt = text.split("backtrace:", 1)[1] if "backtrace:" in text else ""
    frames = re.findall(r"#\d+ [0-9a-f]{16} <(\w+)", bt)
    want = ["fault_trigger", "fault_selftest", "kmain"]
    ok = [f for f in frames if f in want] == want
    res.append((ok, name + "-backtrace",
                "backtrace frames %s do not name %s in order" % (frames, want)))
    res.append(expect_exit(b, qemu.EXIT_PANIC, name + "-halts"))
    return res, b


def all_scenarios(cfgs):
    """(group, name, function) for every VM scenario; functions take the runner context."""
    out = []
    for cfg in cfgs:
        out.append(("boot", "bios-" + cfg, lambda ctx, c=cfg: selftest_boot(ctx, c, False)))
        out.append(("boot", "uefi-" + cfg, lambda ctx, c=cfg: selftest_boot(ctx, c, True)))
        for kind in (FAULTS if cfg == "debug" else ["pf"]):
            out.append(("boot", "exception-%s-%s" % (kind, cfg),
                        lambda ctx, c=cfg, k=kind: fault_boot(ctx, c, k)))
    return out


def sample_module_text():
    return "Writ sample boot module: proves modules reach the kernel.\n"


