#!/usr/bin/env python3
"""The shipped unit cannot OOM-kill kexray at its defaults: the
--max-memory default (KX_MEMORY_DEFAULT_MIB, include/kexray/core/limits.h) is
at least 1/8 under dist/kexray@.service's MemoryMax, and the help text,
the man page and docs/limits.md state the same default.

Usage: limits_defaults_test.py --kexray BUILD/kexray --root SOURCE_DIR
"""
import argparse
import os
import re
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    failed = 0

    def check(cond, msg):
        nonlocal failed
        print(("ok   " if cond else "FAIL ") + msg)
        failed += not cond

    with open(os.path.join(a.root, "include", "kexray", "core", "limits.h")) as f:
        default = int(re.search(r"#define KX_MEMORY_DEFAULT_MIB (\d+)u", f.read()).group(1))
    with open(os.path.join(a.root, "dist", "kexray@.service")) as f:
        m = re.search(r"^MemoryMax=(\d+)([KMG])$", f.read(), re.M)
    unit = int(m.group(1)) * {"K": 1.0 / 1024, "M": 1, "G": 1024}[m.group(2)]
    check(default * 8 <= unit * 7,
          "--max-memory default %d MiB is at least 1/8 under MemoryMax %d MiB" % (default, unit))
    r = subprocess.run([a.kexray, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(b"(default %d," % default in r.stdout, "--help states the default")
    with open(os.path.join(a.root, "docs", "kexray.1")) as f:
        check("(default %d," % default in f.read(), "kexray.1 states the default")
    with open(os.path.join(a.root, "docs", "limits.md")) as f:
        check("| `--max-memory MIB` | %d |" % default in f.read(), "limits.md states the default")
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
