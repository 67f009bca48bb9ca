#!/usr/bin/env python3
"""Golden tests of the output for people and of the pipeline formats.

Each golden file holds kexray's output on every capture of
pcaps/manifest.json in manifest order, one "== NAME ==" section per capture
(with the entry's own arguments), run with TZ=UTC LC_ALL=C:

  pcaps/formats.expected.brief.txt   --brief --color=never: one line per
                                     connection, then the summary block
  pcaps/formats.expected.zeek        --format zeek (#open and #close carry
                                     the wall clock, as Zeek's do: their
                                     values are replaced by "-" here)
  pcaps/formats.expected.eve.json    --format eve
  pcaps/formats.expected.summary.txt every capture in one run (each
                                     connection once), --brief: the summary
                                     over all of them (counts, phases, causes,
                                     software, top mismatches, weak
                                     algorithms, resets)
  pcaps/formats.expected.summary.json  the same run's JSON "summary" record
  pcaps/formats.expected.color.txt   the seed case with --color=always, text
                                     and --brief (colour forced on)

The per-connection text report and the JSON records (with the summary at
their end) are golden.py's: pcaps/<name>.expected.{txt,json}.

Usage: formats_golden.py --kexray BUILD/kexray [--pcaps DIR] [--regen]
Prints one line per golden file and a final "N passed, M failed".
"""
import argparse
import json
import os
import re
import subprocess
import sys

ENV = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
ENV.update(TZ="UTC", LC_ALL="C")


def run(kexray, args):
    r = subprocess.run([kexray] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=ENV, timeout=120)
    return r.stdout


def zeek_stable(out):
    return re.sub(rb"^#(open|close)\t[0-9-]+$", rb"#\1\t-", out, flags=re.M)


def sections(kexray, pcaps, manifest, extra, fix=lambda b: b):
    out = b""
    for e in manifest:
        args = ["-r", os.path.join(pcaps, e["file"])] + e.get("args", []) + extra
        out += b"== %s ==\n" % e["name"].encode() + fix(run(kexray, args))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", default=os.path.join(os.path.dirname(__file__), "..", "pcaps"))
    ap.add_argument("--regen", action="store_true")
    a = ap.parse_args()
    with open(os.path.join(a.pcaps, "manifest.json")) as f:
        manifest = json.load(f)
    k = a.kexray
    # One run over every capture, each connection once: the built captures
    # share endpoints and times (pcaps/craft_resets.py makes one connection
    # thirteen ways), and in one run a later copy would be taken for the
    # stray segments of the first.
    files, uids = [], set()
    for e in manifest:
        p = os.path.join(a.pcaps, e["file"])
        recs = [json.loads(x) for x in run(k, ["-q", "--json", "--records", "full", "-r", p]).splitlines()]
        mine = {r["uid"] for r in recs if r.get("type") == "ssh"}
        if p not in files and not mine & uids:
            files.append(p)
            uids |= mine
    everything = [x for p in files for x in ("-r", p)]
    seed = os.path.join(a.pcaps, "seed_openssh53_libssh2.pcap")
    summary_json = run(k, everything + ["--json", "--records", "full"]).splitlines()[-1:]

    goldens = [
        ("formats.expected.brief.txt",
         lambda: sections(k, a.pcaps, manifest, ["--brief", "--color=never"])),
        ("formats.expected.zeek",
         lambda: sections(k, a.pcaps, manifest, ["--format", "zeek", "-q"], zeek_stable)),
        ("formats.expected.eve.json",
         lambda: sections(k, a.pcaps, manifest, ["--format", "eve", "-q"])),
        ("formats.expected.summary.txt",
         lambda: run(k, everything + ["--brief", "--color=never"])),
        ("formats.expected.summary.json", lambda: b"".join(x + b"\n" for x in summary_json)),
        ("formats.expected.color.txt",
         lambda: run(k, ["-r", seed, "--color=always"]) +
         run(k, ["-r", seed, "--brief", "--color=always"])),
    ]
    passed = failed = 0
    for name, make in goldens:
        got = make()
        path = os.path.join(a.pcaps, name)
        if a.regen:
            with open(path, "wb") as f:
                f.write(got)
            print("wrote %s" % name)
            continue
        try:
            with open(path, "rb") as f:
                want = f.read()
        except OSError:
            want = None
        err = None
        if want is None:
            err = "missing (run with --regen and review)"
        elif got != want:
            gl, wl = got.splitlines(), want.splitlines()
            for i in range(max(len(gl), len(wl))):
                g = gl[i] if i < len(gl) else b"<end>"
                w = wl[i] if i < len(wl) else b"<end>"
                if g != w:
                    err = "differs at line %d:\n      got:  %s\n      want: %s" % (
                        i + 1, g[:300].decode("utf-8", "replace"), w[:300].decode("utf-8", "replace"))
                    break
        if name == "formats.expected.color.txt" and err is None:
            # Colour forced on must show: the verdict, the MISMATCH line.
            if b"\033[1;31mMISMATCH\033[0m" not in got or b"\033[" not in got.splitlines()[0]:
                err = "no colour in --color=always output"
        if err:
            failed += 1
            print("FAIL %s %s" % (name, err))
        else:
            passed += 1
            print("ok   %s" % name)
    if a.regen:
        return 0
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
