#!/usr/bin/env python3
"""Interop: record fresh handshakes between real peers (OpenSSH sshd and
ssh, Dropbear, PuTTY plink, paramiko) with pcaps/record.sh, each in a
network namespace of its own, and check that kexray's verdicts on them
hold the facts pcaps/manifest.json states for the committed recordings of
the same scenarios. Needs root (network namespaces); exits 77 (skip)
without it.

Usage: interop.py --kexray BUILD/kexray --pcaps DIR [SCENARIO...]
Prints one line per scenario and a final "N passed, M failed".
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
DEFAULT = ["openssh_login", "openssh_kex_mismatch", "openssh_hostkey_mismatch",
           "openssh_cipher_mismatch", "openssh_mac_mismatch", "openssh_ipv6",
           "dropbear_server", "plink_client", "paramiko_client"]


def relaxed(entry):
    """The manifest's facts for a fresh recording: both peers send their
    KEXINIT at once, so which one the capture sees last before the close
    is a race between two real programs (the committed capture has one
    order, a new run may have the other). "close_after" then only has to
    name a KEXINIT. Likewise, when a session ends normally both programs
    close on their own, and which FIN comes first depends on the scheduler
    (a loaded machine has shown either): "closed_by" then only has to name
    a peer. Every other fact stands."""
    e = json.loads(json.dumps(entry))
    for facts in e.get("expect", []):
        if str(facts.get("close_after", "")).endswith(" KEXINIT"):
            facts["close_after"] = "~KEXINIT"
        if facts.get("phase") == "session" and facts.get("cause") == "normal" \
                and facts.get("close") == "fin" and "closed_by" in facts:
            facts["closed_by"] = "|client|server"
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    ap.add_argument("scenarios", nargs="*")
    a = ap.parse_args()
    names = a.scenarios or DEFAULT
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("skip: needs root and iproute2 for network namespaces")
        return SKIP
    with open(os.path.join(a.pcaps, "manifest.json")) as f:
        manifest = {e["name"]: e for e in json.load(f)}
    out = tempfile.mkdtemp(prefix="kexray-interop-")
    passed = failed = 0
    try:
        env = dict(os.environ, KX_PCAP_OUT=out)
        rec = subprocess.run(["bash", os.path.join(a.pcaps, "record.sh")] + names,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=600)
        log = rec.stdout.decode("utf-8", "replace")
        if rec.returncode != 0:
            print("FAIL record.sh exited %d:\n%s" % (rec.returncode, log[-2000:]))
            print("0 passed, %d failed" % len(names))
            return 1
        for name in names:
            entry = manifest[name]
            path = os.path.join(out, entry["file"])
            if not os.path.exists(path):
                records, errors = [], ["record.sh wrote no %s" % entry["file"]]
            else:
                records, _, errors = golden.judge(a.kexray, path, relaxed(entry))
            if errors:
                failed += 1
                print("FAIL %s" % name)
                for e in errors:
                    print("    " + e)
            else:
                passed += 1
                print("ok   %s: %s" % (name, records[0]["reason"] if records else ""))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
