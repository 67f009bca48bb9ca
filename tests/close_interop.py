#!/usr/bin/env python3
"""How connections end, recorded afresh: pcaps/record_close.sh runs every
scenario with real programs (sshd, ssh, paramiko, iptables on a router
namespace) in client, router and server network namespaces it creates and
removes, and kexray's verdicts on the new captures must hold the facts
pcaps/manifest.json states for the committed close_* recordings: phase,
closer, cause and the reset verdicts. Needs root; exits 77 (skip) without.

Usage: close_interop.py --kexray BUILD/kexray --pcaps DIR [SCENARIO...]
Prints one line per capture and a final "N passed, M failed".
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402

SKIP = 77


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("scenarios", nargs="*")
    a = ap.parse_args()
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("iptables") is None:
        print("skip: needs root, iproute2 and iptables for network namespaces")
        return SKIP
    script = os.path.join(a.pcaps, "record_close.sh")
    with open(os.path.join(a.pcaps, "manifest.json")) as f:
        manifest = [e for e in json.load(f) if e["name"].startswith("close_")]
    out = tempfile.mkdtemp(prefix="kexray-close-")
    passed = failed = 0
    try:
        rec = subprocess.run(["bash", script] + a.scenarios,
                             env=dict(os.environ, KX_PCAP_OUT=out),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=900)
        log = rec.stdout.decode("utf-8", "replace")
        if rec.returncode != 0:
            print("FAIL record_close.sh exited %d:\n%s" % (rec.returncode, log[-2000:]))
            print("0 passed, 1 failed")
            return 1
        for entry in manifest:
            path = os.path.join(out, entry["file"])
            if not os.path.exists(path):
                if a.scenarios:
                    continue     # not asked for
                records, errors = [], ["record_close.sh wrote no %s" % entry["file"]]
            else:
                records, _, errors = golden.judge(a.kexray, path, entry)
            if errors:
                failed += 1
                print("FAIL %s" % entry["name"])
                for e in errors:
                    print("    " + e)
            else:
                passed += 1
                print("ok   %s: %s" % (entry["name"], "; ".join(sorted(set(
                    "%s %s" % (r.get("phase"), r.get("cause")) for r in records)))))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
