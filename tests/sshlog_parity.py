#!/usr/bin/env python3
"""Log mode against packet mode: kexray --sshd-log on the debug logs that
sshd (LogLevel DEBUG3) and ssh (-vvv) wrote while pcaps/record.sh recorded
each scenario must give the same verdict as kexray -r on the capture of the
same run.

For every scenario `pcaps/record.sh --list` names, pcaps/<name>.sshd.log
and pcaps/<name>.ssh.log (whichever the scenario has: Dropbear is no sshd,
plink and paramiko are no ssh) are read, and the first record of each is
compared with the capture's on:
  verdict, problem, handshake_complete, mismatch, server_log, negotiated,
  kex_alg ... compression_alg, both identification strings, both KEXINITs,
  the ssh.* anomalies, and the endpoints the log names;
  closed_by, close and close_after too, except for a MISMATCH: there both
  peers hang up at the same moment, the capture shows whichever FIN came
  first (a race, pcaps/README.md), and each log shows its writer's own
  decision.
The log records must say where they come from ("source") and carry no
log.* anomaly: in particular the negotiation the log states ("kex:
algorithm: ...") must agree with kexray's.
The OpenSSH 5.3 seed log (tests/logs/seed_openssh53_libssh2.sshd.log, the
issue's two proposal blocks in OpenSSH 5.3's unlabelled format, hard-wrapped
at 80 columns) is compared with pcaps/seed_openssh53_libssh2.pcap, built
from the same lists.

Usage: sshlog_parity.py --kexray BUILD/kexray [--pcaps DIR] [--logs DIR]
Prints one line per comparison and a final "N passed, M failed".
"""
import argparse
import json
import os
import subprocess
import sys

import kxrecords

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")

SAME = ["verdict", "problem", "handshake_complete", "mismatch", "server_log",
        "negotiated", "kex_alg", "host_key_alg", "cipher_alg", "mac_alg",
        "compression_alg", "client", "server", "client_kexinit", "server_kexinit"]
CLOSE = ["closed_by", "close", "close_after"]
ENDPOINTS = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]
SOURCE = {"sshd": "sshd-log", "ssh": "ssh-log"}


def records(kexray, args):
    res = subprocess.run([kexray, "--json", "--records", "full"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=ENV, timeout=120)
    out = [json.loads(line) for line in res.stdout.decode("utf-8").splitlines()]
    # One dict per connection: its "ssh" and "close" records merged (the
    # close record has the final closed_by, close and close_after).
    out = kxrecords.connections(out)
    return res.returncode, out, res.stderr.decode("utf-8", "replace").strip()


def compare(kexray, capture, log, writer):
    errors = []
    prc, prec, perr = records(kexray, ["-r", capture])
    lrc, lrec, lerr = records(kexray, ["--sshd-log", log])
    if len(prec) != 1:
        errors.append("capture: %d records, want 1 (%s)" % (len(prec), perr))
    if len(lrec) != 1:
        errors.append("log: %d records, want 1 (%s)" % (len(lrec), lerr))
    if errors:
        return errors, None
    p, l = prec[0], lrec[0]
    if prc != lrc:
        errors.append("exit status: capture %d, log %d" % (prc, lrc))
    keys = SAME + ([] if p["verdict"] == "MISMATCH" else CLOSE)
    for k in keys:
        if p.get(k) != l.get(k):
            errors.append("%s: capture %r, log %r" % (k, p.get(k), l.get(k)))
    for k in ENDPOINTS:
        # A log names only what its writer knows (ssh: not its own port).
        if l.get(k) is not None and l.get(k) != p.get(k):
            errors.append("%s: capture %r, log %r" % (k, p.get(k), l.get(k)))
    pa = sorted(a for a in p["anomalies"] if a.startswith("ssh."))
    la = sorted(a for a in l["anomalies"] if a.startswith("ssh."))
    if pa != la:
        errors.append("ssh anomalies: capture %r, log %r" % (pa, la))
    bad = [a for a in l["anomalies"] if a.startswith("log.")]
    if bad:
        errors.append("log anomalies %r (%s)" % (bad, l.get("log", {}).get("disagreement")))
    if p.get("source") != "pcap":
        errors.append("capture record source %r, want 'pcap'" % p.get("source"))
    if l.get("source") != SOURCE[writer]:
        errors.append("log record source %r, want %r" % (l.get("source"), SOURCE[writer]))
    want_writer = "server" if writer == "sshd" else "client"
    if (l.get("log") or {}).get("writer") != want_writer:
        errors.append("log.writer %r, want %r" % ((l.get("log") or {}).get("writer"), want_writer))
    return errors, p


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", default=os.path.join(here, "..", "pcaps"))
    ap.add_argument("--logs", default=os.path.join(here, "logs"))
    a = ap.parse_args()

    lst = subprocess.run(["bash", os.path.join(a.pcaps, "record.sh"), "--list"],
                         stdout=subprocess.PIPE, check=True, timeout=60)
    scenarios = lst.stdout.decode().split()
    pairs = []     # (label, capture, log, writer)
    failed = passed = 0
    for name in scenarios:
        capture = None
        for ext in (".pcap", ".pcapng"):
            if os.path.exists(os.path.join(a.pcaps, name + ext)):
                capture = os.path.join(a.pcaps, name + ext)
        logs = [(w, os.path.join(a.pcaps, "%s.%s.log" % (name, w)))
                for w in ("sshd", "ssh")]
        logs = [(w, p) for w, p in logs if os.path.exists(p)]
        if capture is None or not logs:
            failed += 1
            print("FAIL %s: no capture or no log beside it (re-record with "
                  "pcaps/record.sh)" % name)
            continue
        for w, p in logs:
            pairs.append(("%s.%s.log" % (name, w), capture, p, w))
    pairs.append(("seed_openssh53_libssh2.sshd.log (OpenSSH 5.3 format)",
                  os.path.join(a.pcaps, "seed_openssh53_libssh2.pcap"),
                  os.path.join(a.logs, "seed_openssh53_libssh2.sshd.log"), "sshd"))
    for label, capture, log, writer in pairs:
        errors, p = compare(a.kexray, capture, log, writer)
        if errors:
            failed += 1
            print("FAIL %s" % label)
            for e in errors:
                print("    " + e)
        else:
            passed += 1
            print("ok   %s: %s %s" % (label, p["verdict"], ",".join(p["mismatch"])))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
