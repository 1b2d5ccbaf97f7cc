#!/usr/bin/env python3
"""Merge the compile_commands.json of several build directories into build/, so one
database covers kernel, cspace and host-test sources for clangd and clang-tidy. Where a
file is built in several directories, the first listed wins (the debug kernel)."""
import json
import os
import sys

top, dirs = sys.argv[1], sys.argv[2:]
merged, seen = [], set()
for d in dirs:
    path = os.path.join(top, d, "compile_commands.json")
    if not os.path.exists(path):
        continue
    for entry in json.load(open(path)):
        if entry["file"] not in seen:
            seen.add(entry["file"])
            merged.append(entry)
with open(os.path.join(top, "compile_commands.json"), "w") as f:
    json.dump(merged, f, indent=1)
