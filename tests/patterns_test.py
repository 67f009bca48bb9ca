#!/usr/bin/env python3
"""Across connections on recorded captures (pcaps/sessions, recorded by
pcaps/record_sessions.sh): an ssh-audit scan is one "scan" record, not only a
row of CLOSED ones; a burst of failed logins over one connection is brute
force by attempts, over many by connections, each reported once.

patterns_test.py --kexray BUILD/kexray --sessions pcaps/sessions
"""
import argparse
import json
import subprocess
import sys


def records(kexray, pcap, *extra):
    out = subprocess.run([kexray, "--json", *extra, "-r", pcap], capture_output=True,
                         text=True).stdout
    return [json.loads(ln) for ln in out.splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--sessions", required=True)
    a = ap.parse_args()
    fails = 0

    def check(ok, what):
        nonlocal fails
        print(("ok   " if ok else "FAIL ") + what)
        fails += not ok

    s = a.sessions
    recs = records(a.kexray, s + "/ssh_audit_scan.pcap")
    pats = [r for r in recs if r["type"] == "pattern"]
    check(len(pats) == 1 and pats[0]["pattern"] == "scan" and pats[0]["count"] >= 5,
          "ssh_audit_scan: one scan record (%s)" % [(p["pattern"], p["count"]) for p in pats])
    check(not [r for r in recs if r["type"] == "bruteforce"],
          "ssh_audit_scan: no brute force (no login was attempted)")
    recs = records(a.kexray, s + "/ssh_audit_burst.pcap")
    pats = [r for r in recs if r["type"] == "pattern"]
    n = len([r for r in recs if r["type"] == "close"])
    check(n >= 20 and len(pats) == 1 and pats[0]["pattern"] == "scan",
          "ssh_audit_burst: three scans back to back, %d connections: one scan record (%s)" % (
              n, [(p["pattern"], p["count"]) for p in pats]))
    ssh = [r for r in recs if r["type"] == "ssh"]
    after = [r for r in ssh if r["verdict"] == "PROBE" and "scan" in r["reason"]]
    problems = [r for r in ssh if r["problem"]]
    check(len(after) == len(ssh) - 5 and len(problems) <= 5,
          "ssh_audit_burst: the connections after the scan record are PROBE, part of the "
          "scan (%d of %d), not problems (%d problems left: those before it)" % (
              len(after), len(ssh), len(problems)))
    for name in ("pw_ok", "pty", "burst_many", "burst_one", "pw_maxtries"):
        recs = records(a.kexray, "%s/%s.pcap" % (s, name))
        check(not [r for r in recs if r["type"] == "pattern"], "%s: no pattern" % name)
    b = [r for r in records(a.kexray, s + "/burst_one.pcap", "--bruteforce", "5/30")
         if r["type"] == "bruteforce"]
    check(len(b) == 1 and b[0]["by"] == "attempts" and b[0]["count"] == 1 and b[0]["attempts"] == 6,
          "burst_one (6 failed logins over one connection): brute force by attempts (%s)" % b)
    b = [r for r in records(a.kexray, s + "/burst_one.pcap") if r["type"] == "bruteforce"]
    check(not b, "burst_one under the default 30: nothing")
    b = [r for r in records(a.kexray, s + "/burst_many.pcap", "--bruteforce", "5/30")
         if r["type"] == "bruteforce"]
    check(len(b) == 1 and b[0]["by"] == "connections" and b[0]["count"] == 5,
          "burst_many (5 connections, one failed login each): by connections (%s)" % b)
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
