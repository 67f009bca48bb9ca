#!/usr/bin/env python3
"""The man page renders without warnings and lists every option --help lists.

Usage: manpage_test.py --kexray BUILD/kexray --man docs/kexray.1
Ends with "N passed, M failed".
"""
import argparse
import re
import shutil
import subprocess
import sys

from kxtest import check, finish

OPT = re.compile(r"(?<![\w-])(--[a-z][a-z-]+|-[A-Za-z])\b")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--man", required=True)
    a = ap.parse_args()
    help_text = subprocess.run([a.kexray, "-h"], stdout=subprocess.PIPE,
                               check=True).stdout.decode()
    help_opts = set(OPT.findall(help_text))
    with open(a.man) as f:
        man_src = f.read().replace("\\-", "-")
    # Examples quote other programs' options (journalctl -u): not ours.
    man_opts = set(OPT.findall(man_src.split(".SH EXAMPLES")[0]))
    missing = sorted(help_opts - man_opts)
    check("every --help option is in the man page (%d options)" % len(help_opts),
          not missing, "missing " + " ".join(missing))
    extra = sorted(o for o in man_opts - help_opts if o not in ("-r", "-i"))
    check("the man page documents no option --help lacks", not extra, " ".join(extra))
    if shutil.which("man"):
        r = subprocess.run(["man", "-l", "--warnings=all", a.man], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"})
        warn = r.stderr.decode().strip()
        check("man -l renders it without warnings", r.returncode == 0 and not warn, warn)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
