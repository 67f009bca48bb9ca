#!/usr/bin/env python3
"""Across connections on recorded captures (pcaps/sessions, recorded by
pcaps/record_sessions.sh): an ssh-audit scan is one "scan" record, not only a
row of CLOSED ones; a burst of failed logins over one connection is brute
force by attempts, over many by connections, each reported once.

patterns_test.py --kexray BUILD/kexray --sessions pcaps/sessions
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from kxtest import check, finish, records as parse


def records(kexray, pcap, *extra, fmt="--json"):
    out = subprocess.run([kexray, fmt, *extra, "-r", pcap], capture_output=True,
                         text=True).stdout
    return parse(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--sessions", required=True)
    a = ap.parse_args()

    s = a.sessions
    recs = records(a.kexray, s + "/ssh_audit_scan.pcap")
    pats = [r for r in recs if r["type"] == "pattern"]
    check("ssh_audit_scan: one scan record (%s)" % [(p["pattern"], p["count"]) for p in pats],
          len(pats) == 1 and pats[0]["pattern"] == "scan" and pats[0]["count"] >= 5)
    check("ssh_audit_scan: no brute force (no login was attempted)",
          not [r for r in recs if r["type"] == "bruteforce"])
    recs = records(a.kexray, s + "/ssh_audit_burst.pcap")
    pats = [r for r in recs if r["type"] == "pattern"]
    n = len([r for r in recs if r["type"] == "close"])
    check("ssh_audit_burst: three scans back to back, %d connections: one scan record (%s)" % (
              n, [(p["pattern"], p["count"]) for p in pats]),
          n >= 20 and len(pats) == 1 and pats[0]["pattern"] == "scan")
    ssh = [r for r in recs if r["type"] == "ssh"]
    after = [r for r in ssh if r["verdict"] == "PROBE" and "scan" in r["reason"]]
    problems = [r for r in ssh if r["problem"]]
    check("ssh_audit_burst: the connections after the scan record are PROBE, part of the "
          "scan (%d of %d), not problems (%d problems left: those before it)" % (
              len(after), len(ssh), len(problems)),
          len(after) == len(ssh) - 5 and len(problems) <= 5)
    for name in ("pw_ok", "pty", "burst_many", "burst_one", "pw_maxtries"):
        recs = records(a.kexray, "%s/%s.pcap" % (s, name))
        check("%s: no pattern" % name, not [r for r in recs if r["type"] == "pattern"])
    b = [r for r in records(a.kexray, s + "/burst_one.pcap", "--bruteforce", "5/30")
         if r["type"] == "bruteforce"]
    check("burst_one (6 failed logins over one connection): brute force by attempts (%s)" % b,
          len(b) == 1 and b[0]["by"] == "attempts" and b[0]["count"] == 1 and b[0]["attempts"] == 6)
    b = [r for r in records(a.kexray, s + "/burst_one.pcap") if r["type"] == "bruteforce"]
    check("burst_one under the default 30: nothing", not b)
    b = [r for r in records(a.kexray, s + "/burst_many.pcap", "--bruteforce", "5/30")
         if r["type"] == "bruteforce"]
    check("burst_many (5 connections, one failed login each): by connections (%s)" % b,
          len(b) == 1 and b[0]["by"] == "connections" and b[0]["count"] == 5)
    # The same scan in the SOC formats: an EVE alert of kexray's own and a
    # Zeek notice.log line.
    pcap = s + "/ssh_audit_burst.pcap"
    ev = [e for e in records(a.kexray, pcap, "-q", fmt="--format=eve")
          if e.get("event_type") == "alert" and e["alert"]["signature_id"] == 8220003]
    check("ssh_audit_burst, EVE: one scan alert, sid 8220003 (%s)" % ev,
          len(ev) == 1 and ev[0]["kexray"]["pattern"] == "scan" and "type" not in ev[0]["kexray"])
    d = tempfile.mkdtemp(prefix="kexray-patterns-")
    try:
        subprocess.run([a.kexray, "-q", "--format", "zeek", "-o", d, "-r", pcap])
        with open(os.path.join(d, "notice.log")) as f:
            rows = [ln.split("\t") for ln in f if not ln.startswith("#")]
        check("ssh_audit_burst, Zeek log directory: one Kexray::SSH_Scan notice (%s)" % rows,
              len(rows) == 1 and rows[0][10] == "Kexray::SSH_Scan")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
