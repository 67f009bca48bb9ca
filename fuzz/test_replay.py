#!/usr/bin/env python3
"""The fuzz replay harness (standalone_main.c) and the committed inputs.

- Each target's replay runs every file of fuzz/corpus/<target>/ and
  fuzz/regressions/<target>/ (the count it prints equals the files there)
  and exits 0: the corpus still passes and every input of a fixed bug
  stays fixed.
- A crashing input fails the replay, and the harness names it last.
- A missing path or a directory without inputs fails instead of passing.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

TARGETS = ["banner", "packet", "kexinit", "stream", "reasm", "decode", "pcap",
           "sshlog"]
CRASH = b"kexray-fuzz-selftest: crash"

failures = []


def check(cond, what):
    print(("ok     " if cond else "FAILED ") + what)
    if not cond:
        failures.append(what)


def inputs(d):
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d)
                  if not n.startswith(".") and os.path.isfile(os.path.join(d, n)))


def replay(exe, *paths):
    return subprocess.run([exe, *paths], capture_output=True, text=True,
                          errors="replace", timeout=240)


def replayed(proc):
    m = re.search(r"^replayed (\d+) inputs$", proc.stdout, re.M)
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="the build's fuzz/ folder")
    ap.add_argument("--source", required=True, help="the source fuzz/ folder")
    a = ap.parse_args()

    for t in TARGETS:
        exe = os.path.join(a.build, "fuzz_%s_replay" % t)
        corpus = os.path.join(a.source, "corpus", t)
        regr = os.path.join(a.source, "regressions", t)
        want = len(inputs(corpus)) + len(inputs(regr))
        check(len(inputs(corpus)) > 0, "%s: the corpus has inputs" % t)
        dirs = [d for d in (corpus, regr) if os.path.isdir(d)]
        p = replay(exe, *dirs)
        check(p.returncode == 0, "%s: corpus and regressions replay cleanly "
              "(exit %d)%s" % (t, p.returncode,
                               "" if p.returncode == 0 else "\n" + p.stderr[-3000:]))
        check(replayed(p) == want, "%s: replayed %s of %d inputs"
              % (t, replayed(p), want))

    selftest = os.path.join(a.build, "fuzz_selftest_replay")
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good")
        os.mkdir(good)
        for i in range(5):
            with open(os.path.join(good, "in%d" % i), "wb") as f:
                f.write(CRASH[:i * 5])      # prefixes of the marker: harmless
        open(os.path.join(good, ".hidden"), "wb").close()
        p = replay(selftest, good)
        check(p.returncode == 0 and replayed(p) == 5,
              "selftest: 5 harmless inputs replayed (exit %d, %s)"
              % (p.returncode, replayed(p)))

        bad = os.path.join(tmp, "bad")
        os.mkdir(bad)
        with open(os.path.join(bad, "a-harmless"), "wb") as f:
            f.write(b"x")
        crash = os.path.join(bad, "b-crash")
        with open(crash, "wb") as f:
            f.write(CRASH)
        with open(os.path.join(bad, "c-never-reached"), "wb") as f:
            f.write(b"y")
        p = replay(selftest, bad)
        last = re.findall(r"^replaying (.*) \(\d+ bytes\)$", p.stderr, re.M)
        check(p.returncode != 0, "selftest: a crashing input fails the replay "
              "(exit %d)" % p.returncode)
        check(last[-1:] == [crash], "selftest: the crashing input is named "
              "last (%s)" % last[-1:])
        check(replayed(p) is None, "selftest: no success line after a crash")

        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        p = replay(selftest, empty)
        check(p.returncode == 1, "selftest: an empty directory fails (exit %d)"
              % p.returncode)
        p = replay(selftest, os.path.join(tmp, "missing"))
        check(p.returncode == 1, "selftest: a missing path fails (exit %d)"
              % p.returncode)

    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
