#!/usr/bin/env python3
"""Golden tests: kexray's output on the project's own captures.

For every entry of pcaps/manifest.json:
  1. the facts written by hand in the manifest ("expect") must hold in
     kexray's JSON (parsed with Python's json module, which also proves the
     output is valid JSON Lines);
  2. the lean JSON records joined with their kexinit records must say
     everything the --records full records say (kxrecords.join_check);
  3. the JSON (lean and full) and the text output must equal the committed
     pcaps/<name>.expected.json / .expected.full.json / .expected.txt byte
     for byte (regression; review reads the diff when they are regenerated
     with --regen).

Usage: golden.py --kexray BUILD/kexray [--pcaps DIR] [--regen] [NAME...]
Prints one line per capture and a final "N passed, M failed".
"""
import argparse
import json
import os
import subprocess
import sys

import kxrecords

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def run(kexray, path, args, fmt_json, full=False):
    cmd = [kexray, "-r", path] + list(args)
    if fmt_json:
        cmd[1:1] = ["--json"] + (["--records", "full"] if full else [])
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=ENV, timeout=120)
    return res.returncode, res.stdout, res.stderr


def lookup(obj, dotted):
    """'negotiated.kex' -> obj['negotiated']['kex']; keys with dots in
    them (Zeek's 'id.orig_h') are tried whole first."""
    if dotted in obj:
        return obj[dotted]
    cur = obj
    parts = dotted.split(".")
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if isinstance(cur, dict) and key in cur:
                cur = cur[key]
                i = j
                break
            # a list element by its index: "advice.0.category"
            if isinstance(cur, list) and j == i + 1 and key.isdigit() \
                    and int(key) < len(cur):
                cur = cur[int(key)]
                i = j
                break
        else:
            raise KeyError(dotted)
    return cur


def check_facts(records, entry):
    errors = []
    want_n = entry.get("connections")
    if want_n is not None and len(records) != want_n:
        errors.append("expected %d connections, got %d" % (want_n, len(records)))
    for idx, facts in enumerate(entry.get("expect", [])):
        if idx >= len(records):
            errors.append("connection %d missing" % idx)
            continue
        rec = records[idx]
        for key, want in facts.items():
            try:
                # "len(resets.0.signals)": the length of a list or string
                if key.startswith("len(") and key.endswith(")"):
                    got = len(lookup(rec, key[4:-1]))
                else:
                    got = lookup(rec, key)
            except KeyError:
                errors.append("conn %d: no key %s" % (idx, key))
                continue
            if isinstance(want, str) and want.startswith("~"):
                ok = isinstance(got, str) and want[1:] in got
            elif isinstance(want, str) and want.startswith("|"):
                ok = got in want[1:].split("|")   # "|a|b": one of a, b
            else:
                ok = got == want
            if not ok:
                errors.append("conn %d: %s = %r, want %r" % (idx, key, got, want))
    return errors


def judge(kexray, path, entry):
    """Runs kexray --json on path; returns (records, raw output, errors):
    the output must be JSON Lines, the exit status and the facts of the
    manifest entry must hold."""
    errors = []
    records = []
    rc, out, err = run(kexray, path, entry.get("args", []), True, full=True)
    for n, line in enumerate(out.decode("utf-8").splitlines(), 1):
        try:
            rec = json.loads(line)
        except ValueError as e:
            errors.append("line %d is not JSON: %s" % (n, e))
            continue
        records.append(rec)
    if rc != entry.get("exit", 0):
        errors.append("exit status %d, want %d (stderr: %s)" %
                      (rc, entry.get("exit", 0), err.decode("utf-8", "replace").strip()))
    # The facts are about connections: each one's "ssh" and "close"
    # records merged (kxrecords.py); "bruteforce" records have their own.
    brute = kxrecords.of_type(records, "bruteforce")
    records = kxrecords.connections(records)
    errors += check_facts(records, entry)
    errors += check_facts(brute, {"connections": entry.get("bruteforce_count"),
                                  "expect": entry.get("bruteforce", [])})
    return records, out, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", default=os.path.join(os.path.dirname(__file__), "..", "pcaps"))
    ap.add_argument("--regen", action="store_true")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()

    with open(os.path.join(a.pcaps, "manifest.json")) as f:
        manifest = json.load(f)
    passed = failed = 0
    for entry in manifest:
        name = entry["name"]
        if a.names and name not in a.names:
            continue
        path = os.path.join(a.pcaps, entry["file"])
        args = entry.get("args", [])
        records, out_f, errors = judge(a.kexray, path, entry)
        _, out, _ = run(a.kexray, path, args, True)
        _, out_t, _ = run(a.kexray, path, args, False)
        errors += kxrecords.join_check(kxrecords.parse(out),
                                       kxrecords.parse(out_f))
        base = os.path.join(a.pcaps, name)
        if a.regen:
            with open(base + ".expected.json", "wb") as f:
                f.write(out)
            with open(base + ".expected.full.json", "wb") as f:
                f.write(out_f)
            with open(base + ".expected.txt", "wb") as f:
                f.write(out_t)
        else:
            for suffix, got in ((".expected.json", out),
                                (".expected.full.json", out_f),
                                (".expected.txt", out_t)):
                try:
                    with open(base + suffix, "rb") as f:
                        want = f.read()
                except OSError:
                    errors.append("missing %s (run with --regen and review)" % (name + suffix))
                    continue
                if got != want:
                    gl, wl = got.splitlines(), want.splitlines()
                    for i in range(max(len(gl), len(wl))):
                        g = gl[i] if i < len(gl) else b"<end>"
                        w = wl[i] if i < len(wl) else b"<end>"
                        if g != w:
                            errors.append("%s differs at line %d:\n      got:  %s\n      want: %s" %
                                          (suffix, i + 1, g[:300].decode("utf-8", "replace"),
                                           w[:300].decode("utf-8", "replace")))
                            break
        if errors:
            failed += 1
            print("FAIL %s" % name)
            for e in errors:
                print("    " + e)
        else:
            passed += 1
            print("ok   %s (%d connections)" % (name, len(records)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
