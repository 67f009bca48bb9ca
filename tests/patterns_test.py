#!/usr/bin/env python3
"""Across connections on recorded captures (pcaps/sessions, recorded by
pcaps/record_sessions.sh): an ssh-audit scan is one "scan" record, not only a
row of CLOSED ones; a burst of failed logins over one connection is brute
force by attempts, over many by connections, each reported once; DHEat and
regreSSHion-shaped connections against a real sshd give their records.

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
    scan = [r for r in ssh if r["verdict"] == "PROBE" and "scan" in r["reason"]]
    problems = [r for r in recs if r.get("problem")]
    check("ssh_audit_burst: every connection is PROBE, one of the scan's, the first ones "
          "(held until the scan was known) too (%d of %d); no problem in any record (%d)" % (
              len(scan), len(ssh), len(problems)),
          len(ssh) == n and len(scan) == len(ssh) and not problems)
    first = [i for i, r in enumerate(recs) if r["type"] in ("ssh", "close", "pattern")]
    check("ssh_audit_burst: the scan record comes before the scan's connections",
          first and recs[first[0]]["type"] == "pattern")
    summ = [r for r in recs if r["type"] == "summary"]
    check("ssh_audit_burst: the summary counts no problem (%s)" % [
              (r.get("problems"), r.get("outcomes")) for r in summ],
          len(summ) == 1 and summ[0].get("problems") == 0)
    for fmt in ("--json", "--brief", "--format=eve", "--format=zeek", "--format=text"):
        rc = subprocess.run([a.kexray, fmt, "-q", "-r", s + "/ssh_audit_burst.pcap"],
                            capture_output=True).returncode
        check("ssh_audit_burst %s: exit status 0, no problem (%d)" % (fmt, rc), rc == 0)
    out = subprocess.run([a.kexray, "--brief", "-r", s + "/ssh_audit_burst.pcap"],
                         capture_output=True, text=True).stdout
    check("ssh_audit_burst --brief: no CLOSED line, 24 PROBE lines",
          "CLOSED" not in out and len([l for l in out.splitlines()
                                       if l.startswith("PROBE ")]) == 24)
    recs = records(a.kexray, s + "/ssh_audit_scan.pcap")
    ssh = [r for r in recs if r["type"] == "ssh"]
    check("ssh_audit_scan: every connection (%d) PROBE, no problem" % len(ssh),
          len(ssh) == 8 and all(r["verdict"] == "PROBE" for r in ssh)
          and not [r for r in recs if r.get("problem")])
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
    # The exploit patterns against a real sshd (pcaps/kex_client.py).
    pats = [r for r in records(a.kexray, s + "/dheat.pcap") if r["type"] == "pattern"]
    dh = [p for p in pats if p["pattern"] == "dheat"]
    check("dheat (60 pipelined ECDH inits, each left at the server's reply): one DHEat "
          "record (%s)" % [(p["pattern"], p["count"]) for p in pats],
          len(dh) == 1 and dh[0]["count"] >= 50 and dh[0]["cve"] == "CVE-2002-20001")
    pats = [r for r in records(a.kexray, s + "/grace_hold.pcap") if r["type"] == "pattern"]
    check("grace_hold (12 connections held until LoginGraceTime 12 s, OpenSSH 9.2p1): one "
          "regreSSHion record with the grace time (%s)" % pats,
          len(pats) == 1 and pats[0]["pattern"] == "regresshion" and
          pats[0]["count"] >= 10 and 11.0 <= pats[0]["grace"] <= 14.0 and
          pats[0]["cve"] == "CVE-2024-6387")
    for name in ("ssh_audit_burst", "burst_many"):
        pats = [r for r in records(a.kexray, "%s/%s.pcap" % (s, name))
                if r["type"] == "pattern" and r["pattern"] in ("dheat", "regresshion")]
        check("%s: neither exploit pattern" % name, not pats)
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
