#!/usr/bin/env python3
"""--format zeek --output DIR writes a Zeek log directory
(docs/output-format.md "Zeek log directory"):

  - ssh.log, kexray_close.log, kexray_kexinit.log and notice.log, each
    with Zeek's header (#separator, #set_separator, #empty_field,
    #unset_field, #path named after the file, #open, #fields and #types of
    equal length) and #close last, every row with one value per field, read
    by a small reader here;
  - the rows say what the JSON records of the same run say: ssh.log is
    --format zeek's output; one kexray_close.log row per close record (uid,
    community_id, phase, cause); one kexray_kexinit.log row per kexinit
    record (id, role, the lists); one notice.log row per brute-force record,
    SSH::Password_Guessing in Zeek's words;
  - auth_success in kexray_close.log: F for a failed authentication seen
    in packets (close_bruteforce.pcap), T for the login a log states
    (openssh_login.sshd.log), never T without a session;
  - with zeek-cut (zeek-aux; not in Debian 12) each log is read by it too,
    else that check is skipped;
  - another format with a directory is a usage error (2).

Usage: zeek_dir_test.py --kexray BUILD/kexray --pcaps DIR
Prints one line per check and a final "N passed, M failed".
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from kxtest import ENV, check, finish, records, run  # noqa: E402

LOGS = ["ssh.log", "kexray_close.log", "kexray_kexinit.log", "notice.log"]
LISTS = ["kex_algorithms", "server_host_key_algorithms",
         "encryption_algorithms_client_to_server",
         "encryption_algorithms_server_to_client",
         "mac_algorithms_client_to_server", "mac_algorithms_server_to_client",
         "compression_algorithms_client_to_server",
         "compression_algorithms_server_to_client",
         "languages_client_to_server", "languages_server_to_client"]
# Zeek 6's notice.log columns (base/frameworks/notice/main.zeek
# Notice::Info, as Zeek writes its header).
NOTICE_FIELDS = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p fuid file_mime_type "
                 "file_desc proto note msg sub src dst p n peer_descr actions email_dest "
                 "suppress_for remote_location.country_code remote_location.region "
                 "remote_location.city remote_location.latitude "
                 "remote_location.longitude").split()
NOTICE_TYPES = ("time string addr port addr port string string string enum enum string "
                "string addr addr port count string set[enum] set[string] interval string "
                "string string double double").split()


def unescape(v):
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), v)


def read_log(path):
    """(meta, fields, types, rows as dicts, problems) of one Zeek log."""
    meta, fields, types, rows, bad = {}, None, None, [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "#separator \\x09":
        bad.append("first line %r" % (lines[:1],))
    for i, line in enumerate(lines[1:], 1):
        if line.startswith("#"):
            tag, _, val = line[1:].partition("\t")
            if tag == "fields":
                fields = val.split("\t")
            elif tag == "types":
                types = val.split("\t")
            else:
                meta[tag] = val
            continue
        vals = line.split("\t")
        if fields is None or len(vals) != len(fields):
            bad.append("line %d: %d values for %s fields" %
                       (i, len(vals), None if fields is None else len(fields)))
            continue
        rows.append(dict(zip(fields, vals)))
    if not lines or not lines[-1].startswith("#close\t"):
        bad.append("no #close at the end")
    return meta, fields, types, rows, bad


def check_header(name, path, want_path):
    meta, fields, types, rows, bad = read_log(path)
    ok = (not bad and meta.get("set_separator") == "," and
          meta.get("empty_field") == "(empty)" and meta.get("unset_field") == "-" and
          meta.get("path") == want_path and
          re.fullmatch(r"\d{4}(-\d\d){5}", meta.get("open", "")) and
          re.fullmatch(r"\d{4}(-\d\d){5}", meta.get("close", "")) and
          fields and types and len(fields) == len(types))
    check("%s: %s has Zeek's header, #close, and %d rows of %d values" %
          (name, os.path.basename(path), len(rows), len(fields or [])), ok,
          (bad, meta, len(fields or []), len(types or [])))
    return fields, rows


def zeek_dir(k, args, d):
    os.makedirs(d)
    rc, _, _ = run(k, args + ["--format", "zeek", "-o", d], quiet=True)
    return rc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kexray", required=True)
    ap.add_argument("--pcaps", required=True)
    a = ap.parse_args()
    k = a.kexray
    tmp = tempfile.mkdtemp(prefix="kexray-zeekdir-")
    zeek_cut = shutil.which("zeek-cut")
    try:
        inputs = [
            ("close_bruteforce", ["-r", os.path.join(a.pcaps, "close_bruteforce.pcap")]),
            ("close_middlebox_rst_client",
             ["-r", os.path.join(a.pcaps, "close_middlebox_rst_client.pcap")]),
            ("openssh_kex_mismatch",
             ["-r", os.path.join(a.pcaps, "openssh_kex_mismatch.pcap")]),
            ("openssh_login.sshd.log",
             ["--sshd-log", os.path.join(a.pcaps, "openssh_login.sshd.log")]),
        ]
        auth = {}
        for name, args in inputs:
            d = os.path.join(tmp, name)
            rc = zeek_dir(k, args, d)
            check("%s: exit status as with the other formats (%d)" % (name, rc),
                  rc in (0, 1), rc)
            check("%s: the directory holds the four logs" % name,
                  sorted(os.listdir(d)) == sorted(LOGS), os.listdir(d))
            logs = {}
            for lg in LOGS:
                if os.path.exists(os.path.join(d, lg)):
                    logs[lg] = check_header(name, os.path.join(d, lg), lg[:-4])
            _, js, _ = run(k, args + ["--json"], quiet=True)
            recs = [json.loads(l) for l in js.splitlines()]
            _, zk, _ = run(k, args + ["--format", "zeek"], quiet=True)
            zrows = [l for l in zk.splitlines() if not l.startswith("#")]
            with open(os.path.join(d, "ssh.log")) as f:
                drows = [l for l in f.read().splitlines() if not l.startswith("#")]
            check("%s: ssh.log rows are --format zeek's" % name,
                  drows == zrows and drows, (len(drows), len(zrows)))

            closes = [r for r in recs if r["type"] == "close"]
            rows = logs.get("kexray_close.log", (None, []))[1]
            diffs = []
            if len(rows) != len(closes):
                diffs.append("%d rows, %d close records" % (len(rows), len(closes)))
            for row, rec in zip(rows, closes):
                for col, key in (("uid", "uid"), ("community_id", "community_id"),
                                 ("phase", "phase"), ("cause", "cause"),
                                 ("id.orig_h", "id.orig_h")):
                    if row[col] != str(rec.get(key, "-")):
                        diffs.append((col, row[col], rec.get(key)))
                if unescape(row["cause_text"]) != rec["cause_text"]:
                    diffs.append(("cause_text", row["cause_text"]))
                if row["problem"] != ("T" if rec["problem"] else "F"):
                    diffs.append(("problem", row["problem"]))
                if row["third_party"] != ("T" if rec["third_party"] else "F"):
                    diffs.append(("third_party", row["third_party"]))
                if int(row["resets_total"]) != rec["resets_total"]:
                    diffs.append(("resets_total", row["resets_total"]))
                verdicts = [r["verdict"] for r in rec.get("resets", [])]
                if row["reset_verdicts"] != (",".join(verdicts) or "(empty)"):
                    diffs.append(("reset_verdicts", row["reset_verdicts"], verdicts))
                if row["auth_success"] == "T" and rec["phase"] != "session":
                    diffs.append(("auth_success T without a session", row["uid"]))
                auth.setdefault(name, []).append(row["auth_success"])
            check("%s: kexray_close.log agrees with the close records (%d rows)" %
                  (name, len(rows)), not diffs and rows, diffs[:4])

            kex = [r for r in recs if r["type"] == "kexinit"]
            rows = logs.get("kexray_kexinit.log", (None, []))[1]
            diffs = []
            if len(rows) != len(kex):
                diffs.append("%d rows, %d kexinit records" % (len(rows), len(kex)))
            for row, rec in zip(rows, kex):
                if row["id"] != rec["id"] or row["role"] != rec["role"]:
                    diffs.append((row["id"], rec["id"]))
                for lst in LISTS:
                    want = ",".join(rec[lst]) or "(empty)"
                    if unescape(row[lst]) != want:
                        diffs.append((lst, row[lst], want))
                if int(row["weak_total"]) != rec["weak_total"]:
                    diffs.append(("weak_total", row["weak_total"]))
            check("%s: kexray_kexinit.log agrees with the kexinit records (%d rows)"
                  % (name, len(rows)), not diffs, diffs[:4])

            brute = [r for r in recs if r["type"] == "bruteforce"]
            rows = logs.get("notice.log", (None, []))[1]
            diffs = []
            if len(rows) != len(brute):
                diffs.append("%d rows, %d bruteforce records" % (len(rows), len(brute)))
            for row, rec in zip(rows, brute):
                want = {"note": "SSH::Password_Guessing", "src": rec["id.orig_h"],
                        "dst": rec["id.resp_h"], "p": str(rec["id.resp_p"]),
                        "n": str(rec["count"]), "actions": "Notice::ACTION_LOG",
                        "msg": "%s appears to be guessing SSH passwords (seen in "
                               "%d connections)." % (rec["id.orig_h"], rec["count"]),
                        "sub": "Sampled servers:  %s" % rec["id.resp_h"]}
                for col, w in want.items():
                    if row[col] != w:
                        diffs.append((col, row[col], w))
            check("%s: notice.log has one SSH::Password_Guessing per brute-force "
                  "record (%d)" % (name, len(rows)), not diffs, diffs[:4])

            if zeek_cut:
                for lg in LOGS:
                    p = subprocess.run([zeek_cut, "-c"], stdin=open(os.path.join(d, lg)),
                                       stdout=subprocess.PIPE, timeout=60)
                    check("%s: zeek-cut reads %s" % (name, lg), p.returncode == 0,
                          p.returncode)
        check("close_bruteforce: failed authentications are F in kexray_close.log",
              "F" in auth.get("close_bruteforce", []), auth.get("close_bruteforce"))
        meta, nf, nt, _, _ = read_log(os.path.join(tmp, "close_bruteforce", "notice.log"))
        check("notice.log has Zeek's notice columns and types, in Zeek's order",
              nf == NOTICE_FIELDS and nt == NOTICE_TYPES, (nf, nt))
        check("close_bruteforce: notice.log holds the brute force",
              len(read_log(os.path.join(tmp, "close_bruteforce", "notice.log"))[3]) == 1)
        check("openssh_login.sshd.log: the login is T in kexray_close.log",
              auth.get("openssh_login.sshd.log") == ["T"],
              auth.get("openssh_login.sshd.log"))
        if not zeek_cut:
            print("skip zeek-cut: not installed (zeek-aux is not in Debian 12)")

        # Every capture, the hostile ones too: whatever the bytes, each log
        # keeps Zeek's form (escaped values, one per field, #close).
        hostile = sorted(glob.glob(os.path.join(a.pcaps, "*.pcap")) +
                         glob.glob(os.path.join(a.pcaps, "adversarial", "*.pcap")))
        bad, rows_total = [], 0
        for i, p in enumerate(hostile):
            d = os.path.join(tmp, "all%d" % i)
            rc = zeek_dir(k, ["-r", p], d)
            for lg in LOGS:
                path = os.path.join(d, lg)
                if not os.path.exists(path):
                    bad.append((os.path.basename(p), lg, "missing", rc))
                    continue
                meta, fields, types, rows, probs = read_log(path)
                rows_total += len(rows)
                if probs or meta.get("path") != lg[:-4] or \
                        len(fields or []) != len(types or []):
                    bad.append((os.path.basename(p), lg, probs[:2]))
        check("every capture in pcaps/ and pcaps/adversarial/ (%d) gives four "
              "well-formed Zeek logs (%d rows)" % (len(hostile), rows_total),
              not bad and rows_total > 0, bad[:4])

        d = os.path.join(tmp, "json")
        os.makedirs(d)
        rc, _, _ = run(k, ["-r", inputs[0][1][1], "--json", "-o", d], quiet=True)
        check("--json with a directory is a usage error (2)", rc == 2, rc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
