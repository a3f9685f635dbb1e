#!/usr/bin/env python3
"""Counts individual test cases from meson's test log: TAP lines of the bats
tiers, doctest's own totals for the unit tier. Prints 'N passed, N failed'."""
import json
import re
import sys

passed = failed = skipped = 0
for line in open(sys.argv[1]):
    test = json.loads(line)
    out = test.get("stdout") or ""
    doctest = re.search(r"test cases:\s*(\d+) \|\s*(\d+) passed \|\s*(\d+) failed \|\s*(\d+) skipped", out)
    if doctest:
        passed += int(doctest.group(2))
        failed += int(doctest.group(3))
        skipped += int(doctest.group(4))
        if test["result"] != "OK" and int(doctest.group(3)) == 0:
            failed += 1
        continue
    tap = re.findall(r"^(ok|not ok) \d+(.*)$", out, re.M)
    if tap:
        for verdict, rest in tap:
            if "# skip" in rest.lower():
                skipped += 1
            elif verdict == "ok":
                passed += 1
            else:
                failed += 1
        if test["result"] not in ("OK", "SKIP") and not any(v == "not ok" for v, _ in tap):
            failed += 1  # crashed or timed out after its last case
        continue
    if test["result"] == "OK":
        passed += 1
    elif test["result"] == "SKIP":
        skipped += 1
    else:
        failed += 1

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
